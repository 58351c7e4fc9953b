"""The notifications plugin's tables: what each user was told, and how each wants to be
told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ordercraft.sdk.models import Base, utcnow


class Notification(Base):
    """One thing a user was told in the app; read once ``read_at`` is set."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The bell's count on every page: one user's unread ones.
        Index("ix_notifications_unread", "user_id", "read_at"),
        # A user's list, newest first.
        Index("ix_notifications_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: ``assigned``, ``reminder``, ``escalated`` (see ``service.KINDS``).
    kind: Mapped[str] = mapped_column(String(20))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"),
                                                default=None)
    #: The first document the task is about (``order``, 12), if any.
    document_type: Mapped[str | None] = mapped_column(String(50), default=None)
    document_id: Mapped[int | None] = mapped_column(Integer, default=None)
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class NotificationPreference(Base):
    """How a user wants to hear about one kind of notification (no row: the defaults)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
