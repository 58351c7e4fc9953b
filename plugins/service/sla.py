"""Service levels: the response and resolution deadlines of a complaint per priority,
counted in working time: whole days that the site's working calendar
(``ordercraft.sdk.calendar``: worked weekdays and holidays) marks as working days count,
days off do not (with Monday to Friday worked, a complaint opened on Friday 22:00 with 4
hours to respond is due on Monday 02:00; a holiday is skipped the same way).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ordercraft.sdk.calendar import WorkingCalendar

PRIORITIES = ("urgent", "high", "normal", "low")
#: Hours of working time: (response, resolution).
SLA_HOURS = {"urgent": (4, 24), "high": (8, 48), "normal": (24, 120), "low": (48, 240)}


def add_working_time(calendar: WorkingCalendar, start: datetime, hours: float) -> datetime:
    """``start`` plus ``hours`` of time on the calendar's working days."""
    remaining = timedelta(hours=hours)
    moment = start
    while True:
        midnight = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time())
        if not calendar.is_working_day(moment.date()):
            moment = midnight
            continue
        step = midnight - moment
        if remaining <= step:
            return moment + remaining
        remaining -= step
        moment = midnight


def deadlines(calendar: WorkingCalendar, priority: str,
              opened: datetime) -> tuple[datetime, datetime]:
    """``(response due, resolution due)`` of a complaint of ``priority`` opened then."""
    response, resolution = SLA_HOURS[priority]
    return (add_working_time(calendar, opened, response),
            add_working_time(calendar, opened, resolution))
