"""Mailings: an e-mail or SMS to a crm client group from a Jinja template with the
client's and the contact's fields, sent now, at a scheduled time, or triggered (a client
enters the group; N days after an order of theirs is shipped).

E-mails go through the site's outbox (:mod:`ordercraft.sdk.mail`), spread over time at
the site's rate (setting ``marketing_mails_per_minute``): ``ordercraft worker`` sends
them as they come due. SMS go through the ``send_sms`` hook (:mod:`.hookspecs`). Every
message lands on its contact's timeline (a crm interaction), carries an unsubscribe
link (a signed token, no login) and is never sent to a contact who withdrew consent on
that channel.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.marketing.hooks import MarketingHooks
from ordercraft.plugins.marketing.models import (
    MAILING_CHANNELS,
    MAILING_MODES,
    TRIGGERS,
    Consent,
    Mailing,
    MailingMessage,
    Survey,
)
from ordercraft.sdk import validation
from ordercraft.sdk.errors import NotFound, ValidationError
from ordercraft.sdk.models import Contact, Party, utcnow
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import plugin_service, site_platform

#: The merge fields a template may use: name -> its attributes (``None``: a plain value).
MERGE_FIELDS: dict[str, tuple[str, ...] | None] = {
    "client": ("name", "email", "phone", "address"),
    "contact": ("name", "first_name", "position", "email", "phone"),
    "unsubscribe_url": None,
    "survey_url": None,
}
RATE_SETTING = "marketing_mails_per_minute"
UNSUBSCRIBE = "marketing.unsubscribe"
SURVEY = "marketing.survey"
#: Rows read and queued per batch.
BATCH = 1000

_ENV = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


@functools.lru_cache(maxsize=64)
def _template(text: str) -> Any:
    """A template compiled once (a mailing renders the same two for every recipient)."""
    return _ENV.from_string(text)


# ------------------------------------------------------------------ templates


def _field_list() -> str:
    names = []
    for name, attributes in MERGE_FIELDS.items():
        names.extend([f"{name}.{a}" for a in attributes] if attributes else [name])
    return ", ".join(names)


def check_template(text: str, field: str) -> str:
    """Refuse a template that does not parse or uses an unknown merge field, naming it."""
    try:
        tree = _ENV.parse(text)
    except TemplateSyntaxError as error:
        raise ValidationError(f"{field}: line {error.lineno}: {error.message}",
                              field=field) from None
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name not in MERGE_FIELDS and node.name not in assigned:
            raise ValidationError(f"{field}: unknown merge field {node.name!r} (known: "
                                  f"{_field_list()})", field=field)
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        base = node.node
        if not isinstance(base, nodes.Name) or base.name not in MERGE_FIELDS:
            continue
        attribute = (node.attr if isinstance(node, nodes.Getattr)
                     else getattr(node.arg, "value", None))
        if attribute not in (MERGE_FIELDS[base.name] or ()):
            raise ValidationError(f"{field}: unknown merge field '{base.name}.{attribute}' "
                                  f"(known: {_field_list()})", field=field)
    return text


def _context(party: Any, contact: Any, unsubscribe_url: str, survey_url: str) -> dict[str, Any]:
    name = contact.name or ""
    return {"client": {"name": party.name, "email": party.email, "phone": party.phone,
                       "address": party.address},
            "contact": {"name": name, "first_name": name.split(" ")[0] if name else "",
                        "position": contact.position, "email": contact.email,
                        "phone": contact.phone},
            "unsubscribe_url": unsubscribe_url, "survey_url": survey_url}


# ------------------------------------------------------------------ saving


def _group(session: Session, ref: Any) -> Any:
    return plugin_service(session, "crm", "groups").get(session, ref)


def save_mailing(session: Session, mailing: Mailing | None = None, **fields: Any) -> Mailing:
    """Create a mailing (``mailing`` None) or change a draft one. Fields: ``name``,
    ``group`` (crm client group, id or name), ``channel`` (email, sms), ``subject``,
    ``body`` (Jinja templates), ``mode`` (now, scheduled, triggered), ``scheduled_at``,
    ``trigger`` (group_entered, order_shipped), ``trigger_days``, ``campaign``,
    ``survey``. An unknown merge field is refused, naming it; nothing is saved."""
    require_session_permission(session, "marketing.write")
    if mailing is not None and mailing.state != "draft":
        raise ValidationError(f"mailing: {mailing.name!r} is {mailing.state}; only a draft "
                              "changes", field="mailing")
    target = mailing or Mailing()
    known = {"name", "group", "channel", "subject", "body", "mode", "scheduled_at",
             "trigger", "trigger_days", "campaign", "survey"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValidationError(f"{unknown[0]}: not a field of a mailing", field=unknown[0])

    def given(name: str) -> bool:
        return name in fields or mailing is None

    found = validation.Mistakes()

    def assign(attribute: str, check: Callable[[], Any]) -> None:
        """Set ``attribute`` to what ``check`` gives; a mistake is kept, to report all."""
        found.run(lambda: setattr(target, attribute, check()))

    if given("name"):
        assign("name", lambda: MAILING_RULES["name"].clean(fields.get("name"), field="name"))
    if given("group"):
        assign("group_id", lambda: _group_id(session, fields.get("group")))
    if given("channel"):
        assign("channel", lambda: validation.choice(fields.get("channel") or "email",
                                                    choices=MAILING_CHANNELS, field="channel"))
    if given("subject"):
        assign("subject", lambda: check_template(validation.text(
            fields.get("subject"), field="subject", max_length=300,
            required=target.channel == "email"), "subject"))
    if given("body"):
        # Browsers send a textarea's lines with CR LF.
        body = fields.get("body")
        body = body.replace("\r\n", "\n") if isinstance(body, str) else body
        assign("body", lambda: check_template(validation.text(
            body, field="body", max_length=50000, required=True, multiline=True), "body"))
    if given("mode"):
        assign("mode", lambda: validation.choice(fields.get("mode") or "now",
                                                 choices=MAILING_MODES, field="mode"))
    if given("scheduled_at"):
        assign("scheduled_at", lambda: validation.moment(fields.get("scheduled_at"),
                                                         field="scheduled_at"))
    if given("trigger"):
        value = fields.get("trigger")
        assign("trigger", lambda: validation.choice(value, choices=TRIGGERS, field="trigger")
               if value not in (None, "") else None)
    if given("trigger_days"):
        assign("trigger_days", lambda: MAILING_RULES["trigger_days"].clean(
            fields.get("trigger_days") or 0, field="trigger_days"))
    if given("campaign"):
        assign("campaign_id", lambda: _campaign_id(session, fields.get("campaign")))
    if given("survey"):
        value = fields.get("survey")
        assign("survey_id", lambda: get_survey_id(session, value)
               if value not in (None, "") else None)
    if target.mode == "scheduled" and target.scheduled_at is None and not any(
            e.field == "scheduled_at" for e in found.found):
        found.add(ValidationError("scheduled_at: a scheduled mailing needs its time",
                                  field="scheduled_at"))
    if target.mode == "triggered" and target.trigger is None and not any(
            e.field == "trigger" for e in found.found):
        found.add(ValidationError(f"trigger: a triggered mailing needs its trigger "
                                  f"({', '.join(TRIGGERS)})", field="trigger"))
    found.raise_any()
    if mailing is None:
        session.add(target)
    session.flush()
    return target


#: The editor's fields with a rule: their checks and their inputs' attributes.
MAILING_RULES = {
    "name": validation.FieldRule(max_length=200, required=True),
    "subject": validation.FieldRule(max_length=300),
    "body": validation.FieldRule(max_length=50000, multiline=True),
    "trigger_days": validation.FieldRule("whole", minimum=0, maximum=365),
}


def _group_id(session: Session, ref: Any) -> int:
    if ref in (None, ""):
        raise ValidationError("group: a mailing goes to a client group", field="group")
    return int(_group(session, ref).id)


def _campaign_id(session: Session, ref: Any) -> int | None:
    if ref in (None, ""):
        return None
    from ordercraft.plugins.marketing.campaigns import get_campaign

    return int(get_campaign(session, ref).id)


def get_survey_id(session: Session, ref: Any) -> int:
    text = str(ref).strip()
    found = session.scalar(select(Survey.id).where(
        Survey.id == int(text) if text.isdigit() else Survey.name == text))
    if found is None:
        raise NotFound(f"survey: {ref!r} does not exist", field="survey")
    return int(found)


def get_mailing(session: Session, ref: Any) -> Mailing:
    require_session_permission(session, "marketing.read")
    text = str(ref or "").strip()
    mailing = (session.get(Mailing, int(text)) if text.isdigit()
               else session.scalar(select(Mailing).where(Mailing.name == text)
                                   .order_by(Mailing.id.desc()).limit(1)))
    if mailing is None:
        raise NotFound(f"mailing: {ref!r} does not exist", field="mailing")
    return mailing


def list_mailings(session: Session) -> list[Mailing]:
    require_session_permission(session, "marketing.read")
    return list(session.scalars(select(Mailing).order_by(Mailing.id.desc())))


# ------------------------------------------------------------------ consent


def consenting(channel: str) -> Any:
    """SQL: the contact has not withdrawn consent on ``channel``."""
    return ~exists().where(Consent.contact_id == Contact.id, Consent.channel == channel,
                           Consent.granted.is_(False))


def set_consent(session: Session, contact_id: int, channel: str, granted: bool, *,
                source: str, now: datetime | None = None) -> Consent:
    """Record a contact's consent (or its withdrawal) on a channel, with date and source."""
    channel = validation.choice(channel, choices=MAILING_CHANNELS, field="channel")
    if session.get(Contact, contact_id) is None:
        raise NotFound(f"contact: {contact_id} does not exist", field="contact")
    row = session.get(Consent, (contact_id, channel))
    if row is None:
        row = Consent(contact_id=contact_id, channel=channel)
        session.add(row)
    row.granted, row.at, row.source = bool(granted), now or utcnow(), source[:100]
    session.flush()
    return row


def unsubscribe(session: Session, token: str, now: datetime | None = None) -> Contact:
    """Withdraw the consent an unsubscribe link names (no login: the token is signed)."""
    from ordercraft.sdk.signing import unsign

    value = unsign(session, UNSUBSCRIBE, token)
    try:
        contact_id, channel = int(value["contact"]), str(value["channel"])
    except (TypeError, KeyError, ValueError):
        raise ValidationError("token: the link is not valid", field="token") from None
    set_consent(session, contact_id, channel, False, source="unsubscribe link", now=now)
    contact = session.get(Contact, contact_id)
    assert contact is not None
    return contact


def consents_of(session: Session, contact_id: int) -> list[dict[str, Any]]:
    return [{"channel": c.channel, "granted": c.granted, "at": c.at, "source": c.source}
            for c in session.scalars(select(Consent).where(Consent.contact_id == contact_id))]


# ------------------------------------------------------------------ recipients


def _address_column(channel: str) -> Any:
    return Contact.email if channel == "email" else Contact.phone


def recipients_query(session: Session, mailing: Mailing, *, party_ids: Any = None,
                     key: str = "", bounced: bool = False) -> Any:
    """A select of ``(Contact, Party)`` the mailing goes to: the group's clients'
    contacts with an address on the channel, consenting, not yet sent this message, and
    (e-mail) whose address has not bounced; ``bounced``: those left out for a bounce."""
    from ordercraft.plugins.marketing.bounces import bounced_address

    group = _group(session, mailing.group_id)
    members = plugin_service(session, "crm", "groups").member_ids(session, group)
    address = _address_column(mailing.channel)
    query = (select(Contact, Party).join(Party, Party.id == Contact.party_id)
             .where(Contact.party_id.in_(members), address != "", consenting(mailing.channel),
                    ~exists().where(MailingMessage.mailing_id == mailing.id,
                                    MailingMessage.contact_id == Contact.id,
                                    MailingMessage.key == key))
             .order_by(Contact.id))
    if party_ids is not None:
        query = query.where(Contact.party_id.in_(party_ids))
    if mailing.channel == "email":
        query = query.where(bounced_address() if bounced else ~bounced_address())
    elif bounced:
        query = query.where(False)
    return query


def audience(session: Session, mailing: Mailing) -> dict[str, int]:
    """How many contacts the group holds, and how many of them the mailing reaches."""
    group = _group(session, mailing.group_id)
    members = plugin_service(session, "crm", "groups").member_ids(session, group)
    total = session.scalar(select(func.count()).select_from(Contact).where(
        Contact.party_id.in_(members))) or 0
    reached = session.scalar(select(func.count()).select_from(
        recipients_query(session, mailing).subquery())) or 0
    return {"contacts": int(total), "recipients": int(reached),
            "bounced": _bounced_recipients(session, mailing)}


def _bounced_recipients(session: Session, mailing: Mailing, **where: Any) -> int:
    """How many contacts the mailing would reach but for their bounced address."""
    return int(session.scalar(select(func.count()).select_from(
        recipients_query(session, mailing, bounced=True, **where).subquery())) or 0)


def _no_recipients(session: Session, mailing: Mailing) -> ValidationError:
    group = _group(session, mailing.group_id)
    what = "an e-mail address" if mailing.channel == "email" else "a phone number"
    return ValidationError(
        f"group: {group.name!r} has no consenting contacts with {what}; nothing sent",
        field="group")


# ------------------------------------------------------------------ sending


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


def render_for(session: Session, mailing: Mailing, party: Any, contact: Any, *,
               base_url: str | None = None,
               signers: tuple[Callable[[Any], str], Callable[[Any], str]] | None = None
               ) -> Rendered:
    """The mailing as ``contact`` of ``party`` gets it (the preview shows this).
    ``signers`` (unsubscribe, survey; :func:`link_signers`) spare a mailing making them
    for every recipient."""
    base = base_url if base_url is not None else _site_url(session)
    sign_unsubscribe, sign_survey = signers or link_signers(session)
    channel = mailing.channel
    unsubscribe_url = (f"{base}/marketing/unsubscribe/"
                       f"{sign_unsubscribe({'contact': contact.id, 'channel': channel})}")
    survey_url = ""
    if mailing.survey_id:
        survey_token = sign_survey({"survey": mailing.survey_id, "contact": contact.id,
                                    "mailing": mailing.id})
        survey_url = f"{base}/marketing/survey/{survey_token}"
    context = _context(party, contact, unsubscribe_url, survey_url)
    subject = " ".join(_template(mailing.subject or "").render(context).split())
    text = _template(mailing.body).render(context)
    if "unsubscribe_url" not in mailing.body:
        text = text.rstrip() + f"\n\n--\nUnsubscribe: {unsubscribe_url}\n"
    return Rendered(subject[:300], text)


def link_signers(session: Session) -> tuple[Callable[[Any], str], Callable[[Any], str]]:
    """The signers of the unsubscribe and survey links."""
    from ordercraft.sdk.signing import signer

    return signer(session, UNSUBSCRIBE), signer(session, SURVEY)


def _site_url(session: Session) -> str:
    from ordercraft.sdk.mail import site_url

    return site_url(session)


def preview(session: Session, mailing: Mailing) -> dict[str, Any]:
    """The mailing as its first recipient gets it, and how many it reaches."""
    first = session.execute(recipients_query(session, mailing).limit(1)).first()
    reach = audience(session, mailing)
    if first is None:
        return {"subject": "", "text": "", "recipient": None, **reach}
    contact, party = first
    rendered = render_for(session, mailing, party, contact)
    return {"subject": rendered.subject, "text": rendered.text,
            "recipient": f"{contact.name} ({party.name})", **reach}


def test_send(session: Session, mailing: Mailing, to: str) -> int:
    """Queue the mailing, as its first recipient would get it, to ``to`` (oneself);
    nothing is logged on a timeline. Returns the outbox message's id."""
    from ordercraft.sdk.mail import MailContent, queue_mail

    require_session_permission(session, "marketing.write")
    address = validation.email(to, field="to")
    first = session.execute(recipients_query(session, mailing).limit(1)).first()
    if first is None:
        raise _no_recipients(session, mailing)
    contact, party = first
    rendered = render_for(session, mailing, party, contact)
    message = queue_mail(session, to=address, content=MailContent(
        f"[Test] {rendered.subject}", rendered.text), about=("mailing", mailing.id),
        source="marketing")
    return int(message.id)


def _rate(session: Session) -> int:
    from ordercraft.sdk.settings import get_setting

    return max(1, int(get_setting(session, RATE_SETTING)))


@dataclass(frozen=True, slots=True)
class _Client:
    id: int
    name: str
    email: str
    phone: str
    address: str


@dataclass(frozen=True, slots=True)
class _Person:
    id: int
    name: str
    position: str
    email: str
    phone: str


def _batches(session: Session, query: Any) -> Iterator[list[tuple[_Person, _Client]]]:
    """The recipients as plain rows, read in one query of the columns the templates use
    (no ORM objects: thousands of them cost more than the rendering)."""
    columns = query.with_only_columns(
        Contact.id, Contact.name, Contact.position, Contact.email, Contact.phone,
        Party.id, Party.name, Party.email, Party.phone, Party.address)
    rows = [(_Person(r[0], r[1] or "", r[2] or "", r[3] or "", r[4] or ""),
             _Client(r[5], r[6] or "", r[7] or "", r[8] or "", r[9] or ""))
            for r in session.execute(columns)]
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def queue_mailing(session: Session, mailing: Mailing, now: datetime | None = None, *,
                  party_ids: Any = None, key: str = "") -> int:
    """Render the mailing for each recipient and queue it (e-mail: into the outbox, due
    at the site's rate; SMS: through ``send_sms``), log each message on its contact's
    timeline, and record it so nobody gets it twice. Returns how many were queued."""
    from sqlalchemy import insert

    from ordercraft.sdk.mail import MailContent, queue_mails

    now = now or utcnow()
    step = 60.0 / _rate(session)
    interactions = plugin_service(session, "crm", "interactions")
    hooks = MarketingHooks.of(session) if mailing.channel == "sms" else None
    base = _site_url(session)
    signers = link_signers(session)
    already = session.scalar(select(func.count()).select_from(MailingMessage).where(
        MailingMessage.mailing_id == mailing.id)) or 0
    mailing.skipped_bounced = (mailing.skipped_bounced or 0) + _bounced_recipients(
        session, mailing, party_ids=party_ids, key=key)
    count = 0
    for batch in _batches(session, recipients_query(session, mailing, party_ids=party_ids,
                                                    key=key)):
        messages: list[dict[str, Any]] = []
        timeline: list[dict[str, Any]] = []
        mails = []
        for contact, party in batch:
            rendered = render_for(session, mailing, party, contact, base_url=base,
                                  signers=signers)
            if mailing.channel == "email":
                address = contact.email
                due = now + timedelta(seconds=step * (already + count))
                mails.append((address, MailContent(rendered.subject, rendered.text), due))
            else:
                address = contact.phone
                if hooks is None or not hooks.send_sms(session, address, rendered.text,
                                                       mailing.id):
                    raise ValidationError("channel: no SMS provider plugin is enabled "
                                          "(a plugin implementing send_sms)", field="channel")
            count += 1
            messages.append({"mailing_id": mailing.id, "contact_id": contact.id,
                             "party_id": party.id, "key": key, "address": address,
                             "outbox_id": None, "at": now})
            timeline.append({"party_id": party.id, "contact_id": contact.id,
                             "kind": mailing.channel,
                             "subject": f"Mailing {mailing.name}: {rendered.subject}"
                             if rendered.subject else f"Mailing {mailing.name}",
                             "at": now, "outcome": "queued by the marketing plugin",
                             "source": "mailing"})
        if mails:
            ids = queue_mails(session, mails, about=("mailing", mailing.id),
                              source="marketing")
            for message, outbox_id in zip(messages, ids):
                message["outbox_id"] = outbox_id
        session.connection().execute(insert(MailingMessage.__table__), messages)
        interactions.log_many(session, timeline)
    return count


def start_mailing(session: Session, mailing: Mailing, now: datetime | None = None) -> dict[str, Any]:
    """Send (``now``), schedule (``scheduled``) or activate (``triggered``) a draft
    mailing. A group with no consenting contacts is refused (nothing is sent)."""
    require_session_permission(session, "marketing.write")
    now = now or utcnow()
    if mailing.state != "draft":
        raise ValidationError(f"mailing: {mailing.name!r} is already {mailing.state}",
                              field="mailing")
    queued = 0
    if mailing.mode == "triggered":
        mailing.state = "active"
        if mailing.trigger == "group_entered":
            members = plugin_service(session, "crm", "groups").member_ids(
                session, _group(session, mailing.group_id))
            mailing.seen_party_ids = sorted(session.scalars(members))
    else:
        if audience(session, mailing)["recipients"] == 0:
            raise _no_recipients(session, mailing)
        if mailing.mode == "now":
            queued = queue_mailing(session, mailing, now)
            mailing.state, mailing.sent_at = "sent", now
        else:
            mailing.state = "scheduled"
    session.flush()
    return {"mailing": mailing.id, "state": mailing.state, "queued": queued}


def cancel_mailing(session: Session, mailing: Mailing) -> Mailing:
    require_session_permission(session, "marketing.write")
    if mailing.state not in ("draft", "scheduled", "active"):
        raise ValidationError(f"mailing: {mailing.name!r} is {mailing.state}",
                              field="mailing")
    mailing.state = "cancelled"
    session.flush()
    return mailing


# ------------------------------------------------------------------ the worker's job


def run_due(session: Session, now: datetime) -> list[int]:
    """Queue the scheduled mailings that came due and the triggered ones' new
    recipients; returns the ids of the mailings that queued something."""
    handled = []
    due = session.scalars(select(Mailing).where(
        Mailing.state == "scheduled", Mailing.scheduled_at <= now)
        .with_for_update(skip_locked=True))
    for mailing in list(due):
        queue_mailing(session, mailing, now)
        mailing.state, mailing.sent_at = "sent", now
        handled.append(mailing.id)
    for mailing in list(session.scalars(select(Mailing).where(Mailing.state == "active")
                                        .with_for_update(skip_locked=True))):
        if _run_trigger(session, mailing, now):
            handled.append(mailing.id)
    session.flush()
    return handled


def _run_trigger(session: Session, mailing: Mailing, now: datetime) -> int:
    if mailing.trigger == "group_entered":
        members = set(session.scalars(plugin_service(session, "crm", "groups").member_ids(
            session, _group(session, mailing.group_id))))
        new = sorted(members - set(mailing.seen_party_ids or []))
        if not new:
            return 0
        queued = queue_mailing(session, mailing, now, party_ids=new)
        mailing.seen_party_ids = sorted(members)
        return queued
    # order_shipped: N days after an order's last shipment, once per contact and order
    if not site_platform(session).is_enabled("sales"):
        return 0
    lines = plugin_service(session, "sales", "facts").sales_lines(session).subquery()
    cutoff = (now - timedelta(days=mailing.trigger_days)).date()
    since = (mailing.created_at - timedelta(days=mailing.trigger_days)).date()
    orders = session.execute(select(lines.c.order_id, lines.c.client_id)
                             .group_by(lines.c.order_id, lines.c.client_id)
                             .having(and_(func.max(lines.c.date) <= cutoff,
                                          func.max(lines.c.date) >= since))).all()
    queued = 0
    for order_id, client_id in orders:
        queued += queue_mailing(session, mailing, now, party_ids=[client_id],
                                key=f"order:{order_id}")
    return queued


def mailings_job(platform: Any, now: datetime | None = None) -> list[int]:
    """The worker's job (hook ``scheduled_jobs``)."""
    if not platform.is_enabled("marketing"):
        return []
    with platform.session() as session:
        return run_due(session, now or utcnow())


# ------------------------------------------------------------------ reading


def mailing_dict(session: Session, mailing: Mailing, *, detail: bool = False) -> dict[str, Any]:
    from ordercraft.plugins.marketing.bounces import bounced_count

    sent = session.scalar(select(func.count()).select_from(MailingMessage).where(
        MailingMessage.mailing_id == mailing.id)) or 0
    group = _group(session, mailing.group_id)
    document: dict[str, Any] = {
        "id": mailing.id, "name": mailing.name, "channel": mailing.channel,
        "group": group.name, "mode": mailing.mode, "state": mailing.state,
        "scheduled_at": mailing.scheduled_at, "trigger": mailing.trigger,
        "trigger_days": mailing.trigger_days, "subject": mailing.subject,
        "messages": int(sent), "bounced": bounced_count(session, mailing),
        "skipped_bounced": mailing.skipped_bounced or 0,
        "sent_at": mailing.sent_at, "survey_id": mailing.survey_id,
        "campaign_id": mailing.campaign_id}
    if detail:
        document["body"] = mailing.body
    return document
