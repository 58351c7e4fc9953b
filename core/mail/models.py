"""The outbox: one row per message, its attachments in a table of their own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercraft.core.db import Base, utcnow
from ordercraft.core.models.users import User

#: queued: waiting for its next attempt; sending: claimed by a worker; sent; failed.
MESSAGE_STATES = ("queued", "sending", "sent", "failed")


class OutboxMessage(Base):
    """A mail to send, written in the transaction of the change that causes it."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed')", name="state"),
        # The sender's question: which messages are due (state, then the time).
        Index("ix_mail_outbox_due", "state", "next_attempt_at"),
        Index("ix_mail_outbox_about", "about_type", "about_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    to_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    cc_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str | None] = mapped_column(Text, default=None)
    #: The business object the message is about (``task``, 12), if any.
    about_type: Mapped[str | None] = mapped_column(String(50), default=None)
    about_id: Mapped[int | None] = mapped_column(Integer, default=None)
    #: Who made the change that queued it (``None``: the system, a scheduled job).
    queued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    #: What queued it: ``core`` or a plugin's name.
    source: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When a queued message is due; ``None`` once it is sent or failed.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: A worker's claim: when it took the message, and the token its result must carry.
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    #: The Message-ID header, fixed at the first attempt so a resent copy carries the same.
    internet_message_id: Mapped[str] = mapped_column(String(250), default="")

    queued_by: Mapped[User | None] = relationship(lazy="joined")
    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", order_by="OutboxAttachment.position",
        cascade="all, delete-orphan", lazy="raise")


class OutboxAttachment(Base):
    """A file sent with a message (a PDF print form, a CSV export)."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_outbox.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")
