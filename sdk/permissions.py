"""Permissions for plugin authors: declare them, with the roles that hold them by
default, in the hook ``register_permissions``; check them in services.

::

    @hookimpl
    def register_permissions(registry):
        registry.permission("repair.read", "Read repairs", "See repair orders.")
        registry.permission("repair.write", "Enter repairs")
        registry.role("technician", "Carries out repairs")
        registry.grant("technician", "repair.read", "repair.write")
        registry.grant("manager", "repair.read")

    # in a service
    from ordercraft.sdk.permissions import require_session_permission

    require_session_permission(session, "repair.write")

A site receives each default grant once (when it is created, upgraded, or the plugin
enabled) and may revoke it for good, grant more, or add roles of its own
(``ordercraft role ...``). Reference: docs/permissions.md.
"""

from __future__ import annotations

from ordercraft.core.permissions import (Permission, PermissionRegistry, RoleInfo,
                                         has_permission, require, require_session_permission)

__all__ = ["Permission", "PermissionRegistry", "RoleInfo", "has_permission", "require",
           "require_session_permission"]
