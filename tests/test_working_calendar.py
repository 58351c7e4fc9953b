"""The working calendar (``ordercraft.sdk.calendar``): worked weekdays and holidays, set
by the administrator, counted by deadlines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

import workflow_kit as kit
from workflow_kit import T0


def test_working_calendar_counts_working_days() -> None:
    from ordercraft.sdk.calendar import WorkingCalendar

    calendar = WorkingCalendar.from_text("mon,tue,wed,thu,fri", "2026-12-25")
    friday = date(2026, 12, 18)
    assert calendar.is_working_day(friday) and not calendar.is_working_day(date(2026, 12, 19))
    assert calendar.add_working_days(friday, 1) == date(2026, 12, 21)
    assert calendar.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert calendar.next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)
    assert calendar.working_days_between(date(2026, 12, 21), date(2026, 12, 28)) == 4
    moment = datetime(2026, 12, 18, 16, 0)
    assert calendar.add_working_time(moment, timedelta(days=2)) == datetime(2026, 12, 22, 16)
    assert calendar.add_working_time(moment, timedelta(hours=12)) == datetime(2026, 12, 21, 4)


@pytest.mark.parametrize("days, holidays, message", [
    ("", "", "at least one"), ("mon,funday", "", "not a weekday"),
    ("mon", "2026-02-30", "not a date")])
def test_working_calendar_refuses_nonsense(days: str, holidays: str, message: str) -> None:
    from ordercraft.core.errors import ValidationError
    from ordercraft.sdk.calendar import WorkingCalendar

    with pytest.raises(ValidationError, match=message):
        WorkingCalendar.from_text(days, holidays)


def test_a_process_task_deadline_skips_days_off(make_site: Any) -> None:
    """The custom-robot process prices the robots within a day of the confirmation: with
    the next day a holiday, the task is due the day after."""
    from ordercraft.core.services.users import get_user
    from ordercraft.core.settings import set_setting
    from ordercraft.core.workflow.documents import transition
    from ordercraft.core.workflow.processes import import_shipped
    from ordercraft.core.workflow.tasks import list_tasks, task_dict

    site = make_site(extra_plugins=[kit.documents_plugin()])
    kit.add_staff(site)
    with site.session() as session:
        import_shipped(session, ["custom-robot-order"], now=T0)
        set_setting(session, "working_days", "mon,tue,wed,thu,fri")
        set_setting(session, "holidays", (T0 + timedelta(days=1)).date().isoformat())
    order_id = kit.new_order(site, "SO-8", custom_count=1, manager_id=site.user("mark").id)
    with site.session() as session:
        transition(session, session.get(kit.Order, order_id), "confirm",
                   user=get_user(session, "mark"), now=T0)
    with site.session() as session:
        tasks = [task_dict(t, T0) for t in list_tasks(session, now=T0).items
                 if t.process_id is not None]
    assert [t["deadline"] for t in tasks] == [
        (T0 + timedelta(days=2)).isoformat(timespec="minutes")]
