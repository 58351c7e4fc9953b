"""analysis' widgets on the home page (core hook ``dashboard_widgets``), per role:

``analysis-revenue`` (users who may see analyses)
    revenue shipped by month over the last 12 months, this month against the last;
``analysis-owner`` (permission ``analysis.dashboard``: the owner)
    revenue this month against last, the gross margin, the order backlog, the overdue
    receivables and the stock value, with revenue and margin by month as a chart;
``analysis-tasks`` (everyone with tasks)
    the user's open tasks due today or overdue.

Revenue and margin come from sales' monthly totals (service ``facts``,
``monthly_totals``: a few rows per month), the backlog and the receivables from sales'
``facts``, the stock value from the ledger's balances: a handful of small queries, so
the home page stays fast on a site with 50,000 orders. A figure whose plugin is not
enabled (or that the user may not see) is left out, not shown as zero. Every chart's
numbers stand in the card's table.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from ordercraft.sdk.errors import OrdercraftError, PluginError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.permissions import has_permission
from ordercraft.sdk.plugins import DashboardWidget

from .site import add_months, period_labels, period_sql

CENT = Decimal("0.01")
OWNER = "analysis.dashboard"


def monthly_sales(session: Any, today: date) -> dict[str, tuple[Decimal, Decimal]]:
    """``{"2026-11": (revenue, margin), ...}`` for the 12 months up to ``today``'s, zeros
    included: one ``GROUP BY`` over sales' monthly totals (per manager, so each
    shipped line counts once)."""
    from ordercraft.sdk.plugins import plugin_service

    start = add_months(today.replace(day=1), -11)
    totals = plugin_service(session, "sales", "facts").monthly_totals(
        session, "manager").subquery()
    month = period_sql("month", totals.c.month, session.get_bind().dialect.name)
    found = {label: (revenue, revenue - cost) for label, revenue, cost in session.execute(
        select(month, func.sum(totals.c.net_amount), func.sum(totals.c.cost))
        .where(totals.c.month >= start, totals.c.month <= today).group_by(month)).all()}
    zero = (Decimal(0), Decimal(0))
    return {label: tuple(Decimal(value or 0).quantize(CENT)  # type: ignore[misc]
                         for value in found.get(label, zero))
            for label in period_labels("month", start, today)}


def revenue_by_month(session: Any, today: date) -> dict[str, Decimal]:
    """``{"2026-11": revenue, ...}`` for the 12 months up to ``today``'s, zeros included."""
    return {label: revenue for label, (revenue, _margin) in monthly_sales(session, today).items()}


def _change(current: Decimal, previous: Decimal) -> str:
    return (f"{((current - previous) / previous * 100).quantize(Decimal('0.1'))} %"
            if previous else "—")


def _percent(part: Decimal, whole: Decimal) -> str:
    return f" ({(part / whole * 100).quantize(Decimal('0.1'))} %)" if whole else ""


def widgets(session: Any, user: Any, *, today: date | None = None) -> list[DashboardWidget]:
    if user is None:
        return []
    today = today or date.today()
    found = [*_task_widgets(session, user, today)]
    if not has_permission(user, "analysis.read"):
        return found
    try:
        months = monthly_sales(session, today)
    except PluginError:  # sales is not enabled: there are no sales to show
        return found
    found.append(_revenue_widget(months))
    if has_permission(user, OWNER):
        found.append(_owner_widget(session, user, months))
    return found


def _revenue_widget(months: dict[str, tuple[Decimal, Decimal]]) -> DashboardWidget:
    from flask import url_for

    from .charts import bars

    labels = list(months)
    current, previous = months[labels[-1]][0], months[labels[-2]][0]
    rows = ((_("This month (%(month)s)", month=labels[-1]), f"{current:,}"),
            (_("Last month (%(month)s)", month=labels[-2]), f"{previous:,}"),
            (_("Change"), _change(current, previous)),
            *((label, f"{months[label][0]:,}") for label in reversed(labels[:-2])))
    chart = bars(_("Revenue shipped by month"), [label[2:] for label in labels],
                 {_("revenue"): [revenue for revenue, _margin in months.values()]})
    return DashboardWidget(_("Revenue shipped"), rows=rows, chart_svg=chart, order=10,
                           url=url_for("analysis.matrix_page"), name="analysis-revenue")


def owner_figures(session: Any, user: Any,
                  months: dict[str, tuple[Decimal, Decimal]]) -> list[tuple[str, str]]:
    """The owner's figures as ``(label, value)`` rows: those of plugins that are not
    enabled, or that ``user`` may not see, are left out."""
    from ordercraft.sdk import stock
    from ordercraft.sdk.plugins import plugin_service

    labels = list(months)
    (revenue, margin), (last_revenue, last_margin) = months[labels[-1]], months[labels[-2]]
    rows = [(_("Revenue this month (%(month)s)", month=labels[-1]), f"{revenue:,}"),
            (_("Revenue last month (%(month)s)", month=labels[-2]), f"{last_revenue:,}"),
            (_("Revenue change"), _change(revenue, last_revenue)),
            (_("Gross margin this month"), f"{margin:,}{_percent(margin, revenue)}"),
            (_("Gross margin last month"), f"{last_margin:,}{_percent(last_margin, last_revenue)}")]
    facts = plugin_service(session, "sales", "facts")
    if has_permission(user, "order.read"):
        backlog = facts.backlog(session)
        rows.extend(((_("Order backlog"), f"{backlog['amount']:,}"),
                     (_("Orders in the backlog"), str(backlog["orders"]))))
    if has_permission(user, "invoice.read"):
        try:
            overdue = facts.receivables(session)["overdue"]
        except OrdercraftError:  # the site's receivables cannot be read (no currency)
            pass
        else:
            rows.append((_("Overdue receivables"), f"{overdue:,}"))
    if has_permission(user, "stock.read"):
        value = sum((place.value for place in stock.warehouse_overview(session)), Decimal(0))
        rows.append((_("Stock value"), f"{value.quantize(CENT):,}"))
    return rows


def _owner_widget(session: Any, user: Any,
                  months: dict[str, tuple[Decimal, Decimal]]) -> DashboardWidget:
    from flask import url_for

    from .charts import bars

    labels = list(months)
    chart = bars(_("Revenue and gross margin by month"), [label[2:] for label in labels],
                 {_("revenue"): [revenue for revenue, _margin in months.values()],
                  _("margin"): [margin for _revenue, margin in months.values()]})
    rows = (*owner_figures(session, user, months),
            *((_("%(month)s: revenue / margin", month=label), f"{months[label][0]:,} / {months[label][1]:,}")
              for label in reversed(labels)))
    return DashboardWidget(_("The business this month"), rows=rows, chart_svg=chart, order=5,
                           url=url_for("analysis.matrix_page", measure="margin"),
                           name="analysis-owner")


def _task_widgets(session: Any, user: Any, today: date) -> list[DashboardWidget]:
    """The user's open tasks due by the end of today, the most urgent first."""
    from flask import url_for

    from ordercraft.sdk.workflow import OPEN_STATUSES, Task

    if not has_permission(user, "task.read"):
        return []
    end = datetime.combine(today + timedelta(days=1), time.min)
    due = (Task.assignee_id == user.id, Task.status.in_(OPEN_STATUSES),
           Task.deadline.is_not(None), Task.deadline < end)
    count = session.scalar(select(func.count()).select_from(Task).where(*due)) or 0
    if not count:
        return []
    start = datetime.combine(today, time.min)
    overdue = session.scalar(select(func.count()).select_from(Task)
                             .where(*due, Task.deadline < start)) or 0
    first = session.execute(select(Task.title, Task.deadline).where(*due)
                            .order_by(Task.deadline, Task.id).limit(5)).all()
    from ordercraft.sdk.web import datetime_filter

    rows = ((_("Due today or overdue"), str(count)), (_("Of them overdue"), str(overdue)),
            *((title, datetime_filter(deadline, "short")) for title, deadline in first))
    return [DashboardWidget(_("My tasks due today"), rows=rows, order=1,
                            url=url_for("tasks.index", view="mine"), name="analysis-tasks")]
