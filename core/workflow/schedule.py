"""When process work is due: durations (``1d 4h``) and crontab schedules.

Pure functions: what a template's deadlines, reminders and ``schedule`` triggers mean
in time. The template compiler checks them with these, the engine computes with them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["describe_cron", "next_cron_time", "parse_duration"]

_DURATION_PART = re.compile(r"(\d+)\s*([wdhm])")
_DURATION_WHOLE = re.compile(r"^\s*(\d+\s*[wdhm]\s*)+$")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


def parse_duration(value: Any) -> timedelta:
    """``"1d 4h"`` -> 28 hours. Units: w(eeks), d(ays), h(ours), m(inutes)."""
    if not isinstance(value, str) or not _DURATION_WHOLE.match(value):
        raise ValueError(f"{value!r} is not a duration (e.g. 30m, 4h, 1d, 2w, 1d 4h)")
    parts: dict[str, int] = {}
    for amount, unit in _DURATION_PART.findall(value):
        parts[_UNITS[unit]] = parts.get(_UNITS[unit], 0) + int(amount)
    result = timedelta(**parts)
    if result <= timedelta(0):
        raise ValueError(f"{value!r} is not a positive duration")
    return result


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _cron_weekdays(field: str) -> str:
    """A crontab weekday field (0 or 7 = Sunday, 1 = Monday) as APScheduler weekday names.

    APScheduler 3 counts weekdays from Monday = 0, so ``from_crontab("0 9 * * 1")`` would
    fire on Tuesdays; the field is expanded to names, the way cron reads it.
    """
    days: list[int] = []
    for part in field.lower().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, high = base.split("-", 1)
            first, last = _weekday_number(low), _weekday_number(high)
        else:
            first = _weekday_number(base)
            last = 6 if step_text else first
        if step < 1 or first > last:
            raise ValueError(f"weekday field {field!r} is not valid")
        days += [day % 7 for day in range(first, last + 1, step)]
    return ",".join(_WEEKDAYS[day] for day in sorted(set(days)))


def _weekday_number(text: str) -> int:
    if text in _WEEKDAYS:
        return _WEEKDAYS.index(text)
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    raise ValueError(f"{text!r} is not a weekday (0-7 or sun-sat)")


def next_cron_time(cron: str, after: datetime, tz: str | None = None) -> datetime:
    """The first moment of the crontab ``cron`` (5 fields: minute hour day month weekday)
    strictly after ``after`` (naive UTC in and out); ``tz`` is the zone the crontab's hours
    are in (default UTC). Unlike cron, a day of the month and a weekday given together must
    both match."""
    from apscheduler.triggers.cron import CronTrigger

    zone: Any = timezone.utc
    if tz:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"{cron!r} has {len(fields)} fields, not 5")
    minute, hour, day, month, weekday = fields
    trigger = CronTrigger(minute=minute, hour=hour, day=day, month=month,
                          day_of_week=_cron_weekdays(weekday), timezone=zone)
    start = after.replace(tzinfo=timezone.utc) + timedelta(seconds=1)
    moment = trigger.get_next_fire_time(None, start)
    if moment is None:
        raise ValueError(f"{cron!r} never fires")
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


_DAY_NAMES = {"sun": "Sunday", "mon": "Monday", "tue": "Tuesday", "wed": "Wednesday",
              "thu": "Thursday", "fri": "Friday", "sat": "Saturday"}


def describe_cron(cron: str) -> str:
    """The crontab ``cron`` as a sentence: ``0 9 * * 1`` is "every Monday at 09:00",
    ``30 8 * * *`` "every day at 08:30", ``0 7 1 * *`` "on day 1 of every month at 07:00",
    ``*/15 * * * *`` "every 15 minutes", ``5 * * * *`` "every hour at minute 5". A schedule
    of any other shape reads ``cron: <the text>``."""
    fields = str(cron).split()
    raw = f"cron: {' '.join(fields) or cron}"
    if len(fields) != 5:
        return raw
    minute, hour, day, month, weekday = fields
    if month != "*":
        return raw
    if hour == "*" and day == "*" and weekday == "*":
        if minute == "*":
            return "every minute"
        step = re.fullmatch(r"\*/(\d+)", minute)
        if step and 0 < int(step.group(1)) < 60:
            return f"every {int(step.group(1))} minutes"
        if minute.isdigit() and int(minute) < 60:
            return f"every hour at minute {int(minute)}"
        return raw
    if not (minute.isdigit() and hour.isdigit() and int(minute) < 60 and int(hour) < 24):
        return raw
    at = f"at {int(hour):02d}:{int(minute):02d}"
    if day == "*" and weekday == "*":
        return f"every day {at}"
    if weekday == "*" and day.isdigit() and 1 <= int(day) <= 31:
        return f"on day {int(day)} of every month {at}"
    if day != "*":
        return raw
    try:
        days = _cron_weekdays(weekday).split(",")
    except ValueError:
        return raw
    if days == ["mon", "tue", "wed", "thu", "fri"]:
        return f"every weekday (Monday to Friday) {at}"
    if len(days) == 7:
        return f"every day {at}"
    names = [_DAY_NAMES[name] for name in days]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"every {listed} {at}"
