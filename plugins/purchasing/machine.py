"""The life of a purchase order, as a state machine (document type ``purchase_order``)::

    draft ──send──> sent ──confirm──> confirmed
      │               │                  │
      │               └──── receive_part / receive ────> partially_received ──receive──> received
      │                                  │                         │                    │
      └──────────── cancel (reason) ─────┘                         └──────close─────────┴──> closed

* ``send`` needs lines and queues the e-mail to the supplier (the PDF and a CSV of the
  lines) in the same transaction, however it is made (:func:`~.sending.mail_order`;
  ``data={"to": address or "", "pdf": attachment or False}``).
* ``confirm`` takes ``data={"supplier_date": "YYYY-MM-DD"}``: the date the supplier promises.
* ``receive`` and ``receive_part`` post a stock receipt at the order's prices
  (:func:`~.orders.receive_order` picks the one that fits): ``receive`` when every line is
  received within the tolerance, ``receive_part`` otherwise.
* ``close`` ends an order that will not get the rest (under-receipt accepted).
* ``cancel`` (with a reason) before anything was received; receiving against a cancelled
  order is refused.
"""

from __future__ import annotations

from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.workflow import State, StateMachine, Transition, TransitionContext

RECEIVABLE = ["sent", "confirmed", "partially_received"]
OPEN_STATES = ["draft", "sent", "confirmed", "partially_received"]
STATES = [
    State("draft", N_("draft"), initial=True),
    State("sent", N_("sent")),
    State("confirmed", N_("confirmed")),
    State("partially_received", N_("partially received")),
    State("received", N_("received")),
    State("closed", N_("closed"), final=True),
    State("cancelled", N_("cancelled"), final=True),
]


def has_lines(ctx: TransitionContext) -> str | None:
    return None if ctx.document.lines else "the purchase order has no lines"


def _receipt_problem(ctx: TransitionContext, *, completes: bool) -> str | None:
    from ordercraft.plugins.purchasing.orders import plan_receipt

    plan = plan_receipt(ctx.session, ctx.document, ctx.data.get("lines"), state=ctx.source)
    if plan.completes != completes:
        return ("the receipt completes the order: use 'receive'" if plan.completes
                else "the receipt leaves goods to receive: use 'receive_part'")
    return None


def receipt_completes(ctx: TransitionContext) -> str | None:
    return _receipt_problem(ctx, completes=True)


def receipt_is_partial(ctx: TransitionContext) -> str | None:
    return _receipt_problem(ctx, completes=False)


def nothing_received(ctx: TransitionContext) -> str | None:
    if any(line.received_qty for line in ctx.document.lines):
        return "goods were received already: close the order instead"
    return None


def mark_sent(ctx: TransitionContext) -> None:
    from ordercraft.plugins.purchasing.sending import mail_order

    ctx.document.sent_at = ctx.now
    mail_order(ctx)


def mark_confirmed(ctx: TransitionContext) -> None:
    from ordercraft.sdk import validation

    supplier_date = validation.day(ctx.data.get("supplier_date"), field="supplier_date")
    if supplier_date is not None:
        ctx.document.supplier_date = supplier_date
        for line in ctx.document.lines:
            line.expected_date = supplier_date


def post_receipt(ctx: TransitionContext) -> None:
    from ordercraft.plugins.purchasing.orders import plan_receipt, post_planned_receipt

    plan = plan_receipt(ctx.session, ctx.document, ctx.data.get("lines"), state=ctx.source)
    post_planned_receipt(ctx.session, ctx.document, plan, ctx.data, ctx.user)


def note_reason(ctx: TransitionContext) -> None:
    ctx.document.cancel_reason = ctx.reason or ""


def order_machine() -> StateMachine:
    from ordercraft.plugins.purchasing.models import PurchaseOrder

    return StateMachine(
        document_type="purchase_order", model=PurchaseOrder, label="purchase order",
        title_field="number", page_endpoint="purchasing.order", states=STATES,
        read_permission="purchasing.read",
        transitions=[
            Transition("send", "draft", "sent", label=N_("Send"), permission="purchasing.write",
                       guards=[has_lines], actions=[mark_sent], style="primary"),
            Transition("confirm", "sent", "confirmed", label=N_("Supplier confirmed"),
                       permission="purchasing.write", actions=[mark_confirmed]),
            Transition("receive", RECEIVABLE, "received", label=N_("Receive everything"),
                       permission="purchasing.receive", guards=[receipt_completes],
                       actions=[post_receipt], style="primary"),
            Transition("receive_part", RECEIVABLE, "partially_received", label=N_("Receive part"),
                       permission="purchasing.receive", guards=[receipt_is_partial],
                       actions=[post_receipt]),
            Transition("close", ["partially_received", "received"], "closed",
                       label=N_("Close"), permission="purchasing.write"),
            Transition("cancel", ["draft", "sent", "confirmed"], "cancelled",
                       label=N_("Cancel"), permission="purchasing.write", requires_reason=True,
                       guards=[nothing_received], actions=[note_reason], style="danger"),
        ])


def receive_any(session: Any, order: Any, data: dict[str, Any]) -> Any:
    """Receive by the transition that fits (``receive`` or ``receive_part``)."""
    from ordercraft.plugins.purchasing.orders import plan_receipt
    from ordercraft.sdk.workflow import transition

    plan = plan_receipt(session, order, data.get("lines"))
    return transition(session, order, "receive" if plan.completes else "receive_part",
                      data=data)
