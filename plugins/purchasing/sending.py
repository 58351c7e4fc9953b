"""Sending a purchase order: the ``send`` transition and, in the same transaction, the
e-mail to the supplier through the site's outbox (the PDF of the order, when rendered
beforehand, and a CSV of its lines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ordercraft.plugins.purchasing.models import PurchaseOrder

MAIL_TEMPLATES = Path(__file__).parent / "mail_templates"
PRINT_TEMPLATES = Path(__file__).parent / "print_templates"


def order_context(session: Any, order: Any) -> dict[str, Any]:
    """The variables of the purchase order form: ``order``, ``lines``, ``supplier``,
    ``warehouse``."""
    from ordercraft.sdk.models import Warehouse

    return {"order": order, "lines": list(order.lines), "supplier": order.supplier,
            "warehouse": session.get(Warehouse, order.warehouse_id)}


def register_forms(registry: Any) -> None:
    from ordercraft.sdk.printing import PrintForm

    registry.add(PrintForm("purchase_order", "order", "Purchase order", "purchasing/order.html",
                           str(PRINT_TEMPLATES), order_context))


def order_pdf(platform: Any, order_id: int, user: Any = None) -> Any:
    """The order's PDF as a mail attachment; render it before the sending transaction."""
    from ordercraft.sdk.mail import print_form_attachment

    return print_form_attachment(platform, "purchase_order", "order", order_id, user=user)


def send_order(session: Session, order: PurchaseOrder, *, pdf: Any = None,
               to: str | None = None) -> PurchaseOrder:
    """Move the order to ``sent`` and queue its e-mail to ``to`` (default: the supplier's
    e-mail address; none: the order is sent without mail, as by phone or a portal).
    ``pdf``: the attachment rendered beforehand (:func:`order_pdf`); ``None`` sends the
    CSV only. The mail itself is the ``send`` transition's action (:func:`mail_order`)."""
    from ordercraft.sdk.workflow import transition

    transition(session, order, "send", data={"to": to, "pdf": pdf or False})
    return order


def mail_order(ctx: Any) -> None:
    """The ``send`` transition's action: queue the e-mail to the supplier in the
    transition's transaction, whichever way the order is sent (CLI, API route, page,
    the generic ``/transitions/send``). ``ctx.data``: ``to`` (default: the supplier's
    address; ``""``: no mail), ``pdf`` (an attachment rendered beforehand; ``False``: none;
    absent: the PDF is rendered here, in the transaction)."""
    from ordercraft.plugins.purchasing.orders import lines_csv
    from ordercraft.sdk import validation
    from ordercraft.sdk.mail import Attachment, queue_mail, render_mail

    order, session = ctx.document, ctx.session
    to = ctx.data.get("to")
    address = validation.text(to if to is not None else order.supplier.email, field="to",
                              max_length=200)
    if not address:
        return
    content = render_mail(session, "purchasing/order_sent",
                          {"order": order, "supplier": order.supplier},
                          folder=MAIL_TEMPLATES)
    attachments = [Attachment(f"{order.number}.csv", "text/csv", lines_csv(order).encode())]
    pdf = ctx.data.get("pdf")
    if pdf is None:
        pdf = _pdf_in_transaction(session, order)
    if pdf:
        attachments.insert(0, pdf)
    queue_mail(session, to=address, content=content, attachments=attachments,
               about=order, source="purchasing")
    order.sent_to = address


def _pdf_in_transaction(session: Session, order: PurchaseOrder) -> Any:
    from ordercraft.sdk.mail import Attachment
    from ordercraft.sdk.printing import render_html, render_pdf

    html = render_html(session, "purchase_order", "order", order)
    return Attachment(f"order-{order.number}.pdf", "application/pdf", render_pdf(html))
