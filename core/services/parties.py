"""Parties (clients, suppliers or both), their group tags, legal entities and contacts.

A party's name is unique regardless of case ("Robo School" and "ROBO SCHOOL" are one
client), and so is a non-empty tax id: both catch the same client entered twice.
A legal entity's tax id may recur over time (a client re-registers), but its
periods of validity must not overlap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ordercraft.core import custom_fields as custom
from ordercraft.core.db import utcnow
from ordercraft.core.errors import Conflict, NotFound, ValidationError
from ordercraft.core.models import AuditEntry, Contact, LegalEntity, Party, PartyTag, User
from ordercraft.core.models.entities import PARTY_KINDS
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.record_rules import require_record, restrict
from ordercraft.core.services import fields
from ordercraft.core.services.bulk import insert_audited, insert_rows
from ordercraft.core.services.queries import (
    Page,
    contains_pattern,
    digits,
    fold,
    fold_text,
    paginate,
    search_words,
)

PARTY_FIELDS = ("name", "kind", "tags", "source", "tax_id", "phone", "email", "address", "notes",
                "manager")
PARTY_DEFAULTS: dict[str, Any] = {"kind": "client", "tags": [], "source": "", "tax_id": "",
                                  "phone": "", "email": "", "address": "", "notes": "",
                                  "manager": ""}
LEGAL_ENTITY_FIELDS = ("name", "tax_id", "registration_no", "address", "bank_details",
                       "valid_from", "valid_to")
CONTACT_FIELDS = ("name", "position", "phone", "email", "channels", "notes")


def _name(value: Any, field: str = "name") -> str:
    # Collapsed spaces: "Robo  School" and "Robo School" are the same client.
    return " ".join(fields.text(value, field=field, max_length=200, required=True).split())


#: What the party form's inputs accept (their HTML attributes come from these too).
PARTY_RULES = {
    "name": fields.FieldRule(max_length=200, required=True),
    "source": fields.FieldRule(max_length=50), "tax_id": fields.FieldRule(max_length=50),
    "phone": fields.FieldRule("phone"), "email": fields.FieldRule("email"),
    "address": fields.FieldRule(max_length=2000, multiline=True),
    "notes": fields.FieldRule(max_length=10_000, multiline=True),
}

_PARTY_CLEANERS = {
    "name": _name,
    "kind": lambda v: fields.choice(v, field="kind", choices=PARTY_KINDS),
    "tags": lambda v: fields.words(v, field="tags", max_length=50),
    "source": lambda v: fields.text(v, field="source", max_length=50),
    "tax_id": lambda v: fields.text(v, field="tax_id", max_length=50),
    "phone": lambda v: PARTY_RULES["phone"].clean(v, field="phone"),
    "email": lambda v: PARTY_RULES["email"].clean(v, field="email"),
    "address": lambda v: PARTY_RULES["address"].clean(v, field="address"),
    "notes": lambda v: fields.text(v, field="notes", max_length=10_000, multiline=True),
    "manager": lambda v: fields.text(v, field="manager", max_length=100),
}

_LEGAL_ENTITY_CLEANERS = {
    "name": _name,
    "tax_id": lambda v: fields.text(v, field="tax_id", max_length=50),
    "registration_no": lambda v: fields.text(v, field="registration_no", max_length=50),
    "address": lambda v: fields.text(v, field="address", max_length=2000, multiline=True),
    "bank_details": lambda v: fields.text(v, field="bank_details", max_length=2000,
                                          multiline=True),
    "valid_from": lambda v: fields.day(v, field="valid_from"),
    "valid_to": lambda v: fields.day(v, field="valid_to"),
}


def _channels(value: Any) -> list[dict[str, str]]:
    """``["telegram=@anna"]`` or ``[{"kind": "telegram", "value": "@anna"}]``."""
    if value is None or value == "":
        return []
    if isinstance(value, (str, dict)):
        value = [value]
    channels = []
    for entry in value:
        if isinstance(entry, str):
            kind, separator, target = entry.partition("=")
            if not separator:
                raise fields.invalid("channels", f"{entry!r} is not KIND=VALUE "
                                     "(e.g. telegram=@anna)")
        elif isinstance(entry, dict) and set(entry) <= {"kind", "value"}:
            kind, target = entry.get("kind", ""), entry.get("value", "")
        else:
            raise fields.invalid("channels", f"{entry!r} is not a channel (kind and value)")
        channels.append({"kind": fields.word(kind, field="channels", max_length=30),
                         "value": fields.text(target, field="channels", max_length=200,
                                              required=True)})
    return channels


_CONTACT_CLEANERS = {
    "name": _name,
    "position": lambda v: fields.text(v, field="position", max_length=100),
    "phone": lambda v: fields.phone(v, field="phone"),
    "email": lambda v: fields.email(v, field="email"),
    "channels": _channels,
    "notes": lambda v: fields.text(v, field="notes", max_length=10_000, multiline=True),
}


def _clean(what: str, cleaners: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(cleaners))
    if unknown:
        raise fields.invalid(unknown[0], f"not a field of a {what} "
                             f"(fields: {', '.join(cleaners)})")
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in values.items():  # every field checked: all mistakes reported at once
        if value is None:
            continue
        try:
            clean[key] = cleaners[key](value)
        except ValidationError as exc:
            errors[exc.field or key] = exc.message
    if len(errors) == 1:
        key, message = next(iter(errors.items()))
        raise ValidationError(message, field=key)
    if errors:
        raise fields.combined(errors)
    return clean


def clean_party_values(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validate party fields; ``None`` means "not given". Without ``partial`` every field
    is in the result (defaults filled in) and ``name`` is required. ``manager`` stays a
    user name here ("" = none): resolving it needs the database."""
    clean = _clean("party", _PARTY_CLEANERS, values)
    if not partial:
        if "name" not in clean:
            clean["name"] = _name("")
        for key, default in PARTY_DEFAULTS.items():
            clean.setdefault(key, list(default) if isinstance(default, list) else default)
    return clean


# --------------------------------------------------------------------------- parties


def _is_id(ref: Any) -> bool:
    return isinstance(ref, int) or (isinstance(ref, str) and re.fullmatch(r"[0-9]+", ref.strip())
                                    is not None)


def get_party(session: Session, ref: int | str) -> Party:
    """By id (a number) or by name (any case)."""
    require_session_permission(session, "party.read")
    if _is_id(ref):
        party = session.get(Party, int(ref))
        if party is None:
            raise NotFound(f"party with id {int(ref)} does not exist", field="party")
    else:
        name = " ".join(str(ref).split())
        party = session.scalar(select(Party).where(
            fold(session, Party.name) == fold_text(session, name)).limit(1))
        if party is None:
            raise NotFound(f"party {name!r} does not exist", field="party")
    require_record(session, "party", party.manager_id, f"party {party.name!r}")
    return party


def _check_unique(session: Session, name: str | None, tax_id: str | None,
                  exclude_id: int | None = None) -> None:
    if name is not None:
        query = select(Party.id, Party.name).where(
            fold(session, Party.name) == fold_text(session, name))
        if exclude_id is not None:
            query = query.where(Party.id != exclude_id)
        other = session.execute(query.limit(1)).first()
        if other is not None:
            raise Conflict(f"party {other.name!r} already exists (id {other.id})",
                           code="duplicate", field="name")
    if tax_id:
        query = select(Party.id, Party.name).where(Party.tax_id == tax_id)
        if exclude_id is not None:
            query = query.where(Party.id != exclude_id)
        other = session.execute(query.limit(1)).first()
        if other is not None:
            raise Conflict(f"tax_id: {tax_id!r} is already the tax id of party {other.name!r} "
                           f"(id {other.id})", code="duplicate", field="tax_id")


def manager_ids(session: Session, names: Iterable[str]) -> dict[str, int]:
    """User ids by name, for the names that exist (one query)."""
    wanted = sorted({name for name in names if name})
    if not wanted:
        return {}
    return dict(session.execute(select(User.name, User.id).where(User.name.in_(wanted))).all())


def _manager_id(session: Session, name: str) -> int | None:
    if not name:
        return None
    found = manager_ids(session, [name])
    if name not in found:
        raise NotFound(f"manager: user {name!r} does not exist", field="manager")
    return found[name]


def _set_tags(party: Party, tags: Iterable[str]) -> None:
    wanted = set(tags)
    for row in list(party.tag_rows):
        if row.tag not in wanted:
            party.tag_rows.remove(row)
    for tag in sorted(wanted - {row.tag for row in party.tag_rows}):
        party.tag_rows.append(PartyTag(tag=tag))


def _log_tags(session: Session, party: Party, before: list[str] | None, after: list[str],
              since_id: int) -> None:
    """Tags live in their own table, which the audit log does not watch: add them to the
    entry this change wrote for the party, or write one."""
    if (before or []) == after:
        return
    entry = session.scalar(select(AuditEntry).where(
        AuditEntry.entity == Party.__audit_entity__, AuditEntry.entity_id == str(party.id),
        AuditEntry.id > since_id).order_by(AuditEntry.id.desc()).limit(1))
    if entry is not None:
        entry.changes = {**entry.changes, "tags": [before, after]}
    else:
        user = session.info.get("user")
        session.add(AuditEntry(user_id=getattr(user, "id", None),
                               user_name=getattr(user, "name", "") or "",
                               entity=Party.__audit_entity__, entity_id=str(party.id),
                               action="update" if before is not None else "create",
                               changes={"tags": [before, after]}))
    session.flush()


def create_party(session: Session, name: str, *, kind: str | None = None,
                 tags: Iterable[str] | str | None = None, source: str | None = None,
                 tax_id: str | None = None, phone: str | None = None, email: str | None = None,
                 address: str | None = None, notes: str | None = None,
                 manager: str | None = None,
                 custom_fields: Mapping[str, Any] | None = None) -> Party:
    """A new party; ``custom_fields`` are the values of its custom fields (entity
    ``client``), checked like the rest."""
    require_session_permission(session, "party.write")
    values = clean_party_values({
        "name": name, "kind": kind, "tags": tags, "source": source, "tax_id": tax_id,
        "phone": phone, "email": email, "address": address, "notes": notes, "manager": manager})
    _check_unique(session, values["name"], values["tax_id"])
    tag_list = values.pop("tags")
    manager_id = _manager_id(session, values.pop("manager"))
    party = Party(**values, manager_id=manager_id)
    _set_tags(party, tag_list)
    session.add(party)
    session.flush()
    _log_tags(session, party, None, tag_list, since_id=0)
    custom.save_values(session, "client", party.id, custom_fields, creating=True)
    return party


def update_party(session: Session, ref: int | str, *, add_tags: Iterable[str] | str | None = None,
                 remove_tags: Iterable[str] | str | None = None,
                 custom_fields: Mapping[str, Any] | None = None, **changes: Any) -> Party:
    """Change the given fields (``None`` = leave as is, ``""`` = clear). ``tags=`` replaces
    the tags; ``add_tags=``/``remove_tags=`` edit them; ``custom_fields`` sets the values
    given."""
    require_session_permission(session, "party.write")
    party = get_party(session, ref)
    values = clean_party_values(changes, partial=True)
    _check_unique(session, values.get("name"), values.get("tax_id"), exclude_id=party.id)
    before = party.tags
    tags = set(values.pop("tags", before))
    tags |= set(fields.words(add_tags, field="tags", max_length=50))
    tags -= set(fields.words(remove_tags, field="tags", max_length=50))
    if "manager" in values:
        values["manager_id"] = _manager_id(session, values.pop("manager"))
    # Queried before anything changes: autoflush would write this change's entry first.
    since_id = session.scalar(select(func.max(AuditEntry.id))) or 0
    for key, value in values.items():
        setattr(party, key, value)
    if tags != set(before):
        _set_tags(party, tags)
        party.updated_at = utcnow()  # the tags' own table would not touch it
    session.flush()
    _log_tags(session, party, before, sorted(tags), since_id)
    custom.save_values(session, "client", party.id, custom_fields, creating=False)
    return party


def list_parties(session: Session, *, search: str | None = None, kind: str | None = None,
                 tags: Iterable[str] | str | None = None, source: str | None = None,
                 manager: str | None = None, custom_fields: Mapping[str, Any] | None = None,
                 limit: Any = None, offset: Any = None) -> Page[Party]:
    """Parties by name. ``kind="client"`` includes parties that are both client and
    supplier; every tag given must be present; each word of ``search`` must occur in
    the name, tax id, phone (digits compared), e-mail, or in one of the party's legal
    entities or contacts; ``custom_fields`` ``{name: value}`` must match."""
    require_session_permission(session, "party.read")
    query = (select(Party).options(selectinload(Party.manager))
             .order_by(fold(session, Party.name), Party.id))
    if kind:
        wanted = fields.choice(kind, field="kind", choices=PARTY_KINDS)
        query = query.where(Party.kind.in_(sorted({wanted, "both"})))
    for tag in fields.words(tags, field="tags", max_length=50):
        query = query.where(exists().where(PartyTag.party_id == Party.id, PartyTag.tag == tag))
    if source:
        query = query.where(fold(session, Party.source) == fold_text(
            session, fields.text(source, field="source", max_length=50)))
    if manager:
        query = query.where(Party.manager_id == _manager_id(session, manager))
    for word in search_words(search):
        query = query.where(_matches(session, word))
    query = query.where(*custom.filter_conditions(session, "client", Party.id, custom_fields))
    query = restrict(query, session, "party", Party.manager_id)
    return paginate(session, query, limit, offset)


def _matches(session: Session, word: str) -> Any:
    pattern = contains_pattern(fold_text(session, word))

    def like(column: Any) -> Any:
        return fold(session, column).like(pattern, escape="\\")

    conditions = [like(Party.name), like(Party.email), like(Party.tax_id),
                  exists().where(LegalEntity.party_id == Party.id,
                                 or_(like(LegalEntity.name), like(LegalEntity.tax_id))),
                  exists().where(Contact.party_id == Party.id,
                                 or_(like(Contact.name), like(Contact.email)))]
    number = "".join(c for c in word if c.isdigit())
    if len(number) >= 3 and re.fullmatch(r"[0-9+()\-./]+", word):
        phone = f"%{number}%"
        conditions += [digits(session, Party.phone).like(phone),
                       exists().where(Contact.party_id == Party.id,
                                      digits(session, Contact.phone).like(phone))]
    return or_(*conditions)


# --------------------------------------------------------------------------- legal entities


def _period(valid_from: date | None, valid_to: date | None) -> str:
    if valid_from and valid_to:
        return f"from {valid_from} to {valid_to}"
    if valid_from:
        return f"from {valid_from} on"
    if valid_to:
        return f"until {valid_to}"
    return "with no end dates"


def _check_period(session: Session, entity: LegalEntity) -> None:
    if entity.valid_from and entity.valid_to and entity.valid_to < entity.valid_from:
        raise fields.invalid("valid_to", f"{entity.valid_to.isoformat()!r} is before valid_from "
                             f"{entity.valid_from.isoformat()!r}")
    if not entity.tax_id:
        return
    query = select(LegalEntity).where(LegalEntity.tax_id == entity.tax_id)
    if entity.id is not None:
        query = query.where(LegalEntity.id != entity.id)
    low, high = entity.valid_from or date.min, entity.valid_to or date.max
    for other in session.scalars(query):
        if (other.valid_from or date.min) <= high and low <= (other.valid_to or date.max):
            raise Conflict(
                f"valid_from: tax id {entity.tax_id!r} "
                f"{_period(entity.valid_from, entity.valid_to)} overlaps legal entity "
                f"{other.name!r} (id {other.id}, party {other.party.name!r}), valid "
                f"{_period(other.valid_from, other.valid_to)}; one tax id has one legal "
                "entity at a time (close the other with valid_to)",
                code="overlap", field="valid_from")


def add_legal_entity(session: Session, party: int | str, *, name: str,
                     tax_id: str | None = None, registration_no: str | None = None,
                     address: str | None = None, bank_details: str | None = None,
                     valid_from: Any = None, valid_to: Any = None) -> LegalEntity:
    require_session_permission(session, "party.write")
    owner = get_party(session, party)
    values = _clean("legal entity", _LEGAL_ENTITY_CLEANERS, {
        "name": name if name is not None else "", "tax_id": tax_id,
        "registration_no": registration_no, "address": address, "bank_details": bank_details,
        "valid_from": valid_from, "valid_to": valid_to})
    entity = LegalEntity(party_id=owner.id, **{"tax_id": "", "registration_no": "",
                                               "address": "", "bank_details": "", **values})
    _check_period(session, entity)
    session.add(entity)
    session.flush()
    return entity


def get_legal_entity(session: Session, entity_id: int | str) -> LegalEntity:
    require_session_permission(session, "party.read")
    number = fields.whole_number(entity_id, field="id", minimum=1)
    entity = session.get(LegalEntity, number)
    if entity is None:
        raise NotFound(f"legal entity with id {number} does not exist", field="id")
    return entity


def update_legal_entity(session: Session, entity_id: int | str, **changes: Any) -> LegalEntity:
    """Change the given fields (``None`` = leave as is, ``""`` = clear a date)."""
    require_session_permission(session, "party.write")
    entity = get_legal_entity(session, entity_id)
    values = _clean("legal entity", _LEGAL_ENTITY_CLEANERS, changes)
    with session.no_autoflush:
        for key, value in values.items():
            setattr(entity, key, value)
        _check_period(session, entity)
    session.flush()
    return entity


def list_legal_entities(session: Session, party: int | str, *,
                        on: Any = None) -> list[LegalEntity]:
    """The party's legal entities; with ``on``, only those valid on that date."""
    owner = get_party(session, party)
    query = select(LegalEntity).where(LegalEntity.party_id == owner.id).order_by(LegalEntity.id)
    day = fields.day(on, field="on")
    if day is not None:
        query = query.where(or_(LegalEntity.valid_from.is_(None), LegalEntity.valid_from <= day),
                            or_(LegalEntity.valid_to.is_(None), LegalEntity.valid_to >= day))
    return list(session.scalars(query))


# --------------------------------------------------------------------------- contacts


def add_contact(session: Session, party: int | str, *, name: str, position: str | None = None,
                phone: str | None = None, email: str | None = None, channels: Any = None,
                notes: str | None = None,
                custom_fields: Mapping[str, Any] | None = None) -> Contact:
    require_session_permission(session, "party.write")
    owner = get_party(session, party)
    values = _clean("contact", _CONTACT_CLEANERS, {
        "name": name if name is not None else "", "position": position, "phone": phone,
        "email": email, "channels": channels, "notes": notes})
    contact = Contact(party_id=owner.id, **{"position": "", "phone": "", "email": "",
                                            "channels": [], "notes": "", **values})
    session.add(contact)
    session.flush()
    custom.save_values(session, "contact", contact.id, custom_fields, creating=True)
    return contact


def get_contact(session: Session, contact_id: int | str) -> Contact:
    require_session_permission(session, "party.read")
    number = fields.whole_number(contact_id, field="id", minimum=1)
    contact = session.get(Contact, number)
    if contact is None:
        raise NotFound(f"contact with id {number} does not exist", field="id")
    return contact


def update_contact(session: Session, contact_id: int | str, *,
                   custom_fields: Mapping[str, Any] | None = None, **changes: Any) -> Contact:
    require_session_permission(session, "party.write")
    contact = get_contact(session, contact_id)
    for key, value in _clean("contact", _CONTACT_CLEANERS, changes).items():
        setattr(contact, key, value)
    session.flush()
    custom.save_values(session, "contact", contact.id, custom_fields, creating=False)
    return contact


def list_contacts(session: Session, party: int | str, *,
                  custom_fields: Mapping[str, Any] | None = None) -> list[Contact]:
    """The party's contacts; ``custom_fields`` ``{name: value}`` must match."""
    owner = get_party(session, party)
    return list(session.scalars(
        select(Contact).where(Contact.party_id == owner.id,
                              *custom.filter_conditions(session, "contact", Contact.id,
                                                        custom_fields))
        .order_by(Contact.id)))


# --------------------------------------------------------------------------- bulk import


def existing_party_keys(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """Every party's folded name and non-empty tax id, each mapped to the party's name
    (one query), for checking a whole spreadsheet against the database."""
    names: dict[str, str] = {}
    tax_ids: dict[str, str] = {}
    for name, tax_id in session.execute(select(Party.name, Party.tax_id)):
        names[fold_text(session, name)] = name
        if tax_id:
            tax_ids[tax_id] = name
    return names, tax_ids


def insert_parties(session: Session, rows: list[dict[str, Any]],
                   managers: Mapping[str, int]) -> list[int]:
    """Bulk-insert cleaned rows (:func:`clean_party_values`), their tags and their audit
    entries; ``managers`` maps each row's manager name to a user id. The caller has
    checked names and tax ids. Returns the new ids."""
    require_session_permission(session, "party.write")
    now = utcnow()
    table_rows = []
    for row in rows:
        values = {key: value for key, value in row.items() if key not in ("tags", "manager")}
        table_rows.append({**values, "manager_id": managers.get(row["manager"]) if row["manager"]
                           else None, "created_at": now, "updated_at": now})
    ids = insert_audited(session, Party, table_rows, key="name",
                         extra_changes=[{"tags": [None, row["tags"]]} if row["tags"] else {}
                                        for row in rows])
    tag_rows = [{"party_id": party_id, "tag": tag}
                for party_id, row in zip(ids, rows) for tag in row["tags"]]
    if tag_rows:
        insert_rows(session, PartyTag.__table__, tag_rows)
    return ids


# --------------------------------------------------------------------------- JSON


def legal_entity_dict(entity: LegalEntity) -> dict[str, Any]:
    return {"id": entity.id, "party_id": entity.party_id, "name": entity.name,
            "tax_id": entity.tax_id, "registration_no": entity.registration_no,
            "address": entity.address, "bank_details": entity.bank_details,
            "valid_from": entity.valid_from.isoformat() if entity.valid_from else None,
            "valid_to": entity.valid_to.isoformat() if entity.valid_to else None}


def contact_dict(contact: Contact) -> dict[str, Any]:
    return {"id": contact.id, "party_id": contact.party_id, "name": contact.name,
            "position": contact.position, "phone": contact.phone, "email": contact.email,
            "channels": [dict(c) for c in contact.channels or []], "notes": contact.notes,
            "custom_fields": custom.values_of(contact)}


def party_dict(party: Party, *, details: bool = False) -> dict[str, Any]:
    """The party as JSON-safe values; ``details`` adds legal entities and contacts."""
    document: dict[str, Any] = {
        "id": party.id, "name": party.name, "kind": party.kind, "tags": party.tags,
        "source": party.source, "tax_id": party.tax_id, "phone": party.phone,
        "email": party.email, "address": party.address, "notes": party.notes,
        "manager": party.manager.name if party.manager else None,
        "created_at": party.created_at.isoformat(timespec="seconds") if party.created_at else None,
        "updated_at": party.updated_at.isoformat(timespec="seconds") if party.updated_at else None,
        "custom_fields": custom.values_of(party),
    }
    if details:
        document["legal_entities"] = [legal_entity_dict(e) for e in party.legal_entities]
        document["contacts"] = [contact_dict(c) for c in party.contacts]
    return document
