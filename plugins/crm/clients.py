"""Clients: the core's parties of kind ``client`` or ``both``, seen with their crm data
(open deals, the last interaction), searched and filtered by tag, source, manager and
client group; created with their first contacts after a check for duplicates.

Fields of the party itself (name, tags, source, manager, tax id, phone, e-mail, ...)
are the core's: this module validates and stores them through
:mod:`ordercraft.sdk.parties`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ordercraft.plugins.crm.duplicates import DuplicateMatch, duplicate_message, find_duplicates
from ordercraft.plugins.crm.funnel import CLOSED_STATES, money
from ordercraft.plugins.crm.hooks import clean_source
from ordercraft.plugins.crm.ids import is_number, record_id
from ordercraft.plugins.crm.models import Deal, Interaction
from ordercraft.sdk import custom_fields as custom
from ordercraft.sdk import parties, validation
from ordercraft.sdk.errors import Conflict, NotFound, OrdercraftError, ValidationError
from ordercraft.sdk.models import Contact, LegalEntity, Party, PartyTag, User
from ordercraft.sdk.permissions import owner_condition, require_session_permission
from ordercraft.sdk.queries import (
    Page,
    contains_pattern,
    fold,
    fold_text,
    page_bounds,
    paginate,
    search_words,
)

CLIENT_KINDS = ("client", "both")
#: Channel kinds a form offers (any lower-case word is accepted).
CHANNEL_KINDS = ("mobile", "phone", "email", "telegram", "whatsapp", "viber", "skype", "signal")
SOURCES = ("exhibition", "seminar", "ad", "referral", "web", "call", "partner")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PossibleDuplicate(Conflict):
    """A new client shares a tax id, phone or e-mail with an existing one; ``details``
    hold the ``matches``. Saving again with ``confirm_duplicate`` creates it anyway."""

    code = "possible_duplicate"

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        super().__init__(duplicate_message(matches), field=matches[0].field,
                         details={"matches": [m.as_dict() for m in matches]})
        self.matches = matches


@dataclass
class ClientRow:
    """A client in a list: the party and its crm figures."""

    party: Party
    open_deals: int = 0
    open_amount: Decimal = Decimal("0")
    last_interaction_at: datetime | None = None


# ------------------------------------------------------------------ reading


def get_client(session: Session, ref: int | str) -> Party:
    """A client by id or name; a supplier-only party is not a client."""
    if is_number(ref):
        ref = record_id(ref, field="client", what="client")
    try:
        party = parties.get_party(session, ref)
    except NotFound as exc:
        raise NotFound(f"client: {exc.message}", field="client") from None
    if party.kind not in CLIENT_KINDS:
        raise NotFound(f"party {party.name!r} (id {party.id}) is a {party.kind}, not a client",
                       field="client")
    return party


#: The characters a stored phone may hold besides digits (``fields.phone`` allows no
#: others), removed in SQL to compare phones by their digits at C speed.
PHONE_SEPARATORS = (" ", "-", "(", ")", ".", "/", "+")


def phone_digits(column: Any) -> Any:
    for separator in PHONE_SEPARATORS:
        column = func.replace(column, separator, "")
    return column


def _phone_holds(column: Any, number: str) -> Any:
    """``column``'s digits contain ``number``. The loose ``LIKE`` (the digits in order,
    anything between them) is cheap and lets few rows through to the exact test."""
    loose = "%" + "%".join(number) + "%"
    return and_(column.like(loose), phone_digits(column).like(f"%{number}%"))


def _search(session: Session, word: str) -> Any:
    """Clients with ``word`` in their name, e-mail, tax id, a legal entity's name or tax
    id, a contact's name or e-mail, or (for a number) a phone."""
    if word.isascii() and session.get_bind().dialect.name == "sqlite":
        # SQLite's own LIKE ignores the case of ASCII letters, in C; the Unicode folding
        # (a Python function) is needed only for words beyond ASCII.
        pattern = contains_pattern(word)

        def like(column: Any) -> Any:
            return column.like(pattern, escape="\\")
    else:
        folded = contains_pattern(fold_text(session, word))

        def like(column: Any) -> Any:
            return fold(session, column).like(folded, escape="\\")

    own = [like(Party.name), like(Party.email), like(Party.tax_id)]
    of_contact = [like(Contact.name), like(Contact.email)]
    number = "".join(c for c in word if c.isdigit())
    if len(number) >= 3 and re.fullmatch(r"[0-9+()\-./]+", word):
        own.append(_phone_holds(Party.phone, number))
        of_contact.append(_phone_holds(Contact.phone, number))
    return or_(*own,
               exists().where(Contact.party_id == Party.id, or_(*of_contact)),
               exists().where(LegalEntity.party_id == Party.id,
                              or_(like(LegalEntity.name), like(LegalEntity.tax_id))))


def client_conditions(session: Session, *, search: str | None = None,
                      tags: Iterable[str] | str | None = None, source: str | None = None,
                      manager: str | None = None, group: int | str | None = None,
                      now: datetime | None = None) -> list[Any]:
    """SQL conditions over ``Party`` selecting clients by the usual filters; the funnel
    report and the client list share them."""
    conditions: list[Any] = [Party.kind.in_(CLIENT_KINDS)]
    visible = owner_condition(session, "party", Party.manager_id)
    if visible is not None:
        conditions.append(visible)
    for tag in validation.words(tags, field="tag", max_length=50):
        conditions.append(exists().where(PartyTag.party_id == Party.id, PartyTag.tag == tag))
    if source:
        conditions.append(fold(session, Party.source) == fold_text(
            session, validation.text(source, field="source", max_length=50)))
    if manager:
        conditions.append(Party.manager_id == manager_id(session, manager))
    if group not in (None, ""):
        from ordercraft.plugins.crm.groups import get_group, group_condition

        conditions.append(group_condition(session, get_group(session, group), now=now))
    for word in search_words(search):
        conditions.append(_search(session, word))
    return conditions


def manager_id(session: Session, name: str, field: str = "manager") -> int:
    found = parties.manager_ids(session, [name])
    if name not in found:
        raise NotFound(f"{field}: user {name!r} does not exist", field=field)
    return found[name]


def list_clients(session: Session, *, search: str | None = None,
                 tags: Iterable[str] | str | None = None, source: str | None = None,
                 manager: str | None = None, group: int | str | None = None,
                 custom_fields: Mapping[str, Any] | None = None,
                 limit: Any = None, offset: Any = None) -> Page[ClientRow]:
    """A page of clients by name, each with its open deals and last interaction.

    One pass over the clients finds the page's ids and counts the whole list (a window
    function; the sort carries only the name's key and the id, not whole rows); then the
    page's clients, their tags and manager, and their figures: a fixed number of
    queries, whatever the page size or the number of clients."""
    require_session_permission(session, "party.read")
    limit, offset = page_bounds(limit, offset)
    conditions = client_conditions(session, search=search, tags=tags, source=source,
                                   manager=manager, group=group)
    conditions += custom.filter_conditions(session, "client", Party.id, custom_fields)
    rows = session.execute(
        select(Party.id, func.count().over().label("total")).where(*conditions)
        .order_by(fold(session, Party.name), Party.id).limit(limit).offset(offset)).all()
    if rows:
        total = int(rows[0].total)
    elif offset == 0:
        total = 0
    else:  # past the end: no row to carry the count
        total = int(session.scalar(select(func.count(Party.id)).where(*conditions)) or 0)
    ids = [row.id for row in rows]
    loaded = {party.id: party for party in session.scalars(
        select(Party).where(Party.id.in_(ids))
        .options(selectinload(Party.manager).lazyload(User.roles)))} if ids else {}
    return Page(with_figures(session, [loaded[i] for i in ids]), total, limit, offset)


def with_figures(session: Session, clients: list[Party]) -> list[ClientRow]:
    ids = [party.id for party in clients]
    deals: dict[int, tuple[int, Decimal]] = {}
    last: dict[int, datetime] = {}
    if ids:
        for party_id, count, amount in session.execute(
                select(Deal.party_id, func.count(Deal.id), func.sum(Deal.amount))
                .where(Deal.party_id.in_(ids), Deal.state.not_in(CLOSED_STATES))
                .group_by(Deal.party_id)):
            deals[party_id] = (int(count), amount or Decimal("0"))
        last = dict(session.execute(
            select(Interaction.party_id, func.max(Interaction.at))
            .where(Interaction.party_id.in_(ids)).group_by(Interaction.party_id)).all())
    return [ClientRow(party, *deals.get(party.id, (0, Decimal("0"))), last.get(party.id))
            for party in clients]


def client_figures(session: Session, party: Party) -> ClientRow:
    return with_figures(session, [party])[0]


# ------------------------------------------------------------------ creating and changing


def _channel_values(channels: Any) -> list[dict[str, str]]:
    """The channels given (``kind=value`` strings or dicts) as dicts, for reading their
    values; the core validates them when the contact is saved."""
    if not channels:
        return []
    if isinstance(channels, (str, dict)):
        channels = [channels]
    found = []
    for channel in channels:
        if isinstance(channel, dict):
            found.append({"kind": str(channel.get("kind", "")),
                          "value": str(channel.get("value", ""))})
        else:
            kind, _separator, value = str(channel).partition("=")
            found.append({"kind": kind, "value": value})
    return found


def parse_channels(text: str, *, field: str = "channels") -> list[dict[str, str]]:
    """Channels typed one per line as ``kind: value`` (``telegram: @anna``,
    ``mobile: +44 7700 900123``); a line without a kind is a phone or an e-mail by its
    look."""
    channels = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        kind, separator, value = line.partition(":")
        if separator and re.fullmatch(r"[A-Za-z][\w\-]*", kind.strip()) and value.strip():
            kind, value = kind.strip().lower(), value.strip()
        elif _EMAIL.match(line):
            kind, value = "email", line
        elif re.fullmatch(r"[0-9+()\-./ ]+", line):
            kind, value = "phone", line
        else:
            raise ValidationError(f"{field}: line {number} {line!r} is not KIND: VALUE "
                                  "(e.g. telegram: @anna)", field=field)
        channels.append({"kind": kind, "value": value})
    return channels


def _contact_keys(contact: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    phones = [contact.get("phone") or ""]
    emails = [contact.get("email") or ""]
    for channel in _channel_values(contact.get("channels")):
        value = channel["value"]
        if _EMAIL.match(value):
            emails.append(value)
        elif re.fullmatch(r"[0-9+()\-./ ]+", value):
            phones.append(value)
    return phones, emails


def check_duplicates(session: Session, *, tax_ids: Iterable[str] = (),
                     phones: Iterable[str] = (), emails: Iterable[str] = (),
                     exclude_party: int | None = None) -> list[DuplicateMatch]:
    require_session_permission(session, "party.read")
    return find_duplicates(session, tax_ids=tax_ids, phones=phones, emails=emails,
                           exclude_party=exclude_party)


def _name_taken(session: Session, name: str) -> None:
    clean = " ".join(validation.text(name, field="name", max_length=200, required=True).split())
    other = session.execute(select(Party.id, Party.name).where(
        fold(session, Party.name) == fold_text(session, clean)).limit(1)).first()
    if other is not None:
        raise Conflict(f"party {other.name!r} already exists (id {other.id})",
                       code="duplicate", field="name")


def create_client(session: Session, name: str, *, confirm_duplicate: bool = False,
                  contacts: Iterable[Mapping[str, Any]] = (),
                  legal_entities: Iterable[Mapping[str, Any]] = (),
                  kind: str | None = None, **values: Any) -> Party:
    """A new client with its contacts and legal entities, all or nothing.

    ``values`` are the core's party fields (tags, source, tax_id, phone, email, address,
    notes, manager). Unless ``confirm_duplicate``, a client that shares a tax id, phone
    or e-mail with an existing party is refused with :class:`PossibleDuplicate` (409,
    code ``possible_duplicate``, ``details.matches``). A party with the same name or
    tax id is refused by the core in any case.
    """
    require_session_permission(session, "party.write")
    kind = validation.choice(kind or "client", field="kind", choices=CLIENT_KINDS)
    contacts = [dict(c) for c in contacts]
    legal_entities = [dict(e) for e in legal_entities]
    _name_taken(session, name)
    if values.get("source"):
        values["source"] = clean_source(session, values["source"])
    phones, emails = [values.get("phone") or ""], [values.get("email") or ""]
    for contact in contacts:
        more_phones, more_emails = _contact_keys(contact)
        phones += more_phones
        emails += more_emails
    tax_ids = [values.get("tax_id") or ""] + [e.get("tax_id") or "" for e in legal_entities]
    # A savepoint: a bad contact or a possible duplicate leaves no client behind, even for
    # a caller that catches the error and goes on with its transaction. The duplicate
    # check comes last, so that a mistake in the input is said first.
    with session.begin_nested():
        party = parties.create_party(session, name, kind=kind, **values)
        for index, entity in enumerate(legal_entities):
            with _naming("legal_entities", index):
                parties.add_legal_entity(session, party.id, **entity)
        for index, contact in enumerate(contacts):
            with _naming("contacts", index):
                parties.add_contact(session, party.id, **contact)
        if not confirm_duplicate:
            matches = find_duplicates(session, tax_ids=tax_ids, phones=phones, emails=emails,
                                      exclude_party=party.id)
            if matches:
                raise PossibleDuplicate(matches)
    session.refresh(party)
    return party


@contextmanager
def _naming(what: str, index: int) -> Iterator[None]:
    """An error about the ``index``-th contact (or legal entity) names its field as
    ``contacts.0.email``, the way the API names the fields of a list."""
    try:
        yield
    except OrdercraftError as exc:
        if exc.field:
            where = f"{what}.{index}.{exc.field}"
            if exc.message.startswith(f"{exc.field}: "):
                exc.message = f"{where}: " + exc.message[len(exc.field) + 2:]
                exc.args = (exc.message,)
            exc.field = where
        raise


def update_client(session: Session, ref: int | str, *, confirm_duplicate: bool = False,
                  **changes: Any) -> Party:
    """Change the client's party fields (``None`` = leave as is); a new tax id, phone or
    e-mail that another party has is refused as a possible duplicate unless confirmed."""
    require_session_permission(session, "party.write")
    party = get_client(session, ref)
    if changes.get("kind") is not None:
        validation.choice(changes["kind"], field="kind", choices=CLIENT_KINDS)
    if changes.get("source") and changes["source"] != party.source:
        changes["source"] = clean_source(session, changes["source"])
    if not confirm_duplicate:
        matches = find_duplicates(
            session, tax_ids=[changes.get("tax_id") or ""], phones=[changes.get("phone") or ""],
            emails=[changes.get("email") or ""], exclude_party=party.id)
        if matches:
            raise PossibleDuplicate(matches)
    return parties.update_party(session, party.id, **changes)


def add_contact(session: Session, client: int | str, *, name: str, **values: Any) -> Contact:
    """A contact of the client: ``phone``, ``email``, ``position``, ``notes`` and
    ``channels`` (further phones, e-mails and messengers, as ``[{"kind", "value"}]``)."""
    party = get_client(session, client)
    return parties.add_contact(session, party.id, name=name, **values)


def get_contact(session: Session, contact_id: Any) -> Contact:
    """A contact of a client (a supplier's contact is not found here)."""
    contact = parties.get_contact(session, record_id(contact_id, field="id", what="contact"))
    if contact.party.kind not in CLIENT_KINDS:
        raise NotFound(f"contact {contact.id} is a contact of {contact.party.name!r}, which "
                       "is not a client", field="id")
    return contact


def update_contact(session: Session, contact_id: Any, **changes: Any) -> Contact:
    get_contact(session, contact_id)
    return parties.update_contact(session, contact_id, **changes)


def list_contacts(session: Session, *, client: int | str | None = None,
                  search: str | None = None, custom_fields: Mapping[str, Any] | None = None,
                  limit: Any = None, offset: Any = None) -> Page[Contact]:
    """Contacts of clients (of one client), by name; ``custom_fields`` ``{name: value}``
    must match."""
    require_session_permission(session, "party.read")
    query = (select(Contact).join(Party, Party.id == Contact.party_id)
             .where(Party.kind.in_(CLIENT_KINDS))
             .order_by(fold(session, Contact.name), Contact.id))
    if client not in (None, ""):
        query = query.where(Contact.party_id == get_client(session, client).id)
    for word in search_words(search):
        pattern = contains_pattern(fold_text(session, word))
        conditions = [fold(session, Contact.name).like(pattern, escape="\\"),
                      fold(session, Contact.email).like(pattern, escape="\\"),
                      fold(session, Contact.position).like(pattern, escape="\\")]
        number = "".join(c for c in word if c.isdigit())
        if len(number) >= 3:
            conditions.append(_phone_holds(Contact.phone, number))
        query = query.where(or_(*conditions))
    query = query.where(*custom.filter_conditions(session, "contact", Contact.id, custom_fields))
    return paginate(session, query, limit, offset)


def client_tasks(session: Session, party_id: int, *, limit: int = 10) -> Page[Any]:
    """The client's open tasks — the next steps of its interactions and the tasks about
    its documents — soonest deadline first."""
    from ordercraft.plugins.crm.timeline import client_documents
    from ordercraft.sdk.workflow import OPEN_STATUSES, Task, TaskLink

    require_session_permission(session, "task.read")
    about = [Task.id.in_(select(Interaction.task_id).where(
        Interaction.party_id == party_id, Interaction.task_id.is_not(None)))]
    for document_type, _model, ids in client_documents(session, party_id):
        about.append(Task.id.in_(select(TaskLink.task_id).where(
            TaskLink.document_type == document_type, TaskLink.document_id.in_(ids))))
    query = (select(Task).where(Task.status.in_(OPEN_STATUSES), or_(*about))
             .order_by(Task.deadline.is_(None), Task.deadline, Task.id))
    return paginate(session, query, limit, 0)


# ------------------------------------------------------------------ JSON


def client_dict(row: ClientRow | Party, *, details: bool = False,
                session: Session | None = None) -> dict[str, Any]:
    """The client as JSON-safe values (the core's party fields plus crm figures);
    ``details`` adds legal entities, contacts and deals (needs ``session``)."""
    if isinstance(row, Party):
        if session is None:
            raise ValueError("client_dict of a Party needs the session for its figures")
        row = client_figures(session, row)
    party = row.party
    document = parties.party_dict(party, details=details)
    document.update({"open_deals": row.open_deals, "open_amount": money(row.open_amount),
                     "last_interaction_at": row.last_interaction_at.isoformat(
                         timespec="seconds") if row.last_interaction_at else None})
    if details and session is not None:
        from ordercraft.plugins.crm.deals import deal_dict

        deals = session.scalars(select(Deal).where(Deal.party_id == party.id)
                                .order_by(Deal.created_at.desc(), Deal.id.desc()).limit(100))
        document["deals"] = [deal_dict(deal) for deal in deals]
    return document
