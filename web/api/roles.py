"""``/api/v1/roles`` and ``/api/v1/permissions``: the site's roles, the permissions the
core and the enabled plugins declare, and granting or revoking them (``user.admin``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import Field

from ordercraft.core.services import roles
from ordercraft.web.api import API_PREFIX, InputModel, OutputModel, api_route
from ordercraft.web.extension import request_session

bp = Blueprint("api_roles", __name__, url_prefix=API_PREFIX)

NO_ROLE = {404: "No role has this name, or a permission named is not declared."}


class GrantedOut(OutputModel):
    name: str = Field(description="The permission: area.action, area.* or *.")
    label: str
    plugin: str | None = Field(description="The plugin (or core) that declares it.")


class RoleOut(OutputModel):
    name: str
    description: str
    declared_by: str = Field(description="core, a plugin, or site for a role the site "
                                         "added.")
    permissions: list[GrantedOut]
    inactive: list[str] = Field(description="Granted, but no enabled plugin declares them "
                                            "now (kept for when it is enabled again).")
    revoked_defaults: list[str] = Field(description="Default grants the site revoked; an "
                                                    "upgrade does not give them back.")


class PermissionOut(OutputModel):
    name: str
    label: str
    description: str
    plugin: str
    default_roles: list[str] = Field(description="Roles holding it by default.")


class RoleIn(InputModel):
    name: str = Field(min_length=1, max_length=50)
    description: str = Field("", max_length=200)


class PermissionsIn(InputModel):
    permissions: list[str] = Field(min_length=1, description="Permission names (area.action, "
                                                             "area.* or *).")


@api_route(bp, "/roles", permission="user.admin", response=list[RoleOut], tags=["roles"])
def list_roles() -> list[dict[str, Any]]:
    """Every role with its permissions and the plugin declaring each (administrators)."""
    return roles.list_roles(request_session())


@api_route(bp, "/roles",
           permission="user.admin", methods=["POST"], body=RoleIn, response=RoleOut, status=201,
           tags=["roles"], errors={409: "A role has this name."})
def add_role(body: RoleIn) -> dict[str, Any]:
    """Add a role of the site's own (no permissions yet)."""
    return roles.add_role(request_session(), body.name, description=body.description)


@api_route(bp, "/roles/<name>/grant", permission="user.admin", methods=["POST"], body=PermissionsIn,
           response=RoleOut, tags=["roles"], errors=NO_ROLE)
def grant(name: str, body: PermissionsIn) -> dict[str, Any]:
    """Give the role these permissions."""
    return roles.grant(request_session(), name, body.permissions)


@api_route(bp, "/roles/<name>/revoke",
           permission="user.admin", methods=["POST"], body=PermissionsIn,
           response=RoleOut, tags=["roles"], errors={**NO_ROLE,
                                                     409: "The admin role keeps '*'."})
def revoke(name: str, body: PermissionsIn) -> dict[str, Any]:
    """Take these permissions from the role (a revoked default stays revoked)."""
    return roles.revoke(request_session(), name, body.permissions)


@api_route(bp, "/permissions",
           permission="user.admin", response=list[PermissionOut], tags=["roles"])
def list_permissions() -> list[dict[str, Any]]:
    """Every permission the core and the enabled plugins declare (administrators)."""
    return roles.list_permissions(request_session())
