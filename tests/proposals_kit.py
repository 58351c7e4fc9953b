"""A workshop for the proposals tests: the sales kit's site with proposals, the parts of a
configurable education robot (with stock, so costs come from the ledger), the template
``ROBOT-EDU`` and a deal of the school.

Prices and stock costs (FIFO, one receipt each)::

    FRAME   400.00   cost 250.00        CPU-A4   90.00   cost  61.00
    MB-M    110.00   cost  70.00        CPU-A8  150.00   cost  98.00
    MB-L    180.00   cost 120.00        SENSOR    4.20   cost   2.50 (sales kit)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sales_kit

SCHOOL = sales_kit.SCHOOL
PARTS = {"FRAME": ("Robot frame", "400.00", "250.00"), "CPU-A4": ("Processor A4", "90.00", "61.00"),
         "CPU-A8": ("Processor A8", "150.00", "98.00"), "MB-M": ("Mainboard M", "110.00", "70.00"),
         "MB-L": ("Mainboard L", "180.00", "120.00")}

DEFINITION = {
    "base": [{"item": "FRAME", "qty": 1}],
    "groups": [
        {"key": "processor", "title": "Processor", "select": "one", "options": [
            {"key": "a4", "item": "CPU-A4", "label": "A4, 4 cores",
             "characteristics": {"Cores": "4"}},
            {"key": "a8", "item": "CPU-A8", "label": "A8, 8 cores",
             "characteristics": {"Cores": "8"}}]},
        {"key": "board", "title": "Mainboard", "select": "one", "options": [
            {"key": "m", "item": "MB-M", "label": "M, 8 ports"},
            {"key": "l", "item": "MB-L", "label": "L, 16 ports",
             "characteristics": {"Ports": "16"}}]},
        {"key": "sensors", "title": "Sensors", "select": "any", "min": 0, "max": 1,
         "options": [{"key": "distance", "item": "SENSOR", "label": "Distance sensor",
                      "max_qty": 8}]}],
    "rules": [
        {"if": "board.l", "requires": "processor.a8",
         "message": "board kind L needs processor A8"},
        {"max": 4, "of": "sensors", "per": "board"}],
}


def build(make_site: Any) -> Any:
    from datetime import date

    from ordercraft.core.services import items
    from ordercraft.core.stock import api as stock_api

    site = sales_kit.build(make_site, plugins=["crm", "sales", "proposals"])
    with site.session() as session:
        for sku, (name, price, cost) in PARTS.items():
            items.create_item(session, sku, name=name, kind="component", valuation="fifo",
                              price=Decimal(price), unit="pc", unit_precision=0)
            stock_api.receive(session, sku, "MAIN", 50, cost, date=date(2024, 1, 10))
        from ordercraft.plugins.proposals.proposals import save_template

        save_template(session, "ROBOT-EDU", name="Education robot", definition=DEFINITION,
                      description="A sturdy classroom robot.")
        from ordercraft.plugins.crm.deals import create_deal

        create_deal(session, SCHOOL, "Robotics classroom", amount=Decimal("30000"))
    return site


def proposal(site: Any, **values: Any) -> int:
    from ordercraft.plugins.proposals.proposals import create_proposal

    values.setdefault("proposal_date", "2024-03-01")
    values.setdefault("valid_until", "2099-12-31")
    with site.session() as session:
        return create_proposal(session, SCHOOL, **values).id
