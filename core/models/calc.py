"""Calculator scripts stored in the site (versioned by content) and stored runs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercraft.core.db import Base, utcnow
from ordercraft.core.types import Money


class CalcScript(Base):
    """One version of a calculator: the source and what it declares.

    ``origin`` is ``site`` for scripts uploaded with ``ordercraft calc add``; a bundled
    or plugin calculator (``builtin``, ``plugin:<name>``) or a file (``file``) gets a row
    when a run of it is stored, so every stored run can find its exact source.
    Rows are never changed: a changed script is a new version.
    """

    __tablename__ = "calc_scripts"
    __table_args__ = (UniqueConstraint("name", "version"),
                      Index("ix_calc_scripts_name_uploaded", "name", "uploaded_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the source text (hex).
    version: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str] = mapped_column(String(80), default="site")
    kind: Mapped[str] = mapped_column(String(10), default="script")
    title: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text)
    #: The parameters and formulas as read from the source (``CalculatorSpec.to_dict``).
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    uploaded_by_name: Mapped[str] = mapped_column(String(100), default="")
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CalcRun(Base):
    """A stored result: the script version, the inputs, the catalog entries it read and
    the outputs, so the price can be repeated and explained later."""

    __tablename__ = "calc_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calculator: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(64), index=True)
    #: The validated parameters, JSON-safe (decimals as text).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The catalog entries the run read, as it saw them.
    catalog: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The result as returned by the runtime (``CalcResult.to_dict``).
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[Decimal] = mapped_column(Money())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
