"""``/api/v1/campaigns`` (channels, campaigns, costs, participants, the return report)
and ``/api/v1/mailings`` (write, preview, test-send, send or schedule), ``/api/v1/surveys``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from ordercraft.plugins.marketing import campaigns, mailings, surveys
from ordercraft.sdk import web

bp = web.api_blueprint("marketing_api", __name__)
READ, WRITE = "marketing.read", "marketing.write"


def _session() -> Any:
    return web.request_session()


class ChannelOut(web.OutputModel):
    id: int
    code: str
    name: str
    active: bool


class ChannelsOut(web.OutputModel):
    channels: list[ChannelOut]


class CampaignIn(web.InputModel):
    name: str = Field(max_length=200)
    channel: str = Field(description="The channel's code (exhibition, seminar, ad, ...).")
    kind: str = Field("other", description="exhibition, seminar, ad, mailing or other.")
    starts_on: str = Field(description="YYYY-MM-DD")
    ends_on: str | None = Field(None, description="YYYY-MM-DD; default: the first day.")
    budget: str = Field("0", description="An exact decimal.")
    notes: str = ""


class ParticipantOut(web.OutputModel):
    client_id: int
    client: str
    contact: str | None
    status: str
    lead: bool


class CostOut(web.OutputModel):
    on: str
    amount: Decimal
    note: str


class CampaignOut(web.OutputModel):
    id: int
    name: str
    kind: str
    channel: str
    starts_on: str
    ends_on: str
    budget: Decimal
    actual_cost: Decimal
    notes: str
    participants: list[ParticipantOut] | None = None
    costs: list[CostOut] | None = None


class CostIn(web.InputModel):
    amount: str = Field(description="An exact decimal, more than 0.")
    on: str | None = Field(None, description="YYYY-MM-DD; default: the campaign's first day.")
    note: str = ""


class ParticipantIn(web.InputModel):
    client: str = Field(description="The client's id or name.")
    contact: str | None = Field(None, description="The client's contact (id or name).")
    status: str = Field("invited", description="invited or attended.")
    lead: bool = Field(False, description="The campaign brought this client in.")


class ReportQuery(web.InputModel):
    date_from: str = Field(alias="from", description="YYYY-MM-DD")
    date_to: str = Field(alias="to", description="YYYY-MM-DD")


class ReportRowOut(web.OutputModel):
    kind: str = Field(description="channel or campaign.")
    key: str = Field(description="The channel's code or the campaign's id.")
    name: str
    cost: Decimal
    leads: int
    deals_won: int
    revenue: Decimal
    cost_per_lead: Decimal | None
    roi: Decimal | None = Field(description="(revenue - cost) / cost, percent.")


class ReportOut(web.OutputModel):
    rows: list[ReportRowOut]


@web.api_route(bp, "/campaigns/channels", response=ChannelsOut, permission=READ)
def list_channels():
    """The marketing channels (the reference list clients' and deals' sources use)."""
    return {"channels": [campaigns.channel_dict(c)
                         for c in campaigns.list_channels(_session())]}


@web.api_route(bp, "/campaigns", query=web.PageQuery, response=web.Page[CampaignOut],
               permission=READ)
def list_campaigns(query: web.PageQuery):
    """Campaigns and events, newest first."""
    session = _session()
    found = campaigns.list_campaigns(session)
    items = found[query.offset:query.offset + query.limit]
    return web.page([campaigns.campaign_dict(session, c) for c in items], len(found), query)


@web.api_route(bp, "/campaigns", methods=["POST"], body=CampaignIn, response=CampaignOut,
               status=201, permission=WRITE)
def create_campaign(body: CampaignIn):
    """Add a campaign or an event."""
    session = _session()
    campaign = campaigns.create_campaign(session, **body.model_dump())
    return campaigns.campaign_dict(session, campaign, detail=True)


@web.api_route(bp, "/campaigns/report", query=ReportQuery, response=ReportOut, permission=READ)
def campaign_report(query: ReportQuery):
    """The return per channel and campaign for a period: cost, leads, deals won, revenue,
    cost per lead and ROI."""
    rows = campaigns.return_report(_session(), query.date_from, query.date_to)
    return {"rows": [r.as_dict() for r in rows]}


@web.api_route(bp, "/campaigns/<int:campaign_id>", response=CampaignOut, permission=READ,
               errors={404: "No such campaign."})
def get_campaign(campaign_id: int):
    """A campaign with its costs and participants."""
    session = _session()
    return campaigns.campaign_dict(session, campaigns.get_campaign(session, campaign_id),
                                   detail=True)


@web.api_route(bp, "/campaigns/<int:campaign_id>/costs", methods=["POST"], body=CostIn,
               response=CampaignOut, status=201, permission=WRITE,
               errors={404: "No such campaign."})
def add_cost(campaign_id: int, body: CostIn):
    """Record an actual cost of the campaign."""
    session = _session()
    campaigns.add_cost(session, campaign_id, body.amount, on=body.on, note=body.note)
    return campaigns.campaign_dict(session, campaigns.get_campaign(session, campaign_id),
                                   detail=True)


@web.api_route(bp, "/campaigns/<int:campaign_id>/participants", methods=["POST"],
               body=ParticipantIn, response=CampaignOut, status=201, permission=WRITE,
               errors={404: "No such campaign, client or contact."})
def add_participant(campaign_id: int, body: ParticipantIn):
    """Invite a client (and contact) to the campaign, or record that they attended."""
    session = _session()
    campaigns.add_participant(session, campaign_id, body.client, contact=body.contact,
                              status=body.status, lead=body.lead)
    return campaigns.campaign_dict(session, campaigns.get_campaign(session, campaign_id),
                                   detail=True)


# ------------------------------------------------------------------ mailings


class MailingIn(web.InputModel):
    name: str = Field(max_length=200)
    group: str = Field(description="The crm client group (id or name).")
    channel: str = Field("email", description="email or sms.")
    subject: str = Field("", description="Jinja template of the subject.")
    body: str = Field(description="Jinja template of the text; merge fields: client.name, "
                      "contact.first_name, unsubscribe_url, survey_url, ...")
    mode: str = Field("now", description="now, scheduled or triggered.")
    scheduled_at: str | None = Field(None, description="ISO date and time (UTC).")
    trigger: str | None = Field(None, description="group_entered or order_shipped.")
    trigger_days: int = Field(0, ge=0, le=365)
    survey: str | None = None
    campaign: str | None = None


class MailingOut(web.OutputModel):
    id: int
    name: str
    channel: str
    group: str
    mode: str
    state: str
    scheduled_at: datetime | None
    trigger: str | None
    trigger_days: int
    subject: str
    messages: int = Field(description="Messages queued so far.")
    bounced: int = Field(0, description="Of them, those whose address bounced.")
    skipped_bounced: int = Field(0, description="Contacts left out because their address "
                                 "had bounced before.")
    sent_at: datetime | None
    survey_id: int | None
    campaign_id: int | None
    body: str | None = None


class PreviewOut(web.OutputModel):
    subject: str
    text: str
    recipient: str | None
    contacts: int = Field(description="Contacts of the group's clients.")
    recipients: int = Field(description="Of them, those with an address who consent.")
    bounced: int = Field(0, description="Contacts left out because their address bounced.")


class TestIn(web.InputModel):
    to: str = Field(description="Your own address.")


class TestOut(web.OutputModel):
    outbox_id: int


class SendOut(web.OutputModel):
    mailing: int
    state: str
    queued: int


@web.api_route(bp, "/mailings", query=web.PageQuery, response=web.Page[MailingOut],
               permission=READ)
def list_mailings(query: web.PageQuery):
    """Mailings, newest first."""
    session = _session()
    found = mailings.list_mailings(session)
    items = found[query.offset:query.offset + query.limit]
    return web.page([mailings.mailing_dict(session, m) for m in items], len(found), query)


@web.api_route(bp, "/mailings", methods=["POST"], body=MailingIn, response=MailingOut,
               status=201, permission=WRITE)
def create_mailing(body: MailingIn):
    """Write a mailing (a draft); an unknown merge field is refused, naming it."""
    session = _session()
    mailing = mailings.save_mailing(session, **body.model_dump())
    return mailings.mailing_dict(session, mailing, detail=True)


@web.api_route(bp, "/mailings/<int:mailing_id>", response=MailingOut, permission=READ,
               errors={404: "No such mailing."})
def get_mailing(mailing_id: int):
    """A mailing with its templates."""
    session = _session()
    return mailings.mailing_dict(session, mailings.get_mailing(session, mailing_id),
                                 detail=True)


@web.api_route(bp, "/mailings/<int:mailing_id>/preview", response=PreviewOut,
               permission=READ, errors={404: "No such mailing."})
def preview_mailing(mailing_id: int):
    """The mailing as its first recipient gets it, and how many it reaches."""
    session = _session()
    return mailings.preview(session, mailings.get_mailing(session, mailing_id))


@web.api_route(bp, "/mailings/<int:mailing_id>/test", methods=["POST"], body=TestIn,
               response=TestOut, permission=WRITE, errors={404: "No such mailing."})
def test_mailing(mailing_id: int, body: TestIn):
    """Send the mailing to yourself, as its first recipient would get it."""
    session = _session()
    return {"outbox_id": mailings.test_send(session, mailings.get_mailing(session, mailing_id),
                                            body.to)}


@web.api_route(bp, "/mailings/<int:mailing_id>/send", methods=["POST"], response=SendOut,
               permission=WRITE, errors={404: "No such mailing."})
def send_mailing(mailing_id: int):
    """Send a draft mailing now, schedule it, or activate its trigger (by its mode); a
    group with no consenting contacts is refused and nothing is sent."""
    session = _session()
    return mailings.start_mailing(session, mailings.get_mailing(session, mailing_id))


class BounceIn(web.InputModel):
    address: str | None = Field(None, description="The address that bounced.")
    reason: str = Field("", max_length=500)
    report: str | None = Field(None, description="Or a bounce report: the .eml a mail "
                               "server sent back, as text.")


class BounceOut(web.OutputModel):
    addresses: list[str]
    reason: str
    message: int | None = Field(description="The outbox message the report is about.")


@web.api_route(bp, "/mailings/bounces", methods=["POST"], body=BounceIn, response=BounceOut,
               permission=WRITE)
def record_bounce(body: BounceIn):
    """Record a bounce (an address, or a bounce report): later mailings skip the contacts
    with that address."""
    from ordercraft.plugins.marketing import bounces

    return bounces.report(_session(), address=body.address, reason=body.reason,
                          report_file=body.report.encode() if body.report else None)


class SurveyReportOut(web.OutputModel):
    id: int
    name: str
    responses: int
    questions: list[dict[str, Any]]


@web.api_route(bp, "/surveys/<int:survey_id>/report", response=SurveyReportOut,
               permission=READ, errors={404: "No such survey."})
def survey_report(survey_id: int):
    """A survey's answers: per rating question its average and counts."""
    session = _session()
    return surveys.survey_report(session, surveys.get_survey(session, survey_id))
