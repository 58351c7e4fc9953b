"""Stock pages: warehouses, a warehouse's stock, an item's movements with the running
balance, and the receipt and issue forms of a storekeeper."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.stock import api as stock
from ordercraft.web.auth import login_required
from ordercraft.web.extension import request_session
from ordercraft.web.pages import FORM_ERROR_STATUS, Form, Pager, amount_text, page_arguments

bp = Blueprint("stock", __name__, url_prefix="/stock")

#: What each posting form asks, in order; the service names the field of a refusal.
FORMS = {
    "receive": ("item", "warehouse", "qty", "unit_cost", "date", "ref", "note"),
    "issue": ("item", "warehouse", "qty", "holder", "date", "ref", "note"),
}
TITLES = {"receive": "Receive stock", "issue": "Issue stock"}


@bp.get("/")
@login_required
def index():
    return render_template("stock/index.html",
                           warehouses=stock.warehouse_overview(request_session()))


@bp.get("/warehouses/<code>")
@login_required
def warehouse(code: str):
    search = request.args.get("q", "").strip()
    limit, offset = page_arguments()
    found = stock.warehouse_stock(request_session(), code, search=search or None, limit=limit,
                                  offset=offset)
    pager = Pager(found.balances.total, limit, offset, "stock.warehouse",
                  {"code": code, "q": search, "limit": None if limit == 25 else limit})
    return render_template("stock/warehouse.html", found=found, pager=pager, search=search)


@bp.get("/items/<sku>")
@login_required
def item(sku: str):
    place = request.args.get("warehouse", "").strip()
    limit, offset = page_arguments()
    found = stock.item_history(request_session(), sku, warehouse=place or None, limit=limit,
                               offset=offset)
    pager = Pager(found.moves.total, limit, offset, "stock.item",
                  {"sku": sku, "warehouse": place, "limit": None if limit == 25 else limit})
    return render_template("stock/item.html", found=found, pager=pager, place=place)


@bp.route("/<any(receive, issue):action>", methods=["GET", "POST"])
@login_required
def post(action: str):
    if request.method == "GET":
        return _form_page(action, Form({"item": request.args.get("item", ""),
                                        "warehouse": request.args.get("warehouse", "")}))
    form = Form.from_request(FORMS[action])
    values = {key: value.strip() or None for key, value in form.values.items()}
    session = request_session()
    try:
        if action == "receive":
            posted = stock.receive(session, values["item"] or "", values["warehouse"] or "",
                                   values["qty"], values["unit_cost"], date=values["date"],
                                   ref=values["ref"], note=values["note"] or "")
        else:
            posted = stock.issue(session, values["item"] or "", values["warehouse"] or "",
                                 values["qty"], date=values["date"], ref=values["ref"],
                                 holder=values["holder"], note=values["note"] or "")
    except OrdercraftError as exc:
        return _form_page(action, form.fail(exc)), FORM_ERROR_STATUS
    move = posted.moves[0]
    flash(f"{'Received' if action == 'receive' else 'Issued'} "
          f"{stock.qty_text(abs(move.qty), move.precision)} {move.unit} of {move.item} in "
          f"{move.warehouse}, value {amount_text(abs(move.value))} (document {posted.id}).",
          "success")
    return redirect(url_for("stock.item", sku=move.item), code=303)


def _form_page(action: str, form: Form) -> str:
    places = [(w.code, f"{w.code} — {w.name}")
              for w in stock.warehouse_overview(request_session()) if w.active]
    return render_template("stock/form.html", action=action, title=TITLES[action], form=form,
                           warehouses=[("", "Choose…")] + places)
