"""Turning user input (CLI options, form fields, spreadsheet cells) into typed values.

Every function takes the raw value and the field's name and either returns the
clean value or raises ``ValidationError`` whose message starts with ``"<field>: "``
and quotes the offending value, so the same message serves the CLI, the JSON API
and the spreadsheet import (which replaces the prefix with the row and column).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any, TypeVar

from ordercraft.core.errors import NotFound, ValidationError, quoted
from ordercraft.core.types import to_decimal

T = TypeVar("T")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CODE = re.compile(r"^[^\s\x00-\x1f\x7f]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^[0-9+()\-./ ]+$")
_WORD = re.compile(r"^[^\W_][\w\-]*$")
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                     r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?")

def invalid(field: str, message: str, *, code: str | None = None) -> ValidationError:
    return ValidationError(f"{field}: {message}", field=field, code=code)


def text(value: Any, *, field: str, max_length: int, required: bool = False,
         multiline: bool = False) -> str:
    """Stripped text; ``required`` refuses an empty value."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if required and not value:
        raise invalid(field, "must not be empty", code="required")
    if len(value) > max_length:
        raise invalid(field, f"{_short(value)!r} is longer than {max_length} characters")
    if not multiline and ("\n" in value or "\r" in value):
        raise invalid(field, f"{_short(value)!r} must be on one line")
    if _CONTROL.search(value):
        raise invalid(field, f"{_short(value)!r} contains control characters")
    return value


def code(value: Any, *, field: str, max_length: int) -> str:
    """A key typed on the command line (SKU, warehouse code): no spaces."""
    value = text(value, field=field, max_length=max_length, required=True)
    if not _CODE.match(value):
        raise invalid(field, f"{quoted(value)} must not contain spaces")
    return value


def choice(value: Any, *, field: str, choices: Iterable[str]) -> str:
    options = tuple(choices)
    cleaned = text(value, field=field, max_length=50).lower()
    if cleaned not in options:
        raise invalid(field, f"{quoted(value)} is not one of {', '.join(options)}")
    return cleaned


def whole_number(value: Any, *, field: str, minimum: int | None = None,
                 maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise invalid(field, f"{quoted(value)} is not a whole number")
    if isinstance(value, int):
        number = value
    else:
        raw = str(value).strip() if value is not None else ""
        if not re.fullmatch(r"[+-]?[0-9]+", raw):
            raise invalid(field, f"{quoted(value)} is not a whole number")
        number = int(raw)
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        bounds = (f"from {minimum} to {maximum}" if minimum is not None and maximum is not None
                  else f"at least {minimum}" if minimum is not None else f"at most {maximum}")
        raise invalid(field, f"{quoted(value)} is out of range (allowed: {bounds})")
    return number


def decimal(value: Any, *, field: str, places: int, integer_digits: int = 12,
            minimum: Decimal | None = None) -> Decimal:
    """An exact decimal with at most ``places`` decimal places: never rounded silently.

    ``integer_digits`` is what the column holds left of the point (NUMERIC(18, 6) -> 12).
    """
    number = to_decimal(value.strip() if isinstance(value, str) else value, field=field)
    if number.adjusted() >= integer_digits:
        raise invalid(field, f"{quoted(value)} is too large (at most {integer_digits} digits before "
                      "the decimal point)")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise invalid(field, f"{quoted(value)} has more than {places} decimal places")
    if minimum is not None and number < minimum:
        raise invalid(field, f"{quoted(value)} must be at least {minimum}")
    return number


def day(value: Any, *, field: str) -> date | None:
    """A calendar date (``YYYY-MM-DD``); empty means none."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise invalid(field, f"{value.isoformat(sep=' ')!r} is a date with a time of day")
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    if not raw:
        return None
    problem = invalid(field, f"{quoted(value)} is not a date (YYYY-MM-DD)")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise problem
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise problem from None


def moment(value: Any, *, field: str, day_time: time | None = None) -> datetime | None:
    """A date and time, ISO 8601: ``2024-05-02 17:00``, ``2024-05-02T17:00:30``, with
    or without a zone (``Z``, ``+02:00``: converted to UTC; without one it is UTC), kept
    as naive UTC to the second. A date alone takes ``day_time``, or is refused without
    one. Empty means none. The one parser of moments for the CLI, the JSON API and forms.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        if day_time is None:
            raise invalid(field, f"{value.isoformat()!r} needs a time of day too")
        result = datetime.combine(value, day_time)
    elif isinstance(value, str):
        raw = value.strip()
        if not raw:
            return None
        problem = invalid(field, f"{_short(raw)!r} is not a date and time such as "
                          "2024-05-02 17:00 (UTC)")
        # ASCII digits only, a date first: fromisoformat alone would take '２０２４-...'
        # and, on Python 3.11, week dates and times without a date.
        if not _MOMENT.fullmatch(raw):
            if day_time is not None and _DAY.fullmatch(raw):
                try:
                    return datetime.combine(date.fromisoformat(raw), day_time)
                except ValueError:
                    raise problem from None
            raise problem
        try:
            result = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise problem from None
    else:
        raise invalid(field, f"{value!r} is not a date and time such as 2024-05-02 17:00 (UTC)")
    if result.tzinfo is not None:
        result = result.astimezone(timezone.utc).replace(tzinfo=None)
    return result.replace(microsecond=0)


def flag(value: Any, *, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raw = str(value).strip().lower() if value is not None else ""
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise invalid(field, f"{quoted(value)} is not yes or no (true/false, 1/0)")


def email(value: Any, *, field: str) -> str:
    cleaned = text(value, field=field, max_length=200)
    if cleaned and not _EMAIL.match(cleaned):
        raise invalid(field, f"{cleaned!r} is not an e-mail address")
    return cleaned


def phone(value: Any, *, field: str) -> str:
    """Digits with the usual separators; at least five digits."""
    cleaned = text(value, field=field, max_length=50)
    if cleaned and (not _PHONE_CHARS.match(cleaned) or sum(c.isdigit() for c in cleaned) < 5):
        raise invalid(field, f"{cleaned!r} is not a phone number")
    return cleaned


def word(value: Any, *, field: str, max_length: int) -> str:
    """A lower-case label (tag, channel kind): letters, digits, '-', '_'."""
    cleaned = text(value, field=field, max_length=max_length, required=True).lower()
    if not _WORD.match(cleaned):
        raise invalid(field, f"{quoted(value)} may hold only letters, digits, '-' and '_'")
    return cleaned


def words(values: Any, *, field: str, max_length: int) -> list[str]:
    """Labels from a list or from one cell separated by ',', ';' or '|'; sorted, unique."""
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[,;|]", values)
    return sorted({word(v, field=field, max_length=max_length) for v in values
                   if str(v).strip()})


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


# ------------------------------------------------------------------ rules of form fields


@dataclass(frozen=True)
class FieldRule:
    """What a field accepts, in one place: the cleaner that checks a value and the input
    attributes (``maxlength``, ``min``, ``step``, ``inputmode``) a form derives from it, so
    a browser refuses what the server would refuse.

    :param kind: ``text``, ``phone``, ``email``, ``decimal`` or ``whole``.
    :param max_length: the longest text (``text``; phones 50, e-mails 200 characters).
    :param places: the decimal places a ``decimal`` takes.
    :param minimum: the smallest number (``decimal``, ``whole``); ``maximum``: the largest.
    :param required: an empty value is refused.
    :param multiline: a ``text`` may hold line breaks.
    """

    kind: str = "text"
    max_length: int | None = None
    places: int = 6
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    required: bool = False
    multiline: bool = False

    def clean(self, value: Any, *, field: str) -> Any:
        """The clean value, or ``ValidationError`` naming ``field`` and the value."""
        if self.kind == "phone":
            return phone(value, field=field)
        if self.kind == "email":
            return email(value, field=field)
        empty = value is None or (isinstance(value, str) and not value.strip())
        if self.kind in ("decimal", "whole"):
            if empty:
                if self.required:
                    raise invalid(field, "must not be empty", code="required")
                return None
            if self.kind == "whole":
                minimum = None if self.minimum is None else int(self.minimum)
                maximum = None if self.maximum is None else int(self.maximum)
                return whole_number(value, field=field, minimum=minimum, maximum=maximum)
            minimum_decimal = None if self.minimum is None else Decimal(self.minimum)
            number = decimal(value, field=field, places=self.places, minimum=minimum_decimal)
            if self.maximum is not None and number > Decimal(self.maximum):
                raise invalid(field, f"{quoted(value)} is more than {self.maximum}")
            return number
        return text(value, field=field, max_length=self.max_length or 10_000,
                    required=self.required, multiline=self.multiline)

    def attributes(self) -> dict[str, str]:
        """HTML input attributes that say the same as :meth:`clean`."""
        found: dict[str, str] = {}
        if self.kind == "phone":
            found.update(maxlength="50", inputmode="tel", type="tel")
        elif self.kind == "email":
            found.update(maxlength="200", inputmode="email", type="email")
        elif self.kind == "decimal":
            found.update(inputmode="decimal", step=str(Decimal(1).scaleb(-self.places)))
        elif self.kind == "whole":
            found.update(inputmode="numeric", step="1")
        elif self.max_length is not None:
            found["maxlength"] = str(self.max_length)
        if self.minimum is not None and self.kind in ("decimal", "whole"):
            found["min"] = str(self.minimum)
        if self.maximum is not None and self.kind in ("decimal", "whole"):
            found["max"] = str(self.maximum)
        if self.required:
            found["required"] = "required"
        return found


def input_attributes(rules: Mapping[str, FieldRule]) -> dict[str, dict[str, str]]:
    """Each field's input attributes (:meth:`FieldRule.attributes`), for a template:
    ``<input name="qty"{{ attrs.qty | xmlattr }}>``."""
    return {name: rule.attributes() for name, rule in rules.items()}


def check_all(rules: Mapping[str, FieldRule], values: Mapping[str, Any]) -> dict[str, Any]:
    """Clean every field of ``values`` that has a rule, reporting every mistake at once: a
    ``ValidationError`` whose ``details["errors"]`` maps each wrong field to its message
    (the message itself lists them all; ``field`` is the first). Fields without a rule are
    passed through."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        rule = rules.get(name)
        if rule is None:
            clean[name] = value
            continue
        try:
            clean[name] = rule.clean(value, field=name)
        except ValidationError as exc:
            errors[name] = exc.message
    if errors:
        raise combined(errors)
    return clean


def combined(errors: Mapping[str, str]) -> ValidationError:
    """One ``ValidationError`` for several fields' messages (``{field: "field: ..."}``)."""
    first = next(iter(errors))
    return ValidationError("; ".join(errors.values()), field=first,
                           details={"errors": dict(errors)})


def form_rules(kind: str) -> dict[str, FieldRule]:
    """The field rules of a form kind: ``party`` (a party's own fields), ``stock`` (a stock
    operation's quantity and cost), ``user`` (a user's name, full name and e-mail).
    Unknown kinds have none."""
    if kind == "party":
        from ordercraft.core.services.parties import PARTY_RULES

        return dict(PARTY_RULES)
    if kind == "user":
        from ordercraft.core.services.users import USER_RULES

        return dict(USER_RULES)
    if kind == "stock":
        return dict(STOCK_RULES)
    return {}


#: A stock operation's numbers as the posting checks them (the item's unit may allow
#: fewer places; the posting says so).
STOCK_RULES = {
    "qty": FieldRule("decimal", places=6, minimum=0, required=True),
    "unit_cost": FieldRule("decimal", places=6, minimum=0),
}


class Mistakes:
    """The mistakes of several fields, gathered so that a form or an API call reports
    them all at once instead of one per attempt::

        found = Mistakes()
        party = found.run(lambda: resolve_client(session, client))
        due = found.run(lambda: day(due_date, field="due_date"))
        found.raise_any()   # nothing, the one error as it was, or all of them combined

    Only ``ValidationError`` and ``NotFound`` are gathered; other refusals go up at once.
    """

    def __init__(self) -> None:
        self.found: list[ValidationError | NotFound] = []

    def run(self, check: Callable[[], T]) -> T | None:
        """``check()``'s result, or ``None`` with its mistake kept."""
        try:
            return check()
        except (ValidationError, NotFound) as exc:
            self.found.append(exc)
            return None

    def add(self, error: ValidationError | NotFound) -> None:
        self.found.append(error)

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_any(self) -> None:
        """Raise the one mistake as it was, or several as one ``ValidationError`` with
        ``details["errors"]`` by field."""
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            errors: dict[str, str] = {}
            for exc in self.found:
                errors.setdefault(exc.field or "", exc.message)
            raise combined(errors)
