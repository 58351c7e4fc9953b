"""KPI metrics: named measures of each manager's work over a period, computed in SQL.

Plugins contribute metrics through analysis' hook ``register_kpi_metrics`` (see
:mod:`.hookspecs`); analysis registers the ones it reads from sales' facts. A metric's
``compute(session, date_from, date_to)`` is a ``Select`` of ``(manager id, value)``,
so measuring every manager is one query per metric; a metric that adds up over items
also gives ``per_item`` (a ``Select`` of ``(item id, value)``) and is measured by item
group too (``--by item-group``)::

    ordercraft analysis metrics --period 2026-11 --json
    {"ok": true, "period": {"from": "2026-11-01", "to": "2026-11-30"},
     "metrics": [{"name": "revenue_shipped", "label": ..., "unit": "money", "plugin": "analysis",
                  "values": {"maria": "52000.00", ...}}, ...]}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select

from ordercraft.sdk.errors import PluginError, ValidationError
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import Registry, once_per_plugin_set, site_platform

from .service import READ
from .site import tidy_number

UNITS = ("count", "money", "quantity", "percent")
#: ``manager``: compute gives one row per manager (every metric has it); ``division``:
#: the managers' values add up to their division's (the kpi plugin sums its members);
#: ``item_group``: ``per_item`` gives one row per item, summed per item group.
DIMENSIONS = ("manager", "division", "item_group")
#: What ``measure`` groups the values by.
MEASURED_BY = ("manager", "item-group")

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
    #: ``(session, date_from, date_to) -> Select of (item id, value)`` for the dimension
    #: ``item_group``, else None.
    per_item: Compute | None = None


class MetricRegistry(Registry[Metric]):
    """The site's metrics, filled by analysis and the hook ``register_kpi_metrics``."""

    kind = "KPI metric"

    def add(self, name: str, label: str = "",  # type: ignore[override]
            compute: Compute | None = None, *, unit: str = "count",
            dimensions: Sequence[str] = ("manager",),
            higher_is_better: bool = True, per_item: Compute | None = None) -> Metric:
        """Register the metric ``name``; ``compute(session, date_from, date_to)`` returns
        a ``Select`` of ``(manager id, value)`` rows; ``per_item`` (required with the
        dimension ``item_group``) the same period's ``(item id, value)`` rows."""
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
        if ("item_group" in dimensions) != callable(per_item):
            raise PluginError(f"{where}: the dimension item_group goes with a per_item "
                              "compute function (one row per item), and only with it")
        metric = Metric(name, label.strip(), compute, unit, tuple(dimensions),
                        higher_is_better, per_item)
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
    add_task_metrics(registry)
    AnalysisHooks.of(hooks).register_kpi_metrics(registry)
    return registry


def _shipped(measure: Any, per: str = "manager_id") -> Compute:
    """A compute function over sales' shipped lines: ``measure(lines)`` per manager (or
    per item with ``per="item_id"``)."""
    def compute(session: Any, date_from: date, date_to: date) -> Select[Any]:
        from ordercraft.sdk.plugins import plugin_service

        lines = plugin_service(session, "sales", "facts").sales_lines(session).subquery()
        key = lines.c[per]
        return (select(key, measure(lines))
                .where(key.is_not(None), lines.c.date >= date_from, lines.c.date <= date_to)
                .group_by(key))
    return compute


def add_sales_metrics(registry: MetricRegistry) -> None:
    """The metrics of shipped sales (sales' service ``facts``), per the order's manager
    (revenue and lines also per item group)."""
    def revenue(lines: Any) -> Any:
        return func.sum(lines.c.net_amount)

    def line_count(lines: Any) -> Any:
        return func.count()

    registry.add("revenue_shipped", "Revenue shipped", _shipped(revenue), unit="money",
                 dimensions=("manager", "item_group"), per_item=_shipped(revenue, "item_id"))
    registry.add("orders_shipped", "Orders shipped",
                 _shipped(lambda lines: func.count(lines.c.order_id.distinct())))
    registry.add("lines_shipped", "Order lines shipped", _shipped(line_count),
                 dimensions=("manager", "item_group"),
                 per_item=_shipped(line_count, "item_id"))


def _overdue_tasks(session: Any, date_from: date, date_to: date) -> Select[Any]:
    from datetime import datetime, time

    from sqlalchemy import or_

    from ordercraft.sdk.models import utcnow
    from ordercraft.sdk.workflow import Task

    start = datetime.combine(date_from, time.min)
    # deadlines are naive UTC: the server's local clock would shift "now" by its zone
    end = min(datetime.combine(date_to, time.max), utcnow())
    return (select(Task.assignee_id, func.count())
            .where(Task.assignee_id.is_not(None), Task.status != "cancelled",
                   Task.deadline >= start, Task.deadline <= end,
                   or_(Task.finished_at.is_(None), Task.finished_at > Task.deadline))
            .group_by(Task.assignee_id))


def add_task_metrics(registry: MetricRegistry) -> None:
    """The metric of the core's tasks: ``overdue_tasks``, the tasks assigned to a user
    whose deadline fell in the period (and has passed) and that were not done by it."""
    registry.add("overdue_tasks", "Overdue tasks", _overdue_tasks,
                 dimensions=("manager", "division"), higher_is_better=False)


class MetricService:
    """analysis' service ``metrics`` (CONTRACTS: ``analysis.metrics``): the site's KPI
    metrics for other plugins (the kpi plugin scores them)::

        metrics = plugin_service(session, "analysis", "metrics")
        metrics.all(session)                          # [Metric, ...]
        metrics.values(session, ["deals_won"], date(2026, 11, 1), date(2026, 11, 30))
        # {"deals_won": {user id: Decimal("3"), ...}}

    It checks no permission: the caller decides who may see whose values."""

    def all(self, session: Any) -> list[Metric]:
        """Every registered metric, analysis' first, then in plugin requirement order."""
        registry = site_metrics(session)
        return [registry[name] for name in registry]

    def owner(self, session: Any, name: str) -> str:
        """The plugin that registered the metric ``name``."""
        return site_metrics(session).owner(name)

    def values(self, session: Any, names: Sequence[str], date_from: date,
               date_to: date) -> dict[str, dict[int, Decimal]]:
        """Each named metric's value per manager (user id) over the days from
        ``date_from`` to ``date_to``: one query per metric. A manager without a row has
        no value (count it as 0). An unknown name is a ``ValidationError`` (field
        ``metric``); a metric whose data plugin is disabled has no values."""
        registry = site_metrics(session)
        found: dict[str, dict[int, Decimal]] = {}
        for name in dict.fromkeys(names):
            metric = registry.get(name)
            if metric is None:
                raise ValidationError(f"metric: {name!r} is not one of {', '.join(registry)}",
                                      field="metric")
            try:
                rows = session.execute(metric.compute(session, date_from, date_to)).all()
            except PluginError:
                rows = []
            found[name] = {int(manager): _decimal(value) for manager, value in rows
                           if manager is not None and value is not None}
        return found


METRICS = MetricService()


def _decimal(value: Any) -> Decimal:
    """A database's number as a Decimal; a float (a ratio on SQLite) as it prints."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def measure(session: Any, date_from: date, date_to: date,
            names: Sequence[str] | None = None, by: str = "manager") -> list[dict[str, Any]]:
    """Each metric's value per manager (by user name) over the period: ``[{"name",
    "label", "unit", "plugin", "values": {user: Decimal}}]``; with ``by="item-group"``
    per item group (``{group: Decimal}``) for the metrics of that dimension (without
    ``names``: only those). A metric whose plugin (sales, say) is not enabled is reported
    with an ``error`` instead of values."""
    from ordercraft.sdk.items import item_group_names
    from ordercraft.sdk.models import User

    require_session_permission(session, READ)
    if by not in MEASURED_BY:
        raise ValidationError(f"by: {by!r} is not one of {', '.join(MEASURED_BY)}",
                              field="by")
    per_group = by == "item-group"
    registry = site_metrics(session)
    wanted = list(names) if names else [
        name for name in registry if not per_group or registry[name].per_item]
    labels: dict[int, str] = (item_group_names(session) if per_group else
                              {row[0]: row[1] for row in session.execute(select(User.id, User.name))})
    found = []
    for name in wanted:
        metric = registry.get(name)
        if metric is None:
            raise ValidationError(f"metric: {name!r} is not one of {', '.join(registry)}",
                                  field="metric")
        compute = metric.per_item if per_group else metric.compute
        if compute is None:
            raise ValidationError(f"metric: {name!r} is not measured by item group (those "
                                  "that are: " + ", ".join(
                                      n for n in registry if registry[n].per_item) + ")",
                                  field="metric")
        entry: dict[str, Any] = {"name": name, "label": metric.label, "unit": metric.unit,
                                 "plugin": registry.owner(name),
                                 "higher_is_better": metric.higher_is_better}
        try:
            rows = session.execute(compute(session, date_from, date_to)).all()
        except PluginError as exc:
            entry["error"] = exc.message
        else:
            totals: dict[str, Decimal] = {}
            for key, value in rows:
                label = labels.get(key, str(key))
                totals[label] = totals.get(label, Decimal(0)) + _decimal(value or 0)
            entry["values"] = {label: tidy_number(value)
                               for label, value in sorted(totals.items())} if per_group else {
                labels.get(manager, str(manager)): tidy_number(value) for manager, value in rows}
        found.append(entry)
    return found



def measure_document(session: Any, *, period: str | None = None,
                     date_from: date | None = None, date_to: date | None = None,
                     names: Sequence[str] = (), by: str = "manager") -> dict[str, Any]:
    """``{"ok", "period": {"from", "to"}, "by", "metrics": [...]}`` (see :func:`measure`)
    for a period named as the analyses name it (``2026-11``) or a range of days: what
    ``ordercraft analysis metrics --json`` prints and ``GET /api/v1/analysis/metrics``
    returns."""
    from .service import sales_query

    query = sales_query(period=period, date_from=date_from, date_to=date_to)
    found = measure(session, query.date_from, query.date_to, list(names), by=by)
    return {"ok": True, "period": {"from": query.date_from.isoformat(),
                                   "to": query.date_to.isoformat()},
            "by": by, "metrics": found}
