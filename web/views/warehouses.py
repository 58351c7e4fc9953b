"""Warehouses in the browser: the list (search, active filter, export), add, edit,
deactivate and reactivate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.i18n import gettext
from ordercraft.core.permissions import has_permission
from ordercraft.core.services import warehouses
from ordercraft.web.auth import current_user, permission_required
from ordercraft.web.extension import request_session
from ordercraft.web.pages import (
    FORM_ERROR_STATUS,
    Form,
    Pager,
    csv_response,
    page_arguments,
    wants_csv,
)

bp = Blueprint("warehouses", __name__)

WAREHOUSE_FORM = ("code", "name", "address")
WAREHOUSE_COLUMNS = ["id", "code", "name", "address", "active"]
ACTIVE_CHOICES = [("", "All"), ("true", "Active"), ("false", "Inactive")]


def _can(permission: str) -> bool:
    return has_permission(current_user(), permission)



@bp.get("/warehouses/")
@permission_required("warehouse.read")
def index():
    search = request.args.get("q", "").strip()
    active = request.args.get("active", "").strip()
    limit, offset = page_arguments()
    filters = {"search": search or None, "active": active or None}
    if wants_csv():
        return csv_response(None, lambda size, start: warehouses.list_warehouses(
            request_session(), **filters, limit=size, offset=start), warehouses.warehouse_dict,
            WAREHOUSE_COLUMNS, "warehouses")
    found = warehouses.list_warehouses(request_session(), **filters, limit=limit, offset=offset)
    pager = Pager(found.total, limit, offset, "warehouses.index",
                  {"q": search, "active": active, "limit": None if limit == 25 else limit})
    return render_template("warehouses/list.html", found=found, pager=pager, search=search,
                           active=active, choices=ACTIVE_CHOICES,
                           can_write=_can("warehouse.write"), can_stock=_can("stock.read"))


@bp.route("/warehouses/new", methods=["GET", "POST"])
@permission_required("warehouse.write")
def create():
    if request.method == "GET":
        return render_template("warehouses/form.html", form=Form(), warehouse=None)
    form = Form.from_request(WAREHOUSE_FORM)
    try:
        place = warehouses.create_warehouse(request_session(), form.values["code"].strip(),
                                            name=form.values["name"],
                                            address=form.values["address"])
    except OrdercraftError as exc:
        return render_template("warehouses/form.html", form=form.fail(exc),
                               warehouse=None), FORM_ERROR_STATUS
    flash(gettext("Warehouse %(code)s was added.", code=place.code), "success")
    return redirect(url_for("warehouses.index"), code=303)


@bp.route("/warehouses/<code>/edit", methods=["GET", "POST"])
@permission_required("warehouse.write")
def edit(code: str):
    place = warehouses.get_warehouse(request_session(), code)
    if request.method == "GET":
        return render_template("warehouses/form.html", warehouse=place, form=Form(
            {"code": place.code, "name": place.name, "address": place.address}))
    form = Form.from_request(WAREHOUSE_FORM)
    try:
        saved = warehouses.update_warehouse(request_session(), code,
                                            code=form.values["code"].strip(),
                                            name=form.values["name"],
                                            address=form.values["address"])
    except OrdercraftError as exc:
        return render_template("warehouses/form.html", form=form.fail(exc),
                               warehouse=place), FORM_ERROR_STATUS
    flash(gettext("Warehouse %(code)s was saved.", code=saved.code), "success")
    return redirect(url_for("warehouses.index"), code=303)


@bp.post("/warehouses/<code>/active")
@permission_required("warehouse.write")
def active(code: str):
    active = request.form.get("active") == "yes"
    place = warehouses.update_warehouse(request_session(), code, active=active)
    flash(gettext("Warehouse %(code)s was reactivated.", code=place.code) if active
          else gettext("Warehouse %(code)s was deactivated.", code=place.code), "success")
    return redirect(url_for("warehouses.index"), code=303)
