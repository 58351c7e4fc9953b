"""production's KPI metric (analysis' hook ``register_kpi_metrics``, optional):
production orders completed on time — orders moved to ``done`` in the period on or
before their due date (or without one), counted for the user who completed them (the
workflow's last transition of the order)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, func, or_, select


def production_on_time(session: Any, date_from: date, date_to: date) -> Select[Any]:
    from ordercraft.plugins.production.models import ProductionOrder
    from ordercraft.sdk.workflow import WorkflowEvent

    start, end = datetime.combine(date_from, time.min), datetime.combine(date_to, time.max)
    last = (select(WorkflowEvent.document_id, func.max(WorkflowEvent.id).label("event_id"))
            .where(WorkflowEvent.document_type == "production_order",
                   WorkflowEvent.kind == "transition")
            .group_by(WorkflowEvent.document_id).subquery())
    return (select(WorkflowEvent.user_id, func.count())
            .select_from(ProductionOrder)
            .join(last, last.c.document_id == ProductionOrder.id)
            .join(WorkflowEvent, WorkflowEvent.id == last.c.event_id)
            .where(ProductionOrder.state == "done", WorkflowEvent.user_id.is_not(None),
                   ProductionOrder.state_changed_at >= start,
                   ProductionOrder.state_changed_at <= end,
                   or_(ProductionOrder.due_date.is_(None),
                       func.date(ProductionOrder.state_changed_at) <= ProductionOrder.due_date))
            .group_by(WorkflowEvent.user_id))


def register(registry: Any) -> None:
    registry.add("production_on_time", "Production orders done on time", production_on_time,
                 dimensions=("manager", "division"))
