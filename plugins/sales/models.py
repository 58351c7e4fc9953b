"""The sales plugin's tables: orders and their lines, shipments, and the stock documents
posted for each order.

An order's money figures (line net, tax and total; order subtotal, tax and total) are
stored, computed by :mod:`.totals` whenever lines change, so that lists of 50,000
orders read them without summing lines. The fulfilment figures of a line
(``reserved_qty``, ``shipped_qty``, ``to_produce_qty``, ``to_buy_qty``) mirror what the
order posted in the stock ledger, written in the same transaction as the postings.
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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercraft.sdk.models import Audited, Base, Money, Qty, WorkflowDocument, utcnow

if TYPE_CHECKING:
    from ordercraft.sdk.models import Item, LegalEntity, Party, User, Warehouse

ZERO = Decimal(0)


class Order(WorkflowDocument, Audited, Base):
    """A customer order (document type ``order``); its states are in :mod:`.machine`."""

    __tablename__ = "sales_orders"
    __document_type__ = "order"
    __audit_entity__ = "order"
    __table_args__ = (
        UniqueConstraint("number"),
        # The orders list: newest first, optionally by state or by client.
        Index("ix_sales_orders_date", "order_date", "id"),
        Index("ix_sales_orders_state_date", "state", "order_date", "id"),
        Index("ix_sales_orders_party_date", "party_id", "order_date", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    #: The client (a party); named like every document of a client, so crm shows the
    #: order on the client's timeline.
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    legal_entity_id: Mapped[int | None] = mapped_column(ForeignKey("legal_entities.id"),
                                                        default=None)
    #: The crm deal the order comes from (crm's ``crm_deals``), if any.
    deal_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    #: Where the order's goods are reserved and shipped from.
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None,
                                                   index=True)
    order_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Sum of the lines' net amounts (after discount, before tax).
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: Units of made-to-order items (assemblies priced for the customer, e.g. custom
    #: robots): business processes read it (``custom_count > 0``).
    custom_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Lines that the stock did not cover at confirmation (to produce or to buy).
    shortage_count: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None, index=True)
    invoiced_on: Mapped[date | None] = mapped_column(Date, default=None)
    paid_on: Mapped[date | None] = mapped_column(Date, default=None)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.position")
    client: Mapped[Party] = relationship(foreign_keys=[party_id])
    legal_entity: Mapped[LegalEntity | None] = relationship(foreign_keys=[legal_entity_id])
    warehouse: Mapped[Warehouse] = relationship(foreign_keys=[warehouse_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id")
    #: The payment schedule (a proposal's milestones, or entered on the order).
    milestones: Mapped[list[PaymentMilestone]] = relationship(
        back_populates="order", cascade="all, delete-orphan",
        order_by="PaymentMilestone.position")

    @property
    def invoice_number(self) -> str:
        return f"INV-{self.number}"

    @property
    def has_shortages(self) -> bool:
        return self.shortage_count > 0


class OrderLine(Audited, Base):
    __tablename__ = "sales_order_lines"
    __audit_entity__ = "order_line"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        # Suggestions: what else the orders of an item contain.
        Index("ix_sales_order_lines_item_order", "item_id", "order_id"),
        # Signs only: on SQLite the column holds a scaled integer, so "<= 100" would not
        # mean 100 percent there (the service checks the upper bounds).
        CheckConstraint("qty > 0", name="qty"),
        CheckConstraint("discount_pct >= 0", name="discount"),
        CheckConstraint("tax_rate >= 0", name="tax_rate"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"))
    #: 1, 2, 3...: how people (and the CLI's ``--line N:QTY``) name a line.
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    description: Mapped[str] = mapped_column(String(300), default="")
    qty: Mapped[Decimal] = mapped_column(Qty())
    price: Mapped[Decimal] = mapped_column(Money())
    discount_pct: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_rate: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    net_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: What the order holds of this line in the ledger right now.
    reserved_qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    shipped_qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    #: What the stock did not cover, to be made (assemblies) or bought (the rest).
    to_produce_qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    to_buy_qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    #: A line priced by a calculator run: the run's ``calculator``, script ``version``,
    #: ``params``, ``total``, result ``lines``, the ``catalog`` prices it read and its
    #: ``run_id``, so the price can be reproduced (``None`` for other lines).
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    order: Mapped[Order] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship(lazy="joined", innerjoin=True)

    @property
    def holder(self) -> str:
        """The name the line's reservation carries in the stock ledger."""
        return f"order:{self.order_id}:line:{self.id}"

    @property
    def remaining_qty(self) -> Decimal:
        """Still to ship."""
        return self.qty - self.shipped_qty

    @property
    def is_stock(self) -> bool:
        return self.item.kind != "service"


class Shipment(Base):
    """One shipment of an order: the stock issue it posted and what it contained."""

    __tablename__ = "sales_shipments"
    __table_args__ = (UniqueConstraint("number"),
                      CheckConstraint("status IN ('posted', 'cancelled')", name="status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"),
                                          index=True)
    #: ``SO-00012-1``: the order's number and the shipment's sequence.
    number: Mapped[str] = mapped_column(String(40))
    ship_date: Mapped[date] = mapped_column(Date)
    #: The stock issue (``None`` when the shipment holds only services).
    stock_document_id: Mapped[int | None] = mapped_column(ForeignKey("stock_documents.id"),
                                                          default=None)
    status: Mapped[str] = mapped_column(String(10), default="posted")
    #: The ledger's reversal of the issue, once the shipment is cancelled.
    reversal_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("stock_documents.id"), default=None)
    user_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="shipments")
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", order_by="ShipmentLine.id")


class ShipmentLine(Base):
    __tablename__ = "sales_shipment_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("sales_shipments.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("sales_order_lines.id", ondelete="CASCADE"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty())
    #: What the goods shipped cost: the value of the shipment's stock issue for this
    #: line (FIFO layers or moving average, as the ledger valued it); zero for a service.
    cost: Mapped[Decimal | None] = mapped_column(Money(), default=None)

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship(lazy="joined", innerjoin=True)


class SalesTotal(Base):
    """Derived: shipped sales summed per month, per item, client or manager and per
    warehouse, kept by :mod:`.summary` as shipments post and are cancelled (and rebuilt
    from the shipments by ``ordercraft order rebuild-totals``), so analyses of a year
    read thousands of rows, not a million lines."""

    __tablename__ = "sales_totals"

    #: The first day of the month.
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    #: ``item``, ``client`` or ``manager``: what ``key_id`` is.
    dimension: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: The item, client or manager (``0``: an order without a manager).
    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    warehouse_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    net_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    cost: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    lines: Mapped[int] = mapped_column(Integer, default=0)


class OrderPosting(Base):
    """A stock document posted for an order (reservation, issue, release, reversal), so
    an order can say what it did in the ledger and undo it."""

    __tablename__ = "sales_order_postings"
    __table_args__ = (CheckConstraint(
        "kind IN ('reservation', 'issue', 'release', 'reversal')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"),
                                          index=True)
    stock_document_id: Mapped[int] = mapped_column(ForeignKey("stock_documents.id"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Counter(Base):
    """Number sequences (``order``): taken under a row lock, so numbers never repeat."""

    __tablename__ = "sales_counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


# --------------------------------------------------------------------------- money in
# Invoices, payments and the payment schedule (docs/sales.md, "Invoices and payments").


class PaymentMilestone(Base):
    """One step of an order's payment schedule: a share (``percent``) or an ``amount`` of
    the order's total, due on a trigger. A prepayment invoice is issued from it."""

    __tablename__ = "sales_payment_milestones"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        CheckConstraint("trigger IN ('acceptance', 'before_production', 'shipment', "
                        "'days_after')", name="trigger"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    percent: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    amount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    trigger: Mapped[str] = mapped_column(String(20))
    #: For ``days_after``: due this many days after the shipment.
    days: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="milestones")


class Invoice(WorkflowDocument, Audited, Base):
    """An invoice (document type ``invoice``): a prepayment from the payment schedule, an
    invoice for what was shipped, or a credit note (amounts below zero). Its money figures
    are the sums of its rounded lines; ``open_amount`` is what is still to be paid (kept
    with each allocation, so the aging report reads one row per invoice)."""

    __tablename__ = "sales_invoices"
    __document_type__ = "invoice"
    __audit_entity__ = "invoice"
    __table_args__ = (
        UniqueConstraint("number"),
        CheckConstraint("kind IN ('prepayment', 'shipment', 'credit_note')", name="kind"),
        # The aging report and the overdue list: open invoices by due date.
        Index("ix_sales_invoices_open_due", "state", "due_date"),
        # The aging report reads this index alone (covering): open amounts by client,
        # state and due date, without touching the table (50,000 invoices: 37 ms, not 330).
        Index("ix_sales_invoices_aging", "party_id", "state", "due_date", "open_amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_payment_milestones.id"), default=None)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("sales_shipments.id"),
                                                    default=None)
    #: The invoice a credit note corrects.
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoices.id"),
                                                            default=None)
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    open_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position")
    order: Mapped[Order] = relationship(foreign_keys=[order_id])
    client: Mapped[Party] = relationship(foreign_keys=[party_id])
    milestone: Mapped[PaymentMilestone | None] = relationship(foreign_keys=[milestone_id])

    @property
    def paid_amount(self) -> Decimal:
        return self.total - self.open_amount


class InvoiceLine(Base):
    """A line of an invoice: goods of an order line (``order_line_id``), a prepayment, or
    the deduction of prepayments already invoiced (``order_line_id`` empty)."""

    __tablename__ = "sales_invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_lines.id"),
                                                      default=None, index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), default=None)
    description: Mapped[str] = mapped_column(String(300), default="")
    qty: Mapped[Decimal] = mapped_column(Qty())
    price: Mapped[Decimal] = mapped_column(Money())
    discount_pct: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_rate: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    net_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(Audited, Base):
    """Money received from a client. ``unallocated`` is the client's credit left from it
    (an overpayment, or a payment not yet matched to an invoice)."""

    __tablename__ = "sales_payments"
    __audit_entity__ = "payment"
    __table_args__ = (UniqueConstraint("number"),
                      CheckConstraint("amount > 0", name="amount"),
                      Index("ix_sales_payments_party", "party_id", "pay_date"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money())
    unallocated: Mapped[Decimal] = mapped_column(Money())
    pay_date: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(30), default="bank")
    reference: Mapped[str] = mapped_column(String(200), default="")
    payer: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    client: Mapped[Party] = relationship(foreign_keys=[party_id])
    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", order_by="PaymentAllocation.id")


class PaymentAllocation(Base):
    """Part of a payment (or of a credit note's credit) settling an invoice. Never
    changed nor deleted: money moves are a ledger."""

    __tablename__ = "sales_payment_allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("sales_payments.id"),
                                                   default=None, index=True)
    #: A credit note settling the invoice it corrects (instead of a payment).
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoices.id"),
                                                       default=None)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    payment: Mapped[Payment | None] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice] = relationship(foreign_keys=[invoice_id])
