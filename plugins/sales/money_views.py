"""Money pages: an order's payment schedule and invoices (issue a prepayment or the
invoice for what shipped), the invoices list (overdue first if asked), an invoice's page
with the payment form (record a payment and allocate it; or allocate the client's credit),
the bank statement's review screen and the receivables' aging."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.sdk.errors import OrdercraftError, ValidationError
from ordercraft.sdk.i18n import _, ngettext
from ordercraft.sdk.web import (
    FORM_ERROR_STATUS,
    Pager,
    mark_failed,
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


#: The largest statement the review screen reads (the API takes the same).
MAX_STATEMENT = 5_000_000


@bp.route("/payments/import", methods=["GET", "POST"])
@permission_required("invoice.read")
def statement():
    """The bank statement's review screen: a CSV (date, amount, payer, reference) is
    uploaded and each incoming row shows the open invoice it matches (by an invoice
    number in the reference, else by the exact open amount) or none; "Record the matched
    payments" (``payment.write``) records and allocates them, the unmatched rows are left
    for entry by hand."""
    from ordercraft.plugins.sales.invoicing import import_statement

    if request.method == "GET":
        return render_template("sales/statement.html", rows=None, text="", applied=False)
    sent = request.files.get("file")
    apply = request.form.get("apply") == "yes"
    session = request_session()
    try:
        if sent is not None and sent.filename:
            data = sent.read(MAX_STATEMENT + 1)
            if len(data) > MAX_STATEMENT:
                raise ValidationError(f"file: {sent.filename} is larger than "
                                      f"{MAX_STATEMENT:,} bytes", field="file")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError(f"file: {sent.filename} is not UTF-8 text",
                                      field="file") from None
        else:
            text = request.form.get("csv", "")[:MAX_STATEMENT]
        rows = [row.as_dict() for row in import_statement(session, text, apply=apply)]
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        session.rollback()
        mark_failed()
        flash(exc.message, "error")
        return render_template("sales/statement.html", rows=None, text="", applied=False
                               ), FORM_ERROR_STATUS
    if apply:
        recorded = sum(1 for row in rows if row["payment"])
        flash(ngettext("%(num)d payment was recorded and allocated.",
                       "%(num)d payments were recorded and allocated.", recorded), "success")
    return render_template("sales/statement.html", rows=rows, text=text, applied=apply)
