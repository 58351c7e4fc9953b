"""The page's reader (locale and time zone) and the template filters that show dates,
numbers and money to them.

:func:`current_time_zone` is a plain function (the user's choice, else the site's
default, else ``UTC``); the locale is the request's language (``ordercraft.core.i18n``,
chosen once per request by :mod:`ordercraft.web.i18n`), so words and numbers agree. Filters, registered for every template (plugins' included,
and exposed in ``ordercraft.sdk.web``):

- ``{{ moment | datetime }}`` (``| datetime("short")``): in the user's zone and locale;
- ``{{ day | date }}``: a date (a moment is moved to the user's zone first);
- ``{{ moment | time }}``: its time of day in the user's zone;
- ``{{ moment | when }}``: relative to the user's today (``today 14:05``, ``yesterday``);
- ``{{ n | number }}``: grouped the locale's way, every decimal kept;
- ``{{ amount | money(currency) }}`` (``exact=True`` keeps every decimal): rounded to the
  currency's minor unit, the exact value in a tooltip when rounding hid decimals; without
  a currency, the site's ``default_currency``.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from flask import Flask, g, has_request_context
from markupsafe import Markup, escape

from ordercraft.core import formatting
from ordercraft.core.formatting import Display
from ordercraft.core.i18n import current_locale as current_locale  # shown to templates


def current_display() -> Display:
    """The reader of this request: the signed-in user's language and time zone, else the
    site's defaults (English in UTC outside a request). Read once per request."""
    if not has_request_context():
        return formatting.current_display()
    found = g.get("_oc_display")
    if found is None:
        from ordercraft.web.auth import current_user
        from ordercraft.web.extension import request_session

        try:
            found = formatting.user_display(request_session(), current_user())
        except Exception:  # an error page must render even when the database is down
            found = Display()
        g._oc_display = found
    return found


def current_time_zone() -> str:
    """The user's time zone, else the site's ``default_time_zone``, else ``UTC``."""
    return current_display().time_zone


def user_today() -> date:
    """Today in the user's time zone (a default date of a form, "overdue" marks)."""
    return current_display().today()


#: What a ``datetime-local`` input holds: the reader's wall-clock time, to the minute.
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def local_input(moment: datetime | None) -> str:
    """A stored moment (naive UTC) as a ``datetime-local`` input shows it: in the user's
    zone (``""`` for none)."""
    return current_display().local(moment).strftime(LOCAL_INPUT) if moment else ""


def utc_from_input(text: str | None) -> str | None:
    """What the user typed in a ``datetime-local`` input (their zone) as the UTC moment
    the services store (ISO text); empty is ``None``; text that is not a moment is passed
    on as typed, for the service to refuse with the field named."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        typed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if typed.tzinfo is None:
        typed = typed.replace(tzinfo=current_display().zone)
    return typed.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="minutes")


def datetime_filter(value: Any, style: str = "medium") -> str:
    return formatting.format_datetime(value, current_display(), style)


def date_filter(value: Any, style: str = "medium") -> str:
    return formatting.format_date(value, current_display(), style)


def time_filter(value: Any) -> str:
    return formatting.format_time(value, current_display())


def when_filter(value: Any) -> str:
    return formatting.format_when(value, current_display())


def number_filter(value: Any, places: int | None = None) -> str:
    return formatting.format_number(value, current_display(), places)


def money_filter(value: Any, currency: Any = None, exact: bool = False) -> Markup:
    """An amount with its currency; when rounding to the minor unit hid decimals the exact
    value is in the tooltip: ``<span title="205.454545 EUR">€205.45</span>``."""
    shown = formatting.money_parts(value, currency, current_display(), exact)
    if shown.exact:
        return Markup('<span class="money" title="{}">{}</span>').format(shown.exact,
                                                                         shown.text)
    return Markup(escape(shown.text))


def language_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of the interface languages, for a select."""
    return [(code, formatting.LANGUAGE_NAMES[code]) for code in formatting.LANGUAGES]


FILTERS = {"datetime": datetime_filter, "date": date_filter, "time": time_filter,
           "when": when_filter,
           "number": number_filter, "money": money_filter}


def init_app(app: Flask) -> None:
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
    app.add_template_global(user_today, "user_today")
    app.add_template_global(current_locale, "current_locale")
    app.add_template_global(language_choices, "language_choices")
    app.add_template_global(formatting.time_zone_names, "time_zone_names")
