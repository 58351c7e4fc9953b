"""Users, roles, passwords (argon2) and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ordercraft.core.db import utcnow
from ordercraft.core.errors import AuthenticationFailed, Conflict, NotFound, ValidationError
from ordercraft.core.models import ApiToken, Role, User
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.services.fields import FieldRule

if TYPE_CHECKING:
    from argon2 import Parameters

#: Audit entities this service writes: a user's activation, API tokens, login refusals.
AUDIT_ENTITIES = ("user", "api_token", "login")
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@\-]{0,99}$")


#: argon2 parameters for new password hashes; ``None``: argon2-cffi's default profile.
_hash_parameters: Parameters | None = None


def use_password_hashing(parameters: Parameters | None) -> None:
    """Hash new passwords with these ``argon2.Parameters`` (``None``: the default).

    Only the SDK's test kit lowers them, for the sites it builds. A hash records its
    own parameters, so logins check any hash, whichever parameters made it.
    """
    global _hash_parameters
    _hash_parameters = parameters


def _hasher():  # argon2 is imported only where passwords are handled
    from argon2 import PasswordHasher

    if _hash_parameters is None:
        return PasswordHasher()
    return PasswordHasher.from_parameters(_hash_parameters)


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValidationError("password: at least 8 characters are needed", field="password")
    return _hasher().hash(password)


def ensure_roles(session: Session) -> dict[str, Role]:
    """The site's roles by name, after creating the declared roles it lacks and giving
    each the default grants it has not received yet (none is taken away; see
    :func:`ordercraft.core.services.roles.apply_default_grants`)."""
    from ordercraft.core.services.roles import apply_default_grants

    return apply_default_grants(session)


def get_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"user {name!r} does not exist", field="name")
    return user


def _manager(session: Session, name: str) -> User:
    try:
        return get_user(session, name)
    except NotFound:
        raise NotFound(f"manager: user {name!r} does not exist", field="manager") from None


#: A user's fields as the forms and the API check them (the inputs' attributes too).
USER_RULES = {
    "name": FieldRule(max_length=100, required=True),
    "full_name": FieldRule(max_length=200),
    "email": FieldRule("email"),
}


def create_user(session: Session, name: str, *, roles: Iterable[str] = (), password: str | None = None,
                full_name: str = "", email: str = "", manager: str | None = None) -> User:
    """A new user; every mistake of the values is reported at once (then a name taken
    already, as a ``Conflict``)."""
    from ordercraft.core.services import fields

    require_session_permission(session, "user.admin")
    found = fields.Mistakes()
    if not USER_NAME.match(name or ""):
        found.add(ValidationError(f"name: {name!r} is not a valid user name (letters, "
                                  "digits, '_', '.', '@', '-')", field="name"))
    full_name = found.run(lambda: USER_RULES["full_name"].clean(full_name, field="full_name"))
    email = found.run(lambda: USER_RULES["email"].clean(email, field="email")
                      if (email or "").strip() else "")
    password_hash = found.run(lambda: hash_password(password) if password else "")
    known = ensure_roles(session)
    for role in roles:
        if role not in known:
            found.add(ValidationError(f"role: {role!r} is not a role (roles: "
                                      f"{', '.join(sorted(known))})", field="role"))
    boss = found.run(lambda: _manager(session, manager)) if manager else None
    found.raise_any()
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} already exists", field="name", code="duplicate")
    user = User(name=name, full_name=full_name or "", email=email or "",
                roles=[known[role] for role in roles], password_hash=password_hash or "")
    if boss is not None:
        user.manager = boss
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, name: str, *, full_name: str | None = None,
                email: str | None = None, roles: Iterable[str] | None = None,
                manager: str | None = None, language: str | None = None,
                time_zone: str | None = None) -> User:
    """Change the user's full name, e-mail, roles, manager, language or time zone
    (``None``: unchanged; ``manager=""`` removes the manager; ``language=""`` and
    ``time_zone=""`` go back to the site's defaults). Role changes are in the audit log.
    Every mistake of the values is reported at once."""
    from ordercraft.core.audit import record_change
    from ordercraft.core.services import fields

    require_session_permission(session, "user.admin")
    user = get_user(session, name)
    found = fields.Mistakes()
    clean_name = (found.run(lambda: USER_RULES["full_name"].clean(full_name, field="full_name"))
                  if full_name is not None else None)
    clean_email = (found.run(lambda: USER_RULES["email"].clean(email, field="email")
                             if email.strip() else "") if email is not None else None)
    if manager and manager == name:
        found.add(ValidationError(f"manager: user {name!r} cannot be their own manager",
                                  field="manager"))
    boss = (found.run(lambda: _manager(session, manager)) if manager and manager != name
            else None)
    known = ensure_roles(session) if roles is not None else {}
    wanted = sorted(set(roles)) if roles is not None else []
    for role in wanted:
        if role not in known:
            found.add(ValidationError(f"roles: {role!r} is not a role (roles: "
                                      f"{', '.join(sorted(known))})", field="roles"))
    found.run(lambda: _set_preferences(user, language, time_zone))
    found.raise_any()
    if full_name is not None:
        user.full_name = clean_name or ""
    if email is not None:
        user.email = clean_email or ""
    if roles is not None:
        actor = session.info.get("user")
        if (actor is not None and getattr(actor, "id", None) == user.id
                and "admin" in user.role_names and "admin" not in wanted):
            raise Conflict(f"roles: user {name!r} cannot take the admin role from themselves",
                           field="roles", code="self_demotion")
        before = sorted(user.role_names)
        if before != wanted:
            user.roles = [known[role] for role in wanted]
            record_change(session, "user", user.name, {"roles": [before, wanted]})
    if manager is not None:
        user.manager = boss
    session.flush()
    return user


def set_preferences(session: Session, user: User, *, language: str | None = None,
                    time_zone: str | None = None) -> User:
    """The signed-in user's own language and time zone (``None``: unchanged; ``""``: the
    site's default). Both are checked before either is changed."""
    _set_preferences(user, language, time_zone)
    session.flush()
    return user


def _set_preferences(user: User, language: str | None, time_zone: str | None) -> None:
    from ordercraft.core.formatting import parse_language, parse_time_zone

    new_language = (parse_language(language) if language and language.strip() else None)
    new_zone = (parse_time_zone(time_zone) if time_zone and time_zone.strip() else None)
    if language is not None:
        user.language = new_language
    if time_zone is not None:
        user.time_zone = new_zone


def change_own_password(session: Session, user: User, current: str, new: str) -> User:
    """A user changes their own password, giving the current one; their other sessions
    end and their API tokens are revoked (as with :func:`set_password`)."""
    from ordercraft.core.audit import record_change
    from ordercraft.core.services.sessions import PASSWORD_CHANGED, end_user_sessions

    try:
        _hasher().verify(user.password_hash or "", current or "")
    except Exception:  # noqa: BLE001 - any argon2 refusal means "not the password"
        raise ValidationError("current_password: this is not your current password",
                              field="current_password") from None
    user.password_hash = hash_password(new)
    end_user_sessions(session, user.id, PASSWORD_CHANGED)
    revoke_user_tokens(session, user, PASSWORD_CHANGED)
    record_change(session, "user", user.name, {"password": [None, "changed"]})
    return user


def set_password(session: Session, name: str, password: str) -> User:
    """Set the password of ``name``; every session of the user ends (and, see
    :func:`revoke_user_tokens`, every API token is revoked)."""
    from ordercraft.core.services.sessions import PASSWORD_CHANGED, end_user_sessions

    require_session_permission(session, "user.admin")
    user = get_user(session, name)
    user.password_hash = hash_password(password)
    end_user_sessions(session, user.id, PASSWORD_CHANGED)
    revoke_user_tokens(session, user, PASSWORD_CHANGED)
    return user


def authenticate(session: Session, name: str, password: str, *, address: str = "") -> User:
    """The active user ``name`` whose password this is, throttled per account and
    address (see :mod:`ordercraft.core.services.logins`)."""
    from ordercraft.core.services.logins import authenticate as check_login

    return check_login(session, name, password, address=address)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: ``90d``, ``12h``, ``2w``, ``30m``: how long a token lives.
DURATION = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: ``last_used_at`` is written when older than this, so a busy client is not a write per
#: call.
LAST_USE_EVERY = timedelta(seconds=60)


def parse_duration(text: str, *, field: str = "expires") -> timedelta:
    """``"90d"`` -> 90 days (``m``, ``h``, ``d``, ``w``); anything else is refused."""
    match = DURATION.match(text or "")
    if match is None or int(match.group(1)) == 0:
        raise ValidationError(f"{field}: {text!r} is not a duration such as 90d, 12h, 2w or "
                              "30m", field=field)
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def create_token(session: Session, name: str, label: str = "", *,
                 expires: timedelta | None = None) -> str:
    """A new API token for the user ``name``, called ``label``, valid for ``expires``
    (``None``: until revoked); the token itself is shown once and never stored."""
    from ordercraft.core.audit import record_change

    user = get_user(session, name)
    _require_admin_or_self(session, user.id)
    if not user.active:
        raise Conflict(f"user {name!r} is deactivated: activate them before issuing a token",
                       field="name", code="user_inactive")
    token = "oc_" + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(user_id=user.id, token_hash=_token_digest(token), label=label,
                   created_at=now, expires_at=now + expires if expires is not None else None)
    session.add(row)
    session.flush()
    record_change(session, "api_token", row.id, {"user": [None, name], "label": [None, label],
                                                 "expires_at": [None, row.expires_at]},
                  action="create")
    return token


def user_for_token(session: Session, token: str, *, now: datetime | None = None,
                   touch: Callable[[Any], None] | None = None) -> User:
    """The user of a bearer token that is neither revoked nor expired, whose user is
    active; its last use is recorded (at most every :data:`LAST_USE_EVERY`), on the row
    or, given ``touch``, by passing it the ``UPDATE`` to run outside a reading
    transaction."""
    now = now or utcnow()
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                                ApiToken.revoked.is_(False)))
    if row is None or not row.user.active:
        raise AuthenticationFailed("invalid or revoked API token")
    if row.expires_at is not None and now >= row.expires_at:
        raise AuthenticationFailed(f"the API token {row.label or row.id!r} expired on "
                                   f"{row.expires_at.isoformat(timespec='minutes')} UTC")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_EVERY:
        if touch is None:
            row.last_used_at = now
        else:
            touch(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return row.user


def list_tokens(session: Session, name: str) -> list[ApiToken]:
    """The API tokens of the user ``name`` (revoked and expired ones too), oldest first."""
    user = get_user(session, name)
    _require_admin_or_self(session, user.id)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id)))


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke the API token ``token_id`` (revoking it again changes nothing)."""
    from ordercraft.core.audit import record_change

    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"API token {token_id} does not exist", field="id")
    _require_admin_or_self(session, row.user_id)
    if not row.revoked:
        _revoke(row, "revoked", utcnow())
        record_change(session, "api_token", row.id, {"revoked": [False, True]})
    return row


def _require_admin_or_self(session: Session, user_id: int | None) -> None:
    """``user.admin``, unless the acting user is the user ``user_id`` (their own tokens)."""
    actor = session.info.get("user")
    if actor is not None and user_id is not None and getattr(actor, "id", None) == user_id:
        return
    require_session_permission(session, "user.admin")


def _revoke(row: ApiToken, reason: str, now: datetime) -> None:
    row.revoked = True
    row.revoked_at = now
    row.revoked_reason = reason


def revoke_user_tokens(session: Session, user: User, reason: str) -> int:
    """Revoke every live API token of ``user`` (a password change, a deactivation)."""
    now = utcnow()
    rows = list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                       ApiToken.revoked.is_(False))))
    for row in rows:
        _revoke(row, reason, now)
    return len(rows)


def token_dict(row: ApiToken, *, now: datetime | None = None) -> dict[str, object]:
    from ordercraft.core.services.sessions import iso_utc as iso

    now = now or utcnow()
    expired = row.expires_at is not None and now >= row.expires_at
    return {"id": row.id, "user": row.user.name, "name": row.label,
            "created_at": iso(row.created_at), "expires_at": iso(row.expires_at),
            "last_used_at": iso(row.last_used_at), "revoked": row.revoked,
            "revoked_at": iso(row.revoked_at), "revoked_reason": row.revoked_reason or None,
            "expired": expired, "active": not row.revoked and not expired}


def set_active(session: Session, name: str, active: bool) -> User:
    """Deactivate (no login, no API token, no session; their history stays) or activate
    the user ``name`` again. Deactivating ends their sessions and revokes their tokens,
    which stay revoked when they come back."""
    from ordercraft.core.audit import record_change
    from ordercraft.core.services.sessions import DEACTIVATED, end_user_sessions

    require_session_permission(session, "user.admin")
    user = get_user(session, name)
    actor = session.info.get("user")
    if not active and actor is not None and actor.id == user.id:
        raise Conflict(f"user {name!r} cannot deactivate themselves", field="name",
                       code="self_deactivation")
    if user.active != active:
        record_change(session, "user", user.name, {"active": [user.active, active]})
        user.active = active
    if not active:
        end_user_sessions(session, user.id, DEACTIVATED)
        revoke_user_tokens(session, user, DEACTIVATED)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def user_dict(user: User) -> dict[str, object]:
    return {"id": user.id, "name": user.name, "full_name": user.full_name, "email": user.email,
            "roles": user.role_names, "active": user.active,
            "manager": user.manager.name if user.manager else None,
            "language": user.language, "time_zone": user.time_zone}
