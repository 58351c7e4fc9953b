"""Roles and the permissions each grants. Services check permissions, not views."""

from __future__ import annotations

from typing import Any

from ordercraft.core.errors import PermissionDenied

#: Permission names are ``<area>.<action>``.
ROLE_PERMISSIONS: dict[str, tuple[str, frozenset[str]]] = {
    "admin": ("Administers the site: users, plugins, backups; may do everything.",
              frozenset({"*"})),
    "manager": ("Sales, production or purchasing manager: clients, deals, orders.",
                frozenset({"party.read", "party.write", "item.read", "warehouse.read",
                           "stock.read", "calc.run", "task.read", "task.write",
                           "task.assign", "process.start", "document.transition",
                           "order.read", "order.write", "order.ship"})),
    "engineer": ("Writes and runs pricing calculators.",
                 frozenset({"party.read", "item.read", "item.write", "warehouse.read",
                            "stock.read", "calc.run", "calc.upload", "task.read",
                            "task.write"})),
    "storekeeper": ("Receives, issues and counts stock.",
                    frozenset({"item.read", "item.write", "warehouse.read", "warehouse.write",
                               "stock.read", "stock.post", "task.read", "task.write",
                               "party.read", "order.read", "order.ship"})),
    "economist": ("Prices products and builds proposals.",
                  frozenset({"party.read", "item.read", "warehouse.read", "stock.read",
                             "calc.run", "calc.upload", "task.read", "task.write",
                             "process.start", "document.transition", "order.read"})),
}
ROLE_NAMES = tuple(ROLE_PERMISSIONS)


def has_permission(user: Any, permission: str) -> bool:
    """``None`` is the system itself (CLI run by the site's owner, scheduled jobs)."""
    if user is None:
        return True
    granted = user.permissions
    area = permission.split(".", 1)[0]
    return "*" in granted or permission in granted or f"{area}.*" in granted


def require(user: Any, permission: str) -> None:
    if not has_permission(user, permission):
        raise PermissionDenied(
            f"user {user.name!r} (roles: {', '.join(user.role_names) or 'none'}) may not "
            f"do this: it needs the permission {permission!r}")


def require_session_permission(session: Any, permission: str) -> None:
    """Check the permission of the user the session acts for."""
    require(session.info.get("user"), permission)
