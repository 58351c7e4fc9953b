"""Parties (clients, suppliers), their legal entities and contacts; items; warehouses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercraft.core.db import Base, utcnow
from ordercraft.core.models.audit import Audited
from ordercraft.core.types import Money, Qty

if TYPE_CHECKING:
    from ordercraft.core.models.users import User

PARTY_KINDS = ("client", "supplier", "both")
ITEM_KINDS = ("good", "component", "assembly", "service")
VALUATIONS = ("fifo", "average")


class Party(Audited, Base):
    __tablename__ = "parties"
    __audit_entity__ = "party"
    __table_args__ = (CheckConstraint("kind IN ('client', 'supplier', 'both')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="client")
    source: Mapped[str] = mapped_column(String(50), default="")
    tax_id: Mapped[str] = mapped_column(String(50), default="", index=True)
    phone: Mapped[str] = mapped_column(String(50), default="", index=True)
    email: Mapped[str] = mapped_column(String(200), default="", index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    tag_rows: Mapped[list[PartyTag]] = relationship(
        back_populates="party", cascade="all, delete-orphan", lazy="selectin")
    legal_entities: Mapped[list[LegalEntity]] = relationship(
        back_populates="party", cascade="all, delete-orphan", order_by="LegalEntity.id")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="party", cascade="all, delete-orphan", order_by="Contact.id")

    @property
    def tags(self) -> list[str]:
        return sorted(t.tag for t in self.tag_rows)


class PartyTag(Base):
    """Group tags ("school", "dealer"): a row each, so rules can filter on them in SQL."""

    __tablename__ = "party_tags"

    party_id: Mapped[int] = mapped_column(
        ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)

    party: Mapped[Party] = relationship(back_populates="tag_rows")


class LegalEntity(Audited, Base):
    """A legal person a party trades through; a party may have several over time."""

    __tablename__ = "legal_entities"
    __audit_entity__ = "legal_entity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(50), default="", index=True)
    registration_no: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    bank_details: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)

    party: Mapped[Party] = relationship(back_populates="legal_entities")


class Contact(Audited, Base):
    __tablename__ = "contacts"
    __audit_entity__ = "contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="", index=True)
    email: Mapped[str] = mapped_column(String(200), default="", index=True)
    #: Further channels: ``[{"kind": "telegram", "value": "@anna"}, ...]``.
    channels: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")

    party: Mapped[Party] = relationship(back_populates="contacts")


class Item(Audited, Base):
    __tablename__ = "items"
    __audit_entity__ = "item"
    __table_args__ = (
        CheckConstraint("kind IN ('good', 'component', 'assembly', 'service')", name="kind"),
        CheckConstraint("valuation IN ('fifo', 'average')", name="valuation"),
        CheckConstraint("unit_precision >= 0 AND unit_precision <= 6", name="unit_precision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="good")
    unit: Mapped[str] = mapped_column(String(20), default="pc")
    #: Decimal places a quantity of this item may have (0 for pieces, 3 for kg).
    unit_precision: Mapped[int] = mapped_column(Integer, default=0)
    valuation: Mapped[str] = mapped_column(String(10), default="fifo")
    #: List (sale) price per unit; calculators read it through the catalog.
    price: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    #: What one unit should cost to make or buy (planned costing may use it); ``None``:
    #: not set.
    standard_cost: Mapped[Decimal | None] = mapped_column(Money(), default=None,
                                                         nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    attributes: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The item's group in the catalogue tree (none: ungrouped).
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_groups.id", ondelete="SET NULL"), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[ItemGroup | None] = relationship(lazy="joined")
    units: Mapped[list[ItemUnit]] = relationship(
        order_by="ItemUnit.unit", cascade="all, delete-orphan", back_populates="item")


class ItemGroup(Audited, Base):
    """A node of the catalogue tree ("Furniture / Chairs"); names are unique."""

    __tablename__ = "item_groups"
    __audit_entity__ = "item_group"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_groups.id", ondelete="RESTRICT"), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ItemUnit(Audited, Base):
    """Another unit an item is counted in: a ``box`` of 12 is ``factor`` 12 of the item's
    own unit (stock is always kept in the item's own unit)."""

    __tablename__ = "item_units"
    __audit_entity__ = "item_unit"
    __table_args__ = (UniqueConstraint("item_id", "unit"),
                      CheckConstraint("factor > 0", name="factor"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(20))
    factor: Mapped[Decimal] = mapped_column(Qty())

    item: Mapped[Item] = relationship(back_populates="units")


class Warehouse(Audited, Base):
    __tablename__ = "warehouses"
    __audit_entity__ = "warehouse"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
