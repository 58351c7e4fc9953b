"""The life of a production order, as a state machine (document type ``production_order``)::

    draft ──release──> released ──produce / report_stage──> in_progress ──done──> done
                          └──────────────done────────────────┘
    cancel: from draft, released, in progress and done -> cancelled (every posting reversed:
    a done order's output must still be in stock)

* ``release`` reserves what the warehouse holds of each component (FIFO or average);
  what is short is listed in the transition's result (``shortages``).
* ``produce`` completes part of the order (``data={"qty": "6"}``, less than what is
  left): components consumed for it, the output received at actual cost.
* ``report_stage`` (``data={"stage": 1}``) reports a stage of a multi-stage product done
  for the whole order: the stage's components are consumed in a posting of their own.
  Stages go in order, each once.
* ``done`` completes what is left (or ``data={"qty": ...}`` equal to it), then calls the
  hook ``production_order_done``.
"""

from __future__ import annotations

from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.workflow import State, StateMachine, Transition, TransitionContext

STATES = [
    State("draft", N_("draft"), initial=True),
    State("released", N_("released")),
    State("in_progress", N_("in progress")),
    State("done", N_("done")),
    State("cancelled", N_("cancelled"), final=True),
]


def _left(ctx: TransitionContext) -> Any:
    order = ctx.document
    return order.qty - order.qty_done


def _asked(ctx: TransitionContext) -> Any:
    from ordercraft.plugins.production.orders import _qty
    from ordercraft.sdk.models import Item

    raw = ctx.data.get("qty")
    if raw in (None, ""):
        return None
    return _qty(ctx.session.get(Item, ctx.document.item_id), raw)


def is_partial(ctx: TransitionContext) -> str | None:
    asked = _asked(ctx)
    if asked is None:
        return "name the quantity produced (data qty), less than what is left"
    if asked > _left(ctx):
        return (f"qty: {asked} is more than the {_left(ctx).normalize():f} left to produce on "
                f"{ctx.document.number}")
    if asked == _left(ctx):
        return "the quantity finishes the order: complete it with 'done'"
    return None


def stage_given(ctx: TransitionContext) -> str | None:
    if ctx.data.get("stage") in (None, ""):
        return "name the stage reported (data stage)"
    return None


def stage_done(ctx: TransitionContext) -> None:
    from ordercraft.plugins.production.orders import report_stage

    report_stage(ctx.session, ctx.document, ctx.data.get("stage"), ctx.data.get("date"))


def finishes(ctx: TransitionContext) -> str | None:
    asked = _asked(ctx)
    if asked is not None and asked > _left(ctx):
        return (f"qty: {asked} is more than the {_left(ctx).normalize():f} left to produce on "
                f"{ctx.document.number}")
    if asked is not None and asked != _left(ctx):
        return "the quantity does not finish the order: report it with 'produce'"
    return None


def release_components(ctx: TransitionContext) -> None:
    from ordercraft.plugins.production.orders import release

    release(ctx.session, ctx.document)


def produce_part(ctx: TransitionContext) -> None:
    from ordercraft.plugins.production.orders import complete

    complete(ctx.session, ctx.document, ctx.data.get("qty"), ctx.data.get("date"))


def finish(ctx: TransitionContext) -> None:
    from ordercraft.plugins.production.hooks import ProductionHooks
    from ordercraft.plugins.production.orders import complete

    complete(ctx.session, ctx.document, None, ctx.data.get("date"))
    ProductionHooks.of(ctx.session).production_order_done(ctx.session, ctx.document)


def reverse(ctx: TransitionContext) -> None:
    from ordercraft.plugins.production.orders import cancel

    cancel(ctx.session, ctx.document)


def production_order_machine() -> StateMachine:
    from ordercraft.plugins.production.models import ProductionOrder

    return StateMachine(
        document_type="production_order", model=ProductionOrder, label="production order",
        title_field="number", page_endpoint="production.order", states=STATES,
        read_permission="production.read",
        transitions=[
            Transition("release", "draft", "released", label=N_("Release"),
                       permission="production.write",
                       actions=[release_components], style="primary"),
            Transition("produce", ["released", "in_progress"], "in_progress",
                       label=N_("Report part produced"), permission="production.write",
                       guards=[is_partial], actions=[produce_part]),
            Transition("report_stage", ["released", "in_progress"], "in_progress",
                       label=N_("Report stage done"), permission="production.write",
                       guards=[stage_given], actions=[stage_done]),
            Transition("done", ["released", "in_progress"], "done", label=N_("Complete"),
                       permission="production.write", guards=[finishes], actions=[finish],
                       style="primary"),
            Transition("cancel", ["draft", "released", "in_progress", "done"], "cancelled",
                       label=N_("Cancel order"), permission="production.write",
                       actions=[reverse], style="danger"),
        ])
