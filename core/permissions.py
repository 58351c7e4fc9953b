"""Permissions, the roles that hold them, and the checks services make.

Permission names are ``<area>.<action>`` (``order.ship``). The core declares its own
permissions and the standard roles below; each plugin declares its permissions, any
roles it adds and the permissions each role gets by default through the hook
``register_permissions(registry)``. What a role holds on a site is stored with the
role (``roles.permissions``): default grants are added to it when the site is created,
upgraded or a plugin enabled (:mod:`ordercraft.core.services.roles`), and a site
grants and revokes from there. Services check permissions, not views.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ordercraft.core.errors import PermissionDenied, PluginError
from ordercraft.core.hooks import site_hooks
from ordercraft.core.registries import once_per_plugin_set

if TYPE_CHECKING:
    from ordercraft.core.hooks import Hooks

PERMISSION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
ROLE_PATTERN = re.compile(r"^[a-z][a-z0-9_\-]{0,49}$")
#: Held by the admin role: every permission, including those declared later.
EVERYTHING = "*"


@dataclass(frozen=True)
class Permission:
    """One declared permission: ``name`` is ``area.action``; ``plugin`` declared it."""

    name: str
    label: str
    description: str = ""
    plugin: str = "core"

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]


@dataclass(frozen=True)
class RoleInfo:
    """A role declared by the core or a plugin (a site adds its own with ``role add``)."""

    name: str
    description: str
    plugin: str = "core"


#: The core's own permissions: ``(name, label, description)``.
CORE_PERMISSIONS: tuple[tuple[str, str, str], ...] = (
    ("party.read", "Read parties", "See clients and suppliers, their contacts and legal "
                                   "entities."),
    ("party.write", "Change parties", "Add and change clients, suppliers, contacts and legal "
                                      "entities."),
    ("item.read", "Read items", "See goods, components, assemblies and services."),
    ("item.write", "Change items", "Add and change items."),
    ("warehouse.read", "Read warehouses", "See the warehouses."),
    ("warehouse.write", "Change warehouses", "Add and change warehouses."),
    ("stock.read", "Read stock", "See balances, moves and stock documents."),
    ("stock.post", "Post stock", "Receive, issue, transfer, write off and count stock."),
    ("calc.run", "Run calculators", "Price products with the site's calculators."),
    ("calc.upload", "Upload calculators", "Add and replace calculator scripts."),
    ("task.read", "Read tasks", "See tasks and document timelines."),
    ("task.write", "Work on tasks", "Start, complete and comment on tasks."),
    ("task.assign", "Assign tasks", "Give tasks to other people."),
    ("process.start", "Start processes", "Start business processes."),
    ("process.admin", "Manage processes", "Import and change business-process templates."),
    ("document.transition", "Move documents", "Take workflow transitions that need no "
                                               "permission of their own."),
    ("user.admin", "Manage users and roles", "Add users, set passwords, issue API tokens, "
                                             "add roles and change their permissions."),
    ("site.admin", "Manage the site", "Change site settings and custom fields."),
    ("mail.read", "Read the outbox", "See outgoing e-mail and its delivery state."),
    ("mail.manage", "Manage mail", "Change the SMTP settings, retry failed mail, send a "
                                   "test message."),
)

#: The standard roles: ``name -> (description, the core permissions granted by default)``.
CORE_ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin": ("Administers the site: users, plugins, backups; may do everything.",
              (EVERYTHING,)),
    "manager": ("Sales, production or purchasing manager: clients, deals, orders.",
                ("party.read", "party.write", "item.read", "warehouse.read", "stock.read",
                 "calc.run", "task.read", "task.write", "task.assign", "process.start",
                 "document.transition")),
    "engineer": ("Writes and runs pricing calculators.",
                 ("party.read", "item.read", "item.write", "warehouse.read", "stock.read",
                  "calc.run", "calc.upload", "task.read", "task.write")),
    "storekeeper": ("Receives, issues and counts stock.",
                    ("item.read", "item.write", "warehouse.read", "warehouse.write",
                     "stock.read", "stock.post", "task.read", "task.write", "party.read")),
    "economist": ("Prices products and builds proposals.",
                  ("party.read", "item.read", "warehouse.read", "stock.read", "calc.run",
                   "calc.upload", "task.read", "task.write", "process.start",
                   "document.transition")),
}
#: The standard roles every site has.
ROLE_NAMES = tuple(CORE_ROLES)


class PermissionRegistry:
    """What the core and the enabled plugins declare: permissions, roles, default grants.

    Passed to the hook ``register_permissions``; ``current_plugin`` is set by the caller
    so that every declaration records its plugin. A name declared twice, a malformed
    name, or a default grant of a permission or to a role nobody declared is a
    :class:`~ordercraft.core.errors.PluginError` naming the plugin.
    """

    def __init__(self) -> None:
        self.current_plugin = "core"
        self._permissions: dict[str, Permission] = {}
        self._roles: dict[str, RoleInfo] = {}
        #: ``(role, permission, plugin)`` in the order declared.
        self._grants: list[tuple[str, str, str]] = []
        #: Record-rule areas: ``name -> (label, plugin)``.
        self._record_areas: dict[str, tuple[str, str]] = {}

    def record_area(self, name: str, label: str) -> None:
        """Declare ``name`` as an area of owned records (``deal``: deals, owned by their
        manager) whose visibility the site may limit per role to ``own``, ``team`` or
        ``all`` (:mod:`ordercraft.core.record_rules`). The plugin's services apply it."""
        if not isinstance(name, str) or not re.match(r"^[a-z][a-z0-9_]{0,49}$", name):
            raise PluginError(f"plugin {self.current_plugin!r} declares record area "
                              f"{name!r}: an area is named with lower-case letters, digits "
                              "and '_'")
        if name in self._record_areas:
            raise PluginError(f"plugin {self.current_plugin!r} declares record area {name!r}, "
                              f"already declared by {self._record_areas[name][1]!r}")
        self._record_areas[name] = (label.strip() or name, self.current_plugin)

    @property
    def record_areas(self) -> dict[str, tuple[str, str]]:
        """``name -> (label, plugin)`` of the declared record areas."""
        return dict(self._record_areas)

    def permission(self, name: str, label: str, description: str = "") -> Permission:
        """Declare the permission ``name`` (``area.action``) with a short label."""
        if not isinstance(name, str) or not PERMISSION_PATTERN.match(name):
            raise PluginError(f"plugin {self.current_plugin!r} declares permission {name!r}: "
                              "a permission is named 'area.action' (lower-case letters, "
                              "digits and '_')")
        if name in self._permissions:
            raise PluginError(f"plugin {self.current_plugin!r} declares permission {name!r}, "
                              f"already declared by {self._permissions[name].plugin!r}")
        if not isinstance(label, str) or not label.strip():
            raise PluginError(f"plugin {self.current_plugin!r} declares permission {name!r} "
                              "without a label")
        permission = Permission(name, label.strip(), description.strip(), self.current_plugin)
        self._permissions[name] = permission
        return permission

    def role(self, name: str, description: str) -> RoleInfo:
        """Declare a role that every site with this plugin gets."""
        if not isinstance(name, str) or not ROLE_PATTERN.match(name):
            raise PluginError(f"plugin {self.current_plugin!r} declares role {name!r}: a role "
                              "is named with lower-case letters, digits, '_' and '-'")
        if name in self._roles:
            raise PluginError(f"plugin {self.current_plugin!r} declares role {name!r}, "
                              f"already declared by {self._roles[name].plugin!r}")
        info = RoleInfo(name, description.strip(), self.current_plugin)
        self._roles[name] = info
        return info

    def grant(self, role: str, *permissions: str) -> None:
        """Give ``role`` these permissions by default (a standard role or a declared one).

        A site receives a default grant once: when the site is created, when ``db
        upgrade`` meets a newly declared grant, or when the plugin is enabled. A site
        that revoked it keeps it revoked.
        """
        for permission in permissions:
            self._grants.append((role, permission, self.current_plugin))

    def check(self) -> None:
        """Refuse default grants that name an undeclared role or permission."""
        for role, permission, plugin in self._grants:
            if role not in self._roles:
                raise PluginError(f"plugin {plugin!r} grants {permission!r} to role {role!r}, "
                                  f"which no enabled plugin declares (roles: "
                                  f"{', '.join(sorted(self._roles))})")
            if permission != EVERYTHING and permission not in self._permissions:
                raise PluginError(f"plugin {plugin!r} grants permission {permission!r} to role "
                                  f"{role!r}, but no enabled plugin declares that permission")

    @property
    def permissions(self) -> dict[str, Permission]:
        return dict(self._permissions)

    @property
    def roles(self) -> dict[str, RoleInfo]:
        return dict(self._roles)

    def default_grants(self) -> dict[str, set[str]]:
        """``role -> permissions`` it holds by default."""
        grants: dict[str, set[str]] = {name: set() for name in self._roles}
        for role, permission, _plugin in self._grants:
            grants[role].add(permission)
        return grants

    def grantable(self, name: str) -> bool:
        """``name`` is a declared permission, ``area.*`` of a declared area, or ``*``."""
        if name == EVERYTHING or name in self._permissions:
            return True
        area, _, action = name.partition(".")
        return action == "*" and any(p.area == area for p in self._permissions.values())


def register_core(registry: PermissionRegistry) -> None:
    registry.current_plugin = "core"
    for name, label, description in CORE_PERMISSIONS:
        registry.permission(name, label, description)
    for role, (description, grants) in CORE_ROLES.items():
        registry.role(role, description)
        registry.grant(role, *grants)
    registry.record_area("party", "Clients and suppliers (owned by their manager)")


@once_per_plugin_set
def permission_registry(hooks: Hooks) -> PermissionRegistry:
    """The declarations of the core and of the enabled plugins (built once per plugin
    set)."""
    registry = PermissionRegistry()
    register_core(registry)
    hooks.register_permissions(registry)
    registry.check()
    return registry


def session_permission_registry(session: Any) -> PermissionRegistry:
    """The permission declarations of the site ``session`` belongs to."""
    return permission_registry(site_hooks(session))


def has_permission(user: Any, permission: str) -> bool:
    """``None`` is the system itself (CLI run by the site's owner, scheduled jobs)."""
    if user is None:
        return True
    granted = user.permissions
    area = permission.split(".", 1)[0]
    return EVERYTHING in granted or permission in granted or f"{area}.*" in granted


def require(user: Any, permission: str) -> None:
    if not has_permission(user, permission):
        raise PermissionDenied(
            f"user {user.name!r} (roles: {', '.join(user.role_names) or 'none'}) may not "
            f"do this: it needs the permission {permission!r}")


def require_session_permission(session: Any, permission: str) -> None:
    """Check the permission of the user the session acts for."""
    require(session.info.get("user"), permission)


class _WithRights:
    """The acting user, holding ``extra`` permissions besides their own."""

    def __init__(self, user: Any, extra: frozenset[str]) -> None:
        self._user = user
        self._extra = extra

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(self._user.permissions) | self._extra

    def __getattr__(self, name: str) -> Any:
        return getattr(self._user, name)


@contextmanager
def granted(session: Any, *permissions: str) -> Iterator[None]:
    """For the ``with`` block, the session's user also holds ``permissions``: an
    operation whose own right was checked (shipping an order: ``order.ship``) lets the
    services it calls (posting the stock issue: ``stock.post``) act for the same user,
    who stays the one recorded in the audit and on the documents. The system (no user)
    holds every right already."""
    user = session.info.get("user")
    if user is None:
        yield
        return
    session.info["user"] = _WithRights(user, frozenset(permissions))
    try:
        yield
    finally:
        session.info["user"] = user


def sorted_permissions(names: Iterable[str]) -> list[str]:
    """``*`` first, then by name."""
    return sorted(set(names), key=lambda name: (name != EVERYTHING, name))
