"""The life of an order, as a state machine (document type ``order``)::

    draft ──confirm──> confirmed ──start_production──> in_production
                          │  └──reserve──> reserved <──reserve──┘
                          │                   │
         (confirmed, in production, reserved, partially shipped)
                          ├──ship_part──> partially_shipped   (ships part; repeatable)
                          └──ship───────> shipped ──invoice──> invoiced ──pay──> paid
                                                                          ──close──> closed

    cancel (needs a reason): from draft, confirmed, in production, reserved, partially
    shipped and shipped -> cancelled. Invoiced and paid orders are not cancelled (they
    need a credit note).

* ``confirm`` reserves what the warehouse has and reports the rest as shortages (hook
  ``order_shortages``); refused for an order without lines.
* ``reserve`` takes the stock that arrived since (produced or bought); allowed only when
  it covers everything still to ship.
* ``ship`` ships everything left (``data={"lines": [{"line": 1, "qty": "2"}, ...]}``
  may name the quantities, which must then finish the order); ``ship_part`` ships what
  the lines hold reserved, or the given quantities, and leaves something to ship. Both
  accept ``data={"date": "YYYY-MM-DD"}``. :func:`ship_order` picks the right one.
* ``cancel`` cancels the shipments in the ledger and releases the reservations.

Fields for conditions and process templates: the order's columns (``number``,
``manager_id``, ``total``, ``custom_count``, ``shortage_count``, ...) and
``has_shortages``.
"""

from __future__ import annotations

from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.workflow import State, StateMachine, Transition, TransitionContext

OPEN_STATES = ["confirmed", "in_production", "reserved", "partially_shipped"]
STATES = [
    State("draft", N_("draft"), initial=True),
    State("confirmed", N_("confirmed")),
    State("in_production", N_("in production")),
    State("reserved", N_("reserved")),
    State("partially_shipped", N_("partly shipped")),
    State("shipped", N_("shipped")),
    State("invoiced", N_("invoiced")),
    State("paid", N_("paid")),
    State("closed", N_("closed"), final=True),
    State("cancelled", N_("cancelled"), final=True),
]


# --------------------------------------------------------------------------- guards


def has_lines(ctx: TransitionContext) -> str | None:
    if not ctx.document.lines:
        return "the order has no lines"
    return None


def stock_covers_the_rest(ctx: TransitionContext) -> str | None:
    from ordercraft.plugins.sales.fulfilment import reserve_problem

    return reserve_problem(ctx.session, ctx.document)


def _plan(ctx: TransitionContext, *, everything: bool) -> Any:
    from ordercraft.plugins.sales.fulfilment import plan_shipment

    return plan_shipment(ctx.session, ctx.document, ctx.data.get("lines"), everything=everything)


def shipment_finishes(ctx: TransitionContext) -> str | None:
    plan = _plan(ctx, everything=True)
    if plan.problem:
        return plan.problem
    if not plan.completes:
        return "the shipment leaves goods to ship: ship them with 'ship_part'"
    return None


def shipment_is_partial(ctx: TransitionContext) -> str | None:
    plan = _plan(ctx, everything=False)
    if plan.empty:
        return "nothing is reserved to ship yet (reserve stock, or name the quantities)"
    if plan.problem:
        return plan.problem
    if plan.completes:
        return "the shipment finishes the order: ship it with 'ship'"
    return None


# --------------------------------------------------------------------------- actions


def reserve_and_report(ctx: TransitionContext) -> None:
    from ordercraft.plugins.sales.fulfilment import reserve_available
    from ordercraft.plugins.sales.hooks import SalesHooks

    order = ctx.document
    order.confirmed_at = ctx.now
    shortages = reserve_available(ctx.session, order)
    if shortages:
        SalesHooks.of(ctx.session).order_shortages(ctx.session, order, shortages)


def reserve_rest(ctx: TransitionContext) -> None:
    from ordercraft.plugins.sales.fulfilment import reserve_available

    reserve_available(ctx.session, ctx.document)


def ship(ctx: TransitionContext) -> None:
    from ordercraft.plugins.sales.fulfilment import post_shipment

    plan = _plan(ctx, everything=ctx.transition.name == "ship")
    post_shipment(ctx.session, ctx.document, plan, ship_date=ctx.data.get("date"),
                  serials=ctx.data.get("serials"))


def mark_invoiced(ctx: TransitionContext) -> None:
    ctx.document.invoiced_on = ctx.now.date()


def mark_paid(ctx: TransitionContext) -> None:
    ctx.document.paid_on = ctx.now.date()


def undo_stock(ctx: TransitionContext) -> None:
    from ordercraft.plugins.sales.fulfilment import undo_stock as undo

    ctx.document.cancel_reason = ctx.reason or ""
    undo(ctx.session, ctx.document)


# --------------------------------------------------------------------------- the machine


def order_machine() -> StateMachine:
    from ordercraft.plugins.sales.models import Order

    shippable = [*OPEN_STATES]
    return StateMachine(
        document_type="order", model=Order, label="customer order", title_field="number",
        fields=["has_shortages"], page_endpoint="sales.order", states=STATES,
        # Each transition names its own permission (a storekeeper ships without order.write).
        read_permission="order.read", record_area="order",
        transitions=[
            Transition("confirm", "draft", "confirmed", label=N_("Confirm"),
                       permission="order.confirm",
                       guards=[has_lines], actions=[reserve_and_report], style="primary"),
            Transition("start_production", ["confirmed", "reserved"], "in_production",
                       label=N_("Start production"), permission="order.write"),
            Transition("reserve", ["confirmed", "in_production"], "reserved",
                       label=N_("Reserve stock"), permission="order.write",
                       guards=[stock_covers_the_rest], actions=[reserve_rest]),
            Transition("ship", shippable, "shipped", label=N_("Ship everything"),
                       permission="order.ship", guards=[shipment_finishes], actions=[ship],
                       style="primary"),
            Transition("ship_part", shippable, "partially_shipped", label=N_("Ship part"),
                       permission="order.ship", guards=[shipment_is_partial], actions=[ship]),
            Transition("invoice", "shipped", "invoiced", label=N_("Invoice"),
                       permission="order.write", actions=[mark_invoiced]),
            Transition("pay", "invoiced", "paid", label=N_("Record payment"),
                       permission="order.write", actions=[mark_paid]),
            Transition("close", "paid", "closed", label=N_("Close"), permission="order.write"),
            Transition("cancel", ["draft", *OPEN_STATES, "shipped"], "cancelled",
                       label=N_("Cancel order"), permission="order.write", requires_reason=True,
                       actions=[undo_stock], style="danger"),
        ])


def ship_order(session: Any, order: Any, lines: list[dict[str, Any]] | None = None, *,
               ship_date: Any = None, serials: dict[Any, Any] | None = None) -> Any:
    """Ship ``lines`` (``[{"line": position, "qty": q}]``) by the transition that fits:
    ``ship`` when the shipment finishes the order, else ``ship_part``. Without ``lines``:
    everything left when the stock holds it, else what the lines hold reserved.
    ``serials``: the serial numbers shipped, per order line number (hook
    ``shipment_serials``). Returns the transition's result; the shipment is the order's
    last."""
    from ordercraft.plugins.sales.fulfilment import plan_shipment
    from ordercraft.sdk.workflow import transition

    plan = plan_shipment(session, order, lines, everything=True)
    name = "ship" if plan.completes and not plan.problem else "ship_part"
    data: dict[str, Any] = {"lines": lines} if lines is not None else {}
    if ship_date not in (None, ""):
        data["date"] = ship_date
    if serials:
        data["serials"] = serials
    return transition(session, order, name, data=data)


# --------------------------------------------------------------------------- invoices
#
#   issued ──pay_part──> partially_paid ──pay──> paid
#      └──────────────pay───────────────────────┘
#   issued ──cancel (reason; nothing allocated)──> cancelled
#
# ``pay_part`` and ``pay`` follow the money: the allocations of payments and credit notes
# make them (:mod:`.invoicing`), and their guards refuse them while the money disagrees.


def money_settles_all(ctx: TransitionContext) -> str | None:
    if ctx.document.open_amount != 0:
        return f"{ctx.document.open_amount} is still open: allocate a payment to it"
    return None


def money_settles_part(ctx: TransitionContext) -> str | None:
    invoice = ctx.document
    if not 0 < invoice.open_amount < invoice.total:
        return "no payment settles part of the invoice: allocate one"
    return None


def nothing_allocated(ctx: TransitionContext) -> str | None:
    if ctx.document.open_amount != ctx.document.total:
        return "money is allocated to the invoice: issue a credit note instead"
    if ctx.document.kind == "credit_note":
        return "a credit note is not cancelled: its credit is allocated"
    return None


def close_invoice(ctx: TransitionContext) -> None:
    ctx.document.cancel_reason = ctx.reason or ""
    ctx.document.open_amount = 0


def invoice_machine() -> StateMachine:
    from ordercraft.plugins.sales.models import Invoice

    return StateMachine(
        document_type="invoice", model=Invoice, label="invoice", title_field="number",
        read_permission="invoice.read",
        fields=["paid_amount"], page_endpoint=None, states=[
            State("issued", N_("issued"), initial=True),
            State("partially_paid", N_("partly paid")), State("paid", N_("paid"), final=True),
            State("cancelled", N_("cancelled"), final=True)],
        transitions=[
            Transition("pay_part", "issued", "partially_paid", label=N_("Partly paid"),
                       permission="payment.write", guards=[money_settles_part]),
            Transition("pay", ["issued", "partially_paid"], "paid", label=N_("Paid"),
                       permission="payment.write", guards=[money_settles_all]),
            Transition("cancel", "issued", "cancelled", label=N_("Cancel invoice"),
                       permission="invoice.write", requires_reason=True,
                       guards=[nothing_allocated], actions=[close_invoice], style="danger"),
        ])
