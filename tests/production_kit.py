"""A small robot workshop for the production tests: MAIN, parts with FIFO and average
stock, a node made of parts, a robot made of nodes, an assembly centre and a map.

Test files ``import production_kit as kit``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

#: sku -> (name, kind, unit, precision, valuation, standard cost)
ITEMS = {
    "CPU": ("Processor", "component", "pc", 0, "fifo", "62.00"),
    "MB": ("Mainboard", "component", "pc", 0, "average", "71.00"),
    "SCREW": ("Screw M3", "component", "pc", 0, "fifo", "0.10"),
    "CABLE": ("Cable", "component", "m", 3, "average", "2.00"),
    "NODE": ("Controller node", "assembly", "pc", 0, "fifo", "140.00"),
    "ROBOT": ("Standard robot", "assembly", "pc", 0, "fifo", None),
}

#: (sku, qty, unit cost, day) received into MAIN
RECEIPTS = [("CPU", 5, "60.00", date(2024, 1, 10)), ("CPU", 10, "62.00", date(2024, 1, 11)),
            ("MB", 10, "71.00", date(2024, 1, 10)), ("SCREW", 1000, "0.10", date(2024, 1, 10)),
            ("CABLE", "100", "2.00", date(2024, 1, 10))]


def build(make_site: Any, *, stock: bool = True, boms: bool = True) -> Any:
    from ordercraft.core.services import items, warehouses
    from ordercraft.core.stock import api as stock_api
    from ordercraft.plugins.production.boms import add_bom
    from ordercraft.plugins.production.routings import add_routing, add_work_centre

    site = make_site(plugins=["production"])
    with site.session() as session:
        warehouses.create_warehouse(session, "MAIN", name="Main warehouse")
        for sku, (name, kind, unit, precision, valuation, cost) in ITEMS.items():
            items.create_item(session, sku, name=name, kind=kind, unit=unit,
                              unit_precision=precision, valuation=valuation, standard_cost=cost)
        if stock:
            for sku, qty, cost, day in RECEIPTS:
                stock_api.receive(session, sku, "MAIN", qty, cost, date=day)
        if boms:
            add_work_centre(session, "ASSY", name="Assembly", cost_per_hour="30.00")
            add_routing(session, "NODE-MAP", [{"name": "Assemble node", "work_centre": "ASSY",
                                               "setup_min": 30, "cycle_min": 15}], item="NODE")
            add_bom(session, "NODE", [{"component": "CPU", "qty": 1},
                                      {"component": "MB", "qty": 1},
                                      {"component": "SCREW", "qty": 4, "scrap_pct": 5},
                                      {"component": "CABLE", "qty": 50, "unit": "cm"}],
                    routing="NODE-MAP")
            add_bom(session, "ROBOT", [{"component": "NODE", "qty": 2},
                                       {"component": "SCREW", "qty": 12}])
    return site


def cli_json(site: Any, args: str, code: int = 0) -> Any:
    result = site.cli(args)
    assert result.exit_code == code, (result.output, result.stderr)
    return result.json() if code == 0 else result
