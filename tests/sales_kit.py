"""A small robot workshop for the sales tests: a warehouse, items, two clients, stock.

Test files ``import sales_kit as kit`` (the tests folder is on ``sys.path`` through
pytest's ``pythonpath`` setting).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

#: sku -> (name, kind, valuation, list price)
ITEMS = {
    "ROBOT-STD": ("Standard robot", "assembly", "fifo", "1450.00"),
    "KIT": ("Construction kit", "good", "fifo", "320.00"),
    "ROBOT-CUSTOM": ("Custom robot", "assembly", "fifo", "2950.00"),
    "PAINT": ("Paint, blue", "component", "average", "18.50"),
    "SW-INSTALL": ("Software installation", "service", "fifo", "40.00"),
    "SENSOR": ("Distance sensor", "component", "fifo", "4.20"),
}

#: sku -> (qty, unit cost) received into MAIN
STOCK = {"ROBOT-STD": (6, "900.00"), "KIT": (8, "150.00"), "PAINT": ("10", "11.00"),
         "SENSOR": (100, "2.50")}

SCHOOL = "Future Engineers Robotics School"
CLUB = "CodeCamp Kids Club"


def build(make_site: Any, *, stock: bool = True, plugins: list[str] | None = None,
          extra_plugins: list[Any] = ()) -> Any:
    """A site with crm and sales, MAIN, the items above, two clients (the school with two
    legal entities over time), and the stock above."""
    from datetime import date

    from ordercraft.core.services import items, parties, warehouses
    from ordercraft.core.stock import api as stock_api

    site = make_site(plugins=plugins or ["crm", "sales"], extra_plugins=list(extra_plugins))
    with site.session() as session:
        warehouses.create_warehouse(session, "MAIN", name="Main warehouse")
        warehouses.create_warehouse(session, "PARTS", name="Parts store")
        for sku, (name, kind, valuation, price) in ITEMS.items():
            items.create_item(session, sku, name=name, kind=kind, valuation=valuation,
                              price=Decimal(price), unit="l" if sku == "PAINT" else "pc",
                              unit_precision=3 if sku == "PAINT" else 0,
                              attributes={"made_to_order": True}
                              if sku == "ROBOT-CUSTOM" else None)
        school = parties.create_party(session, SCHOOL, kind="client", tags=["school"])
        parties.add_legal_entity(session, school.id, name="Future Engineers Education Ltd",
                                 tax_id="7701000101", valid_from=date(2019, 9, 1),
                                 valid_to=date(2023, 8, 31))
        parties.add_legal_entity(session, school.id, name="Future Engineers Academy Trust",
                                 tax_id="7701000102", valid_from=date(2023, 9, 1))
        parties.create_party(session, CLUB, kind="client")
        parties.create_party(session, "Siliconix Components", kind="supplier")
        if stock:
            for sku, (qty, cost) in STOCK.items():
                stock_api.receive(session, sku, "MAIN", qty, cost, date=date(2024, 1, 10))
    return site


def order(site: Any, *lines: str, client: str = SCHOOL, user: Any = None, **values: Any) -> int:
    """A draft order; returns its id."""
    from ordercraft.plugins.sales.orders import create_order

    with site.session(user) as session:
        return create_order(session, client, lines=list(lines), **values).id


def move(site: Any, order_id: int, name: str, user: Any = None, **kwargs: Any) -> Any:
    from ordercraft.core.workflow.documents import transition
    from ordercraft.plugins.sales.orders import get_order

    with site.session(user) as session:
        return transition(session, get_order(session, order_id), name, **kwargs)


def ship(site: Any, order_id: int, lines: list[tuple[int, Any]] | None = None,
         user: Any = None, **kwargs: Any) -> Any:
    from ordercraft.plugins.sales.machine import ship_order
    from ordercraft.plugins.sales.orders import get_order

    with site.session(user) as session:
        wanted = None if lines is None else [{"line": p, "qty": q} for p, q in lines]
        return ship_order(session, get_order(session, order_id), wanted, **kwargs)


def lines(site: Any, order_id: int) -> list[dict[str, Any]]:
    """``[{"item", "qty", "reserved", "shipped", "to_produce", "to_buy"}, ...]`` as text."""
    from ordercraft.plugins.sales.orders import get_order, line_dict

    with site.session() as session:
        found = get_order(session, order_id)
        return [{key: str(value) for key, value in line_dict(line).items()
                 if key in ("item", "qty", "reserved", "shipped", "to_produce", "to_buy")}
                for line in found.lines]


def state(site: Any, order_id: int) -> str:
    from ordercraft.plugins.sales.orders import get_order

    with site.session() as session:
        return get_order(session, order_id).state


def balance(site: Any, sku: str, warehouse: str = "MAIN") -> tuple[str, str]:
    """``(on hand, reserved)`` as text at the item's precision."""
    from ordercraft.core.stock import api as stock_api

    with site.session() as session:
        found = stock_api.balance(session, sku, warehouse).to_dict()
    return found["qty"], found["reserved"]


def holders(site: Any, sku: str, warehouse: str = "MAIN") -> dict[str, str]:
    from ordercraft.core.stock import api as stock_api

    with site.session() as session:
        return {holder: str(qty.normalize()) for holder, qty in
                stock_api.reservations(session, sku, warehouse).items()}
