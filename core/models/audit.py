"""The audit log: who changed which business record, when, and what the fields were."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ordercraft.core.db import Base, utcnow


class Audited:
    """Mixin: creations, changes and deletions of these rows go to the audit log."""

    #: The entity name in the log (``ordercraft audit --entity item``).
    __audit_entity__: str = ""


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    user_name: Mapped[str] = mapped_column(String(100), default="")
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(10))  # create | update | delete
    #: ``{field: [before, after]}``, values as JSON-safe text.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
