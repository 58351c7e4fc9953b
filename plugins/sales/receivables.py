"""Receivables: what clients owe, by age, per client and overall.

An invoice's open amount falls into one bucket by the days it is past its due date on
the report's day: ``current`` (not yet due), ``1-30``, ``31-60``, ``61-90`` and
``over_90``. A client's ``credit`` is the money received and not allocated (payments)
plus the credit notes' credit not used; ``balance`` = open invoices − credit. One
grouped query reads the open invoices whatever their number (the index on state and due
date keeps it to the open ones).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.sales.declarations import CURRENCY_SETTING
from ordercraft.plugins.sales.models import Invoice, Payment
from ordercraft.plugins.sales.orders import resolve_client
from ordercraft.sdk import validation
from ordercraft.sdk.models import Party
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.settings import get_setting

ZERO = Decimal(0)
CENT = Decimal("0.01")
#: (name, first day overdue, last day overdue) — ``None``: open-ended.
BUCKETS = (("current", None, 0), ("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90),
           ("over_90", 91, None))
OPEN_STATES = ("issued", "partially_paid")


def money(value: Decimal) -> Decimal:
    """Invoice amounts are whole cents (rounded per line): shown with two places."""
    return value.quantize(CENT)


def _aging_columns(as_of: date) -> list[Any]:
    """The open amount per client in total and past each bucket's first day overdue:
    ``SUM(open) FILTER (WHERE due_date < as_of - first + 1)`` for 1, 31, 61 and 91 days.
    One comparison per row and threshold (a bucket is the difference of two of them),
    instead of a range test per bucket."""
    columns = [func.sum(Invoice.open_amount).label("total")]
    for name, first, _last in BUCKETS[1:]:
        assert first is not None
        columns.append(func.sum(Invoice.open_amount).filter(
            Invoice.due_date <= as_of - timedelta(days=first)).label(f"past_{name}"))
    return columns


def receivables(session: Session, *, as_of: Any = None, client: Any = None) -> dict[str, Any]:
    """The aging report on ``as_of`` (default today): per client with something open or
    some credit, and overall; amounts exact, in the site's currency.

    The database sums per client with the client's name (one grouped pass over the
    covering index on client, state, due date and open amount); Python only subtracts
    the cumulative sums into buckets and rounds for display."""
    require_session_permission(session, "invoice.read")
    on = validation.day(as_of, field="as_of") or date.today()
    party_id = resolve_client(session, client).id if client not in (None, "") else None
    open_query = (select(Invoice.party_id, Party.name, func.count().label("invoices"),
                         *_aging_columns(on))
                  .join(Party, Party.id == Invoice.party_id)
                  .where(Invoice.state.in_(OPEN_STATES), Invoice.open_amount > 0)
                  .group_by(Invoice.party_id, Party.name))
    payments = (select(Payment.party_id, func.sum(Payment.unallocated))
                .where(Payment.unallocated > 0).group_by(Payment.party_id))
    notes = (select(Invoice.party_id, func.sum(-Invoice.open_amount))
             .where(Invoice.kind == "credit_note", Invoice.open_amount < 0,
                    Invoice.state != "cancelled").group_by(Invoice.party_id))
    if party_id is not None:
        open_query = open_query.where(Invoice.party_id == party_id)
        payments = payments.where(Payment.party_id == party_id)
        notes = notes.where(Invoice.party_id == party_id)
    names = [name for name, _first, _last in BUCKETS]
    opened: dict[int, tuple[int, list[Decimal]]] = {}
    labels: dict[int, str] = {}
    for party, name, count, total, *past in session.execute(open_query):
        labels[party] = name
        # cumulative: past[0] >= 1 day, past[1] >= 31 days ... -> one sum per bucket
        past = [value or ZERO for value in past]
        opened[party] = (count, [total - past[0], past[0] - past[1], past[1] - past[2],
                                 past[2] - past[3], past[3]])
    credits: dict[int, Decimal] = {}
    for pid, amount in [*session.execute(payments), *session.execute(notes)]:
        credits[pid] = credits.get(pid, ZERO) + Decimal(amount)
    wanted = set(opened) | set(credits)
    only_credit = set(credits) - set(opened)  # a few: names read apart
    if only_credit:
        labels.update((pid, name) for pid, name in session.execute(
            select(Party.id, Party.name).where(Party.id.in_(only_credit))))
    rows = []
    sums = [ZERO] * len(names)
    all_credit = ZERO
    nothing = (0, [ZERO] * len(names))
    quantize, cent = Decimal.quantize, CENT
    for pid in sorted(wanted, key=lambda key: labels.get(key, "")):
        count, buckets = opened.get(pid, nothing)
        credit = credits.get(pid, ZERO)
        total = sum(buckets, ZERO)
        rows.append({"client_id": pid, "client": labels.get(pid, ""), "invoices": count,
                     "buckets": {n: quantize(v, cent) for n, v in zip(names, buckets)},
                     "total": quantize(total, cent),
                     "overdue": quantize(total - buckets[0], cent),
                     "credit": quantize(credit, cent),
                     "balance": quantize(total - credit, cent)})
        sums = [a + b for a, b in zip(sums, buckets)]
        all_credit += credit
    grand = sum(sums, ZERO)
    return {"as_of": on, "currency": get_setting(session, CURRENCY_SETTING),
            "buckets": {n: money(v) for n, v in zip(names, sums)},
            "total": money(grand), "overdue": money(grand - sums[0]),
            "credit": money(all_credit), "balance": money(grand - all_credit),
            "clients": rows}


def client_balance(session: Session, client_id: int, as_of: Any = None) -> dict[str, Any]:
    """One client's line of the report (zeros when nothing is open): the client card."""
    report = receivables(session, as_of=as_of, client=client_id)
    if report["clients"]:
        return report["clients"][0]
    zero = money(ZERO)
    return {"client_id": client_id, "invoices": 0,
            "buckets": {name: zero for name, _f, _l in BUCKETS}, "total": zero,
            "overdue": zero, "credit": zero, "balance": zero}
