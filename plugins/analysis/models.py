"""analysis' tables: saved classifications (snapshots), so that purchasing's ABC route
and client groups ("A clients") read a stable classification rather than one that moves
with every shipment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ordercraft.sdk.models import Base, utcnow


class Snapshot(Base):
    """One saved analysis of the site's sales: what was analysed and with which options."""

    __tablename__ = "analysis_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``abc`` or ``abcxyz``.
    kind: Mapped[str] = mapped_column(String(10))
    #: ``item`` or ``client``: what ``SnapshotClass.object_id`` points at.
    by: Mapped[str] = mapped_column(String(10), index=True)
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    #: The source and the options as given (``{"measure": "revenue", "a": "0.8", ...}``).
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SnapshotClass(Base):
    """The class of one object in a snapshot (``A``, ``AX``...)."""

    __tablename__ = "analysis_snapshot_classes"
    __table_args__ = (Index("ix_analysis_snapshot_classes_object", "snapshot_id", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_snapshots.id", ondelete="CASCADE"))
    object_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    value_class: Mapped[str] = mapped_column(String(2))
