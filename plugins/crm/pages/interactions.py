"""Interactions: the list (by manager, kind, period) and the form that logs one — with its
next step, which becomes a task."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from ordercraft.plugins.crm.models import INTERACTION_KINDS, INTERACTION_LABELS
from ordercraft.plugins.crm.pages import acting_user_name, make_blueprint, user_choices
from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.models import utcnow
from ordercraft.sdk.web import (
    FORM_ERROR_STATUS,
    Form,
    Pager,
    local_input,
    page_arguments,
    permission_required,
    request_session,
    utc_from_input,
)

bp = make_blueprint("crm_interactions", "/crm/interactions")

FORM_FIELDS = ("client", "kind", "at", "contact", "deal", "subject", "outcome", "next_step",
               "next_step_due", "next_step_assignee", "manager", "source")
LIST_FILTERS = ("manager", "kind", "from", "to")
KIND_CHOICES = [(kind, INTERACTION_LABELS[kind]) for kind in INTERACTION_KINDS]


@bp.get("/")
@permission_required("party.read")
def index():
    from ordercraft.plugins.crm.interactions import list_interactions

    values = {name: request.args.get(name, "").strip() for name in LIST_FILTERS}
    limit, offset = page_arguments()
    error = None
    try:
        found = list_interactions(request_session(), manager=values["manager"] or None,
                                  kind=values["kind"] or None, since=values["from"] or None,
                                  until=values["to"] or None, limit=limit, offset=offset)
    except OrdercraftError as exc:
        if exc.http_status not in (400, 404):
            raise
        error, found = exc.message, None
    pager = Pager(found.total if found else 0, limit, offset, "crm_interactions.index",
                  {**values, "limit": None if limit == 25 else limit})
    return render_template("crm/interactions.html", found=found, pager=pager, values=values,
                           error=error, kinds=KIND_CHOICES,
                           managers=user_choices(empty=_("Anyone")),
                           filtered=any(values.values()))


def _client(ref: str) -> Any:
    from ordercraft.plugins.crm.clients import get_client

    if not ref:
        return None
    try:
        return get_client(request_session(), ref)
    except OrdercraftError:
        return None


def _form_page(form: Form, client: Any) -> str:
    from ordercraft.plugins.crm.deals import list_deals

    contacts = [("", "—")]
    deals = [("", "— not about a deal —")]
    if client is not None:
        contacts += [(str(c.id), c.name + (f" · {c.position}" if c.position else ""))
                     for c in client.contacts]
        deals += [(str(d.id), f"{d.title} ({d.state})") for d in list_deals(
            request_session(), client=client.id, open_only=True, limit=50).items]
    return render_template("crm/interaction_form.html", form=form, client=client,
                           kinds=KIND_CHOICES, contacts=contacts, deals=deals,
                           people=user_choices(empty=_("Me")),
                           managers=user_choices(empty=_("Me")))


@bp.route("/new", methods=["GET", "POST"])
@permission_required("party.write")
def create():
    from ordercraft.plugins.crm.interactions import log_interaction

    if request.method == "GET":
        client = _client(request.args.get("client", "").strip())
        values = {"client": str(client.id) if client else "",
                  "deal": request.args.get("deal", ""),
                  "kind": request.args.get("kind", "outgoing_call"),
                  "at": local_input(utcnow())}
        return _form_page(Form(values), client)
    form = Form.from_request(FORM_FIELDS)
    client = _client(form.values["client"])
    values = {key: (value or None) for key, value in form.values.items()}
    # typed in the user's zone; stored in UTC
    values["at"] = utc_from_input(values["at"])
    values["next_step_due"] = utc_from_input(values["next_step_due"])
    values["manager"] = values["manager"] or acting_user_name() or None
    try:
        if client is None:
            from ordercraft.sdk.errors import ValidationError

            raise ValidationError("client: " + (
                _("%(text)r is not a client (type its name or number)", text=form.values["client"])
                if form.values["client"] else _("choose the client")), field="client")
        values.pop("client")
        interaction = log_interaction(request_session(), client.id, **values)
    except OrdercraftError as exc:
        return _form_page(form.fail(exc), client), FORM_ERROR_STATUS
    if interaction.task_id:
        message = _("%(kind)s with %(client)s was logged. The next step is task %(task)s.",
                    kind=interaction.kind_label, client=client.name, task=interaction.task_id)
    else:
        message = _("%(kind)s with %(client)s was logged.", kind=interaction.kind_label,
                    client=client.name)
    flash(message, "success")
    back = (url_for("crm_deals.deal", document_id=interaction.deal_id)
            if interaction.deal_id and request.form.get("back") == "deal"
            else url_for("crm_clients.card", client_id=client.id))
    return redirect(back, code=303)
