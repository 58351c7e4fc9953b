"""crm's widget on the home page (core hook ``dashboard_widgets``): the user's own
pipeline, their open deals per stage with how many and how much, for users who may see
clients and have deals. One grouped query."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from ordercraft.sdk.i18n import _
from ordercraft.sdk.permissions import has_permission
from ordercraft.sdk.plugins import DashboardWidget

from .funnel import OPEN_STAGES, stage_labels
from .models import Deal


def pipeline(session: Any, manager_id: int) -> dict[str, tuple[int, Decimal]]:
    """``{stage: (deals, amount)}`` of the manager's open deals, every open stage."""
    found = {stage: (count, Decimal(amount or 0)) for stage, count, amount in session.execute(
        select(Deal.state, func.count(), func.sum(Deal.amount))
        .where(Deal.manager_id == manager_id, Deal.state.in_(OPEN_STAGES))
        .group_by(Deal.state))}
    return {stage: found.get(stage, (0, Decimal(0))) for stage in OPEN_STAGES}


def widgets(session: Any, user: Any) -> list[DashboardWidget]:
    from flask import url_for

    if user is None or not has_permission(user, "party.read"):
        return []
    stages = pipeline(session, user.id)
    deals = sum(count for count, _amount in stages.values())
    if not deals:
        return []
    amount = sum((value for _count, value in stages.values()), Decimal(0))
    labels = stage_labels()
    rows = ((_("Open deals"), f"{deals} ({amount.quantize(Decimal('0.01')):,})"),
            *((labels[stage], f"{count} ({value.quantize(Decimal('0.01')):,})")
              for stage, (count, value) in stages.items()))
    return [DashboardWidget(_("My pipeline"), rows=rows, order=3,
                            url=url_for("crm_deals.board"), name="crm-pipeline")]
