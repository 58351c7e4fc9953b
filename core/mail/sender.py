"""Sending the outbox over SMTP, from ``ordercraft worker`` (the ``send-mail`` job).

One round is three steps, and no transaction is open while the network is used:

1. **claim**, in a short transaction: the due messages (queued and due, or ``sending``
   for longer than :data:`SENDING_LEASE`, whose worker died) are taken under row locks
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers take disjoint rows;
   SQLite serialises writers), marked ``sending`` with a claim token, their attempt
   counted, and read into ``email.message.EmailMessage`` objects;
2. **send** them over one SMTP connection;
3. **record** each result in a transaction of its own, only if the message still carries
   this worker's claim token: ``sent``; or ``queued`` again after a temporary failure
   (a 4xx answer, no connection, TLS or login trouble), due after an exponential backoff
   (1, 2, 4, ... minutes, at most an hour); or ``failed`` on a permanent refusal (5xx)
   or when the site's attempt limit is reached.

A worker killed between the server accepting a message and step 3 leaves it ``sending``;
after the lease another worker sends it again, with the same Message-ID header, so mail
programs show one message.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, select

from ordercraft.core.db import utcnow
from ordercraft.core.mail.models import OutboxAttachment, OutboxMessage
from ordercraft.core.mail.outbox import bare_address
from ordercraft.core.mail.settings import MailSettings, read_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.platform import Platform

log = logging.getLogger("ordercraft.mail")

#: A message ``sending`` for longer than this is taken to belong to a worker that died.
SENDING_LEASE = timedelta(minutes=15)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
BATCH_SIZE = 50
#: Attachments held in memory by one batch: a batch of big files is cut short.
BATCH_ATTACHMENT_BYTES = 50 * 1024 * 1024
SMTP_TIMEOUT = 30
#: CRLF line ends; header lines folded only past RFC 5322's hard limit of 998 characters:
#: at the recommended 78, Python folds a long subject right after "Subject:", and mail
#: programs then show it with a leading space.
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)


def retry_delay(attempts: int) -> timedelta:
    """How long a message waits after its ``attempts``-th failed attempt: 1, 2, 4, 8, ...
    minutes, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


@dataclass(frozen=True)
class Claimed:
    """A message a worker took: its id, the claim token and the mail to send."""

    id: int
    token: str
    email: EmailMessage
    sender: str
    recipients: list[str]


@dataclass(frozen=True)
class Outcome:
    sent: bool
    error: str = ""
    #: The server refused the message itself (5xx): retrying will not help.
    permanent: bool = False
    #: The recipients refused for good (5xx at RCPT, or every one at DATA): bounces.
    bounced: tuple[str, ...] = ()


# ------------------------------------------------------------------ claim


def claim_due(session: Session, settings: MailSettings, now: datetime,
              limit: int = BATCH_SIZE) -> list[Claimed]:
    """Take up to ``limit`` due messages in ``session``'s transaction (the caller commits
    it at once) and return them ready to send: as many as fit in
    :data:`BATCH_ATTACHMENT_BYTES` of attachments, and always the first one."""
    from ordercraft.core.printing import company

    query = (select(OutboxMessage)
             .where(or_(and_(OutboxMessage.state == "queued",
                             OutboxMessage.next_attempt_at <= now),
                        and_(OutboxMessage.state == "sending",
                             OutboxMessage.claimed_at < now - SENDING_LEASE)))
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        # Two workers never take the same message; each takes the rows the other has not.
        query = query.with_for_update(of=OutboxMessage, skip_locked=True)
    rows = _within_batch_bytes(session, list(session.scalars(query)))
    if not rows:
        return []
    attachments: dict[int, list[OutboxAttachment]] = {row.id: [] for row in rows}
    for attachment in session.scalars(select(OutboxAttachment).where(
            OutboxAttachment.message_id.in_(attachments)).order_by(OutboxAttachment.position)):
        attachments[attachment.message_id].append(attachment)
    envelope_sender = bare_address(settings.sender)
    sender = formataddr((company(session)["name"], envelope_sender))
    domain = envelope_sender.rpartition("@")[2] or "ordercraft.invalid"
    claimed = []
    for row in rows:
        row.state = "sending"
        row.claimed_at = now
        row.claim_token = secrets.token_hex(16)
        row.attempts += 1
        if not row.internet_message_id:
            row.internet_message_id = make_msgid(domain=domain)
        claimed.append(Claimed(row.id, row.claim_token,
                               compose(row, attachments[row.id], sender), envelope_sender,
                               [bare_address(a) for a in [*row.to_addresses,
                                                          *row.cc_addresses]]))
    session.flush()
    return claimed


def _within_batch_bytes(session: Session, rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """The first rows whose attachments fit in one batch's memory (at least one row)."""
    if not rows:
        return rows
    sizes = dict(session.execute(
        select(OutboxAttachment.message_id, func.sum(OutboxAttachment.size))
        .where(OutboxAttachment.message_id.in_([row.id for row in rows]))
        .group_by(OutboxAttachment.message_id)).all())
    kept, total = [], 0
    for row in rows:
        total += int(sizes.get(row.id) or 0)
        if kept and total > BATCH_ATTACHMENT_BYTES:
            break
        kept.append(row)
    return kept


def compose(row: OutboxMessage, attachments: Sequence[OutboxAttachment],
            sender: str) -> EmailMessage:
    """The message as it goes over the wire: headers, text (and HTML), attachments."""
    email = EmailMessage(policy=WIRE_POLICY)
    email["From"] = sender
    email["To"] = ", ".join(row.to_addresses)
    if row.cc_addresses:
        email["Cc"] = ", ".join(row.cc_addresses)
    email["Subject"] = row.subject
    email["Date"] = format_datetime(row.created_at.replace(tzinfo=timezone.utc))
    email["Message-ID"] = row.internet_message_id
    # RFC 3834: an automatic message; out-of-office replies should not answer it.
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(row.text_body)
    if row.html_body:
        email.add_alternative(row.html_body, subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                             filename=attachment.filename)
    return email


# ------------------------------------------------------------------ send


def deliver(settings: MailSettings, messages: Sequence[Claimed]) -> list[Outcome]:
    """Send ``messages`` over one SMTP connection; one outcome per message."""
    try:
        connection = connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        failure = Outcome(False, f"cannot send through {settings.host}:{settings.port}: "
                                 f"{_describe(exc)}", permanent=False)
        return [failure] * len(messages)
    outcomes: list[Outcome] = []
    try:
        for message in messages:
            outcome = _send_one(connection, message)
            outcomes.append(outcome)
            if not outcome.sent and not outcome.permanent and _dropped(connection):
                break
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    lost = Outcome(False, "the SMTP server closed the connection before this message")
    return outcomes + [lost] * (len(messages) - len(outcomes))


def connect(settings: MailSettings) -> smtplib.SMTP:
    """An SMTP connection as the settings say: plain, STARTTLS or SSL, logged in when a
    user is set. Certificates are verified (against ``ca_file`` when it is set)."""
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    if settings.security == "ssl":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port,
                                                    timeout=SMTP_TIMEOUT, context=context)
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
    try:
        connection.ehlo()
        if settings.security == "starttls":
            connection.starttls(context=context)
            connection.ehlo()
        if settings.user:
            connection.login(settings.user, settings.password)
    except BaseException:
        connection.close()
        raise
    return connection


def _send_one(connection: smtplib.SMTP, message: Claimed) -> Outcome:
    try:
        refused = connection.send_message(message.email, from_addr=message.sender,
                                          to_addrs=message.recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        return Outcome(False, "every recipient was refused: " + _refusals(exc.recipients),
                       permanent=all(code >= 500 for code in codes),
                       bounced=_permanently_refused(exc.recipients))
    except smtplib.SMTPSenderRefused as exc:
        # The server refused our From address: a fault of the site, not of a recipient.
        return Outcome(False, _describe(exc), permanent=exc.smtp_code >= 500)
    except smtplib.SMTPResponseException as exc:
        permanent = exc.smtp_code >= 500
        return Outcome(False, _describe(exc), permanent=permanent,
                       bounced=tuple(a.lower() for a in message.recipients) if permanent
                       else ())
    except (OSError, smtplib.SMTPException) as exc:
        return Outcome(False, _describe(exc))
    return Outcome(True, "refused: " + _refusals(refused) if refused else "",
                   bounced=_permanently_refused(refused))


def _permanently_refused(refused: dict[str, tuple[int, bytes]]) -> tuple[str, ...]:
    return tuple(address.lower() for address, (code, _reply) in refused.items()
                 if code >= 500)


def _dropped(connection: smtplib.SMTP) -> bool:
    try:
        return connection.noop()[0] != 250
    except (OSError, smtplib.SMTPException):
        return True


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address} ({code} {_text(reply)})"
                     for address, (code, reply) in refused.items())


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# ------------------------------------------------------------------ record


def record(session: Session, claimed: Claimed, outcome: Outcome, now: datetime,
           max_attempts: int) -> str | None:
    """Write one result; returns the message's new state, or ``None`` when the message
    no longer carries this claim (another worker took it over after the lease)."""
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.id == claimed.id)
                         .with_for_update(of=OutboxMessage))
    if row is None or row.state != "sending" or row.claim_token != claimed.token:
        return None
    row.claimed_at = None
    row.claim_token = None
    if outcome.error:
        row.last_error = outcome.error[:2000]
    if outcome.sent:
        row.state, row.sent_at, row.next_attempt_at = "sent", now, None
    elif outcome.permanent or row.attempts >= max_attempts:
        row.state, row.next_attempt_at = "failed", None
    else:
        row.state, row.next_attempt_at = "queued", now + retry_delay(row.attempts)
    session.flush()
    if outcome.bounced:
        from ordercraft.core.hooks import site_hooks

        # In a savepoint: a plugin failing on the bounce must not lose the result (the
        # message would go out again after the lease).
        try:
            with session.begin_nested():
                site_hooks(session).mail_bounced(
                    session, list(outcome.bounced), outcome.error[:2000], row.id, row.source,
                    f"{row.about_type}:{row.about_id}" if row.about_type is not None else None)
        except Exception:
            log.exception("message %d: recording the bounce of %s failed", row.id,
                          ", ".join(outcome.bounced))
    return row.state


def send_due(platform: Platform, now: datetime | None = None, *,
             limit: int = 500) -> list[int]:
    """Send what is due, up to ``limit`` messages; returns the ids of those sent.

    With no server or From address configured, nothing is claimed: the messages wait.
    """
    now = now or utcnow()
    with platform.session() as session:
        settings = read_settings(session)
    if not settings.ready:
        return []
    sent: list[int] = []
    handled = 0
    while handled < limit:
        with platform.session() as session:
            claimed = claim_due(session, settings, now, min(BATCH_SIZE, limit - handled))
        if not claimed:
            break
        handled += len(claimed)
        for message, outcome in zip(claimed, deliver(settings, claimed), strict=True):
            with platform.session() as session:
                state = record(session, message, outcome, now, settings.max_attempts)
            if state == "sent":
                sent.append(message.id)
            elif state is not None:
                log.warning("message %d not sent (%s): %s", message.id, state, outcome.error)
    return sent
