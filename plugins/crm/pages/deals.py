"""Deals: the funnel board by stage, the deal list, a new deal, the deal page with its
transition buttons and history, and editing."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from ordercraft.plugins.crm.pages import acting_user_name, make_blueprint, money_text, user_choices
from ordercraft.sdk import custom_fields
from ordercraft.sdk.errors import OrdercraftError, ValidationError
from ordercraft.sdk.i18n import _, lazy_gettext
from ordercraft.sdk.web import (
    FORM_ERROR_STATUS,
    Form,
    Pager,
    current_user,
    page_arguments,
    permission_required,
    request_session,
)

bp = make_blueprint("crm_deals", "/crm/deals")

DEAL_FORM = ("client", "title", "amount", "expected_close", "probability", "source",
             "manager", "contact", "notes")
#: The move that takes a deal forward from each open stage (the board's quick button),
#: with the button's text.
FORWARD = {"lead": ("qualify", lazy_gettext("Qualify")),
           "qualified": ("propose", lazy_gettext("Send proposal")),
           "proposal": ("negotiate", lazy_gettext("Negotiate")),
           "negotiation": ("win", lazy_gettext("Mark won"))}
LIST_FILTERS = ("q", "state", "manager", "source", "open", "sort")
CSV_COLUMNS = ["id", "title", "client", "client_id", "state", "amount", "probability",
               "weighted_amount", "expected_close", "source", "manager", "notes",
               "lost_reason", "created_at", "closed_at"]


@bp.get("/board")
@permission_required("party.read")
def board():
    from ordercraft.plugins.crm.deals import board as columns_of
    from ordercraft.plugins.crm.funnel import stage_labels
    from ordercraft.plugins.crm.groups import list_groups

    session = request_session()
    mine = request.args.get("mine") == "1"
    group = request.args.get("group", "").strip()
    error = None
    try:
        columns = columns_of(session, manager=acting_user_name() if mine else None,
                             client_group=group or None)
    except OrdercraftError as exc:
        if exc.http_status not in (400, 404):
            raise
        error, columns = exc.message, columns_of(session)
    totals = {"count": sum(c["count"] for c in columns.values()),
              "amount": sum(c["amount"] for c in columns.values()),
              "weighted": sum(c["weighted"] for c in columns.values())}
    return render_template("crm/board.html", columns=columns, labels=stage_labels(),
                           forward=FORWARD, mine=mine, group=group, error=error,
                           groups=[(str(g.id), g.name) for g in list_groups(session)],
                           totals=totals, next_url=request.full_path.rstrip("?"))


@bp.get("/")
@permission_required("party.read")
def index():
    from ordercraft.plugins.crm.deals import SORTS, deal_dict, list_deals
    from ordercraft.plugins.crm.funnel import stage_labels

    values = {name: request.args.get(name, "").strip() for name in LIST_FILTERS}
    limit, offset = page_arguments()
    filters = {"search": values["q"] or None, "states": values["state"] or None,
               "manager": values["manager"] or None, "source": values["source"] or None,
               "open_only": values["open"] == "1", "sort": values["sort"] or "newest",
               "custom_fields": custom_fields.requested_filters()}
    error = None
    try:
        if custom_fields.wants_csv():
            return custom_fields.csv_response("deal", lambda size, start: list_deals(
                request_session(), **filters, limit=size, offset=start), deal_dict,
                CSV_COLUMNS, "deals")
        found = list_deals(request_session(), **filters, limit=limit, offset=offset)
    except OrdercraftError as exc:
        if exc.http_status not in (400, 404):
            raise
        error, found = exc.message, None
    pager = Pager(found.total if found else 0, limit, offset, "crm_deals.index",
                  {**values, "limit": None if limit == 25 else limit,
                   **custom_fields.filter_arguments()})
    return render_template("crm/deals.html", found=found, pager=pager, values=values,
                           error=error, labels=stage_labels(), sorts=list(SORTS),
                           managers=user_choices(empty=_("Anyone")),
                           filtered=any(values.values()) or bool(custom_fields.filter_arguments()))


def _contact_choices(client: Any) -> list[tuple[str, str]]:
    if client is None:
        return [("", "—")]
    return [("", "—")] + [(str(c.id), c.name + (f" · {c.position}" if c.position else ""))
                          for c in client.contacts]


def _client_or_none(ref: str) -> Any:
    from ordercraft.plugins.crm.clients import get_client

    if not ref:
        return None
    try:
        return get_client(request_session(), ref)
    except OrdercraftError:
        return None


def _form_page(form: Form, deal: Any = None, client: Any = None) -> str:
    from ordercraft.plugins.crm.clients import SOURCES

    client = client or (deal.party if deal is not None else None)
    return render_template("crm/deal_form.html", form=form, deal=deal, client=client,
                           managers=user_choices(), contacts=_contact_choices(client),
                           sources=SOURCES)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("party.write")
def create():
    from ordercraft.plugins.crm.deals import create_deal

    if request.method == "GET":
        client = _client_or_none(request.args.get("client", "").strip())
        values = {"client": str(client.id) if client else "",
                  "manager": (client.manager.name if client and client.manager
                              else acting_user_name()),
                  "source": client.source if client else ""}
        return _form_page(Form(values), client=client)
    form = Form.from_request(DEAL_FORM, "deal")
    values = form.fields
    client = _client_or_none(values["client"])
    try:
        if not values["client"]:
            raise ValidationError("client: " + _("choose the client"), field="client")
        deal = create_deal(request_session(), values.pop("client"), values.pop("title"),
                           **{k: v for k, v in values.items() if v != "" or k == "contact"},
                           custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return _form_page(form.fail(exc), client=client), FORM_ERROR_STATUS
    flash(_("Deal “%(title)s” was opened.", title=deal.title), "success")
    return redirect(url_for("crm_deals.deal", document_id=deal.id), code=303)


@bp.get("/<int:document_id>")
@permission_required("party.read")
def deal(document_id: int):
    from ordercraft.plugins.crm.deals import get_deal
    from ordercraft.plugins.crm.funnel import MOVE_FIELDS, OPEN_STAGES, stage_labels
    from ordercraft.plugins.crm.interactions import list_interactions
    from ordercraft.sdk.errors import PermissionDenied
    from ordercraft.sdk.web import document_panel
    from ordercraft.sdk.workflow import list_tasks

    session = request_session()
    found = get_deal(session, document_id)
    panel = document_panel(found, timeline_limit=30)
    # A move's own changes of the deal's fields are the move: shown once, as the move.
    panel.entries = [entry for entry in panel.entries
                     if entry["kind"] != "audit_update"
                     or not set(entry["data"]) & set(MOVE_FIELDS)][:15]
    for entry in panel.entries:
        if entry["kind"] == "audit_create":  # "created" says little: say what was opened
            opened_with = (entry["data"].get("amount") or [None, found.amount])[1]
            entry["text"] = f"Deal opened (expected {money_text(opened_with)})"
    interactions = list_interactions(session, deal=found.id, limit=20)
    try:
        tasks = list_tasks(session, document=("deal", found.id), limit=20)
    except PermissionDenied:
        tasks = None
    return render_template("crm/deal.html", deal=found, panel=panel, stages=OPEN_STAGES,
                           labels=stage_labels(), interactions=interactions, tasks=tasks,
                           user=current_user())


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
@permission_required("party.write")
def edit(document_id: int):
    from ordercraft.plugins.crm.deals import get_deal, update_deal

    session = request_session()
    found = get_deal(session, document_id)
    if request.method == "GET":
        values = {"client": str(found.party_id), "title": found.title,
                  "amount": f"{found.amount:.2f}",
                  "expected_close": found.expected_close.isoformat()
                  if found.expected_close else "",
                  "probability": str(found.probability), "source": found.source,
                  "manager": found.manager.name if found.manager else "",
                  "contact": str(found.contact_id or ""), "notes": found.notes}
        form = Form(values).with_custom_fields("deal", custom_fields.values_of(found))
        return _form_page(form, deal=found)
    form = Form.from_request(DEAL_FORM, "deal")
    values = form.fields
    values.pop("client")
    if not found.is_open:  # figures of a closed deal stay as they were
        for key in ("amount", "probability", "expected_close"):
            values.pop(key, None)
    for key in ("amount", "probability"):  # left empty: keep the value
        if values.get(key) == "":
            values.pop(key)
    try:
        update_deal(session, found.id, **values, custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return _form_page(form.fail(exc), deal=found), FORM_ERROR_STATUS
    flash(_("The changes were saved."), "success")
    return redirect(url_for("crm_deals.deal", document_id=found.id), code=303)
