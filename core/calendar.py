"""The site's working calendar: which weekdays are worked and which dates are holidays.

Two site settings hold it: ``working_days`` (``mon,tue,wed,thu,fri``) and ``holidays``
(dates ``2026-12-25, 2027-01-01``). Deadlines count in it: a workflow task due "in 2
days" created on a Friday is due on Tuesday, not on Sunday. Planning and plugins read it
through ``ordercraft.sdk.calendar``.

::

    from ordercraft.sdk.calendar import working_calendar

    calendar = working_calendar(session)
    calendar.is_working_day(date(2026, 12, 25))        # False: a holiday
    calendar.add_working_days(date(2026, 12, 24), 1)   # the next working day
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ordercraft.core.errors import ValidationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: A new site counts every day as a working day (deadlines as before) until the company's
#: working week is set.
DEFAULT_WORKING_DAYS = "mon,tue,wed,thu,fri,sat,sun"
#: A year holds fewer holidays; the bound keeps the setting's text short.
MAX_HOLIDAYS = 150


def parse_working_days(text: str) -> str:
    """``"Mon, tue,FRI"`` -> ``"mon,tue,fri"`` (week order); at least one day."""
    days = {part.strip().lower()[:3] for part in (text or "").replace(";", ",").split(",")
            if part.strip()}
    unknown = sorted(days - set(WEEKDAYS))
    if unknown:
        raise ValidationError(f"{', '.join(repr(d) for d in unknown)} is not a weekday "
                              f"({', '.join(WEEKDAYS)})")
    if not days:
        raise ValidationError("name at least one working weekday")
    return ",".join(d for d in WEEKDAYS if d in days)


def parse_holidays(text: str) -> str:
    """``"2026-12-25 2027-01-01"`` (commas, spaces or lines) -> sorted, comma-separated."""
    found: set[date] = set()
    for part in (text or "").replace(",", " ").replace(";", " ").split():
        try:
            found.add(date.fromisoformat(part))
        except ValueError:
            raise ValidationError(f"{part!r} is not a date (YYYY-MM-DD)") from None
    if len(found) > MAX_HOLIDAYS:
        raise ValidationError(f"at most {MAX_HOLIDAYS} holidays (got {len(found)})")
    return ",".join(day.isoformat() for day in sorted(found))


@dataclass(frozen=True)
class WorkingCalendar:
    """Worked weekdays (``0`` Monday ... ``6`` Sunday) and holidays."""

    weekdays: frozenset[int]
    holidays: frozenset[date]

    @classmethod
    def from_text(cls, working_days: str, holidays: str) -> WorkingCalendar:
        days = parse_working_days(working_days)
        return cls(frozenset(WEEKDAYS.index(d) for d in days.split(",")),
                   frozenset(date.fromisoformat(d) for d in parse_holidays(holidays).split(",")
                             if d))

    def is_working_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = day.date()
        return day.weekday() in self.weekdays and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """``day`` itself when worked, else the first working day after it."""
        for _ in range(800):  # a calendar always has a worked weekday within a week
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, days: int) -> date:
        """The working day ``days`` working days after ``day`` (0: ``day`` or the next
        working day)."""
        current = self.next_working_day(day)
        for _ in range(max(days, 0)):
            current = self.next_working_day(current + timedelta(days=1))
        return current

    def add_working_time(self, moment: datetime, duration: timedelta) -> datetime:
        """A deadline ``duration`` after ``moment``: its whole days count working days,
        the rest is added as it is, and a result on a day off moves to the next working
        day at the same time."""
        days = duration.days
        rest = duration - timedelta(days=days)
        if days > 0:
            target = self.add_working_days(moment.date(), days)
            moment = datetime.combine(target, moment.time(), moment.tzinfo)
        moment += rest
        day = self.next_working_day(moment.date())
        return datetime.combine(day, moment.time(), moment.tzinfo)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days from ``start`` (included) to ``end`` (excluded)."""
        count, day = 0, start
        while day < end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def as_dict(self) -> dict[str, object]:
        return {"working_days": [WEEKDAYS[i] for i in sorted(self.weekdays)],
                "holidays": [d.isoformat() for d in sorted(self.holidays)]}


def working_calendar(session: Session) -> WorkingCalendar:
    """The site's working calendar (site settings ``working_days`` and ``holidays``)."""
    from ordercraft.core.settings import get_setting

    return WorkingCalendar.from_text(get_setting(session, "working_days"),
                                     get_setting(session, "holidays"))
