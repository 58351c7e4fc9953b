"""The proposals pages: the list, a proposal's page (lines, groups with cost and margin,
the workflow's buttons, versions and what changed, print links) and the live
configurator: every change of an option posts the form to ``.../preview``, which answers
an HTML fragment (prices, margin, broken rules) rendered by the server; an invalid
combination cannot be saved and the page says which rule it breaks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.validation import input_attributes
from ordercraft.sdk.web import (
    FORM_ERROR_STATUS,
    Pager,
    page_arguments,
    permission_required,
    reads_first,
    request_session,
    write_with_posted_run,
)

bp = Blueprint("proposals", __name__, url_prefix="/proposals", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.get("/")
@permission_required("proposal.read")
def index():
    from ordercraft.plugins.proposals.proposals import list_proposals, proposal_dict

    state = request.args.get("status", "").strip()
    limit, offset = page_arguments()
    found = list_proposals(request_session(), status=state or None, limit=limit,
                           offset=offset)
    rows = [proposal_dict(p, details=False) for p in found.items]
    pager = Pager(found.total, limit, offset, "proposals.index", {"status": state})
    return render_template("proposals/list.html", rows=rows, pager=pager, state=state)


@bp.get("/<int:proposal_id>")
@permission_required("proposal.read")
def proposal(proposal_id: int):
    from ordercraft.plugins.proposals.proposals import (
        get_proposal,
        list_templates,
        proposal_dict,
    )
    from ordercraft.sdk.web import document_panel, document_url

    found = get_proposal(request_session(), proposal_id)
    from ordercraft.plugins.proposals.proposals import EDITABLE, TRIGGERS
    from ordercraft.plugins.proposals.sending import default_address

    panel = document_panel(found)
    # One Send on the page: the form below (address, then the same transition, whose
    # refusal it shows); the workflow's own button would not ask for the address.
    panel.transitions = [t for t in panel.transitions if t["name"] != "send"]
    may_send = found.state in ("draft", "approved")
    return render_template(
        "proposals/proposal.html", proposal=found, body=proposal_dict(found),
        editable=found.state in (*EDITABLE, "sent"), triggers=TRIGGERS,
        schedule_rows=SCHEDULE_ROWS, may_send=may_send,
        send_to=default_address(found) if may_send else "",
        panel=panel, templates=list_templates(request_session()),
        order_url=_order_url(found.order_id),
        deal_url=document_url("deal", found.deal_id) if found.deal_id else None)


@bp.post("/new")
@permission_required("proposal.write")
def create():
    """A new draft for a client, from a deal's page ("New proposal") or a calculator's
    result ("Add to a new proposal")."""
    from ordercraft.plugins.proposals.proposals import create_proposal

    session = request_session()
    try:
        made = create_proposal(session, request.form.get("client", ""),
                               deal=request.form.get("deal") or None,
                               title=request.form.get("title", ""))
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        flash(exc.message, "error")
        return redirect(request.referrer or url_for("proposals.index"), code=303)
    flash(_("Proposal %(number)s was started as a draft.", number=made.number), "success")
    return redirect(url_for("proposals.proposal", proposal_id=made.id), code=303)


def deal_section(session: Any, user: Any, deal: Any) -> list[Any]:
    """The deal page's "Proposals" section (hook ``page_sections``): its proposals and a
    "New proposal" button."""
    from markupsafe import Markup
    from sqlalchemy import select

    from ordercraft.plugins.proposals.models import Proposal
    from ordercraft.sdk.permissions import has_permission
    from ordercraft.sdk.plugins import PageSection

    if not has_permission(user, "proposal.read"):
        return []
    found = list(session.scalars(select(Proposal).where(Proposal.deal_id == deal.id)
                                 .order_by(Proposal.proposal_date, Proposal.id)))
    html = render_template("proposals/deal_section.html", deal=deal, proposals=found,
                           may_write=has_permission(user, "proposal.write") and deal.is_open)
    return [PageSection("Proposals", Markup(html), order=25, name="proposals")]


def order_section(session: Any, user: Any, order: Any) -> list[Any]:
    """The order page's link back to the proposal it was accepted from (hook
    ``page_sections``): the proposal links to its order, the order to its proposal."""
    from markupsafe import Markup
    from sqlalchemy import select

    from ordercraft.plugins.proposals.models import Proposal
    from ordercraft.sdk.permissions import has_permission
    from ordercraft.sdk.plugins import PageSection

    if not has_permission(user, "proposal.read"):
        return []
    found = list(session.scalars(select(Proposal).where(Proposal.order_id == order.id)))
    if not found:
        return []
    html = render_template("proposals/order_section.html", proposals=found)
    return [PageSection("Proposal", Markup(html), order=5, name="proposals-order")]


def calculator_section(session: Any, user: Any, result: Any) -> list[Any]:
    """The calculator page's "Add to a proposal" (hook ``page_sections``): the result
    becomes a calculator line of an open proposal, or of a new one for a client; the
    calculator's inputs go with it and are stored with the line."""
    import json

    from markupsafe import Markup
    from sqlalchemy import select

    from ordercraft.plugins.proposals.models import Proposal
    from ordercraft.plugins.proposals.proposals import CALC_LINE_RULES, EDITABLE
    from ordercraft.sdk.permissions import has_permission
    from ordercraft.sdk.plugins import PageSection

    if not has_permission(user, "proposal.write"):
        return []
    open_ones = list(session.scalars(select(Proposal).where(
        Proposal.state.in_((*EDITABLE, "sent"))).order_by(Proposal.id.desc()).limit(100)))
    html = render_template("proposals/calculator_section.html", result=result,
                           proposals=open_ones, params=json.dumps(result.to_dict()["params"]),
                           attrs=input_attributes(CALC_LINE_RULES))
    return [PageSection("Add to a proposal", Markup(html), order=20, name="proposals-add")]


@bp.post("/add-calculation")
@permission_required("proposal.write")
@reads_first
def add_calculation():
    """The calculator page's "Add to proposal": run the calculator again with the inputs
    shown (kept as a run, in a transaction of its own) and add its result as a line, in
    a short writing transaction; a new draft for ``client`` when no proposal is chosen."""
    from ordercraft.plugins.proposals import proposals

    form = request.form

    def add(writing: Any, run: dict[str, Any]) -> tuple[str, str, int]:
        target: Any = form.get("proposal", "").strip()
        if not target:
            target = proposals.create_proposal(writing, form.get("client", ""),
                                               title=form.get("title", "")).id
        line = proposals.add_calculator_line(
            writing, target, run=run, item=form.get("item"), qty=form.get("qty") or "1",
            markup=form.get("markup") or None, description=form.get("description") or None)
        return line.description, line.proposal.number, line.proposal.id

    try:
        added = write_with_posted_run(add)
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        flash(exc.message, "error")
        return redirect(request.referrer or url_for("proposals.index"), code=303)
    flash(_("Added %(item)s to proposal %(number)s.", item=added[0], number=added[1]), "success")
    return redirect(url_for("proposals.proposal", proposal_id=added[2]), code=303)


def _order_url(order_id: int | None) -> str | None:
    """The order's own page (sales' ``sales.order``), else its timeline."""
    if order_id is None:
        return None
    from werkzeug.routing import BuildError

    from ordercraft.sdk.web import document_url

    try:
        return url_for("sales.order", order_id=order_id)
    except BuildError:
        return document_url("order", order_id)


def _selection(definition: dict[str, Any]) -> dict[str, Any]:
    """The chosen options from the configurator's form: ``opt.<group>`` (one) or
    ``opt.<group>.<option>`` (a quantity) fields."""
    chosen: dict[str, Any] = {}
    for group in definition["groups"]:
        if group["select"] == "one":
            value = request.form.get(f"opt.{group['key']}", "").strip()
            if value:
                chosen[group["key"]] = value
        else:
            picked = {o["key"]: request.form.get(f"opt.{group['key']}.{o['key']}", "").strip()
                      for o in group["options"]}
            picked = {k: v for k, v in picked.items() if v not in ("", "0")}
            if picked:
                chosen[group["key"]] = picked
    return chosen


def _configurator(proposal_id: int, code: str, *, preview: dict[str, Any] | None = None,
                  error: str | None = None, status: int = 200) -> Any:
    from ordercraft.plugins.proposals.proposals import get_proposal, get_template

    session = request_session()
    proposal = get_proposal(session, proposal_id)
    return render_template("proposals/configure.html", proposal=proposal,
                           template=get_template(session, code), preview=preview,
                           currency=proposal.currency, values=request.form,
                           error=error), status


@bp.get("/<int:proposal_id>/configure/<code>")
@permission_required("proposal.read")
def configure(proposal_id: int, code: str):
    return _configurator(proposal_id, code)


@bp.post("/<int:proposal_id>/configure/<code>/preview")
@permission_required("proposal.read")
def configure_preview(proposal_id: int, code: str):
    """The fragment the page swaps in after every change (no page reload)."""
    from ordercraft.plugins.proposals.live import preview
    from ordercraft.plugins.proposals.proposals import get_proposal, get_template

    session = request_session()
    template = get_template(session, code)
    currency = get_proposal(session, proposal_id).currency
    try:
        found = preview(session, code, _selection(template.definition),
                        qty=request.form.get("qty") or "1",
                        discount=request.form.get("discount") or None)
    except OrdercraftError as exc:
        return Response(render_template("proposals/_preview.html", preview=None,
                                        currency=currency, error=exc.message),
                        status=FORM_ERROR_STATUS)
    return render_template("proposals/_preview.html", preview=found, currency=currency,
                           error=None)


@bp.post("/<int:proposal_id>/configure/<code>")
@permission_required("proposal.write")
def configure_save(proposal_id: int, code: str):
    from ordercraft.plugins.proposals.live import preview
    from ordercraft.plugins.proposals.proposals import configure as save
    from ordercraft.plugins.proposals.proposals import get_template

    session = request_session()
    template = get_template(session, code)
    chosen = _selection(template.definition)
    try:
        save(session, proposal_id, code, chosen, qty=request.form.get("qty") or "1",
             discount=request.form.get("discount") or None)
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        session.rollback()
        found = preview(session, code, chosen, qty=request.form.get("qty") or "1")
        return _configurator(proposal_id, code, preview=found, error=exc.message,
                             status=FORM_ERROR_STATUS)
    flash(_("Added %(name)s to the proposal.", name=template.name))
    return redirect(url_for("proposals.proposal", proposal_id=proposal_id))


#: Rows of the schedule form on a proposal's page (blank rows are left out).
SCHEDULE_ROWS = 3


@bp.post("/<int:proposal_id>/schedule")
@permission_required("proposal.write")
def schedule(proposal_id: int):
    """Replace the payment schedule from the page's form: rows of label, percent or
    amount, trigger and days (blank rows are spare)."""
    from ordercraft.plugins.proposals.proposals import set_schedule

    rows = []
    for index in range(SCHEDULE_ROWS):
        row = {name: request.form.get(f"m.{index}.{name}", "").strip()
               for name in ("label", "percent", "amount", "trigger", "days")}
        if row["label"] or row["percent"] or row["amount"]:
            rows.append(row)
    try:
        set_schedule(request_session(), proposal_id, rows)
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        from ordercraft.sdk.web import mark_failed

        mark_failed()
        flash(exc.message, "error")
    else:
        flash(_("The payment schedule was saved."), "success")
    return redirect(url_for("proposals.proposal", proposal_id=proposal_id), code=303)


@bp.post("/<int:proposal_id>/send")
@permission_required("proposal.write")
@reads_first
def send(proposal_id: int):
    from ordercraft.plugins.proposals.sending import send_proposal
    from ordercraft.sdk.plugins import site_platform

    session = request_session()
    platform, user = site_platform(session), session.info.get("user")
    session.rollback()
    try:
        send_proposal(platform, proposal_id, to=request.form.get("to") or None, user=user)
        flash(_("Proposal sent."))
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        flash(exc.message, "error")
    return redirect(url_for("proposals.proposal", proposal_id=proposal_id))


@bp.get("/<int:proposal_id>/print/<form>")
@permission_required("proposal.read")
def print_form(proposal_id: int, form: str):
    from ordercraft.plugins.proposals.proposals import get_proposal
    from ordercraft.sdk.printing import render_html, render_pdf

    session = request_session()
    html = render_html(session, "proposal", form, get_proposal(session, proposal_id))
    if request.args.get("pdf"):
        return Response(render_pdf(html), mimetype="application/pdf")
    return Response(html, mimetype="text/html")
