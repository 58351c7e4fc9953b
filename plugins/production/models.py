"""The production plugin's tables: bills of materials (versions and lines), work centres,
technology maps (routings) and their operations, production orders with their component
requirements and the stock documents they posted.

A BOM line stores the quantity as written (``qty`` in ``unit``, per ``output_qty`` of the
product) and, converted once when the line is saved, ``base_qty``: the same quantity in
the component's base unit. Everything that explodes or costs a BOM reads ``base_qty``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

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

ZERO = Decimal(0)


class Bom(Audited, Base):
    """One version of the bill of materials of an item (``valid_from``: the first day it
    is the active one; the active version on a date is the latest ``valid_from`` on or
    before it)."""

    __tablename__ = "production_boms"
    __audit_entity__ = "bom"
    __table_args__ = (
        UniqueConstraint("item_id", "version"),
        CheckConstraint("output_qty > 0", name="output_qty"),
        Index("ix_production_boms_item_from", "item_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    version: Mapped[str] = mapped_column(String(20), default="1")
    #: The BOM is written for this many units of the product (in ``output_unit``).
    output_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(1))
    output_unit: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date] = mapped_column(Date, default=date(2000, 1, 1))
    routing_id: Mapped[int | None] = mapped_column(ForeignKey("production_routings.id"),
                                                   default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    lines: Mapped[list[BomLine]] = relationship(
        back_populates="bom", order_by="BomLine.position", cascade="all, delete-orphan")


class BomLine(Base):
    __tablename__ = "production_bom_lines"
    __table_args__ = (
        CheckConstraint("kind IN ('component', 'byproduct')", name="kind"),
        CheckConstraint("qty > 0", name="qty"),
        Index("ix_production_bom_lines_component", "component_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bom_id: Mapped[int] = mapped_column(ForeignKey("production_boms.id", ondelete="CASCADE"),
                                        index=True)
    position: Mapped[int] = mapped_column(Integer)
    component_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    #: As written: ``qty`` of ``unit`` per ``output_qty`` of the product.
    qty: Mapped[Decimal] = mapped_column(Qty())
    unit: Mapped[str] = mapped_column(String(20))
    #: ``qty`` converted to the component's base unit (still per ``output_qty``).
    base_qty: Mapped[Decimal] = mapped_column(Qty())
    scrap_pct: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    kind: Mapped[str] = mapped_column(String(10), default="component")
    #: By-products: their share of the order's cost, percent.
    cost_share: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: A phantom sub-assembly is exploded through (its own BOM's lines), never stocked.
    phantom: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The stage of a multi-stage product this component is consumed in (0: the first).
    stage: Mapped[int] = mapped_column(Integer, default=0)

    bom: Mapped[Bom] = relationship(back_populates="lines")


class WorkCentre(Base):
    """Where operations run (assembly, soldering, software) and what an hour costs there
    (labour and machine)."""

    __tablename__ = "production_work_centres"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    cost_per_hour: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: Overhead rate, percent of the labour and machine cost of the centre's operations
    #: (rent, power, supervision), added to an order's actual cost as overhead.
    overhead_pct: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: Hours a day the centre can work (the load view compares with it).
    hours_per_day: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(8))


class Routing(Base):
    """A technology map: the operations that make a product, in order."""

    __tablename__ = "production_routings"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), default=None,
                                                index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    #: The stages (1, 2, ...) of a multi-stage product whose nodes are received into stock
    #: when the stage is reported and issued to the next stage; the other stages pass
    #: their nodes straight on.
    stocked_stages: Mapped[list[int]] = mapped_column(JSON, default=list)

    operations: Mapped[list[Operation]] = relationship(
        back_populates="routing", order_by="Operation.position", cascade="all, delete-orphan")


class Operation(Base):
    __tablename__ = "production_operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    routing_id: Mapped[int] = mapped_column(
        ForeignKey("production_routings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    work_centre_id: Mapped[int] = mapped_column(ForeignKey("production_work_centres.id"))
    #: Minutes, once per order (setup and cleanup of the centre, plus the product's extra).
    setup_min: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    cleanup_min: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    #: Minutes per cycle; a cycle makes ``units_per_cycle`` units.
    cycle_min: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    units_per_cycle: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(1))
    efficiency_pct: Mapped[Decimal] = mapped_column(Money(), default=Decimal(100))
    #: The stage of a multi-stage product the operation belongs to (0: the first).
    stage: Mapped[int] = mapped_column(Integer, default=0)

    routing: Mapped[Routing] = relationship(back_populates="operations")
    work_centre: Mapped[WorkCentre] = relationship()


class ProductionOrder(WorkflowDocument, Audited, Base):
    """A production order (document type ``production_order``); states in :mod:`.machine`."""

    __tablename__ = "production_orders"
    __document_type__ = "production_order"
    __audit_entity__ = "production_order"
    __table_args__ = (UniqueConstraint("number"),
                      CheckConstraint("qty > 0", name="qty"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    bom_id: Mapped[int | None] = mapped_column(ForeignKey("production_boms.id"), default=None)
    routing_id: Mapped[int | None] = mapped_column(ForeignKey("production_routings.id"),
                                                   default=None)
    #: Where the components come from.
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    #: Where the product is received (default: ``warehouse_id``).
    output_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"),
                                                            default=None)
    qty: Mapped[Decimal] = mapped_column(Qty())
    qty_done: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    #: Where the order comes from: ``manual``, ``order:SO-00001`` (a customer order's
    #: shortage), ``planning``, ``calculator:robot``.
    source: Mapped[str] = mapped_column(String(60), default="manual")
    #: The customer order line the output is reserved for, if any (sales' line id).
    sales_line_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    sales_order_number: Mapped[str | None] = mapped_column(String(30), default=None)
    #: Stages the order has reported (multi-stage products), 0..n.
    stages_done: Mapped[int] = mapped_column(Integer, default=0)
    #: The actual cost of the output received so far (materials + operations + overhead).
    actual_cost: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: Overhead rate on materials, percent of the components' consumed value.
    material_overhead_pct: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    #: The map's stocked stages, when the order was made (see :class:`Routing`).
    stocked_stages: Mapped[list[int]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    components: Mapped[list[ProductionComponent]] = relationship(
        back_populates="order", order_by="ProductionComponent.position",
        cascade="all, delete-orphan")
    operations: Mapped[list[ProductionOperation]] = relationship(
        back_populates="order", order_by="ProductionOperation.position",
        cascade="all, delete-orphan")
    postings: Mapped[list[ProductionPosting]] = relationship(
        back_populates="order", order_by="ProductionPosting.id", cascade="all, delete-orphan")

    @property
    def holder(self) -> str:
        """The name its component reservations are held under in the ledger."""
        return f"production:{self.number}"


class ProductionComponent(Base):
    """What the order needs of one component (exploded through phantoms), for its whole
    quantity, and what it has consumed."""

    __tablename__ = "production_order_components"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("production_orders.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[str] = mapped_column(String(10), default="component")
    qty: Mapped[Decimal] = mapped_column(Qty())
    #: Of ``qty``, the part planned as scrap (written off, not built in).
    scrap_qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    cost_share: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    stage: Mapped[int] = mapped_column(Integer, default=0)
    #: A component of a node made in a stocked stage: the node it is built into. (A row of
    #: kind ``node`` is the node itself: received when its stage is reported, issued to
    #: the next stage.)
    node_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), default=None)
    reserved_qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    consumed_qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    consumed_value: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    order: Mapped[ProductionOrder] = relationship(back_populates="components")


class ProductionOperation(Base):
    """An operation of the order (from the map, or a calculator's line): hours and cost."""

    __tablename__ = "production_order_operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("production_orders.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    work_centre_id: Mapped[int | None] = mapped_column(ForeignKey("production_work_centres.id"),
                                                       default=None)
    stage: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[Decimal] = mapped_column(Qty())
    cost_per_hour: Mapped[Decimal] = mapped_column(Money())
    #: The work centre's overhead rate when the order was made, percent.
    overhead_pct: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    order: Mapped[ProductionOrder] = relationship(back_populates="operations")


class ProductionPosting(Base):
    """A stock document the order posted (component issue, output receipt, by-product
    receipt, scrap write-off, reservation) and, once cancelled, its reversal."""

    __tablename__ = "production_order_postings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("production_orders.id", ondelete="CASCADE"),
                                          index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    stock_document_id: Mapped[int] = mapped_column(ForeignKey("stock_documents.id"))
    qty: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    value: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    stage: Mapped[int | None] = mapped_column(Integer, default=None)
    reversal_document_id: Mapped[int | None] = mapped_column(ForeignKey("stock_documents.id"),
                                                             default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    order: Mapped[ProductionOrder] = relationship(back_populates="postings")


class Conversion(Base):
    """A disassembly (a finished item taken apart into its components) or a conversion
    (one item re-graded into another), with the two stock documents it posted."""

    __tablename__ = "production_conversions"
    __table_args__ = (UniqueConstraint("number"),
                      CheckConstraint("kind IN ('disassembly', 'conversion')", name="kind"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(12))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty: Mapped[Decimal] = mapped_column(Qty())
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    #: The value the source left stock with, shared by what was received.
    value: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    day: Mapped[date] = mapped_column(Date)
    issue_document_id: Mapped[int] = mapped_column(ForeignKey("stock_documents.id"))
    receipt_document_id: Mapped[int] = mapped_column(ForeignKey("stock_documents.id"))
    #: What was received: ``[{"item", "qty", "value"}]`` (exact decimal strings).
    lines: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ProductionCounter(Base):
    __tablename__ = "production_counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
