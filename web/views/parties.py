"""Parties (clients and suppliers): list with search and filters, card, create, edit."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.core.errors import OrdercraftError, ValidationError
from ordercraft.core.i18n import gettext
from ordercraft.core.models.entities import PARTY_KINDS
from ordercraft.core.services import parties
from ordercraft.web.auth import permission_required
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

bp = Blueprint("parties", __name__, url_prefix="/parties")

FORM_FIELDS = ("name", "kind", "tags", "source", "tax_id", "phone", "email", "address",
               "notes", "manager")
KIND_CHOICES = [("client", "Client"), ("supplier", "Supplier"), ("both", "Client and supplier")]
SOURCES = ("exhibition", "seminar", "ad", "referral", "web", "call", "partner")
CSV_COLUMNS = ["id", "name", "kind", "tags", "source", "tax_id", "phone", "email", "address",
               "manager", "notes", "created_at", "updated_at"]


@bp.get("/")
@permission_required("party.read")
def index():
    search = request.args.get("q", "").strip()
    kind = request.args.get("kind", "").strip()
    tag = request.args.get("tag", "").strip()
    limit, offset = page_arguments()
    filters = {"search": search or None, "kind": kind or None, "tags": tag or None,
               "custom_fields": requested_filters()}
    error = None
    try:
        if wants_csv():
            return csv_response("client", lambda size, start: parties.list_parties(
                request_session(), **filters, limit=size, offset=start), parties.party_dict,
                CSV_COLUMNS, "parties")
        found = parties.list_parties(request_session(), **filters, limit=limit, offset=offset)
    except ValidationError as exc:  # a filter typed into the address; refusals go up
        error, found = exc.message, None
    pager = Pager(found.total if found else 0, limit, offset, "parties.index",
                  {"q": search, "kind": kind, "tag": tag, "limit": None if limit == 25 else limit,
                   **filter_arguments()})
    return render_template("parties/list.html", found=found, pager=pager, search=search,
                           kind=kind, tag=tag, kinds=PARTY_KINDS, error=error,
                           filtered=bool(search or kind or tag or filter_arguments()))


@bp.get("/<int:party_id>")
@permission_required("party.read")
def detail(party_id: int):
    party = parties.get_party(request_session(), party_id)
    return render_template("parties/detail.html", party=party)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("party.write")
def create():
    if request.method == "GET":
        return _form_page(Form({"kind": request.args.get("kind", "client")}), party=None)
    form = Form.from_request(FORM_FIELDS, "client")
    try:
        party = parties.create_party(request_session(), **form.fields,
                                     custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return _form_page(form.fail(exc), party=None), FORM_ERROR_STATUS
    flash(gettext("Party “%(name)s” was created.", name=party.name), "success")
    return redirect(url_for("parties.detail", party_id=party.id), code=303)


@bp.route("/<int:party_id>/edit", methods=["GET", "POST"])
@permission_required("party.write")
def edit(party_id: int):
    db = request_session()
    party = parties.get_party(db, party_id)
    if request.method == "GET":
        values = {name: "" for name in FORM_FIELDS}
        values.update({key: value for key, value in parties.party_dict(party).items()
                       if key in FORM_FIELDS and value is not None})
        values["tags"] = ", ".join(party.tags)
        form = Form({k: str(v) for k, v in values.items()})
        return _form_page(form.with_custom_fields("client", parties.party_dict(party)[
            "custom_fields"]), party=party)
    form = Form.from_request(FORM_FIELDS, "client")
    try:
        parties.update_party(db, party_id, **form.fields, custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return _form_page(form.fail(exc), party=party), FORM_ERROR_STATUS
    flash(gettext("The changes were saved."), "success")
    return redirect(url_for("parties.detail", party_id=party_id), code=303)


def _form_page(form: Form, party: object | None) -> str:
    from ordercraft.core.services.users import list_users

    form.with_rules("party")
    managers = [("", "—")] + [(u.name, u.full_name or u.name)
                              for u in list_users(request_session()) if u.active]
    return render_template("parties/form.html", form=form, party=party,
                           kind_choices=KIND_CHOICES, managers=managers, sources=SOURCES)
