"""The crm plugin's tables: deals (a workflow document), interactions with clients, and
client groups defined by rules.

Clients themselves are the core's parties (kind ``client`` or ``both``) with their tags,
source, manager, legal entities and contacts; crm adds rows that point at them and never
copies their fields.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercraft.sdk.models import Audited, Base, Money, WorkflowDocument, utcnow

if TYPE_CHECKING:
    from ordercraft.sdk.models import Contact, Party, User

#: Kinds of interaction, in the order forms offer them.
INTERACTION_KINDS = ("meeting", "incoming_call", "outgoing_call", "sms", "email")
INTERACTION_LABELS = {"meeting": "Meeting", "incoming_call": "Incoming call",
                      "outgoing_call": "Outgoing call", "sms": "SMS", "email": "E-mail"}
GROUP_MATCHES = ("all", "any")


class Deal(WorkflowDocument, Audited, Base):
    """A possible sale to a client, moving through the funnel (see :mod:`.funnel`)."""

    __tablename__ = "crm_deals"
    __document_type__ = "deal"
    __audit_entity__ = "deal"
    __table_args__ = (
        CheckConstraint("probability >= 0 AND probability <= 100", name="probability"),
        Index("ix_crm_deals_party", "party_id", "state"),
        Index("ix_crm_deals_manager", "manager_id", "state"),
        Index("ix_crm_deals_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), default=None)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: The expected amount of the sale.
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    expected_close: Mapped[date | None] = mapped_column(Date, default=None)
    #: Chance of winning, percent; set from the stage on every move, editable between moves.
    probability: Mapped[int] = mapped_column(Integer, default=10)
    #: The marketing source of this deal (the client's source unless told otherwise).
    source: Mapped[str] = mapped_column(String(50), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    lost_reason: Mapped[str] = mapped_column(Text, default="")
    #: The furthest funnel stage the deal reached (0 lead ... 4 won), so the funnel report
    #: counts a deal lost in negotiation as having passed every stage before it.
    reached_rank: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    party: Mapped[Party] = relationship(lazy="joined", innerjoin=True)
    contact: Mapped[Contact | None] = relationship()
    manager: Mapped[User | None] = relationship(lazy="joined")

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.probability / 100).quantize(Decimal("0.01"))

    @property
    def is_open(self) -> bool:
        return self.state not in ("won", "lost")


class Interaction(Audited, Base):
    """A meeting, call, SMS or e-mail with a client, and the next step it led to."""

    __tablename__ = "crm_interactions"
    __audit_entity__ = "interaction"
    __table_args__ = (
        CheckConstraint("kind IN ('meeting', 'incoming_call', 'outgoing_call', 'sms', "
                        "'email')", name="kind"),
        Index("ix_crm_interactions_party", "party_id", "at"),
        Index("ix_crm_interactions_manager", "manager_id", "at"),
        Index("ix_crm_interactions_deal", "deal_id"),
        Index("ix_crm_interactions_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), default=None)
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_deals.id", ondelete="SET NULL"), default=None)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime)
    subject: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(String(300), default="")
    next_step_due: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    #: The marketing channel that brought the contact about (a code of marketing's list,
    #: like a client's and a deal's ``source``); empty when not told.
    source: Mapped[str] = mapped_column(String(50), default="")
    #: The task the next step became (no foreign key: tasks belong to the workflow
    #: engine, which refers to documents the same loose way).
    task_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    party: Mapped[Party] = relationship(lazy="joined", innerjoin=True)
    contact: Mapped[Contact | None] = relationship(lazy="joined")
    deal: Mapped[Deal | None] = relationship()
    manager: Mapped[User | None] = relationship(lazy="joined")

    @property
    def kind_label(self) -> str:
        return INTERACTION_LABELS.get(self.kind, self.kind)


class ClientGroup(Audited, Base):
    """A named selection of clients by rules ("tag = school", "bought_within_days = 90"),
    evaluated in SQL whenever it is used, so its members are always current."""

    __tablename__ = "crm_groups"
    __audit_entity__ = "client_group"
    __table_args__ = (CheckConstraint("match IN ('all', 'any')", name="match"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    #: ``all``: a client must meet every rule; ``any``: one is enough.
    match: Mapped[str] = mapped_column(String(10), default="all")
    #: ``[{"kind": "tag", "negate": false, "value": "school"}, ...]``
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
