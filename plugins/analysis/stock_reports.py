"""analysis' own reports over the stock ledger (``sdk.stock.positions_at``): the stock
value at a date by warehouse and item group, and slow-moving stock. Registered before
the plugins' (hook ``register_reports``); see :mod:`.reports`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ordercraft.sdk.i18n import N_

from .reports import Column, ReportRegistry
from .site import group_labels

ZERO = Decimal(0)
#: The ledger values moves in cents (docs/stock.md): shown so.
CENT = Decimal("0.01")


def stock_value(session: Any, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The value on hand at the end of the day ``on`` per warehouse and item group (or
    per warehouse, per item group, per item)."""
    from ordercraft.sdk import stock

    groups = group_labels(session, "item-group")
    by = filters["by"]
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for position in stock.positions_at(session, filters.get("on"),
                                       warehouse=filters.get("warehouse")):
        group = groups.get(position.item_id, "")
        key = (position.warehouse if by != "item-group" else "",
               group if by != "warehouse" else "",
               position.sku if by == "item" else "")
        row = found.setdefault(key, {"warehouse": key[0], "group": key[1], "item": key[2],
                                     "qty": None, "items": 0, "value": ZERO})
        row["items"] += 1
        row["value"] += position.value.quantize(CENT)
        if by == "item":
            row["qty"] = position.qty
    return [found[key] for key in sorted(found)]


def slow_moving(session: Any, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Items on hand on the day ``on`` that went out of their warehouse last ``days`` or
    more days before (or never), the most valuable first."""
    from datetime import date

    from ordercraft.sdk import stock

    on = filters.get("on") or date.today()
    days = filters["days"]
    groups = group_labels(session, "item-group")
    rows = []
    for position in stock.positions_at(session, on, warehouse=filters.get("warehouse")):
        if position.qty <= 0:
            continue
        idle = (on - position.last_out).days if position.last_out else None
        if idle is not None and idle < days:
            continue
        rows.append({"warehouse": position.warehouse, "item": position.sku,
                     "group": groups.get(position.item_id, ""), "qty": position.qty,
                     "value": position.value.quantize(CENT), "last_out": position.last_out,
                     "idle_days": idle})
    return sorted(rows, key=lambda row: (-row["value"], row["warehouse"], row["item"]))


def add_stock_reports(registry: ReportRegistry) -> None:
    registry.add("stock_value", N_("Stock value at a date"), stock_value, columns=[
        Column("warehouse", N_("Warehouse")), Column("group", N_("Item group")),
        Column("item", N_("Item")), Column("qty", N_("Quantity"), "quantity"),
        Column("items", N_("Items"), "count", total=True),
        Column("value", N_("Value"), "money", total=True)],
        filters=("on", "by", "warehouse"),
        choices=("warehouse-group", "warehouse", "item-group", "item"),
        permission="stock.read",
        description=N_("What the stock was worth at the end of a day, as the ledger values "
                       "it, per warehouse and item group (the item's catalogue group)."))
    registry.add("slow_moving", N_("Slow-moving stock"), slow_moving, columns=[
        Column("warehouse", N_("Warehouse")), Column("item", N_("Item")),
        Column("group", N_("Item group")), Column("qty", N_("On hand"), "quantity"),
        Column("value", N_("Value"), "money", total=True),
        Column("last_out", N_("Last issue"), "date"),
        Column("idle_days", N_("Days idle"), "count")],
        filters=("on", "days", "warehouse"), defaults={"days": 90}, permission="stock.read",
        description=N_("Stock on hand that has not gone out for the given number of days "
                       "(default 90), or never."))
