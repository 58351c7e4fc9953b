"""An order in the stock ledger: availability, reservation, shortages, shipment, cancel.

Everything here runs inside a workflow transition of the order (:mod:`.machine`), so
the stock documents post in the transition's transaction: a refused shipment leaves
neither the order's state nor the ledger changed.

* Each stock line (an item that is not a service) reserves under its own holder,
  ``order:<order id>:line:<line id>``, in the order's warehouse, so two lines of the
  same item never mix up their reservations.
* **Reserving** takes what is available (on hand minus what others reserved) line by
  line, in line order; what is still missing is a shortage: ``to_produce`` for
  assemblies, ``to_buy`` for everything else.
* **Shipping** posts one stock issue per shipment, using each line's reservation; a
  line may ship more than it holds when free stock covers the rest (FIFO items), or
  regardless (average items, whose stock may go below zero — see ``docs/stock.md``).
  Service lines ship without stock.
* **Cancelling** cancels the order's posted issues (the ledger posts their reversals,
  which give the goods back to the lines' reservations), then releases every
  reservation the lines still hold.

A manager confirming an order needs ``order.confirm``, a clerk shipping it ``order.ship``;
neither needs the ledger's ``stock.post``: the order posts on their behalf (the stock
documents still name them).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ordercraft.plugins.sales.models import Order, OrderLine, OrderPosting, Shipment, ShipmentLine
from ordercraft.plugins.sales.summary import line_costs, record_shipment
from ordercraft.sdk import validation
from ordercraft.sdk.errors import Conflict, ValidationError
from ordercraft.sdk.permissions import granted

ZERO = Decimal(0)
#: The ledger rights an order operation exercises for its user.
LEDGER_PERMISSIONS = frozenset({"stock.read", "stock.post"})


def ledger_access(session: Session) -> AbstractContextManager[None]:
    """Let the order's operation read and post stock for the session's user (whose right
    to the operation itself was checked by the transition)."""
    return granted(session, *LEDGER_PERMISSIONS)


@dataclass(frozen=True)
class Shortage:
    """What one line of a confirmed order lacks (the hook ``order_shortages``)."""

    order_id: int
    order_number: str
    line_id: int
    position: int
    item: str
    item_id: int
    item_name: str
    warehouse: str
    qty: Decimal
    #: ``produce`` (assemblies) or ``buy`` (goods, components).
    action: str
    due_date: date | None

    def as_dict(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "order_number": self.order_number,
                "line_id": self.line_id, "position": self.position, "item": self.item,
                "item_name": self.item_name, "warehouse": self.warehouse, "qty": self.qty,
                "action": self.action, "due_date": self.due_date}


def stock_lines(order: Order) -> list[OrderLine]:
    return [line for line in order.lines if line.is_stock]


def free_stock(session: Session, order: Order, lines: Sequence[OrderLine]) -> dict[int, Decimal]:
    """Available stock (on hand minus every reservation) per item in the order's warehouse."""
    from ordercraft.sdk import stock

    found: dict[int, Decimal] = {}
    with ledger_access(session):
        for line in lines:
            if line.item_id not in found:
                found[line.item_id] = max(stock.balance(session, line.item, order.warehouse)
                                          .available, ZERO)
    return found


def _record(session: Session, order: Order, document_id: int, kind: str) -> None:
    session.add(OrderPosting(order_id=order.id, stock_document_id=document_id, kind=kind))


def reservable(session: Session, order: Order) -> dict[int, Decimal]:
    """What each stock line would reserve now: its unreserved remainder, as far as the
    free stock goes (lines in order, sharing the stock of an item)."""
    lines = stock_lines(order)
    free = free_stock(session, order, lines)
    plan: dict[int, Decimal] = {}
    for line in lines:
        need = line.remaining_qty - line.reserved_qty
        take = min(need, free[line.item_id]) if need > 0 else ZERO
        free[line.item_id] -= take
        plan[line.id] = take
    return plan


def reserve_available(session: Session, order: Order) -> list[Shortage]:
    """Reserve what the warehouse has for every line and record what is short."""
    from ordercraft.sdk import stock
    from ordercraft.sdk.stock import LineSpec

    session.flush()  # lines need their ids: they name the reservations
    plan = reservable(session, order)
    specs = [LineSpec(line.item_id, order.warehouse_id, plan[line.id], holder=line.holder)
             for line in stock_lines(order) if plan[line.id] > 0]
    if specs:
        with ledger_access(session):
            posted = stock.post(session, "reservation", specs, note=f"order {order.number}")
        _record(session, order, posted.id, "reservation")
    shortages = []
    for line in order.lines:
        line.reserved_qty += plan.get(line.id, ZERO)
        short = (line.remaining_qty - line.reserved_qty) if line.is_stock else ZERO
        produce = line.item.kind == "assembly"
        line.to_produce_qty = short if produce else ZERO
        line.to_buy_qty = ZERO if produce else short
        if short > 0:
            exact = short.quantize(Decimal(1).scaleb(-(line.item.unit_precision or 0)))
            shortages.append(Shortage(order.id, order.number, line.id, line.position,
                                      line.item.sku, line.item_id, line.item.name,
                                      order.warehouse.code, exact,
                                      "produce" if produce else "buy", order.due_date))
    count_shortages(order)
    session.flush()
    return shortages


def reserve_made(session: Session, line_id: int | None) -> None:
    """Goods made for an open order's line (production's ``production_order_done``):
    reserve what the warehouse holds now for the order, so its lines' "to produce" and
    its "Short" counter follow production."""
    from ordercraft.plugins.sales.demand import OPEN_STATES
    from ordercraft.plugins.sales.models import OrderLine

    line = session.get(OrderLine, line_id) if line_id is not None else None
    if line is not None and line.order.state in OPEN_STATES:
        reserve_available(session, line.order)


def count_shortages(order: Order) -> int:
    """The order's "Short" counter: its lines still to produce or to buy (shipments and
    reservations of goods made or bought since lower it; a finished order has none)."""
    order.shortage_count = sum(1 for line in order.lines
                               if line.to_produce_qty > 0 or line.to_buy_qty > 0)
    return order.shortage_count


def reserve_problem(session: Session, order: Order) -> str | None:
    """Why the stock cannot cover everything still to ship (``None`` when it can)."""
    plan = reservable(session, order)
    for line in stock_lines(order):
        missing = line.remaining_qty - line.reserved_qty - plan[line.id]
        if missing > 0:
            return (f"{_amount(line, missing)} of {line.item.sku!r} (line {line.position}) "
                    f"{'are' if missing != 1 else 'is'} not in warehouse "
                    f"{order.warehouse.code!r}")
    return None


# --------------------------------------------------------------------------- shipments


@dataclass
class ShipmentPlan:
    """What a shipment would take from each line, and whether it finishes the order."""

    quantities: dict[int, Decimal] = field(default_factory=dict)
    problem: str | None = None
    completes: bool = False

    @property
    def empty(self) -> bool:
        return not any(self.quantities.values())


def _amount(line: OrderLine, qty: Decimal) -> str:
    precision = line.item.unit_precision or 0
    return f"{qty.quantize(Decimal(1).scaleb(-precision))} {line.item.unit}"


def _requested(order: Order, requested: Sequence[Any]) -> dict[int, Decimal]:
    """``[{"line": 2, "qty": "3"}, ...]`` (line = position) -> ``{line id: qty}``."""
    from ordercraft.sdk.items import check_quantity

    by_position = {line.position: line for line in order.lines}
    wanted: dict[int, Decimal] = {}
    if not isinstance(requested, (list, tuple)):
        raise ValidationError("lines: give a list of {line, qty}", field="lines")
    for index, entry in enumerate(requested):
        where = f"lines.{index}"
        if not isinstance(entry, dict) or set(entry) - {"line", "qty"} or "line" not in entry:
            raise ValidationError(f"{where}: {entry!r} is not {{line, qty}} (line = the line's "
                                  "number on the order)", field=where)
        position = validation.whole_number(entry["line"], field=f"{where}.line", minimum=1)
        line = by_position.get(position)
        if line is None:
            raise ValidationError(f"{where}.line: order {order.number} has no line {position} "
                                  f"(lines 1-{len(order.lines)})", field=f"{where}.line")
        if line.id in wanted:
            raise ValidationError(f"{where}.line: line {position} is given twice",
                                  field=f"{where}.line")
        qty = check_quantity(line.item, entry.get("qty"), field=f"{where}.qty")
        if qty <= 0:
            raise ValidationError(f"{where}.qty: the quantity of line {position} must be more "
                                  "than zero", field=f"{where}.qty")
        if qty > line.remaining_qty:
            raise ValidationError(
                f"{where}.qty: line {position} ({line.item.sku!r}) has "
                f"{_amount(line, line.remaining_qty)} left to ship, not {_amount(line, qty)}",
                field=f"{where}.qty")
        wanted[line.id] = qty
    return wanted


def plan_shipment(session: Session, order: Order, requested: Sequence[Any] | None, *,
                  everything: bool) -> ShipmentPlan:
    """The shipment ``requested`` (or, without it: everything left when ``everything``,
    else what the lines hold reserved), checked against the stock."""
    if requested is not None:
        quantities = _requested(order, requested)
    elif everything:
        quantities = {line.id: line.remaining_qty for line in order.lines
                      if line.remaining_qty > 0}
    else:
        quantities = {line.id: min(line.reserved_qty, line.remaining_qty)
                      for line in stock_lines(order) if line.reserved_qty > 0}
    plan = ShipmentPlan({k: v for k, v in quantities.items() if v > 0})
    lines = [line for line in stock_lines(order) if plan.quantities.get(line.id)]
    free = free_stock(session, order, [line for line in lines
                                       if plan.quantities[line.id] > line.reserved_qty])
    for line in lines:
        extra = plan.quantities[line.id] - line.reserved_qty
        if extra <= 0 or line.item.valuation != "fifo":
            continue
        if extra > free[line.item_id]:
            plan.problem = (
                f"line {line.position} ({line.item.sku!r}) would ship "
                f"{_amount(line, plan.quantities[line.id])} but holds "
                f"{_amount(line, line.reserved_qty)} and warehouse {order.warehouse.code!r} "
                f"has {_amount(line, free[line.item_id])} more available")
            break
        free[line.item_id] -= extra
    plan.completes = all(plan.quantities.get(line.id, ZERO) == line.remaining_qty
                         for line in order.lines)
    return plan


def _shipment_number(order: Order) -> str:
    return f"{order.number}-{len(order.shipments) + 1}"


def shipment_serials(order: Order, given: Any) -> dict[int, list[str]]:
    """``{"1": ["RB-001", "RB-002"]}`` or ``{1: "RB-001, RB-002"}`` (order line number ->
    serial numbers) as ``{1: ["RB-001", "RB-002"]}``; a line the order lacks is refused."""
    if given in (None, "", {}):
        return {}
    if not isinstance(given, dict):
        raise ValidationError("serials: give the serial numbers per order line "
                              "({line number: [numbers]})", field="serials")
    positions = {line.position for line in order.lines}
    cleaned: dict[int, list[str]] = {}
    for key, numbers in given.items():
        position = validation.whole_number(key, field="serials", minimum=1)
        if position not in positions:
            raise ValidationError(f"serials.{position}: order {order.number} has no line "
                                  f"{position}", field=f"serials.{position}")
        values = (numbers.replace(",", " ").split() if isinstance(numbers, str)
                  else [str(n).strip() for n in numbers or ()])
        if values:
            cleaned[position] = [v for v in values if v]
    return cleaned


def post_shipment(session: Session, order: Order, plan: ShipmentPlan, *,
                  ship_date: Any = None, serials: Any = None) -> Shipment:
    """Post the planned shipment: top up reservations from free stock where a line ships
    more than it holds, issue the goods, record the shipment on the order; ``serials``
    (order line number -> serial numbers) go to the hook ``shipment_serials``."""
    from ordercraft.plugins.sales.hooks import SalesHooks
    from ordercraft.sdk import stock
    from ordercraft.sdk.stock import LineSpec

    if plan.problem:
        raise Conflict(f"order {order.number}: {plan.problem}", code="insufficient_stock",
                       field="lines")
    if plan.empty:
        raise ValidationError(f"lines: the shipment of order {order.number} ships nothing",
                              field="lines")
    numbers = shipment_serials(order, serials)
    hooks = SalesHooks.of(session)
    if numbers and not hooks.implemented("shipment_serials"):
        raise ValidationError("serials: no enabled plugin records serial numbers (the "
                              "service plugin does)", field="serials")
    on = validation.day(ship_date, field="date") or date.today()
    if on < order.order_date:
        raise ValidationError(f"date: {on.isoformat()} is before the order date "
                              f"{order.order_date.isoformat()}", field="date")
    shipping = [line for line in order.lines if plan.quantities.get(line.id)]
    top_up = [LineSpec(line.item_id, order.warehouse_id,
                       plan.quantities[line.id] - line.reserved_qty, holder=line.holder)
              for line in shipping if line.is_stock and line.item.valuation == "fifo"
              and plan.quantities[line.id] > line.reserved_qty]
    shipment = Shipment(order_id=order.id, number=_shipment_number(order), ship_date=on,
                        user_name=getattr(session.info.get("user"), "name", "") or "")
    with ledger_access(session):
        if top_up:
            posted = stock.post(session, "reservation", top_up, date=on,
                                note=f"order {order.number}: shipment {shipment.number}")
            _record(session, order, posted.id, "reservation")
            for spec in top_up:
                topped = next(line for line in shipping if line.holder == spec.holder)
                topped.reserved_qty += spec.qty
        issue_lines = [LineSpec(line.item_id, order.warehouse_id, plan.quantities[line.id],
                                holder=line.holder if line.reserved_qty > 0 else None)
                       for line in shipping if line.is_stock]
        issued = None
        if issue_lines:
            issued = stock.post(session, "issue", issue_lines, date=on, ref=shipment.number,
                                note=f"order {order.number} to {order.client.name}")
            shipment.stock_document_id = issued.id
            _record(session, order, issued.id, "issue")
    costs = line_costs([(line, plan.quantities[line.id]) for line in shipping], issued)
    for line, cost in zip(shipping, costs, strict=True):
        qty = plan.quantities[line.id]
        line.shipped_qty += qty
        line.reserved_qty = max(line.reserved_qty - qty, ZERO)
        shipment.lines.append(ShipmentLine(order_line_id=line.id, order_line=line, qty=qty,
                                           cost=cost))
    for line in order.lines:
        # Shipped goods are no longer short.
        short = max(line.remaining_qty - line.reserved_qty, ZERO) if line.is_stock else ZERO
        if line.item.kind == "assembly":
            line.to_produce_qty = min(line.to_produce_qty, short)
        else:
            line.to_buy_qty = min(line.to_buy_qty, short)
    count_shortages(order)
    order.shipments.append(shipment)
    session.flush()
    record_shipment(session, order, shipment)
    hooks.shipment_serials(session, order, shipment, numbers)
    return shipment


# --------------------------------------------------------------------------- cancel


def undo_stock(session: Session, order: Order) -> None:
    """Cancel the order's posted shipments in the ledger and release its reservations."""
    from ordercraft.sdk import stock
    from ordercraft.sdk.stock import LineSpec

    with ledger_access(session):
        for shipment in reversed(order.shipments):
            if shipment.status != "posted":
                continue
            if shipment.stock_document_id is not None:
                reversal = stock.cancel(session, shipment.stock_document_id)
                shipment.reversal_document_id = reversal.id
                _record(session, order, reversal.id, "reversal")
            shipment.status = "cancelled"
            record_shipment(session, order, shipment, cancelled=True)
            for shipped in shipment.lines:
                shipped.order_line.shipped_qty -= shipped.qty
        releases = []
        for line in stock_lines(order):
            held = stock.reservations(session, line.item_id, order.warehouse_id).get(
                line.holder, ZERO)
            if held > 0:
                releases.append(LineSpec(line.item_id, order.warehouse_id, held,
                                         holder=line.holder))
        if releases:
            released = stock.post(session, "release", releases,
                                  note=f"order {order.number} cancelled")
            _record(session, order, released.id, "release")
    for line in order.lines:
        line.reserved_qty = ZERO
        line.to_produce_qty = ZERO
        line.to_buy_qty = ZERO
    order.shortage_count = 0
    session.flush()
