"""Money in: the payment schedule of an order, invoices, credit notes and payments.

* **Payment schedule**: milestones of an order (a share or an amount of its total, with
  a trigger: ``acceptance``, ``before_production``, ``shipment``, ``days_after``).
* **Invoices** are documents of their own (type ``invoice``), issued before shipping
  (``prepayment``, from a milestone) or for what was shipped (``shipment``: the shipped
  quantities not invoiced yet, less the prepayments invoiced and not yet deducted), and
  corrected by **credit notes** (``credit_note``, amounts below zero) for returns and
  cancellations. Numbers run per series (``INV-00001``, ``CN-00001``).
* **Payments**: money received from a client, allocated to one or more invoices (partial
  payments; what is left stays as the client's credit). Allocations are never changed or
  deleted.

States follow the money: an invoice is ``issued``, ``partially_paid`` or ``paid`` as
allocations settle it; a paid milestone ``before_production`` releases its order to
production; the invoice that covers everything a shipped order shipped moves the order
to ``invoiced``, and the last payment of an invoiced order to ``paid``.

Rounding (docs/sales.md): per line, half up, to the cent, exactly as orders
(:mod:`.totals`); an invoice's totals are the sums of its rounded lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session, selectinload

from ordercraft.plugins.sales.declarations import (
    CREDIT_NOTE_PREFIX_SETTING,
    CURRENCY_SETTING,
    INVOICE_PREFIX_SETTING,
    PAYMENT_PREFIX_SETTING,
    PAYMENT_TERMS_SETTING,
)
from ordercraft.plugins.sales.models import (
    Counter,
    Invoice,
    InvoiceLine,
    Order,
    Payment,
    PaymentAllocation,
    PaymentMilestone,
)
from ordercraft.plugins.sales.orders import (
    get_order,
    money,
    percent_value,
    resolve_client,
)
from ordercraft.plugins.sales.totals import (
    CENT,
    HUNDRED,
    line_amounts,
    minor_unit,
    money_unit,
    round_money,
)
from ordercraft.sdk import validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.queries import Page, page_bounds
from ordercraft.sdk.settings import get_setting

ZERO = Decimal(0)
TRIGGERS = ("acceptance", "before_production", "shipment", "days_after")
KINDS = ("prepayment", "shipment", "credit_note")
INVOICE_STATES = ("issued", "partially_paid", "paid", "cancelled")
METHODS = ("bank", "cash", "card", "other")
MAX_ID = 2**31 - 1


def _amount(value: Any, field: str) -> Decimal:
    """A positive amount of money, exact to the cent (the currency's minor unit)."""
    number = validation.decimal(value, field=field, places=2, minimum=ZERO)
    if number <= 0:
        raise ValidationError(f"{field}: {value!r} must be more than zero", field=field)
    return number


def _next_number(session: Session, series: str, prefix: str, column: Any) -> str:
    """The next number of ``series`` (its own counter row, taken under a row lock)."""
    counter = session.get(Counter, series, with_for_update=True)
    if counter is None:
        counter = Counter(name=series, value=0)
        session.add(counter)
        session.flush()
    while True:
        counter.value += 1
        number = f"{prefix}{counter.value:05d}"
        if session.scalar(select(column).where(column == number)) is None:
            session.flush()
            return number


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True)
class MilestoneInput:
    """One milestone as entered: ``percent`` or ``amount`` (one of the two)."""

    label: str
    trigger: str
    percent: Any = None
    amount: Any = None
    days: Any = None


def set_schedule(session: Session, order_ref: Any, milestones: Sequence[Any]) -> Order:
    """Replace the payment schedule of an order that has no invoices yet. Shares add up
    to at most 100 % and amounts to at most the order's total."""
    require_session_permission(session, "order.write")
    order = get_order(session, order_ref, for_update=True)
    if session.scalar(select(func.count()).select_from(Invoice)
                      .where(Invoice.order_id == order.id)):
        raise Conflict(f"order {order.number} is invoiced already: its payment schedule no "
                       "longer changes", field="milestones", code="invoiced")
    built = []
    share = ZERO
    for index, raw in enumerate(milestones):
        field = f"milestones.{index}"
        entry = raw if isinstance(raw, MilestoneInput) else MilestoneInput(**dict(raw))
        trigger = validation.choice(entry.trigger, field=f"{field}.trigger", choices=TRIGGERS)
        if (entry.percent in (None, "")) == (entry.amount in (None, "")):
            raise ValidationError(f"{field}: give either a percent or an amount",
                                  field=f"{field}.percent")
        percent = amount = None
        if entry.percent not in (None, ""):
            percent = validation.decimal(entry.percent, field=f"{field}.percent", places=4,
                                         integer_digits=3, minimum=ZERO)
            if not ZERO < percent <= HUNDRED:
                raise ValidationError(f"{field}.percent: {entry.percent!r} is not a share "
                                      "from 0 to 100", field=f"{field}.percent")
            share += order.total * percent / HUNDRED
        else:
            amount = _amount(entry.amount, f"{field}.amount")
            share += amount
        if share > order.total:
            raise ValidationError(f"{field}: the milestones add up to more than the order's "
                                  f"total {money(order.total)}", field=field)
        days = validation.whole_number(entry.days or 0, field=f"{field}.days", minimum=0,
                                       maximum=365)
        label = validation.text(entry.label, field=f"{field}.label", max_length=200) or (
            trigger.replace("_", " "))
        built.append(PaymentMilestone(position=index + 1, label=label, percent=percent,
                                      amount=amount, trigger=trigger, days=days))
    order.milestones.clear()
    session.flush()
    order.milestones.extend(built)
    session.flush()
    return order


def milestone_total(order: Order, milestone: PaymentMilestone) -> Decimal:
    """What the milestone asks for, to the sales currency's smallest amount (half up)."""
    if milestone.amount is not None:
        return milestone.amount
    session = object_session(order)
    unit = money_unit(session) if session is not None else CENT
    return round_money(order.total * (milestone.percent or ZERO) / HUNDRED, unit)


def milestone_dict(order: Order, milestone: PaymentMilestone) -> dict[str, Any]:
    return {"position": milestone.position, "label": milestone.label,
            "trigger": milestone.trigger, "days": milestone.days,
            "percent": percent_value(milestone.percent) if milestone.percent is not None
            else None,
            "amount": money(milestone_total(order, milestone))}


# --------------------------------------------------------------------------- invoices


def _split_tax(total: Decimal, net_base: Decimal, tax_base: Decimal,
               unit: Decimal) -> tuple[Decimal, Decimal]:
    """``total`` split into (net, tax) in the ratio of ``tax_base`` to the gross base:
    the tax is rounded half up to ``unit``, the net is the rest, so net + tax == total
    exactly."""
    gross = net_base + tax_base
    tax = round_money(total * tax_base / gross, unit) if gross else ZERO
    return total - tax, tax


def _new_invoice(session: Session, order: Order, kind: str, issue_date: Any,
                 due_days: int | None = None) -> Invoice:
    on = validation.day(issue_date, field="date") or date.today()
    if on < order.order_date:
        raise ValidationError(f"date: {on.isoformat()} is before the order date "
                              f"{order.order_date.isoformat()}", field="date")
    terms = get_setting(session, PAYMENT_TERMS_SETTING) if due_days is None else due_days
    series, setting = (("credit_note", CREDIT_NOTE_PREFIX_SETTING) if kind == "credit_note"
                       else ("invoice", INVOICE_PREFIX_SETTING))
    number = _next_number(session, series, get_setting(session, setting), Invoice.number)
    return Invoice(number=number, kind=kind, order_id=order.id, order=order,
                   party_id=order.party_id, currency=get_setting(session, CURRENCY_SETTING),
                   issue_date=on, due_date=on + timedelta(days=int(terms)))


def _finish(session: Session, invoice: Invoice, lines: list[InvoiceLine]) -> Invoice:
    for position, line in enumerate(lines, start=1):
        line.position = position
    invoice.lines = lines
    invoice.subtotal = sum((line.net_amount for line in lines), ZERO)
    invoice.tax_total = sum((line.tax_amount for line in lines), ZERO)
    invoice.total = invoice.subtotal + invoice.tax_total
    invoice.open_amount = invoice.total
    session.add(invoice)
    session.flush()
    return invoice


def _live(query: Any) -> Any:
    return query.where(Invoice.state != "cancelled")


def issue_prepayment(session: Session, order_ref: Any, milestone: Any,
                     issue_date: Any = None) -> Invoice:
    """The prepayment invoice of the order's milestone ``milestone`` (its position),
    before anything is shipped. One live invoice per milestone."""
    require_session_permission(session, "invoice.write")
    order = get_order(session, order_ref, for_update=True)
    if order.state in ("draft", "cancelled"):
        raise Conflict(f"order {order.number} is {order.state}: confirm it before invoicing",
                       field="order", code="not_confirmed")
    position = validation.whole_number(milestone, field="milestone", minimum=1, maximum=1000)
    found = next((m for m in order.milestones if m.position == position), None)
    if found is None:
        raise NotFound(f"milestone: order {order.number} has no milestone {position} (its "
                       f"schedule has {len(order.milestones)})", field="milestone")
    taken = session.scalar(_live(select(Invoice.number).where(Invoice.milestone_id == found.id)))
    if taken is not None:
        raise Conflict(f"milestone: milestone {position} of order {order.number} is "
                       f"invoiced already ({taken})", field="milestone", code="invoiced")
    invoice = _new_invoice(session, order, "prepayment", issue_date)
    invoice.milestone_id = found.id
    total = milestone_total(order, found)
    net, tax = _split_tax(total, order.subtotal, order.tax_total, minor_unit(invoice.currency))
    share = (f"{percent_value(found.percent)} % " if found.percent is not None else "")
    line = InvoiceLine(description=f"{found.label}: prepayment {share}of order {order.number}",
                       qty=Decimal(1), price=net, net_amount=net, tax_amount=tax,
                       total_amount=total,
                       tax_rate=round_money(tax * HUNDRED / net) if net else ZERO)
    return _finish(session, invoice, [line])


def invoiced_qty(session: Session, order: Order) -> dict[int, Decimal]:
    """Per order line id: the quantity on live shipment invoices less live credit notes."""
    rows = session.execute(
        select(InvoiceLine.order_line_id, func.sum(InvoiceLine.qty))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.order_id == order.id, Invoice.state != "cancelled",
               InvoiceLine.order_line_id.is_not(None))
        .group_by(InvoiceLine.order_line_id))
    return {line_id: Decimal(qty) for line_id, qty in rows}


def prepayments_left(session: Session, order: Order) -> tuple[Decimal, Decimal, Decimal]:
    """(total, net, tax) of the order's live prepayment invoices not yet deducted on a
    shipment invoice."""
    invoiced = session.execute(_live(
        select(func.coalesce(func.sum(Invoice.total), 0),
               func.coalesce(func.sum(Invoice.subtotal), 0),
               func.coalesce(func.sum(Invoice.tax_total), 0))
        .where(Invoice.order_id == order.id, Invoice.kind == "prepayment"))).one()
    deducted = session.execute(_live(
        select(func.coalesce(func.sum(InvoiceLine.total_amount), 0))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.order_id == order.id, Invoice.kind == "shipment",
               InvoiceLine.order_line_id.is_(None)))).scalar_one()
    total, net, tax = (Decimal(v) for v in invoiced)
    return total + Decimal(deducted), net, tax


def issue_shipment_invoice(session: Session, order_ref: Any, issue_date: Any = None) -> Invoice:
    """The invoice for what the order shipped and no invoice covers yet (a partial
    shipment: the shipped quantities only), less the prepayments invoiced before and not
    deducted yet (one line, never more than the goods)."""
    require_session_permission(session, "invoice.write")
    order = get_order(session, order_ref, for_update=True)
    done = invoiced_qty(session, order)
    unit = money_unit(session)
    lines: list[InvoiceLine] = []
    for order_line in order.lines:
        qty = order_line.shipped_qty - done.get(order_line.id, ZERO)
        if qty <= 0:
            continue
        amounts = line_amounts(qty, order_line.price, order_line.discount_pct,
                               order_line.tax_rate, unit)
        lines.append(InvoiceLine(order_line_id=order_line.id, item_id=order_line.item_id,
                                 description=order_line.description, qty=qty,
                                 price=order_line.price, discount_pct=order_line.discount_pct,
                                 tax_rate=order_line.tax_rate, net_amount=amounts.net,
                                 tax_amount=amounts.tax, total_amount=amounts.total))
    if not lines:
        raise Conflict(f"order: order {order.number} has nothing shipped that is not "
                       "invoiced yet", field="order", code="nothing_to_invoice")
    invoice = _new_invoice(session, order, "shipment", issue_date)
    goods = sum((line.total_amount for line in lines), ZERO)
    left, pre_net, pre_tax = prepayments_left(session, order)
    deduction = min(left, goods)
    if deduction > 0:
        net, tax = _split_tax(deduction, pre_net, pre_tax, unit)
        lines.append(InvoiceLine(description="Less prepayments invoiced", qty=Decimal(1),
                                 price=-net, net_amount=-net, tax_amount=-tax,
                                 total_amount=-deduction))
    _finish(session, invoice, lines)
    if invoice.total == 0:
        _move(session, invoice, "pay")
    _order_follows(session, order)
    return invoice


def issue_credit_note(session: Session, invoice_ref: Any, *, lines: Sequence[Any] | None = None,
                      reason: Any = "", issue_date: Any = None) -> Invoice:
    """A credit note for a shipment invoice: all its goods, or ``lines``
    (``[{"line": position, "qty": q}]``, a return). Its credit settles what the invoice
    still asks for; the rest becomes the client's credit."""
    require_session_permission(session, "invoice.write")
    invoice = get_invoice(session, invoice_ref, for_update=True)
    why = validation.text(reason, field="reason", max_length=500, required=True)
    if invoice.kind != "shipment" or invoice.state == "cancelled":
        raise Conflict(f"invoice: {invoice.number} is a {invoice.kind.replace('_', ' ')} "
                       f"({invoice.state}): credit notes correct live shipment invoices",
                       field="invoice", code="not_creditable")
    goods = {line.position: line for line in invoice.lines if line.order_line_id is not None}
    wanted: dict[int, Decimal] = {}
    if lines is None:
        wanted = {position: line.qty for position, line in goods.items()}
    for index, raw in enumerate(lines or ()):
        position = validation.whole_number(raw.get("line"), field=f"lines.{index}.line",
                                           minimum=1, maximum=10_000)
        if position not in goods:
            raise ValidationError(f"lines.{index}.line: invoice {invoice.number} has no goods "
                                  f"line {position}", field=f"lines.{index}.line")
        wanted[position] = validation.decimal(raw.get("qty"), field=f"lines.{index}.qty",
                                              places=6, minimum=ZERO)
    credited = _credited_qty(session, invoice)
    order = invoice.order
    note = _new_invoice(session, order, "credit_note", issue_date, due_days=0)
    note.credited_invoice_id = invoice.id
    note.cancel_reason = why
    built = []
    for position, qty in sorted(wanted.items()):
        source = goods[position]
        left = source.qty - credited.get(source.order_line_id or 0, ZERO)
        if qty <= 0 or qty > left:
            raise ValidationError(f"lines.qty: {qty} of line {position} is not between 0 and "
                                  f"the {left} left to credit", field="lines.qty")
        amounts = line_amounts(qty, source.price, source.discount_pct, source.tax_rate,
                               minor_unit(invoice.currency))
        built.append(InvoiceLine(order_line_id=source.order_line_id, item_id=source.item_id,
                                 description=source.description, qty=-qty, price=source.price,
                                 discount_pct=source.discount_pct, tax_rate=source.tax_rate,
                                 net_amount=-amounts.net, tax_amount=-amounts.tax,
                                 total_amount=-amounts.total))
    _finish(session, note, built)
    settle = min(invoice.open_amount, -note.total)
    if settle > 0:
        session.add(PaymentAllocation(credit_note_id=note.id, invoice_id=invoice.id,
                                      amount=settle))
        invoice.open_amount -= settle
        note.open_amount += settle
        _state_follows(session, invoice)
    if note.open_amount == 0:
        _move(session, note, "pay")
    session.flush()
    return note


def _credited_qty(session: Session, invoice: Invoice) -> dict[int, Decimal]:
    rows = session.execute(_live(
        select(InvoiceLine.order_line_id, func.sum(InvoiceLine.qty))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.credited_invoice_id == invoice.id)
        .group_by(InvoiceLine.order_line_id)))
    return {line_id: -Decimal(qty) for line_id, qty in rows}


def _by_ref(session: Session, model: Any, ref: Any, what: str, *, for_update: bool,
            options: Sequence[Any] = ()) -> Any:
    """An invoice or a payment by id (digits) or by number (``INV-00012``); a missing one
    is a ``NotFound`` naming the field ``what``."""
    text = str(ref).strip() if ref is not None else ""
    if re.fullmatch(r"[0-9]{1,10}", text) and int(text) <= MAX_ID:
        query = select(model).where(model.id == int(text))
    elif 0 < len(text) <= 30:
        query = select(model).where(model.number == text)
    else:
        raise NotFound(f"{what}: {text[:40]!r} does not exist", field=what)
    if for_update:
        query = query.with_for_update(of=model)
    found = session.scalar(query.options(*options))
    if found is None:
        raise NotFound(f"{what}: {text!r} does not exist", field=what)
    return found


def get_invoice(session: Session, ref: Any, *, for_update: bool = False) -> Invoice:
    """By id or by number (``INV-00012``)."""
    require_session_permission(session, "invoice.read")
    if isinstance(ref, Invoice):
        return ref
    found: Invoice = _by_ref(session, Invoice, ref, "invoice", for_update=for_update,
                             options=[selectinload(Invoice.lines)])
    return found


def list_invoices(session: Session, *, client: Any = None, order: Any = None,
                  status: Iterable[str] | str | None = None, overdue_on: Any = None,
                  limit: Any = None, offset: Any = None) -> Page[Invoice]:
    """Invoices, newest first, by client, order, state(s); ``overdue_on`` (a date): only
    those open past their due date on that day."""
    require_session_permission(session, "invoice.read")
    limit, offset = page_bounds(limit, offset)
    query = select(Invoice)
    if client not in (None, ""):
        query = query.where(Invoice.party_id == resolve_client(session, client).id)
    if order not in (None, ""):
        query = query.where(Invoice.order_id == get_order(session, order).id)
    states = [s.strip() for s in (status.split(",") if isinstance(status, str)
                                  else status or ()) if s.strip()]
    for state in states:
        validation.choice(state, field="status", choices=INVOICE_STATES)
    if states:
        query = query.where(Invoice.state.in_(states))
    on = validation.day(overdue_on, field="overdue_on")
    if on is not None:
        query = query.where(Invoice.open_amount > 0, Invoice.due_date < on,
                            Invoice.state.in_(("issued", "partially_paid")))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(Invoice.issue_date.desc(), Invoice.id.desc())
                                .options(selectinload(Invoice.client))
                                .limit(limit).offset(offset)))
    return Page(rows, int(total), limit, offset)


# --------------------------------------------------------------------------- states


def _move(session: Session, document: Any, name: str, **kwargs: Any) -> None:
    from ordercraft.sdk.workflow import transition

    transition(session, document, name, user=None, **kwargs)


def _state_follows(session: Session, invoice: Invoice) -> None:
    """The invoice's state after its open amount changed."""
    if invoice.open_amount == 0 and invoice.state != "paid":
        _move(session, invoice, "pay")
    elif 0 < invoice.open_amount < invoice.total and invoice.state == "issued":
        _move(session, invoice, "pay_part")


def _order_follows(session: Session, order: Order) -> None:
    """The order's state after its invoices or their payments changed: shipped and fully
    invoiced -> invoiced; invoiced and nothing open -> paid."""
    session.flush()
    if order.state == "shipped":
        done = invoiced_qty(session, order)
        if all(done.get(line.id, ZERO) >= line.shipped_qty for line in order.lines):
            _move(session, order, "invoice")
    if order.state == "invoiced":
        still_open = session.scalar(_live(
            select(func.coalesce(func.sum(Invoice.open_amount), 0))
            .where(Invoice.order_id == order.id, Invoice.open_amount > 0)))
        if not still_open:
            _move(session, order, "pay")


def _release_production(session: Session, invoice: Invoice) -> None:
    """A paid milestone ``before_production`` releases the order to production."""
    milestone = invoice.milestone
    if (invoice.state == "paid" and milestone is not None
            and milestone.trigger == "before_production"
            and invoice.order.state in ("confirmed", "reserved")):
        _move(session, invoice.order, "start_production")


# --------------------------------------------------------------------------- payments


def record_payment(session: Session, client: Any, amount: Any, *, pay_date: Any = None,
                   method: Any = "bank", reference: Any = "", payer: Any = "",
                   allocations: Sequence[Mapping[str, Any]] = ()) -> Payment:
    """An incoming payment of ``client``, allocated at once to ``allocations``
    (``[{"invoice": ref, "amount": a}]``; ``amount`` left out: the invoice's open amount,
    as far as the payment goes). What is not allocated stays as the client's credit."""
    require_session_permission(session, "payment.write")
    party = resolve_client(session, client)
    value = _amount(amount, "amount")
    on = validation.day(pay_date, field="date") or date.today()
    payment = Payment(
        number=_next_number(session, "payment", get_setting(session, PAYMENT_PREFIX_SETTING),
                            Payment.number),
        party_id=party.id, client=party, currency=get_setting(session, CURRENCY_SETTING),
        amount=value, unallocated=value, pay_date=on,
        method=validation.choice(method or "bank", field="method", choices=METHODS),
        reference=validation.text(reference, field="reference", max_length=200),
        payer=validation.text(payer, field="payer", max_length=200))
    session.add(payment)
    session.flush()
    for index, entry in enumerate(allocations):
        allocate(session, payment, entry.get("invoice"), entry.get("amount"),
                 field=f"allocations.{index}")
    return payment


def get_payment(session: Session, ref: Any, *, for_update: bool = False) -> Payment:
    """By id or by number (``PAY-00003``)."""
    require_session_permission(session, "invoice.read")
    if isinstance(ref, Payment):
        return ref
    found: Payment = _by_ref(session, Payment, ref, "payment", for_update=for_update)
    return found


def list_payments(session: Session, *, client: Any = None, unallocated: bool = False,
                  limit: Any = None, offset: Any = None) -> Page[Payment]:
    """Payments, newest first, by client; ``unallocated``: only those with money left
    (the client's credit)."""
    require_session_permission(session, "invoice.read")
    limit, offset = page_bounds(limit, offset)
    query = select(Payment)
    if client not in (None, ""):
        query = query.where(Payment.party_id == resolve_client(session, client).id)
    if unallocated:
        query = query.where(Payment.unallocated > 0)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(Payment.pay_date.desc(), Payment.id.desc())
                                .options(selectinload(Payment.client),
                                         selectinload(Payment.allocations)
                                         .selectinload(PaymentAllocation.invoice))
                                .limit(limit).offset(offset)))
    return Page(rows, int(total), limit, offset)


def allocate(session: Session, payment_ref: Any, invoice_ref: Any, amount: Any = None, *,
             field: str = "") -> PaymentAllocation:
    """Settle ``amount`` of an invoice from a payment's unallocated money (default: as
    much as both allow). More than the invoice's open amount or the payment's rest, a
    cancelled invoice, another client's invoice: refused, nothing saved."""
    require_session_permission(session, "payment.write")
    prefix = f"{field}." if field else ""
    payment = get_payment(session, payment_ref, for_update=True)
    try:
        invoice = get_invoice(session, invoice_ref, for_update=True)
    except NotFound as exc:
        raise NotFound(f"{prefix}{exc.message}", field=f"{prefix}invoice") from None
    if invoice.state == "cancelled":
        raise Conflict(f"{prefix}invoice: {invoice.number} is cancelled: it takes no payment",
                       field=f"{prefix}invoice", code="cancelled")
    if invoice.party_id != payment.party_id:
        raise ValidationError(f"{prefix}invoice: {invoice.number} is an invoice of "
                              f"{invoice.client.name!r}, not of the payer {payment.client.name!r}",
                              field=f"{prefix}invoice")
    if invoice.currency != payment.currency:
        raise ValidationError(f"{prefix}invoice: {invoice.number} is in {invoice.currency}, "
                              f"the payment in {payment.currency}", field=f"{prefix}invoice")
    if amount in (None, ""):
        value = min(invoice.open_amount, payment.unallocated)
        if value <= 0:
            what = (f"invoice {invoice.number} has nothing open" if invoice.open_amount <= 0
                    else f"payment {payment.number} has nothing left to allocate")
            raise Conflict(f"{prefix}amount: {what}", field=f"{prefix}amount",
                           code="nothing_to_allocate")
    else:
        value = _amount(amount, f"{prefix}amount")
        if value > invoice.open_amount:
            raise ValidationError(f"{prefix}amount: {money(value)} is more than the "
                                  f"{money(invoice.open_amount)} open on invoice "
                                  f"{invoice.number}", field=f"{prefix}amount")
        if value > payment.unallocated:
            raise ValidationError(f"{prefix}amount: {money(value)} is more than the "
                                  f"{money(payment.unallocated)} left of payment "
                                  f"{payment.number}", field=f"{prefix}amount")
    allocation = PaymentAllocation(payment_id=payment.id, payment=payment,
                                   invoice_id=invoice.id, invoice=invoice, amount=value)
    session.add(allocation)
    payment.unallocated -= value
    invoice.open_amount -= value
    _state_follows(session, invoice)
    _release_production(session, invoice)
    _order_follows(session, invoice.order)
    session.flush()
    return allocation


# --------------------------------------------------------------------------- bank import

STATEMENT_COLUMNS = ("date", "amount", "payer", "reference")
_NUMBER_IN_TEXT = re.compile(r"[A-Za-z]{1,10}-?[0-9]{3,10}")


@dataclass
class StatementMatch:
    """One row of a bank statement and what it matched."""

    row: int
    pay_date: date
    amount: Decimal
    payer: str
    reference: str
    client_id: int | None = None
    client: str | None = None
    invoice: str | None = None
    how: str = "unmatched"
    payment: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "date": self.pay_date, "amount": money(self.amount),
                "payer": self.payer, "reference": self.reference,
                "client_id": self.client_id, "client": self.client, "invoice": self.invoice,
                "matched_by": self.how, "payment": self.payment}


def parse_statement(text: str) -> list[tuple[int, date, Decimal, str, str]]:
    """The rows of a CSV bank statement with a header ``date,amount,payer,reference``
    (comma or semicolon); only incoming money (amount > 0) is kept."""
    import csv
    import io

    sample = text[:2000]
    dialect = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in STATEMENT_COLUMNS if name not in header]
    if missing:
        raise ValidationError(f"file: the statement has no column {missing[0]!r} (columns: "
                              f"{', '.join(STATEMENT_COLUMNS)})", field="file")
    rows = []
    for number, raw in enumerate(reader, start=2):
        record = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        field = f"row {number}"
        on = validation.day(record["date"], field=f"{field}.date")
        if on is None:
            raise ValidationError(f"{field}.date: the date is missing", field=f"{field}.date")
        amount = validation.decimal(record["amount"], field=f"{field}.amount", places=2)
        if amount > 0:
            rows.append((number, on, amount, record["payer"], record["reference"]))
    return rows


def match_statement(session: Session, text: str) -> list[StatementMatch]:
    """Each incoming row matched to an open invoice: by an invoice number in the
    reference, else by the exact open amount of one open invoice (of the payer, when the
    payer names a client)."""
    require_session_permission(session, "invoice.read")
    matches = []
    for number, on, amount, payer, reference in parse_statement(text):
        match = StatementMatch(number, on, amount, payer, reference)
        invoice = None
        for candidate in _NUMBER_IN_TEXT.findall(reference):
            invoice = session.scalar(select(Invoice).where(
                Invoice.number == candidate.upper(), Invoice.open_amount > 0,
                Invoice.state.in_(("issued", "partially_paid"))))
            if invoice is not None:
                match.how = "reference"
                break
        if invoice is None:
            query = select(Invoice).where(Invoice.open_amount == amount,
                                          Invoice.state.in_(("issued", "partially_paid")))
            party = _payer_party(session, payer)
            if party is not None:
                query = query.where(Invoice.party_id == party)
            found = list(session.scalars(query.limit(2)))
            if len(found) == 1:
                invoice, match.how = found[0], "amount"
        if invoice is not None:
            match.invoice, match.client_id = invoice.number, invoice.party_id
            match.client = invoice.client.name
        matches.append(match)
    return matches


def _payer_party(session: Session, payer: str) -> int | None:
    from ordercraft.sdk.models import Party
    from ordercraft.sdk.queries import fold, fold_text

    if not payer:
        return None
    return session.scalar(select(Party.id).where(
        fold(session, Party.name) == fold_text(session, payer)).limit(1))


def import_statement(session: Session, text: str, *, apply: bool = False) -> list[StatementMatch]:
    """Match a statement (:func:`match_statement`) and, with ``apply``, record a payment
    for every matched row, allocated to its invoice (what is over stays as credit).
    Unmatched rows are left for the review screen (``payment add`` by hand)."""
    matches = match_statement(session, text)
    if apply:
        require_session_permission(session, "payment.write")
        for match in matches:
            if match.invoice is None:
                continue
            payment = record_payment(session, match.client_id, match.amount,
                                     pay_date=match.pay_date, method="bank",
                                     reference=match.reference, payer=match.payer)
            allocate(session, payment, match.invoice)
            match.payment = payment.number
    return matches


# --------------------------------------------------------------------------- output


def invoice_line_dict(line: InvoiceLine) -> dict[str, Any]:
    return {"position": line.position, "order_line_id": line.order_line_id,
            "description": line.description, "qty": line.qty.normalize() if line.qty ==
            line.qty.to_integral() else line.qty, "price": money(line.price),
            "discount": percent_value(line.discount_pct),
            "tax_rate": percent_value(line.tax_rate), "net": money(line.net_amount),
            "tax": money(line.tax_amount), "total": money(line.total_amount)}


def invoice_dict(invoice: Invoice, *, details: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": invoice.id, "number": invoice.number, "kind": invoice.kind,
        "state": invoice.state, "order_id": invoice.order_id, "order": invoice.order.number,
        "client_id": invoice.party_id, "client": invoice.client.name,
        "currency": invoice.currency, "issue_date": invoice.issue_date,
        "due_date": invoice.due_date, "subtotal": money(invoice.subtotal),
        "tax_total": money(invoice.tax_total), "total": money(invoice.total),
        "paid": money(invoice.paid_amount), "open": money(invoice.open_amount),
        "milestone": invoice.milestone.position if invoice.milestone else None,
        "credited_invoice_id": invoice.credited_invoice_id,
        "reason": invoice.cancel_reason or None}
    if details:
        body["lines"] = [invoice_line_dict(line) for line in invoice.lines]
    return body


def payment_dict(payment: Payment) -> dict[str, Any]:
    return {"id": payment.id, "number": payment.number, "client_id": payment.party_id,
            "client": payment.client.name, "currency": payment.currency,
            "amount": money(payment.amount), "unallocated": money(payment.unallocated),
            "date": payment.pay_date, "method": payment.method,
            "reference": payment.reference, "payer": payment.payer,
            "allocations": [{"invoice": a.invoice.number, "amount": money(a.amount),
                             "at": a.at} for a in payment.allocations]}


def order_money_dict(session: Session, order: Order) -> dict[str, Any]:
    """The payment schedule and invoices of an order, for its page and the API."""
    invoices = list(session.scalars(select(Invoice).where(Invoice.order_id == order.id)
                                    .order_by(Invoice.id)))
    return {"milestones": [milestone_dict(order, m) for m in order.milestones],
            "invoices": [invoice_dict(i, details=False) for i in invoices]}



# --------------------------------------------------------------------------- reminders

MAIL_TEMPLATES = Path(__file__).parent / "mail_templates"


def remind(platform: Any, ref: Any, *, to: str | None = None, on: Any = None,
           user: Any = None) -> dict[str, Any]:
    """Mail the client a reminder of an overdue invoice (template
    ``sales/invoice_reminder``, overridable per site) with the invoice's PDF, through the
    outbox; the reminder is on the invoice's timeline. The PDF is rendered before the
    transaction that queues the mail. Refused for an invoice that is not overdue."""
    from ordercraft.sdk.mail import print_form_attachment, queue_mail, render_mail
    from ordercraft.sdk.workflow import add_comment

    day = validation.day(on, field="date") or date.today()
    with platform.session(user) as session:
        invoice = get_invoice(session, ref)
        address = validation.email(to, field="to") if to not in (None, "") else (
            invoice.client.email or "")
        if not address:
            raise ValidationError(f"to: client {invoice.client.name!r} has no e-mail address: "
                                  "give one", field="to")
        if invoice.open_amount <= 0 or invoice.due_date >= day or invoice.state not in (
                "issued", "partially_paid"):
            raise Conflict(f"invoice: {invoice.number} is not overdue on {day.isoformat()} "
                           f"(due {invoice.due_date.isoformat()}, open "
                           f"{money(invoice.open_amount)})", field="invoice", code="not_overdue")
        invoice_id = invoice.id
    attachment = print_form_attachment(platform, "invoice", "document", invoice_id, user=user)
    with platform.session(user) as session:
        invoice = get_invoice(session, invoice_id)
        days = (day - invoice.due_date).days
        content = render_mail(session, "sales/invoice_reminder",
                              {"invoice": invoice, "days": days}, folder=MAIL_TEMPLATES)
        queue_mail(session, to=address, content=content, attachments=[attachment],
                   about=invoice, source="sales")
        add_comment(session, invoice, f"Reminder sent to {address} ({days} days overdue)")
        return {"invoice": invoice.number, "to": address, "days_overdue": days}
