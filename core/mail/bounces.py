"""Bounces: addresses that mail cannot reach. The sender reports the ones an SMTP server
refuses for good while sending (:mod:`.sender`); a bounce report (a delivery status
notification, RFC 3464, as a mail server sends it back) is read here and reported the
same way, through the hook ``mail_bounced``.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from typing import TYPE_CHECKING

from sqlalchemy import select

from ordercraft.core.errors import ValidationError
from ordercraft.core.mail.models import OutboxMessage
from ordercraft.core.services import fields as check

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: A bounce report larger than this is not a bounce report.
MAX_REPORT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class BounceReport:
    """What a bounce report says: the addresses that failed, why, and the Message-ID of
    the message that bounced (empty when the report does not carry it)."""

    addresses: tuple[str, ...]
    reason: str
    original_message_id: str = ""


def parse_bounce_report(data: bytes) -> BounceReport:
    """Read a delivery status notification (``multipart/report;
    report-type=delivery-status``): the recipients whose ``Action`` is ``failed``, their
    ``Status`` and ``Diagnostic-Code``, and the bounced message's Message-ID (from the
    returned message or its headers). Anything else is a :class:`ValidationError`
    (field ``file``)."""
    if len(data) > MAX_REPORT_BYTES:
        raise check.invalid("file", f"{len(data):,} bytes; a bounce report is at most "
                                    f"{MAX_REPORT_BYTES:,}")
    report = message_from_bytes(data, policy=policy.compat32)
    failed: list[str] = []
    reasons: list[str] = []
    original = ""
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in _status_blocks(part):
                if str(block.get("Action", "")).strip().lower() != "failed":
                    continue
                recipient = str(block.get("Final-Recipient") or block.get(
                    "Original-Recipient") or "")
                address = recipient.partition(";")[2].strip() or recipient.strip()
                if address and address.lower() not in failed:
                    failed.append(address.lower())
                    reasons.append(" ".join(
                        str(block.get(name, "")).strip() for name in
                        ("Status", "Diagnostic-Code") if block.get(name)).strip())
        elif kind in ("message/rfc822", "text/rfc822-headers") and not original:
            original = _message_id_of(part)
    if not failed:
        raise check.invalid("file", "not a bounce report: no recipient with 'Action: "
                                    "failed' in a message/delivery-status part")
    reason = "; ".join(f"{a} ({r})" if r else a for a, r in zip(failed, reasons,
                                                                   strict=True))
    return BounceReport(tuple(failed), reason[:2000], original)


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    # Some servers send the status as text: its blocks are separated by blank lines.
    from email.parser import HeaderParser

    text = payload if isinstance(payload, str) else ""
    return [HeaderParser().parsestr(block) for block in text.replace("\r\n", "\n")
            .split("\n\n") if block.strip()]


def _message_id_of(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return str(payload[0].get("Message-ID", "")).strip()
    from email.parser import HeaderParser

    headers = HeaderParser().parsestr(payload if isinstance(payload, str) else "")
    return str(headers.get("Message-ID", "")).strip()


def report_bounce(session: Session, addresses: list[str] | tuple[str, ...], reason: str, *,
                  original_message_id: str = "") -> int | None:
    """Record that mail to ``addresses`` bounced (a bounce report, or a person telling):
    the hook ``mail_bounced`` runs in the caller's transaction, with the outbox message
    whose Message-ID header is ``original_message_id`` when this site sent it. Returns
    that message's id, or ``None``."""
    from ordercraft.core.hooks import site_hooks

    cleaned = [check.email(address, field="address").lower() for address in addresses]
    if not cleaned or not all(cleaned):
        raise ValidationError("address: name the address that bounced", field="address")
    message = None
    if original_message_id:
        message = session.scalar(select(OutboxMessage).where(
            OutboxMessage.internet_message_id == original_message_id.strip()))
    about = (f"{message.about_type}:{message.about_id}"
             if message is not None and message.about_type is not None else None)
    reason = check.text(reason or "reported bounce", field="reason", max_length=2000)
    site_hooks(session).mail_bounced(session, cleaned, reason,
                                     message.id if message else None,
                                     message.source if message else "report", about)
    return message.id if message else None
