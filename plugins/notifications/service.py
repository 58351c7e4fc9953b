"""Telling people about their tasks, and what they read and choose.

``notify_about_task`` runs inside the operation that assigned, reminded or escalated the
task (the ``task_notification`` hook): it adds the in-app notification and queues the
e-mail in that same transaction, each only if the recipient wants that kind that way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from ordercraft.plugins.notifications.models import Notification, NotificationPreference
from ordercraft.sdk.errors import NotFound, ValidationError
from ordercraft.sdk.models import utcnow
from ordercraft.sdk.queries import Page, paginate

MAIL_TEMPLATES = Path(__file__).parent / "mail_templates"

#: kind -> what the preferences page calls it
KINDS: dict[str, str] = {
    "assigned": "A task is assigned to me",
    "reminder": "The reminder of one of my tasks comes",
    "escalated": "A task of someone I manage is overdue",
}
#: Without a choice of their own, people get every kind in the app and by e-mail.
DEFAULT_IN_APP = True
DEFAULT_EMAIL = True
_CACHE = "notifications.preferences"


@dataclass(frozen=True)
class Preference:
    kind: str
    label: str
    in_app: bool
    email: bool

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "in_app": self.in_app,
                "email": self.email}


# ------------------------------------------------------------------ delivering


def notify_about_task(session: Any, task: Any, kind: str, recipient: Any,
                      now: datetime) -> Notification | None:
    """Tell ``recipient`` that ``task`` was assigned to them, is due for its reminder, or
    is overdue and escalated to them: a notification in the app and an e-mail, as their
    preferences say. Returns the in-app notification (``None`` if they do not want it)."""
    wanted = _preference(session, recipient.id, kind)
    text = task_text(task, kind)
    notification = None
    if wanted.in_app:
        document = task.links[0] if task.links else None
        notification = Notification(
            user_id=recipient.id, kind=kind, task_id=task.id, text=text[:500], created_at=now,
            document_type=document.document_type if document else None,
            document_id=document.document_id if document else None)
        session.add(notification)
    # A kind a newer core may add has no mail template here: it is told in the app only.
    if wanted.email and recipient.email and kind in KINDS:
        from ordercraft.sdk.i18n import language_of
        from ordercraft.sdk.mail import queue_mail, render_mail

        context = {"kind": kind, "text": text,
                   "recipient": {"name": recipient.name,
                                 "full_name": recipient.full_name or recipient.name},
                   "task": {"id": task.id, "title": task.title,
                            "description": task.description or "",
                            "deadline": _when(task.deadline),
                            "assignee": _name(task.assignee)}}
        # A mail to a user is in that user's language.
        content = render_mail(session, f"notifications/task_{kind}", context,
                              folder=MAIL_TEMPLATES, language=language_of(session, recipient))
        queue_mail(session, to=formataddr((recipient.full_name, recipient.email)),
                   content=content, about=("task", task.id), source="notifications")
    return notification


def task_text(task: Any, kind: str) -> str:
    """What the notification says: ``Task 'Count the stock' is assigned to you, due
    2024-03-04 17:00 UTC``."""
    due = f"due {_when(task.deadline)}" if task.deadline else "no deadline"
    if kind == "assigned":
        return f"Task '{task.title}' is assigned to you ({due})"
    if kind == "reminder":
        return f"Reminder: task '{task.title}' ({due})"
    if kind == "escalated":
        whose = f" of {_name(task.assignee)}" if task.assignee is not None else ""
        return f"Task '{task.title}'{whose} is overdue ({due})"
    return f"Task '{task.title}': {kind.replace('_', ' ')} ({due})"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else ""


def _name(user: Any) -> str:
    return (user.full_name or user.name) if user is not None else ""


# ------------------------------------------------------------------ preferences


def _preference(session: Any, user_id: int, kind: str) -> Preference:
    # A reminder run tells many people about many tasks in one transaction: each
    # recipient's choices are read once.
    cache: dict[int, dict[str, Preference]] = session.info.setdefault(_CACHE, {})
    if user_id not in cache:
        cache[user_id] = {p.kind: p for p in _read_preferences(session, user_id)}
    return cache[user_id].get(kind) or Preference(kind, kind, DEFAULT_IN_APP, DEFAULT_EMAIL)


def _read_preferences(session: Any, user_id: int) -> list[Preference]:
    stored = {row.kind: row for row in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    return [Preference(kind, label,
                       stored[kind].in_app if kind in stored else DEFAULT_IN_APP,
                       stored[kind].email if kind in stored else DEFAULT_EMAIL)
            for kind, label in KINDS.items()]


def preferences(session: Any, user: Any) -> list[Preference]:
    """The user's choices, one per kind (the defaults where they chose nothing)."""
    return _read_preferences(session, _owner(user).id)


def set_preferences(session: Any, user: Any,
                    changes: Mapping[str, Mapping[str, Any]]) -> list[Preference]:
    """Change the user's choices: ``{"reminder": {"email": False}}`` (a kind's ``in_app``
    and ``email``, each optional). Returns all their choices."""
    user = _owner(user)
    for kind, values in changes.items():
        if kind not in KINDS:
            raise ValidationError(f"kind: {kind!r} is not one of {', '.join(KINDS)}",
                                  field="kind")
        unknown = sorted(set(values) - {"in_app", "email"})
        if unknown:
            raise ValidationError(f"{unknown[0]}: not a preference (in_app, email)",
                                  field=unknown[0])
        for name, value in values.items():
            if not isinstance(value, bool):
                raise ValidationError(f"{name}: {value!r} is not true or false", field=name)
        row = session.get(NotificationPreference, (user.id, kind))
        if row is None:
            row = NotificationPreference(user_id=user.id, kind=kind, in_app=DEFAULT_IN_APP,
                                         email=DEFAULT_EMAIL)
            session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
    session.flush()
    session.info.pop(_CACHE, None)
    return preferences(session, user)


# ------------------------------------------------------------------ reading


def _owner(user: Any) -> Any:
    if user is None or getattr(user, "id", None) is None:
        raise ValidationError("user: notifications belong to a user (the CLI: pass --user "
                              "NAME or set ORDERCRAFT_USER)", field="user")
    return user


def list_notifications(session: Any, user: Any, *, unread: bool = False, limit: Any = None,
                       offset: Any = None) -> Page[Notification]:
    """A page of the user's notifications, newest first (``unread``: only those)."""
    query = select(Notification).where(Notification.user_id == _owner(user).id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return paginate(session, query.order_by(Notification.id.desc()), limit, offset)


def unread_count(session: Any, user: Any) -> int:
    """How many of the user's notifications are unread (the bell's number)."""
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == _owner(user).id, Notification.read_at.is_(None))) or 0


def mark_read(session: Any, user: Any, notification_id: Any,
              now: datetime | None = None) -> Notification:
    """Mark one of the user's notifications read (someone else's is not found)."""
    try:
        key = int(notification_id)
    except (TypeError, ValueError):
        raise ValidationError(f"notification: {notification_id!r} is not a number",
                              field="notification") from None
    notification = session.get(Notification, key)
    if notification is None or notification.user_id != _owner(user).id:
        raise NotFound(f"notification {key} does not exist", field="notification")
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        session.flush()
    return notification


def mark_all_read(session: Any, user: Any, now: datetime | None = None) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = session.execute(update(Notification).where(
        Notification.user_id == _owner(user).id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow()))
    return int(result.rowcount or 0)


def mark_finished_tasks_read(session: Any) -> int:
    """Mark read, as of when they came, the notifications about tasks that are finished
    (done or cancelled): the demo's history, whose people dealt with them long ago."""
    from ordercraft.sdk.workflow import Task

    finished = select(Task.id).where(Task.status.in_(("done", "cancelled")))
    result = session.execute(update(Notification).where(
        Notification.read_at.is_(None), Notification.task_id.in_(finished))
        .values(read_at=Notification.created_at))
    return int(result.rowcount or 0)


def notification_dict(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id, "kind": notification.kind, "text": notification.text,
        "task_id": notification.task_id,
        "document": (f"{notification.document_type}:{notification.document_id}"
                     if notification.document_type else None),
        "created_at": notification.created_at, "read_at": notification.read_at,
        "read": notification.read_at is not None,
    }
