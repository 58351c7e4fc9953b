"""The workflow's part of the demo site: the shipped process templates, the weekly
stock count under way, and the colleagues' tasks of the week — one of them overdue and
escalated, so that "My tasks" and the escalation show something on the first visit.

The shipped templates are the core's and the enabled plugins' (hook
``process_templates``); those about document types no enabled plugin registers are left
out. Tasks about a plugin's documents come with that plugin's demo data.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: (title, assignee, role, created hours ago, deadline in hours from now, checklist)
TASKS = [
    ("Send the spring price list to Bright Minds STEM Academy", "manager", "manager", 72, -26,
     []),
    ("Review the robot calculator's paint usage", "engineer", "engineer", 30, 96, []),
    ("Prepare the payment schedule template for schools", "economist", "economist", 12, 50,
     ["Three instalments", "Ten days' grace"]),
]


def seed_workflow(session: Session) -> bool:
    """Seed the workflow's demo data; ``False`` (nothing done) on a database whose schema
    has no workflow tables yet (created before the migration that adds them)."""
    from sqlalchemy import inspect, select

    from ordercraft.core.db import utcnow
    from ordercraft.core.models import User
    from ordercraft.core.workflow.engine import start_process
    from ordercraft.core.workflow.processes import import_shipped
    from ordercraft.core.workflow.tasks import escalate_overdue, new_task

    if not inspect(session.connection()).has_table("tasks"):
        return False
    now = utcnow()
    import_shipped(session, now=now - timedelta(days=7))
    users = {user.name: user for user in session.scalars(select(User))}
    for title, name, role, age, due_in, checklist in TASKS:
        new_task(session, title=title, now=now - timedelta(hours=age), assignee=users.get(name),
                 role=role, deadline=now + timedelta(hours=due_in), checklist=checklist)
    start_process(session, "weekly-stock-count", now=now - timedelta(hours=2), user=None)
    escalate_overdue(session, now)
    return True
