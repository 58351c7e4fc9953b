"""Finding the client a new one may duplicate: same tax id, phone or e-mail.

Values are compared normalised: a phone by its digits (the last ten when it has more, so
``+44 20 7946 0011`` and ``020 7946 0011`` match), an e-mail in lower case, a tax id
without spaces, dots or dashes and in upper case. The party's own fields, its legal
entities' tax ids and its contacts' phones, e-mails and further channels all count.
Each check is one query, whatever the number of clients.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from ordercraft.sdk.models import Contact, LegalEntity, Party
from ordercraft.sdk.queries import digits

#: A phone shorter than this has too few digits to say anything.
MIN_PHONE_DIGITS = 6
#: Phones are compared on their last digits, so country and trunk prefixes do not matter.
PHONE_TAIL = 10


@dataclass(frozen=True)
class DuplicateMatch:
    """An existing party that shares ``field`` (``tax_id``, ``phone`` or ``email``)."""

    party_id: int
    party_name: str
    field: str
    value: str
    #: Where the existing value sits: ``party``, ``legal entity NAME``, ``contact NAME``.
    where: str

    def as_dict(self) -> dict[str, Any]:
        return {"party_id": self.party_id, "party_name": self.party_name, "field": self.field,
                "value": self.value, "where": self.where}


def phone_key(value: str | None) -> str:
    number = "".join(c for c in value or "" if c.isdigit())
    if len(number) < MIN_PHONE_DIGITS:
        return ""
    return number[-PHONE_TAIL:]


def email_key(value: str | None) -> str:
    return (value or "").strip().lower()


def tax_id_key(value: str | None) -> str:
    return re.sub(r"[\s.\-/]", "", value or "").upper()


def _phone_matches(stored: str, key: str) -> bool:
    return bool(key) and phone_key(stored) == key


def find_duplicates(session: Session, *, tax_ids: Iterable[str] = (),
                    phones: Iterable[str] = (), emails: Iterable[str] = (),
                    exclude_party: int | None = None, limit: int = 20) -> list[DuplicateMatch]:
    """Parties sharing one of the given tax ids, phones or e-mails (most recent first,
    each party once per field)."""
    tax_keys = sorted({k for k in map(tax_id_key, tax_ids) if k})
    phone_keys = sorted({k for k in map(phone_key, phones) if k})
    email_keys = sorted({k for k in map(email_key, emails) if k})
    matches: list[DuplicateMatch] = []
    if tax_keys:
        matches += _tax_matches(session, tax_keys)
    if phone_keys:
        matches += _phone_matches_of(session, phone_keys)
    if email_keys:
        matches += _email_matches(session, email_keys)
    seen: set[tuple[int, str]] = set()
    unique = []
    for match in sorted(matches, key=lambda m: (-m.party_id, m.field)):
        if match.party_id == exclude_party or (match.party_id, match.field) in seen:
            continue
        seen.add((match.party_id, match.field))
        unique.append(match)
    return unique[:limit]


def _normalised_tax(session: Session, column: Any) -> Any:
    text = func.upper(column)
    for separator in (" ", ".", "-", "/"):
        text = func.replace(text, separator, "")
    return text


def _tax_matches(session: Session, keys: list[str]) -> list[DuplicateMatch]:
    own = (select(Party.id, Party.name, Party.tax_id, cast(None, String).label("other"))
           .where(_normalised_tax(session, Party.tax_id).in_(keys)))
    entities = (select(Party.id, Party.name, LegalEntity.tax_id, LegalEntity.name)
                .join(LegalEntity, LegalEntity.party_id == Party.id)
                .where(_normalised_tax(session, LegalEntity.tax_id).in_(keys)))
    rows = session.execute(own.union_all(entities)).all()
    return [DuplicateMatch(row[0], row[1], "tax_id", row[2],
                           "party" if row[3] is None else f"legal entity {row[3]}")
            for row in rows]


def _phone_matches_of(session: Session, keys: list[str]) -> list[DuplicateMatch]:
    def ends_with_any(column: Any) -> Any:
        number = digits(session, column)
        return or_(*[number.like(f"%{key}") for key in keys])

    def channels_hold_any(column: Any) -> Any:
        # The digits of the whole JSON text contain each channel's digits in one run;
        # the rows found are checked one channel at a time below.
        number = digits(session, cast(column, String))
        return or_(*[number.like(f"%{key}%") for key in keys])

    own = select(Party.id, Party.name, Party.phone, cast(None, String).label("contact"),
                 cast(None, String).label("channels")).where(ends_with_any(Party.phone))
    contacts = (select(Party.id, Party.name, Contact.phone, Contact.name,
                       cast(Contact.channels, String))
                .join(Contact, Contact.party_id == Party.id)
                .where(or_(ends_with_any(Contact.phone), channels_hold_any(Contact.channels))))
    matches = []
    for party_id, party_name, phone, contact, channels in session.execute(
            own.union_all(contacts)).all():
        where = "party" if contact is None else f"contact {contact}"
        for key in keys:
            if _phone_matches(phone, key):
                matches.append(DuplicateMatch(party_id, party_name, "phone", phone, where))
        if channels:
            import json

            for channel in json.loads(channels) or []:
                value = str(channel.get("value", ""))
                if any(_phone_matches(value, key) for key in keys):
                    matches.append(DuplicateMatch(party_id, party_name, "phone", value,
                                                  f"{where} ({channel.get('kind')})"))
    return matches


def _email_matches(session: Session, keys: list[str]) -> list[DuplicateMatch]:
    own = (select(Party.id, Party.name, Party.email, cast(None, String).label("contact"),
                  cast(None, String).label("channels"))
           .where(func.lower(func.trim(Party.email)).in_(keys)))
    contacts = (select(Party.id, Party.name, Contact.email, Contact.name,
                       cast(Contact.channels, String))
                .join(Contact, Contact.party_id == Party.id)
                .where(or_(func.lower(func.trim(Contact.email)).in_(keys),
                           or_(*[func.lower(cast(Contact.channels, String)).like(
                               f"%{_like_escape(key)}%", escape="\\") for key in keys]))))
    matches = []
    for party_id, party_name, email, contact, channels in session.execute(
            own.union_all(contacts)).all():
        where = "party" if contact is None else f"contact {contact}"
        if email_key(email) in keys:
            matches.append(DuplicateMatch(party_id, party_name, "email", email, where))
        if channels:
            import json

            for channel in json.loads(channels) or []:
                value = str(channel.get("value", ""))
                if email_key(value) in keys:
                    matches.append(DuplicateMatch(party_id, party_name, "email", value,
                                                  f"{where} ({channel.get('kind')})"))
    return matches


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def duplicate_message(matches: list[DuplicateMatch]) -> str:
    first = matches[0]
    more = f" and {len(matches) - 1} more" if len(matches) > 1 else ""
    return (f"{first.field}: {first.value!r} is already the {first.field.replace('_', ' ')} of "
            f"{first.party_name!r} (id {first.party_id}, {first.where}){more}; this may be "
            "the same client (confirm to create it anyway)")
