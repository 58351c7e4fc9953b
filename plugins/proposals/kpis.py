"""proposals' KPI metric (analysis' hook ``register_kpi_metrics``, optional):
proposals sent per manager over a period — every sending counts, a proposal sent again
after a change counts again."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, func, select


def proposals_sent(session: Any, date_from: date, date_to: date) -> Select[Any]:
    from ordercraft.plugins.proposals.models import Proposal, ProposalVersion

    start, end = datetime.combine(date_from, time.min), datetime.combine(date_to, time.max)
    return (select(Proposal.manager_id, func.count())
            .select_from(ProposalVersion)
            .join(Proposal, Proposal.id == ProposalVersion.proposal_id)
            .where(Proposal.manager_id.is_not(None), ProposalVersion.sent_at >= start,
                   ProposalVersion.sent_at <= end)
            .group_by(Proposal.manager_id))


def register(registry: Any) -> None:
    registry.add("proposals_sent", "Proposals sent", proposals_sent,
                 dimensions=("manager", "division"))
