"""Browser sessions kept on the server: started by a login, ended by a logout, a password
change, a deactivation, an admin, ``site rotate-secret``, the idle timeout or the
absolute lifetime (the site settings ``session_idle_minutes`` and
``session_lifetime_hours``).

The browser's cookie holds a random key; only its HMAC keyed by the site's secret key
(:mod:`ordercraft.core.secret_key`) is stored, in ``user_sessions``. The cookie is not
re-issued on every request: the record's ``last_seen_at`` moves (at most once a minute,
so that reading a page is not a write each time) and the idle timeout is measured from
it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ordercraft.core.db import utcnow
from ordercraft.core.errors import NotFound, PermissionDenied
from ordercraft.core.models import User, UserSession
from ordercraft.core.permissions import has_permission

#: ``last_seen_at`` is written when it is older than this (the idle timeout is in minutes).
TOUCH_EVERY = timedelta(seconds=60)
#: Why a session ended.
LOGOUT = "logout"
PASSWORD_CHANGED = "password_changed"
DEACTIVATED = "deactivated"
ENDED_BY_ADMIN = "ended_by_admin"
SECRET_ROTATED = "secret_rotated"
IDLE = "idle"
EXPIRED = "expired"


def _digest(session: Session, key: str) -> str:
    from ordercraft.core.secret_key import keyed_digest

    return keyed_digest(session.info.get("platform"), key)


def session_limits(session: Session) -> tuple[timedelta, timedelta]:
    """``(idle timeout, absolute lifetime)`` from the site settings."""
    from ordercraft.core.settings import get_setting

    return (timedelta(minutes=int(get_setting(session, "session_idle_minutes"))),
            timedelta(hours=int(get_setting(session, "session_lifetime_hours"))))


def start_session(session: Session, user: User, *, address: str = "", user_agent: str = "",
                  now: datetime | None = None) -> tuple[str, UserSession]:
    """A new session for ``user`` (whose password was just checked): the key for the
    cookie (shown only here) and its record."""
    now = now or utcnow()
    _idle, lifetime = session_limits(session)
    key = secrets.token_urlsafe(32)
    record = UserSession(user_id=user.id, key_hash=_digest(session, key), created_at=now,
                         last_seen_at=now, expires_at=now + lifetime,
                         address=(address or "")[:64], user_agent=(user_agent or "")[:200])
    session.add(record)
    session.flush()
    return key, record


def session_user(session: Session, key: str, *, now: datetime | None = None,
                 touch: Callable[[Any], None] | None = None) -> User | None:
    """The user of the session whose cookie holds ``key``, or ``None`` when it has ended,
    timed out, outlived its lifetime, or its user was deactivated (it is then ended).

    Its last activity moves on the row or, given ``touch``, through the ``UPDATE`` passed
    to it, to run outside a reading transaction (ending a session is written either way:
    a reader's transaction that must end one upgrades to a write, rarely)."""
    now = now or utcnow()
    record = session.scalar(select(UserSession).where(
        UserSession.key_hash == _digest(session, key)))
    if record is None or record.ended_at is not None:
        return None
    idle, _lifetime = session_limits(session)
    reason = (EXPIRED if now >= record.expires_at else
              IDLE if now - record.last_seen_at >= idle else
              DEACTIVATED if not record.user.active else None)
    if reason is not None:
        _end(record, reason, now)
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        if touch is None:
            record.last_seen_at = now
        else:
            touch(update(UserSession).where(UserSession.id == record.id)
                  .values(last_seen_at=now))
    return record.user


def _end(record: UserSession, reason: str, now: datetime) -> None:
    record.ended_at = now
    record.end_reason = reason


def end_session_key(session: Session, key: str, reason: str = LOGOUT) -> None:
    """End the session of this cookie key (a logout); an unknown key is ignored."""
    record = session.scalar(select(UserSession).where(UserSession.key_hash == _digest(session, key),
                                                      UserSession.ended_at.is_(None)))
    if record is not None:
        _end(record, reason, utcnow())


def end_session(session: Session, session_id: int) -> UserSession:
    """End session ``session_id``: the admin (``user.admin``) ends anyone's, a user their
    own."""
    record = session.get(UserSession, session_id)
    actor = session.info.get("user")
    if record is None:
        raise NotFound(f"session {session_id} does not exist", field="id")
    if actor is not None and record.user_id != actor.id and not has_permission(actor,
                                                                              "user.admin"):
        raise PermissionDenied(f"user {actor.name!r} may not end another user's session: it "
                               "needs the permission 'user.admin'")
    if record.ended_at is None:
        _end(record, ENDED_BY_ADMIN if actor is None or record.user_id != actor.id else LOGOUT,
             utcnow())
    return record


def end_user_sessions(session: Session, user_id: int, reason: str) -> int:
    """End every open session of the user; returns how many."""
    result = session.execute(update(UserSession)
                             .where(UserSession.user_id == user_id,
                                    UserSession.ended_at.is_(None))
                             .values(ended_at=utcnow(), end_reason=reason)
                             .execution_options(synchronize_session="fetch"))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def end_all_sessions(session: Session, reason: str = SECRET_ROTATED) -> int:
    """End every open session of the site (``site rotate-secret``)."""
    result = session.execute(update(UserSession).where(UserSession.ended_at.is_(None))
                             .values(ended_at=utcnow(), end_reason=reason)
                             .execution_options(synchronize_session="fetch"))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def list_sessions(session: Session, user: User, *, include_ended: bool = False,
                  limit: int = 100) -> list[UserSession]:
    """The user's sessions, newest first (open ones only unless ``include_ended``)."""
    query = select(UserSession).where(UserSession.user_id == user.id)
    if not include_ended:
        query = query.where(UserSession.ended_at.is_(None))
    return list(session.scalars(query.order_by(UserSession.id.desc()).limit(limit)))


def iso_utc(value: datetime | None) -> str | None:
    """A naive UTC time as ISO 8601 with ``Z`` (``None`` stays ``None``)."""
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def session_dict(record: UserSession) -> dict[str, Any]:
    return {"id": record.id, "user": record.user.name,
            "created_at": iso_utc(record.created_at),
            "last_seen_at": iso_utc(record.last_seen_at), "expires_at": iso_utc(record.expires_at),
            "ended_at": iso_utc(record.ended_at), "end_reason": record.end_reason or None,
            "address": record.address, "user_agent": record.user_agent,
            "active": record.ended_at is None}
