"""A robot workshop that buys: the sales kit's site with purchasing (and planning), two
suppliers of processors and mainboards, and their price lists.

Test files ``import purchasing_kit as kit``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sales_kit

TODAY = date(2026, 12, 7)
SUPPLIER_A = "Alpha Components"
SUPPLIER_B = "Beta Electronics"
PARTS = {"CPU": ("Processor", "component"), "MAINBOARD": ("Mainboard", "component")}


def build(make_site: Any, *, plugins: list[str] | None = None, offers: bool = True,
          extra_plugins: list[Any] = ()) -> Any:
    """The sales kit's site plus purchasing, the parts above and two suppliers (A's
    address on file); with ``offers``, their prices (A cheaper for CPU but expired)."""
    from ordercraft.core.services import items, parties

    site = sales_kit.build(make_site, plugins=plugins or ["crm", "sales", "purchasing"],
                           extra_plugins=list(extra_plugins))
    with site.session() as session:
        for sku, (name, kind) in PARTS.items():
            items.create_item(session, sku, name=name, kind=kind, valuation="fifo",
                              attributes={"group": "electronics"})
        parties.create_party(session, SUPPLIER_A, kind="supplier", email="sales@alpha.test")
        parties.create_party(session, SUPPLIER_B, kind="supplier")
    if offers:
        add_offers(site)
    return site


def add_offers(site: Any) -> None:
    from ordercraft.plugins.purchasing.matrix import add_offer

    with site.session() as session:
        add_offer(session, {"sku": "CPU", "supplier": SUPPLIER_A, "price": "39.00",
                            "valid_to": "2026-11-30", "lead_time_days": 3})
        add_offer(session, {"sku": "CPU", "supplier": SUPPLIER_B, "price": "41.20",
                            "valid_to": "2027-03-31", "lead_time_days": 7, "min_qty": "10",
                            "multiple": "5", "breaks": "50:40.00"})
        add_offer(session, {"sku": "MAINBOARD", "supplier": SUPPLIER_A, "price": "71.00",
                            "lead_time_days": 10, "preferred": True})
        add_offer(session, {"sku": "MAINBOARD", "supplier": SUPPLIER_B, "price": "71.00",
                            "lead_time_days": 10})
        add_offer(session, {"sku": "SENSOR", "supplier": SUPPLIER_B, "price": "2.10",
                            "lead_time_days": 5, "multiple": "50"})


def balance(site: Any, sku: str, warehouse: str = "MAIN") -> Decimal:
    from ordercraft.core.stock import api as stock_api

    with site.session() as session:
        return stock_api.balance(session, sku, warehouse).qty
