"""Warehouses: unique codes, the service's rules and ``ordercraft warehouse ...``."""

from __future__ import annotations

import pytest

from ordercraft.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ordercraft.core.services import warehouses
from ordercraft.core.services.users import create_user


def test_create_get_update_list(site):
    with site.session() as session:
        warehouses.create_warehouse(session, "MAIN", name="Main store", address="Kazan")
        warehouses.create_warehouse(session, "WIP", name="Workshop")
    with site.session() as session:
        main = warehouses.get_warehouse(session, "MAIN")
        assert warehouses.warehouse_dict(main) == {
            "id": main.id, "code": "MAIN", "name": "Main store", "address": "Kazan",
            "active": True}
        warehouses.update_warehouse(session, "WIP", code="SHOP", active=False)
    with site.session() as session:
        assert [w.code for w in warehouses.list_warehouses(session).items] == ["MAIN", "SHOP"]
        assert [w.code for w in warehouses.list_warehouses(session, active=True).items] == [
            "MAIN"]
        assert [w.code for w in warehouses.list_warehouses(session, search="work").items] == [
            "SHOP"]


def test_rules(site):
    with site.session() as session:
        warehouses.create_warehouse(session, "MAIN", name="Main store")
    with site.session() as session:
        with pytest.raises(Conflict, match="warehouse 'MAIN' already exists"):
            warehouses.create_warehouse(session, "MAIN", name="Again")
        with pytest.raises(ValidationError, match="name: must not be empty"):
            warehouses.create_warehouse(session, "NEW")
        with pytest.raises(ValidationError, match="code: 'A B' must not contain spaces"):
            warehouses.create_warehouse(session, "A B", name="X")
        with pytest.raises(NotFound, match=r"warehouse 'main' does not exist \(did you mean "
                                           r"'MAIN'\?\)"):
            warehouses.get_warehouse(session, "main")


def test_storekeeper_writes_engineer_only_reads(site):
    with site.session() as session:
        create_user(session, "sam", roles=["storekeeper"])
        create_user(session, "ed", roles=["engineer"])
    with site.session(user=site.user("sam")) as session:
        warehouses.create_warehouse(session, "MAIN", name="Main store")
    with site.session(user=site.user("ed")) as session:
        assert warehouses.list_warehouses(session).total == 1
        with pytest.raises(PermissionDenied, match="'warehouse.write'"):
            warehouses.create_warehouse(session, "WIP", name="Workshop")


def test_cli_warehouse_commands(site):
    added = site.cli("warehouse add MAIN --name 'Main store' --address Kazan --json")
    assert added.exit_code == 0, added.stderr
    assert added.json()["warehouse"]["code"] == "MAIN"
    assert site.cli("warehouse add WIP --name Workshop").output == (
        "added warehouse WIP (id 2): Workshop\n")
    listed = site.cli("warehouse list --json").json()
    assert ([w["code"] for w in listed["warehouses"]], listed["total"]) == (["MAIN", "WIP"], 2)
    assert "Main store" in site.cli("warehouse list").output
    assert "address: Kazan" in site.cli("warehouse show MAIN").output.replace("  ", " ")
    assert site.cli("warehouse show MAIN --json").json()["warehouse"]["name"] == "Main store"
    updated = site.cli("warehouse update WIP --name 'Workshop 2' --inactive --json")
    assert updated.json()["warehouse"] == {"id": 2, "code": "WIP", "name": "Workshop 2",
                                           "address": "", "active": False}


def test_cli_warehouse_errors(site):
    site.cli("warehouse add MAIN --name 'Main store'")
    cases = [
        ("warehouse add MAIN --name Again", "error: warehouse 'MAIN' already exists"),
        ("warehouse add NEW", "error: name: must not be empty"),
        ("warehouse show NOPE", "error: warehouse 'NOPE' does not exist"),
        ("warehouse update NOPE --name X", "error: warehouse 'NOPE' does not exist"),
        ("warehouse list --offset -1", "error: offset: '-1' is out of range (allowed: from 0 to 2147483647)"),
    ]
    for args, message in cases:
        result = site.cli(args)
        assert (result.exit_code, result.stderr.strip()) == (2, message), args
    as_json = site.cli("warehouse add MAIN --name Again --json")
    assert as_json.exit_code == 2
    assert as_json.json()["error"] == {"code": "duplicate", "message": "warehouse 'MAIN' "
                                       "already exists", "field": "code"}
