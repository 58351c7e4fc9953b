"""The outbox's services: queue a message in the caller's transaction, list and show the
messages with their state, queue a failed one again."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ordercraft.core.db import utcnow
from ordercraft.core.errors import Conflict, NotFound, ValidationError
from ordercraft.core.mail.attachments import MAX_ATTACHMENT_BYTES, Attachment
from ordercraft.core.mail.models import MESSAGE_STATES, OutboxAttachment, OutboxMessage
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.services import fields as check
from ordercraft.core.services.queries import Page, page_bounds

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MAX_RECIPIENTS = 50
MAX_SUBJECT = 500
MAX_BODY = 1_000_000
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")


@dataclass(frozen=True)
class MailContent:
    """What a message says: a subject, a plain-text body and, optionally, an HTML body
    (mail programs show the HTML and fall back to the text). ``render_mail`` makes one
    from templates."""

    subject: str
    text: str
    html: str | None = None


def queue_mail(session: Session, *, to: str | Sequence[str], content: MailContent,
               cc: str | Sequence[str] = (), attachments: Iterable[Attachment] = (),
               about: Any = None, source: str = "core",
               now: datetime | None = None) -> OutboxMessage:
    """Queue a message in the caller's transaction; ``ordercraft worker`` sends it after
    the transaction commits (nothing is sent when it rolls back).

    :param to: one address or several (``"maria@example.com"``, ``"Maria <maria@...>"``).
    :param cc: copies, likewise.
    :param about: the business object it is about: a workflow document (an order) or a
        ``(type, id)`` pair such as ``("task", 12)``.
    :param source: what queues it (``core`` or the plugin's name), shown in the outbox.
    :param now: when it is queued and first due (default now; a later moment delays it).
    :raises ValidationError: naming the field and value (``to``, ``subject``,
        ``attachments.0.filename``, ...).
    """
    recipients = _addresses(to, "to", required=True)
    copies = _addresses(cc, "cc")
    if len(recipients) + len(copies) > MAX_RECIPIENTS:
        raise check.invalid("to", f"{len(recipients) + len(copies)} recipients; at most "
                            f"{MAX_RECIPIENTS} per message")
    subject = check.text(content.subject, field="subject", max_length=MAX_SUBJECT,
                         required=True)
    text = check.text(content.text, field="text", max_length=MAX_BODY, required=True,
                      multiline=True)
    html = (check.text(content.html, field="html", max_length=MAX_BODY, multiline=True)
            if content.html else None)
    files = [attachment.checked(position) for position, attachment in enumerate(attachments)]
    size = sum(len(f.content) for f in files)
    if size > MAX_ATTACHMENT_BYTES:
        raise check.invalid("attachments", f"{size:,} bytes together; at most "
                            f"{MAX_ATTACHMENT_BYTES:,} per message")
    about_type, about_id = _about(about)
    user = session.info.get("user")
    now = now or utcnow()
    message = OutboxMessage(
        state="queued", to_addresses=recipients, cc_addresses=copies, subject=subject,
        text_body=text, html_body=html or None, about_type=about_type, about_id=about_id,
        queued_by_id=getattr(user, "id", None), source=check.text(
            source, field="source", max_length=100), created_at=now, next_attempt_at=now,
        attachments=[OutboxAttachment(position=position, filename=f.filename,
                                      content_type=f.content_type, size=len(f.content),
                                      content=f.content) for position, f in enumerate(files)])
    session.add(message)
    session.flush()
    return message


def queue_mails(session: Session, messages: Iterable[tuple[str | Sequence[str], MailContent,
                                                          datetime | None]], *,
                about: Any = None, source: str = "core") -> list[int]:
    """Queue many messages without attachments at once, in the caller's transaction (a
    mailing to thousands): each ``(to, content, due)``, ``due`` the moment it may be sent
    (``None``: now), so a caller spreads them at the rate it wants. Written in a few
    statements; returns the messages' ids in the order given. Checked like
    :func:`queue_mail`: a bad message refuses them all, naming its position
    (``messages.12.to``)."""
    from sqlalchemy import insert
    from sqlalchemy import text as sql

    about_type, about_id = _about(about)
    user = session.info.get("user")
    source = check.text(source, field="source", max_length=100)
    now = utcnow()
    rows = []
    for position, (to, content, due) in enumerate(messages):
        try:
            recipients = _addresses(to, "to", required=True)
            if len(recipients) > MAX_RECIPIENTS:
                raise check.invalid("to", f"{len(recipients)} recipients; at most "
                                    f"{MAX_RECIPIENTS} per message")
            subject = check.text(content.subject, field="subject", max_length=MAX_SUBJECT,
                                 required=True)
            text = check.text(content.text, field="text", max_length=MAX_BODY,
                              required=True, multiline=True)
            html = (check.text(content.html, field="html", max_length=MAX_BODY,
                               multiline=True) if content.html else None)
        except ValidationError as error:
            field = f"messages.{position}.{error.field}"
            raise ValidationError(f"messages.{position}: {error}", field=field) from None
        rows.append({"state": "queued", "to_addresses": recipients, "cc_addresses": [],
                     "subject": subject, "text_body": text, "html_body": html,
                     "about_type": about_type, "about_id": about_id,
                     "queued_by_id": getattr(user, "id", None), "source": source,
                     "created_at": now, "next_attempt_at": due or now, "attempts": 0,
                     "last_error": "", "internet_message_id": ""})
    if not rows:
        return []
    session.flush()
    table = OutboxMessage.__table__
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # One multi-row INSERT ... RETURNING of thousands of rows makes psycopg rewrite a
        # huge statement's placeholders (seconds per 10,000); the ids drawn from the
        # sequence first and a prepared, pipelined executemany cost a fraction of that.
        ids = [int(key) for key in connection.execute(
            sql("SELECT nextval(pg_get_serial_sequence('mail_outbox', 'id')) "
                 "FROM generate_series(1, :count)"), {"count": len(rows)}).scalars()]
        for row, key in zip(rows, ids, strict=True):
            row["id"] = key
        connection.execute(insert(table), rows)
        return ids
    result = connection.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [int(key) for key in result.scalars()]


def _addresses(value: str | Sequence[str], field: str, required: bool = False) -> list[str]:
    given = [value] if isinstance(value, str) else list(value or ())
    cleaned = []
    for raw in given:
        text = check.text(raw, field=field, max_length=300)
        if not text:
            continue
        if _PLAIN_ADDRESS.fullmatch(text):
            # A bare address (a mailing's thousands) needs no RFC 5322 parsing.
            cleaned.append(check.email(text, field=field))
            continue
        name, address = parseaddr(text)
        if not address or "," in address:
            raise check.invalid(field, f"{text!r} is not an e-mail address")
        check.email(address, field=field)
        cleaned.append(formataddr((name, address)) if name else address)
    if required and not cleaned:
        raise check.invalid(field, "a message needs at least one recipient", code="required")
    return cleaned


def _about(about: Any) -> tuple[str | None, int | None]:
    if about is None:
        return None, None
    from ordercraft.core.workflow.documents import document_ref, parse_document_ref

    if isinstance(about, str):
        about = parse_document_ref(about)
    if isinstance(about, tuple):
        kind, key = about
        return (check.word(kind, field="about", max_length=50),
                check.whole_number(key, field="about", minimum=1))
    return document_ref(about)


def bare_address(address: str) -> str:
    """``"Maria <maria@example.com>"`` -> ``"maria@example.com"``."""
    return parseaddr(address)[1]


# ------------------------------------------------------------------ reading


def list_messages(session: Session, *, state: str | None = None, about: Any = None,
                  limit: Any = None, offset: Any = None) -> Page[OutboxMessage]:
    """A page of messages, newest first; needs ``mail.read``.

    :param state: ``queued``, ``sending``, ``sent`` or ``failed``; ``None`` for all.
    :param about: only those about this object: a workflow document, a ``(type, id)``
        pair or ``"type:id"`` text (``"order:12"``).
    """
    require_session_permission(session, "mail.read")
    limit, offset = page_bounds(limit, offset)
    conditions = []
    if state:
        conditions.append(OutboxMessage.state == check.choice(state, field="state",
                                                                choices=MESSAGE_STATES))
    if about is not None:
        about_type, about_id = _about(about)
        conditions += [OutboxMessage.about_type == about_type, OutboxMessage.about_id == about_id]
    total = session.scalar(select(func.count(OutboxMessage.id)).where(*conditions)) or 0
    rows = list(session.scalars(select(OutboxMessage).where(*conditions)
                                .order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)))
    return Page(rows, int(total), limit, offset)


def get_message(session: Session, message_id: Any, *, for_update: bool = False) -> OutboxMessage:
    """One message with its attachments; needs ``mail.read``."""
    require_session_permission(session, "mail.read")
    key = check.whole_number(message_id, field="message", minimum=1)
    query = (select(OutboxMessage).where(OutboxMessage.id == key)
             .options(selectinload(OutboxMessage.attachments)))
    if for_update:
        query = query.with_for_update(of=OutboxMessage)
    message = session.scalar(query)
    if message is None:
        raise NotFound(f"message {key} does not exist", field="message")
    return message


def retry_message(session: Session, message_id: Any, *, now: datetime | None = None
                  ) -> OutboxMessage:
    """Queue a failed message again, due now, with a fresh count of attempts; needs
    ``mail.manage``. A message that is not failed is refused (:class:`Conflict`)."""
    require_session_permission(session, "mail.manage")
    message = get_message(session, message_id, for_update=True)
    if message.state != "failed":
        raise Conflict(f"message {message.id} is {message.state}: only a failed message can be "
                       "retried", code="message_not_failed", field="message",
                       details={"state": message.state})
    message.state = "queued"
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    session.flush()
    return message


def _moment(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def message_dict(message: OutboxMessage, *, details: bool = False) -> dict[str, Any]:
    """A message as plain data; ``details`` adds the bodies and the attachments' names."""
    body: dict[str, Any] = {
        "id": message.id, "state": message.state, "to": list(message.to_addresses),
        "cc": list(message.cc_addresses), "subject": message.subject,
        "about": (f"{message.about_type}:{message.about_id}"
                  if message.about_type is not None else None),
        "source": message.source,
        "queued_by": message.queued_by.name if message.queued_by else None,
        "created_at": _moment(message.created_at), "attempts": message.attempts,
        "next_attempt_at": _moment(message.next_attempt_at),
        "last_error": message.last_error or None, "sent_at": _moment(message.sent_at),
    }
    if details:
        body["message_id"] = message.internet_message_id or None
        body["text"] = message.text_body
        body["html"] = message.html_body
        body["attachments"] = [{"filename": a.filename, "content_type": a.content_type,
                                "size": a.size} for a in message.attachments]
    return body
