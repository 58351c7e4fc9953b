"""Service levels: the response and resolution deadlines of a complaint per priority,
counted in working time. The site has no working calendar in the SDK, so working time is
Monday to Friday, all day: Saturday and Sunday do not count (a complaint opened on
Friday 22:00 with 4 hours to respond is due on Monday 02:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta

PRIORITIES = ("urgent", "high", "normal", "low")
#: Hours of working time: (response, resolution).
SLA_HOURS = {"urgent": (4, 24), "high": (8, 48), "normal": (24, 120), "low": (48, 240)}


def add_working_time(start: datetime, hours: float) -> datetime:
    """``start`` plus ``hours`` of time on working days (Monday to Friday)."""
    remaining = timedelta(hours=hours)
    moment = start
    while True:
        midnight = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time())
        if moment.weekday() >= 5:
            moment = midnight
            continue
        step = midnight - moment
        if remaining <= step:
            return moment + remaining
        remaining -= step
        moment = midnight


def deadlines(priority: str, opened: datetime) -> tuple[datetime, datetime]:
    """``(response due, resolution due)`` of a complaint of ``priority`` opened then."""
    response, resolution = SLA_HOURS[priority]
    return add_working_time(opened, response), add_working_time(opened, resolution)
