"""``ordercraft stock ...``: every command, its --json output and its exit codes."""

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from ordercraft.core.models import Item, Warehouse
from ordercraft.core.stock.models import StockBalance, StockDocument, StockValuation


@pytest.fixture
def shop(site):
    with site.session() as session:
        session.add_all([Item(sku="BOLT", name="Bolt M8", valuation="fifo"),
                         Item(sku="OIL", name="Oil", valuation="average", unit="l",
                              unit_precision=3),
                         Warehouse(code="MAIN", name="Main"), Warehouse(code="SIDE", name="Side")])
    return site


def ok(site, command):
    result = site.cli(command + " --json")
    assert result.exit_code == 0, (command, result.output, result.stderr)
    return result.json()


def refused(site, command):
    result = site.cli(command + " --json")
    assert result.exit_code == 2, (command, result.output)
    body = result.json()
    assert body["ok"] is False
    return body["error"]


def test_receive_issue_and_balance(shop):
    posted = ok(shop, "stock receive --item BOLT --warehouse MAIN --qty 10 --unit-cost 9.50 "
                      "--date 2024-03-01 --ref PO-1")["document"]
    assert posted["kind"] == "receipt" and posted["ref"] == "PO-1"
    assert posted["moves"] == [{"id": posted["moves"][0]["id"], "item": "BOLT",
                                "warehouse": "MAIN", "qty": "10", "value": "95.0000",
                                "settlement": "0.0000", "unit_cost": "9.50"}]
    issued = ok(shop, "stock issue --item BOLT --warehouse MAIN --qty 4 --date 2024-03-02")
    assert issued["document"]["moves"][0]["value"] == "-38.0000"
    balances = ok(shop, "stock balance")["balances"]
    assert balances == [{"item": "BOLT", "item_name": "Bolt M8", "warehouse": "MAIN",
                         "unit": "pc", "valuation": "fifo", "qty": "6", "reserved": "0",
                         "available": "6", "value": "57.0000", "unit_cost": "9.50"}]
    one = ok(shop, "stock balance --item OIL --warehouse SIDE")["balances"]
    assert one[0]["qty"] == "0.000" and one[0]["value"] == "0.0000"
    text = shop.cli("stock balance --warehouse MAIN")
    assert text.exit_code == 0 and "BOLT" in text.output and "57.0000" in text.output


def test_refusals_exit_2_naming_item_warehouse_and_quantities(shop):
    ok(shop, "stock receive --item BOLT --warehouse MAIN --qty 3 --unit-cost 1")
    error = refused(shop, "stock issue --item BOLT --warehouse MAIN --qty 5")
    assert error["code"] == "insufficient_stock"
    assert error["message"] == ("not enough 'BOLT' in warehouse 'MAIN' to issue: requested "
                                "5 pc, available 3 pc")
    assert error["details"]["requested"] == "5" and error["details"]["available"] == "3"
    text = shop.cli("stock write-off --item BOLT --warehouse MAIN --qty 5")
    assert text.exit_code == 2
    assert "error: not enough 'BOLT' in warehouse 'MAIN' to write off" in text.stderr
    assert refused(shop, "stock receive --item BOLT --warehouse MAIN --qty 1.5 "
                         "--unit-cost 1")["field"] == "qty"
    assert refused(shop, "stock receive --item NOPE --warehouse MAIN --qty 1 "
                         "--unit-cost 1")["code"] == "not_found"
    assert refused(shop, "stock issue --item BOLT --warehouse MAIN --qty 1 "
                         "--date 2024-02-30")["field"] == "date"
    usage = shop.cli("stock receive --item BOLT --warehouse MAIN --qty 1")
    assert usage.exit_code == 2 and "--unit-cost" in (usage.stderr + usage.output)


def test_transfer_reserve_release_count_and_cancel(shop):
    ok(shop, "stock receive --item BOLT --warehouse MAIN --qty 10 --unit-cost 2 --date 2024-03-01")
    moved = ok(shop, "stock transfer --item BOLT --from MAIN --to SIDE --qty 4 "
                     "--date 2024-03-02")["document"]
    assert [(m["warehouse"], m["qty"], m["value"]) for m in moved["moves"]] == [
        ("MAIN", "-4", "-8.0000"), ("SIDE", "4", "8.0000")]
    reserved = ok(shop, "stock reserve --item BOLT --warehouse MAIN --qty 5 --for SO-7")
    assert reserved["document"]["reservations"] == [
        {"item": "BOLT", "warehouse": "MAIN", "holder": "SO-7", "qty": "5"}]
    assert refused(shop, "stock issue --item BOLT --warehouse MAIN --qty 2")["details"][
        "reserved_for_others"] == "5"
    ok(shop, "stock issue --item BOLT --warehouse MAIN --qty 2 --for SO-7")
    ok(shop, "stock release --item BOLT --warehouse MAIN --for SO-7")
    balance = ok(shop, "stock balance --item BOLT --warehouse MAIN")["balances"][0]
    assert (balance["qty"], balance["reserved"], balance["available"]) == ("4", "0", "4")
    counted = ok(shop, "stock count --item BOLT --warehouse MAIN --qty 3")["document"]
    assert counted["details"]["counted"][0]["difference"] == "-1"
    cancelled = ok(shop, f"stock cancel {moved['id']}")["document"]
    assert cancelled["kind"] == "reversal" and cancelled["reversal_of"] == moved["id"]
    assert ok(shop, "stock balance --item BOLT --warehouse SIDE")["balances"][0]["qty"] == "0"
    again = refused(shop, f"stock cancel {moved['id']}")
    assert again["code"] == "not_cancellable"
    shown = ok(shop, f"stock show {moved['id']}")["document"]
    assert shown["status"] == "cancelled" and shown["reversed_by"] == cancelled["id"]
    assert refused(shop, "stock show 999")["code"] == "not_found"


def test_moves_list_the_history_with_a_running_balance(shop):
    ok(shop, "stock receive --item OIL --warehouse MAIN --qty 2.5 --unit-cost 4 --date 2024-03-01")
    ok(shop, "stock receive --item OIL --warehouse MAIN --qty 1.5 --unit-cost 6 --date 2024-03-02")
    ok(shop, "stock issue --item OIL --warehouse MAIN --qty 1 --date 2024-03-03")
    found = ok(shop, "stock moves --item OIL")
    assert found["total"] == 3
    assert [(m["date"], m["qty"], m["value"], m["qty_after"], m["value_after"])
            for m in found["moves"]] == [
        ("2024-03-01", "2.500", "10.0000", "2.500", "10.0000"),
        ("2024-03-02", "1.500", "9.0000", "4.000", "19.0000"),
        ("2024-03-03", "-1.000", "-4.7500", "3.000", "14.2500")]
    newest = ok(shop, "stock moves --item OIL --newest-first --limit 1")
    assert newest["moves"][0]["date"] == "2024-03-03" and newest["total"] == 3
    layers = ok(shop, "stock layers --item BOLT --warehouse MAIN")
    assert layers["layers"] == []


def test_import_posts_a_file_or_nothing(shop, tmp_path):
    good = tmp_path / "moves.csv"
    good.write_text("date,op,sku,warehouse,qty,unit_cost,ref\n"
                    "2024-03-01,receive,BOLT,MAIN,10,2.50,DN-1\n"
                    "2024-03-01,receive,BOLT,MAIN,5,2.50,DN-1\n"
                    "2024-03-02,issue,BOLT,MAIN,12,,\n"
                    "2024-03-03,write_off,BOLT,MAIN,1,,\n", encoding="utf-8")
    summary = ok(shop, f"stock import {good}")
    assert (summary["rows"], summary["documents"], summary["moves"]) == (4, 3, 4)
    assert ok(shop, "stock balance --item BOLT --warehouse MAIN")["balances"][0]["qty"] == "2"
    again = refused(shop, f"stock import {good}")
    assert again["code"] == "duplicate_ref"
    assert again["message"].startswith("line 2: a receipt with ref 'DN-1' was posted already")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,op,sku,warehouse,qty,unit_cost,ref\n"
                   "2024-03-04,receive,BOLT,MAIN,10,2.50,DN-2\n"
                   "2024-03-05,issue,BOLT,MAIN,3,,\n"
                   "2024-03-06,issue,BOLT,MAIN,20,,\n", encoding="utf-8")
    error = refused(shop, f"stock import {bad}")
    assert error["message"] == ("line 4: not enough 'BOLT' in warehouse 'MAIN' to issue: "
                                "requested 20 pc, available 9 pc")
    assert error["details"]["line"] == 4
    assert ok(shop, "stock balance --item BOLT --warehouse MAIN")["balances"][0]["qty"] == "2"
    for content, message in [
            ("date,op,sku,warehouse,qty\n", "missing: unit_cost, ref"),
            ("date,op,sku,warehouse,qty,unit_cost,ref\n2024-03-04,sell,BOLT,MAIN,1,,\n",
             "line 2: op 'sell' is not one of"),
            ("date,op,sku,warehouse,qty,unit_cost,ref\n2024-03-04,receive,BOLT,MAIN,1,x,\n",
             "line 2: unit_cost: 'x' is not a number"),
            ("date,op,sku,warehouse,qty,unit_cost,ref\n2024-03-04,receive,BOLT,MAIN,1,1,A\n"
             "2024-03-05,receive,BOLT,MAIN,1,1,A\n", "line 3: ref 'A' has the date")]:
        bad.write_text(content, encoding="utf-8")
        assert message in refused(shop, f"stock import {bad}")["message"]
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text("date;op;sku;warehouse;qty;unit_cost;ref\n"
                          "2024-03-07;receive;OIL;MAIN;1,5;2,40;\n", encoding="utf-8")
    assert ok(shop, f"stock import {semicolons}")["moves"] == 1
    assert ok(shop, "stock balance --item OIL --warehouse MAIN")["balances"][0]["value"] == "3.6000"


def test_verify_finds_no_drift_then_reports_tampering(shop):
    ok(shop, "stock receive --item BOLT --warehouse MAIN --qty 10 --unit-cost 2")
    ok(shop, "stock issue --item BOLT --warehouse MAIN --qty 3")
    report = ok(shop, "stock verify")
    assert report == {"ok": True, "items": 1, "moves": 2, "drift": []}
    assert "no drift" in shop.cli("stock verify").output
    with shop.session() as session:
        session.execute(update(StockBalance).values(value=Decimal("15")))
    result = shop.cli("stock verify --json")
    assert result.exit_code == 2
    drift = result.json()["drift"]
    assert {"item": "BOLT", "warehouse": "MAIN", "check": "balance value", "stored": "15.000000",
            "expected": "14.0000", "move": None} in drift
    text = shop.cli("stock verify")
    assert text.exit_code == 2 and "BOLT in MAIN: balance value" in text.output


def test_verify_reports_valuations_astray_from_their_moves(shop):
    """Valuations are read through their moves' index: one whose move is gone, or that
    names another warehouse than its move, is still reported."""
    ok(shop, "stock receive --item BOLT --warehouse MAIN --qty 10 --unit-cost 2")
    with shop.session() as session:
        side = session.scalars(select(Warehouse.id).where(Warehouse.code == "SIDE")).one()
        valued = session.scalars(select(StockValuation)).one()
        session.add(StockValuation(
            move_id=valued.move_id + 100, item_id=valued.item_id, warehouse_id=side,
            move_date=valued.move_date, value=Decimal(1), settlement=Decimal(0),
            qty_after=Decimal(1), value_after=Decimal(1), cost_after=Decimal(1)))
        session.execute(update(StockValuation).where(StockValuation.move_id == valued.move_id)
                        .values(warehouse_id=side))
    result = shop.cli("stock verify --json")
    assert result.exit_code == 2, result.output
    checks = {(d["check"], d["warehouse"]) for d in result.json()["drift"]}
    assert ("valuation without its move", "SIDE") in checks
    assert ("valuation's item, warehouse or date differs from its move's", "SIDE") in checks


def test_the_command_group_is_listed(shop):
    result = shop.cli("stock --help")
    assert result.exit_code == 0
    for command in ("receive", "issue", "write-off", "transfer", "reserve", "release", "count",
                    "cancel", "balance", "moves", "import", "verify"):
        assert command in result.output


HEADER = "date,op,sku,warehouse,qty,unit_cost,ref\n"


def test_import_checks_in_business_date_order_not_file_order(shop, tmp_path):
    # Issue 11, item 16: the issue of 5 March is listed before the receipt of 1 March
    # that covers it; the count of 10 March before a receipt of 2 March.
    path = tmp_path / "unsorted.csv"
    path.write_text(HEADER + "2024-03-05,issue,BOLT,MAIN,4,,\n"
                    "2024-03-10,count,BOLT,MAIN,10,,CNT-1\n"
                    "2024-03-01,receive,BOLT,MAIN,10,2.00,DN-1\n"
                    "2024-03-02,receive,BOLT,MAIN,5,2.00,DN-2\n", encoding="utf-8")
    summary = ok(shop, f"stock import {path}")
    assert (summary["documents"], summary["moves"]) == (4, 4)
    assert ok(shop, "stock balance --item BOLT --warehouse MAIN")["balances"][0]["qty"] == "10"
    with shop.session() as session:
        details = session.scalar(select(StockDocument.details)
                                 .where(StockDocument.ref == "CNT-1"))
    assert details["counted"] == [{"item": "BOLT", "warehouse": "MAIN", "counted": "10",
                                   "book": "11", "difference": "-1"}]
    assert ok(shop, "stock verify")["ok"] is True


def test_import_in_date_order_still_names_the_files_line(shop, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text(HEADER + "2024-03-05,issue,BOLT,MAIN,40,,\n"
                    "2024-03-01,receive,BOLT,MAIN,10,2.00,DN-1\n", encoding="utf-8")
    error = refused(shop, f"stock import {path}")
    assert error["message"] == ("line 2: not enough 'BOLT' in warehouse 'MAIN' to issue: "
                                "requested 40 pc, available 10 pc")
    assert ok(shop, "stock balance --item BOLT --warehouse MAIN")["balances"][0]["qty"] == "0"


def test_post_many_follows_business_date_order(shop):
    from ordercraft.core.stock import api
    from ordercraft.core.stock.inputs import DocumentSpec, LineSpec

    with shop.session() as session:
        posted = api.post_many(session, [
            DocumentSpec("issue", [LineSpec("BOLT", "MAIN", "3")], "2024-03-05"),
            DocumentSpec("receipt", [LineSpec("BOLT", "MAIN", "5", "1.00")], "2024-03-01")])
    # Results come in the given order.
    assert [p.kind for p in posted] == ["issue", "receipt"]
    assert posted[0].moves[0].value == Decimal("-3.0000")


@pytest.mark.parametrize("row, message", [
    # Issue 11, item 17: a surplus cell was read as the note, holder or transfer target.
    ("2024-03-01,receive,BOLT,MAIN,10,2.00,,SIDE\n", "line 3: has 8 cells, the header names 7"),
    ("2024-03-01,receive,BOLT,MAIN,10,2.00\n", "line 3: has 6 cells, the header names 7"),
    # A decimal comma in a ','-separated file: not qty 1 at cost 5.
    ("2024-03-01,receive,BOLT,MAIN,1,5,,\n", "line 3: has 8 cells"),
    ('2024-03-01,receive,BOLT,MAIN,"1,5",2,\n', "line 3: qty: '1,5' is not a number"),
    ("2024-03-01,receive,BOLT,MAIN,1_0,2,\n", "line 3: qty: '1_0' is not a number"),
    ("2024-03-01,receive,BOLT,MAIN,\u0661\u0660,2,\n", "line 3: qty: '\u0661\u0660' is not a number"),
    ("2024-03-01,receive,BOLT,MAIN,10,2_0,\n", "line 3: unit_cost: '2_0' is not a number"),
    ("2024-03-01,receive,BOLT,MAIN,10,2,A\x00\n", "line 3: contains a NUL byte"),
])
def test_import_refuses_a_malformed_row_and_imports_nothing(shop, tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "2024-03-01,receive,BOLT,MAIN,10,2.00,DN-1\n" + row,
                    encoding="utf-8")
    error = refused(shop, f"stock import {path}")
    assert error["message"].startswith(message)
    assert error["details"]["line"] == 3
    assert ok(shop, "stock balance --item BOLT --warehouse MAIN")["balances"][0]["qty"] == "0"


def test_import_lists_every_malformed_row(shop, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "2024-03-01,receive,BOLT,MAIN,10,2.00,DN-1\n"
                    "2024-03-01,receive,BOLT,MAIN,1,5,,\n"
                    "2024-03-01,receive,BOLT,MAIN,10,2.00,DN-2\n"
                    "2024-03-01,receive,BOLT,MAIN,1_0,2,\n", encoding="utf-8")
    error = refused(shop, f"stock import {path}")
    assert "2 rows refused, nothing imported" in error["message"]
    assert "line 3: has 8 cells" in error["message"]
    assert "line 5: qty: '1_0'" in error["message"]
    assert error["details"]["lines"] == [3, 5]


def test_import_refuses_a_column_named_twice(shop, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("date,op,sku,warehouse,qty,unit_cost,ref,note,note\n"
                    "2024-03-01,receive,BOLT,MAIN,10,2.00,,a,b\n", encoding="utf-8")
    assert "line 1: the column 'note' is named twice" in refused(
        shop, f"stock import {path}")["message"]


def test_import_names_the_line_of_a_byte_that_is_not_utf8(shop, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "2024-03-01,receive,BOLT,MAIN,10,2.00,\n").encode()
                     + b"2024-03-01,receive,BOLT,MAIN,10,2.00,,caf\xe9\n")
    message = refused(shop, f"stock import {path}")["message"]
    assert "line 3: not UTF-8 text (byte 0xe9)" in message
    assert "offset" not in message


def test_import_refuses_dates_outside_the_sites_window(shop, tmp_path):
    from datetime import date, timedelta

    path = tmp_path / "typo.csv"
    far = (date.today() + timedelta(days=400)).isoformat()
    path.write_text(HEADER + "2024-03-01,receive,BOLT,MAIN,10,2.00,\n"
                    f"{far},receive,BOLT,MAIN,10,2.00,\n"
                    "1024-03-01,issue,BOLT,MAIN,1,,\n", encoding="utf-8")
    error = refused(shop, f"stock import {path}")
    assert error["details"]["lines"] == [3, 4] and error["field"] == "date"
    assert f"line 3: date '{far}' is outside" in error["message"]
    assert ok(shop, "stock balance --item BOLT --warehouse MAIN")["balances"][0]["qty"] == "0"
    assert shop.cli("settings set stock_import_future_days 500").exit_code == 0
    assert shop.cli("settings set stock_import_past_days 400000").exit_code == 0
    assert "not enough 'BOLT'" in refused(shop, f"stock import {path}")["message"]
