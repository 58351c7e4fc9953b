"""The stock ledger's tables.

The ledger proper is append-only: documents (whose only later change is being
cancelled) and their moves. Everything else is derived from it and kept up to date
by posting, so that reading it costs the same whatever the ledger's size:
valuations (each move's current value and the running balance after it), FIFO cost
layers and what each issue consumed, balances per item and warehouse, and
reservations. ``ordercraft stock verify`` rebuilds the derived tables from the
moves in memory and reports any difference; that check, rather than foreign keys,
guards the derived tables of moves (they are written by bulk statements only).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ordercraft.core.db import Base, utcnow
from ordercraft.core.types import Money, Qty

DOCUMENT_KINDS = ("receipt", "issue", "transfer", "write_off", "count", "reservation",
                  "release", "reversal")
#: ``in``/``out``: a quantity entering or leaving a warehouse. ``reval``: a change of
#: value of an earlier move (``pair_id``) caused by a backdated posting or a cancel.
#: ``settle``: the re-pricing of negative average stock that a receipt (``pair_id``)
#: settles. The last two carry no quantity.
MOVE_ROLES = ("in", "out", "reval", "settle")


def _in(column: str, values: tuple[str, ...]) -> str:
    # Written as ORs: SQLite evaluates ``col IN ('a', 'b', ...)`` in a CHECK at several
    # times the cost per row, which doubled the cost of a bulk insert of moves.
    return " OR ".join(f"{column} = {value!r}" for value in values)


class StockDocument(Base):
    """A posted stock document. ``ref`` (an external number) is unique per kind."""

    __tablename__ = "stock_documents"
    __table_args__ = (
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint(_in("status", ("posted", "cancelled")), name="status"),
        # Partial: documents without a reference (most of a bulk import) add no entry.
        Index("uq_stock_documents_kind_ref", "kind", "ref", unique=True,
              sqlite_where=text("ref IS NOT NULL"), postgresql_where=text("ref IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: The business date: when the goods moved (may lie in the past).
    doc_date: Mapped[date] = mapped_column(Date)
    ref: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[str] = mapped_column(String(10), default="posted")
    #: On a reversal: the document it cancels.
    reversal_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("stock_documents.id"), default=None)
    #: On a cancelled document: its reversal.
    reversed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("stock_documents.id"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    #: What the document says beyond its moves (the counted quantities of a count).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    user_name: Mapped[str] = mapped_column(String(100), default="")
    posted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StockMove(Base):
    """One ledger row. Never updated or deleted; ``id`` is the posting sequence."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint(_in("role", MOVE_ROLES), name="role"),
        Index("ix_stock_moves_position", "item_id", "warehouse_id", "move_date", "id"),
        # Most moves pair with nothing: indexing only the others keeps bulk posting fast.
        Index("ix_stock_moves_pair", "pair_id", sqlite_where=text("pair_id IS NOT NULL"),
              postgresql_where=text("pair_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("stock_documents.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    move_date: Mapped[date] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(6))
    #: Signed quantity: positive in, negative out, zero for ``reval`` and ``settle``.
    qty: Mapped[Decimal] = mapped_column(Qty())
    #: Signed value, rounded to the ledger's value places.
    value: Mapped[Decimal] = mapped_column(Money())
    #: Inbound moves: the cost per unit they came at (``None``: at the stock's cost).
    unit_cost: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    #: Inbound half of a transfer: its outbound half. ``reval``/``settle`` rows and the
    #: rows of a reversal: the move they concern.
    pair_id: Mapped[int | None] = mapped_column(Integer, default=None)


class StockValuation(Base):
    """Derived: a move's current value and the running balance right after it.

    One row per move that counts for valuation (moves of cancelled documents and of
    reversals do not). Ordered by business date, then posting sequence.
    """

    __tablename__ = "stock_valuations"
    # No index but the key: the ledger finds valued moves by their move's position
    # (``ix_stock_moves_position``) and joins them here by ``move_id``. A second index
    # of the same positions cost a bulk import about a twentieth of its CPU time (0.12 s
    # of 2.6 s for 100,000 moves).

    move_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(Integer)
    warehouse_id: Mapped[int] = mapped_column(Integer)
    move_date: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Money())
    settlement: Mapped[Decimal] = mapped_column(Money())
    qty_after: Mapped[Decimal] = mapped_column(Qty())
    value_after: Mapped[Decimal] = mapped_column(Money())
    cost_after: Mapped[Decimal] = mapped_column(Money())


class StockLayer(Base):
    """Derived: a FIFO cost layer opened by an inbound move (a transfer opens one per
    layer it carried)."""

    __tablename__ = "stock_layers"
    __table_args__ = (
        Index("ix_stock_layers_open", "item_id", "warehouse_id", "layer_date", "move_id",
              "slice", sqlite_where=text("qty_left > 0"),
              postgresql_where=text("qty_left > 0")),
    )

    move_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    slice: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(Integer)
    warehouse_id: Mapped[int] = mapped_column(Integer)
    layer_date: Mapped[date] = mapped_column(Date)
    qty_in: Mapped[Decimal] = mapped_column(Qty())
    value_in: Mapped[Decimal] = mapped_column(Money())
    unit_cost: Mapped[Decimal] = mapped_column(Money())
    qty_left: Mapped[Decimal] = mapped_column(Qty())
    value_left: Mapped[Decimal] = mapped_column(Money())


class StockConsumption(Base):
    """Derived: the part of a layer a FIFO outbound move consumed."""

    __tablename__ = "stock_consumptions"

    move_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    layer_move_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_slice: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    qty: Mapped[Decimal] = mapped_column(Qty())
    value: Mapped[Decimal] = mapped_column(Money())


class StockBalance(Base):
    """Derived: an item's stock in one warehouse. Its row is also the posting lock."""

    __tablename__ = "stock_balances"
    __table_args__ = (Index("ix_stock_balances_warehouse", "warehouse_id", "item_id"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True,
                                         autoincrement=False)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True,
                                              autoincrement=False)
    qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    value: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    reserved: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    #: The last known unit cost (see ``valuation.StockState.cost``).
    unit_cost: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    #: Business date of the latest valued move: posting on or after it appends.
    last_date: Mapped[date | None] = mapped_column(Date, default=None)


class StockReservation(Base):
    """Derived: the quantity a holder (an order, a job) holds of an item in a warehouse."""

    __tablename__ = "stock_reservations"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True,
                                         autoincrement=False)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True,
                                              autoincrement=False)
    holder: Mapped[str] = mapped_column(String(100), primary_key=True)
    qty: Mapped[Decimal] = mapped_column(Qty())


class ReservationMove(Base):
    """A change of a holder's reservation. Never updated or deleted."""

    __tablename__ = "stock_reservation_moves"
    __table_args__ = (Index("ix_stock_reservation_moves_pair", "item_id", "warehouse_id",
                            "holder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("stock_documents.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    holder: Mapped[str] = mapped_column(String(100))
    qty: Mapped[Decimal] = mapped_column(Qty())


class StockImport(Base):
    """The record of a ``stock import`` posted in batches: what it posts and how far it
    got. Each batch's documents and this record's counters are committed together, so
    the record always says exactly what is posted (see ``ordercraft.core.stock.imports``)."""

    __tablename__ = "stock_imports"
    __table_args__ = (CheckConstraint(_in("state", ("posting", "done", "failed")),
                                      name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    #: SHA-256 of the file: ``--resume`` continues only the same file.
    file_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="posting")
    rows: Mapped[int] = mapped_column(Integer)
    documents: Mapped[int] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    documents_done: Mapped[int] = mapped_column(Integer, default=0)
    batches_done: Mapped[int] = mapped_column(Integer, default=0)
    moves_done: Mapped[int] = mapped_column(Integer, default=0)
    first_document_id: Mapped[int | None] = mapped_column(Integer, default=None)
    last_document_id: Mapped[int | None] = mapped_column(Integer, default=None)
    #: Why it stopped (state ``failed``): the refusal, naming the file's line.
    error: Mapped[str] = mapped_column(Text, default="")
    user_name: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
