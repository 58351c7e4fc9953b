"""Moving in from spreadsheets: ``ordercraft item import`` and ``party import`` with CSV
and XLSX files; all or nothing; the first bad row named by number and column."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from ordercraft.core.audit import audit_entries
from ordercraft.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ordercraft.core.importing import import_items, import_parties
from ordercraft.core.services import items, parties
from ordercraft.core.services.users import create_user

ITEMS_CSV = """sku,name,kind,unit,unit_precision,valuation,price
RB-STD,Standard robot,assembly,pc,0,fifo,1500
CPU-1,Processor,component,pc,0,fifo,120.50
WIRE,"Wire, copper",component,m,2,average,0.35
"""


def write_csv(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(tmp_path, rows, name="data.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def item_skus(site):
    with site.session() as session:
        return [i.sku for i in items.list_items(session, limit=1000).items]


def party_names(site):
    with site.session() as session:
        return [p.name for p in parties.list_parties(session, limit=1000).items]


def load(site, importer, path):
    with site.session() as session:
        return importer(session, path).count


# --------------------------------------------------------------------------- happy paths


def test_items_from_csv(site, tmp_path):
    assert load(site, import_items, write_csv(tmp_path, ITEMS_CSV)) == 3
    with site.session() as session:
        wire = items.get_item(session, "WIRE")
        assert (wire.name, wire.unit, wire.unit_precision, wire.valuation, wire.price) == (
            "Wire, copper", "m", 2, "average", Decimal("0.35"))
        robot = items.get_item(session, "RB-STD")
        assert (robot.kind, robot.price) == ("assembly", Decimal("1500"))
        logged = audit_entries(session, entity="item", entity_id=str(robot.id))
        assert [(e.action, e.changes["sku"]) for e in logged] == [("create", [None, "RB-STD"])]


def test_semicolons_decimal_commas_bom_and_defaults(tmp_path, site):
    text = "SKU;Name;Price;Precision\nBOLT;Болт М6;0,15;\nSHEET;Лист;1 234,50;\n\nKG-1;Краска;;3\n"
    assert load(site, import_items, write_csv(tmp_path, text, encoding="utf-8-sig")) == 3
    with site.session() as session:
        bolt, sheet, paint = (items.get_item(session, s) for s in ("BOLT", "SHEET", "KG-1"))
        assert (bolt.name, bolt.price, bolt.kind, bolt.unit, bolt.valuation) == (
            "Болт М6", Decimal("0.15"), "good", "pc", "fifo")
        assert sheet.price == Decimal("1234.50")
        assert (paint.price, paint.unit_precision) == (Decimal("0"), 3)


def test_items_from_xlsx_with_typed_cells(site, tmp_path):
    path = write_xlsx(tmp_path, [
        ["sku", "name", "price", "unit_precision", "active"],
        [12345, "Numeric SKU", 9.5, 0, True],
        ["FLOAT", "Float price", 0.1, 2.0, False],
    ])
    assert load(site, import_items, path) == 2
    with site.session() as session:
        numeric, floaty = items.get_item(session, "12345"), items.get_item(session, "FLOAT")
        assert (numeric.price, numeric.active) == (Decimal("9.5"), True)
        assert (floaty.price, floaty.unit_precision, floaty.active) == (Decimal("0.1"), 2, False)


def test_parties_from_csv_with_tags_and_manager(site, tmp_path):
    text = ("name,kind,tags,source,tax_id,phone,email,manager\n"
            'Robo School,client,"school, edu",website,7701,+7 912 555 01 02,a@robo.school,admin\n'
            "Steel Ltd,supplier,,exhibition,7702,,,\n")
    assert load(site, import_parties, write_csv(tmp_path, text)) == 2
    with site.session() as session:
        robo = parties.get_party(session, "Robo School")
        assert (robo.tags, robo.manager.name, robo.tax_id) == (["edu", "school"], "admin", "7701")
        assert parties.get_party(session, "Steel Ltd").kind == "supplier"
        created = audit_entries(session, entity="party", entity_id=str(robo.id))[0]
        assert created.changes["tags"] == [None, ["edu", "school"]]
        assert created.changes["name"] == [None, "Robo School"]


def test_parties_from_xlsx(site, tmp_path):
    path = write_xlsx(tmp_path, [["Name", "Kind", "Tax ID"], ["Школа", "client", 7701],
                                 ["Завод", "supplier", None]])
    assert load(site, import_parties, path) == 2
    assert party_names(site) == ["Завод", "Школа"]


# --------------------------------------------------------------------------- errors


def check_refused(site, importer, path, error, message, *, row, column):
    with pytest.raises(error) as caught:
        load(site, importer, path)
    assert str(caught.value) == message
    assert caught.value.details.get("row") == row
    assert caught.value.details.get("column") == column
    return caught.value


def test_bad_value_names_row_and_column_and_nothing_is_saved(site, tmp_path):
    lines = ["sku,name,valuation"] + [f"S-{n},Item {n},fifo" for n in range(2, 17)]
    lines += ["S-17,Item 17,lifo", "S-18,Item 18,fifo"]
    path = write_csv(tmp_path, "\n".join(lines) + "\n")
    check_refused(site, import_items, path, ValidationError,
                  'row 17, column "valuation": \'lifo\' is not one of fifo, average',
                  row=17, column="valuation")
    assert item_skus(site) == []


def test_bad_cell_in_xlsx(site, tmp_path):
    path = write_xlsx(tmp_path, [["sku", "Name", "Price"], ["A", "Apple", 1],
                                 ["B", "Bolt", "cheap"]])
    check_refused(site, import_items, path, ValidationError,
                  'row 3, column "Price": \'cheap\' is not a number', row=3, column="Price")
    path = write_xlsx(tmp_path, [["name", "kind"], ["X", "client"], ["Y", None],
                                 ["Z", "partner"]], name="parties.xlsx")
    check_refused(site, import_parties, path, ValidationError,
                  'row 4, column "kind": \'partner\' is not one of client, supplier, both',
                  row=4, column="kind")
    assert item_skus(site) == [] and party_names(site) == []


def test_row_numbers_are_the_sheets_own_when_the_table_starts_lower(site, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"], sheet["D3"] = "sku", "name", "price"
    sheet["B4"], sheet["C4"], sheet["D4"] = "A", "Apple", 1
    sheet["B6"], sheet["C6"], sheet["D6"] = "B", "Bolt", "1.2.3"
    path = tmp_path / "offset.xlsx"
    workbook.save(path)
    check_refused(site, import_items, path, ValidationError,
                  'row 6, column "price": \'1.2.3\' is not a number', row=6, column="price")
    sheet["D6"] = 2
    sheet["F4"] = "note"
    workbook.save(path)
    check_refused(site, import_items, path, ValidationError,
                  "row 4: column 6 holds 'note' but the header names no field for it",
                  row=4, column=None)
    sheet["F4"] = None
    workbook.save(path)
    assert load(site, import_items, path) == 2


def test_duplicates_inside_the_file(site, tmp_path):
    path = write_csv(tmp_path, "sku,name\nA,Apple\nB,Bolt\nA,Again\n")
    error = check_refused(site, import_items, path, Conflict,
                          'row 4, column "sku": \'A\' repeats row 2', row=4, column="sku")
    assert error.code == "duplicate"
    path = write_csv(tmp_path, "name,tax_id\nRobo School,1\nOther,2\nROBO  school,3\n")
    check_refused(site, import_parties, path, Conflict,
                  'row 4, column "name": \'ROBO school\' repeats row 2', row=4, column="name")
    path = write_csv(tmp_path, "name,tax_id\nRobo School,1\nOther,1\n")
    check_refused(site, import_parties, path, Conflict,
                  'row 3, column "tax_id": \'1\' repeats row 2', row=3, column="tax_id")
    assert item_skus(site) == [] and party_names(site) == []


def test_duplicates_against_the_database(site, tmp_path):
    with site.session() as session:
        items.create_item(session, "B", name="Bolt")
        parties.create_party(session, "Robo School", tax_id="77")
    path = write_csv(tmp_path, "sku,name\nA,Apple\nB,Bolt again\nC,Cap\n")
    check_refused(site, import_items, path, Conflict,
                  'row 3, column "sku": item \'B\' already exists', row=3, column="sku")
    path = write_csv(tmp_path, "name,tax_id\nNew,\nrobo school,\n")
    check_refused(site, import_parties, path, Conflict,
                  'row 3, column "name": party \'Robo School\' already exists',
                  row=3, column="name")
    path = write_csv(tmp_path, "name,tax_id\nNew,77\n")
    check_refused(site, import_parties, path, Conflict,
                  'row 2, column "tax_id": \'77\' is already the tax id of party \'Robo School\'',
                  row=2, column="tax_id")
    assert item_skus(site) == ["B"] and party_names(site) == ["Robo School"]


def test_the_first_bad_row_wins_whatever_the_kind_of_error(site, tmp_path):
    with site.session() as session:
        items.create_item(session, "TAKEN", name="Taken")
    # Row 3 clashes with the database, row 4 has a bad value: row 3 is reported.
    path = write_csv(tmp_path, "sku,name,kind\nA,A,good\nTAKEN,T,good\nC,C,robot\n")
    check_refused(site, import_items, path, Conflict,
                  'row 3, column "sku": item \'TAKEN\' already exists', row=3, column="sku")


def test_unknown_manager_in_party_file(site, tmp_path):
    path = write_csv(tmp_path, "name,manager\nA,admin\nB,ghost\n")
    check_refused(site, import_parties, path, NotFound,
                  'row 3, column "manager": user \'ghost\' does not exist',
                  row=3, column="manager")


def test_header_problems(site, tmp_path):
    check_refused(site, import_items, write_csv(tmp_path, "sku,name,valuaton\nA,B,fifo\n"),
                  ValidationError, 'row 1, column "valuaton": not a field of an item (fields: '
                  'sku, name, kind, unit, unit_precision, valuation, price, description, '
                  'active, standard_cost, group)', row=1, column="valuaton")
    check_refused(site, import_items, write_csv(tmp_path, "sku,kind\nA,good\n"),
                  ValidationError, 'row 1: the file has no column "name" (needed: sku, name)',
                  row=1, column=None)
    check_refused(site, import_items, write_csv(tmp_path, "sku,name,sku\nA,B,C\n"),
                  ValidationError, 'row 1, column "sku": the field \'sku\' is named twice',
                  row=1, column="sku")
    check_refused(site, import_items, write_csv(tmp_path, "sku,name\nA,B,extra\n"),
                  ValidationError, "row 2: column 3 holds 'extra' but the header names no "
                  "field for it", row=2, column=None)


def test_file_problems(site, tmp_path):
    with pytest.raises(ValidationError, match="not UTF-8 text .*save it as 'CSV UTF-8'"):
        load(site, import_parties, write_csv(tmp_path, "name\nПетров\n", encoding="cp1251"))
    with pytest.raises(ValidationError, match="'.xls' files are not supported"):
        load(site, import_items, write_csv(tmp_path, "sku,name\n", name="old.xls"))
    with pytest.raises(ValidationError, match="not an XLSX workbook"):
        load(site, import_items, write_csv(tmp_path, "sku,name\n", name="fake.xlsx"))
    with pytest.raises(ValidationError, match="the file is empty: its first row must name"):
        load(site, import_items, write_csv(tmp_path, ""))
    assert load(site, import_items, write_csv(tmp_path, "sku,name\n")) == 0


def test_dates_and_times_from_xlsx_cells_read_as_typed(site, tmp_path):
    path = write_xlsx(tmp_path, [["sku", "name"], ["D-1", datetime(2024, 5, 1)]])
    assert load(site, import_items, path) == 1
    with site.session() as session:
        assert items.get_item(session, "D-1").name == "2024-05-01"


# --------------------------------------------------------------------------- CLI


def test_cli_import(site, tmp_path):
    path = write_csv(tmp_path, ITEMS_CSV)
    result = site.cli(["item", "import", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    assert result.json() == {"ok": True, "entity": "item", "imported": 3, "file": str(path)}
    parties_file = write_csv(tmp_path, "name\nRobo School\n", name="parties.csv")
    text = site.cli(["party", "import", str(parties_file)])
    assert text.output == f"imported 1 parties from {parties_file}\n"

    again = site.cli(["item", "import", str(path)])
    assert again.exit_code == 2
    assert again.stderr == 'error: row 2, column "sku": item \'RB-STD\' already exists\n'
    as_json = site.cli(["party", "import", str(parties_file), "--json"])
    assert as_json.exit_code == 2
    assert as_json.json()["error"] == {
        "code": "duplicate", "message": 'row 2, column "name": party \'Robo School\' already '
        'exists', "field": "name", "details": {"row": 2, "column": "name"}}


def test_importing_needs_the_write_permission(site, tmp_path):
    with site.session() as session:
        create_user(session, "mia", roles=["manager"])
    path = write_csv(tmp_path, ITEMS_CSV)
    with site.session(user=site.user("mia")) as session, pytest.raises(
            PermissionDenied, match="'item.write'"):
        import_items(session, path)
    with site.session(user=site.user("mia")) as session:
        assert import_parties(session, write_csv(tmp_path, "name\nA\n", name="p.csv")).count == 1
        created = audit_entries(session, entity="party")[0]
        assert created.user_name == "mia"
