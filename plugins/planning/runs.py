"""Stored MRP runs: reading them in the engine's output format (plus dates), planned
orders firmed into real orders, and per-item planning parameters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.planning.models import (
    ForecastLine,
    ItemPlanning,
    MrpRecord,
    MrpRun,
    PlannedOrder,
)
from ordercraft.plugins.planning.quantities import text
from ordercraft.sdk import items, validation
from ordercraft.sdk.errors import Conflict, NotFound, PluginError
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import plugin_service
from ordercraft.sdk.queries import Page, paginate

LOT_RULES = ("lot_for_lot", "fixed_order_quantity", "modifiers")


def get_run(session: Session, run_id: Any) -> MrpRun:
    require_session_permission(session, "planning.read")
    found = session.get(MrpRun, validation.whole_number(run_id, field="run", minimum=1))
    if found is None:
        raise NotFound(f"MRP run {run_id} does not exist", field="run")
    return found


def latest_run(session: Session) -> MrpRun | None:
    require_session_permission(session, "planning.read")
    return session.scalar(select(MrpRun).order_by(MrpRun.id.desc()).limit(1))


def list_runs(session: Session, *, limit: Any = None, offset: Any = None) -> Page[MrpRun]:
    require_session_permission(session, "planning.read")
    return paginate(session, select(MrpRun).order_by(MrpRun.id.desc()), limit, offset)


def run_summary(run: MrpRun) -> dict[str, Any]:
    return {"id": run.id, "created_at": run.created_at, "user": run.user_name,
            "date": run.start_date, "bucket": run.bucket, "periods": run.periods,
            "parameters": dict(run.parameters or {}), "planned_orders_count": run.order_count,
            "exceptions_count": len(run.exceptions or []), "seconds": run.seconds}


def pegging_of(order: PlannedOrder) -> list[dict[str, Any]]:
    """The demands the planned order serves (``[{"ref", "qty"}, ...]``), read back from
    the stored compact form with its run's keys."""
    from sqlalchemy.orm import object_session

    from ordercraft.plugins.planning.output import expand_pegging

    session = object_session(order)
    run = session.get(MrpRun, order.run_id) if session is not None else None
    return expand_pegging(order.pegging, run.pegging_keys if run is not None else None)


def order_dict(order: PlannedOrder) -> dict[str, Any]:
    return {"id": order.id, "item": order.item, "kind": order.kind, "qty": text(order.qty),
            "due_period": order.due_period, "release_period": order.release_period,
            "due_date": order.due_date, "release_date": order.release_date,
            "late": order.late, "supplier": order.supplier, "pegging": pegging_of(order),
            "firmed_as": order.firmed_as}


def run_dict(session: Session, run: MrpRun, *, item: Any = None) -> dict[str, Any]:
    """The run in the output format of ``mrp plan`` (records, planned orders, exceptions,
    low-level codes) plus the run's summary and each order's dates; ``item`` keeps one
    item's record and orders."""
    records = select(MrpRecord).where(MrpRecord.run_id == run.id).order_by(MrpRecord.item)
    orders = select(PlannedOrder).where(PlannedOrder.run_id == run.id).order_by(
        PlannedOrder.id)
    if item not in (None, ""):
        records = records.where(MrpRecord.item == str(item))
        orders = orders.where(PlannedOrder.item == str(item))
    return {"ok": True, "run": run_summary(run), "low_level_codes": dict(run.low_level_codes),
            "records": {row.item: row.record for row in session.scalars(records)},
            "planned_orders": [order_dict(order) for order in session.scalars(orders)],
            "exceptions": list(run.exceptions or [])}


def planned_orders(session: Session, run: MrpRun, *, item: Any = None, late: Any = None,
                   limit: Any = None, offset: Any = None) -> Page[PlannedOrder]:
    query = select(PlannedOrder).where(PlannedOrder.run_id == run.id).order_by(
        PlannedOrder.release_date, PlannedOrder.id)
    if item not in (None, ""):
        query = query.where(PlannedOrder.item == str(item))
    if late not in (None, ""):
        query = query.where(PlannedOrder.late.is_(validation.flag(late, field="late")))
    return paginate(session, query, limit, offset)


def firm(session: Session, order_id: Any) -> PlannedOrder:
    """Turn a planned order into a draft purchase order (bought items: the best offer's
    supplier, the quantity raised to its minimum and multiple) or a production order
    (made items, through production); once. Both go to the planning site's first
    warehouse (setting ``planning_warehouses``), else to the default ones."""
    require_session_permission(session, "planning.firm")
    order = session.get(PlannedOrder, validation.whole_number(order_id, field="order",
                                                               minimum=1))
    if order is None:
        raise NotFound(f"planned order {order_id} does not exist", field="order")
    if order.firmed_as:
        raise Conflict(f"planned order {order.id} was firmed already as {order.firmed_as}",
                       field="order")
    from ordercraft.plugins.planning.site import site_warehouses

    item = items.get_item(session, order.item)
    warehouse = next(iter(site_warehouses(session)), None)
    source = f"MRP run {order.run_id}, planned order {order.id}"
    sources = [{"ref": peg.get("ref") or f"safety stock {peg.get('item')}", "qty": peg["qty"]}
               for peg in pegging_of(order)]
    if order.kind == "buy":
        supply = plugin_service(session, "purchasing", "supply")
        offer = supply.best_offer(session, item.id, order.qty, order.release_date)
        if offer is None:
            raise Conflict(f"planned order {order.id}: {item.sku} has no valid offer in the "
                           "product matrix to buy from", field="supplier",
                           code="no_supplier")
        order.firmed_as = supply.create_purchase_order(
            session, offer.supplier_id,
            [{"item_id": item.id, "qty": offer.order_qty, "expected_date": order.due_date,
              "sources": sources}], expected_date=order.due_date, notes=source,
            warehouse=warehouse)
    else:
        try:
            structure = plugin_service(session, "production", "structure")
        except PluginError:
            raise Conflict(f"planned order {order.id}: {item.sku} is made, and the "
                           "production plugin is not enabled", field="order",
                           code="production_unavailable") from None
        order.firmed_as = structure.create_order(session, item.id, order.qty, order.due_date,
                                                 source=source, warehouse=warehouse)
    session.flush()
    return order


def set_params(session: Session, sku: Any, values: dict[str, Any]) -> ItemPlanning:
    """``mrp params SKU``: change the given planning parameters of an item."""
    require_session_permission(session, "planning.run")
    item = items.get_item(session, sku)
    row = session.get(ItemPlanning, item.id)
    if row is None:
        row = ItemPlanning(item_id=item.id, safety_stock=Decimal(0), lot_rule="lot_for_lot")
        session.add(row)

    def qty(name: str, *, positive: bool = False) -> Decimal | None:
        value = values.get(name)
        if value in (None, ""):
            return None
        number = validation.decimal(value, field=name, places=6, minimum=Decimal(0))
        if positive and number <= 0:
            raise validation.invalid(name, f"{value!r} must be more than 0")
        return number

    if values.get("lead_time") not in (None, ""):
        row.lead_time_days = validation.whole_number(values["lead_time"], field="lead_time",
                                                     minimum=0, maximum=3650)
    if values.get("safety_stock") not in (None, ""):
        row.safety_stock = qty("safety_stock") or Decimal(0)
    if values.get("make_or_buy") not in (None, ""):
        row.make_or_buy = validation.choice(values["make_or_buy"], field="make_or_buy",
                                            choices=("make", "buy"))
    if values.get("grouping_days") not in (None, ""):
        row.grouping_days = validation.whole_number(values["grouping_days"],
                                                    field="grouping_days", minimum=1,
                                                    maximum=3650)
    if values.get("lot_rule") not in (None, ""):
        row.lot_rule = validation.choice(values["lot_rule"], field="lot_rule",
                                         choices=LOT_RULES)
        row.lot_qty = qty("lot_qty", positive=True)
        row.lot_min = qty("lot_min")
        row.lot_max = qty("lot_max", positive=True)
        row.lot_multiple = qty("lot_multiple", positive=True)
        if row.lot_rule == "fixed_order_quantity" and row.lot_qty is None:
            raise validation.invalid("lot_qty", "a fixed order quantity needs --lot-qty")
        if (row.lot_min is not None and row.lot_max is not None
                and row.lot_min > row.lot_max):
            raise validation.invalid("lot_max", f"{text(row.lot_max)} is below the minimum "
                                                f"{text(row.lot_min)}")
    session.flush()
    return row


def params_dict(session: Session, row: ItemPlanning) -> dict[str, Any]:
    sku = items.get_item_by_id(session, row.item_id).sku

    def exact(value: Decimal | None) -> str | None:
        return None if value is None else text(value)

    return {"item": sku, "lead_time": row.lead_time_days,
            "safety_stock": exact(row.safety_stock), "make_or_buy": row.make_or_buy,
            "lot_rule": row.lot_rule, "lot_qty": exact(row.lot_qty),
            "lot_min": exact(row.lot_min), "lot_max": exact(row.lot_max),
            "lot_multiple": exact(row.lot_multiple), "grouping_days": row.grouping_days}


def count_orders(session: Session, run: MrpRun) -> int:
    return session.scalar(select(func.count()).select_from(PlannedOrder)
                          .where(PlannedOrder.run_id == run.id)) or 0


def add_forecast(session: Session, sku: Any, due: Any, qty: Any, note: str = ""
                 ) -> dict[str, Any]:
    """``mrp forecast SKU --date D --qty Q``: expected demand for the plan."""
    require_session_permission(session, "planning.run")
    item = items.get_item(session, sku)
    day = validation.day(due, field="date")
    if day is None:
        raise validation.invalid("date", "give the date the forecast is due")
    amount = items.check_quantity(item, qty, field="qty")
    if amount <= 0:
        raise validation.invalid("qty", f"{qty!r} must be more than 0")
    line = ForecastLine(item_id=item.id, due_date=day, qty=amount,
                        note=validation.text(note, field="note", max_length=200))
    session.add(line)
    session.flush()
    return {"id": line.id, "item": item.sku, "due_date": day, "qty": text(amount),
            "note": line.note}
