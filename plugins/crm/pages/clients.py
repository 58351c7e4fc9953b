"""Clients: the list (search, filters, pagination), a new client with its first contact
(warning about possible duplicates), the client card with its timeline, editing, and
adding a contact."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from ordercraft.plugins.crm.pages import acting_user_name, make_blueprint, user_choices
from ordercraft.sdk import custom_fields
from ordercraft.sdk.errors import OrdercraftError, ValidationError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.web import (
    FORM_ERROR_STATUS,
    Form,
    Pager,
    page_arguments,
    permission_required,
    request_session,
)

bp = make_blueprint("crm_clients", "/crm/clients")

PARTY_FIELDS = ("name", "kind", "tags", "source", "tax_id", "phone", "email", "address",
                "notes", "manager")
CONTACT_FIELDS = ("contact_name", "contact_position", "contact_phone", "contact_email",
                  "contact_channels")
KIND_CHOICES = [("client", "Client"), ("both", "Client and supplier")]
FILTERS = ("q", "tag", "source", "manager", "group")
CSV_COLUMNS = ["id", "name", "kind", "tags", "source", "tax_id", "phone", "email", "address",
               "manager", "notes", "open_deals", "open_amount", "last_interaction_at"]


def _filter_choices() -> dict[str, Any]:
    """What the filter bar offers: the tags and sources in use, users and groups."""
    from sqlalchemy import select

    from ordercraft.plugins.crm.clients import CLIENT_KINDS
    from ordercraft.plugins.crm.groups import list_groups
    from ordercraft.sdk.models import Party, PartyTag

    session = request_session()
    tags = list(session.scalars(select(PartyTag.tag).distinct().order_by(PartyTag.tag)))
    sources = list(session.scalars(select(Party.source).distinct().where(
        Party.source != "", Party.kind.in_(CLIENT_KINDS)).order_by(Party.source)))
    return {"tags": tags, "sources": sources, "managers": user_choices(empty="Anyone"),
            "groups": [(str(g.id), g.name) for g in list_groups(session)]}


@bp.get("/")
@permission_required("party.read")
def index():
    from ordercraft.plugins.crm.clients import client_dict, list_clients

    values = {name: request.args.get(name, "").strip() for name in FILTERS}
    limit, offset = page_arguments()
    filters = {"search": values["q"] or None, "tags": values["tag"] or None,
               "source": values["source"] or None, "manager": values["manager"] or None,
               "group": values["group"] or None,
               "custom_fields": custom_fields.requested_filters()}
    error = None
    try:
        if custom_fields.wants_csv():
            return custom_fields.csv_response("client", lambda size, start: list_clients(
                request_session(), **filters, limit=size, offset=start), client_dict,
                CSV_COLUMNS, "clients")
        found = list_clients(request_session(), **filters, limit=limit, offset=offset)
    except ValidationError as exc:  # a filter edited by hand in the address
        error, found = exc.message, None
    except OrdercraftError as exc:
        if exc.http_status != 404:
            raise
        error, found = exc.message, None
    pager = Pager(found.total if found else 0, limit, offset, "crm_clients.index",
                  {**values, "limit": None if limit == 25 else limit,
                   **custom_fields.filter_arguments()})
    return render_template("crm/clients.html", found=found, pager=pager, values=values,
                           error=error, **_filter_choices(), filtered=any(values.values())
                           or bool(custom_fields.filter_arguments()))


def _contact_values(form: Form) -> list[dict[str, Any]]:
    from ordercraft.plugins.crm.clients import parse_channels

    values = form.values
    if not any(values.get(name, "").strip() for name in CONTACT_FIELDS):
        return []
    channels = parse_channels(values.get("contact_channels", ""), field="contact_channels")
    return [{"name": values.get("contact_name", ""), "position": values.get("contact_position"),
             "phone": values.get("contact_phone"), "email": values.get("contact_email"),
             "channels": channels}]


def _duplicate_field(form: Form, match: Any) -> str:
    """The field of the form that holds the value a duplicate matched."""
    from ordercraft.plugins.crm.duplicates import email_key, phone_key, tax_id_key

    key = {"phone": phone_key, "email": email_key, "tax_id": tax_id_key}[match.field]
    if key(form.values.get(match.field, "")) == key(match.value):
        return match.field
    if match.field in ("phone", "email"):
        if key(form.values.get(f"contact_{match.field}", "")) == key(match.value):
            return f"contact_{match.field}"
        return "contact_channels"
    return match.field


def _short_duplicate(exc: Any, form: Form) -> Any:
    """Next to the field, a short word: the warning above the form lists the matches."""
    match = exc.matches[0]
    exc.field = _duplicate_field(form, match)
    exc.message = f"Also the {match.field.replace('_', ' ')} of {match.party_name}"
    return exc


def _with_contact_fields(exc: OrdercraftError, form: Form) -> OrdercraftError:
    """An error about the first contact (``contacts.0.email``) belongs next to the form's
    contact field (``contact_email``)."""
    if exc.field and exc.field.startswith("contacts.0."):
        name = exc.field.removeprefix("contacts.0.")
        exc.message = exc.message.removeprefix(f"{exc.field}: ")
        exc.field = f"contact_{name}" if f"contact_{name}" in form.values else ""
    return exc


@bp.route("/new", methods=["GET", "POST"])
@permission_required("party.write")
def create():
    from ordercraft.plugins.crm.clients import PossibleDuplicate, create_client

    if request.method == "GET":
        return _form_page(Form({"kind": "client", "manager": acting_user_name()}), None)
    form = Form.from_request((*PARTY_FIELDS, *CONTACT_FIELDS), "client")
    confirm = request.form.get("confirm_duplicate") == "1"
    session = request_session()
    try:
        party_values = {name: form.values[name] for name in PARTY_FIELDS}
        client = create_client(session, party_values.pop("name"), confirm_duplicate=confirm,
                               contacts=_contact_values(form), **party_values,
                               custom_fields=form.custom_fields)
    except PossibleDuplicate as exc:
        return (_form_page(form.fail(_short_duplicate(exc, form)), None,
                           duplicates=exc.matches), FORM_ERROR_STATUS)
    except OrdercraftError as exc:
        return _form_page(form.fail(_with_contact_fields(exc, form)), None), FORM_ERROR_STATUS
    flash(_("Client “%(name)s” was created.", name=client.name), "success")
    return redirect(url_for("crm_clients.card", client_id=client.id), code=303)


def _form_page(form: Form, client: Any, duplicates: Any = None) -> str:
    from ordercraft.plugins.crm.clients import SOURCES

    return render_template("crm/client_form.html", form=form.with_rules("party"), client=client,
                           kind_choices=KIND_CHOICES, managers=user_choices(),
                           sources=SOURCES, duplicates=duplicates)


@bp.get("/<int:client_id>")
@permission_required("party.read")
def card(client_id: int):
    from ordercraft.plugins.crm.clients import client_figures, get_client
    from ordercraft.plugins.crm.deals import list_deals
    from ordercraft.plugins.crm.funnel import stage_labels
    from ordercraft.plugins.crm.timeline import client_timeline

    session = request_session()
    client = get_client(session, client_id)
    limit, offset = page_arguments(default_limit=20, max_limit=100)
    history = client_timeline(session, client.id, limit=limit, offset=offset)
    pager = Pager(history.total, limit, offset, "crm_clients.card",
                  {"client_id": client.id, "limit": None if limit == 20 else limit})
    deals = list_deals(session, client=client.id, limit=50)
    tasks = _tasks(session, client.id)
    return render_template("crm/client_card.html", client=client,
                           figures=client_figures(session, client), history=history,
                           pager=pager, deals=deals, tasks=tasks, labels=stage_labels())


def _tasks(session: Any, client_id: int) -> Any:
    from ordercraft.plugins.crm.clients import client_tasks
    from ordercraft.sdk.errors import PermissionDenied

    try:
        return client_tasks(session, client_id)
    except PermissionDenied:  # a user without task.read sees the card without them
        return None


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@permission_required("party.write")
def edit(client_id: int):
    from ordercraft.plugins.crm.clients import PossibleDuplicate, get_client, update_client
    from ordercraft.sdk.parties import party_dict

    session = request_session()
    client = get_client(session, client_id)
    if request.method == "GET":
        values = {name: "" for name in PARTY_FIELDS}
        values.update({key: str(value) for key, value in party_dict(client).items()
                       if key in PARTY_FIELDS and value is not None})
        values["tags"] = ", ".join(client.tags)
        form = Form(values).with_custom_fields("client", custom_fields.values_of(client))
        return _form_page(form, client)
    form = Form.from_request(PARTY_FIELDS, "client")
    confirm = request.form.get("confirm_duplicate") == "1"
    try:
        update_client(session, client.id, confirm_duplicate=confirm, **form.fields,
                      custom_fields=form.custom_fields)
    except PossibleDuplicate as exc:
        return (_form_page(form.fail(_short_duplicate(exc, form)), client,
                           duplicates=exc.matches), FORM_ERROR_STATUS)
    except OrdercraftError as exc:
        return _form_page(form.fail(exc), client), FORM_ERROR_STATUS
    flash(_("The changes were saved."), "success")
    return redirect(url_for("crm_clients.card", client_id=client.id), code=303)


CONTACT_FORM = ("name", "position", "phone", "email", "channels", "notes")


@bp.route("/<int:client_id>/contacts/new", methods=["GET", "POST"])
@permission_required("party.write")
def add_contact(client_id: int):
    from ordercraft.plugins.crm.clients import add_contact as add
    from ordercraft.plugins.crm.clients import get_client, parse_channels

    session = request_session()
    client = get_client(session, client_id)
    if request.method == "GET":
        return render_template("crm/contact_form.html", form=Form(), client=client)
    form = Form.from_request(CONTACT_FORM, "contact")
    try:
        values = form.fields
        values["channels"] = parse_channels(values["channels"])
        contact = add(session, client.id, **values, custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return (render_template("crm/contact_form.html", form=form.fail(exc), client=client),
                FORM_ERROR_STATUS)
    flash(_("%(name)s was added to the contacts.", name=contact.name), "success")
    return redirect(url_for("crm_clients.card", client_id=client.id), code=303)
