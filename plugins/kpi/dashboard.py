"""kpi's widget on the home page (core hook ``dashboard_widgets``): the user's own KPIs
this month — the period score first, then each KPI's actual against its target — for a
user who has KPIs. One score of one manager: a query per metric the KPIs use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ordercraft.sdk.errors import PluginError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.permissions import has_permission
from ordercraft.sdk.plugins import DashboardWidget, plugin_service


def widgets(session: Any, user: Any, *, today: date | None = None) -> list[DashboardWidget]:
    from flask import url_for

    from .service import current_period, score

    if user is None or not has_permission(user, "kpi.read"):
        return []
    period = current_period(today)
    try:
        document = score(session, period, manager=user.name)
    except PluginError:
        return []
    row = document["managers"][0] if document["managers"] else None
    if row is None or not row["kpis"]:
        return []
    rows = ((_("Score (%(period)s)", period=period), str(row["score"])),
            *((kpi["label"], f"{'—' if kpi['actual'] is None else kpi['actual']} / "
                             f"{kpi['target']}") for kpi in row["kpis"]))
    chart = plugin_service(session, "analysis", "charts").bars(
        _("Score by KPI"), [kpi["code"] for kpi in row["kpis"]],
        {"score": [kpi["score"] or Decimal(0) for kpi in row["kpis"]]})
    return [DashboardWidget(_("My KPIs"), rows=rows, chart_svg=chart, order=20,
                            url=url_for("kpi.card_page"), name="kpi-mine")]
