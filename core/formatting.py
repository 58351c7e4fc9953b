"""Dates, numbers and money as a reader sees them: in their time zone and locale (Babel).

Every date-time is stored as naive UTC (``ordercraft.core.db.utcnow``); it is converted
to the reader's zone only here, when shown. A :class:`Display` says who reads: a locale
(the user's language, else the site's ``default_language``), a time zone (the user's,
else the site's ``default_time_zone``) and the currency of amounts that name none (the
site's ``default_currency``). The web layer builds one per request
(``ordercraft.web.formatting``); print forms and mails use the site's
(:func:`site_display`). The JSON API never goes through here: it answers ISO dates in
UTC and exact decimal strings.

::

    display = Display(locale="fr", time_zone="Europe/Paris")
    format_money(Decimal("1234.5"), "EUR", display)       # '1 234,50 €'
    format_datetime(datetime(2026, 1, 1, 23, 30), display)  # '2 janv. 2026, 00:30'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ordercraft.core.errors import ValidationError
from ordercraft.core.i18n import LANGUAGES as LANGUAGE_NAMES
from ordercraft.core.i18n import SOURCE_LANGUAGE as DEFAULT_LANGUAGE
from ordercraft.core.money import currency_code, minor_unit, round_money

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: The languages of the interface (gettext catalogs), English first.
LANGUAGES = tuple(LANGUAGE_NAMES)
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_CURRENCY = "EUR"
#: Date and date-time styles a template may ask for.
STYLES = ("short", "medium", "long")


# --------------------------------------------------------------------------- validation


def parse_language(value: Any, *, field: str = "language") -> str:
    """``"FR"`` -> ``"fr"``; one of :data:`LANGUAGES`, else a ValidationError naming it."""
    text = str(value or "").strip().lower().replace("_", "-")
    if text not in LANGUAGES:
        raise ValidationError(f"{_prefix(field)}{value!r} is not a language of the interface "
                              f"({', '.join(LANGUAGES)})", field=field or None)
    return text


def parse_time_zone(value: Any, *, field: str = "time_zone") -> str:
    """An IANA time zone name (``Asia/Jakarta``, ``UTC``) as the zone database spells it;
    else a ValidationError naming ``field`` and the value."""
    text = str(value or "").strip()
    zone = _zone(text) if text else None
    if zone is None:
        raise ValidationError(f"{_prefix(field)}{value!r} is not a time zone (an IANA name "
                              "such as Europe/Paris, Asia/Jakarta or UTC)", field=field or None)
    return zone.key


def _prefix(field: str) -> str:
    # a site setting's check names the setting itself: it passes field=""
    return f"{field}: " if field else ""


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    # a path-like name ("../etc") is refused by ZoneInfo itself with ValueError
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        spelt = _zone_names().get(name.casefold())  # "asia/jakarta" is Asia/Jakarta
        return ZoneInfo(spelt) if spelt else None


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    from zoneinfo import available_timezones

    return {name.casefold(): name for name in available_timezones()}


def time_zone_names() -> list[str]:
    """Every IANA time zone name the system knows, sorted (a form's suggestions)."""
    return sorted(_zone_names().values())


# --------------------------------------------------------------------------- who reads


@dataclass(frozen=True)
class Display:
    """How one reader sees dates and amounts: a locale, a time zone and the currency of
    amounts that name none."""

    locale: str = DEFAULT_LANGUAGE
    time_zone: str = DEFAULT_TIME_ZONE
    currency: str = DEFAULT_CURRENCY

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone) or ZoneInfo("UTC")

    def local(self, value: datetime) -> datetime:
        """A stored moment (naive UTC, or aware) in the reader's zone."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(self.zone)

    def today(self, now: datetime | None = None) -> date:
        """The reader's calendar day at ``now`` (default: this moment)."""
        return self.local(now or datetime.now(timezone.utc)).date()


def site_display(session: Session) -> Display:
    """The site's reader: its default language, time zone and currency (print forms and
    mails to outsiders; a user without preferences of their own)."""
    from ordercraft.core.i18n import site_language
    from ordercraft.core.settings import get_setting

    return Display(locale=site_language(session),
                   time_zone=get_setting(session, "default_time_zone") or DEFAULT_TIME_ZONE,
                   currency=get_setting(session, "default_currency") or DEFAULT_CURRENCY)


def user_display(session: Session, user: Any) -> Display:
    """What ``user`` sees: their language (:func:`ordercraft.core.i18n.language_of`, the
    pages' own choice) and time zone, else the site's."""
    from ordercraft.core.i18n import language_of

    site = site_display(session)
    return Display(locale=language_of(session, user),
                   time_zone=getattr(user, "time_zone", None) or site.time_zone,
                   currency=site.currency)


_current: ContextVar[Display | None] = ContextVar("ordercraft_display", default=None)


@contextlib.contextmanager
def displaying(display: Display) -> Iterator[Display]:
    """Render with ``display`` as the reader (the print and mail filters read it)."""
    token = _current.set(display)
    try:
        yield display
    finally:
        _current.reset(token)


def current_display() -> Display:
    """The reader set by :func:`displaying`, else English in UTC."""
    return _current.get() or Display()


# --------------------------------------------------------------------------- formatting


def _moment(value: Any) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value) if "T" in value or " " in value.strip() \
                else date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) else None


def format_datetime(value: Any, display: Display, style: str = "medium") -> str:
    """A moment in the reader's zone and locale, to the minute: ``Jan 2, 2026, 6:30 AM``
    (``medium``), ``1/2/26, 6:30 AM`` (``short``); a date alone is shown as a date."""
    from babel.dates import format_date as babel_date
    from babel.dates import format_time as babel_time
    from babel.dates import get_datetime_format

    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    if not isinstance(moment, datetime):
        return format_date(moment, display, style)
    local = display.local(moment)
    pattern = get_datetime_format(_style(style), locale=display.locale)
    return (pattern.replace("{1}", babel_date(local.date(), _style(style), locale=display.locale))
            .replace("{0}", babel_time(local.time(), "short", locale=display.locale)))


def format_date(value: Any, display: Display, style: str = "medium") -> str:
    """A day in the reader's locale (``Jan 2, 2026``); a moment is first moved to the
    reader's zone, so 23:30 UTC is already tomorrow in Jakarta."""
    from babel.dates import format_date as babel_date

    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    day = display.local(moment).date() if isinstance(moment, datetime) else moment
    return babel_date(day, _style(style), locale=display.locale)


def format_time(value: Any, display: Display) -> str:
    """The time of day of a moment in the reader's zone (``6:30 AM``)."""
    from babel.dates import format_time as babel_time

    moment = _moment(value)
    if not isinstance(moment, datetime):
        return ""
    return babel_time(display.local(moment).time(), "short", locale=display.locale)


def format_when(value: Any, display: Display, now: datetime | None = None) -> str:
    """A moment as a list shows it, relative to the reader's today: ``today 14:05``,
    ``yesterday``, ``tomorrow``, ``3 days ago``, ``in 2 days``, else the date. A date
    without a time reads ``today``, ``yesterday`` and so on alone."""
    from babel.dates import format_timedelta

    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    day = display.local(moment).date() if isinstance(moment, datetime) else moment
    days = (day - display.today(now)).days
    if days == 0 and isinstance(moment, datetime):
        return f"{_relative_day(0, display.locale)} {format_time(moment, display)}"
    if -1 <= days <= 1:
        return _relative_day(days, display.locale)
    if -7 < days < 7:
        return format_timedelta(timedelta(days=days), granularity="day", threshold=7,
                                add_direction=True, locale=display.locale)
    return format_date(day, display)


def _relative_day(offset: int, locale: str) -> str:
    from babel import Locale

    english = {-1: "yesterday", 0: "today", 1: "tomorrow"}[offset]
    try:  # CLDR's own words ("hier", "hari ini"); Babel keeps them in its locale data
        return str(Locale.parse(locale)._data["date_fields"]["day"]["relative"][offset])
    except (KeyError, TypeError, AttributeError):
        return english


def _style(style: str) -> str:
    return style if style in STYLES else "medium"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def format_number(value: Any, display: Display, places: int | None = None) -> str:
    """A number in the reader's locale (``1,234.5`` / ``1 234,5``), every decimal kept
    unless ``places`` rounds it."""
    from babel.numbers import format_decimal

    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return format_decimal(number, format=f"#,##0.{'0' * places}" if places else "#,##0",
                              locale=display.locale)
    return format_decimal(number, locale=display.locale, decimal_quantization=False)


@dataclass(frozen=True)
class Money:
    """An amount as shown: ``text`` (rounded to the currency's minor unit unless exact)
    and, when that rounding hid decimals, ``exact`` (``205.454545 EUR``) for a tooltip."""

    text: str
    exact: str = ""


def money_parts(value: Any, currency: Any, display: Display, exact: bool = False) -> Money:
    """``value`` in ``currency`` (else the reader's default currency) in the reader's
    locale, rounded half-up to the currency's minor unit; ``exact=True`` keeps every
    decimal. A value that is not a number comes back as text."""
    from babel.numbers import format_currency

    number = _decimal(value)
    if number is None:
        return Money("" if value is None else str(value))
    code = currency_code(currency) or display.currency
    if exact:
        shown = number
    else:
        shown = round_money(number, minor_unit(code))
    text = format_currency(shown, code, locale=display.locale, currency_digits=not exact,
                           decimal_quantization=not exact)
    hidden = shown != number
    return Money(text, f"{format(number.normalize(), 'f')} {code}" if hidden else "")


def format_money(value: Any, currency: Any, display: Display, exact: bool = False) -> str:
    """The text of :func:`money_parts` (print forms and plain-text mails, no tooltip)."""
    return money_parts(value, currency, display, exact).text


# --------------------------------------------------------------------------- print and mail


def print_filters() -> dict[str, Any]:
    """The filters print forms and mails get: ``datetime``, ``date``, ``time``, ``when``,
    ``number`` and ``money(currency, exact=False)``, shown to the reader set by
    :func:`displaying` (the site's)."""

    def money(value: Any, currency: Any = None, exact: bool = False) -> str:
        return format_money(value, currency, current_display(), exact)

    return {
        "datetime": lambda value, style="medium": format_datetime(value, current_display(),
                                                                  style),
        "date": lambda value, style="medium": format_date(value, current_display(), style),
        "time": lambda value: format_time(value, current_display()),
        "when": lambda value: format_when(value, current_display()),
        "number": lambda value, places=None: format_number(value, current_display(), places),
        "money": money,
    }
