"""crm's KPI metrics (analysis' hook ``register_kpi_metrics``, optional: without the
analysis plugin nobody asks): deals won and their amount, conversion, interactions
logged — per manager, over a period, each one ``GROUP BY`` in SQL."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, case, func, select

DIMENSIONS = ("manager", "division")


def _days(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    return datetime.combine(date_from, time.min), datetime.combine(date_to, time.max)


def _closed(date_from: date, date_to: date, value: Any) -> Select[Any]:
    from ordercraft.plugins.crm.models import Deal

    start, end = _days(date_from, date_to)
    return (select(Deal.manager_id, value)
            .where(Deal.manager_id.is_not(None), Deal.state.in_(("won", "lost")),
                   Deal.closed_at >= start, Deal.closed_at <= end)
            .group_by(Deal.manager_id))


def deals_won(session: Any, date_from: date, date_to: date) -> Select[Any]:
    from ordercraft.plugins.crm.models import Deal

    return _closed(date_from, date_to, func.sum(case((Deal.state == "won", 1), else_=0)))


def deals_won_amount(session: Any, date_from: date, date_to: date) -> Select[Any]:
    from ordercraft.plugins.crm.models import Deal

    return _closed(date_from, date_to,
                   func.sum(case((Deal.state == "won", Deal.amount), else_=0)))


def conversion(session: Any, date_from: date, date_to: date) -> Select[Any]:
    """Deals won of the deals closed (won or lost) in the period, in percent."""
    from ordercraft.plugins.crm.models import Deal

    return _closed(date_from, date_to,
                   func.sum(case((Deal.state == "won", 100), else_=0)) * 1.0 / func.count())


def interactions(session: Any, date_from: date, date_to: date) -> Select[Any]:
    from ordercraft.plugins.crm.models import Interaction

    start, end = _days(date_from, date_to)
    return (select(Interaction.manager_id, func.count())
            .where(Interaction.manager_id.is_not(None), Interaction.at >= start,
                   Interaction.at <= end)
            .group_by(Interaction.manager_id))


def register(registry: Any) -> None:
    registry.add("deals_won", "Deals won", deals_won, dimensions=DIMENSIONS)
    registry.add("deals_won_amount", "Amount of deals won", deals_won_amount, unit="money",
                 dimensions=DIMENSIONS)
    registry.add("conversion", "Conversion (won of closed deals)", conversion,
                 unit="percent", dimensions=("manager",))
    registry.add("interactions", "Interactions logged", interactions, dimensions=DIMENSIONS)
