"""planning's part of the demo story (DESIGN.md, step 4), seeded after every other
plugin: the workshop plans its parts store and main warehouse as one site; the robot
school has announced a second classroom (a forecast of standard robots), so MRP plans a
production order pegged to it. The planner firms it; its missing components become
supplier requests (route ``shortages``), grouped into purchase orders that go to the
suppliers by e-mail, are confirmed and received into the parts store; then the
production order is released. Without production or the story's items, the demo keeps
one MRP run of what the site has.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ordercraft.sdk import demo
from ordercraft.sdk.errors import OrdercraftError, PluginError

#: The school's announced second classroom: standard robots, due in five weeks.
FORECAST = ("ROBOT-STD", Decimal(12), 35, "Robokids: a second classroom next term")
SITE_WAREHOUSES = "PARTS,MAIN"


def seed(session: Any, platform: Any) -> None:
    from ordercraft.plugins.planning.models import MrpRun, PlannedOrder
    from ordercraft.plugins.planning.runs import add_forecast
    from ordercraft.plugins.planning.site import WAREHOUSES_SETTING, run_mrp
    from ordercraft.sdk.models import Item, Warehouse
    from ordercraft.sdk.plugins import plugin_service
    from ordercraft.sdk.settings import set_setting

    if session.scalar(select(MrpRun.id).limit(1)) is not None:
        return
    users = demo.demo_users(session)
    codes = SITE_WAREHOUSES.split(",")
    if len(set(session.scalars(select(Warehouse.code).where(
            Warehouse.code.in_(codes))))) == len(codes):
        set_setting(session, WAREHOUSES_SETTING, SITE_WAREHOUSES)
    with demo.acting_as(session, users.get("manager")):
        try:
            plugin_service(session, "production", "structure")
        except PluginError:
            run_mrp(session)
            return
        sku, qty, days, note = FORECAST
        if session.scalar(select(Item.id).where(Item.sku == sku)) is None:
            run_mrp(session)
            return
        add_forecast(session, sku, (date.today() + timedelta(days=days)).isoformat(), qty,
                     note)
        run = run_mrp(session)
        planned = session.scalar(select(PlannedOrder).where(
            PlannedOrder.run_id == run.id, PlannedOrder.item == sku,
            PlannedOrder.kind == "make").order_by(PlannedOrder.release_date))
        if planned is None:
            return
    # Firming a made item's order needs production.write as well as planning.firm: the
    # workshop's admin walks it (the manager plans, the storekeeper receives).
    with demo.acting_as(session, users.get("admin")):
        try:
            with session.begin_nested():
                walk(session, planned.id, users)
        except OrdercraftError:  # a site whose stock or prices differ keeps the plan only
            return


def walk(session: Any, planned_id: int, users: dict[str, Any]) -> dict[str, Any]:
    """Firm the planned production order, buy its missing components (requests from
    shortages, one purchase order per supplier, sent by e-mail, confirmed, received into
    the site's warehouse) and release the production order. Returns the numbers made:
    ``production_order``, ``request``, ``purchase_orders``."""
    from ordercraft.plugins.planning.runs import firm
    from ordercraft.plugins.planning.site import site_warehouses
    from ordercraft.sdk.plugins import plugin_service
    from ordercraft.sdk.workflow import transition

    production_order = firm(session, planned_id).firmed_as
    assert production_order is not None
    supply = plugin_service(session, "purchasing", "supply")
    request = supply.generate_request(session, "shortages")
    warehouse = next(iter(site_warehouses(session)), None)
    purchase_orders = supply.order_request(session, request, warehouse=warehouse,
                                           serving=[production_order])
    arrival = date.today()
    for number in purchase_orders:
        order = document(session, "purchase_order", number)
        transition(session, order, "send", data={"pdf": False})
        transition(session, order, "confirm", data={"supplier_date": arrival.isoformat()})
        with demo.acting_as(session, users.get("storekeeper") or users.get("manager")):
            transition(session, order, "receive", data={"date": arrival.isoformat()})
    transition(session, document(session, "production_order", production_order), "release")
    return {"production_order": production_order, "request": request,
            "purchase_orders": purchase_orders}


def document(session: Any, document_type: str, title: str) -> Any:
    """A workflow document by its title (an order's number)."""
    from ordercraft.sdk.errors import NotFound
    from ordercraft.sdk.workflow import session_machines

    machine = session_machines(session).machine(document_type)
    found = session.scalar(select(machine.model).where(
        getattr(machine.model, machine.title_field) == title))
    if found is None:
        raise NotFound(f"{document_type} {title!r} does not exist", field="document")
    return found
