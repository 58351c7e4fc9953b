"""Record rules: which records of an area a role sees and changes — its own, its team's,
or all.

An *area* is a kind of owned record (``party``: clients and suppliers, owned by their
``manager``; a plugin adds its own, ``deal``, ``order``, through
``registry.record_area(...)`` in ``register_permissions``). The admin sets a role's
scope per area (``ordercraft role rule manager --area deal --scope own``); the default
is ``all``. A user with several roles gets the widest of their scopes; a holder of
``*`` sees everything; the system (no user) too.

* ``own``: records whose owner is the user;
* ``team``: the user's, their reports' (users whose manager they are) and their
  colleagues' (users with the same manager);
* ``all``: every record.

The services apply the rule in one place per area — the query that lists or searches
(:func:`owner_condition`) and the function that loads one record
(:func:`require_record`) — so lists, cards, search, the API, exports, reports and print
forms follow it alike. A record outside the scope answers 403 naming the rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import false, or_, select

from ordercraft.core.errors import PermissionDenied, ValidationError
from ordercraft.core.permissions import EVERYTHING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SCOPES = ("own", "team", "all")
_WIDTH = {scope: width for width, scope in enumerate(SCOPES)}


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise ValidationError(f"scope: {scope!r} is not a scope ({', '.join(SCOPES)})",
                              field="scope")
    return scope


def user_scope(user: Any, area: str) -> str:
    """The widest scope ``user``'s roles give over ``area`` (``all`` for the system)."""
    roles = getattr(user, "roles", None) or []
    if user is None or not roles or EVERYTHING in user.permissions:
        return "all"  # the system; a user without roles holds no permission to read anyway
    return max((check_scope((role.record_rules or {}).get(area, "all")) for role in roles),
               key=_WIDTH.__getitem__)


def team_ids(session: Session, user: Any) -> set[int]:
    """The user, their reports, and the users who share their manager."""
    from ordercraft.core.models import User

    condition = User.manager_id == user.id
    if user.manager_id is not None:
        condition = or_(condition, User.manager_id == user.manager_id)
    return {user.id, *session.scalars(select(User.id).where(condition))}


def visible_owners(session: Session, area: str) -> set[int] | None:
    """The owners whose ``area`` records the session's user may see; ``None``: all."""
    user = session.info.get("user")
    scope = user_scope(user, area)
    if scope == "all":
        return None
    if scope == "own":
        return {user.id}
    return team_ids(session, user)


def owner_condition(session: Session, area: str, owner_column: Any) -> Any:
    """A WHERE condition restricting ``owner_column`` to the session user's scope over
    ``area`` (``None`` when they see everything)."""
    owners = visible_owners(session, area)
    if owners is None:
        return None
    return owner_column.in_(sorted(owners)) if owners else false()


def restrict(query: Any, session: Session, area: str, owner_column: Any) -> Any:
    """``query`` restricted by :func:`owner_condition`."""
    condition = owner_condition(session, area, owner_column)
    return query if condition is None else query.where(condition)


def require_record(session: Session, area: str, owner_id: int | None, what: str) -> None:
    """Refuse (403) a record of ``area`` owned by ``owner_id`` that the session's user
    may not see; ``what`` names it in the message (``"client 'Robokids'"``)."""
    owners = visible_owners(session, area)
    if owners is None or owner_id in owners:
        return
    user = session.info["user"]
    scope = user_scope(user, area)
    whose = "their own" if scope == "own" else "their team's"
    raise PermissionDenied(
        f"user {user.name!r} may see only {whose} {area} records (record rule {scope!r} of roles "
        f"{', '.join(user.role_names)}): {what} is not one of them",
        details={"area": area, "scope": scope})
