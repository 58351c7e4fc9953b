"""The life of a proposal (document type ``proposal``)::

    draft ──request_approval──> approval ──approve──> approved
      │                                                  │
      └──────────────────send────────────────────────────┴──> sent ──accept──> accepted
                                                              │  └──decline──> declined
                              draft <──revise (version + 1)───┘
    expire (with a reason): from draft, approval, approved, sent -> expired

* ``send`` is refused while a line's discount is above the sender's threshold (the
  highest of their roles' in ``proposals_discount_limits``, else the site's
  ``proposals_discount_approval_pct``) and above what was approved: ``request_approval``
  creates a task for the role ``approver`` (anyone with ``proposal.approve``), and
  ``approve`` records the approved level and who approved it.
* ``send`` keeps what the client saw as the next version and mails the customer PDF
  (:mod:`.sending`), however it is started; changing a sent proposal moves
  it back to draft (``revise``) as the next version, and its page shows what changed.
* ``accept`` makes the customer order (sales' service ``orders``), refused once
  ``valid_until`` has passed; ``decline`` and ``expire`` need a reason.
"""

from __future__ import annotations

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.workflow import State, StateMachine, Transition, TransitionContext

STATES = [State("draft", N_("draft"), initial=True), State("approval", N_("awaiting approval")),
          State("approved", N_("discount approved")), State("sent", N_("sent")),
          State("accepted", N_("accepted"), final=True),
          State("declined", N_("declined"), final=True),
          State("expired", N_("expired"), final=True)]


def _pct(value: object) -> str:
    """``Decimal("10.0000")`` -> ``10`` (no exponent)."""
    return format(value.normalize(), "f")  # type: ignore[attr-defined]


def has_lines(ctx: TransitionContext) -> str | None:
    if not any(line.counts for line in ctx.document.lines):
        return "the proposal has no priced lines"
    return None


def discount_allowed(ctx: TransitionContext) -> str | None:
    from ordercraft.plugins.proposals.proposals import approval_threshold

    proposal = ctx.document
    limit = approval_threshold(ctx.session, ctx.user)
    if proposal.max_discount > limit and proposal.needs_approval:
        return (f"a discount of {_pct(proposal.max_discount)} % is above {_pct(limit)} %: "
                "it needs approval (request_approval)")
    return None


def discount_needs_approval(ctx: TransitionContext) -> str | None:
    if discount_allowed(ctx) is None:
        return "no discount on the proposal needs approval"
    return None


def ask_approver(ctx: TransitionContext) -> None:
    from ordercraft.sdk.workflow import create_task

    proposal = ctx.document
    create_task(ctx.session, f"{APPROVAL_TASK}{_pct(proposal.max_discount)} % "
                f"on proposal {proposal.number}", role="approver", rule="pool",
                documents=[proposal], user=None, now=ctx.now,
                description=f"{proposal.client.name}: total {proposal.total}")


APPROVAL_TASK = "Approve a discount of "


def record_approval(ctx: TransitionContext) -> None:
    proposal = ctx.document
    proposal.approved_discount = proposal.max_discount
    proposal.approved_by = getattr(ctx.user, "name", "") or "system"
    _close_approval_tasks(ctx)


def _close_approval_tasks(ctx: TransitionContext) -> None:
    """The approver's task asked for this approval: it is done by the approval itself (a
    user who may approve but not finish the task leaves it to its holder)."""
    from ordercraft.sdk.errors import OrdercraftError
    from ordercraft.sdk.workflow import complete_task, list_tasks

    try:
        tasks = list_tasks(ctx.session, document=("proposal", ctx.document.id),
                           limit=100).items
        for task in tasks:
            if task.title.startswith(APPROVAL_TASK):
                complete_task(ctx.session, task.id, user=ctx.user, now=ctx.now,
                              check_all=True)
    except OrdercraftError:
        return


def keep_version(ctx: TransitionContext) -> None:
    from ordercraft.plugins.proposals.models import ProposalVersion
    from ordercraft.plugins.proposals.proposals import snapshot

    proposal = ctx.document
    proposal.sent_version = proposal.version
    proposal.versions.append(ProposalVersion(version=proposal.version,
                                             sent_to=str(ctx.data.get("to") or ""),
                                             snapshot=snapshot(proposal), sent_at=ctx.now))


def next_version(ctx: TransitionContext) -> None:
    ctx.document.version += 1


def make_order(ctx: TransitionContext) -> None:
    from ordercraft.plugins.proposals.proposals import accept

    accept(ctx.session, ctx.document, ctx.now.date())


def note_reason(ctx: TransitionContext) -> None:
    ctx.document.close_reason = ctx.reason or ""


def not_expired(ctx: TransitionContext) -> str | None:
    if ctx.document.valid_until < ctx.now.date():
        return (f"valid_until: the proposal expired on "
                f"{ctx.document.valid_until.isoformat()}")
    return None


def proposal_machine() -> StateMachine:
    from ordercraft.plugins.proposals.models import Proposal
    from ordercraft.plugins.proposals.sending import mail_customer_pdf

    return StateMachine(
        document_type="proposal", model=Proposal, label="proposal", title_field="number",
        fields=["needs_approval", "margin"], page_endpoint="proposals.proposal",
        read_permission="proposal.read",
        states=STATES,
        transitions=[
            Transition("request_approval", "draft", "approval", label=N_("Request approval"),
                       permission="proposal.write", guards=[has_lines, discount_needs_approval],
                       actions=[ask_approver]),
            Transition("approve", "approval", "approved", label=N_("Approve discount"),
                       permission="proposal.approve", actions=[record_approval],
                       style="primary"),
            Transition("send", ["draft", "approved"], "sent", label=N_("Send"),
                       permission="proposal.write", guards=[has_lines, discount_allowed],
                       actions=[keep_version, mail_customer_pdf], style="primary"),
            Transition("revise", "sent", "draft", label=N_("Revise (next version)"),
                       permission="proposal.write", actions=[next_version]),
            Transition("accept", "sent", "accepted", label=N_("Accepted: make the order"),
                       permission="proposal.write", guards=[not_expired],
                       actions=[make_order], style="primary"),
            Transition("decline", "sent", "declined", label=N_("Declined"),
                       permission="proposal.write", requires_reason=True,
                       actions=[note_reason], style="danger"),
            Transition("expire", ["draft", "approval", "approved", "sent"], "expired",
                       label=N_("Expired"), permission="proposal.write", requires_reason=True,
                       actions=[note_reason]),
        ])
