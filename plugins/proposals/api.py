"""``/api/v1/proposals`` (+ lines, configurations, payment schedule, send, transitions,
print forms) and ``/api/v1/proposal-templates`` (+ the live configurator's preview)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint, Response
from pydantic import Field

from ordercraft.sdk.web import (
    API_PREFIX,
    InputModel,
    OutputModel,
    Page,
    PageQuery,
    api_route,
    page,
    reads_first,
    request_session,
    workflow_routes,
)

bp = Blueprint("proposals_api", __name__, url_prefix=API_PREFIX)

MAX_ID = 2**31 - 1
State = Literal["draft", "approval", "approved", "sent", "accepted", "declined", "expired"]
Trigger = Literal["acceptance", "before_production", "shipment", "days_after"]
NOT_FOUND = {404: "No proposal has this id."}
CHANGING = {**NOT_FOUND, 409: "The proposal no longer changes (accepted, declined, expired)."}
Percent = Field(None, ge=0, le=100, max_digits=7, decimal_places=4)


class ProposalIn(InputModel):
    client: int | str = Field(description="The client's id or name.")
    title: str = Field("", max_length=200)
    deal: int | None = Field(None, ge=1, le=MAX_ID)
    contact: int | None = Field(None, ge=1, le=MAX_ID)
    date: dt.date | None = None
    valid_until: dt.date | None = None
    currency: str | None = Field(None, pattern="^[A-Z]{3}$")
    notes: str = Field("", max_length=10_000)


class LineIn(InputModel):
    """An item line (``item``), a free text (``text``) or a calculator run
    (``calculator`` + ``params``, selling ``item``)."""

    item: str | None = Field(None, max_length=64)
    text: str | None = Field(None, max_length=300)
    calculator: str | None = Field(None, max_length=100)
    params: dict[str, Any] = Field(default_factory=dict)
    markup: Decimal | None = Percent
    qty: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=6)
    price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6)
    discount: Decimal | None = Percent
    tax_rate: Decimal | None = Percent
    description: str | None = Field(None, max_length=300)
    optional: bool = False


class LineChange(InputModel):
    qty: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=6)
    price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6)
    discount: Decimal | None = Percent
    chosen: bool | None = Field(None, description="Tick an optional line (its group too).")
    remove: bool = False


class ConfigurationIn(InputModel):
    template: str = Field(max_length=40)
    options: dict[str, Any] = Field(default_factory=dict, description=(
        '{"processor": "a8", "sensors": {"distance": 2}}'))
    qty: Decimal = Field(Decimal(1), gt=0, max_digits=18, decimal_places=6)
    discount: Decimal | None = Percent
    tax_rate: Decimal | None = Percent
    optional: bool = False
    group: str | None = Field(None, max_length=40, description="Replace this group.")


class PreviewIn(InputModel):
    options: dict[str, Any] = Field(default_factory=dict)
    qty: Decimal = Field(Decimal(1), gt=0, max_digits=18, decimal_places=6)
    discount: Decimal | None = Percent
    tax_rate: Decimal | None = Percent


class MilestoneIn(InputModel):
    label: str = Field("", max_length=200)
    trigger: Trigger
    percent: Decimal | None = Field(None, gt=0, le=100, max_digits=7, decimal_places=4)
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)
    days: int | None = Field(None, ge=0, le=365)


class ScheduleIn(InputModel):
    milestones: list[MilestoneIn] = Field(max_length=50)


class SendIn(InputModel):
    to: str | None = Field(None, max_length=200, description="Mail the customer PDF here "
                           "(default: the contact's, else the client's e-mail; none: no mail).")


class TemplateIn(InputModel):
    name: str = Field(min_length=1, max_length=200)
    definition: dict[str, Any]
    description: str = Field("", max_length=10_000)
    image: str = Field("", max_length=500)


class ProposalQuery(PageQuery):
    client: str | None = Field(None, max_length=200)
    status: list[State] = Field(default_factory=list)
    deal: int | None = Field(None, ge=1, le=MAX_ID)


class LineOut(OutputModel):
    position: int
    kind: Literal["item", "config", "calc", "text"]
    group: str | None
    group_title: str | None
    item: str | None
    description: str
    characteristics: dict[str, str]
    qty: Decimal
    price: Decimal
    discount: Decimal
    tax_rate: Decimal
    optional: bool
    chosen: bool
    net: Decimal
    tax: Decimal
    total: Decimal
    unit_cost: Decimal
    cost_source: Literal["stock", "calc", "price", "none"]
    cost: Decimal
    margin: Decimal
    margin_pct: Decimal | None
    source: dict[str, Any] = Field(description="A calculator run or a configuration.")


class GroupOut(OutputModel):
    group: str
    title: str
    kind: str
    net: Decimal
    tax: Decimal
    total: Decimal
    optional: bool
    chosen: bool
    template: str | None = Field(description="The product template of a configured group.")
    cost: Decimal
    margin: Decimal
    margin_pct: Decimal | None
    source: dict[str, Any]


class MilestoneOut(OutputModel):
    position: int
    label: str
    trigger: Trigger
    days: int
    percent: Decimal | None
    amount: Decimal


class SummaryOut(OutputModel):
    id: int
    number: str
    state: State
    version: int
    sent_version: int
    title: str
    client_id: int
    client: str
    contact_id: int | None
    deal_id: int | None
    date: dt.date
    valid_until: dt.date
    currency: str
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    order_id: int | None
    order: str | None
    reason: str | None
    cost: Decimal
    margin: Decimal
    margin_pct: Decimal | None
    max_discount: Decimal
    approved_discount: Decimal | None
    approved_by: str | None


class ProposalOut(SummaryOut):
    lines: list[LineOut]
    groups: list[GroupOut]
    milestones: list[MilestoneOut]
    changes: list[dict[str, Any]] = Field(description="Since the version last sent.")


class ProblemOut(OutputModel):
    field: str
    rule: str
    message: str


class PreviewLineOut(OutputModel):
    item: str
    description: str
    qty: Decimal
    price: Decimal
    net: Decimal
    cost: Decimal
    characteristics: dict[str, str]


class PreviewOut(OutputModel):
    ok: bool
    template: str
    problems: list[ProblemOut]
    lines: list[PreviewLineOut]
    net: Decimal
    tax: Decimal
    total: Decimal
    cost: Decimal
    margin: Decimal
    margin_pct: Decimal | None


class TemplateOut(OutputModel):
    code: str
    name: str
    description: str
    image: str | None
    definition: dict[str, Any]


def _body(proposal: Any) -> dict[str, Any]:
    from ordercraft.plugins.proposals.proposals import proposal_dict

    session = request_session()
    session.flush()
    session.refresh(proposal)
    return proposal_dict(proposal)


@api_route(bp, "/proposals", permission="proposal.read",
           query=ProposalQuery, response=Page[SummaryOut],
           errors={404: "The client does not exist."})
def list_proposals(query: ProposalQuery):
    """Proposals, newest first."""
    from ordercraft.plugins.proposals import proposals

    found = proposals.list_proposals(request_session(), client=query.client,
                                     status=query.status or None, deal=query.deal,
                                     limit=query.limit, offset=query.offset)
    return page([proposals.proposal_dict(p, details=False) for p in found.items],
                found.total, query)


@api_route(bp, "/proposals", permission="proposal.write",
           methods=["POST"], body=ProposalIn, response=ProposalOut,
           status=201, errors={404: "The client or the deal does not exist."})
def create_proposal(body: ProposalIn):
    """Start a draft proposal."""
    from ordercraft.plugins.proposals.proposals import create_proposal as create

    values = body.model_dump()
    values["proposal_date"] = values.pop("date")
    return _body(create(request_session(), values.pop("client"), **values))


@api_route(bp, "/proposals/<int:proposal_id>", permission="proposal.read",
           response=ProposalOut, errors=NOT_FOUND)
def get_proposal(proposal_id: int):
    """One proposal: lines, groups, costs and margins, schedule, changes since sent."""
    from ordercraft.plugins.proposals.proposals import get_proposal as found

    return _body(found(request_session(), proposal_id))


@api_route(bp, "/proposals/<int:proposal_id>/lines", permission="proposal.write",
           methods=["POST"], body=LineIn,
           response=ProposalOut, status=201,
           errors={**CHANGING, 422: "The calculator failed (code, message, line)."})
def add_line(proposal_id: int, body: LineIn):
    """Add an item, text or calculator line."""
    from ordercraft.plugins.proposals import proposals

    session = request_session()
    if body.calculator:
        from ordercraft.sdk.calc import run_calculator
        from ordercraft.sdk.plugins import site_platform

        run = run_calculator(body.calculator, body.params, platform=site_platform(session),
                             save=True).to_dict()
        line = proposals.add_calculator_line(
            session, proposal_id, run=run, item=body.item, qty=body.qty, price=body.price,
            markup=body.markup, discount=body.discount, tax_rate=body.tax_rate,
            description=body.description)
    else:
        line = proposals.add_line(session, proposal_id, item=body.item, text=body.text,
                                  qty=body.qty, price=body.price, discount=body.discount,
                                  tax_rate=body.tax_rate, description=body.description,
                                  optional=body.optional)
    return _body(line.proposal)


@api_route(bp, "/proposals/<int:proposal_id>/lines/<int:position>", permission="proposal.write",
           methods=["PATCH"],
           body=LineChange, response=ProposalOut, errors=CHANGING)
def change_line(proposal_id: int, position: int, body: LineChange):
    """Change a line's quantity, price or discount; tick an optional line; remove it."""
    from ordercraft.plugins.proposals.proposals import change_line as change

    return _body(change(request_session(), proposal_id, position, **body.model_dump()))


@api_route(bp, "/proposals/<int:proposal_id>/configurations", permission="proposal.write",
           methods=["POST"],
           body=ConfigurationIn, response=ProposalOut, status=201,
           errors={**CHANGING, 400: "The configuration breaks a rule (the field names the "
                                    "option group)."})
def add_configuration(proposal_id: int, body: ConfigurationIn):
    """Add (or replace, with ``group``) a configured product template."""
    from ordercraft.plugins.proposals.proposals import configure

    lines = configure(request_session(), proposal_id, body.template, body.options,
                      qty=body.qty, discount=body.discount, tax_rate=body.tax_rate,
                      optional=body.optional, group=body.group)
    return _body(lines[0].proposal)


@api_route(bp, "/proposals/<int:proposal_id>/payment-schedule", permission="proposal.write",
           methods=["PUT"],
           body=ScheduleIn, response=ProposalOut, errors=CHANGING)
def set_schedule(proposal_id: int, body: ScheduleIn):
    """Replace the payment schedule."""
    from ordercraft.plugins.proposals.proposals import set_schedule as replace

    return _body(replace(request_session(), proposal_id,
                         [m.model_dump() for m in body.milestones]))


@api_route(bp, "/proposals/<int:proposal_id>/send", permission="proposal.write",
           methods=["POST"], body=SendIn,
           response=ProposalOut,
           errors={**NOT_FOUND, 409: "Not in a state to send, or its discount needs "
                                     "approval."})
@reads_first
def send(proposal_id: int, body: SendIn):
    """Send the proposal (keeps the version) and mail the customer PDF; the generic
    ``transitions/send`` does the same (``data.to``)."""
    from ordercraft.plugins.proposals.sending import send_proposal
    from ordercraft.sdk.plugins import site_platform

    session = request_session()
    platform = site_platform(session)
    user = session.info.get("user")
    session.rollback()  # the send runs in transactions of its own, around the PDF render
    return send_proposal(platform, proposal_id, to=body.to, user=user)


workflow_routes(bp, "proposals", "proposal")


def _render(proposal_id: int, form: str, *, pdf: bool) -> Any:
    from ordercraft.plugins.proposals.proposals import get_proposal as found
    from ordercraft.sdk.printing import render_html, render_pdf

    session = request_session()
    proposal = found(session, proposal_id)
    html = render_html(session, "proposal", form, proposal)
    return proposal, render_pdf(html) if pdf else html


@api_route(bp, "/proposals/<int:proposal_id>/forms/<form>.pdf", permission="proposal.read",
           media_type="application/pdf",
           errors={404: "No proposal has this id, or no such form (customer, internal)."})
def print_pdf(proposal_id: int, form: str):
    """The customer or internal form as PDF."""
    proposal, pdf = _render(proposal_id, form, pdf=True)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{proposal.number}-{form}.pdf"'
    return response


@api_route(bp, "/proposals/<int:proposal_id>/forms/<form>.html", permission="proposal.read",
           media_type="text/html",
           errors={404: "No proposal has this id, or no such form (customer, internal)."})
def print_html(proposal_id: int, form: str):
    """The customer or internal form as HTML."""
    _proposal, html = _render(proposal_id, form, pdf=False)
    return Response(html, mimetype="text/html")


@api_route(bp, "/proposal-templates", permission="proposal.read", response=list[TemplateOut])
def list_templates():
    """The product templates of the configurator."""
    from ordercraft.plugins.proposals.proposals import list_templates as found
    from ordercraft.plugins.proposals.proposals import template_dict

    return [template_dict(t) for t in found(request_session())]


@api_route(bp, "/proposal-templates/<code>", permission="proposal.write",
           methods=["PUT"], body=TemplateIn,
           response=TemplateOut, errors={400: "The definition is not valid (the field "
                                              "names the place)."})
def save_template(code: str, body: TemplateIn):
    """Add or replace a product template."""
    from ordercraft.plugins.proposals.proposals import save_template as save
    from ordercraft.plugins.proposals.proposals import template_dict

    return template_dict(save(request_session(), code, **body.model_dump()))


@api_route(bp, "/proposal-templates/<code>/preview", permission="proposal.read",
           methods=["POST"], body=PreviewIn,
           response=PreviewOut, errors={404: "No template has this code."})
def preview(code: str, body: PreviewIn):
    """Check and price a configuration without saving it (the live configurator)."""
    from ordercraft.plugins.proposals.live import preview as check

    return check(request_session(), code, body.options, qty=body.qty,
                 discount=body.discount, tax_rate=body.tax_rate)
