"""purchasing's tables: the product matrix (supplier offers with price breaks, a history
kept by superseding, never by overwriting), the request log with its proposed lines,
purchase orders with their lines, and the receipts posted against them."""

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

from ordercraft.sdk.models import Base, Item, Money, Party, Qty, WorkflowDocument, utcnow

ZERO = Decimal(0)


class Counter(Base):
    """The last number given per series (``order``, ``request``, ``receipt``)."""

    __tablename__ = "purchasing_counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class SupplierOffer(Base):
    """One supplier's price of one item, valid from/to; a changed price is a new row and
    the old one is superseded (its ``superseded_at`` set), so the history stays."""

    __tablename__ = "purchasing_offers"
    __table_args__ = (Index("ix_purchasing_offers_item_live", "item_id", "superseded_at"),
                      CheckConstraint("price >= 0", name="price"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    supplier_sku: Mapped[str] = mapped_column(String(64), default="")
    supplier_item_name: Mapped[str] = mapped_column(String(200), default="")
    price: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    min_qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    multiple: Mapped[Decimal | None] = mapped_column(Qty(), default=None)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    item: Mapped[Item] = relationship(lazy="joined", innerjoin=True)
    supplier: Mapped[Party] = relationship(lazy="joined", innerjoin=True)
    breaks: Mapped[list[PriceBreak]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", order_by="PriceBreak.min_qty",
        lazy="selectin")


class PriceBreak(Base):
    """From ``min_qty`` on, the unit price is ``price``."""

    __tablename__ = "purchasing_price_breaks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_offers.id", ondelete="CASCADE"), index=True)
    min_qty: Mapped[Decimal] = mapped_column(Qty())
    price: Mapped[Decimal] = mapped_column(Money())

    offer: Mapped[SupplierOffer] = relationship(back_populates="breaks")


class PurchaseRequest(Base):
    """One entry of the request log: who generated which lines, when, by which route and
    with which parameters."""

    __tablename__ = "purchasing_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    route: Mapped[str] = mapped_column(String(20), index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    lines: Mapped[list[RequestLine]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestLine.id",
        lazy="selectin")


class RequestLine(Base):
    """A proposed purchase: the buyer edits it, drops it or orders it (then it names
    the purchase order line)."""

    __tablename__ = "purchasing_request_lines"
    __table_args__ = (CheckConstraint("status IN ('proposed', 'ordered', 'dropped')",
                                      name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_requests.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), default=None)
    qty: Mapped[Decimal] = mapped_column(Qty())
    need_qty: Mapped[Decimal] = mapped_column(Qty())
    price: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    currency: Mapped[str] = mapped_column(String(3), default="")
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    #: What the line serves: ``[{"ref": "SO-00001", "qty": "4"}, ...]``.
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchasing_order_lines.id"), default=None)

    request: Mapped[PurchaseRequest] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship(lazy="joined", innerjoin=True)
    supplier: Mapped[Party | None] = relationship(lazy="joined")


class PurchaseOrder(WorkflowDocument, Base):
    """An order to one supplier (document type ``purchase_order``, :mod:`.machine`)."""

    __document_type__ = "purchase_order"
    __tablename__ = "purchasing_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    currency: Mapped[str] = mapped_column(String(3))
    order_date: Mapped[date] = mapped_column(Date)
    expected_date: Mapped[date | None] = mapped_column(Date, default=None)
    #: The date the supplier confirmed.
    supplier_date: Mapped[date | None] = mapped_column(Date, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    sent_to: Mapped[str] = mapped_column(String(200), default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    supplier: Mapped[Party] = relationship(lazy="joined", innerjoin=True)
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan",
        order_by="PurchaseOrderLine.position", lazy="selectin")
    receipts: Mapped[list[Receipt]] = relationship(
        back_populates="order", order_by="Receipt.id", lazy="selectin")


class PurchaseOrderLine(Base):
    __tablename__ = "purchasing_order_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty())
    price: Mapped[Decimal] = mapped_column(Money())
    received_qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    expected_date: Mapped[date | None] = mapped_column(Date, default=None)
    #: What the line serves (from its request lines or a firmed planned order).
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship(lazy="joined", innerjoin=True)

    @property
    def open_qty(self) -> Decimal:
        return max(self.qty - self.received_qty, ZERO)


class Receipt(Base):
    """Goods received against a purchase order: one stock receipt (or, for a return to
    the supplier, one stock issue with negative quantities here)."""

    __tablename__ = "purchasing_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_orders.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    receipt_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10), default="receipt")
    stock_document_id: Mapped[int | None] = mapped_column(Integer, default=None)
    extra_cost: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    spread: Mapped[str] = mapped_column(String(10), default="value")
    user_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    order: Mapped[PurchaseOrder] = relationship(back_populates="receipts")
    lines: Mapped[list[ReceiptLine]] = relationship(
        back_populates="receipt", cascade="all, delete-orphan", lazy="selectin")


class ReceiptLine(Base):
    __tablename__ = "purchasing_receipt_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_receipts.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchasing_order_lines.id"))
    qty: Mapped[Decimal] = mapped_column(Qty())
    #: The PO price plus the line's share of the extra costs, per unit.
    unit_cost: Mapped[Decimal] = mapped_column(Money())

    receipt: Mapped[Receipt] = relationship(back_populates="lines")


class SupplierInvoice(Base):
    """A supplier's invoice for (part of) a purchase order, matched against the order and
    its receipts (three-way match, :mod:`.invoices`)."""

    __tablename__ = "purchasing_supplier_invoices"
    __table_args__ = (UniqueConstraint("order_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_orders.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    invoice_date: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    user_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    lines: Mapped[list[SupplierInvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", lazy="selectin")


class SupplierInvoiceLine(Base):
    __tablename__ = "purchasing_supplier_invoice_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_supplier_invoices.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchasing_order_lines.id"))
    qty: Mapped[Decimal] = mapped_column(Qty())
    price: Mapped[Decimal] = mapped_column(Money())

    invoice: Mapped[SupplierInvoice] = relationship(back_populates="lines")
