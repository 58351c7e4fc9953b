"""notifications: people hear about their tasks — in the app (a bell with the unread count
on every page, a list, mark read) and by e-mail through the site's outbox — when a task
is assigned to them, when its reminder comes, and when a task of someone they manage is
overdue and escalated to them. Each user chooses, per kind, what comes in the app and
what by e-mail (preferences page, API and CLI). Guide: docs/mail.md.

Built on the SDK alone: the ``task_notification`` hook delivers, ``page_header_items``
puts the bell into the header, :mod:`ordercraft.sdk.mail` queues the mails in the
operation's transaction (a task whose creation is rolled back tells nobody).

Public API for other plugins (everything else in this package may change):

* :mod:`ordercraft.plugins.notifications.service` — ``notify_about_task(session, task,
  kind, recipient, now)`` (an in-app notification and an e-mail, as the recipient's
  preferences say), ``list_notifications(session, user, unread=, limit=, offset=)``,
  ``unread_count``, ``mark_read``, ``mark_all_read``, ``preferences``,
  ``set_preferences(session, user, {kind: {"in_app": bool, "email": bool}})``; ``KINDS``.

This module stays light: models, Flask and click code are imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk import HeaderItem, PluginInfo, hookimpl

plugin = PluginInfo(
    name="notifications", version="1.0",
    description="In-app notifications (a bell on every page) and e-mails about tasks: "
                "assigned, reminders, escalations; each user chooses which they get.")

HERE = Path(__file__).parent


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.notifications import models  # noqa: F401  (declares the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


@hookimpl
def task_notification(session: Any, task: Any, kind: str, recipient: Any, now: Any) -> None:
    from ordercraft.plugins.notifications.service import notify_about_task

    notify_about_task(session, task, kind, recipient, now)


@hookimpl
def page_header_items(session: Any, user: Any) -> list[HeaderItem]:
    from flask import url_for

    from ordercraft.plugins.notifications.service import unread_count

    count = unread_count(session, user)
    return [HeaderItem(f"Notifications: {count} unread" if count else "Notifications",
                       url_for("notifications.index"), badge=count,
                       icon=url_for("notifications_assets.static", filename="bell.svg"),
                       order=10)]


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.notifications.api import bp as api
    from ordercraft.plugins.notifications.pages import assets, bp

    return [assets, bp, api]


@hookimpl(trylast=True)
def demo_data(session: Any) -> None:
    # Last, after the other plugins' demo work made its tasks.
    from ordercraft.plugins.notifications.service import mark_finished_tasks_read

    mark_finished_tasks_read(session)


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.notifications.cli import notifications_group

    return [notifications_group]
