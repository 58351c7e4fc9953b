"""``ordercraft invoice ...``, ``ordercraft payment ...``, ``ordercraft receivables`` and
``ordercraft order schedule``: money in, on the command line (``--json`` everywhere; a
refused operation exits 2 naming the field and the value)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ordercraft.plugins.sales.cli import order_group
from ordercraft.sdk.cli import (
    acting_session,
    document_commands,
    emit,
    json_option,
    table,
    user_option,
)
from ordercraft.sdk.errors import ValidationError


@click.group("invoice")
def invoice_group() -> None:
    """Invoices and credit notes: add (prepayment or shipped goods), credit, list, show,
    cancel."""


for _command in document_commands("invoice"):
    invoice_group.add_command(_command)


@click.group("payment")
def payment_group() -> None:
    """Incoming payments: add, allocate to invoices, import a bank statement, show."""


def _invoice_text(body: dict[str, Any]) -> str:
    head = (f"{body['kind'].replace('_', ' ')} {body['number']} ({body['state']}) of order "
            f"{body['order']}, {body['client']}: issued {body['issue_date']}, due "
            f"{body['due_date']}")
    lines = table(body.get("lines", []), ["position", "description", "qty", "price", "net",
                                          "tax", "total"])
    money = (f"subtotal {body['subtotal']}, tax {body['tax_total']}, total {body['total']} "
             f"{body['currency']}; paid {body['paid']}, open {body['open']}")
    return "\n".join([head, lines, money])


def _invoice_body(session: Any, invoice: Any) -> dict[str, Any]:
    from ordercraft.plugins.sales.invoicing import invoice_dict

    session.flush()
    return invoice_dict(invoice)


def _show_invoice(body: dict[str, Any], as_json: bool, message: str = "") -> None:
    """Printed after the transaction committed: "ok" is never shown for a rollback."""
    emit(as_json, {"ok": True, "invoice": body},
         lambda: (message + "\n" if message else "") + _invoice_text(body))


@invoice_group.command("add")
@click.option("--order", "order_ref", required=True, metavar="ORDER", help="Order id or number.")
@click.option("--milestone", metavar="N",
              help="A prepayment invoice for milestone N of the order's payment schedule; "
                   "without it: an invoice for what was shipped and not yet invoiced.")
@click.option("--date", "issue_date", metavar="YYYY-MM-DD", help="Issue date (default today).")
@user_option
@json_option
def invoice_add(order_ref: str, milestone: str | None, issue_date: str | None,
                user_name: str | None, as_json: bool) -> None:
    """Issue an invoice: a prepayment (--milestone) or for the shipped goods."""
    from ordercraft.plugins.sales import invoicing

    with acting_session(user_name) as session:
        if milestone is not None:
            invoice = invoicing.issue_prepayment(session, order_ref, milestone, issue_date)
        else:
            invoice = invoicing.issue_shipment_invoice(session, order_ref, issue_date)
        body = _invoice_body(session, invoice)
    _show_invoice(body, as_json, "issued")


@invoice_group.command("credit")
@click.argument("invoice_ref", metavar="INVOICE")
@click.option("--line", "lines", multiple=True, metavar="N:QTY",
              help="Credit QTY of the invoice's line N (repeat); default: every line.")
@click.option("--reason", required=True, help="Why (a return, a cancellation).")
@click.option("--date", "issue_date", metavar="YYYY-MM-DD")
@user_option
@json_option
def invoice_credit(invoice_ref: str, lines: tuple[str, ...], reason: str,
                   issue_date: str | None, user_name: str | None, as_json: bool) -> None:
    """Issue a credit note for a shipment invoice."""
    from ordercraft.plugins.sales.invoicing import issue_credit_note

    parsed = []
    for index, spec in enumerate(lines):
        position, _, qty = spec.partition(":")
        if not qty:
            raise ValidationError(f"lines.{index}: {spec!r} is not N:QTY", field=f"lines.{index}")
        parsed.append({"line": position, "qty": qty})
    with acting_session(user_name) as session:
        note = issue_credit_note(session, invoice_ref, lines=parsed or None, reason=reason,
                                 issue_date=issue_date)
        body = _invoice_body(session, note)
    _show_invoice(body, as_json, "issued")


@invoice_group.command("show")
@click.argument("invoice_ref", metavar="INVOICE")
@user_option
@json_option
def invoice_show(invoice_ref: str, user_name: str | None, as_json: bool) -> None:
    """Show an invoice with its lines and what is paid."""
    from ordercraft.plugins.sales.invoicing import get_invoice

    with acting_session(user_name) as session:
        body = _invoice_body(session, get_invoice(session, invoice_ref))
    _show_invoice(body, as_json)


@invoice_group.command("cancel")
@click.argument("invoice_ref", metavar="INVOICE")
@click.option("--reason", required=True)
@user_option
@json_option
def invoice_cancel(invoice_ref: str, reason: str, user_name: str | None,
                   as_json: bool) -> None:
    """Cancel an invoice nothing is allocated to."""
    from ordercraft.plugins.sales.invoicing import get_invoice
    from ordercraft.sdk.workflow import transition

    with acting_session(user_name) as session:
        invoice = get_invoice(session, invoice_ref)
        transition(session, invoice, "cancel", reason=reason)
        body = _invoice_body(session, invoice)
    _show_invoice(body, as_json, "cancelled")


@invoice_group.command("remind")
@click.argument("invoice_ref", metavar="INVOICE")
@click.option("--to", metavar="EMAIL", help="Default: the client's e-mail address.")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Today, unless given.")
@user_option
@json_option
def invoice_remind(invoice_ref: str, to: str | None, on: str | None, user_name: str | None,
                   as_json: bool) -> None:
    """Mail the client a reminder of an overdue invoice, with its PDF."""
    from ordercraft.plugins.sales.invoicing import remind
    from ordercraft.sdk.cli import ready_platform
    from ordercraft.sdk.users import get_user

    platform = ready_platform()
    user = None
    if user_name:
        with platform.session() as session:
            user = get_user(session, user_name)
    body = remind(platform, invoice_ref, to=to, on=on, user=user)
    emit(as_json, {"ok": True, **body},
         lambda: f"reminded {body['to']} of {body['invoice']} ({body['days_overdue']} days)")


@invoice_group.command("print")
@click.argument("invoice_ref", metavar="INVOICE")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the PDF here (else the HTML goes to standard output).")
@user_option
@json_option
def invoice_print(invoice_ref: str, pdf_path: Path | None, user_name: str | None,
                  as_json: bool) -> None:
    """Print an invoice or credit note (its currency on every amount), HTML or PDF."""
    from ordercraft.plugins.sales.invoicing import get_invoice
    from ordercraft.sdk.printing import render_html, render_pdf

    with acting_session(user_name) as session:
        html = render_html(session, "invoice", "document", get_invoice(session, invoice_ref))
    if pdf_path is None:
        emit(as_json, {"ok": True, "html": html}, lambda: html)
        return
    pdf_path.write_bytes(render_pdf(html))
    emit(as_json, {"ok": True, "pdf": str(pdf_path)}, lambda: f"wrote {pdf_path}")


@invoice_group.command("list")
@click.option("--client", metavar="NAME_OR_ID")
@click.option("--order", "order_ref", metavar="ORDER")
@click.option("--status", metavar="STATE[,STATE]")
@click.option("--overdue-on", metavar="YYYY-MM-DD", help="Only invoices overdue that day.")
@click.option("--limit", metavar="N")
@click.option("--offset", metavar="N")
@user_option
@json_option
def invoice_list(client: str | None, order_ref: str | None, status: str | None,
                 overdue_on: str | None, limit: str | None, offset: str | None,
                 user_name: str | None, as_json: bool) -> None:
    """List invoices, newest first."""
    from ordercraft.plugins.sales.invoicing import invoice_dict, list_invoices

    with acting_session(user_name) as session:
        found = list_invoices(session, client=client, order=order_ref, status=status,
                              overdue_on=overdue_on, limit=limit, offset=offset)
        body = found.to_dict("invoices", lambda i: invoice_dict(i, details=False))
    emit(as_json, {"ok": True, **body}, lambda: table(body["invoices"], [
        "number", "kind", "state", "order", "client", "issue_date", "due_date", "total",
        "open", "currency"]))


@order_group.command("schedule")
@click.argument("order_ref", metavar="ORDER")
@click.option("--milestone", "milestones", multiple=True,
              metavar="LABEL:SHARE:TRIGGER[:DAYS]",
              help="A milestone (repeat): SHARE is a percent (50%) or an amount (1000.00); "
                   "TRIGGER one of acceptance, before_production, shipment, days_after.")
@user_option
@json_option
def order_schedule(order_ref: str, milestones: tuple[str, ...], user_name: str | None,
                   as_json: bool) -> None:
    """Set an order's payment schedule (before it is invoiced)."""
    from ordercraft.plugins.sales.invoicing import milestone_dict, set_schedule

    parsed = [parse_milestone(spec, index) for index, spec in enumerate(milestones)]
    with acting_session(user_name) as session:
        order = set_schedule(session, order_ref, parsed)
        rows = [milestone_dict(order, m) for m in order.milestones]
        number = order.number
    emit(as_json, {"ok": True, "order": number, "milestones": rows},
         lambda: table(rows, ["position", "label", "percent", "amount", "trigger", "days"]))


def parse_milestone(spec: str, index: int) -> dict[str, Any]:
    """``Prepayment:50%:before_production`` or ``Rest:1000.00:days_after:30``."""
    parts = spec.split(":")
    if len(parts) not in (3, 4):
        raise ValidationError(f"milestones.{index}: {spec!r} is not LABEL:SHARE:TRIGGER[:DAYS] "
                              "(e.g. Prepayment:50%:before_production)",
                              field=f"milestones.{index}")
    share = parts[1].strip()
    return {"label": parts[0], "trigger": parts[2].strip(),
            "days": parts[3] if len(parts) == 4 else None,
            "percent": share[:-1] if share.endswith("%") else None,
            "amount": None if share.endswith("%") else share}


def _payment_body(session: Any, payment: Any) -> dict[str, Any]:
    from ordercraft.plugins.sales.invoicing import payment_dict

    session.flush()
    session.refresh(payment)
    return payment_dict(payment)


def _show_payment(body: dict[str, Any], as_json: bool, message: str = "") -> None:
    def text() -> str:
        return (f"{message}\npayment {body['number']} of {body['client']}: {body['amount']} "
                f"{body['currency']} on {body['date']}, unallocated {body['unallocated']}\n"
                + table(body["allocations"], ["invoice", "amount"]))

    emit(as_json, {"ok": True, "payment": body}, text)


def _allocation_specs(specs: tuple[str, ...]) -> list[dict[str, Any]]:
    found = []
    for spec in specs:
        invoice, _, amount = spec.partition(":")
        found.append({"invoice": invoice, "amount": amount or None})
    return found


@payment_group.command("add")
@click.option("--client", required=True, metavar="NAME_OR_ID")
@click.option("--amount", required=True, metavar="AMOUNT")
@click.option("--date", "pay_date", metavar="YYYY-MM-DD", help="Default today.")
@click.option("--method", default="bank", show_default=True,
              type=click.Choice(["bank", "cash", "card", "other"]))
@click.option("--reference", default="")
@click.option("--payer", default="")
@click.option("--invoice", "invoices", multiple=True, metavar="INVOICE[:AMOUNT]",
              help="Allocate to this invoice (repeat); no amount: as much as is open.")
@user_option
@json_option
def payment_add(client: str, amount: str, pay_date: str | None, method: str, reference: str,
                payer: str, invoices: tuple[str, ...], user_name: str | None,
                as_json: bool) -> None:
    """Record an incoming payment, optionally allocated to invoices."""
    from ordercraft.plugins.sales.invoicing import record_payment

    with acting_session(user_name) as session:
        payment = record_payment(session, client, amount, pay_date=pay_date, method=method,
                                 reference=reference, payer=payer,
                                 allocations=_allocation_specs(invoices))
        body = _payment_body(session, payment)
    _show_payment(body, as_json, "recorded")


@payment_group.command("allocate")
@click.argument("payment_ref", metavar="PAYMENT")
@click.option("--invoice", "invoices", multiple=True, required=True,
              metavar="INVOICE[:AMOUNT]", help="Repeat for several invoices.")
@user_option
@json_option
def payment_allocate(payment_ref: str, invoices: tuple[str, ...], user_name: str | None,
                     as_json: bool) -> None:
    """Allocate a payment's unallocated money to invoices."""
    from ordercraft.plugins.sales.invoicing import allocate, get_payment

    with acting_session(user_name) as session:
        payment = get_payment(session, payment_ref)
        for index, spec in enumerate(_allocation_specs(invoices)):
            allocate(session, payment, spec["invoice"], spec["amount"],
                     field=f"allocations.{index}")
        body = _payment_body(session, payment)
    _show_payment(body, as_json, "allocated")


@payment_group.command("show")
@click.argument("payment_ref", metavar="PAYMENT")
@user_option
@json_option
def payment_show(payment_ref: str, user_name: str | None, as_json: bool) -> None:
    """Show a payment and its allocations."""
    from ordercraft.plugins.sales.invoicing import get_payment

    with acting_session(user_name) as session:
        body = _payment_body(session, get_payment(session, payment_ref))
    _show_payment(body, as_json)


@payment_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", is_flag=True,
              help="Record the matched payments (default: show the matches to review).")
@user_option
@json_option
def payment_import(path: Path, apply: bool, user_name: str | None, as_json: bool) -> None:
    """Match a CSV bank statement (date,amount,payer,reference) to open invoices; with
    --apply record and allocate the matched payments."""
    from ordercraft.plugins.sales.invoicing import import_statement

    text = path.read_text(encoding="utf-8-sig")
    with acting_session(user_name) as session:
        rows = [m.as_dict() for m in import_statement(session, text, apply=apply)]
    matched = sum(1 for row in rows if row["invoice"])
    emit(as_json, {"ok": True, "applied": apply, "matched": matched, "rows": rows},
         lambda: table(rows, ["row", "date", "amount", "payer", "reference", "invoice",
                              "matched_by", "payment"])
         + f"\n{matched} of {len(rows)} matched" + ("" if apply else " (review; --apply)"))


@click.command("receivables")
@click.option("--as-of", metavar="YYYY-MM-DD", help="The report's day (default today).")
@click.option("--client", metavar="NAME_OR_ID")
@user_option
@json_option
def receivables_command(as_of: str | None, client: str | None, user_name: str | None,
                        as_json: bool) -> None:
    """What clients owe, by age (current, 1-30, 31-60, 61-90, over 90 days overdue)."""
    from ordercraft.plugins.sales.receivables import receivables

    with acting_session(user_name) as session:
        report = receivables(session, as_of=as_of, client=client)
    rows = [{"client": r["client"], **r["buckets"], "credit": r["credit"],
             "balance": r["balance"]} for r in report["clients"]]
    emit(as_json, {"ok": True, **report}, lambda: table(
        rows, ["client", "current", "1-30", "31-60", "61-90", "over_90", "credit", "balance"])
        + f"\ntotal {report['total']} {report['currency']}, overdue {report['overdue']}")
