"""Custom fields: their definitions and the values objects hold (see
:mod:`ordercraft.core.custom_fields`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercraft.core.db import Base, utcnow
from ordercraft.core.models.audit import Audited


class CustomField(Audited, Base):
    """A field an administrator (``owner`` ``"site"``) or a plugin added to an entity."""

    __tablename__ = "custom_fields"
    __audit_entity__ = "custom_field"
    __table_args__ = (UniqueConstraint("entity", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(50))
    #: text | int | decimal | date | bool | choice
    type: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(100))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``site`` for an administrator's field, else the name of the plugin declaring it.
    owner: Mapped[str] = mapped_column(String(100), default="site")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CustomFieldValue(Base):
    """One object's value of one field, as canonical text (``12.5``, ``2024-03-05``,
    ``true``), so that equal values compare equal in SQL on SQLite and PostgreSQL."""

    __tablename__ = "custom_field_values"
    __table_args__ = (
        # A filter ``cf.NAME=value`` finds its objects from this index alone.
        Index("ix_custom_field_values_value", "field_id", "value", "object_id"),
        # On SQLite the rows live in the primary key's tree: a page's values are read by
        # (field_id, object_id) whatever the planner's statistics say (in a rowid table it
        # preferred scanning the covering index above when they were missing or stale).
        {"sqlite_with_rowid": False},
    )

    field_id: Mapped[int] = mapped_column(ForeignKey("custom_fields.id", ondelete="CASCADE"),
                                          primary_key=True)
    object_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
