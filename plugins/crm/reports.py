"""The funnel report: the deals opened in a period, by stage (how many reached each stage,
where they are now) and their conversion by marketing source and by manager.

A deal counts in every stage up to the furthest it reached, so a deal lost in
negotiation counts as qualified and as proposed. Conversion is won / opened; the win rate
is won / (won + lost), the deals still open left out. Three aggregate queries, whatever
the number of deals.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session

from ordercraft.plugins.crm.funnel import STAGE_LABELS, STAGE_RANK, money
from ordercraft.plugins.crm.models import Deal
from ordercraft.sdk import validation
from ordercraft.sdk.errors import ValidationError
from ordercraft.sdk.models import Money, Party, User
from ordercraft.sdk.permissions import owner_condition, require_session_permission


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _money(expression: Any) -> Any:
    return type_coerce(func.coalesce(func.sum(expression), 0), Money())


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _outcome_columns() -> list[Any]:
    return [func.count(Deal.id), _count(Deal.state == "won"), _count(Deal.state == "lost"),
            _money(Deal.amount), _money(case((Deal.state == "won", Deal.amount), else_=0))]


def _outcome(row: Any) -> dict[str, Any]:
    deals, won, lost, amount, won_amount = (int(row[0]), int(row[1]), int(row[2]),
                                            money(row[3]), money(row[4]))
    return {"deals": deals, "open": deals - won - lost, "won": won, "lost": lost,
            "amount": amount, "won_amount": won_amount, "conversion": percent(won, deals),
            "win_rate": percent(won, won + lost)}


def funnel_report(session: Session, *, since: Any = None, until: Any = None,
                  manager: str | None = None, source: str | None = None,
                  group: int | str | None = None, tags: Any = None) -> dict[str, Any]:
    """The funnel of the deals opened from ``since`` to ``until`` (dates, inclusive; open
    ends when not given), optionally only those of a manager, a marketing source, or
    clients of a client group or with tags."""
    from ordercraft.plugins.crm.clients import client_conditions, manager_id

    require_session_permission(session, "party.read")
    first = validation.day(since, field="from")
    last = validation.day(until, field="to")
    if first and last and last < first:
        raise ValidationError(f"to: {last.isoformat()} is before from ({first.isoformat()})",
                              field="to")
    conditions: list[Any] = []
    visible = owner_condition(session, "deal", Deal.manager_id)
    if visible is not None:  # the report counts only the deals the user may see
        conditions.append(visible)
    if first:
        conditions.append(Deal.created_at >= datetime.combine(first, time.min))
    if last:
        conditions.append(Deal.created_at < datetime.combine(last + timedelta(days=1),
                                                             time.min))
    if manager:
        conditions.append(Deal.manager_id == manager_id(session, manager))
    if source:
        from ordercraft.sdk.queries import fold, fold_text

        conditions.append(fold(session, Deal.source) == fold_text(
            session, validation.text(source, field="source", max_length=50)))
    if group not in (None, "") or tags:
        conditions.append(Deal.party_id.in_(select(Party.id).where(
            *client_conditions(session, group=group, tags=tags))))

    stage_columns: list[Any] = []
    for stage in STAGE_LABELS:
        stage_columns += [_count(Deal.state == stage),
                          _money(case((Deal.state == stage, Deal.amount), else_=0))]
    for rank in STAGE_RANK.values():
        stage_columns += [_count(Deal.reached_rank >= rank),
                          _money(case((Deal.reached_rank >= rank, Deal.amount), else_=0))]
    totals_row = session.execute(select(*_outcome_columns(), *stage_columns)
                                 .where(*conditions)).one()
    totals = _outcome(totals_row)
    values = list(totals_row[5:])
    now_in = {stage: (int(values[2 * i]), money(values[2 * i + 1]))
              for i, stage in enumerate(STAGE_LABELS)}
    values = values[2 * len(STAGE_LABELS):]
    reached = {stage: (int(values[2 * i]), money(values[2 * i + 1]))
               for i, stage in enumerate(STAGE_RANK)}
    stages = []
    previous = None
    for stage, label in STAGE_LABELS.items():
        row: dict[str, Any] = {"stage": stage, "label": label, "now": now_in[stage][0],
                               "now_amount": now_in[stage][1]}
        if stage in reached:
            count, amount = reached[stage]
            row.update(reached=count, reached_amount=amount,
                       from_previous=percent(count, previous) if previous is not None else None,
                       from_start=percent(count, totals["deals"]))
            previous = count
        stages.append(row)

    by_source = [{"source": row[0] or "", **_outcome(row[1:])} for row in session.execute(
        select(Deal.source, *_outcome_columns()).where(*conditions)
        .group_by(Deal.source).order_by(func.count(Deal.id).desc(), Deal.source))]
    by_manager = [{"manager": row[0], "manager_name": row[1] or row[0], **_outcome(row[2:])}
                  for row in session.execute(
        select(User.name, User.full_name, *_outcome_columns())
        .select_from(Deal).outerjoin(User, User.id == Deal.manager_id).where(*conditions)
        .group_by(User.name, User.full_name).order_by(func.count(Deal.id).desc(), User.name))]
    return {"from": first.isoformat() if first else None,
            "to": last.isoformat() if last else None, "totals": totals, "stages": stages,
            "by_source": by_source, "by_manager": by_manager}


def default_period(today: date, days: int = 90) -> tuple[date, date]:
    return today - timedelta(days=days - 1), today

