"""Permissions declared by the core and the plugins, the roles that hold them by default,
and what a site changes: ``ordercraft role ...``, ``/api/v1/roles``, ``db upgrade`` and
enabling a plugin giving new defaults while a revoked default stays revoked."""

from __future__ import annotations

import types

import pytest

from ordercraft.core.errors import PluginError
from ordercraft.sdk import hookimpl


def repairs_plugin(*, later: bool = False) -> types.ModuleType:
    """An add-on declaring repair permissions, a technician role and default grants;
    ``later`` is its next version, which adds ``repair.close``."""
    module = types.ModuleType("repairs_addon")

    @hookimpl
    def register_permissions(registry):
        registry.permission("repair.read", "Read repairs", "See repair orders.")
        registry.permission("repair.write", "Enter repairs")
        registry.role("technician", "Carries out repairs")
        registry.grant("technician", "repair.read", "repair.write")
        registry.grant("manager", "repair.read", "repair.write")
        if later:
            registry.permission("repair.close", "Close repairs")
            registry.grant("manager", "repair.close")

    module.register_permissions = register_permissions
    return module


def granted(site, role: str) -> set[str]:
    roles = {r["name"]: r for r in site.cli("role list --json").json()["roles"]}
    return {p["name"] for p in roles[role]["permissions"]}


def test_hook_register_permissions(make_site):
    site = make_site(plugins=[], extra_plugins=[repairs_plugin()])
    listed = site.cli("role list --json")
    assert listed.exit_code == 0, listed.stderr
    roles = {r["name"]: r for r in listed.json()["roles"]}
    assert roles["technician"]["declared_by"] == "repairs_addon"
    assert {(p["name"], p["plugin"]) for p in roles["technician"]["permissions"]} == {
        ("repair.read", "repairs_addon"), ("repair.write", "repairs_addon")}
    assert {"repair.read", "repair.write", "party.write"} <= granted(site, "manager")
    assert "repair.read" not in granted(site, "storekeeper")
    declared = {p["name"]: p for p in site.cli("role permissions --json").json()["permissions"]}
    assert declared["repair.read"] == {
        "name": "repair.read", "label": "Read repairs", "description": "See repair orders.",
        "plugin": "repairs_addon", "default_roles": ["manager", "technician"]}
    assert declared["party.read"]["plugin"] == "core"
    assert "order.read" not in declared, "sales is not on this site: its permissions are not"


def test_the_core_declares_only_its_own_permissions_and_sales_declares_orders(make_site):
    site = make_site(plugins=["crm", "sales"])
    declared = {p["name"]: p for p in site.cli("role permissions --json").json()["permissions"]}
    assert {name for name, p in declared.items() if p["plugin"] == "sales"} == {
        "order.read", "order.write", "order.confirm", "order.ship", "invoice.read",
        "invoice.write", "payment.write"}
    assert declared["order.ship"]["default_roles"] == ["manager", "storekeeper"]
    assert declared["order.confirm"]["default_roles"] == ["manager"]
    assert {p for p, d in declared.items() if d["plugin"] == "core"} >= {
        "party.read", "stock.post", "user.admin", "site.admin"}
    admin = {r["name"]: r for r in site.cli("role list --json").json()["roles"]}["admin"]
    assert admin["permissions"] == [{"name": "*", "label": "Every permission", "plugin": "core"}]


def test_site_roles_grants_and_revocations(make_site):
    site = make_site(plugins=["crm", "sales"])
    added = site.cli("role add dispatcher --description 'Ships orders' --json")
    assert added.exit_code == 0, added.stderr
    assert added.json()["role"] == {"name": "dispatcher", "description": "Ships orders",
                                    "declared_by": "site", "permissions": [], "inactive": [],
                                    "revoked_defaults": [],
                                    "record_rules": {"deal": "all", "order": "all",
                                                     "party": "all"}}
    role = site.cli("role grant dispatcher order.read order.ship stock.* --json").json()["role"]
    assert [(p["name"], p["plugin"]) for p in role["permissions"]] == [
        ("order.read", "sales"), ("order.ship", "sales"), ("stock.*", "core")]
    role = site.cli("role revoke dispatcher order.read --json").json()["role"]
    assert [p["name"] for p in role["permissions"]] == ["order.ship", "stock.*"]

    cases = [
        ("role grant ghost order.read", "error: role: 'ghost' is not a role (roles: admin, "
                                        "dispatcher, economist, engineer, manager, "
                                        "storekeeper)"),
        ("role grant dispatcher order.fly", "error: permission: 'order.fly' is not a "
                                            "permission of this site (see 'ordercraft role "
                                            "permissions'; a disabled plugin's permissions "
                                            "are not grantable)"),
        ("role revoke dispatcher nothing.here", "error: permission: 'nothing.here' is not a "
                                                "permission of this site (see 'ordercraft role "
                                                "permissions')"),
        ("role add dispatcher", "error: name: role 'dispatcher' already exists"),
        ("role add 'Night Shift'", "error: name: 'Night Shift' is not a role name (lower-case "
                                   "letters, digits, '_' and '-', starting with a letter)"),
        ("role revoke admin '*'", "error: permission: the admin role keeps every permission "
                                  "('*'): the site would have nobody to administer it"),
    ]
    for args, message in cases:
        result = site.cli(args)
        assert (result.exit_code, result.stderr.strip()) == (2, message), args
    refused = site.cli("role grant dispatcher order.fly --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "permission"

    # The user of a site role has its permissions, and the audit log has its changes.
    from ordercraft.core.errors import PermissionDenied
    from ordercraft.core.permissions import require
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        user = create_user(session, "dan", roles=["dispatcher"])
        require(user, "order.ship")
        require(user, "stock.post")
        with pytest.raises(PermissionDenied, match="order.read"):
            require(user, "order.read")
    log = site.cli("audit --entity role --json").json()["entries"]
    revoked = next(e for e in log if e["action"] == "update"
                   and e["changes"].get("permissions", [[]])[0] == ["order.read", "order.ship",
                                                                   "stock.*"])
    assert revoked["changes"]["permissions"][1] == ["order.ship", "stock.*"]
    assert any(e["action"] == "create" and e["changes"]["name"] == [None, "dispatcher"]
               for e in log)


def test_upgrade_gives_new_defaults_and_keeps_what_the_site_changed(make_site):
    """A newer version of a plugin declares another permission granted to managers: the
    upgrade grants it; a default the site revoked stays revoked; a permission the site
    granted stays."""
    from ordercraft.core.platform import Platform
    from ordercraft.sdk.testing import Site

    site = make_site(plugins=[], extra_plugins=[repairs_plugin()])
    assert site.cli("role revoke manager repair.write").exit_code == 0
    assert site.cli("role grant manager stock.post").exit_code == 0

    newer = Site(Platform(site.platform.database_url, only=[],
                          extra_plugins=[repairs_plugin(later=True)]))
    try:
        assert newer.cli("db upgrade --json").exit_code == 0
        manager = {r["name"]: r for r in newer.cli("role list --json").json()["roles"]}["manager"]
        held = {p["name"] for p in manager["permissions"]}
        assert {"repair.read", "repair.close", "stock.post"} <= held
        assert "repair.write" not in held
        assert manager["revoked_defaults"] == ["repair.write"]
        assert "repair.close" in granted(newer, "manager")
        # Upgrading again changes nothing.
        assert newer.cli("db upgrade").exit_code == 0
        assert granted(newer, "manager") == held
    finally:
        newer.platform.dispose()


def test_upgrade_of_a_site_made_before_default_grants_were_remembered(site):
    """A site from an older version has roles but no record of default grants: the
    upgrade grants every declared default (as the older versions did) and keeps the
    rest."""
    from sqlalchemy import select

    from ordercraft.core.models import Role

    with site.session() as session:
        role = session.scalar(select(Role).where(Role.name == "storekeeper"))
        role.permissions = sorted((set(role.permissions) - {"stock.post"}) | {"extra.keep"})
        role.default_grants = []
    assert site.cli("db upgrade --json").exit_code == 0
    with site.session() as session:
        role = session.scalar(select(Role).where(Role.name == "storekeeper"))
        assert {"stock.post", "extra.keep", "party.read"} <= set(role.permissions)
        assert "stock.post" in role.default_grants
    listed = {r["name"]: r for r in site.cli("role list --json").json()["roles"]}
    assert listed["storekeeper"]["inactive"] == ["extra.keep"]


def test_a_disabled_plugins_permissions_are_not_grantable(make_site):
    site = make_site(plugins=["crm", "sales"])
    assert site.cli("plugins disable sales").exit_code == 0
    declared = {p["name"] for p in site.cli("role permissions --json").json()["permissions"]}
    assert not {p for p in declared if p.startswith("order.")}
    refused = site.cli("role grant economist order.ship")
    assert refused.exit_code == 2 and "'order.ship' is not a permission" in refused.stderr
    storekeeper = {r["name"]: r for r in site.cli("role list --json").json()["roles"]}[
        "storekeeper"]
    assert storekeeper["inactive"] == ["order.read", "order.ship"]  # kept for later


def test_enabling_a_plugin_gives_its_default_grants(make_site):
    """A site that had sales disabled from the start gets its grants on enabling it."""
    from sqlalchemy import select

    from ordercraft.core.models import Role

    site = make_site(plugins=["crm", "sales"])
    assert site.cli("plugins disable sales").exit_code == 0
    with site.session() as session:
        for role in session.scalars(select(Role)):
            role.permissions = [p for p in role.permissions if not p.startswith("order.")]
            role.default_grants = [p for p in role.default_grants if not p.startswith("order.")]
    assert "order.ship" not in granted(site, "storekeeper")
    enabled = site.cli("plugins enable sales --json")
    assert enabled.exit_code == 0, enabled.stderr
    assert {"order.read", "order.ship"} <= granted(site, "storekeeper")
    assert {"order.read", "order.write", "order.confirm", "order.ship"} <= granted(site,
                                                                                    "manager")


def test_confirming_an_order_needs_order_confirm(make_site):
    import sales_kit as kit

    site = kit.build(make_site)
    order_id = kit.order(site, "KIT:1")
    assert site.cli("role revoke manager order.confirm").exit_code == 0
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "mia", roles=["manager"])
    refused = site.cli(f"order confirm {order_id} --user mia")
    assert refused.exit_code == 2 and "order.confirm" in refused.stderr
    assert site.cli(f"order confirm {order_id}").exit_code == 0


def test_roles_api(make_site):
    site = make_site(plugins=["crm", "sales"])
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "maria", roles=["manager"])
    admin = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    listed = admin.get("/api/v1/roles", headers=headers)
    assert listed.status_code == 200
    manager = next(r for r in listed.json if r["name"] == "manager")
    assert {"name": "order.ship", "label": "Ship orders", "plugin": "sales"} in \
        manager["permissions"]

    added = admin.post("/api/v1/roles", headers=headers,
                       json={"name": "dispatcher", "description": "Ships orders"})
    assert added.status_code == 201 and added.json["declared_by"] == "site"
    grant = admin.post("/api/v1/roles/dispatcher/grant", headers=headers,
                       json={"permissions": ["order.ship", "order.read"]})
    assert grant.status_code == 200
    assert [p["name"] for p in grant.json["permissions"]] == ["order.read", "order.ship"]
    revoke = admin.post("/api/v1/roles/dispatcher/revoke", headers=headers,
                        json={"permissions": ["order.read"]})
    assert [p["name"] for p in revoke.json["permissions"]] == ["order.ship"]
    unknown = admin.post("/api/v1/roles/dispatcher/grant", headers=headers,
                         json={"permissions": ["order.fly"]})
    assert unknown.status_code == 404
    assert unknown.json["error"]["field"] == "permission"
    assert "'order.fly'" in unknown.json["error"]["message"]
    assert admin.post("/api/v1/roles/ghost/grant", headers=headers,
                      json={"permissions": ["order.read"]}).status_code == 404
    assert admin.post("/api/v1/roles/dispatcher/grant", headers=headers,
                      json={"permissions": []}).status_code == 400
    permissions = admin.get("/api/v1/permissions", headers=headers).json
    assert {"name": "order.confirm", "label": "Confirm orders", "plugin": "sales",
            "default_roles": ["manager"],
            "description": "Confirm a draft order: its stock is reserved and its shortages "
                           "reported."} in permissions

    manager = {"Authorization": f"Bearer {site.token('maria')}"}
    for method, path, body in [("get", "/api/v1/roles", None), ("get", "/api/v1/permissions", None),
                               ("post", "/api/v1/roles/dispatcher/grant",
                                {"permissions": ["order.read"]})]:
        answer = getattr(admin, method)(path, headers=manager, json=body)
        assert answer.status_code == 403 and "user.admin" in answer.json["error"]["message"]

    paths = admin.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/roles"])
    assert "post" in paths["/api/v1/roles/{name}/grant"]
    assert "post" in paths["/api/v1/roles/{name}/revoke"]
    assert "get" in paths["/api/v1/permissions"]


@pytest.mark.parametrize("declare, message", [
    (lambda r: r.permission("orders", "Orders"), "a permission is named 'area.action'"),
    (lambda r: r.permission("party.read", "Again"), "already declared by 'core'"),
    (lambda r: r.role("Boss", "x"), "a role is named with lower-case letters"),
    (lambda r: r.grant("manager", "repair.nothing"),
     "grants permission 'repair.nothing' to role 'manager', but no enabled plugin declares"),
    (lambda r: r.grant("chief", "party.read"), "grants 'party.read' to role 'chief', which no "
                                               "enabled plugin declares"),
])
def test_a_bad_declaration_names_the_plugin(declare, message):
    from ordercraft.core.permissions import PermissionRegistry, register_core

    registry = PermissionRegistry()
    register_core(registry)
    registry.current_plugin = "faulty"
    with pytest.raises(PluginError, match="plugin 'faulty'") as raised:
        declare(registry)
        registry.check()
    assert message in raised.value.message


def test_granted_gives_rights_for_one_block_and_keeps_the_user(site):
    from ordercraft.core.errors import PermissionDenied
    from ordercraft.sdk.permissions import granted, require_session_permission
    from ordercraft.sdk.users import create_user, get_user

    with site.session() as session:
        create_user(session, "maria", roles=["manager"])
    with site.session() as session:
        maria = get_user(session, "maria")
    with site.platform.session(maria) as session:
        with pytest.raises(PermissionDenied, match="'role.write'"):
            require_session_permission(session, "role.write")
        with granted(session, "role.write"):
            require_session_permission(session, "role.write")
            assert session.info["user"].name == "maria"
        with pytest.raises(PermissionDenied):  # the block is over
            require_session_permission(session, "role.write")
    with site.session() as session:  # the system holds every right already
        with granted(session, "role.write"):
            assert session.info.get("user") is None
