"""``/api/v1/notifications``: the caller's notifications (all or unread), mark one or all
read, and the caller's preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Blueprint
from pydantic import Field

from ordercraft.plugins.notifications import service
from ordercraft.sdk import web

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")

Kind = Literal["assigned", "reminder", "escalated"]


class NotificationQuery(web.PageQuery):
    unread: bool = Field(False, description="Only the unread ones.")


class NotificationOut(web.OutputModel):
    id: int
    kind: str = Field(description="assigned, reminder or escalated.")
    text: str
    task_id: int | None
    document: str | None = Field(description="TYPE:ID of the document the task is about.")
    created_at: datetime
    read_at: datetime | None
    read: bool


class MarkedOut(web.OutputModel):
    marked: int = Field(description="How many notifications were unread and are read now.")


class PreferenceOut(web.OutputModel):
    kind: Kind
    label: str
    in_app: bool
    email: bool


class PreferencesOut(web.OutputModel):
    preferences: list[PreferenceOut]


class PreferenceIn(web.InputModel):
    kind: Kind
    in_app: bool | None = Field(None, description="Told in the app (the bell); omitted: "
                                "unchanged.")
    email: bool | None = Field(None, description="Told by e-mail; omitted: unchanged.")


class PreferencesIn(web.InputModel):
    preferences: list[PreferenceIn] = Field(max_length=len(service.KINDS) * 2)


def _caller():
    return web.request_session(), web.current_user()


@web.api_route(bp, "/notifications", query=NotificationQuery,
               response=web.Page[NotificationOut])
def list_notifications(query: NotificationQuery):
    """The caller's notifications, newest first."""
    session, user = _caller()
    found = service.list_notifications(session, user, unread=query.unread, limit=query.limit,
                                       offset=query.offset)
    return web.page([service.notification_dict(n) for n in found.items], found.total, query)


@web.api_route(bp, "/notifications/<int:notification_id>/read", methods=["POST"],
               response=NotificationOut, errors={404: "The caller has no such notification."})
def mark_read(notification_id: int):
    """Mark one of the caller's notifications read."""
    session, user = _caller()
    return service.notification_dict(service.mark_read(session, user, notification_id))


@web.api_route(bp, "/notifications/read", methods=["POST"], response=MarkedOut)
def mark_all_read():
    """Mark all the caller's notifications read."""
    session, user = _caller()
    return {"marked": service.mark_all_read(session, user)}


@web.api_route(bp, "/notifications/preferences", response=PreferencesOut)
def get_preferences():
    """What the caller is told about, in the app and by e-mail, per kind."""
    session, user = _caller()
    return {"preferences": [p.as_dict() for p in service.preferences(session, user)]}


@web.api_route(bp, "/notifications/preferences", methods=["PUT"], body=PreferencesIn,
               response=PreferencesOut)
def set_preferences(body: PreferencesIn):
    """Change what the caller is told about (kinds and channels left out stay)."""
    session, user = _caller()
    changes: dict[str, dict[str, bool]] = {}
    for entry in body.preferences:
        changes.setdefault(entry.kind, {}).update(entry.model_dump(
            exclude={"kind"}, exclude_none=True))
    return {"preferences": [p.as_dict() for p in service.set_preferences(session, user,
                                                                         changes)]}
