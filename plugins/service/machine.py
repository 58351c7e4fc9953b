"""The life of a complaint (document type ``complaint``)::

    new ──accept──> accepted ──start──> in_work ──resolve──> resolved ──close──> closed
     │                 │                   │                    └──reopen──> in_work
     └─────────────────┴───reject (with a reason)───────────────────> rejected

On creation the complaint gets its SLA deadlines (:mod:`.sla`) and a *response* task for
the role ``service`` due at the response deadline; ``accept`` finishes it and opens the
*resolution* task due at the resolution deadline; ``resolve`` (and ``reject``) finish
the open task. The tasks are the workflow engine's: overdue ones are escalated by
``ordercraft worker`` like every task.
"""

from __future__ import annotations

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.workflow import State, StateMachine, Transition, TransitionContext

STATES = [State("new", N_("new"), initial=True), State("accepted", N_("accepted")),
          State("in_work", N_("in work")), State("resolved", N_("resolved")),
          State("closed", N_("closed"), final=True), State("rejected", N_("rejected"), final=True)]


def _finish_open_tasks(ctx: TransitionContext) -> None:
    from ordercraft.plugins.service.complaints import finish_tasks

    finish_tasks(ctx.session, ctx.document, ctx.now)


def responded(ctx: TransitionContext) -> None:
    from ordercraft.plugins.service.complaints import open_task

    ctx.document.responded_at = ctx.now
    _finish_open_tasks(ctx)
    open_task(ctx.session, ctx.document, "resolve", ctx.now)


def resolved(ctx: TransitionContext) -> None:
    ctx.document.resolved_at = ctx.now
    if ctx.document.responded_at is None:
        ctx.document.responded_at = ctx.now
    _finish_open_tasks(ctx)


def rejected(ctx: TransitionContext) -> None:
    ctx.document.reason = ctx.reason or ""
    resolved(ctx)


def complaint_machine() -> StateMachine:
    from ordercraft.plugins.service.models import Complaint

    write = "complaint.write"
    return StateMachine(
        "complaint", Complaint, title_field="number", fields=["priority", "category"],
        page_endpoint="service.complaint", read_permission="complaint.read",
        write_permission="complaint.write", states=STATES,
        transitions=[
            Transition("accept", "new", "accepted", label=N_("Accept"), permission=write,
                       actions=[responded], style="primary"),
            Transition("start", "accepted", "in_work", label=N_("Start"), permission=write,
                       style="primary"),
            Transition("resolve", ["accepted", "in_work"], "resolved", label=N_("Resolve"),
                       permission=write,
                       actions=[resolved], style="primary"),
            Transition("reopen", "resolved", "in_work", label=N_("Reopen"), permission=write),
            Transition("close", "resolved", "closed", label=N_("Close"), permission=write),
            Transition("reject", ["new", "accepted", "in_work"], "rejected", label=N_("Reject"),
                       permission=write,
                       requires_reason=True, actions=[rejected], style="danger"),
        ])
