"""planning's tables: per-item planning parameters, and stored MRP runs with their
records and planned orders (a planned order is firmed into a real order once)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ordercraft.sdk.models import Base, Qty, utcnow


class ItemPlanning(Base):
    """An item's planning parameters; an item without a row plans lot for lot with no
    safety stock, its lead time from its best offer (bought) or 0 (made)."""

    __tablename__ = "planning_items"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    #: Days; ``None``: the best offer's lead time for a bought item, 0 for a made one.
    lead_time_days: Mapped[int | None] = mapped_column(Integer, default=None)
    safety_stock: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    #: ``make``, ``buy`` or ``None`` (made when it has a BOM).
    make_or_buy: Mapped[str | None] = mapped_column(String(4), default=None)
    lot_rule: Mapped[str] = mapped_column(String(30), default="lot_for_lot")
    lot_qty: Mapped[Decimal | None] = mapped_column(Qty(), default=None)
    lot_min: Mapped[Decimal | None] = mapped_column(Qty(), default=None)
    lot_max: Mapped[Decimal | None] = mapped_column(Qty(), default=None)
    lot_multiple: Mapped[Decimal | None] = mapped_column(Qty(), default=None)
    #: Days of demand one order groups (turned into periods of the run's bucket).
    grouping_days: Mapped[int | None] = mapped_column(Integer, default=None)


class MrpRun(Base):
    __tablename__ = "planning_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_name: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[date] = mapped_column(Date)
    bucket: Mapped[str] = mapped_column(String(4))
    periods: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    low_level_codes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    exceptions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The distinct pegging keys of the run's planned orders (``{"ref"}`` or
    #: ``{"ref": None, "reserve", "item"}``), which their compact pegging indexes;
    #: ``None``: a run stored before, whose orders hold full entries.
    pegging_keys: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    seconds: Mapped[str] = mapped_column(String(20), default="")


class MrpRecord(Base):
    """One item's MRP grid of a run (the output format's record, periods as text keys)."""

    __tablename__ = "planning_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("planning_runs.id", ondelete="CASCADE"),
                                        index=True)
    item: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class PlannedOrder(Base):
    __tablename__ = "planning_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("planning_runs.id", ondelete="CASCADE"),
                                        index=True)
    item: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(4))  # make / buy
    qty: Mapped[Decimal] = mapped_column(Qty())
    due_period: Mapped[int] = mapped_column(Integer)
    release_period: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    release_date: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    supplier: Mapped[str | None] = mapped_column(String(200), default=None)
    #: The JSON text of the pegging in the compact form of
    #: :class:`~.output.CompactPegging` (``[key, qty, ...]``, keys indexing the run's
    #: ``pegging_keys``; runs stored before: ``[{"ref", "qty"}, ...]``), written as text,
    #: not through the JSON type, since a run stores millions of entries at once.
    pegging: Mapped[str] = mapped_column(Text, default="[]")
    #: The real order it became (``PO-00012``, ``MO-00003``).
    firmed_as: Mapped[str | None] = mapped_column(String(30), default=None)
    note: Mapped[str] = mapped_column(Text, default="")


class ForecastLine(Base):
    """Expected demand no customer has ordered yet: planned like an order line."""

    __tablename__ = "planning_forecasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    qty: Mapped[Decimal] = mapped_column(Qty())
    note: Mapped[str] = mapped_column(String(200), default="")
