"""The hooks analysis offers to other plugins. analysis adds them to the site's hooks
when it is registered (hook ``add_hookspecs``); a plugin implementing them lists
``analysis`` in its ``requires`` or marks its implementation
``@hookimpl(optionalhook=True)``. analysis calls them through
:class:`~ordercraft.plugins.analysis.hooks.AnalysisHooks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import hookspec

if TYPE_CHECKING:
    from ordercraft.plugins.analysis.metrics import MetricRegistry
    from ordercraft.plugins.analysis.reports import ReportRegistry


# --------------------------------------------------------------------------- KPI metrics


@hookspec
def register_kpi_metrics(registry: MetricRegistry) -> None:
    """Contribute the metrics that KPIs are made of: deals won, orders shipped, revenue,
    on-time shipments, overdue tasks — each measured per manager for a period, in SQL.

    Called by the ``analysis`` plugin once per plugin set, the first time the site's
    metrics are needed (``ordercraft analysis metrics``, a KPI score), and again after
    plugins are enabled or disabled; plugins in requirement order, after analysis' own
    metrics (``revenue_shipped``, ``orders_shipped``, ``lines_shipped`` from sales'
    facts, ``overdue_tasks`` from the core's tasks) are registered. The bundled plugins
    add theirs with ``@hookimpl(optionalhook=True)``: crm ``deals_won``,
    ``deals_won_amount``, ``conversion``, ``interactions``; proposals ``proposals_sent``;
    sales ``gross_margin``, ``on_time_shipments``, ``receivables_overdue``; production
    ``production_on_time``. Other plugins read them through analysis' service
    ``metrics`` (the kpi plugin scores them).

    :param registry: analysis' registry of metrics:
        ``registry.add(name, label, compute, unit="count", dimensions=("manager",),
        higher_is_better=True, per_item=None)`` registers the metric ``name`` (lower-case letters,
        digits, ``_``). ``compute(session, date_from, date_to)`` returns a SQLAlchemy
        ``Select`` of two columns, the manager's user id (``users.id``) and the
        metric's value for that manager over the days from ``date_from`` to ``date_to``
        (both included), one row per manager: the database computes it, so the score of
        50 managers is one query per metric. ``unit`` is ``count``, ``money``,
        ``quantity`` or ``percent``. ``dimensions`` are ``manager`` (every metric) and
        ``division`` when the members' values add up to their division's (a count, an
        amount; not a percentage), and ``item_group`` when the metric adds up over
        items: then ``per_item=`` is a second compute function of the same arguments
        whose ``Select`` gives ``(item id, value)`` rows, summed per catalogue group by
        ``ordercraft analysis metrics --by item-group``. A name already taken is a
        :class:`~ordercraft.sdk.errors.PluginError` naming both plugins.

    Return nothing.
    """


# --------------------------------------------------------------------------- reports


@hookspec
def register_reports(registry: ReportRegistry) -> None:
    """Contribute management reports over the plugin's own data: tables with filters,
    totals and CSV/XLSX export, shown on analysis' report pages, by ``ordercraft
    analysis report NAME`` and at ``GET /api/v1/analysis/reports/NAME``. A report goes
    when its plugin is disabled.

    Called by the ``analysis`` plugin once per plugin set, the first time the site's
    reports are needed, and again after plugins are enabled or disabled; plugins in
    requirement order, after analysis' own reports (``stock_value``, ``slow_moving``).

    :param registry: analysis' registry of reports: ``registry.add(name, title, run, *,
        columns, filters=(), choices=(), permission="analysis.read", description="",
        defaults=None)``. ``columns`` are
        :class:`~ordercraft.plugins.analysis.reports.Column` or plain tuples ``(name,
        label, kind, total)``: kind ``text``, ``date``, ``money``, ``quantity``, ``count``
        or ``percent``, ``total`` whether it is summed into the totals row; ``filters`` the names, from ``from``, ``to``,
        ``on``, ``by``, ``client``, ``warehouse`` and ``days``, the report takes
        (``choices``: the values of ``by``, the first the default); ``permission`` the
        one a user needs to run it. ``run(session, filters)`` gets the checked filters
        (dates as ``date``, ``days`` as ``int``) and returns the rows, dicts keyed by
        column name with ``Decimal`` numbers, computed in SQL. A name already taken is a
        :class:`~ordercraft.sdk.errors.PluginError` naming both plugins.

    Return nothing.
    """
