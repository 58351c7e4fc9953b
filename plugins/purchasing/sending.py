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
    e-mail address; none: the order is sent without mail, as by phone or a portal)."""
    from ordercraft.plugins.purchasing.orders import lines_csv
    from ordercraft.sdk import validation
    from ordercraft.sdk.mail import Attachment, queue_mail, render_mail
    from ordercraft.sdk.workflow import transition

    address = validation.text(to if to is not None else order.supplier.email, field="to",
                              max_length=200)
    transition(session, order, "send")
    if address:
        content = render_mail(session, "purchasing/order_sent",
                              {"order": order, "supplier": order.supplier},
                              folder=MAIL_TEMPLATES)
        attachments = [Attachment(f"{order.number}.csv", "text/csv",
                                  lines_csv(order).encode())]
        if pdf is not None:
            attachments.insert(0, pdf)
        queue_mail(session, to=address, content=content, attachments=attachments,
                   about=order, source="purchasing")
        order.sent_to = address
    return order
