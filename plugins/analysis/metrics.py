"""KPI metrics: named measures of each manager's work over a period, computed in SQL.

Plugins contribute metrics through analysis' hook ``register_kpi_metrics`` (see
:mod:`.hookspecs`); analysis registers the ones it reads from sales' facts. A metric's
``compute(session, date_from, date_to)`` is a ``Select`` of ``(manager id, value)``,
so measuring every manager is one query per metric::

    ordercraft analysis metrics --period 2026-11 --json
    {"ok": true, "period": {"from": "2026-11-01", "to": "2026-11-30"},
     "metrics": [{"name": "revenue_shipped", "label": ..., "unit": "money", "plugin": "analysis",
                  "values": {"maria": "52000.00", ...}}, ...]}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from ordercraft.sdk.errors import PluginError, ValidationError
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import Registry, once_per_plugin_set, site_platform

from .service import READ
from .site import tidy_number

UNITS = ("count", "money", "quantity", "percent")
DIMENSIONS = ("manager",)

Compute = Callable[[Any, date, date], Select[Any]]


@dataclass(frozen=True)
class Metric:
    """A measure of a manager's work over a period (see :class:`MetricRegistry`)."""

    name: str
    label: str
    compute: Compute
    unit: str = "count"
    dimensions: tuple[str, ...] = ("manager",)
    higher_is_better: bool = True


class MetricRegistry(Registry[Metric]):
    """The site's metrics, filled by analysis and the hook ``register_kpi_metrics``."""

    kind = "KPI metric"

    def add(self, name: str, label: str = "",  # type: ignore[override]
            compute: Compute | None = None, *, unit: str = "count",
            dimensions: Sequence[str] = ("manager",),
            higher_is_better: bool = True) -> Metric:
        """Register the metric ``name``; ``compute(session, date_from, date_to)`` returns
        a ``Select`` of ``(manager id, value)`` rows."""
        where = f"plugin {self.current_plugin!r} registers KPI metric {name!r}"
        if not callable(compute):
            raise PluginError(f"{where} without a compute function")
        if unit not in UNITS:
            raise PluginError(f"{where} with unit {unit!r} (one of {', '.join(UNITS)})")
        unknown = [dimension for dimension in dimensions if dimension not in DIMENSIONS]
        if unknown or not dimensions:
            raise PluginError(f"{where} with dimensions {list(dimensions)!r} (from "
                              f"{', '.join(DIMENSIONS)})")
        if not label.strip():
            raise PluginError(f"{where} without a label")
        metric = Metric(name, label.strip(), compute, unit, tuple(dimensions),
                        higher_is_better)
        super().add(name, metric)
        return metric


def site_metrics(session: Any) -> MetricRegistry:
    """The site's metrics, built once per plugin set (rebuilt when plugins change)."""
    return _metrics(site_platform(session).hooks)


@once_per_plugin_set
def _metrics(hooks: Any) -> MetricRegistry:
    from ordercraft.plugins.analysis.hooks import AnalysisHooks

    registry = MetricRegistry()
    registry.current_plugin = "analysis"
    add_sales_metrics(registry)
    AnalysisHooks.of(hooks).register_kpi_metrics(registry)
    return registry


def _shipped(session: Any, date_from: date, date_to: date, measure: Any) -> Select[Any]:
    from ordercraft.sdk.plugins import plugin_service

    lines = plugin_service(session, "sales", "facts").sales_lines(session).subquery()
    return (select(lines.c.manager_id, measure(lines))
            .where(lines.c.manager_id.is_not(None), lines.c.date >= date_from,
                   lines.c.date <= date_to)
            .group_by(lines.c.manager_id))


def add_sales_metrics(registry: MetricRegistry) -> None:
    """The metrics of shipped sales (sales' service ``facts``), per the order's manager."""
    registry.add("revenue_shipped", "Revenue shipped",
                 lambda session, start, end: _shipped(
                     session, start, end, lambda lines: func.sum(lines.c.net_amount)),
                 unit="money")
    registry.add("orders_shipped", "Orders shipped",
                 lambda session, start, end: _shipped(
                     session, start, end, lambda lines: func.count(lines.c.order_id.distinct())))
    registry.add("lines_shipped", "Order lines shipped",
                 lambda session, start, end: _shipped(
                     session, start, end, lambda lines: func.count()))


def measure(session: Any, date_from: date, date_to: date,
            names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Each metric's value per manager (by user name) over the period: ``[{"name",
    "label", "unit", "plugin", "values": {user: Decimal}}]``. A metric whose plugin
    (sales, say) is not enabled is reported with an ``error`` instead of values."""
    from ordercraft.sdk.models import User

    require_session_permission(session, READ)
    registry = site_metrics(session)
    wanted = list(names) if names else list(registry)
    users = {row[0]: row[1] for row in session.execute(select(User.id, User.name))}
    found = []
    for name in wanted:
        metric = registry.get(name)
        if metric is None:
            raise ValidationError(f"metric: {name!r} is not one of {', '.join(registry)}",
                                  field="metric")
        entry: dict[str, Any] = {"name": name, "label": metric.label, "unit": metric.unit,
                                 "plugin": registry.owner(name),
                                 "higher_is_better": metric.higher_is_better}
        try:
            rows = session.execute(metric.compute(session, date_from, date_to)).all()
        except PluginError as exc:
            entry["error"] = exc.message
        else:
            entry["values"] = {users.get(manager, str(manager)): tidy_number(value)
                               for manager, value in rows}
        found.append(entry)
    return found

