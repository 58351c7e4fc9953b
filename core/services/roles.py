"""Roles on a site: the default grants the core and the enabled plugins declare
(:mod:`ordercraft.core.permissions`), and the roles and grants the site changes.

Each role remembers every default grant it has received (``roles.default_grants``).
:func:`apply_default_grants` gives a role only the declared grants it has not received
yet, so a newer version's permissions reach the roles that have the defaults, a role the
site changed keeps its changes, and a default the site revoked stays revoked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.core.errors import Conflict, NotFound, ValidationError
from ordercraft.core.models import Role
from ordercraft.core.permissions import (
    EVERYTHING,
    ROLE_PATTERN,
    PermissionRegistry,
    require_session_permission,
    session_permission_registry,
    sorted_permissions,
)


def apply_default_grants(session: Session) -> dict[str, Role]:
    """Create the declared roles a site lacks and give every role the default grants it
    has not received yet; returns all roles by name. Run when the site is created or
    upgraded and when a plugin is enabled."""
    registry = session_permission_registry(session)
    roles = {role.name: role for role in session.scalars(select(Role))}
    for name, info in registry.roles.items():
        if name not in roles:
            roles[name] = Role(name=name, description=info.description, permissions=[],
                               default_grants=[])
            session.add(roles[name])
    for name, grants in registry.default_grants().items():
        role = roles[name]
        received = set(role.default_grants or ())
        new = grants - received
        if new:
            role.permissions = sorted_permissions(set(role.permissions or ()) | new)
            role.default_grants = sorted_permissions(received | new)
    session.flush()
    return roles


def get_role(session: Session, name: str, *, for_update: bool = False) -> Role:
    query = select(Role).where(Role.name == name)
    role = session.scalar(query.with_for_update() if for_update else query)
    if role is None:
        known = ", ".join(session.scalars(select(Role.name).order_by(Role.name))) or "none"
        raise NotFound(f"role: {name!r} is not a role (roles: {known})", field="role")
    return role


def add_role(session: Session, name: str, *, description: str = "") -> dict[str, Any]:
    """A role of the site's own, with no permissions yet."""
    from ordercraft.core.services import fields

    require_session_permission(session, "user.admin")
    if not isinstance(name, str) or not ROLE_PATTERN.match(name):
        raise fields.invalid("name", f"{name!r} is not a role name (lower-case letters, "
                             "digits, '_' and '-', starting with a letter)")
    if session.scalar(select(Role.id).where(Role.name == name)) is not None:
        raise Conflict(f"name: role {name!r} already exists", field="name", code="duplicate")
    role = Role(name=name, permissions=[], default_grants=[],
                description=fields.text(description, field="description", max_length=200))
    session.add(role)
    session.flush()
    return role_dict(role, session_permission_registry(session))


def _permission_names(permissions: Iterable[str]) -> list[str]:
    names = [p.strip() for p in permissions if p and p.strip()]
    if not names:
        raise ValidationError("permissions: name at least one permission", field="permissions")
    return names


def grant(session: Session, role_name: str, permissions: Iterable[str]) -> dict[str, Any]:
    """Give the role these permissions (declared ones, ``area.*`` or ``*``)."""
    require_session_permission(session, "user.admin")
    registry = session_permission_registry(session)
    role = get_role(session, role_name, for_update=True)
    names = _permission_names(permissions)
    for name in names:
        if not registry.grantable(name):
            raise NotFound(f"permission: {name!r} is not a permission of this site (see "
                           "'ordercraft role permissions'; a disabled plugin's permissions "
                           "are not grantable)", field="permission")
    role.permissions = sorted_permissions(set(role.permissions or ()) | set(names))
    session.flush()
    return role_dict(role, registry)


def revoke(session: Session, role_name: str, permissions: Iterable[str]) -> dict[str, Any]:
    """Take these permissions from the role; a revoked default grant stays revoked."""
    require_session_permission(session, "user.admin")
    registry = session_permission_registry(session)
    role = get_role(session, role_name, for_update=True)
    held = set(role.permissions or ())
    names = _permission_names(permissions)
    for name in names:
        if name not in held and not registry.grantable(name):
            raise NotFound(f"permission: {name!r} is not a permission of this site (see "
                           "'ordercraft role permissions')", field="permission")
        if name == EVERYTHING and role.name == "admin":
            raise Conflict("permission: the admin role keeps every permission ('*'): the "
                           "site would have nobody to administer it", field="permission",
                           code="admin_keeps_everything")
    role.permissions = sorted_permissions(held - set(names))
    session.flush()
    return role_dict(role, registry)


def _granted(name: str, registry: PermissionRegistry) -> dict[str, Any]:
    declared = registry.permissions.get(name)
    if declared is not None:
        return {"name": name, "label": declared.label, "plugin": declared.plugin}
    if name == EVERYTHING:
        return {"name": name, "label": "Every permission", "plugin": "core"}
    area = name.split(".", 1)[0]
    plugins = sorted({p.plugin for p in registry.permissions.values() if p.area == area})
    return {"name": name, "label": f"Every permission of {area}",
            "plugin": plugins[0] if len(plugins) == 1 else None}


def role_dict(role: Role, registry: PermissionRegistry) -> dict[str, Any]:
    """The role with its permissions, each with the plugin that declares it; ``inactive``
    holds what it was granted that no enabled plugin declares now (kept for when the
    plugin is enabled again), ``revoked_defaults`` the default grants the site took away."""
    held = list(role.permissions or ())
    declared = registry.roles.get(role.name)
    return {
        "name": role.name,
        "description": role.description,
        "declared_by": declared.plugin if declared is not None else "site",
        "permissions": [_granted(p, registry) for p in held if registry.grantable(p)],
        "inactive": [p for p in held if not registry.grantable(p)],
        "revoked_defaults": sorted_permissions(set(role.default_grants or ()) - set(held)),
        "record_rules": {area: (role.record_rules or {}).get(area, "all")
                         for area in sorted(registry.record_areas)},
    }


def set_record_rule(session: Session, role_name: str, area: str, scope: str
                    ) -> dict[str, Any]:
    """Let ``role`` see ``own``, ``team`` or ``all`` records of ``area`` (see
    :mod:`ordercraft.core.record_rules`); audited like the role's permissions."""
    from ordercraft.core.record_rules import check_scope

    require_session_permission(session, "user.admin")
    registry = session_permission_registry(session)
    if area not in registry.record_areas:
        raise NotFound(f"area: {area!r} is not a record area of this site (areas: "
                       f"{', '.join(sorted(registry.record_areas)) or 'none'})", field="area")
    check_scope(scope)
    role = get_role(session, role_name, for_update=True)
    rules = dict(role.record_rules or {})
    if scope == "all":
        rules.pop(area, None)
    else:
        rules[area] = scope
    role.record_rules = rules
    session.flush()
    return role_dict(role, registry)


def list_roles(session: Session) -> list[dict[str, Any]]:
    require_session_permission(session, "user.admin")
    registry = session_permission_registry(session)
    return [role_dict(role, registry)
            for role in session.scalars(select(Role).order_by(Role.name))]


def list_permissions(session: Session) -> list[dict[str, Any]]:
    """Every permission the core and the enabled plugins declare, with the roles that
    hold it by default."""
    require_session_permission(session, "user.admin")
    registry = session_permission_registry(session)
    defaults = registry.default_grants()
    return [{"name": p.name, "label": p.label, "description": p.description,
             "plugin": p.plugin,
             "default_roles": sorted(role for role, granted in defaults.items()
                                     if p.name in granted)}
            for p in sorted(registry.permissions.values(), key=lambda p: p.name)]
