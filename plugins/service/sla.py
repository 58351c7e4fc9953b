"""Service levels: the response and resolution deadlines of a complaint per priority,
counted in working time: every hour of the site's working days (its working calendar,
``ordercraft.sdk.calendar``: worked weekdays, holidays skipped). Without a calendar,
Monday to Friday: a complaint opened on Friday 22:00 with 4 hours to respond is due on
Monday 02:00.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol


class Calendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


class _WeekDays:
    """Monday to Friday, no holidays."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5

PRIORITIES = ("urgent", "high", "normal", "low")
#: Hours of working time: (response, resolution).
SLA_HOURS = {"urgent": (4, 24), "high": (8, 48), "normal": (24, 120), "low": (48, 240)}


def add_working_time(start: datetime, hours: float, calendar: Calendar | None = None) -> datetime:
    """``start`` plus ``hours`` of time on the calendar's working days (default: Monday to
    Friday)."""
    calendar = calendar or _WeekDays()
    remaining = timedelta(hours=hours)
    moment = start
    for _ in range(3660):  # a calendar always has a worked weekday within a week
        midnight = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time())
        if not calendar.is_working_day(moment.date()):
            moment = midnight
            continue
        step = midnight - moment
        if remaining <= step:
            return moment + remaining
        remaining -= step
        moment = midnight
    return moment + remaining


def deadlines(priority: str, opened: datetime,
              calendar: Calendar | None = None) -> tuple[datetime, datetime]:
    """``(response due, resolution due)`` of a complaint of ``priority`` opened then, in
    the working time of ``calendar`` (the site's; default Monday to Friday)."""
    response, resolution = SLA_HOURS[priority]
    return (add_working_time(opened, response, calendar),
            add_working_time(opened, resolution, calendar))
