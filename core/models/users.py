"""Users, roles and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercraft.core.db import Base, utcnow
from ordercraft.core.models.audit import Audited

user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    info={"owner": "core"},
)


class Role(Audited, Base):
    """A role and the permissions it holds on this site."""

    __tablename__ = "roles"
    __audit_entity__ = "role"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Every default grant the role has received (see ``services.roles``): one revoked
    #: later is not granted again.
    default_grants: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: ``area -> own | team | all`` (absent: all); see :mod:`ordercraft.core.record_rules`.
    record_rules: Mapped[dict[str, str]] = mapped_column(JSON, default=dict,
                                                         server_default="{}")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The user's manager: overdue tasks escalate to them.
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: The interface language (``en``, ``id``, ``fr``, ``ar``, ``mn``); ``None``: the
    #: site's ``default_language``.
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    #: The IANA time zone dates are shown in; ``None``: the site's ``default_time_zone``.
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    manager: Mapped[User | None] = relationship(remote_side=[id])

    @property
    def role_names(self) -> list[str]:
        return sorted(role.name for role in self.roles)

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(p for role in self.roles for p in role.permissions)


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored. ``label`` is its
    name; it stops working at ``expires_at`` (if set), when revoked, or when its user is
    deactivated or changes password."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    #: Why it stopped: ``revoked``, ``password_changed``, ``deactivated``.
    revoked_reason: Mapped[str] = mapped_column(String(30), default="", server_default="")

    user: Mapped[User] = relationship(lazy="joined")


class UserSession(Base):
    """A browser login, kept on the server: the cookie holds only a random key whose
    SHA-256 is stored here, so ending the record (logout, password change, deactivation,
    an admin, ``site rotate-secret``) ends the session wherever the cookie is."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: The absolute end, set at login from the site setting ``session_lifetime_hours``.
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, default=None, index=True)
    #: ``logout``, ``password_changed``, ``deactivated``, ``ended_by_admin``,
    #: ``secret_rotated``.
    end_reason: Mapped[str] = mapped_column(String(30), default="", server_default="")
    address: Mapped[str] = mapped_column(String(64), default="", server_default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="", server_default="")

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed logins counted per account (``user:NAME``) or per client address
    (``address:IP``): a growing delay, then a lock until ``locked_until``."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, default=None)
