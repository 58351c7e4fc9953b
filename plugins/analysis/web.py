"""The analyses in the browser (``/analysis/``: the ABC-XYZ matrix and the Pareto chart
of ABC, ``/analysis/bcg``) and in the JSON API (``GET /api/v1/analysis/{abc,xyz,abcxyz,
bcg}``, the same documents as ``ordercraft analysis ... --json``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint, render_template, request
from pydantic import Field

from ordercraft.sdk import web
from ordercraft.sdk.errors import OrdercraftError, ValidationError
from ordercraft.sdk.i18n import _

pages = Blueprint("analysis", __name__, url_prefix="/analysis", template_folder="templates",
                  static_folder="static", static_url_path="/assets")
api = Blueprint("analysis_api", __name__, url_prefix=web.API_PREFIX)
#: The reports (``/reports/``), apart from ``/analysis/`` so each has its menu entry.
report_pages = Blueprint("analysis_reports", __name__, url_prefix="/reports",
                         template_folder="templates")

#: The query-string parameters of the pages, passed to the analyses as they are typed.
PAGE_OPTIONS = ("a", "b", "boundary", "x", "y", "sd")


class AnalysisQuery(web.InputModel):
    """Which sales, and the analysis's options (each applies to the analyses named)."""

    period: str | None = Field(None, max_length=7,
                               description="2026, 2026-11 or 2026-Q4 (default: the 12 "
                                           "whole months before this one).")
    date_from: date | None = Field(None, description="First day (instead of period).")
    date_to: date | None = Field(None, description="Last day (instead of period).")
    measure: Literal["revenue", "margin", "quantity", "orders"] = "revenue"
    by: Literal["item", "client"] = "item"
    group: Literal["warehouse", "item-group"] | None = Field(
        None, description="Class the objects of each warehouse or item group among "
                          "themselves: `{ok, group_by, groups: [{group, ...}]}`.")
    bucket: Literal["week", "month", "quarter"] = Field(
        "month", description="The base period of a series (xyz, abcxyz, bcg).")
    a: Decimal | None = Field(None, description="abc, abcxyz: limit of A (default 0.80).")
    b: Decimal | None = Field(None, description="abc, abcxyz: limit of B (default 0.95).")
    boundary: Literal["le", "lt", "upper"] | None = None
    x: Decimal | None = Field(None, description="xyz, abcxyz: limit of X (default 0.10).")
    y: Decimal | None = Field(None, description="xyz, abcxyz: limit of Y (default 0.25).")
    sd: Literal["population", "sample"] | None = None
    aggregate: int | None = Field(None, ge=1, le=1000,
                                  description="Sum each N consecutive periods first.")
    share: Decimal | None = Field(None, description="bcg: share threshold.")
    growth: Decimal | None = Field(None, description="bcg: growth threshold (default 0.10).")


@pages.app_template_filter("analysis_percent")
def percent_text(fraction: str | Decimal) -> str:
    """A share as people read it: ``"0.70731707..."`` -> ``70.73 %`` (the JSON keeps every
    digit; rounding is for display only)."""
    return f"{(Decimal(fraction) * 100).quantize(Decimal('0.01'))} %"


def _run(kind: str, query: AnalysisQuery) -> dict[str, Any]:
    from ordercraft.plugins.analysis.service import sales_query, site_analysis

    selection = sales_query(period=query.period, date_from=query.date_from,
                            date_to=query.date_to, measure=query.measure, by=query.by,
                            bucket=query.bucket, group=query.group)
    options = query.model_dump(exclude={"period", "date_from", "date_to", "measure", "by",
                                        "bucket", "group"}, exclude_none=True)
    return site_analysis(web.request_session(), kind, selection, **options)


def _api_route(kind: str, summary: str) -> None:
    def view(query: AnalysisQuery) -> dict[str, Any]:
        return _run(kind, query)

    view.__doc__ = summary
    view.__name__ = f"analysis_{kind}"
    web.api_route(api, f"/analysis/{kind}", permission="analysis.read",
                  query=AnalysisQuery, tags=["analysis"],
                  errors={400: "A bad option or an empty period; the error names the "
                               "field."})(view)


_api_route("abc", "ABC classes of the site's shipped sales.\n\n`{ok, items: [{key, value, "
           "share, cumulative_share, class}], class_totals: {A, B, C}, source}`, numbers "
           "as exact decimal strings.")
_api_route("xyz", "XYZ classes of each object's series.\n\n`{ok, periods, items: [{key, "
           "series, mean, sd, cv, class, reason?}], source}`; `class` null with a `reason` "
           "when unclassifiable.")
_api_route("abcxyz", "The ABC-XYZ matrix.\n\n`{ok, cells: {AX: {count, value}, ...}, items, "
           "unclassifiable, source}`.")
_api_route("bcg", "BCG quadrants of the last two periods.\n\n`{ok, periods, items, "
           "quadrants, source}`.")


class MetricsQuery(web.InputModel):
    """Which period, which metrics, grouped how."""

    period: str | None = Field(None, max_length=7,
                               description="2026, 2026-11 or 2026-Q4 (default: the 12 "
                                           "whole months before this one).")
    date_from: date | None = Field(None, description="First day (instead of period).")
    date_to: date | None = Field(None, description="Last day (instead of period).")
    metric: list[str] = Field(default_factory=list,
                              description="Only these metrics (repeat the parameter).")
    by: Literal["manager", "item-group"] = Field(
        "manager", description="Values per manager (user name) or per item group.")


@web.api_route(api, "/analysis/metrics", permission="analysis.read", query=MetricsQuery,
               tags=["analysis"], errors={400: "An unknown metric, one not measured by "
                                               "item group, or a bad period."})
def analysis_metrics(query: MetricsQuery) -> dict[str, Any]:
    """The KPI metrics registered by the plugins, measured over a period.

    `{ok, period: {from, to}, by, metrics: [{name, label, unit, plugin, higher_is_better,
    values: {manager or group: value}}]}`, the document of `ordercraft analysis metrics
    --json`."""
    from ordercraft.plugins.analysis.metrics import measure_document

    return measure_document(web.request_session(), period=query.period,
                            date_from=query.date_from, date_to=query.date_to,
                            names=query.metric, by=query.by)


def _page_query() -> tuple[dict[str, str], AnalysisQuery | None, str | None]:
    """The form's values as typed, the query they make, or the error to show."""
    typed = {name: value.strip() for name, value in request.args.items() if value.strip()}
    fields = {("date_from" if name == "from" else "date_to" if name == "to" else name): value
              for name, value in typed.items()
              if name in {"period", "from", "to", "measure", "by", "bucket", *PAGE_OPTIONS}}
    try:
        return typed, AnalysisQuery.model_validate(fields), None
    except ValueError as exc:
        return typed, None, str(exc).splitlines()[0] if str(exc) else "bad input"


@pages.get("/")
@web.permission_required("analysis.read")
def matrix_page() -> Any:
    """The ABC-XYZ matrix: its chart, its 9 cells as a table and the objects."""
    from ordercraft.plugins.analysis.charts import bars, class_bars

    typed, query, error = _page_query()
    document = values = None
    charts: dict[str, str] = {}
    if query is not None:
        try:
            document = _run("abcxyz", query.model_copy(update={"aggregate": None}))
            abc_query = query.model_copy(update={"x": None, "y": None, "sd": None})
            values = _run("abc", abc_query)
        except OrdercraftError as exc:
            error = exc.message
    if document is not None and values is not None:
        cells = document["cells"]
        charts["matrix"] = bars("Objects per cell", list(cells),
                                {"objects": [Decimal(cell["count"]) for cell in cells.values()]})
        ranked = values["items"][:40]
        charts["pareto"] = class_bars(
            "ABC: value by object", [item["key"] for item in ranked],
            [Decimal(item["value"]) for item in ranked], [item["class"] for item in ranked])
    return render_template("analysis/matrix.html", typed=typed, error=error,
                           document=document, values=values, charts=charts)


@pages.get("/bcg")
@web.permission_required("analysis.read")
def bcg_page() -> Any:
    """BCG quadrants of the last two periods."""
    from ordercraft.plugins.analysis.charts import bars

    typed, query, error = _page_query()
    document = None
    chart = None
    if query is not None:
        try:
            document = _run("bcg", query.model_copy(
                update={"a": None, "b": None, "boundary": None, "x": None, "y": None,
                        "sd": None}))
        except OrdercraftError as exc:
            error = exc.message
    if document is not None:
        quadrants = document["quadrants"]
        chart = bars("Current value per quadrant", list(quadrants),
                     {"value": [Decimal(q["value"]) for q in quadrants.values()]})
    return render_template("analysis/bcg.html", typed=typed, error=error,
                           document=document, chart=chart)


# --------------------------------------------------------------------------- reports


class ReportQuery(web.InputModel):
    """A report's filters (each report takes some of them) and the export format."""

    date_from: date | None = Field(None, description="First day (sales).")
    date_to: date | None = Field(None, description="Last day (sales).")
    on: date | None = Field(None, description="The day the report is as of (default today).")
    by: str | None = Field(None, max_length=30, description="What the rows are (the report's "
                                                            "choices).")
    client: str | None = Field(None, max_length=200, description="Only this client.")
    warehouse: str | None = Field(None, max_length=64, description="Only this warehouse.")
    days: int | None = Field(None, ge=1, le=100_000, description="A number of days "
                                                                "(slow_moving: idle since).")
    format: Literal["json", "csv", "xlsx"] = "json"


#: The page's and the API's names of the filters.
REPORT_FIELDS = {"date_from": "from", "date_to": "to", "on": "on", "by": "by",
                 "client": "client", "warehouse": "warehouse", "days": "days"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(document: dict[str, Any], fmt: str) -> Any:
    from flask import Response

    from ordercraft.plugins.analysis.reports import as_csv, as_xlsx

    name = document["report"]
    if fmt == "csv":
        return Response(as_csv(document), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(as_xlsx(document), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@web.api_route(api, "/analysis/reports", permission="analysis.read", tags=["analysis"])
def reports_list() -> dict[str, Any]:
    """The reports the caller may run.

    `{ok, reports: [{name, title, description, plugin, filters, choices, columns}]}`; a
    report of a plugin that is not enabled is not there."""
    from ordercraft.plugins.analysis.reports import site_reports, visible_reports

    session = web.request_session()
    registry = site_reports(session)
    return {"ok": True, "reports": [
        {"name": report.name, "title": report.title, "description": report.description,
         "plugin": registry.owner(report.name), "filters": list(report.filters),
         "choices": list(report.choices),
         "columns": [{"name": c.name, "label": c.label, "kind": c.kind, "total": c.total}
                     for c in report.columns]}
        for report in visible_reports(session, web.current_user())]}


@web.api_route(api, "/analysis/reports/<name>", permission="analysis.read", query=ReportQuery,
               tags=["analysis"], errors={400: "A filter the report does not take, or a bad "
                                               "value; the error names it.",
                                          404: "No such report on this site."})
def report_api(name: str, query: ReportQuery) -> Any:
    """One report: `{ok, report, title, filters, columns, rows, totals}`, numbers as exact
    decimal strings; `format=csv` or `format=xlsx` sends the file instead."""
    from ordercraft.plugins.analysis.reports import run_report

    given = {REPORT_FIELDS[key]: value for key, value in query.model_dump(
        exclude={"format"}, exclude_none=True).items()}
    document = run_report(web.request_session(), name, given)
    return document if query.format == "json" else _export(document, query.format)


@report_pages.get("/")
@web.permission_required("analysis.read")
def reports_page() -> Any:
    """The reports the user may run."""
    from ordercraft.plugins.analysis.reports import visible_reports

    reports = visible_reports(web.request_session(), web.current_user())
    return render_template("analysis/reports.html", reports=[_shown(r) for r in reports])


@report_pages.get("/<name>")
@web.permission_required("analysis.read")
def report_page(name: str) -> Any:
    """One report: its filters, its table with the totals, links to CSV and XLSX."""
    from ordercraft.plugins.analysis.reports import find_report, run_report

    session = web.request_session()
    report = find_report(session, name)
    typed = {key: value.strip() for key, value in request.args.items() if value.strip()}
    fmt = typed.pop("format", "html")
    document, error = None, None
    try:
        document = run_report(session, name, typed)
    except ValidationError as exc:  # a bad filter: shown with the form
        error = exc.message
    if document is not None and fmt in ("csv", "xlsx"):
        return _export(document, fmt)
    if document is not None:
        document = {**document, "columns": [{**column, "label": _(column["label"])}
                                            for column in document["columns"]]}
    return render_template("analysis/report.html", report=_shown(report), typed=typed,
                           document=document, error=error)


def _shown(report: Any) -> Any:
    """``report`` as its page shows it: title, description and column labels in the
    reader's language (the API, the command and the exports keep them as registered)."""
    from dataclasses import replace

    return replace(report, title=_(report.title),
                   description=_(report.description) if report.description else "",
                   columns=tuple(replace(column, label=_(column.label))
                                 for column in report.columns))
