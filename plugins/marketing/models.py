"""The marketing plugin's tables: channels, campaigns with their costs and participants,
mailings with their messages, consents, and surveys with their answers.

Clients and deals carry their channel in crm's ``source`` column, which holds a
channel's ``code``; the channels themselves are the reference list kept here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercraft.sdk.models import Audited, Base, Money, utcnow

CAMPAIGN_KINDS = ("exhibition", "seminar", "ad", "mailing", "other")
PARTICIPANT_STATUSES = ("invited", "attended")
MAILING_CHANNELS = ("email", "sms")
MAILING_MODES = ("now", "scheduled", "triggered")
MAILING_STATES = ("draft", "scheduled", "active", "sent", "cancelled")
TRIGGERS = ("group_entered", "order_shipped")


class Channel(Base):
    """A marketing channel (exhibition, seminar, ad, referral, website, ...)."""

    __tablename__ = "marketing_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What clients' and deals' ``source`` holds.
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Campaign(Audited, Base):
    """A campaign or an event (an exhibition on given dates) with its budget and costs."""

    __tablename__ = "marketing_campaigns"
    __audit_entity__ = "campaign"
    __table_args__ = (Index("ix_marketing_campaigns_dates", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="other")
    channel_id: Mapped[int] = mapped_column(ForeignKey("marketing_channels.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    budget: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    channel: Mapped[Channel] = relationship(lazy="joined", innerjoin=True)
    costs: Mapped[list[CampaignCost]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignCost.id")


class CampaignCost(Base):
    """An actual cost of a campaign (the stand, the flights, the printed leaflets)."""

    __tablename__ = "marketing_campaign_costs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("marketing_campaigns.id", ondelete="CASCADE"), index=True)
    on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    note: Mapped[str] = mapped_column(String(200), default="")

    campaign: Mapped[Campaign] = relationship(back_populates="costs")


class Participant(Base):
    """A client (and its contact) invited to a campaign's event, or who attended it."""

    __tablename__ = "marketing_participants"
    __table_args__ = (
        UniqueConstraint("campaign_id", "party_id", "contact_id", name="uq_marketing_participant"),
        CheckConstraint("status IN ('invited', 'attended')", name="status"),
        Index("ix_marketing_participants_party", "party_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("marketing_campaigns.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), default=None)
    status: Mapped[str] = mapped_column(String(10), default="invited")
    #: The campaign brought this client in (a lead), not just met an existing one.
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Mailing(Audited, Base):
    """An e-mail or SMS to a crm client group, from a Jinja template, sent now, at a
    scheduled time, or triggered (a client enters the group; N days after a shipment)."""

    __tablename__ = "marketing_mailings"
    __audit_entity__ = "mailing"
    __table_args__ = (Index("ix_marketing_mailings_due", "state", "scheduled_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10), default="email")
    group_id: Mapped[int] = mapped_column(ForeignKey("crm_groups.id"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketing_campaigns.id", ondelete="SET NULL"), default=None)
    survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketing_surveys.id", ondelete="SET NULL"), default=None)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(10), default="now")
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    trigger: Mapped[str | None] = mapped_column(String(20), default=None)
    trigger_days: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    #: Triggered ``group_entered``: the clients already in the group (not to be sent).
    seen_party_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: Contacts left out when it was queued because their address had bounced.
    skipped_bounced: Mapped[int] = mapped_column(Integer, default=0)


class MailingMessage(Base):
    """One message of a mailing to one contact (``key``: what it answers, e.g. the
    shipped order of an ``order_shipped`` trigger; one message per contact and key)."""

    __tablename__ = "marketing_messages"
    __table_args__ = (
        UniqueConstraint("mailing_id", "contact_id", "key", name="uq_marketing_message"),
        Index("ix_marketing_messages_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailing_id: Mapped[int] = mapped_column(
        ForeignKey("marketing_mailings.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(String(200))
    outbox_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: When the message bounced (the server refused its address for good), and why.
    bounced_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    bounce_reason: Mapped[str] = mapped_column(String(500), default="")


class Bounce(Base):
    """An e-mail address that bounced (lower-case): later mailings skip the contacts
    who have it (a contact whose address changes is reached again)."""

    __tablename__ = "marketing_bounces"

    address: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(500), default="")
    #: ``smtp`` (refused while sending) or ``report`` (a bounce report, a manager).
    source: Mapped[str] = mapped_column(String(20), default="")
    count: Mapped[int] = mapped_column(Integer, default=1)


class Consent(Base):
    """A contact's consent to marketing on one channel (no row: consents), with the
    date and source of the last change (``unsubscribe link``, ``manager``)."""

    __tablename__ = "marketing_consents"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    granted: Mapped[bool] = mapped_column(Boolean, default=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(100), default="")


class Survey(Base):
    """A short questionnaire: ``questions`` is ``[{"key", "text", "kind": "rating"|"text"}]``."""

    __tablename__ = "marketing_surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SurveyAnswer(Base):
    """A contact's answers to a survey (one per contact and mailing; answering again
    replaces them)."""

    __tablename__ = "marketing_survey_answers"
    __table_args__ = (
        UniqueConstraint("survey_id", "contact_id", "mailing_id", name="uq_marketing_answer"),
        Index("ix_marketing_answers_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("marketing_surveys.id",
                                                      ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    mailing_id: Mapped[int | None] = mapped_column(Integer, default=None)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
