"""KPIs in the browser (``/kpi/``: a manager's card, ``/kpi/ranking``: a division or
everyone ranked, ``/kpi/export.csv|.xlsx``) and in the JSON API (``/api/v1/kpi/...``,
the same documents as ``ordercraft kpi ... --json``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint, Response, abort, render_template, request
from pydantic import Field

from ordercraft.sdk import web
from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.plugins import plugin_service

pages = Blueprint("kpi", __name__, url_prefix="/kpi", template_folder="templates")
api = web.api_blueprint("kpi_api", __name__)

PERIOD = Field(None, max_length=7, description="A month, 2026-11 (default: this month).")


# --------------------------------------------------------------------------- API


class ScoreQuery(web.InputModel):
    """Which period, and whose scores."""

    period: str | None = PERIOD
    manager: str | None = Field(None, max_length=100, description="Only this manager.")
    division: str | None = Field(None, max_length=32,
                                 description="Only this division's members and KPIs.")


class CardQuery(web.InputModel):
    period: str | None = PERIOD
    manager: str | None = Field(None, max_length=100,
                                description="Whose card (default: the caller's).")


class DefinitionIn(web.InputModel):
    """A KPI: its formula over metrics and how it is scored (docs/kpi.md)."""

    code: str = Field(max_length=50)
    label: str = Field("", max_length=200)
    formula: str = Field(max_length=2000, description="Arithmetic over metric names.")
    target: Decimal
    weight: Decimal = Decimal("1")
    direction: Literal["higher", "lower"] = "higher"
    scale: Literal["linear", "bands"] = "linear"
    cap: Decimal = Decimal("1.2")
    bands: list[tuple[Decimal, Decimal]] = Field(
        default_factory=list, max_length=20,
        description="bands: [[from, score], ...] by achievement, ascending.")
    division: str | None = Field(None, max_length=32)
    role: str | None = Field(None, max_length=50)
    unit: str = Field("", max_length=20)


class DivisionIn(web.InputModel):
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    kind: Literal["sales", "production", "purchasing", "warehouse"]
    members: list[str] = Field(default_factory=list, max_length=500)
    heads: list[str] = Field(default_factory=list, max_length=500)


def _period(value: str | None) -> str:
    from .service import current_period

    return value or current_period()


@web.api_route(api, "/kpi/definitions", permission="kpi.read", tags=["kpi"])
def list_definitions() -> dict[str, Any]:
    """The KPI definitions: `{ok, kpis: [{code, label, formula, target, weight, ...}]}`."""
    from .service import definition_dict, definitions

    return {"ok": True, "kpis": [definition_dict(k) for k in definitions(web.request_session())]}


@web.api_route(api, "/kpi/definitions", methods=["POST"], body=DefinitionIn, status=201,
               permission="kpi.define", tags=["kpi"],
               errors={400: "A bad field: an unknown metric or anything but arithmetic in "
                            "the formula, a target of 0...; the error names it."})
def define_kpi(body: DefinitionIn) -> dict[str, Any]:
    """Define a KPI, or replace the one with this code: `{ok, kpi}`."""
    from .service import define, definition_dict

    fields = body.model_dump()
    kpi = define(web.request_session(), fields.pop("code"), **fields)
    return {"ok": True, "kpi": definition_dict(kpi)}


@web.api_route(api, "/kpi/divisions", permission="kpi.read", tags=["kpi"])
def list_divisions() -> dict[str, Any]:
    """The divisions and their members: `{ok, divisions: [{code, name, kind, members, heads}]}`."""
    from .service import division_dict, divisions

    return {"ok": True,
            "divisions": [division_dict(d) for d in divisions(web.request_session())]}


@web.api_route(api, "/kpi/divisions", methods=["POST"], body=DivisionIn, status=201,
               permission="kpi.define", tags=["kpi"],
               errors={404: "A member who is not a user."})
def save_division(body: DivisionIn) -> dict[str, Any]:
    """Create or change a division; members and heads replace its members when given."""
    from .service import division_dict
    from .service import save_division as save

    division = save(web.request_session(), body.code, body.name, body.kind,
                    members=body.members, heads=body.heads)
    return {"ok": True, "division": division_dict(division)}


@web.api_route(api, "/kpi/scores", query=ScoreQuery, permission="kpi.read", tags=["kpi"],
               errors={400: "A bad period or division.",
                       403: "A manager whose KPIs the caller may not see."})
def scores(query: ScoreQuery) -> dict[str, Any]:
    """Each visible manager's KPIs and period score, ranked: `{ok, period, from, to,
    managers: [{rank, manager, score, kpis: [{code, actual, target, achievement, score,
    weight, weighted}]}]}` (numbers as exact decimal strings)."""
    from .service import score

    return score(web.request_session(), _period(query.period), manager=query.manager,
                 division=query.division)


@web.api_route(api, "/kpi/card", query=CardQuery, permission="kpi.read", tags=["kpi"],
               errors={400: "A bad period.", 403: "Someone else's card."})
def card(query: CardQuery) -> dict[str, Any]:
    """A manager's card: `{ok, period, manager, score, kpis, trend: [{period, score,
    actuals}]}` over the last 12 months."""
    return _card(query.period, query.manager)


def _card(period: str | None, manager: str | None) -> dict[str, Any]:
    from .service import score, trend

    session = web.request_session()
    user = web.current_user()
    name = manager or (user.name if user else "")
    label = _period(period)
    document = score(session, label, manager=name)
    row = document["managers"][0] if document["managers"] else {
        "manager": name, "full_name": name, "score": Decimal(0), "kpis": [], "rank": 1}
    return {"ok": True, "period": label, "from": document["from"], "to": document["to"],
            **row, "trend": trend(session, name, label)}


# --------------------------------------------------------------------------- pages


def _chart(title: str, labels: list[str], values: list[Decimal | None]) -> str:
    charts = plugin_service(web.request_session(), "analysis", "charts")
    return str(charts.lines(title, [label[2:] for label in labels], {title: values}))


@pages.get("/")
@web.permission_required("kpi.read")
def card_page() -> Any:
    """A manager's KPI card: each KPI's actual, target and score, the score's trend."""
    error = None
    document = None
    chart = None
    try:
        document = _card(request.args.get("period") or None,
                         request.args.get("manager") or None)
    except OrdercraftError as exc:
        error = exc.message
    if document is not None:
        trend = document["trend"]
        chart = _chart("Score", [p["period"] for p in trend], [p["score"] for p in trend])
    return render_template("kpi/card.html", document=document, chart=chart, error=error,
                           typed=request.args)


@pages.get("/ranking")
@web.permission_required("kpi.read")
def ranking_page() -> Any:
    """Managers ranked by their period score: a head's division, or everyone."""
    from .service import division_dict, divisions, score

    session = web.request_session()
    error = None
    document = None
    try:
        document = score(session, _period(request.args.get("period") or None),
                         division=request.args.get("division") or None)
    except OrdercraftError as exc:
        error = exc.message
    return render_template("kpi/ranking.html", document=document, error=error,
                           typed=request.args,
                           divisions=[division_dict(d) for d in divisions(session)])


@pages.get("/export.<fmt>")
@web.permission_required("kpi.read")
def export(fmt: str) -> Any:
    """The period's scores as a spreadsheet (what the ranking page shows)."""
    from ordercraft.sdk.spreadsheets import SPREADSHEET_TYPES, write_records

    from .service import EXPORT_COLUMNS, export_rows, score

    if fmt not in SPREADSHEET_TYPES:
        abort(404)
    period = _period(request.args.get("period") or None)
    document = score(web.request_session(), period,
                     division=request.args.get("division") or None)
    data = write_records(EXPORT_COLUMNS, export_rows(document), fmt, sheet="KPI")
    return Response(data, mimetype=SPREADSHEET_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="kpi-{period}.{fmt}"'})
