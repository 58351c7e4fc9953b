"""The deal funnel as a state machine: lead -> qualified -> proposal -> negotiation -> won,
or lost (with a reason) from any open stage.

Every move sets the deal's probability to its new stage's (the manager may adjust it
until the next move), remembers the furthest stage reached (for the funnel report) and,
on won or lost, when the deal closed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordercraft.sdk.i18n import N_, gettext
from ordercraft.sdk.workflow import State, StateMachine, Transition, TransitionContext

#: (state, label, probability %) in funnel order; won and lost close the deal.
STAGES: tuple[tuple[str, str, int], ...] = (
    ("lead", N_("Lead"), 10),
    ("qualified", N_("Qualified"), 25),
    ("proposal", N_("Proposal"), 50),
    ("negotiation", N_("Negotiation"), 75),
    ("won", N_("Won"), 100),
    ("lost", N_("Lost"), 0),
)
STAGE_NAMES = tuple(name for name, _label, _p in STAGES)
STAGE_LABELS = {name: label for name, label, _p in STAGES}


def stage_labels() -> dict[str, str]:
    """:data:`STAGE_LABELS` in the reader's language (pages; the API keeps the English)."""
    return {name: gettext(label) for name, label in STAGE_LABELS.items()}


STAGE_PROBABILITY = {name: probability for name, _label, probability in STAGES}
#: The open stages, in order (the columns of the board).
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
CLOSED_STATES = ("won", "lost")
#: Funnel position: a deal that reached rank k passed every stage of lower rank.
STAGE_RANK = {"lead": 0, "qualified": 1, "proposal": 2, "negotiation": 3, "won": 4}
#: Fields a move sets: a change of one of them is the move itself, shown once, as the move.
MOVE_FIELDS = ("state", "reached_rank", "closed_at")


def money(value: Decimal | None) -> Decimal:
    """An amount as people read it: two decimal places."""
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def enter_stage(ctx: TransitionContext) -> None:
    deal = ctx.document
    deal.probability = STAGE_PROBABILITY[ctx.target]
    if ctx.target in STAGE_RANK:
        deal.reached_rank = max(deal.reached_rank or 0, STAGE_RANK[ctx.target])
    if ctx.target in CLOSED_STATES:
        deal.closed_at = ctx.now
    if ctx.target == "lost":
        deal.lost_reason = ctx.reason or ""


def needs_amount(ctx: TransitionContext) -> str | None:
    if not ctx.document.amount or ctx.document.amount <= 0:
        return "its expected amount is 0: set the amount the client agreed to first"
    return None


def deal_machine(model: Any) -> StateMachine:
    return StateMachine(
        document_type="deal", model=model, label="deal", title_field="title",
        page_endpoint="crm_deals.deal",
        read_permission="party.read", write_permission="party.write", record_area="deal",
        fields=["weighted_amount"],
        states=[State("lead", N_("Lead"), initial=True), State("qualified", N_("Qualified")),
                State("proposal", N_("Proposal")), State("negotiation", N_("Negotiation")),
                State("won", N_("Won"), final=True), State("lost", N_("Lost"), final=True)],
        transitions=[
            Transition("qualify", "lead", "qualified", label=N_("Qualify"), style="primary",
                       actions=[enter_stage]),
            Transition("propose", "qualified", "proposal", label=N_("Send proposal"),
                       style="primary", actions=[enter_stage]),
            Transition("negotiate", "proposal", "negotiation", label=N_("Negotiate"),
                       style="primary", actions=[enter_stage]),
            Transition("win", ["proposal", "negotiation"], "won", label=N_("Won"),
                       style="primary", guards=[needs_amount], actions=[enter_stage]),
            Transition("requalify", ["proposal", "negotiation"], "qualified",
                       label=N_("Back to qualified"), actions=[enter_stage]),
            # Last, so its reason field sits next to its own button.
            Transition("lose", "*", "lost", label=N_("Lost"), requires_reason=True,
                       style="danger", actions=[enter_stage]),
        ])
