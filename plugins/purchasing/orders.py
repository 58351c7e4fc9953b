"""Purchase orders: entry, sending, receiving into the stock ledger, returns.

* A line's price defaults to the supplier's valid offer for the item at that quantity
  (:mod:`.matrix`); the line's expected date to the order date plus the offer's lead time.
* **Receiving** posts one stock receipt per receipt, each line at the order's price plus
  its share of the receipt's extra (landed) costs, spread by value (``value``: in
  proportion to qty x price) or by quantity (``quantity``); the last line takes the cent
  the rounding leaves, so the shares add up to the extra cost exactly. Unit costs keep
  six decimal places.
* **Tolerance** (setting ``purchasing_receipt_tolerance``, percent): a line may receive up to
  its quantity plus the tolerance (more is refused, naming the line); a line counts as
  received in full from its quantity minus the tolerance.
* **Returns** to the supplier post a stock issue of what was received and lower the
  line's received quantity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.purchasing.declarations import (
    CURRENCY_SETTING,
    NUMBER_PREFIX,
    TOLERANCE_SETTING,
    WAREHOUSE_SETTING,
)
from ordercraft.plugins.purchasing.models import (
    Counter,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SupplierOffer,
)
from ordercraft.plugins.purchasing.quantities import exact, money, qty_text
from ordercraft.sdk import items, parties, stock, validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.models import Warehouse
from ordercraft.sdk.permissions import granted, require_session_permission
from ordercraft.sdk.queries import Page, paginate
from ordercraft.sdk.settings import get_setting

ZERO = Decimal(0)
CENT = Decimal("0.01")
COST_PLACES = Decimal("0.000001")
SPREADS = ("value", "quantity")


def next_number(session: Session, series: str, prefix: str) -> str:
    counter = session.get(Counter, series, with_for_update=True)
    if counter is None:
        counter = Counter(name=series, value=0)
        session.add(counter)
    counter.value += 1
    session.flush()
    return f"{prefix}{counter.value:05d}"


def _warehouse(session: Session, ref: Any) -> Warehouse:
    if ref in (None, ""):
        ref = get_setting(session, WAREHOUSE_SETTING) or None
    if ref in (None, ""):
        found = session.scalar(select(Warehouse).where(Warehouse.active.is_(True))
                               .order_by(Warehouse.id).limit(1))
        if found is None:
            raise ValidationError("warehouse: the site has no active warehouse to receive into",
                                  field="warehouse")
        return found
    code = validation.text(ref, field="warehouse", max_length=32, required=True)
    found = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if found is None:
        raise NotFound(f"warehouse: {code!r} does not exist", field="warehouse")
    return found


def get_order(session: Session, ref: Any) -> PurchaseOrder:
    """By id or number."""
    require_session_permission(session, "purchasing.read")
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        order = session.get(PurchaseOrder, int(ref))
    else:
        order = session.scalar(select(PurchaseOrder).where(
            PurchaseOrder.number == str(ref).strip()))
    if order is None:
        raise NotFound(f"purchase order {ref!r} does not exist", field="order")
    return order


def supplier_offer(session: Session, supplier_id: int, item_id: int, on: date
                   ) -> SupplierOffer | None:
    """The supplier's live offer for the item valid on ``on`` (cheapest base price)."""
    offers = session.scalars(select(SupplierOffer).where(
        SupplierOffer.supplier_id == supplier_id, SupplierOffer.item_id == item_id,
        SupplierOffer.superseded_at.is_(None)).order_by(SupplierOffer.price))
    for offer in offers:
        if ((offer.valid_from is None or offer.valid_from <= on)
                and (offer.valid_to is None or offer.valid_to >= on)):
            return offer
    return None


def create_order(session: Session, supplier: Any, *, warehouse: Any = None,
                 currency: Any = None, order_date: Any = None, expected_date: Any = None,
                 notes: str = "", lines: Sequence[Mapping[str, Any]] = ()) -> PurchaseOrder:
    """A draft purchase order to ``supplier`` (id or name) with ``lines``."""
    require_session_permission(session, "purchasing.write")
    try:
        party = parties.get_party(session, supplier)
    except NotFound:
        raise validation.invalid("supplier", f"{supplier!r} is not a known party") from None
    day = validation.day(order_date, field="order_date") or date.today()
    chosen = (validation.text(currency, field="currency", max_length=3).upper()
              or get_setting(session, CURRENCY_SETTING))
    order = PurchaseOrder(
        number=next_number(session, "order", NUMBER_PREFIX), supplier_id=party.id,
        warehouse_id=_warehouse(session, warehouse).id, currency=chosen, order_date=day,
        expected_date=validation.day(expected_date, field="expected_date"),
        notes=validation.text(notes, field="notes", max_length=10_000, multiline=True))
    session.add(order)
    session.flush()
    for number, line in enumerate(lines, start=1):
        add_line(session, order, field_prefix=f"lines[{number}].", **line)
    return order


def add_line(session: Session, order: PurchaseOrder, item: Any, qty: Any, price: Any = None,
             expected_date: Any = None, sources: list[dict[str, Any]] | None = None, *,
             field_prefix: str = "") -> PurchaseOrderLine:
    """Add a line to a draft order."""
    require_session_permission(session, "purchasing.write")
    if order.state != "draft":
        raise Conflict(f"purchase order {order.number} is {order.state}: only a draft takes "
                       "new lines", field="order")
    try:
        found = items.get_item(session, item)
    except NotFound:
        raise validation.invalid(f"{field_prefix}item", f"{item!r} is not a known item") \
            from None
    amount = items.check_quantity(found, qty, field=f"{field_prefix}qty")
    if amount <= 0:
        raise validation.invalid(f"{field_prefix}qty", f"{qty!r} must be more than 0")
    offer = supplier_offer(session, order.supplier_id, found.id, order.order_date)
    if price in (None, ""):
        if offer is None:
            raise validation.invalid(
                f"{field_prefix}price", f"{order.supplier.name!r} has no valid offer for "
                f"{found.sku!r} in the product matrix: give the price")
        from ordercraft.plugins.purchasing.matrix import unit_price

        unit = unit_price(offer, amount)
    else:
        unit = validation.decimal(price, field=f"{field_prefix}price", places=6, minimum=ZERO)
    expected = validation.day(expected_date, field=f"{field_prefix}expected_date")
    if expected is None:
        expected = order.expected_date or (order.order_date + timedelta(
            days=offer.lead_time_days) if offer is not None else None)
    line = PurchaseOrderLine(order_id=order.id, position=len(order.lines) + 1,
                             item_id=found.id, qty=amount, price=unit, expected_date=expected,
                             sources=list(sources or []))
    order.lines.append(line)
    _total(order)
    session.flush()
    return line


def _total(order: PurchaseOrder) -> None:
    order.total = sum(((line.qty * line.price).quantize(CENT, ROUND_HALF_UP)
                       for line in order.lines), ZERO)


def list_orders(session: Session, *, state: Sequence[str] = (), supplier: Any = None,
                limit: Any = None, offset: Any = None) -> Page[PurchaseOrder]:
    require_session_permission(session, "purchasing.read")
    query = select(PurchaseOrder).order_by(PurchaseOrder.id.desc())
    if state:
        query = query.where(PurchaseOrder.state.in_(list(state)))
    if supplier not in (None, ""):
        query = query.where(PurchaseOrder.supplier_id == parties.get_party(session, supplier).id)
    return paginate(session, query, limit, offset)


# --------------------------------------------------------------------------- receiving


LEDGER_RIGHTS = frozenset({"stock.read", "stock.post"})
#: What reserving received goods for the sales orders they were bought for needs.
RESERVING_RIGHTS = frozenset({"order.read", "order.write", "stock.read", "stock.post"})


def ledger_rights(session: Session, rights: frozenset[str] = LEDGER_RIGHTS
                  ) -> AbstractContextManager[None]:
    """Post the stock documents of a receipt or return for the session's user, whose
    right to receive was checked already (the transition's ``purchasing.receive``); a
    buyer or storekeeper may lack ``stock.post`` and, to reserve for the orders the
    goods were bought for, ``order.write``."""
    return granted(session, *rights)


@dataclass
class ReceiptPlan:
    """What a receipt would post: ``(line, qty)`` pairs, whether the order is then
    received in full (within the tolerance)."""

    lines: list[tuple[PurchaseOrderLine, Decimal]] = field(default_factory=list)
    completes: bool = False


def tolerance(session: Session) -> Decimal:
    return Decimal(get_setting(session, TOLERANCE_SETTING) or 0)


def _line_ref(order: PurchaseOrder, ref: Any, index: int) -> PurchaseOrderLine:
    for line in order.lines:
        if str(ref) in (str(line.position), line.item.sku):
            return line
    raise validation.invalid(f"lines[{index}].line",
                             f"{ref!r} is neither a line number nor an item of "
                             f"{order.number}")


def plan_receipt(session: Session, order: PurchaseOrder,
                 wanted: Sequence[Mapping[str, Any]] | None, *,
                 state: str | None = None) -> ReceiptPlan:
    """Check a receipt (``[{"line": position or SKU, "qty": q}]``; none: everything still
    open) against the order's state (``state``: the one the transition leaves), its lines
    and the tolerance."""
    from ordercraft.plugins.purchasing.machine import RECEIVABLE

    state = state or order.state
    if state not in RECEIVABLE:
        raise Conflict(f"purchase order {order.number} is {state}: nothing can be "
                       "received against it", field="order", code="not_receivable")
    allowed = tolerance(session) / 100
    plan = ReceiptPlan()
    if not wanted:
        plan.lines = [(line, line.open_qty) for line in order.lines if line.open_qty > 0]
        if not plan.lines:
            raise Conflict(f"purchase order {order.number} has nothing left to receive",
                           field="lines")
    else:
        for index, entry in enumerate(wanted):
            line = _line_ref(order, entry.get("line", entry.get("item")), index)
            qty = items.check_quantity(line.item, entry.get("qty"), field=f"lines[{index}].qty")
            if qty <= 0:
                raise validation.invalid(f"lines[{index}].qty",
                                         f"{entry.get('qty')!r} must be more than 0")
            plan.lines.append((line, qty))
    received = {line.id: line.received_qty for line in order.lines}
    for index, (line, qty) in enumerate(plan.lines):
        received[line.id] += qty
        ceiling = line.qty * (1 + allowed)
        if received[line.id] > ceiling:
            raise validation.invalid(
                f"lines[{index}].qty",
                f"receiving {qty_text(qty)} of {line.item.sku} (line {line.position}) makes "
                f"{qty_text(received[line.id])} of {qty_text(line.qty)} ordered, more than the "
                f"tolerance of {qty_text(allowed * 100)}% allows ({qty_text(ceiling)})")
    plan.completes = all(received[line.id] >= line.qty * (1 - allowed) for line in order.lines)
    return plan


def spread_costs(lines: Sequence[tuple[PurchaseOrderLine, Decimal]], extra: Decimal,
                 how: str) -> list[Decimal]:
    """Each line's unit cost: its price plus its share of ``extra`` (by value or
    quantity); shares are rounded to cents, the last takes the remainder."""
    weights = [qty * line.price if how == "value" else qty for line, qty in lines]
    total = sum(weights, ZERO)
    if extra == 0 or total == 0:
        if extra and total == 0:
            weights, total = [qty for _, qty in lines], sum((q for _, q in lines), ZERO)
        else:
            return [line.price for line, _ in lines]
    shares: list[Decimal] = []
    for weight in weights[:-1]:
        shares.append((extra * weight / total).quantize(CENT, ROUND_HALF_UP))
    shares.append(extra - sum(shares, ZERO))
    return [(line.price + share / qty).quantize(COST_PLACES, ROUND_HALF_UP)
            for (line, qty), share in zip(lines, shares)]


def post_planned_receipt(session: Session, order: PurchaseOrder, plan: ReceiptPlan,
                         data: Mapping[str, Any], user: Any) -> Receipt:
    """Post the stock receipt of ``plan`` (inside the receive transition)."""

    day = validation.day(data.get("date"), field="date") or date.today()
    extra = validation.decimal(data.get("extra_cost") or 0, field="extra_cost", places=2,
                               minimum=ZERO)
    how = validation.choice(data.get("spread") or "value", field="spread", choices=SPREADS)
    costs = spread_costs(plan.lines, extra, how)
    warehouse = session.get(Warehouse, order.warehouse_id)
    assert warehouse is not None
    number = next_number(session, "receipt", "GR-")
    with ledger_rights(session):
        posted = stock.post(session, "receipt",
                            [stock.LineSpec(line.item.sku, warehouse.code, qty, cost)
                             for (line, qty), cost in zip(plan.lines, costs)],
                            date=day, ref=number, note=f"received against {order.number}")
    receipt = Receipt(order_id=order.id, number=number, receipt_date=day,
                      stock_document_id=posted.id, extra_cost=extra, spread=how,
                      user_name=getattr(user, "name", "") or "",
                      lines=[ReceiptLine(order_line_id=line.id, qty=qty, unit_cost=cost)
                             for (line, qty), cost in zip(plan.lines, costs)])
    order.receipts.append(receipt)
    for line, qty in plan.lines:
        line.received_qty += qty
    session.flush()
    reserve_for_orders(session, [line for line, _ in plan.lines])
    return receipt


def reserve_for_orders(session: Session, lines: Sequence[PurchaseOrderLine]
                       ) -> dict[str, Decimal]:
    """Reserve goods just received for the sales orders they were bought for: each
    received line names, in its ``sources``, the orders whose shortage it covers (from
    the request route ``shortages`` or a firmed planned order's pegging); every such
    order still open reserves what its warehouse now holds (sales' service ``demand``,
    ``reserve_for_line``). Returns what each order gained (order number -> quantity);
    nothing without sales."""
    from ordercraft.sdk.errors import PluginError
    from ordercraft.sdk.plugins import plugin_service

    refs = {str(source.get("ref")) for line in lines for source in (line.sources or [])
            if source.get("ref")}
    if not refs:
        return {}
    try:
        demand = plugin_service(session, "sales", "demand")
    except PluginError:
        return {}
    gained: dict[str, Decimal] = {}
    with ledger_rights(session, RESERVING_RIGHTS):
        first_lines: dict[str, int] = {}
        for open_line in demand.open_order_lines(session, {line.item_id for line in lines}):
            if open_line.order_number in refs and open_line.qty_open > open_line.reserved:
                first_lines.setdefault(open_line.order_number, open_line.line_id)
        for number, line_id in sorted(first_lines.items()):
            qty = demand.reserve_for_line(session, line_id)
            if qty > 0:
                gained[number] = qty
    return gained


def receive_order(session: Session, order: PurchaseOrder, *, lines: Any = None,
                  on: Any = None, extra_cost: Any = None, spread: Any = None) -> Receipt:
    """``po receive``: post a receipt by the transition that fits; returns it."""
    from ordercraft.plugins.purchasing.machine import receive_any

    data: dict[str, Any] = {}
    if lines:
        data["lines"] = list(lines)
    if on not in (None, ""):
        data["date"] = str(on)
    if extra_cost not in (None, ""):
        data["extra_cost"] = str(extra_cost)
    if spread not in (None, ""):
        data["spread"] = spread
    receive_any(session, order, data)
    return order.receipts[-1]


def return_goods(session: Session, order: PurchaseOrder, lines: Sequence[Mapping[str, Any]],
                 *, on: Any = None, reason: str = "") -> Receipt:
    """Return received goods to the supplier: a stock issue; the lines' received
    quantities go down (the order goes back to partially received)."""
    require_session_permission(session, "purchasing.receive")
    if order.state not in ("partially_received", "received"):
        raise Conflict(f"purchase order {order.number} is {order.state}: only received goods "
                       "go back", field="order")
    if not lines:
        raise validation.invalid("lines", "name the lines and quantities to return")
    day = validation.day(on, field="date") or date.today()
    picked: list[tuple[PurchaseOrderLine, Decimal]] = []
    for index, entry in enumerate(lines):
        line = _line_ref(order, entry.get("line", entry.get("item")), index)
        qty = items.check_quantity(line.item, entry.get("qty"), field=f"lines[{index}].qty")
        if not 0 < qty <= line.received_qty:
            raise validation.invalid(f"lines[{index}].qty",
                                     f"{qty_text(qty)} is not between 0 and the "
                                     f"{qty_text(line.received_qty)} received")
        picked.append((line, qty))
    warehouse = session.get(Warehouse, order.warehouse_id)
    assert warehouse is not None
    number = next_number(session, "receipt", "GR-")
    with ledger_rights(session):
        posted = stock.post(session, "issue",
                            [stock.LineSpec(line.item.sku, warehouse.code, qty)
                             for line, qty in picked], date=day, ref=number,
                            note=f"returned to the supplier of {order.number}"
                            + (f" ({reason})" if reason else ""))
    receipt = Receipt(order_id=order.id, number=number, receipt_date=day, kind="return",
                      stock_document_id=posted.id,
                      lines=[ReceiptLine(order_line_id=line.id, qty=-qty, unit_cost=line.price)
                             for line, qty in picked])
    order.receipts.append(receipt)
    for line, qty in picked:
        line.received_qty -= qty
    if order.state == "received":
        order.state = "partially_received"
    session.flush()
    return receipt


# --------------------------------------------------------------------------- output


def line_dict(line: PurchaseOrderLine) -> dict[str, Any]:
    return {"id": line.id, "position": line.position, "item": line.item.sku,
            "item_name": line.item.name, "unit": line.item.unit, "qty": exact(line.qty),
            "price": money(line.price), "received": exact(line.received_qty),
            "open": exact(line.open_qty),
            "expected_date": line.expected_date, "sources": list(line.sources or [])}


def receipt_dict(receipt: Receipt) -> dict[str, Any]:
    return {"id": receipt.id, "number": receipt.number, "kind": receipt.kind,
            "date": receipt.receipt_date, "stock_document": receipt.stock_document_id,
            "extra_cost": money(receipt.extra_cost), "spread": receipt.spread,
            "lines": [{"line": rl.order_line_id, "qty": exact(rl.qty),
                       "unit_cost": money(rl.unit_cost)}
                      for rl in receipt.lines]}


def order_dict(order: PurchaseOrder, *, full: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": order.id, "number": order.number, "state": order.state,
        "supplier": order.supplier.name, "supplier_id": order.supplier_id,
        "currency": order.currency, "order_date": order.order_date,
        "expected_date": order.expected_date, "supplier_date": order.supplier_date,
        "total": money(order.total), "sent_at": order.sent_at, "sent_to": order.sent_to}
    if full:
        body["notes"] = order.notes
        body["cancel_reason"] = order.cancel_reason
        body["lines"] = [line_dict(line) for line in order.lines]
        body["receipts"] = [receipt_dict(r) for r in order.receipts]
    return body


def lines_csv(order: PurchaseOrder) -> str:
    """The order's lines as CSV, for the supplier (``po print --format csv``)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["order", "position", "sku", "name", "qty", "unit", "price", "currency",
                     "expected_date"])
    for line in order.lines:
        writer.writerow([order.number, line.position, line.item.sku, line.item.name,
                         qty_text(line.qty), line.item.unit, format(line.price, "f"),
                         order.currency,
                         line.expected_date.isoformat() if line.expected_date else ""])
    return out.getvalue()
