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

from sqlalchemy import and_, case, func, select
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


def _bucket_columns(as_of: date) -> list[Any]:
    """One SUM per bucket: an invoice is in the bucket whose due-date range holds it."""
    columns = []
    for name, first, last in BUCKETS:
        conditions = []
        # overdue days = as_of - due_date: in [first, last] <=> due in [as_of-last, as_of-first]
        if last is not None:
            conditions.append(Invoice.due_date >= as_of - timedelta(days=last))
        if first is not None:
            conditions.append(Invoice.due_date <= as_of - timedelta(days=first))
        columns.append(func.coalesce(func.sum(case(
            (and_(*conditions), Invoice.open_amount), else_=0)), 0).label(name))
    return columns


def receivables(session: Session, *, as_of: Any = None, client: Any = None) -> dict[str, Any]:
    """The aging report on ``as_of`` (default today): per client with something open or
    some credit, and overall; amounts exact, in the site's currency."""
    require_session_permission(session, "invoice.read")
    on = validation.day(as_of, field="as_of") or date.today()
    party_id = resolve_client(session, client).id if client not in (None, "") else None
    open_query = (select(Invoice.party_id, *_bucket_columns(on),
                         func.count().label("invoices"))
                  .where(Invoice.state.in_(OPEN_STATES), Invoice.open_amount > 0)
                  .group_by(Invoice.party_id))
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
    clients: dict[int, dict[str, Any]] = {}

    def entry(pid: int) -> dict[str, Any]:
        return clients.setdefault(pid, {"client_id": pid, **{n: ZERO for n in names},
                                        "invoices": 0, "credit": ZERO})

    for party, *sums, count in session.execute(open_query):
        found = entry(party)
        found.update(zip(names, sums))
        found["invoices"] = count
    for pid, amount in [*session.execute(payments), *session.execute(notes)]:
        entry(pid)["credit"] += Decimal(amount)
    labels: dict[int, str] = {pid: name for pid, name in session.execute(
        select(Party.id, Party.name).where(Party.id.in_(list(clients))))}
    rows = []
    overall = {name: ZERO for name in [*names, "total", "overdue", "credit", "balance"]}
    for pid, found in sorted(clients.items(), key=lambda kv: labels.get(kv[0], "")):
        total = sum((found[n] for n in names), ZERO)
        overdue = total - found["current"]
        row = {"client_id": pid, "client": labels.get(pid, ""), "invoices": found["invoices"],
               "buckets": {n: money(found[n]) for n in names}, "total": money(total),
               "overdue": money(overdue), "credit": money(found["credit"]),
               "balance": money(total - found["credit"])}
        rows.append(row)
        for name in names:
            overall[name] += found[name]
        overall["total"] += total
        overall["overdue"] += overdue
        overall["credit"] += found["credit"]
        overall["balance"] += total - found["credit"]
    return {"as_of": on, "currency": get_setting(session, CURRENCY_SETTING),
            "buckets": {n: money(overall[n]) for n in names},
            "total": money(overall["total"]), "overdue": money(overall["overdue"]),
            "credit": money(overall["credit"]), "balance": money(overall["balance"]),
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
