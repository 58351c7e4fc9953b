"""planning's pages (the latest run: planned orders with their pegging, exceptions, the
MRP grid per item) and JSON API (``/api/v1/mrp/runs``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from pydantic import Field

from ordercraft.sdk import web
from ordercraft.sdk.i18n import _
from ordercraft.sdk.web import API_PREFIX, InputModel, OutputModel, Page, PageQuery, api_route

pages = Blueprint("planning", __name__, url_prefix="/planning", template_folder="templates")
api = Blueprint("planning_api", __name__, url_prefix=API_PREFIX)


# --------------------------------------------------------------------------- pages


@pages.get("/")
@web.permission_required("planning.read")
def index() -> Any:
    from ordercraft.plugins.planning.runs import get_run, latest_run, run_dict

    session = web.request_session()
    wanted = request.args.get("run")
    run = get_run(session, wanted) if wanted else latest_run(session)
    body = run_dict(session, run, item=request.args.get("item") or None) if run else None
    periods = list(range(1, run.periods + 1)) if run else []
    dates = ({p: run.start_date.toordinal() for p in periods} if run else {})
    return render_template("planning/index.html", body=body, run=run, periods=periods,
                           dates=dates, item=request.args.get("item") or "")


@pages.post("/run")
@web.permission_required("planning.run")
def run_now() -> Any:
    from ordercraft.plugins.planning.site import run_mrp

    session = web.request_session()
    run = run_mrp(session, horizon=request.form.get("horizon") or "12w",
                  bucket=request.form.get("bucket") or "week")
    return redirect(url_for("planning.index", run=run.id))


@pages.post("/orders/<int:order_id>/firm")
@web.permission_required("planning.firm")
def firm_order(order_id: int) -> Any:
    from flask import flash

    from ordercraft.plugins.planning.runs import firm
    from ordercraft.sdk.errors import OrdercraftError

    session = web.request_session()
    try:
        order = firm(session, order_id)
    except OrdercraftError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("planning.index"), code=303)
    flash(_("Planned order %(id)s (%(item)s) is now %(document)s.", id=order.id, item=order.item,
            document=order.firmed_as), "success")
    return redirect(url_for("planning.index", run=order.run_id), code=303)


# --------------------------------------------------------------------------- API


class PegOut(OutputModel):
    ref: str | None = Field(description="The demand served (a customer or production "
                                        "order); null for safety stock.")
    qty: str
    reserve: str | None = None
    item: str | None = None


class PlannedOrderOut(OutputModel):
    id: int
    item: str
    kind: str = Field(description="make or buy")
    qty: str
    due_period: int
    release_period: int
    due_date: Any
    release_date: Any
    late: bool
    supplier: str | None
    pegging: list[PegOut]
    firmed_as: str | None


class RunOut(OutputModel):
    id: int
    created_at: Any
    user: str
    date: Any
    bucket: str
    periods: int
    parameters: dict[str, Any]
    planned_orders_count: int
    exceptions_count: int
    seconds: str


class RunDetailOut(OutputModel):
    ok: bool
    run: RunOut
    low_level_codes: dict[str, int]
    records: dict[str, dict[str, dict[str, str]]]
    planned_orders: list[PlannedOrderOut]
    exceptions: list[dict[str, Any]]


class RunIn(InputModel):
    horizon: str = Field("12w", max_length=10, description="12w, 90d or a number of buckets.")
    bucket: str = Field("week", description="day or week.")
    date: Any = Field(None, description="The first day planned (default: today).")


class RunQuery(PageQuery):
    item: str | None = Field(None, max_length=64, description="Only this item.")


@api_route(api, "/mrp/runs", permission="planning.read",
           query=PageQuery, response=Page[RunOut], tags=["planning"])
def list_runs_api(query: PageQuery) -> Any:
    """List MRP runs, newest first."""
    from ordercraft.plugins.planning.runs import list_runs, run_summary

    found = list_runs(web.request_session(), limit=query.limit, offset=query.offset)
    return {"items": [run_summary(run) for run in found.items], "total": found.total,
            "limit": found.limit, "offset": found.offset}


@api_route(api, "/mrp/runs", permission="planning.run",
           methods=["POST"], body=RunIn, response=RunDetailOut,
           status=201, tags=["planning"])
def create_run(body: RunIn) -> Any:
    """Run MRP on the site and store the run."""
    from ordercraft.plugins.planning.runs import run_dict
    from ordercraft.plugins.planning.site import run_mrp

    session = web.request_session()
    return run_dict(session, run_mrp(session, horizon=body.horizon, bucket=body.bucket,
                                     on=body.date))


@api_route(api, "/mrp/runs/<int:run_id>", permission="planning.read",
           query=RunQuery, response=RunDetailOut,
           errors={404: "No MRP run has this id."}, tags=["planning"])
def get_run_api(run_id: int, query: RunQuery) -> Any:
    """One run in the output format of ``mrp plan``: records, planned orders, exceptions."""
    from ordercraft.plugins.planning.runs import get_run, run_dict

    session = web.request_session()
    return run_dict(session, get_run(session, run_id), item=query.item)


@api_route(api, "/mrp/planned-orders/<int:order_id>/firm", permission="planning.firm",
           methods=["POST"],
           response=PlannedOrderOut, errors={404: "No planned order has this id.",
                                             409: "Firmed already, or nothing to firm it "
                                                  "with (no offer, no production)."},
           tags=["planning"])
def firm_api(order_id: int) -> Any:
    """Firm a planned order into a draft purchase order or a production order."""
    from ordercraft.plugins.planning.runs import firm, order_dict

    return order_dict(firm(web.request_session(), order_id))
