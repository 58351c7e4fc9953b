"""analysis' widget on the home page (core hook ``dashboard_widgets``): revenue shipped
by month over the last 12 months, this month against the last, for users who may see
analyses. One ``GROUP BY`` over sales' facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from ordercraft.sdk.errors import PluginError
from ordercraft.sdk.permissions import has_permission
from ordercraft.sdk.plugins import DashboardWidget

from .site import add_months, period_labels, period_sql


def revenue_by_month(session: Any, today: date) -> dict[str, Decimal]:
    """``{"2026-11": revenue, ...}`` for the 12 months up to ``today``'s, zeros included."""
    from ordercraft.sdk.plugins import plugin_service

    start = add_months(today.replace(day=1), -11)
    lines = plugin_service(session, "sales", "facts").sales_lines(session).subquery()
    month = period_sql("month", lines.c.date, session.get_bind().dialect.name)
    found = dict(session.execute(
        select(month, func.sum(lines.c.net_amount))
        .where(lines.c.date >= start, lines.c.date <= today).group_by(month)).all())
    return {label: Decimal(found.get(label) or 0).quantize(Decimal("0.01"))
            for label in period_labels("month", start, today)}


def widgets(session: Any, user: Any, *, today: date | None = None) -> list[DashboardWidget]:
    from flask import url_for

    from .charts import bars

    if user is None or not has_permission(user, "analysis.read"):
        return []
    try:
        months = revenue_by_month(session, today or date.today())
    except PluginError:  # sales is not enabled: there are no sales to show
        return []
    labels = list(months)
    current, previous = months[labels[-1]], months[labels[-2]]
    change = (f"{((current - previous) / previous * 100).quantize(Decimal('0.1'))} %"
              if previous else "—")
    rows = ((f"This month ({labels[-1]})", f"{current:,}"),
            (f"Last month ({labels[-2]})", f"{previous:,}"), ("Change", change),
            *((label, f"{months[label]:,}") for label in reversed(labels[:-2])))
    chart = bars("Revenue shipped by month", [label[2:] for label in labels],
                 {"revenue": list(months.values())})
    return [DashboardWidget("Revenue shipped", rows=rows, chart_svg=chart, order=10,
                            url=url_for("analysis.matrix_page"), name="analysis-revenue")]
