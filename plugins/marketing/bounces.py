"""Bounces: an e-mail address that mail cannot reach. The site's outbox reports the ones
its SMTP server refuses for good (the core hook ``mail_bounced``); a bounce report or a
manager records one by hand (``ordercraft mailing bounce``). A bounced address is
flagged on its contacts, logged on their timelines, marks the mailing's message bounced,
and is skipped by every later mailing (counted in the mailing's ``skipped_bounced``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from ordercraft.plugins.marketing.models import Bounce, Mailing, MailingMessage
from ordercraft.sdk import validation
from ordercraft.sdk.errors import ValidationError
from ordercraft.sdk.models import Contact, utcnow
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import plugin_service

#: ``smtp``: refused while sending; ``report``: a bounce report or a manager told.
SOURCES = ("smtp", "report")


def bounced_address() -> Any:
    """SQL: the contact's e-mail address has bounced."""
    return exists().where(Bounce.address == func.lower(Contact.email))


def record_bounces(session: Session, addresses: list[str], reason: str, *,
                   message_id: int | None = None, source: str = "smtp",
                   now: datetime | None = None) -> dict[str, Any]:
    """Flag ``addresses`` as bounced, mark the mailing message sent as outbox message
    ``message_id`` (if any) bounced, and log the bounce on the timeline of every contact
    with one of the addresses. Returns the addresses and the contacts flagged."""
    now = now or utcnow()
    source = validation.choice(source, field="source", choices=SOURCES)
    reason = str(reason or "")[:500]
    wanted = sorted({a.strip().lower() for a in addresses if a and a.strip()})
    if not wanted:
        raise ValidationError("address: name the address that bounced", field="address")
    for address in wanted:
        row = session.get(Bounce, address)
        if row is None:
            session.add(Bounce(address=address, at=now, reason=reason, source=source))
        else:
            row.at, row.reason, row.source, row.count = now, reason, source, row.count + 1
    if message_id is not None:
        session.execute(update(MailingMessage).where(
            MailingMessage.outbox_id == message_id, MailingMessage.bounced_at.is_(None))
            .values(bounced_at=now, bounce_reason=reason))
    contacts = session.execute(select(Contact.id, Contact.party_id, Contact.email).where(
        func.lower(Contact.email).in_(wanted)).order_by(Contact.id)).all()
    plugin_service(session, "crm", "interactions").log_many(session, [
        {"party_id": party_id, "contact_id": contact_id, "kind": "email", "at": now,
         "subject": f"E-mail to {email} bounced", "outcome": reason}
        for contact_id, party_id, email in contacts])
    session.flush()
    return {"addresses": wanted, "contacts": [contact_id for contact_id, _p, _e in contacts]}


def on_mail_bounced(session: Session, addresses: list[str], reason: str,
                    message_id: int | None, source: str) -> None:
    """The core hook ``mail_bounced``: every bounce the site learns of is recorded."""
    record_bounces(session, addresses, reason, message_id=message_id,
                   source="report" if source == "report" or message_id is None else "smtp")


def report(session: Session, *, address: Any = None, report_file: bytes | None = None,
           reason: Any = "") -> dict[str, Any]:
    """Record a bounce by hand: an ``address`` (with an optional ``reason``) or a bounce
    report (the ``.eml`` a mail server sent back). Needs ``marketing.write``."""
    from ordercraft.sdk.mail import parse_bounce_report, report_bounce

    require_session_permission(session, "marketing.write")
    if (address in (None, "")) == (report_file is None):
        raise ValidationError("address: give an address or a bounce report file, one of them",
                              field="address")
    if report_file is not None:
        parsed = parse_bounce_report(report_file)
        message = report_bounce(session, parsed.addresses, parsed.reason,
                                original_message_id=parsed.original_message_id)
        return {"addresses": list(parsed.addresses), "reason": parsed.reason,
                "message": message}
    cleaned = validation.email(address, field="address")
    if not cleaned:
        raise ValidationError("address: name the address that bounced", field="address")
    text = validation.text(reason, field="reason", max_length=500) or "reported by a manager"
    report_bounce(session, [cleaned], text)
    return {"addresses": [cleaned.lower()], "reason": text, "message": None}


def report_mailbox(session: Session, path: str) -> dict[str, Any]:
    """Record every bounce report of an mbox file (a mailbox the bounces address
    collects); other messages in it are counted and left alone. Needs
    ``marketing.write``."""
    import mailbox

    from ordercraft.sdk.mail import parse_bounce_report, report_bounce

    require_session_permission(session, "marketing.write")
    addresses: list[str] = []
    reports = skipped = 0
    box = mailbox.mbox(path, create=False)
    try:
        for message in box:
            try:
                parsed = parse_bounce_report(message.as_bytes())
            except ValidationError:
                skipped += 1
                continue
            report_bounce(session, parsed.addresses, parsed.reason,
                          original_message_id=parsed.original_message_id)
            reports += 1
            addresses += [a for a in parsed.addresses if a not in addresses]
    finally:
        box.close()
    return {"addresses": addresses, "reports": reports, "skipped": skipped}


def bounces_of(session: Session, contact: Contact) -> Bounce | None:
    """The bounce of the contact's address, if it bounced."""
    return session.get(Bounce, (contact.email or "").lower()) if contact.email else None


def bounced_count(session: Session, mailing: Mailing) -> int:
    """How many of the mailing's messages bounced."""
    return int(session.scalar(select(func.count()).select_from(MailingMessage).where(
        MailingMessage.mailing_id == mailing.id, MailingMessage.bounced_at.is_not(None))) or 0)
