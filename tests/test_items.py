"""Items: the service rules (SKU, kind, unit precision, valuation, exact price), the
quantity check the stock ledger relies on, and ``ordercraft item ...``."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ordercraft.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ordercraft.core.services import items
from ordercraft.core.services.users import create_user

CONSOLE_SCRIPT = Path(sys.executable).with_name("ordercraft")


def add(site, sku="RB-1", **values):
    values.setdefault("name", "Robot")
    with site.session() as session:
        return items.item_dict(items.create_item(session, sku, **values))


# --------------------------------------------------------------------------- service


def test_create_fills_defaults_and_keeps_price_exact(site):
    created = add(site, "PCB-7", name="Mainboard", kind="component", price="12.345678")
    assert created["kind"] == "component"
    assert (created["unit"], created["unit_precision"], created["valuation"]) == ("pc", 0, "fifo")
    with site.session() as session:
        item = items.get_item(session, "PCB-7")
        assert item.price == Decimal("12.345678")
        assert items.item_dict(item)["price"] == "12.345678"


def test_price_is_shown_with_cents_and_without_column_zeros(site):
    add(site, "A", price="9.5")
    add(site, "B", price="10")
    with site.session() as session:
        assert [items.item_dict(i)["price"] for i in items.list_items(session).items] == [
            "9.50", "10.00"]


BAD_VALUES = [
    ({"kind": "robot"}, "kind: 'robot' is not one of good, component, assembly, service"),
    ({"valuation": "lifo"}, "valuation: 'lifo' is not one of fifo, average"),
    ({"unit_precision": "7"}, "unit_precision: '7' is out of range (allowed: from 0 to 6)"),
    ({"unit_precision": "two"}, "unit_precision: 'two' is not a whole number"),
    ({"price": "abc"}, "price: 'abc' is not a number"),
    ({"price": "-1"}, "price: '-1' must be at least 0"),
    ({"price": "0.0000001"}, "price: '0.0000001' has more than 6 decimal places"),
    ({"price": 0.1}, "price: floats are not accepted"),
    ({"name": "  "}, "name: must not be empty"),
    ({"unit": "sq m"}, "unit: 'sq m' must not contain spaces"),
]


def test_bad_values_are_refused_naming_field_and_value(site):
    for values, message in BAD_VALUES:
        with pytest.raises(ValidationError) as caught:
            add(site, **values)
        assert str(caught.value).startswith(message), values
        assert caught.value.field == message.split(":")[0]
    with site.session() as session:
        assert items.list_items(session).total == 0


def test_sku_is_unique_and_has_no_spaces(site):
    add(site, "RB-1")
    with pytest.raises(Conflict, match="item 'RB-1' already exists") as caught:
        add(site, "RB-1", name="Another")
    assert caught.value.code == "duplicate"
    with pytest.raises(ValidationError, match="sku: 'RB 1' must not contain spaces"):
        add(site, "RB 1")


def test_unknown_sku_suggests_the_other_case(site):
    add(site, "RB-1")
    with site.session() as session, pytest.raises(NotFound) as caught:
        items.get_item(session, "rb-1")
    assert str(caught.value) == "item 'rb-1' does not exist (did you mean 'RB-1'?)"
    assert caught.value.code == "not_found"


def test_update_changes_only_given_fields_and_renames(site):
    add(site, "RB-1", price="5")
    with site.session() as session:
        item = items.update_item(session, "RB-1", sku="RB-100", price="7.25", kind=None)
        assert (item.sku, item.price, item.kind) == ("RB-100", Decimal("7.25"), "good")
    add(site, "RB-2")
    with site.session() as session, pytest.raises(Conflict, match="item 'RB-2' already exists"):
        items.update_item(session, "RB-100", sku="RB-2")
    with site.session() as session, pytest.raises(ValidationError, match="not a field of an item"):
        items.update_item(session, "RB-100", colour="red")


def test_list_filters_searches_and_pages(site):
    add(site, "DOOR-1", name="Дверь стальная", kind="assembly")
    add(site, "DOOR-2", name="Дверь деревянная", kind="assembly", valuation="average")
    add(site, "HINGE", name="Петля", kind="component")
    with site.session() as session:
        def skus(**filters):
            return [i.sku for i in items.list_items(session, **filters).items]

        assert skus(search="ДВЕРЬ") == ["DOOR-1", "DOOR-2"]  # beyond ASCII on SQLite too
        assert skus(search="дверь сталь") == ["DOOR-1"]
        assert skus(search="door-%") == []  # LIKE wildcards are plain characters
        assert skus(kind="component") == ["HINGE"]
        assert skus(valuation="average") == ["DOOR-2"]
        page = items.list_items(session, limit=2, offset=1)
        assert ([i.sku for i in page.items], page.total, page.limit, page.offset) == (
            ["DOOR-2", "HINGE"], 3, 2, 1)
        with pytest.raises(ValidationError, match="limit: '0' is out of range"):
            items.list_items(session, limit="0")


def test_check_quantity_refuses_more_decimals_than_the_unit(site):
    add(site, "BOLT")
    add(site, "WIRE", unit="m", unit_precision=2)
    with site.session() as session:
        bolt, wire = items.get_item(session, "BOLT"), items.get_item(session, "WIRE")
        assert items.check_quantity(bolt, "3.000") == Decimal("3")
        assert items.check_quantity(wire, "1.25") == Decimal("1.25")
        with pytest.raises(ValidationError) as caught:
            items.check_quantity(bolt, "1.5")
        assert str(caught.value) == ("qty: '1.5' pc of item 'BOLT' is not possible: its unit "
                                     "allows whole numbers")
        assert caught.value.code == "bad_precision"
        with pytest.raises(ValidationError, match="'1.255' m of item 'WIRE'.*2 decimal places"):
            items.check_quantity(wire, "1.255", field="quantity")
        with pytest.raises(ValidationError, match="qty: 'x' is not a number"):
            items.check_quantity(wire, "x")


def test_permissions_are_checked_by_the_service(site):
    with site.session() as session:
        create_user(session, "sam", roles=["storekeeper"])
        create_user(session, "mia", roles=["manager"])
    with site.session(user=site.user("sam")) as session:
        items.create_item(session, "BOLT", name="Bolt")
    with site.session(user=site.user("mia")) as session:
        assert items.get_item(session, "BOLT").name == "Bolt"
        with pytest.raises(PermissionDenied, match="'item.write'"):
            items.create_item(session, "NUT", name="Nut")


# --------------------------------------------------------------------------- CLI


def test_cli_add_show_list_update(site):
    result = site.cli("item add RB-1 --name 'Standard robot' --kind assembly --price 1500 --json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["ok"] is True
    assert result.json()["item"]["price"] == "1500.00"
    text = site.cli("item add WIRE --name Wire --unit m --precision 2 --valuation average")
    assert text.exit_code == 0
    assert text.output.startswith("added item WIRE (id ")

    shown = site.cli("item show RB-1 --json").json()["item"]
    assert (shown["name"], shown["kind"]) == ("Standard robot", "assembly")
    assert "unit precision: 2" in site.cli("item show WIRE").output

    listed = site.cli("item list --valuation average --json").json()
    assert [i["sku"] for i in listed["items"]] == ["WIRE"]
    assert listed["total"] == 1
    assert "Standard robot" in site.cli("item list").output
    paged = site.cli("item list --limit 1")
    assert "1-1 of 2 (next: --offset 1)" in paged.output

    updated = site.cli("item update RB-1 --price 1499.99 --inactive --json").json()["item"]
    assert (updated["price"], updated["active"]) == ("1499.99", False)
    assert [i["sku"] for i in site.cli("item list --active --json").json()["items"]] == ["WIRE"]


CLI_ERRORS = [
    ("item add RB-1 --name Again", "error: item 'RB-1' already exists"),
    ("item add RB-2", "error: name: must not be empty"),
    ("item add RB-2 --name X --valuation lifo", "error: valuation: 'lifo' is not one of fifo, "
                                                "average"),
    ("item add RB-2 --name X --kind robot", "error: kind: 'robot' is not one of good, "
                                            "component, assembly, service"),
    ("item add RB-2 --name X --price 9,5", "error: price: '9,5' is not a number"),
    ("item add RB-2 --name X --precision 1.5", "error: unit_precision: '1.5' is not a whole "
                                               "number"),
    ("item show NOPE", "error: item 'NOPE' does not exist"),
    ("item update NOPE --name X", "error: item 'NOPE' does not exist"),
    ("item list --limit lots", "error: limit: 'lots' is not a whole number"),
    ("item import missing.csv", "error: file 'missing.csv': no such file"),
]


def test_cli_errors_exit_2_with_the_message(site):
    assert site.cli("item add RB-1 --name Robot").exit_code == 0
    for args, message in CLI_ERRORS:
        result = site.cli(args)
        assert (result.exit_code, result.stderr.strip()) == (2, message), args
        assert "Traceback" not in result.stderr + result.output


def test_cli_error_as_json(site):
    site.cli("item add RB-1 --name Robot")
    result = site.cli("item add RB-1 --name Robot --json")
    assert result.exit_code == 2
    assert result.json() == {"ok": False, "error": {
        "code": "duplicate", "message": "item 'RB-1' already exists", "field": "sku"}}


def test_console_script_exit_codes(site, tmp_path):
    """The installed ``ordercraft`` script, not the test kit: exit codes and messages."""

    def run(url, *args):
        return subprocess.run([str(CONSOLE_SCRIPT), "--db", url, *args], capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)

    missing = run(f"sqlite:///{tmp_path / 'none.db'}", "item", "add", "RB-1", "--name", "Robot")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: no Ordercraft site at sqlite:///")
    url = site.platform.database_url
    added = run(url, "item", "add", "RB-1", "--name", "Robot", "--price", "9.50", "--json")
    assert added.returncode == 0, added.stderr
    assert '"price": "9.50"' in added.stdout
    duplicate = run(url, "item", "add", "RB-1", "--name", "Robot")
    assert (duplicate.returncode, duplicate.stderr) == (2, "error: item 'RB-1' already exists\n")
    bad = run(url, "item", "add", "RB-2", "--name", "X", "--price", "cheap", "--json")
    assert bad.returncode == 2
    assert '"message": "price: \'cheap\' is not a number"' in bad.stdout
    assert "Traceback" not in missing.stderr + duplicate.stderr + bad.stderr
