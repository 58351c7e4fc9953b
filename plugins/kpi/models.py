"""kpi's tables: divisions and their members, and the KPI definitions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercraft.sdk.models import Base, ExactDecimal, User, utcnow

DIVISION_KINDS = ("sales", "production", "purchasing", "warehouse")
DIRECTIONS = ("higher", "lower")
SCALES = ("linear", "bands")


class Division(Base):
    """A division of the company (sales, production, purchasing, warehouse) and the
    people in it; its heads see the division's ranking."""

    __tablename__ = "kpi_divisions"
    __table_args__ = (UniqueConstraint("code"),
                      CheckConstraint("kind IN ('sales', 'production', 'purchasing', "
                                      "'warehouse')", name="kind"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    members: Mapped[list[Member]] = relationship(
        back_populates="division", cascade="all, delete-orphan", lazy="selectin",
        order_by="Member.id")


class Member(Base):
    """A user in a division; ``head`` sees the division's ranking."""

    __tablename__ = "kpi_members"
    __table_args__ = (UniqueConstraint("division_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("kpi_divisions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    head: Mapped[bool] = mapped_column(Boolean, default=False)

    division: Mapped[Division] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class Definition(Base):
    """A KPI: a formula over metrics for the members of a division (or the holders of a
    role), its target, weight, direction and scoring scale (docs/kpi.md)."""

    __tablename__ = "kpi_definitions"
    __table_args__ = (UniqueConstraint("code"),
                      CheckConstraint("direction IN ('higher', 'lower')", name="direction"),
                      CheckConstraint("scale IN ('linear', 'bands')", name="scale"),
                      CheckConstraint("division_id IS NOT NULL OR role IS NOT NULL",
                                      name="division_or_role"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(String(200))
    division_id: Mapped[int | None] = mapped_column(
        ForeignKey("kpi_divisions.id", ondelete="CASCADE"), default=None, index=True)
    role: Mapped[str | None] = mapped_column(String(50), default=None)
    #: Arithmetic over metric names (``deals_won_amount / 1000``).
    formula: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(20), default="")
    target: Mapped[Decimal] = mapped_column(ExactDecimal(18, 6))
    weight: Mapped[Decimal] = mapped_column(ExactDecimal(18, 6), default=Decimal("1"))
    direction: Mapped[str] = mapped_column(String(10), default="higher")
    scale: Mapped[str] = mapped_column(String(10), default="linear")
    #: linear: the highest score (1.2 = 120 % of the target counts at most).
    cap: Mapped[Decimal] = mapped_column(ExactDecimal(18, 6), default=Decimal("1.2"))
    #: bands: ``[["0.8", "0.5"], ["1", "1"], ["1.2", "1.2"]]`` — from this achievement
    #: on, this score (achievement = actual / target, or target / actual when lower is
    #: better); below the first band the score is 0.
    bands: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    division: Mapped[Division | None] = relationship(lazy="joined")
