"""Bills of materials: versions, units, scrap, cycles refused with their path, explosion,
where-used, CSV/XLSX import (all or nothing, every bad row listed), planned cost with
hand-worked figures, and the ``structure`` service other plugins use."""

from datetime import date
from decimal import Decimal

import pytest

import production_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def test_bom_add_converts_units_and_shows_the_explosion(site):
    body = kit.cli_json(site, 'bom show NODE --json')["bom"]
    cable = body["lines"][3]
    assert (cable["component"], cable["qty"], cable["unit"], cable["base_qty"],
            cable["base_unit"]) == ("CABLE", "50", "cm", "0.5", "m")
    rows = kit.cli_json(site, "bom show ROBOT --explode --qty 10 --json")["explosion"]["lines"]
    # 10 robots: 2 nodes each; a node takes 4 screws + 5% scrap = 4.2, and 0.5 m of cable.
    assert [(r["level"], r["item"], r["qty"], r["unit"]) for r in rows] == [
        (1, "NODE", "20", "pc"), (2, "CPU", "20", "pc"), (2, "MB", "20", "pc"),
        (2, "SCREW", "84", "pc"), (2, "CABLE", "10", "m"), (1, "SCREW", "120", "pc")]


def test_cycles_are_refused_with_the_path(site):
    result = kit.cli_json(site, 'bom add CPU --line "ROBOT 1"', code=2)
    assert "CPU -> ROBOT -> NODE -> CPU" in result.stderr + result.output
    result = kit.cli_json(site, 'bom add NODE --line "NODE 1" --json', code=2)
    assert "NODE -> NODE" in result.output


@pytest.mark.parametrize("args, field, words", [
    ('bom add NODE --line "CPU 1" --output-qty 0', "output_qty", "'0' must be more than zero"),
    ('bom add NODE --line "CABLE 3 kg"', "unit", "'kg' cannot be converted to 'm'"),
    ('bom add NODE --line "GHOST 1"', "component", "item 'GHOST' does not exist"),
    ('bom add NODE --byproduct "SCREW 1 share=5"', "lines", "only by-products"),
])
def test_bad_boms_name_the_field_and_value(site, args, field, words):
    result = kit.cli_json(site, args + " --json", code=2)
    error = result.json()["error"]
    assert error["field"].endswith(field) and words in error["message"]
    assert kit.cli_json(site, "bom show NODE --json")["bom"]["version"] == "1"


def test_versions_by_date_and_where_used(site):
    kit.cli_json(site, 'bom add NODE --line "CPU 1" --line "MB 2" --version 2 '
                       '--valid-from 2030-01-01 --json')
    assert len(kit.cli_json(site, "bom show NODE --json")["bom"]["lines"]) == 4
    later = kit.cli_json(site, "bom show NODE --date 2030-02-01 --json")["bom"]
    assert (later["version"], [line["qty"] for line in later["lines"]]) == ("2", ["1", "2"])
    used = kit.cli_json(site, "bom where-used SCREW --json")["used_in"]
    assert [(row["item"], row["qty"]) for row in used] == [("NODE", "4"), ("ROBOT", "12")]


def test_a_bom_for_twelve_units(site):
    # A sheet of 12 kits: 1 m of cable for the 12; per kit 1/12 m, exact until shown.
    kit.cli_json(site, 'bom add ROBOT --line "CABLE 1" --output-qty 12 --version 2 --json')
    rows = kit.cli_json(site, "bom show ROBOT --explode --qty 24 --json")["explosion"]["lines"]
    assert [(r["item"], r["qty"]) for r in rows] == [("CABLE", "2")]
    rows = kit.cli_json(site, "bom show ROBOT --explode --qty 1 --json")["explosion"]["lines"]
    assert rows[0]["qty"] == "0.083333"


def test_import_all_or_nothing_lists_every_bad_row(site, tmp_path):
    good = tmp_path / "boms.csv"
    good.write_text("product,output_qty,component,qty,unit,scrap_pct,kind,cost_share\n"
                    "KIT,1,CPU,2,,,,\n"
                    "KIT,1,CABLE,150,cm,10,,\n"
                    "KIT,1,SCREW,3,,,byproduct,5\n", encoding="utf-8")
    kit_item = site.cli("item add KIT --name Kit --kind assembly")
    assert kit_item.exit_code == 0
    written = kit.cli_json(site, f"bom import {good} --json")["boms"]
    assert [(line["component"], line["base_qty"], line["kind"]) for line in written[0]["lines"]] \
        == [("CPU", "2", "component"), ("CABLE", "1.5", "component"),
            ("SCREW", "3", "byproduct")]
    bad = tmp_path / "bad.csv"
    bad.write_text("product,output_qty,component,qty,unit\n"
                   "ROBOT,1,CPU,0,\n"
                   "NODE,1,CPU,1,\n"
                   "CABLE,1,MB,1,kg\n"
                   "MB,1,ROBOT,1,\n", encoding="utf-8")
    result = kit.cli_json(site, f"bom import {bad} --json", code=2)
    errors = result.json()["error"]["details"]["errors"]
    assert [e.split(",")[0] for e in errors] == ["row 2", "row 4", "row 5"]
    assert "qty: '0' must be more than zero" in errors[0]
    assert "MB -> ROBOT -> NODE -> MB" in errors[2]
    # nothing written: NODE still has its four lines, ROBOT its two
    assert len(kit.cli_json(site, "bom show NODE --json")["bom"]["lines"]) == 4
    assert len(kit.cli_json(site, "bom show ROBOT --json")["bom"]["lines"]) == 2


def test_export_reads_back(site, tmp_path):
    for suffix in ("csv", "xlsx"):
        path = tmp_path / f"out.{suffix}"
        assert kit.cli_json(site, f"bom export NODE ROBOT -o {path} --json")["rows"] == 6
        written = kit.cli_json(site, f"bom import {path} --json")["boms"]
        assert [len(b["lines"]) for b in written] == [4, 2]


def test_cost_single_and_rolled_by_hand(site):
    # NODE, one level: CPU 62.00 + MB 71.00 + 4.2 screws x 0.10 + 0.5 m x 2.00 = 134.42;
    # the map: (30 min setup + 1 x 15 min) / 60 = 0.75 h x 30.00 = 22.50. Total 156.92.
    cost = kit.cli_json(site, "bom cost NODE --json")["cost"]
    assert [(m["item"], m["qty"], m["unit_cost"], m["amount"]) for m in cost["materials"]] == [
        ("CPU", "1", "62.00", "62.00"), ("MB", "1", "71.00", "71.00"),
        ("SCREW", "4.2", "0.10", "0.42"), ("CABLE", "0.5", "2.00", "1.00")]
    assert [(o["hours"], o["amount"]) for o in cost["operations"]] == [("0.75", "22.50")]
    assert (cost["total"], cost["per_unit"]) == ("156.92", "156.92")
    # ROBOT x 2, single: NODE at its standard 140.00 x 4 + 24 screws x 0.10 = 562.40.
    single = kit.cli_json(site, "bom cost ROBOT --method single --qty 2 --json")["cost"]
    assert (single["total"], single["per_unit"]) == ("562.40", "281.20")
    # rolled: 4 nodes = 4 x 134.42 + (30 + 4 x 15) / 60 h = 1.5 h x 30.00 = 582.68; + 2.40.
    rolled = kit.cli_json(site, "bom cost ROBOT --method rolled --qty 2 --json")["cost"]
    assert [(m["item"], m["source"], m["amount"]) for m in rolled["materials"]] == [
        ("NODE", "rolled", "582.68"), ("SCREW", "standard", "2.40")]
    assert (rolled["total"], rolled["per_unit"]) == ("585.08", "292.54")
    assert set(rolled) == {"item", "method", "basis", "qty", "materials", "operations",
                           "byproducts", "total", "per_unit"}


def test_cost_on_the_ledger_basis(site):
    # CPU in stock: 5 x 60.00 + 10 x 62.00 = 920.00 / 15 = 61.333333 (a unit cost, 6 places).
    cost = kit.cli_json(site, "bom cost NODE --basis ledger --json")["cost"]
    assert cost["materials"][0]["unit_cost"] == "61.333333"
    assert cost["total"] == "156.253333"


def test_byproducts_take_their_share(site):
    kit.cli_json(site, 'bom add ROBOT --line "CPU 1" --byproduct "SCREW 2 share=10" '
                       '--version 2 --json')
    cost = kit.cli_json(site, "bom cost ROBOT --json")["cost"]
    assert cost["byproducts"] == [{"item": "SCREW", "name": "Screw M3", "qty": "2", "unit": "pc",
                                   "cost_share": "10", "amount": "6.20"}]
    assert cost["total"] == "55.80"


def test_structure_service(site):
    from ordercraft.sdk.plugins import plugin_service

    with site.session() as session:
        service = plugin_service(session, "production", "structure")
        node_id = kit_item_id(session, "NODE")
        lines = service.bom_lines(session, node_id)
        assert [(line.component, line.qty, line.kind, line.phantom) for line in lines] == [
            ("CPU", Decimal("1"), "component", False), ("MB", Decimal("1"), "component", False),
            ("SCREW", Decimal("4.2"), "component", False),
            ("CABLE", Decimal("0.5"), "component", False)]
        assert service.has_bom(session, node_id)
        assert not service.has_bom(session, kit_item_id(session, "CPU"))
        assert service.bom_lines(session, node_id, date(1999, 1, 1)) == []
        number = service.create_order(session, node_id, 3, date(2024, 5, 1))
        [open_order] = service.open_orders(session)
        assert (open_order.number, open_order.item, open_order.qty, open_order.due_date) == (
            number, "NODE", Decimal(3), date(2024, 5, 1))
        assert [(r.item, r.qty) for r in open_order.components][:3] == [
            ("CPU", Decimal(3)), ("MB", Decimal(3)), ("SCREW", Decimal(13))]


def kit_item_id(session, sku):
    from ordercraft.sdk.items import get_item

    return get_item(session, sku).id


def test_api_boms_and_openapi(site):
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    got = client.get("/api/v1/boms/NODE", headers=headers)
    assert got.status_code == 200 and got.json["lines"][0]["component"] == "CPU"
    cost = client.get("/api/v1/boms/ROBOT/cost?method=rolled&qty=2", headers=headers)
    assert cost.json["total"] == "585.08"
    bad = client.post("/api/v1/boms", headers=headers,
                      json={"item": "CPU", "lines": [{"component": "ROBOT", "qty": "1"}]})
    assert bad.status_code == 400 and "CPU -> ROBOT" in bad.json["error"]["message"]
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/boms", "/api/v1/boms/{sku}/cost", "/api/v1/production-orders",
            "/api/v1/production-orders/{document_id}/transitions/{name}"} <= set(paths)


def test_cached_trees_follow_every_change_of_a_bom(site):
    """A product's tree is read from the process's cache until a BOM is written: by
    ``add_bom`` (the CLI here), or by a statement whose writer renews the stamp with
    ``touch_structure``, as the cache's contract asks."""
    from sqlalchemy import update

    from ordercraft.plugins.production.boms import explosion
    from ordercraft.plugins.production.models import BomLine
    from ordercraft.plugins.production.structure import TREES, touch_structure

    def tree():
        with site.session() as session:
            return [(row["level"], row["item"], row["qty"]) for row in
                    explosion(session, "ROBOT", 1)]

    before = tree()
    assert tree() == before  # the second read comes from the cache
    kit.cli_json(site, 'bom add NODE --line "CPU 1" --line "MB 3" --version 1 --json')
    assert tree()[:3] == [(1, "NODE", "2"), (2, "CPU", "2"), (2, "MB", "6")]
    with site.session() as session:  # a statement, not add_bom
        session.execute(update(BomLine).where(BomLine.qty == 3).values(qty=5, base_qty=5))
        touch_structure(session)
    assert tree()[2] == (2, "MB", "10")
    with site.session() as session:
        session.execute(update(BomLine).where(BomLine.qty == 5).values(qty=7, base_qty=7))
        touch_structure(session)
        assert [row["qty"] for row in explosion(session, "ROBOT", 1)][2] == "14"
        session.rollback()
    assert tree()[2] == (2, "MB", "10")  # what was rolled back is not cached
    TREES.clear()
    assert tree()[2] == (2, "MB", "10")
