"""The site's working calendar for plugin authors: worked weekdays and holidays, set by an
administrator (Administration > Company, or the settings ``working_days`` and
``holidays``). Deadlines and planning count in it.

::

    from ordercraft.sdk.calendar import working_calendar

    calendar = working_calendar(session)
    if not calendar.is_working_day(day):
        day = calendar.next_working_day(day)
    due = calendar.add_working_days(today, 5)
"""

from __future__ import annotations

from ordercraft.core.calendar import WEEKDAYS, WorkingCalendar, working_calendar

__all__ = ["WEEKDAYS", "WorkingCalendar", "working_calendar"]
