"""sales' management reports, contributed to analysis' report pages through its hook
``register_reports`` (optional: without analysis there are no report pages):

``sales``          shipped sales by month, client, item, manager, item group or warehouse:
                   quantity, lines, revenue, cost, gross margin and margin %
``gross_margin``   the same by item (or client, manager, item group), highest margin first
``backlog``        confirmed orders not shipped in full: what is still to ship
``shortages``      open order lines confirmation found short (to buy or to produce)
``receivables``    what clients owe by age on a day

Sales for whole months are summed from the monthly totals (:mod:`.summary`), other
ranges and a client filter from the shipped lines (service ``facts``): in SQL either way.
Rows are dicts of ``Decimal`` numbers; analysis adds the totals and the exports.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from ordercraft.sdk.i18n import N_

from .facts import FACTS

ZERO = Decimal(0)
SALES_BY = ("month", "client", "item", "manager", "item-group", "warehouse")
MARGIN_BY = ("item", "client", "manager", "item-group")
#: The monthly totals' dimension that answers each ``by`` (a month or a warehouse is in
#: every dimension's rows: the manager's are the fewest).
DIMENSION = {"month": "manager", "client": "client", "item": "item", "manager": "manager",
             "item-group": "item", "warehouse": "manager"}


def _range(filters: Mapping[str, Any]) -> tuple[date, date]:
    today = date.today()
    return (filters.get("from") or date(today.year, 1, 1),
            filters.get("to") or date(today.year, 12, 31))


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def _labels(session: Any, by: str) -> dict[Any, str]:
    from ordercraft.sdk.models import Item, Party, User, Warehouse

    if by == "client":
        return dict(session.execute(select(Party.id, Party.name)).all())
    if by == "item":
        return dict(session.execute(select(Item.id, Item.sku)).all())
    if by == "manager":
        return {0: "", **dict(session.execute(select(User.id, User.name)).all())}
    if by == "warehouse":
        return dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    if by == "item-group":
        from ordercraft.sdk.items import item_group_names

        return item_group_names(session)
    return {}


def _month_key(value: Any) -> str:
    return str(value)[:7]


def sales_rows(session: Any, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Shipped sales over the range grouped by ``by``, in SQL."""
    from ordercraft.plugins.sales.orders import resolve_client
    from ordercraft.sdk.warehouses import get_warehouse

    by = filters["by"]
    start, end = _range(filters)
    client = filters.get("client")
    client_id = resolve_client(session, client).id if client else None
    warehouse = filters.get("warehouse")
    warehouse_id = get_warehouse(session, warehouse).id if warehouse else None
    if _whole_months(start, end) and (client_id is None or by == "client"):
        rows = FACTS.monthly_totals(session, DIMENSION[by]).subquery()
        day, count, cost = rows.c.month, func.sum(rows.c.lines), rows.c.cost
        keys = {"client": rows.c.key_id, "item": rows.c.key_id, "manager": rows.c.key_id,
                "item-group": rows.c.key_id}
        client_column = rows.c.key_id
    else:
        rows = FACTS.sales_lines(session).subquery()
        day, count, cost = rows.c.date, func.count(), func.coalesce(rows.c.cost, 0)
        keys = {"client": rows.c.client_id, "item": rows.c.item_id,
                "manager": func.coalesce(rows.c.manager_id, 0), "item-group": rows.c.item_id}
        client_column = rows.c.client_id
    if by == "month":
        key = (func.date_trunc("month", day) if session.get_bind().dialect.name == "postgresql"
               else func.substr(day, 1, 7))
    elif by == "warehouse":
        key = rows.c.warehouse_id
    else:
        key = keys[by]
    query = (select(key, func.sum(rows.c.qty), count, func.sum(rows.c.net_amount),
                    func.sum(cost))
             .where(day >= start, day <= end).group_by(key))
    if client_id is not None:
        query = query.where(client_column == client_id)
    if warehouse_id is not None:
        query = query.where(rows.c.warehouse_id == warehouse_id)
    labels = _labels(session, by)
    found: dict[str, dict[str, Any]] = {}
    for value, qty, lines, revenue, spent in session.execute(query):
        name = _month_key(value) if by == "month" else labels.get(value, str(value))
        row = found.setdefault(name, {"key": name, "qty": ZERO, "lines": 0,
                                      "revenue": ZERO, "cost": ZERO})
        row["qty"] += Decimal(qty or 0)
        row["lines"] += int(lines or 0)
        row["revenue"] += Decimal(revenue or 0)
        row["cost"] += Decimal(spent or 0)
    result = []
    for name in sorted(found):
        row = found[name]
        revenue = row["revenue"].quantize(Decimal("0.01"), ROUND_HALF_UP)
        spent = row["cost"].quantize(Decimal("0.01"), ROUND_HALF_UP)
        margin = revenue - spent
        result.append({**row, "qty": row["qty"] if by == "item" else None,
                       "revenue": revenue, "cost": spent, "margin": margin,
                       "margin_pct": (margin / revenue * 100).quantize(Decimal("0.1"))
                       if revenue else None})
    return result


def margin_rows(session: Any, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    return sorted(sales_rows(session, filters), key=lambda row: (-row["margin"], row["key"]))


def backlog_rows(session: Any, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Open orders with what they still have to ship, the longest overdue first."""
    from ordercraft.plugins.sales.machine import OPEN_STATES
    from ordercraft.plugins.sales.models import Order, OrderLine
    from ordercraft.plugins.sales.orders import resolve_client
    from ordercraft.sdk.models import Party, User
    from ordercraft.sdk.warehouses import get_warehouse

    on = filters.get("on") or date.today()
    remaining = OrderLine.qty - OrderLine.shipped_qty
    amount = func.sum(OrderLine.net_amount * remaining / OrderLine.qty)
    query = (select(Order.number, Party.name, User.name, Order.order_date, Order.due_date,
                    Order.state, amount)
             .join(OrderLine, OrderLine.order_id == Order.id)
             .join(Party, Party.id == Order.party_id)
             .outerjoin(User, User.id == Order.manager_id)
             .where(Order.state.in_(OPEN_STATES), remaining > 0)
             .group_by(Order.id, Order.number, Party.name, User.name, Order.order_date,
                       Order.due_date, Order.state)
             .order_by(Order.due_date, Order.number))
    if filters.get("client"):
        query = query.where(Order.party_id == resolve_client(session, filters["client"]).id)
    if filters.get("warehouse"):
        query = query.where(Order.warehouse_id == get_warehouse(session,
                                                                filters["warehouse"]).id)
    return [{"order": number, "client": client, "manager": manager or "",
             "order_date": ordered, "due_date": due, "state": state,
             "amount": Decimal(value or 0).quantize(Decimal("0.01"), ROUND_HALF_UP),
             "days_late": max((on - due).days, 0) if due else None}
            for number, client, manager, ordered, due, state, value in session.execute(query)]


def shortage_rows(session: Any, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    from .demand import DEMAND

    return [{"order": line.order_number, "item": line.item, "open": line.qty_open,
             "reserved": line.reserved, "to_buy": line.to_buy,
             "to_produce": line.to_produce, "due_date": line.due_date}
            for line in DEMAND.shortage_lines(session)]


def receivable_rows(session: Any, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    report = FACTS.receivables(session, as_of=filters.get("on"), client=filters.get("client"))
    return [{"client": row["client"], "invoices": row["invoices"], **{
        name.replace("-", "_"): value for name, value in row["buckets"].items()},
        "total": row["total"], "overdue": row["overdue"], "credit": row["credit"],
        "balance": row["balance"]} for row in report["clients"]]


def register(registry: Any) -> None:
    """analysis' hook ``register_reports``: sales' reports."""
    money = [("revenue", N_("Revenue"), "money", True), ("cost", N_("Cost"), "money", True),
             ("margin", N_("Gross margin"), "money", True),
             ("margin_pct", N_("Margin %"), "percent", False)]
    registry.add("sales", N_("Sales"), sales_rows, columns=[
        ("key", N_("Month / client / item / manager / group / warehouse"), "text", False),
        ("qty", N_("Quantity"), "quantity", False), ("lines", N_("Lines shipped"), "count", True),
        *money], filters=("from", "to", "by", "client", "warehouse"), choices=SALES_BY,
        description=N_("Shipped sales over a period (default: this year) by month, client, "
                       "item, manager, item group or warehouse."))
    registry.add("gross_margin", N_("Gross margin"), margin_rows, columns=[
        ("key", N_("Item / client / manager / group"), "text", False),
        ("qty", N_("Quantity"), "quantity", False), *money],
        filters=("from", "to", "by", "client", "warehouse"), choices=MARGIN_BY,
        description=N_("Revenue minus the ledger's cost (FIFO or average) of what was "
                       "shipped, highest margin first."))
    registry.add("backlog", N_("Order backlog"), backlog_rows, columns=[
        ("order", N_("Order"), "text", False), ("client", N_("Client"), "text", False),
        ("manager", N_("Manager"), "text", False), ("order_date", N_("Ordered"), "date", False),
        ("due_date", N_("Due"), "date", False), ("state", N_("State"), "text", False),
        ("amount", N_("Still to ship"), "money", True),
        ("days_late", N_("Days late"), "count", False)],
        filters=("on", "client", "warehouse"), permission="order.read",
        description=N_("Confirmed orders not shipped in full, with the net amount still to "
                       "ship."))
    registry.add("shortages", N_("Shortages"), shortage_rows, columns=[
        ("order", N_("Order"), "text", False), ("item", N_("Item"), "text", False),
        ("open", N_("Open"), "quantity", False), ("reserved", N_("Reserved"), "quantity", False),
        ("to_buy", N_("To buy"), "quantity", False), ("to_produce", "To produce", "quantity",
                                                  False),
        ("due_date", N_("Due"), "date", False)], permission="order.read",
        description=N_("Open order lines that confirmation found short."))
    buckets = [("current", N_("Not due"), "money", True),
               ("1_30", N_("1-30 days"), "money", True),
               ("31_60", N_("31-60 days"), "money", True),
               ("61_90", N_("61-90 days"), "money", True),
               ("over_90", N_("Over 90 days"), "money", True)]
    registry.add("receivables", N_("Receivables aging"), receivable_rows, columns=[
        ("client", N_("Client"), "text", False), ("invoices", N_("Open invoices"), "count", True),
        *buckets, ("total", N_("Total"), "money", True), ("overdue", N_("Overdue"), "money", True),
        ("credit", N_("Credit"), "money", True), ("balance", N_("Balance"), "money", True)],
        filters=("on", "client"), permission="invoice.read",
        description=N_("What clients owe on a day by how long it is overdue."))
