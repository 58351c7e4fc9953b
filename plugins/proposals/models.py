"""The proposals plugin's tables: product templates for configuration, proposals (TCP)
with their lines, payment schedule and sent versions.

Money figures of a line (net, tax, total, cost, margin) are stored, computed by
:mod:`.pricing` whenever the proposal changes, so lists read them without summing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

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

from ordercraft.sdk.models import Audited, Base, Money, Qty, WorkflowDocument, utcnow

if TYPE_CHECKING:
    from ordercraft.sdk.models import Item, Party

ZERO = Decimal(0)
LINE_KINDS = ("item", "config", "calc", "text")


class ProductTemplate(Audited, Base):
    """A product to configure: its base items, option groups, compatibility rules and
    marketing text, as declarative data (``definition``, checked by
    :func:`ordercraft.plugins.proposals.configurator.check_definition`)."""

    __tablename__ = "proposals_templates"
    __audit_entity__ = "product_template"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    #: Marketing text printed on the customer's proposal, and an image address.
    description: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[str] = mapped_column(String(500), default="")
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Proposal(WorkflowDocument, Audited, Base):
    """A technical and commercial proposal (document type ``proposal``)."""

    __tablename__ = "proposals"
    __document_type__ = "proposal"
    __audit_entity__ = "proposal"
    __table_args__ = (
        UniqueConstraint("number"),
        Index("ix_proposals_party", "party_id", "proposal_date"),
        Index("ix_proposals_state_date", "state", "proposal_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    #: The client: named like every client document, so crm shows it on the timeline.
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), default=None)
    deal_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    title: Mapped[str] = mapped_column(String(200), default="")
    proposal_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    #: 1 until sent; a proposal changed after it was sent is sent again as version 2...
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: The version last sent to the client (0: never sent).
    sent_version: Mapped[int] = mapped_column(Integer, default=0)
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    cost_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: The largest discount of a line (percent): approvals compare it to the threshold.
    max_discount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: The discount level a user with ``proposal.approve`` approved (None: none).
    approved_discount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    approved_by: Mapped[str] = mapped_column(String(100), default="")
    #: The customer order made when the proposal was accepted (sales' ``sales_orders``).
    order_id: Mapped[int | None] = mapped_column(Integer, default=None)
    order_number: Mapped[str] = mapped_column(String(30), default="")
    close_reason: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[ProposalLine]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan",
        order_by="ProposalLine.position")
    milestones: Mapped[list[ProposalMilestone]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan",
        order_by="ProposalMilestone.position")
    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan",
        order_by="ProposalVersion.version")
    client: Mapped[Party] = relationship(foreign_keys=[party_id])

    @property
    def margin(self) -> Decimal:
        return self.subtotal - self.cost_total

    @property
    def needs_approval(self) -> bool:
        """A line's discount is above what was approved (see the threshold setting)."""
        return self.approved_discount is None or self.max_discount > self.approved_discount


class ProposalLine(Base):
    """A line: a catalog item (``item``), a line of a configured template (``config``,
    grouped by ``group_key``), a calculator run (``calc``: ``calc`` holds the script's
    name, version, inputs and result lines so it reprices reproducibly), or free text
    (``text``). An ``optional`` line is offered; the client ticks it (``chosen``)."""

    __tablename__ = "proposals_lines"
    __table_args__ = (
        UniqueConstraint("proposal_id", "position"),
        CheckConstraint("kind IN ('item', 'config', 'calc', 'text')", name="kind"),
        CheckConstraint("qty >= 0", name="qty"),
        CheckConstraint("discount_pct >= 0", name="discount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    #: Lines of one configured template (or one calculator run) share a group.
    group_key: Mapped[str] = mapped_column(String(40), default="")
    group_title: Mapped[str] = mapped_column(String(200), default="")
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), default=None)
    description: Mapped[str] = mapped_column(String(300), default="")
    #: Technical characteristics shown on the proposal (``{"Ports": "16"}``).
    characteristics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    price: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    discount_pct: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_rate: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    unit_cost: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: Where the cost comes from: ``stock`` (the ledger), ``calc``, ``price`` (no stock:
    #: the item's list price is all we know), ``none``.
    cost_source: Mapped[str] = mapped_column(String(10), default="none")
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    chosen: Mapped[bool] = mapped_column(Boolean, default=True)
    net_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    cost_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: A calculator line: ``{"calculator", "version", "inputs", "lines", "total"}``; a
    #: configured group's first line: ``{"template", "options"}``.
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    proposal: Mapped[Proposal] = relationship(back_populates="lines")
    item: Mapped[Item | None] = relationship(lazy="joined")

    @property
    def counts(self) -> bool:
        """In the totals: not a text line, and chosen if optional."""
        return self.kind != "text" and (not self.optional or self.chosen)


class ProposalMilestone(Base):
    """A step of the payment schedule (copied to the order on acceptance)."""

    __tablename__ = "proposals_milestones"
    __table_args__ = (UniqueConstraint("proposal_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    percent: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    amount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    trigger: Mapped[str] = mapped_column(String(20))
    days: Mapped[int] = mapped_column(Integer, default=0)

    proposal: Mapped[Proposal] = relationship(back_populates="milestones")


class ProposalVersion(Base):
    """What was sent: the proposal's lines and totals as the client saw them."""

    __tablename__ = "proposals_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_to: Mapped[str] = mapped_column(String(200), default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")


class ProposalCounter(Base):
    """The numbering series of proposals (``proposal``): one row per series, taken under
    its row lock by every new proposal, so two proposals started at the same time never
    get the same number (the unique constraint on ``proposals.number`` stays the last
    guard)."""

    __tablename__ = "proposals_counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
