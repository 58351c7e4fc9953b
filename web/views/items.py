"""The catalogue: items (list with search and filters, card, add, edit, other units)
and item groups as a tree."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.core.errors import NotFound, OrdercraftError, ValidationError
from ordercraft.core.i18n import gettext
from ordercraft.core.models.entities import ITEM_KINDS, VALUATIONS
from ordercraft.core.permissions import has_permission
from ordercraft.core.services import catalog, items
from ordercraft.web.auth import current_user, permission_required
from ordercraft.web.extension import request_session
from ordercraft.web.pages import (
    FORM_ERROR_STATUS,
    Form,
    Pager,
    csv_response,
    filter_arguments,
    page_arguments,
    requested_filters,
    wants_csv,
)

bp = Blueprint("items", __name__)

ITEM_FORM = ("sku", "name", "kind", "group", "unit", "unit_precision", "valuation", "price",
             "standard_cost", "description", "active")
ITEM_COLUMNS = ["id", "sku", "name", "kind", "group", "unit", "unit_precision", "valuation",
                "price", "standard_cost", "active", "description", "created_at", "updated_at"]


def _can(permission: str) -> bool:
    return has_permission(current_user(), permission)


def _group_choices(blank: str = "—") -> list[tuple[str, str]]:
    return [("", blank)] + [(group.name, "\u2003" * depth + group.name)
                            for group, depth, _count in catalog.group_tree(request_session())]


# --------------------------------------------------------------------------- items


@bp.get("/items/")
@permission_required("item.read")
def index():
    args = {key: request.args.get(key, "").strip()
            for key in ("q", "kind", "valuation", "active", "group")}
    limit, offset = page_arguments()
    filters = {"search": args["q"] or None, "kind": args["kind"] or None,
               "valuation": args["valuation"] or None, "active": args["active"] or None,
               "group": args["group"] or None, "custom_fields": requested_filters()}
    error = None
    found = None
    try:
        if wants_csv():
            return csv_response("item", lambda size, start: items.list_items(
                request_session(), **filters, limit=size, offset=start), items.item_dict,
                ITEM_COLUMNS, "items")
        found = items.list_items(request_session(), **filters, limit=limit, offset=offset)
    except (ValidationError, NotFound) as exc:  # a filter typed into the address
        error = exc.message
    pager = Pager(found.total if found else 0, limit, offset, "items.index",
                  {**args, "limit": None if limit == 25 else limit, **filter_arguments()})
    return render_template(
        "items/list.html", found=found, pager=pager, args=args, error=error,
        kinds=ITEM_KINDS, valuations=VALUATIONS, groups=_group_choices(""),
        filtered=any(args.values()) or bool(filter_arguments()), can_write=_can("item.write"))


@bp.get("/items/<sku>")
@permission_required("item.read")
def card(sku: str):
    from ordercraft.core.stock import api as stock

    session = request_session()
    item = items.get_item(session, sku)
    balances = (stock.balances(session, item=item.sku, include_empty=True, limit=200).items
                if _can("stock.read") else None)
    return render_template(
        "items/card.html", item=item, balances=balances,
        group_path=catalog.group_path(session, item.group), form=Form(),
        can_write=_can("item.write"), can_post=_can("stock.post"))


@bp.route("/items/new", methods=["GET", "POST"])
@permission_required("item.write")
def create():
    if request.method == "GET":
        return _item_form(Form({"kind": "good", "unit": "pc", "unit_precision": "0",
                                "valuation": "fifo", "price": "0",
                                "group": request.args.get("group", ""), "active": "yes"}),
                          None)
    form = Form.from_request(ITEM_FORM, "item")
    values = _item_values(form)
    try:
        item = items.create_item(request_session(), values.pop("sku") or "", **values,
                                 custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return _item_form(form.fail(exc), None), FORM_ERROR_STATUS
    flash(gettext("Item %(sku)s was added.", sku=item.sku), "success")
    return redirect(url_for("items.card", sku=item.sku), code=303)


@bp.route("/items/<sku>/edit", methods=["GET", "POST"])
@permission_required("item.write")
def edit(sku: str):
    item = items.get_item(request_session(), sku)
    if request.method == "GET":
        document = items.item_dict(item)
        form = Form({key: "" if document.get(key) is None else str(document[key])
                     for key in ITEM_FORM})
        form.values["active"] = "yes" if item.active else "no"
        return _item_form(form.with_custom_fields("item", document["custom_fields"]), item)
    form = Form.from_request(ITEM_FORM, "item")
    values = _item_values(form)
    try:
        saved = items.update_item(request_session(), sku, **values,
                                  custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return _item_form(form.fail(exc), item), FORM_ERROR_STATUS
    flash(gettext("Item %(sku)s was saved.", sku=saved.sku), "success")
    return redirect(url_for("items.card", sku=saved.sku), code=303)


def _item_values(form: Form) -> dict[str, Any]:
    values: dict[str, Any] = {key: value.strip() for key, value in form.fields.items()}
    values["active"] = values.get("active") or "no"
    if values.get("group") is None:
        values["group"] = ""
    return values


def _item_form(form: Form, item: Any) -> str:
    return render_template("items/form.html", form=form, item=item,
                           kinds=[(k, k) for k in ITEM_KINDS],
                           valuations=[(v, v) for v in VALUATIONS],
                           groups=_group_choices())


@bp.post("/items/<sku>/units")
@permission_required("item.write")
def set_unit(sku: str):
    session = request_session()
    form = Form.from_request(("unit", "factor"))
    try:
        saved = catalog.set_unit(session, sku, form.values["unit"].strip(),
                                 form.values["factor"].strip())
    except OrdercraftError as exc:
        item = items.get_item(session, sku)
        return render_template(
            "items/card.html", item=item, balances=None, form=form.fail(exc),
            group_path=catalog.group_path(session, item.group), can_write=True,
            can_post=False), FORM_ERROR_STATUS
    flash(f"1 {saved.unit} = {saved.factor.normalize():f} {saved.item.unit}.", "success")
    return redirect(url_for("items.card", sku=sku), code=303)


@bp.post("/items/<sku>/units/<unit>/remove")
@permission_required("item.write")
def remove_unit(sku: str, unit: str):
    catalog.remove_unit(request_session(), sku, unit)
    flash(gettext("Unit %(unit)s was removed.", unit=unit), "success")
    return redirect(url_for("items.card", sku=sku), code=303)


# --------------------------------------------------------------------------- groups


@bp.get("/items/groups")
@permission_required("item.read")
def groups():
    return _groups_page(Form({"name": "", "parent": request.args.get("parent", "")}))


@bp.post("/items/groups/new")
@permission_required("item.write")
def create_group():
    form = Form.from_request(("name", "parent"))
    try:
        group = catalog.create_group(request_session(), form.values["name"],
                                     parent=form.values["parent"] or None)
    except OrdercraftError as exc:
        return _groups_page(form.fail(exc)), FORM_ERROR_STATUS
    flash(gettext("Group %(name)s was added.", name=group.name), "success")
    return redirect(url_for("items.groups"), code=303)


def _groups_page(form: Form) -> str:
    tree = catalog.group_tree(request_session())
    return render_template("items/groups.html", tree=tree,
                           names={group.id: group.name for group, _d, _c in tree}, form=form,
                           parents=_group_choices(), can_write=_can("item.write"))


@bp.post("/items/groups/<int:group_id>")
@permission_required("item.write")
def change_group(group_id: int):
    session = request_session()
    action = request.form.get("action", "save")
    try:
        if action == "delete":
            name = catalog.get_group(session, group_id).name
            catalog.delete_group(session, group_id)
            flash(gettext("Group %(name)s was removed.", name=name), "success")
        else:
            group = catalog.update_group(session, group_id, name=request.form.get("name"),
                                         parent=request.form.get("parent") or None, move=True)
            flash(gettext("Group %(name)s was saved.", name=group.name), "success")
    except OrdercraftError as exc:
        from ordercraft.web.extension import mark_failed

        mark_failed()
        flash(exc.message, "error")
    return redirect(url_for("items.groups"), code=303)

