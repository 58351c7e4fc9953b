"""The funnel report page: the funnel by stage and conversion by source and by manager,
for a period, a manager, a source or a client group."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request

from ordercraft.plugins.crm.pages import make_blueprint, user_choices
from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.web import permission_required, request_session, user_today

bp = make_blueprint("crm_reports", "/crm/reports")

FILTERS = ("from", "to", "manager", "source", "group")


def _periods(today: date) -> list[tuple[str, str, str]]:
    """Quick periods: (label, from, to)."""
    return [("Last 30 days", (today - timedelta(days=29)).isoformat(), today.isoformat()),
            ("Last 90 days", (today - timedelta(days=89)).isoformat(), today.isoformat()),
            ("This year", date(today.year, 1, 1).isoformat(), today.isoformat()),
            ("All time", "", "")]


@bp.get("/funnel")
@permission_required("party.read")
def funnel():
    from ordercraft.plugins.crm.groups import list_groups
    from ordercraft.plugins.crm.reports import funnel_report

    session = request_session()
    values = {name: request.args.get(name, "").strip() for name in FILTERS}
    error = None
    try:
        report = funnel_report(session, since=values["from"] or None,
                               until=values["to"] or None, manager=values["manager"] or None,
                               source=values["source"] or None, group=values["group"] or None)
    except OrdercraftError as exc:
        if exc.http_status not in (400, 404):
            raise
        error, report = exc.message, funnel_report(session)
    widest = max([s.get("reached", s["now"]) for s in report["stages"]] + [1])
    return render_template("crm/funnel.html", report=report, values=values, error=error,
                           widest=widest, periods=_periods(user_today()),
                           managers=user_choices(empty=_("Everyone")),
                           groups=[(str(g.id), g.name) for g in list_groups(session)])
