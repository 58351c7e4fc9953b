"""Users, roles, passwords (argon2) and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.core.errors import AuthenticationFailed, Conflict, NotFound, ValidationError
from ordercraft.core.models import ApiToken, Role, User
from ordercraft.core.permissions import require_session_permission

if TYPE_CHECKING:
    from argon2 import Parameters

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


def create_user(session: Session, name: str, *, roles: Iterable[str] = (), password: str | None = None,
                full_name: str = "", email: str = "", manager: str | None = None) -> User:
    require_session_permission(session, "user.admin")
    if not USER_NAME.match(name or ""):
        raise ValidationError(f"name: {name!r} is not a valid user name (letters, digits, "
                              "'_', '.', '@', '-')", field="name")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} already exists", field="name", code="duplicate")
    known = ensure_roles(session)
    role_objects = []
    for role in roles:
        if role not in known:
            raise ValidationError(f"role: {role!r} is not a role (roles: {', '.join(sorted(known))})",
                                  field="role")
        role_objects.append(known[role])
    user = User(name=name, full_name=full_name, email=email, roles=role_objects,
                password_hash=hash_password(password) if password else "")
    if manager:
        user.manager = get_user(session, manager)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, name: str, password: str) -> User:
    """Set the password of ``name``; every session of the user ends (and, see
    :func:`revoke_user_tokens`, every API token is revoked)."""
    from ordercraft.core.services.sessions import PASSWORD_CHANGED, end_user_sessions

    require_session_permission(session, "user.admin")
    user = get_user(session, name)
    user.password_hash = hash_password(password)
    end_user_sessions(session, user.id, PASSWORD_CHANGED)
    return user


def authenticate(session: Session, name: str, password: str) -> User:
    from argon2.exceptions import InvalidHashError, VerifyMismatchError

    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None or not user.password_hash:
        raise AuthenticationFailed("wrong user name or password")
    try:
        _hasher().verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        raise AuthenticationFailed("wrong user name or password") from None
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, label: str = "") -> str:
    """A new API token for the user; the token itself is shown once and never stored."""
    require_session_permission(session, "user.admin")
    user = get_user(session, name)
    token = "oc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), label=label))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                                ApiToken.revoked.is_(False)))
    if row is None or not row.user.active:
        raise AuthenticationFailed("invalid or revoked API token")
    return row.user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def user_dict(user: User) -> dict[str, object]:
    return {"id": user.id, "name": user.name, "full_name": user.full_name, "email": user.email,
            "roles": user.role_names, "active": user.active,
            "manager": user.manager.name if user.manager else None}
