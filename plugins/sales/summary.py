"""Shipped sales summed per month (table ``sales_totals``), for analyses over a year or
two that must not read every shipped line.

Each posted shipment adds, for the month of its date and the order's warehouse, its
lines' quantity, net amount, cost and count to one row per item, one per client and one
per manager (``key_id`` 0: no manager); cancelling the shipment subtracts the same
figures. The cost of a line is the value the ledger gave its stock issue
(:func:`line_costs`: FIFO layers or the moving average, read from the moves the issue
posted), stored on the shipment line so a cancellation takes back exactly what was
added. :func:`rebuild` sums everything again from the shipments (``ordercraft order
rebuild-totals``), reading from the ledger the cost of lines posted before costs were
stored.

A partly shipped line carries its net amount in proportion (``net × shipped / ordered``,
rounded to 6 places), as sales' service ``facts`` computes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from .models import Order, OrderLine, SalesTotal, Shipment, ShipmentLine

ZERO = Decimal(0)
PLACES = Decimal("0.000001")
DIMENSIONS = ("item", "client", "manager")

Key = tuple[date, str, int, int]


def month_of(day: date) -> date:
    return day.replace(day=1)


def line_amount(line: OrderLine, qty: Decimal) -> Decimal:
    """The net amount of ``qty`` of an order line (all of it when the whole line ships)."""
    if qty == line.qty or not line.qty:
        return line.net_amount
    return (line.net_amount * qty / line.qty).quantize(PLACES, ROUND_HALF_UP)


def line_costs(lines: Sequence[tuple[OrderLine, Decimal]], issue: Any) -> list[Decimal]:
    """The cost of each ``(order line, quantity shipped)`` from the stock issue posted for
    them (``issue``: the ``PostedDocument`` of ``sdk.stock.post``, or ``None``): the
    value of the item's outbound moves, shared between lines of the same item by quantity
    (the last takes what rounding leaves). A service line costs nothing."""
    values: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for move in getattr(issue, "moves", ()) or ():
        values[move.item] -= move.value
    return _share(lines, values)


def _share(lines: Sequence[tuple[OrderLine, Decimal]],
           values: dict[str, Decimal]) -> list[Decimal]:
    wanted: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line, qty in lines:
        if line.is_stock:
            wanted[line.item.sku] += qty
    left = dict(values)
    remaining = dict(wanted)
    costs = []
    for line, qty in lines:
        sku = line.item.sku
        if not line.is_stock or sku not in values:
            costs.append(ZERO)
            continue
        remaining[sku] -= qty
        if remaining[sku] <= 0:
            cost = left[sku]
        else:
            cost = (values[sku] * qty / wanted[sku]).quantize(PLACES, ROUND_HALF_UP)
        left[sku] -= cost
        costs.append(cost)
    return costs


def _deltas(order: Order, shipment: Shipment, sign: int
            ) -> dict[Key, list[Any]]:
    found: dict[Key, list[Any]] = {}
    month = month_of(shipment.ship_date)
    for shipped in shipment.lines:
        line = shipped.order_line
        amount = line_amount(line, shipped.qty)
        cost = shipped.cost or ZERO
        for dimension, key in (("item", line.item_id), ("client", order.party_id),
                               ("manager", order.manager_id or 0)):
            row = found.setdefault((month, dimension, key, order.warehouse_id),
                                   [ZERO, ZERO, ZERO, 0])
            row[0] += sign * shipped.qty
            row[1] += sign * amount
            row[2] += sign * cost
            row[3] += sign
    return found


def record_shipment(session: Session, order: Order, shipment: Shipment, *,
                    cancelled: bool = False) -> None:
    """Add a posted shipment to the month's totals (``cancelled``: take it back)."""
    _apply(session, _deltas(order, shipment, -1 if cancelled else 1))


def _apply(session: Session, deltas: dict[Key, list[Any]]) -> None:
    """Add the deltas to their rows in one statement: ``INSERT ... ON CONFLICT DO
    UPDATE`` (SQLite and PostgreSQL), so two shipments posting at once add up instead of
    both inserting the month's row."""
    if not deltas:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    table = SalesTotal.__table__
    statement = upsert(table).values([
        {"month": month, "dimension": dimension, "key_id": key_id,
         "warehouse_id": warehouse_id, "qty": qty, "net_amount": amount, "cost": cost,
         "lines": count}
        for (month, dimension, key_id, warehouse_id), (qty, amount, cost, count)
        in deltas.items()])
    added = statement.excluded
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.month, table.c.dimension, table.c.key_id,
                        table.c.warehouse_id],
        set_={"qty": table.c.qty + added.qty,
              "net_amount": table.c.net_amount + added.net_amount,
              "cost": table.c.cost + added.cost, "lines": table.c.lines + added.lines}))


def fill_missing_costs(session: Session) -> int:
    """Read from the ledger the cost of shipped lines posted without one (before costs
    were stored); returns how many lines got one."""
    from ordercraft.sdk import stock

    from .fulfilment import ledger_access

    missing = session.scalars(
        select(Shipment).join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(ShipmentLine.cost.is_(None)).distinct()).all()
    filled = 0
    with ledger_access(session):
        for shipment in missing:
            values: dict[str, Decimal] = defaultdict(lambda: ZERO)
            if shipment.stock_document_id is not None:
                for move in stock.document(session, shipment.stock_document_id)["moves"]:
                    values[move["item"]] -= Decimal(move["value"])
            pairs = [(shipped.order_line, shipped.qty) for shipped in shipment.lines]
            for shipped, cost in zip(shipment.lines, _share(pairs, values), strict=True):
                if shipped.cost is None:
                    shipped.cost = cost
                    filled += 1
    session.flush()
    return filled


def _month_sql(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.date_trunc("month", column)
    return func.substr(column, 1, 7)


def rebuild(session: Session) -> int:
    """Sum every posted shipment again into ``sales_totals`` (in SQL, one ``GROUP BY``
    per dimension); returns the number of rows written."""
    fill_missing_costs(session)
    session.execute(delete(SalesTotal))
    dialect = session.get_bind().dialect.name
    from .facts import FACTS

    lines = FACTS.sales_lines().subquery()
    month = _month_sql(lines.c.date, dialect).label("month")
    written = 0
    for dimension, column in (("item", lines.c.item_id), ("client", lines.c.client_id),
                              ("manager", func.coalesce(lines.c.manager_id, 0))):
        rows = session.execute(
            select(month, column, lines.c.warehouse_id, func.sum(lines.c.qty),
                   func.sum(lines.c.net_amount), func.sum(func.coalesce(lines.c.cost, 0)), func.count())
            .group_by(month, column, lines.c.warehouse_id)).all()
        values = [{"month": _month_value(row[0]), "dimension": dimension, "key_id": row[1],
                   "warehouse_id": row[2], "qty": Decimal(row[3] or 0),
                   "net_amount": Decimal(row[4] or 0).quantize(PLACES),
                   "cost": Decimal(row[5] or 0).quantize(PLACES), "lines": row[6]}
                  for row in rows]
        for start in range(0, len(values), 10_000):
            session.execute(insert(SalesTotal), values[start:start + 10_000])
        written += len(values)
    session.flush()
    return written


def _month_value(value: Any) -> date:
    if isinstance(value, date):
        return month_of(value)
    return date.fromisoformat(f"{str(value)[:7]}-01")
