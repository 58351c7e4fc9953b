"""``ordercraft role add|grant|revoke|list|permissions``."""

from __future__ import annotations

from typing import Any

import click

from ordercraft.core.cli.common import emit, json_option, ready_platform, table


@click.group("role")
def role_group() -> None:
    """Roles and the permissions they hold on this site.

    The core and each enabled plugin declare their permissions and the permissions the
    standard roles hold by default; a site adds roles of its own and grants or revokes
    permissions. A revoked default stays revoked when the site is upgraded.
    """


def _role_text(role: dict[str, Any]) -> str:
    lines = [f"{role['name']}: {role['description'] or '-'} (declared by "
             f"{role['declared_by']})"]
    lines += [f"  {p['name']:<22} {p['label']} [{p['plugin'] or '-'}]"
              for p in role["permissions"]]
    if role["inactive"]:
        lines.append(f"  not declared by an enabled plugin: {', '.join(role['inactive'])}")
    if role["revoked_defaults"]:
        lines.append(f"  revoked defaults: {', '.join(role['revoked_defaults'])}")
    return "\n".join(lines)


@role_group.command("list")
@json_option
def role_list(as_json: bool) -> None:
    """Every role with its permissions and the plugin declaring each."""
    from ordercraft.core.services import roles

    with ready_platform().session() as session:
        found = roles.list_roles(session)
    emit(as_json, {"ok": True, "roles": found}, lambda: "\n\n".join(map(_role_text, found)))


@role_group.command("permissions")
@json_option
def role_permissions(as_json: bool) -> None:
    """Every permission the core and the enabled plugins declare."""
    from ordercraft.core.services import roles

    with ready_platform().session() as session:
        found = roles.list_permissions(session)
    rows = [{**p, "default_roles": ", ".join(p["default_roles"])} for p in found]
    emit(as_json, {"ok": True, "permissions": found},
         lambda: table(rows, ["name", "label", "plugin", "default_roles"]))


@role_group.command("rule")
@click.argument("name")
@click.option("--area", required=True, help="The kind of records: party, deal, order, ...")
@click.option("--scope", required=True, type=click.Choice(["own", "team", "all"]),
              help="Which of them the role sees and changes: its own, its team's, or all.")
@json_option
def role_rule(name: str, area: str, scope: str, as_json: bool) -> None:
    """Set the record rule of the role NAME over an area (own, team or all)."""
    from ordercraft.core.services import roles

    with ready_platform().session() as session:
        role = roles.set_record_rule(session, name, area, scope)
    emit(as_json, {"ok": True, "role": role},
         f"role {name} sees {scope if scope != 'team' else 'its team' + chr(39) + 's'} "
         f"{area} records")


@role_group.command("add")
@click.argument("name")
@click.option("--description", default="", help="What people with this role do.")
@json_option
def role_add(name: str, description: str, as_json: bool) -> None:
    """Add the role NAME (grant it permissions with 'role grant')."""
    from ordercraft.core.services import roles

    with ready_platform().session() as session:
        role = roles.add_role(session, name, description=description)
    emit(as_json, {"ok": True, "role": role}, f"added role {name}")


@role_group.command("grant")
@click.argument("name")
@click.argument("permissions", nargs=-1, required=True)
@json_option
def role_grant(name: str, permissions: tuple[str, ...], as_json: bool) -> None:
    """Give the role NAME these PERMISSIONS (e.g. order.ship; area.* or * for all)."""
    from ordercraft.core.services import roles

    with ready_platform().session() as session:
        role = roles.grant(session, name, permissions)
    emit(as_json, {"ok": True, "role": role}, f"granted {', '.join(permissions)} to {name}")


@role_group.command("revoke")
@click.argument("name")
@click.argument("permissions", nargs=-1, required=True)
@json_option
def role_revoke(name: str, permissions: tuple[str, ...], as_json: bool) -> None:
    """Take these PERMISSIONS from the role NAME (a revoked default stays revoked)."""
    from ordercraft.core.services import roles

    with ready_platform().session() as session:
        role = roles.revoke(session, name, permissions)
    emit(as_json, {"ok": True, "role": role}, f"revoked {', '.join(permissions)} from {name}")
