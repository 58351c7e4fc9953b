"""Permissions: declare them, with the roles that hold them by default, in the hook
``register_permissions``; check them in services.

Services check permissions, not views: a service that reads or changes something first
calls :func:`require_session_permission` with the permission it needs
(``"<area>.<action>"``: ``party.read``, ``order.ship``), so the CLI, the JSON API and the
pages refuse the same things the same way (a
:class:`~ordercraft.sdk.errors.PermissionDenied`: exit code 2, HTTP 403)::

    @hookimpl
    def register_permissions(registry):
        registry.permission("repair.read", "Read repairs", "See repair orders.")
        registry.permission("repair.write", "Enter repairs")
        registry.role("technician", "Carries out repairs")
        registry.grant("technician", "repair.read", "repair.write")
        registry.grant("manager", "repair.read")

    # in a service
    from ordercraft.sdk.permissions import require_session_permission

    def open_repairs(session):
        require_session_permission(session, "repair.read")
        ...

The acting user is the one the operation was opened for (``platform.session(user)``,
``--user`` on the command line, the logged-in user on the web); ``None`` is the system
itself (the demo, the worker), which may do anything.

Record rules limit which records of an area a role sees (its ``own``, its ``team``'s or
``all``, set with ``ordercraft role rule ROLE --area deal --scope own``). A plugin
declares its areas with ``registry.record_area("deal", "Deals")`` and applies the rule
where it lists (``query.where(owner_condition(session, "deal", Deal.manager_id))`` when
that is not ``None``) and where it loads one record (``require_record(session, "deal",
deal.manager_id, f"deal {deal.id}")``).

An operation whose own right was checked may let the services it calls act for the same
user with rights of their own, for one ``with`` block: ``with granted(session,
"stock.read", "stock.post"): stock.post_document(...)`` (the user stays the one recorded).

A site receives each default grant once (when it is created, upgraded, or the plugin
enabled) and may revoke it for good, grant more, or add roles of its own
(``ordercraft role ...``). Reference: docs/permissions.md.
"""

from __future__ import annotations

from ordercraft.core.permissions import (
                                         Permission,
                                         PermissionRegistry,
                                         RoleInfo,
                                         granted,
                                         has_permission,
                                         require_session_permission,
)
from ordercraft.core.permissions import require as require_permission
from ordercraft.core.record_rules import owner_condition, require_record, visible_owners

__all__ = ["Permission", "PermissionRegistry", "RoleInfo", "granted", "has_permission",
           "owner_condition", "require_permission", "require_record",
           "require_session_permission", "visible_owners"]
