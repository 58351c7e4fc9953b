"""Money pages: an order's payment schedule and invoices (issue a prepayment or the
invoice for what shipped), the invoices list (overdue first if asked), an invoice's page
with the payment form (record a payment and allocate it; or allocate the client's credit),
and the receivables' aging."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.web import (
    FORM_ERROR_STATUS,
    Pager,
    page_arguments,
    permission_required,
    request_session,
)

bp = Blueprint("sales_money", __name__, template_folder="templates")


def _refused(exc: OrdercraftError) -> None:
    if exc.http_status == 403:
        raise exc
    request_session().rollback()
    flash(exc.message, "error")


@bp.post("/orders/<int:order_id>/invoices")
@permission_required("invoice.write")
def issue(order_id: int):
    from ordercraft.plugins.sales import invoicing

    session = request_session()
    milestone = request.form.get("milestone") or None
    try:
        if milestone:
            invoice = invoicing.issue_prepayment(session, order_id, milestone)
        else:
            invoice = invoicing.issue_shipment_invoice(session, order_id)
    except OrdercraftError as exc:
        _refused(exc)
        return redirect(url_for("sales.order", order_id=order_id))
    flash(_("Invoice %(number)s was issued.", number=invoice.number), "success")
    return redirect(url_for("sales_money.invoice", invoice_id=invoice.id))


@bp.get("/invoices/")
@permission_required("invoice.read")
def invoices():
    from ordercraft.plugins.sales.invoicing import invoice_dict, list_invoices

    overdue = request.args.get("overdue_on", "").strip()
    limit, offset = page_arguments()
    found = list_invoices(request_session(), overdue_on=overdue or None, limit=limit,
                          offset=offset)
    pager = Pager(found.total, limit, offset, "sales_money.invoices", {"overdue_on": overdue})
    return render_template("sales/invoices.html", rows=[invoice_dict(i, details=False)
                                                       for i in found.items],
                           pager=pager, overdue=overdue)


def _invoice_page(invoice_id: int, status: int = 200) -> Any:
    from sqlalchemy import select

    from ordercraft.plugins.sales.invoicing import get_invoice, invoice_dict, payment_dict
    from ordercraft.plugins.sales.models import Payment

    session = request_session()
    invoice = get_invoice(session, invoice_id)
    credit = [payment_dict(p) for p in session.scalars(
        select(Payment).where(Payment.party_id == invoice.party_id, Payment.unallocated > 0)
        .order_by(Payment.pay_date, Payment.id))]
    return render_template("sales/invoice.html", invoice=invoice, body=invoice_dict(invoice),
                           credit=credit, values=request.form), status


@bp.get("/invoices/<int:invoice_id>")
@permission_required("invoice.read")
def invoice(invoice_id: int):
    return _invoice_page(invoice_id)


@bp.post("/invoices/<int:invoice_id>/payments")
@permission_required("payment.write")
def pay(invoice_id: int):
    """Record a payment of the invoice's client and allocate it (all of it that the
    invoice takes; the rest stays as the client's credit), or allocate from a payment
    the client made before (``payment``)."""
    from ordercraft.plugins.sales import invoicing

    session = request_session()
    found = invoicing.get_invoice(session, invoice_id)
    form = request.form
    try:
        if form.get("payment"):
            invoicing.allocate(session, form["payment"], found, form.get("allocate") or None)
        else:
            invoicing.record_payment(
                session, found.party_id, form.get("amount", ""), pay_date=form.get("date"),
                method=form.get("method") or "bank", reference=form.get("reference", ""),
                allocations=[{"invoice": found.id, "amount": form.get("allocate") or None}])
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        session.rollback()
        flash(exc.message, "error")
        return _invoice_page(invoice_id, FORM_ERROR_STATUS)
    flash(_("The payment was allocated."), "success")
    return redirect(url_for("sales_money.invoice", invoice_id=invoice_id))


@bp.get("/receivables/")
@permission_required("invoice.read")
def receivables():
    from ordercraft.plugins.sales.receivables import BUCKETS
    from ordercraft.plugins.sales.receivables import receivables as report

    as_of = request.args.get("as_of", "").strip() or None
    return render_template("sales/receivables.html", report=report(request_session(),
                                                                   as_of=as_of),
                           buckets=[name for name, _first, _last in BUCKETS])
