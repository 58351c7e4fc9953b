"""Stock pages: warehouses, a warehouse's stock, an item's movements with the running
balance and its details (custom fields included) with their form, and the receipt and
issue forms of a storekeeper."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.i18n import N_, gettext
from ordercraft.core.models.entities import ITEM_KINDS, VALUATIONS
from ordercraft.core.services import items
from ordercraft.core.services.fields import STOCK_RULES, check_all
from ordercraft.core.stock import api as stock
from ordercraft.web.auth import permission_required
from ordercraft.web.extension import request_session
from ordercraft.web.pages import (
    FORM_ERROR_STATUS,
    Form,
    Pager,
    amount_text,
    csv_response,
    page_arguments,
    wants_csv,
)

bp = Blueprint("stock", __name__, url_prefix="/stock")

#: What each posting form asks, in order; the service names the field of a refusal.
FORMS = {
    "receive": ("item", "warehouse", "qty", "unit_cost", "date", "ref", "note"),
    "issue": ("item", "warehouse", "qty", "holder", "date", "ref", "note"),
    "transfer": ("item", "warehouse", "to", "qty", "holder", "date", "ref", "note"),
    "write-off": ("item", "warehouse", "qty", "holder", "date", "ref", "note"),
    "count": ("item", "warehouse", "qty", "unit_cost", "date", "ref", "note"),
}
TITLES = {"receive": N_("Receive stock"), "issue": N_("Issue stock"),
          "transfer": N_("Move stock to another warehouse"), "write-off": N_("Write off stock"),
          "count": N_("Count stock")}
#: What a posting did, said whole so that each language orders the words its own way.
DONE = {"receive": N_("Received %(qty)s %(unit)s of %(item)s in %(warehouse)s, value "
                      "%(value)s (document %(document)s)."),
        "issue": N_("Issued %(qty)s %(unit)s of %(item)s in %(warehouse)s, value %(value)s "
                    "(document %(document)s)."),
        "transfer": N_("Moved %(qty)s %(unit)s of %(item)s from %(warehouse)s to %(to)s, "
                       "value %(value)s (document %(document)s)."),
        "write-off": N_("Wrote off %(qty)s %(unit)s of %(item)s in %(warehouse)s, value "
                        "%(value)s (document %(document)s).")}
ITEM_FORM = ("name", "kind", "unit", "unit_precision", "valuation", "price", "description")


#: The columns of an export of stock balances.
BALANCE_COLUMNS = ["item", "item_name", "warehouse", "unit", "valuation", "qty", "reserved",
                   "available", "unit_cost", "value"]


def _balances_export(warehouse: str | None, search: str | None) -> Response:
    """Every balance (of one warehouse, of the items found), as CSV or XLSX."""
    return csv_response(None, lambda size, start: stock.balances(
        request_session(), warehouse=warehouse, search=search, limit=size, offset=start),
        lambda balance: balance.to_dict(), BALANCE_COLUMNS,
        f"stock-{warehouse}" if warehouse else "stock")


@bp.get("/")
@permission_required("stock.read")
def index():
    if wants_csv():
        return _balances_export(None, None)
    return render_template("stock/index.html",
                           warehouses=stock.warehouse_overview(request_session()))


@bp.get("/warehouses/<code>")
@permission_required("warehouse.read")
def warehouse(code: str):
    search = request.args.get("q", "").strip()
    if wants_csv():
        return _balances_export(code, search or None)
    limit, offset = page_arguments()
    found = stock.warehouse_stock(request_session(), code, search=search or None, limit=limit,
                                  offset=offset)
    pager = Pager(found.balances.total, limit, offset, "stock.warehouse",
                  {"code": code, "q": search, "limit": None if limit == 25 else limit})
    return render_template("stock/warehouse.html", found=found, pager=pager, search=search)


@bp.get("/items/<sku>")
@permission_required("item.read")
def item(sku: str):
    place = request.args.get("warehouse", "").strip()
    limit, offset = page_arguments()
    found = stock.item_history(request_session(), sku, warehouse=place or None, limit=limit,
                               offset=offset)
    pager = Pager(found.moves.total, limit, offset, "stock.item",
                  {"sku": sku, "warehouse": place, "limit": None if limit == 25 else limit})
    return render_template("stock/item.html", found=found, pager=pager, place=place,
                           item=items.get_item(request_session(), sku))


@bp.route("/items/<sku>/edit", methods=["GET", "POST"])
@permission_required("item.write")
def edit_item(sku: str):
    item = items.get_item(request_session(), sku)
    if request.method == "GET":
        document = items.item_dict(item)
        form = Form({key: "" if document[key] is None else str(document[key])
                     for key in ITEM_FORM})
        return _item_form(form.with_custom_fields("item", document["custom_fields"]), item)
    form = Form.from_request(ITEM_FORM, "item")
    try:
        items.update_item(request_session(), sku, **form.fields,
                          custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return _item_form(form.fail(exc), item), FORM_ERROR_STATUS
    flash(gettext("Item %(sku)s was saved.", sku=sku), "success")
    return redirect(url_for("stock.item", sku=sku), code=303)


def _item_form(form: Form, item: object) -> str:
    return render_template("stock/item_form.html", form=form, item=item,
                           kinds=[(k, k) for k in ITEM_KINDS],
                           valuations=[(v, v) for v in VALUATIONS])


@bp.route('/<any(receive, issue, transfer, "write-off", count):action>',
          methods=["GET", "POST"])
@permission_required("stock.post")
def post(action: str):
    if request.method == "GET":
        return _form_page(action, Form({"item": request.args.get("item", ""),
                                        "warehouse": request.args.get("warehouse", "")}))
    form = Form.from_request(FORMS[action])
    values = {key: value.strip() or None for key, value in form.values.items()}
    try:
        # Every mistake in the numbers at once, before the posting checks the rest.
        check_all(STOCK_RULES, {name: values[name] for name in STOCK_RULES if name in values})
        posted = _post(action, values)
    except OrdercraftError as exc:
        return _form_page(action, form.fail(exc)), FORM_ERROR_STATUS
    flash(_done(action, posted), "success")
    sku = posted.moves[0].item if posted.moves else posted.details["counted"][0]["item"]
    return redirect(url_for("stock.item", sku=sku), code=303)


def _post(action: str, values: dict[str, str | None]) -> stock.PostedDocument:
    session = request_session()
    item, place, qty = values["item"] or "", values["warehouse"] or "", values["qty"]
    common = {"date": values["date"], "ref": values["ref"], "note": values["note"] or ""}
    if action == "receive":
        return stock.receive(session, item, place, qty, values["unit_cost"], **common)
    if action == "count":
        return stock.count(session, item, place, qty, unit_cost=values["unit_cost"], **common)
    if action == "transfer":
        return stock.transfer(session, item, place, values["to"] or "", qty,
                              holder=values["holder"], **common)
    post_one = stock.issue if action == "issue" else stock.write_off
    return post_one(session, item, place, qty, holder=values["holder"], **common)


def _done(action: str, posted: stock.PostedDocument) -> str:
    if action == "count":
        counted = posted.details["counted"][0]
        if not posted.moves:
            return gettext("Counted %(counted)s of %(item)s in %(warehouse)s: as in the books, "
                           "nothing to post (document %(document)s).",
                           counted=counted["counted"], item=counted["item"],
                           warehouse=counted["warehouse"], document=posted.id)
        move = posted.moves[0]
        difference = dict(counted=counted["counted"], item=counted["item"],
                          warehouse=counted["warehouse"], book=counted["book"],
                          qty=stock.qty_text(abs(move.qty), move.precision), unit=move.unit,
                          value=amount_text(abs(move.value)), document=posted.id)
        if move.qty > 0:
            return gettext("Counted %(counted)s of %(item)s in %(warehouse)s (%(book)s in the "
                           "books): gain of %(qty)s %(unit)s, value %(value)s (document "
                           "%(document)s).", **difference)
        return gettext("Counted %(counted)s of %(item)s in %(warehouse)s (%(book)s in the "
                       "books): loss of %(qty)s %(unit)s, value %(value)s (document "
                       "%(document)s).", **difference)
    move = posted.moves[0]
    return gettext(DONE[action], qty=stock.qty_text(abs(move.qty), move.precision),
                   unit=move.unit, item=move.item, warehouse=move.warehouse,
                   to=posted.moves[-1].warehouse, value=amount_text(abs(move.value)),
                   document=posted.id)


def _form_page(action: str, form: Form) -> str:
    places = [(w.code, f"{w.code} — {w.name}")
              for w in stock.warehouse_overview(request_session()) if w.active]
    return render_template("stock/form.html", action=action, title=gettext(TITLES[action]),
                           form=form.with_rules("stock"),
                           warehouses=[("", gettext("Choose…"))] + places)
