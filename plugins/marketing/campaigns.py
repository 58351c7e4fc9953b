"""Channels, campaigns (events with dates, a budget, actual costs and participants) and
the report of their return: cost, leads, deals won, revenue, cost per lead and ROI.

A client's and a deal's channel is crm's ``source`` (a channel's code). The report reads
deals through crm's tables by the documented deal columns and revenue through sales'
``facts`` service (shipped net amounts) when sales is enabled, else won deals' amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.marketing.models import (
    CAMPAIGN_KINDS,
    PARTICIPANT_STATUSES,
    Campaign,
    CampaignCost,
    Channel,
    Participant,
)
from ordercraft.sdk import validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.models import Contact, Party
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import plugin_service

#: The channels every site starts with (code, name).
DEFAULT_CHANNELS = (("exhibition", "Exhibition"), ("seminar", "Seminar"), ("ad", "Advertising"),
                    ("referral", "Referral"), ("website", "Website"), ("mailing", "Mailing"),
                    ("cold_call", "Cold call"), ("other", "Other"))
CENT = Decimal("0.01")


def channel_code(text: str) -> str:
    """``"Trade Fair 2024"`` -> ``"trade_fair_2024"`` (how free-text sources became codes)."""
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")[:50] or "other"


# ------------------------------------------------------------------ channels


def ensure_channels(session: Session) -> None:
    """The default channels, on a site whose list is empty (the migration seeds them; a
    schema made from the models, as tests make it, starts empty)."""
    if session.scalar(select(Channel.id).limit(1)) is None:
        session.add_all([Channel(code=code, name=name) for code, name in DEFAULT_CHANNELS])
        session.flush()


def list_channels(session: Session) -> list[Channel]:
    require_session_permission(session, "marketing.read")
    ensure_channels(session)
    return list(session.scalars(select(Channel).order_by(Channel.name)))


def get_channel(session: Session, ref: Any) -> Channel:
    ensure_channels(session)
    code = channel_code(str(ref or ""))
    channel = session.scalar(select(Channel).where(Channel.code == code))
    if channel is None:
        known = ", ".join(session.scalars(select(Channel.code).order_by(Channel.code)))
        raise NotFound(f"channel: {ref!r} is not a channel ({known})", field="channel")
    return channel


def check_source(session: Session, value: str, field: str) -> None:
    """crm's hook ``check_source``: a client's, deal's or interaction's source must be a
    channel's code."""
    ensure_channels(session)
    if session.scalar(select(Channel.id).where(Channel.code == value)) is None:
        known = ", ".join(session.scalars(select(Channel.code).order_by(Channel.code)))
        raise ValidationError(f"{field}: {value!r} is not a marketing channel (known: "
                              f"{known}; `ordercraft campaign channels --add` adds one)",
                              field=field)


def add_channel(session: Session, code: Any, name: Any = None) -> Channel:
    require_session_permission(session, "marketing.write")
    ensure_channels(session)
    text = validation.text(code, field="code", max_length=50, required=True)
    clean = channel_code(text)
    if session.scalar(select(Channel.id).where(Channel.code == clean)) is not None:
        raise Conflict(f"code: channel {clean!r} already exists", field="code")
    channel = Channel(code=clean, name=validation.text(name, field="name", max_length=100)
                      or text)
    session.add(channel)
    session.flush()
    return channel


def channel_dict(channel: Channel) -> dict[str, Any]:
    return {"id": channel.id, "code": channel.code, "name": channel.name,
            "active": channel.active}


# ------------------------------------------------------------------ campaigns


def _day(value: Any, field: str) -> date:
    day = validation.day(value, field=field)
    if day is None:
        raise ValidationError(f"{field}: a date is required (YYYY-MM-DD)", field=field)
    return day


def create_campaign(session: Session, name: Any, *, channel: Any, starts_on: Any,
                    ends_on: Any = None, kind: Any = "other", budget: Any = "0",
                    notes: Any = "") -> Campaign:
    """A campaign or event; ``ends_on`` defaults to ``starts_on``."""
    require_session_permission(session, "marketing.write")
    clean = validation.text(name, field="name", max_length=200, required=True)
    if session.scalar(select(Campaign.id).where(Campaign.name == clean)) is not None:
        raise Conflict(f"name: campaign {clean!r} already exists", field="name")
    start = _day(starts_on, "starts_on")
    end = _day(ends_on, "ends_on") if ends_on not in (None, "") else start
    if end < start:
        raise ValidationError(f"ends_on: {end.isoformat()} is before starts_on "
                              f"{start.isoformat()}", field="ends_on")
    campaign = Campaign(
        name=clean, channel=get_channel(session, channel), starts_on=start, ends_on=end,
        kind=validation.choice(kind or "other", choices=CAMPAIGN_KINDS, field="kind"),
        budget=validation.decimal(budget or "0", field="budget", places=2, minimum=Decimal(0)),
        notes=validation.text(notes, field="notes", max_length=5000, multiline=True))
    session.add(campaign)
    session.flush()
    return campaign


def get_campaign(session: Session, ref: Any) -> Campaign:
    require_session_permission(session, "marketing.read")
    text = str(ref or "").strip()
    campaign = (session.get(Campaign, int(text)) if text.isdigit()
                else session.scalar(select(Campaign).where(Campaign.name == text)))
    if campaign is None:
        raise NotFound(f"campaign: {ref!r} does not exist", field="campaign")
    return campaign


def list_campaigns(session: Session) -> list[Campaign]:
    require_session_permission(session, "marketing.read")
    return list(session.scalars(select(Campaign).order_by(Campaign.starts_on.desc(),
                                                          Campaign.id.desc())))


def add_cost(session: Session, campaign_ref: Any, amount: Any, *, on: Any = None,
             note: Any = "") -> CampaignCost:
    """Record an actual cost of the campaign (``on`` defaults to its first day)."""
    require_session_permission(session, "marketing.write")
    campaign = get_campaign(session, campaign_ref)
    cost = CampaignCost(
        campaign=campaign, amount=validation.decimal(amount, field="amount", places=2,
                                                     minimum=Decimal("0.01")),
        on=_day(on, "on") if on not in (None, "") else campaign.starts_on,
        note=validation.text(note, field="note", max_length=200))
    session.add(cost)
    session.flush()
    return cost


def add_participant(session: Session, campaign_ref: Any, client: Any, *, contact: Any = None,
                    status: Any = "invited", lead: bool = False) -> Participant:
    """Invite a client (and its contact) to the campaign, or record that they attended;
    ``lead``: the campaign brought them in. Adding one again updates the status."""
    require_session_permission(session, "marketing.write")
    campaign = get_campaign(session, campaign_ref)
    party = plugin_service(session, "crm", "clients").get(session, client)
    person = None
    if contact not in (None, ""):
        text = str(contact).strip()
        person = session.scalar(select(Contact).where(
            Contact.party_id == party.id,
            Contact.id == int(text) if text.isdigit() else Contact.name == text))
        if person is None:
            raise NotFound(f"contact: {contact!r} is not a contact of {party.name}",
                           field="contact")
    clean = validation.choice(status or "invited", choices=PARTICIPANT_STATUSES, field="status")
    row = session.scalar(select(Participant).where(
        Participant.campaign_id == campaign.id, Participant.party_id == party.id,
        Participant.contact_id.is_(None) if person is None
        else Participant.contact_id == person.id))
    if row is None:
        row = Participant(campaign_id=campaign.id, party_id=party.id,
                          contact_id=person.id if person else None)
        session.add(row)
    row.status = clean
    row.lead = bool(lead) or row.lead
    session.flush()
    return row


def campaign_costs(session: Session, campaign_ids: list[int]) -> dict[int, Decimal]:
    rows = session.execute(select(CampaignCost.campaign_id, func.sum(CampaignCost.amount))
                           .where(CampaignCost.campaign_id.in_(campaign_ids))
                           .group_by(CampaignCost.campaign_id))
    return {key: Decimal(str(total or 0)).quantize(CENT) for key, total in rows}


def campaign_dict(session: Session, campaign: Campaign, *, detail: bool = False) -> dict[str, Any]:
    actual = campaign_costs(session, [campaign.id]).get(campaign.id, Decimal("0.00"))
    document: dict[str, Any] = {
        "id": campaign.id, "name": campaign.name, "kind": campaign.kind,
        "channel": campaign.channel.code, "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(), "budget": campaign.budget,
        "actual_cost": actual, "notes": campaign.notes}
    if detail:
        rows = session.execute(
            select(Participant, Party.name, Contact.name).join(Party, Party.id ==
                                                               Participant.party_id)
            .outerjoin(Contact, Contact.id == Participant.contact_id)
            .where(Participant.campaign_id == campaign.id).order_by(Party.name))
        document["participants"] = [
            {"client_id": p.party_id, "client": client, "contact": contact,
             "status": p.status, "lead": p.lead} for p, client, contact in rows]
        document["costs"] = [{"on": c.on.isoformat(), "amount": c.amount, "note": c.note}
                             for c in campaign.costs]
    return document


# ------------------------------------------------------------------ the return report


@dataclass
class ReturnRow:
    kind: str  # "channel" or "campaign"
    key: str
    name: str
    cost: Decimal
    leads: int
    deals_won: int
    revenue: Decimal

    @property
    def cost_per_lead(self) -> Decimal | None:
        return (self.cost / self.leads).quantize(CENT) if self.leads else None

    @property
    def roi(self) -> Decimal | None:
        """(revenue - cost) / cost, percent."""
        if not self.cost:
            return None
        return ((self.revenue - self.cost) * 100 / self.cost).quantize(CENT)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "name": self.name, "cost": self.cost,
                "leads": self.leads, "deals_won": self.deals_won, "revenue": self.revenue,
                "cost_per_lead": self.cost_per_lead, "roi": self.roi}


def _deal_table(session: Session) -> Any:
    """crm's deals (the documented columns of table ``crm_deals``)."""
    return Party.metadata.tables["crm_deals"]


def _revenue(session: Session, date_from: date, date_to: date, clients: Any) -> dict[Any, Decimal]:
    """Shipped net amount per group key in the period; ``clients`` is a select of
    ``(client_id, key)`` pairs."""
    platform_has_sales = True
    try:
        facts = plugin_service(session, "sales", "facts")
    except Exception:  # noqa: BLE001 - sales disabled: no shipped revenue to read
        platform_has_sales = False
    if not platform_has_sales:
        return {}
    lines = facts.sales_lines(session).subquery()
    pairs = clients.subquery()
    rows = session.execute(
        select(pairs.c.key, func.sum(lines.c.net_amount))
        .join(pairs, pairs.c.client_id == lines.c.client_id)
        .where(lines.c.date >= date_from, lines.c.date <= date_to)
        .group_by(pairs.c.key))
    return {key: Decimal(str(total or 0)).quantize(CENT) for key, total in rows}


def return_report(session: Session, date_from: Any, date_to: Any) -> list[ReturnRow]:
    """The return of every channel and every campaign in the period ``[date_from,
    date_to]``:

    * cost: the actual costs dated in the period (of the channel's campaigns);
    * leads: deals opened in the period (a channel's: with that source; a campaign's: of
      its participants, from its first day);
    * deals won: those of them won (closed in the period);
    * revenue: shipped net amounts in the period to the channel's clients (their source)
      or to the campaign's participants (from its first day) — the won deals' amounts
      where sales is not enabled;
    * cost per lead, and ROI = (revenue - cost) / cost in percent.
    """
    require_session_permission(session, "marketing.read")
    start = _day(date_from, "from")
    end = _day(date_to, "to")
    if end < start:
        raise ValidationError(f"to: {end.isoformat()} is before from {start.isoformat()}",
                              field="to")
    deals = _deal_table(session)
    ensure_channels(session)
    since = datetime.combine(start, time.min)
    until = datetime.combine(end + timedelta(days=1), time.min)
    channels = list(session.scalars(select(Channel).order_by(Channel.name)))
    campaigns = list(session.scalars(select(Campaign).order_by(Campaign.starts_on)))

    cost_rows = session.execute(
        select(CampaignCost.campaign_id, func.sum(CampaignCost.amount))
        .where(CampaignCost.on >= start, CampaignCost.on <= end)
        .group_by(CampaignCost.campaign_id))
    cost_by_campaign = {key: Decimal(str(total or 0)).quantize(CENT) for key, total in cost_rows}

    # channels
    leads = dict(session.execute(select(deals.c.source, func.count()).where(
        deals.c.created_at >= since, deals.c.created_at < until).group_by(deals.c.source)).all())
    won_rows = session.execute(select(deals.c.source, func.count(), func.sum(deals.c.amount))
                               .where(deals.c.state == "won", deals.c.closed_at >= since,
                                      deals.c.closed_at < until).group_by(deals.c.source))
    won = {key: (count, Decimal(str(total or 0))) for key, count, total in won_rows}
    revenue = _revenue(session, start, end, select(Party.id.label("client_id"),
                                                   Party.source.label("key")))
    sales_on = _sales_enabled(session)
    report = []
    for channel in channels:
        cost = sum((cost_by_campaign.get(c.id, Decimal(0)) for c in campaigns
                    if c.channel_id == channel.id), Decimal("0.00"))
        count, amount = won.get(channel.code, (0, Decimal(0)))
        report.append(ReturnRow("channel", channel.code, channel.name, cost.quantize(CENT),
                                int(leads.get(channel.code, 0)), int(count),
                                (revenue.get(channel.code, Decimal(0)) if sales_on
                                 else amount).quantize(CENT)))
    # sources that are not (or no longer) in the list still show, so nothing is lost
    listed = {channel.code for channel in channels}
    for code in sorted((set(leads) | set(won)) - listed - {"", None}):
        count, amount = won.get(code, (0, Decimal(0)))
        report.append(ReturnRow("channel", code, f"{code} (not in the list)",
                                Decimal("0.00"), int(leads.get(code, 0)), int(count),
                                (revenue.get(code, Decimal(0)) if sales_on
                                 else amount).quantize(CENT)))
    # campaigns: the deals and revenue of their participants from their first day
    for campaign in campaigns:
        members = select(Participant.party_id).where(Participant.campaign_id == campaign.id)
        opened_from = max(since, datetime.combine(campaign.starts_on, time.min))
        lead_count = session.scalar(select(func.count()).where(
            deals.c.party_id.in_(members), deals.c.created_at >= opened_from,
            deals.c.created_at < until)) or 0
        won_count, won_amount = session.execute(
            select(func.count(), func.sum(deals.c.amount)).where(
                deals.c.party_id.in_(members), deals.c.state == "won",
                deals.c.created_at >= datetime.combine(campaign.starts_on, time.min),
                deals.c.closed_at >= since, deals.c.closed_at < until)).one()
        if sales_on:
            income = _revenue(session, max(start, campaign.starts_on), end, select(
                Participant.party_id.label("client_id"),
                Participant.campaign_id.label("key")).where(
                    Participant.campaign_id == campaign.id).distinct()).get(
                campaign.id, Decimal(0))
        else:
            income = Decimal(str(won_amount or 0))
        report.append(ReturnRow("campaign", str(campaign.id), campaign.name,
                                cost_by_campaign.get(campaign.id, Decimal("0.00")),
                                int(lead_count), int(won_count or 0), income.quantize(CENT)))
    return report


def _sales_enabled(session: Session) -> bool:
    from ordercraft.sdk.plugins import site_platform

    return bool(site_platform(session).is_enabled("sales"))
