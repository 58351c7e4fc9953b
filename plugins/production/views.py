"""The production pages: production orders (list; page with stage progress, component
availability green/amber/red, operations, the postings it made, workflow buttons and the
forms to report a part or a stage), a product's BOM as an indented tree with its planned
cost, and the work-centre load (hours planned per centre and day)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.web import Pager, page_arguments, permission_required, request_session

bp = Blueprint("production", __name__, url_prefix="/production", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.get("/")
@permission_required("production.read")
def index():
    from ordercraft.plugins.production.orders import _skus, list_orders, summary_dict

    state = request.args.get("state", "").strip()
    limit, offset = page_arguments()
    session = request_session()
    found = list_orders(session, state=state or None, limit=limit, offset=offset)
    skus = _skus(session, {o.item_id for o in found.items}) if found.items else {}
    rows = [summary_dict(o, skus[o.item_id].sku) for o in found.items]
    pager = Pager(found.total, limit, offset, "production.index", {"state": state or None})
    return render_template("production/list.html", rows=rows, pager=pager, state=state,
                           states=["", "draft", "released", "in_progress", "done",
                                   "cancelled"])


def _order_page(order: Any, error: str | None = None, status: int = 200) -> Any:
    from ordercraft.plugins.production.orders import availability, order_dict, stages
    from ordercraft.sdk.web import document_panel

    session = request_session()
    body = order_dict(session, order)
    return render_template(
        "production/order.html", order=order, body=body, panel=document_panel(order),
        availability={row["item"]: row for row in availability(session, order)},
        stages=stages(order), error=error, qty_attributes=_report_rule(session, order),
        open=order.state in ("released", "in_progress")), status


def _report_rule(session: Any, order: Any) -> dict[str, str]:
    """The reported quantity's input attributes: the item's unit's decimal places, at
    most what is left (the transition checks the same)."""
    from decimal import Decimal

    from ordercraft.sdk import validation
    from ordercraft.sdk.models import Item

    item = session.get(Item, order.item_id)
    left = Decimal(format((order.qty - order.qty_done).normalize(), "f"))
    return validation.FieldRule("decimal", places=item.unit_precision or 0, minimum=0,
                                maximum=left).attributes()


@bp.get("/<int:document_id>")
@permission_required("production.read")
def order(document_id: int):
    from ordercraft.plugins.production.orders import get_order

    return _order_page(get_order(request_session(), document_id))


@bp.post("/<int:document_id>/report")
@permission_required("production.write")
def report(document_id: int):
    """Report a part produced (qty) or a stage done (stage), by the order's transitions."""
    from ordercraft.plugins.production.orders import get_order
    from ordercraft.sdk.workflow import transition

    session = request_session()
    order = get_order(session, document_id)
    stage, qty = request.form.get("stage", "").strip(), request.form.get("qty", "").strip()
    try:
        with session.begin_nested():
            if stage:
                transition(session, order, "report_stage", data={"stage": stage})
            else:
                name = "done" if not qty or _finishes(order, qty) else "produce"
                transition(session, order, name, data={"qty": qty} if qty else {})
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        session.expire_all()
        return _order_page(get_order(session, document_id), exc.message, 422)
    flash(_("Production order %(number)s: %(state)s.", number=order.number,
            state=order.state.replace('_', ' ')))
    return redirect(url_for("production.order", document_id=document_id))


def _finishes(order: Any, qty: str) -> bool:
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(qty) >= order.qty - order.qty_done
    except InvalidOperation:
        return False  # the transition's check names the bad value


@bp.get("/boms/<sku>")
@permission_required("bom.read")
def bom(sku: str):
    from ordercraft.plugins.production.boms import active_bom, bom_dict, explosion
    from ordercraft.plugins.production.costing import plan_cost

    session = request_session()
    qty = request.args.get("qty", "1").strip() or "1"
    method = request.args.get("method", "rolled")
    body = bom_dict(session, active_bom(session, sku))
    return render_template("production/bom.html", body=body, qty=qty, method=method,
                           rows=explosion(session, sku, qty),
                           cost=plan_cost(session, sku, method=method, qty=qty))


@bp.post("/boms/<sku>")
@permission_required("bom.write")
def edit_bom(sku: str):
    """Inline quantity edits of the active version's lines: the version is saved again
    with the new quantities (one transaction; a bad quantity is shown, nothing saved)."""
    from ordercraft.plugins.production.boms import active_bom, bom_dict

    session = request_session()
    body = bom_dict(session, active_bom(session, sku))
    try:
        with session.begin_nested():
            _save_edited(session, sku, body)
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        flash(exc.message, "error")
        return redirect(_bom_url(sku))
    flash(_("Saved version %(version)s of the BOM of %(sku)s.", version=body['version'], sku=sku))
    return redirect(_bom_url(sku))


def _bom_url(sku: str) -> str:
    """The BOM page again, with the quantity and method the editor's page was costed at."""
    return url_for("production.bom", sku=sku, qty=request.form.get("cost_qty") or None,
                   method=request.form.get("cost_method") or None)


def _save_edited(session: Any, sku: str, body: dict[str, Any]) -> None:
    """Save the active version again with the quantities of the editor's form."""
    from ordercraft.plugins.production.boms import add_bom

    lines = [{"component": line["component"], "unit": line["unit"],
              "qty": request.form.get(f"qty.{line['position']}", line["qty"]).strip(),
              "scrap_pct": line["scrap_pct"], "kind": line["kind"],
              "cost_share": line["cost_share"] if line["kind"] == "byproduct" else None,
              "phantom": line["phantom"], "stage": line["stage"]} for line in body["lines"]]
    add_bom(session, sku, lines, output_qty=body["output_qty"],
            output_unit=body["output_unit"], version=body["version"],
            valid_from=body["valid_from"], routing=body["routing"])


@bp.post("/boms/<sku>/preview")
@permission_required("bom.write")
def preview_bom(sku: str):
    """The BOM page's content with the editor's quantities (its tree and planned cost;
    the editor's script swaps those two in): the version is saved in a savepoint,
    exploded, costed, and rolled back (nothing is kept). A refused quantity gives the
    saved tree and the error in place of the cost."""
    from ordercraft.plugins.production.boms import active_bom, bom_dict, explosion
    from ordercraft.plugins.production.costing import plan_cost

    session = request_session()
    body = bom_dict(session, active_bom(session, sku))
    qty = request.form.get("cost_qty", "1").strip() or "1"
    method = request.form.get("cost_method", "rolled")
    cost, error, rows = None, None, None
    savepoint = session.begin_nested()
    try:
        _save_edited(session, sku, body)
        rows = explosion(session, sku, qty)
        cost = plan_cost(session, sku, method=method, qty=qty)
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        error = exc.message
    finally:
        savepoint.rollback()
    if rows is None:  # the edit is refused: the saved tree stays
        try:
            rows = explosion(session, sku, qty)
        except OrdercraftError:
            rows = []
    return _page_content("production/bom.html", body=body, qty=qty, method=method, rows=rows,
                         cost=cost, error=error)


def _page_content(template: str, **context: Any) -> str:
    """A page's ``content`` block alone (no layout around it): what a script fetches to
    swap parts of the page in."""
    from flask import current_app

    current_app.update_template_context(context)
    page = current_app.jinja_env.get_template(template)
    return "".join(page.blocks["content"](page.new_context(context)))


@bp.get("/load")
@permission_required("production.read")
def load():
    """Hours planned per work centre and day: the operations of open orders, by due date."""
    from ordercraft.plugins.production.orders import centre_load

    rows, days = centre_load(request_session())
    return render_template("production/load.html", rows=rows, days=days)
