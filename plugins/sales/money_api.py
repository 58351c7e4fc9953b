"""``/api/v1/invoices``, ``/api/v1/payments``, ``/api/v1/receivables`` and an order's
payment schedule: money in, over the JSON API (transitions of invoices included)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from ordercraft.sdk.web import (
    API_PREFIX,
    InputModel,
    OutputModel,
    Page,
    PageQuery,
    api_route,
    page,
    request_session,
    workflow_routes,
)

bp = Blueprint("sales_money_api", __name__, url_prefix=API_PREFIX)

MAX_ID = 2**31 - 1
InvoiceState = Literal["issued", "partially_paid", "paid", "cancelled"]
InvoiceKind = Literal["prepayment", "shipment", "credit_note"]
Trigger = Literal["acceptance", "before_production", "shipment", "days_after"]


class MilestoneIn(InputModel):
    label: str = Field("", max_length=200)
    trigger: Trigger
    percent: Decimal | None = Field(None, gt=0, le=100, max_digits=7, decimal_places=4,
                                    description="Share of the order's total, percent.")
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2,
                                   description="Or a fixed amount.")
    days: int | None = Field(None, ge=0, le=365, description="For days_after.")


class ScheduleIn(InputModel):
    milestones: list[MilestoneIn] = Field(max_length=50)


class MilestoneOut(OutputModel):
    position: int
    label: str
    trigger: Trigger
    days: int
    percent: Decimal | None
    amount: Decimal = Field(description="What the milestone asks for, to the cent.")


class InvoiceLineOut(OutputModel):
    position: int
    order_line_id: int | None
    description: str
    qty: Decimal
    price: Decimal
    discount: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


class InvoiceSummaryOut(OutputModel):
    id: int
    number: str
    kind: InvoiceKind
    state: InvoiceState
    order_id: int
    order: str
    client_id: int
    client: str
    currency: str
    issue_date: dt.date
    due_date: dt.date
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    paid: Decimal
    open: Decimal
    milestone: int | None
    credited_invoice_id: int | None
    reason: str | None


class InvoiceOut(InvoiceSummaryOut):
    lines: list[InvoiceLineOut]


class OrderMoneyOut(OutputModel):
    milestones: list[MilestoneOut]
    invoices: list[InvoiceSummaryOut]


class InvoiceIn(InputModel):
    order: int | str = Field(description="Order id or number.")
    milestone: int | None = Field(None, ge=1, le=1000, description=(
        "A prepayment for this milestone of the payment schedule; left out: an invoice for "
        "what was shipped and is not invoiced yet."))
    date: dt.date | None = Field(None, description="Issue date (default today).")


class CreditLineIn(InputModel):
    line: int = Field(ge=1, le=10_000, description="The invoice's line number.")
    qty: Decimal = Field(gt=0, max_digits=18, decimal_places=6)


class CreditNoteIn(InputModel):
    reason: str = Field(min_length=1, max_length=500)
    lines: list[CreditLineIn] | None = Field(None, max_length=500,
                                             description="Left out: every goods line.")
    date: dt.date | None = None


class InvoiceQuery(PageQuery):
    client: str | None = Field(None, max_length=200)
    order: str | None = Field(None, max_length=30)
    status: list[InvoiceState] = Field(default_factory=list)
    overdue_on: dt.date | None = Field(None, description="Only invoices overdue that day.")


class PaymentQuery(PageQuery):
    client: str | None = Field(None, max_length=200, description="Client id or name.")
    unallocated: bool = Field(False, description="Only payments with money left (the "
                              "client's credit).")


class AllocationIn(InputModel):
    invoice: int | str = Field(description="Invoice id or number.")
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2,
                                   description="Left out: as much as is open and left.")


class PaymentIn(InputModel):
    client: int | str
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    date: dt.date | None = None
    method: Literal["bank", "cash", "card", "other"] = "bank"
    reference: str = Field("", max_length=200)
    payer: str = Field("", max_length=200)
    allocations: list[AllocationIn] = Field(default_factory=list, max_length=100)


class AllocationsIn(InputModel):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=100)


class AllocationOut(OutputModel):
    invoice: str
    amount: Decimal
    at: dt.datetime


class PaymentOut(OutputModel):
    id: int
    number: str
    client_id: int
    client: str
    currency: str
    amount: Decimal
    unallocated: Decimal = Field(description="Left as the client's credit.")
    date: dt.date
    method: str
    reference: str
    payer: str
    allocations: list[AllocationOut]


class StatementIn(InputModel):
    csv: str = Field(max_length=5_000_000, description="date,amount,payer,reference rows.")
    apply: bool = Field(False, description="Record the matched payments.")


class StatementRowOut(OutputModel):
    row: int
    date: dt.date
    amount: Decimal
    payer: str
    reference: str
    client_id: int | None
    client: str | None
    invoice: str | None
    matched_by: Literal["reference", "amount", "unmatched"]
    payment: str | None


class StatementOut(OutputModel):
    applied: bool
    matched: int
    rows: list[StatementRowOut]


class ClientReceivablesOut(OutputModel):
    client_id: int
    client: str
    invoices: int
    buckets: dict[str, Decimal]
    total: Decimal
    overdue: Decimal
    credit: Decimal
    balance: Decimal


class ReceivablesOut(OutputModel):
    as_of: dt.date
    currency: str
    buckets: dict[str, Decimal] = Field(
        description="current, 1-30, 31-60, 61-90, over_90 (days past due).")
    total: Decimal
    overdue: Decimal
    credit: Decimal
    balance: Decimal
    clients: list[ClientReceivablesOut]


class ReceivablesQuery(InputModel):
    as_of: dt.date | None = None
    client: str | None = Field(None, max_length=200)


NOT_FOUND = {404: "No invoice has this id."}


def _invoice(ref: Any) -> dict[str, Any]:
    from ordercraft.plugins.sales.invoicing import get_invoice, invoice_dict

    return invoice_dict(get_invoice(request_session(), ref))


@api_route(bp, "/orders/<int:order_id>/payment-schedule", permission="invoice.read",
           response=OrderMoneyOut,
           errors={404: "No order has this id."})
def order_money(order_id: int):
    """The order's payment schedule and its invoices."""
    from ordercraft.plugins.sales.invoicing import order_money_dict
    from ordercraft.plugins.sales.orders import get_order

    session = request_session()
    return order_money_dict(session, get_order(session, order_id))


@api_route(bp, "/orders/<int:order_id>/payment-schedule", permission="order.write",
           methods=["PUT"], body=ScheduleIn,
           response=OrderMoneyOut,
           errors={404: "No order has this id.", 409: "The order is invoiced already."})
def set_order_schedule(order_id: int, body: ScheduleIn):
    """Replace the order's payment schedule (before its first invoice)."""
    from ordercraft.plugins.sales.invoicing import order_money_dict, set_schedule

    session = request_session()
    order = set_schedule(session, order_id, [m.model_dump() for m in body.milestones])
    return order_money_dict(session, order)


@api_route(bp, "/invoices", permission="invoice.read",
           query=InvoiceQuery, response=Page[InvoiceSummaryOut],
           errors={404: "The client or the order does not exist."})
def list_invoices(query: InvoiceQuery):
    """Invoices and credit notes, newest first."""
    from ordercraft.plugins.sales.invoicing import invoice_dict
    from ordercraft.plugins.sales.invoicing import list_invoices as found_invoices

    found = found_invoices(request_session(), client=query.client, order=query.order,
                           status=query.status or None, overdue_on=query.overdue_on,
                           limit=query.limit, offset=query.offset)
    return page([invoice_dict(i, details=False) for i in found.items], found.total, query)


@api_route(bp, "/invoices", permission="invoice.write",
           methods=["POST"], body=InvoiceIn, response=InvoiceOut, status=201,
           errors={404: "The order or the milestone does not exist.",
                   409: "Nothing to invoice, or the milestone is invoiced already."})
def create_invoice(body: InvoiceIn):
    """Issue a prepayment invoice (``milestone``) or one for the shipped goods."""
    from ordercraft.plugins.sales import invoicing

    session = request_session()
    if body.milestone is not None:
        invoice = invoicing.issue_prepayment(session, body.order, body.milestone, body.date)
    else:
        invoice = invoicing.issue_shipment_invoice(session, body.order, body.date)
    return invoicing.invoice_dict(invoice)


@api_route(bp, "/invoices/<int:invoice_id>", permission="invoice.read",
           response=InvoiceOut, errors=NOT_FOUND)
def get_invoice(invoice_id: int):
    """One invoice with its lines, what is paid and what is open."""
    return _invoice(invoice_id)


@api_route(bp, "/invoices/<int:invoice_id>/credit-notes", permission="invoice.write",
           methods=["POST"], body=CreditNoteIn,
           response=InvoiceOut, status=201,
           errors={**NOT_FOUND, 409: "Not a live shipment invoice."})
def create_credit_note(invoice_id: int, body: CreditNoteIn):
    """A credit note for the invoice (a return or a cancellation)."""
    from ordercraft.plugins.sales.invoicing import invoice_dict, issue_credit_note

    lines = None if body.lines is None else [line.model_dump() for line in body.lines]
    note = issue_credit_note(request_session(), invoice_id, lines=lines, reason=body.reason,
                             issue_date=body.date)
    return invoice_dict(note)


workflow_routes(bp, "invoices", "invoice")


@api_route(bp, "/payments", permission="invoice.read",
           query=PaymentQuery, response=Page[PaymentOut],
           errors={404: "The client does not exist."})
def list_payments(query: PaymentQuery):
    """Payments received, newest first, with their allocations."""
    from ordercraft.plugins.sales.invoicing import list_payments as found_payments
    from ordercraft.plugins.sales.invoicing import payment_dict

    found = found_payments(request_session(), client=query.client,
                           unallocated=query.unallocated, limit=query.limit,
                           offset=query.offset)
    return page([payment_dict(p) for p in found.items], found.total, query)


@api_route(bp, "/payments", permission="payment.write",
           methods=["POST"], body=PaymentIn, response=PaymentOut, status=201,
           errors={404: "The client or an invoice does not exist.",
                   409: "An invoice is cancelled or has nothing open."})
def create_payment(body: PaymentIn):
    """Record an incoming payment, allocated at once to ``allocations``."""
    from ordercraft.plugins.sales.invoicing import payment_dict, record_payment

    session = request_session()
    payment = record_payment(session, body.client, body.amount, pay_date=body.date,
                             method=body.method, reference=body.reference, payer=body.payer,
                             allocations=[a.model_dump() for a in body.allocations])
    session.flush()
    session.refresh(payment)
    return payment_dict(payment)


@api_route(bp, "/payments/<int:payment_id>", permission="invoice.read", response=PaymentOut,
           errors={404: "No payment has this id."})
def get_payment(payment_id: int):
    """One payment and its allocations."""
    from ordercraft.plugins.sales.invoicing import get_payment as found
    from ordercraft.plugins.sales.invoicing import payment_dict

    return payment_dict(found(request_session(), payment_id))


@api_route(bp, "/payments/<int:payment_id>/allocations", permission="payment.write",
           methods=["POST"], body=AllocationsIn,
           response=PaymentOut, status=201,
           errors={404: "No payment has this id, or an invoice does not exist.",
                   409: "An invoice is cancelled or has nothing open."})
def allocate_payment(payment_id: int, body: AllocationsIn):
    """Allocate the payment's unallocated money to invoices (all or nothing)."""
    from ordercraft.plugins.sales.invoicing import allocate, payment_dict
    from ordercraft.plugins.sales.invoicing import get_payment as found

    session = request_session()
    payment = found(session, payment_id)
    for index, entry in enumerate(body.allocations):
        allocate(session, payment, entry.invoice, entry.amount, field=f"allocations.{index}")
    session.flush()
    session.refresh(payment)
    return payment_dict(payment)


@api_route(bp, "/payments/import", permission="invoice.read",
           methods=["POST"], body=StatementIn, response=StatementOut,
           errors={400: "The CSV lacks a column or holds a bad value (the row is named)."})
def import_payments(body: StatementIn):
    """Match a bank statement to open invoices (review); ``apply`` records the matches."""
    from ordercraft.plugins.sales.invoicing import import_statement

    rows = [m.as_dict() for m in import_statement(request_session(), body.csv,
                                                  apply=body.apply)]
    return {"applied": body.apply, "matched": sum(1 for r in rows if r["invoice"]),
            "rows": rows}


@api_route(bp, "/receivables", permission="invoice.read",
           query=ReceivablesQuery, response=ReceivablesOut,
           errors={404: "The client does not exist."})
def get_receivables(query: ReceivablesQuery):
    """What clients owe, by age, per client and overall."""
    from ordercraft.plugins.sales.receivables import receivables

    return receivables(request_session(), as_of=query.as_of, client=query.client)
