"""Issue 11, item 1: a long ``stock import`` writes in batches, each a short transaction
committed with the import's record, so other writers wait for one batch, never for the
whole file. Everything that can be checked before posting is checked over the whole file
first (a refusal imports nothing); what only the ledger tells (availability) stops the
import at the refused batch, which posts nothing: the record says how far it got, and
``--resume`` posts the rest once the cause is fixed."""

from __future__ import annotations

import pytest

from ordercraft.core.models import Item, Warehouse
from test_stock_cli import ok, refused

HEADER = "date,op,sku,warehouse,qty,unit_cost,ref\n"


@pytest.fixture
def shop(site):
    with site.session() as session:
        session.add_all([Item(sku="BOLT", name="Bolt M8", valuation="fifo"),
                         Item(sku="OIL", name="Oil", valuation="average"),
                         Warehouse(code="MAIN", name="Main")])
    return site


def qty(site, sku):
    return ok(site, f"stock balance --item {sku} --warehouse MAIN")["balances"][0]["qty"]


def test_a_long_import_posts_in_batches_and_records_its_progress(shop, tmp_path):
    path = tmp_path / "long.csv"
    # Listed out of date order: the batches follow business dates (file order within one).
    rows = [f"2024-03-{2 + n % 20:02d},receive,BOLT,MAIN,1,2.50,\n" for n in range(60)]
    rows.insert(0, "2024-03-22,issue,BOLT,MAIN,60,,\n")
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    result = shop.cli(f"stock import {path} --batch-rows 25 --json")
    assert result.exit_code == 0, result.output
    body = result.json()
    assert (body["rows"], body["moves"]) == (61, 61)
    record = body["import"]
    assert (record["state"], record["rows_done"], record["rows"], record["batches_done"]) == (
        "done", 61, 61, 3)
    assert "posted" not in result.stderr  # quiet with --json: the record has the progress
    shown = shop.cli("stock imports")
    assert shown.exit_code == 0 and "61" in shown.output
    assert qty(shop, "BOLT") == "0"
    listed = ok(shop, "stock imports")["imports"]
    assert listed[0]["id"] == record["id"] and listed[0]["state"] == "done"
    assert shop.cli("stock verify --json").exit_code == 0


def test_a_file_refused_by_its_checks_imports_nothing_whatever_its_length(shop, tmp_path):
    path = tmp_path / "bad.csv"
    rows = [f"2024-03-01,receive,BOLT,MAIN,1,2.50,R{n}\n" for n in range(40)]
    rows.append("2024-03-02,receive,NOPE,MAIN,1,2.50,\n")
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    error = refused(shop, f"stock import {path} --batch-rows 10")
    assert error["message"].startswith("line 42: ") and "NOPE" in error["message"]
    assert qty(shop, "OIL") == "0" and ok(shop, "stock balance --item BOLT")["total"] == 0
    assert ok(shop, "stock imports")["imports"] == []


def test_short_stock_stops_the_import_at_its_batch_and_resume_posts_the_rest(shop, tmp_path):
    path = tmp_path / "short.csv"
    rows = [f"2024-03-01,receive,BOLT,MAIN,1,2.00,R{n}\n" for n in range(20)]
    rows += [f"2024-03-02,issue,BOLT,MAIN,1,,I{n}\n" for n in range(30)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    error = refused(shop, f"stock import {path} --batch-rows 10")
    assert error["code"] == "insufficient_stock"
    import_id = error["details"]["import_id"]
    assert error["details"]["rows_done"] == 40 and error["details"]["line"] == 42
    assert f"--resume {import_id}" in error["message"]
    assert "40 of 50 rows were posted before it" in error["message"]
    assert qty(shop, "BOLT") == "0"  # whole batches: 20 received, 20 issued
    record = ok(shop, "stock imports")["imports"][0]
    assert (record["state"], record["rows_done"], record["documents_done"]) == (
        "failed", 40, 40)
    assert "not enough 'BOLT'" in record["error"]
    assert shop.cli("stock verify --json").exit_code == 0
    # Another file is not this import.
    other = tmp_path / "other.csv"
    other.write_text(HEADER + "2024-03-01,receive,BOLT,MAIN,1,2.00,\n", encoding="utf-8")
    assert "posted another file" in refused(
        shop, f"stock import {other} --resume {import_id}")["message"]
    # The cause fixed (the missing receipt posted), the rest posts.
    ok(shop, "stock receive --item BOLT --warehouse MAIN --qty 10 --unit-cost 2 "
             "--date 2024-03-01")
    resumed = ok(shop, f"stock import {path} --resume {import_id} --batch-rows 10")
    assert resumed["import"]["state"] == "done" and resumed["import"]["rows_done"] == 50
    assert resumed["rows"] == 50 and resumed["documents"] == 10
    assert qty(shop, "BOLT") == "0"
    assert "is done already" in refused(
        shop, f"stock import {path} --resume {import_id}")["message"]
    assert shop.cli("stock verify --json").exit_code == 0


def test_single_transaction_keeps_a_long_file_all_or_none(shop, tmp_path):
    path = tmp_path / "short.csv"
    rows = ["2024-03-01,receive,BOLT,MAIN,1,2.00,\n"] * 20
    rows += ["2024-03-02,issue,BOLT,MAIN,1,,\n"] * 30
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    error = refused(shop, f"stock import {path} --single-transaction")
    assert error["code"] == "insufficient_stock"
    assert ok(shop, "stock balance --item BOLT")["total"] == 0


def test_a_backdated_import_posts_in_one_batch(shop, tmp_path, monkeypatch):
    """Dated before moves already posted of its items, each batch would re-value those
    later moves again: such a file posts in one batch; an appending one in several."""
    from ordercraft.core.stock import imports

    monkeypatch.setattr(imports, "FIRST_BATCH_LINES", 10)
    monkeypatch.setattr(imports, "MIN_BATCH_LINES", 10)
    monkeypatch.setattr(imports, "MAX_BATCH_LINES", 10)
    path = tmp_path / "march.csv"
    path.write_text(HEADER + "".join(f"2024-03-{2 + n % 20:02d},receive,BOLT,MAIN,1,2.50,\n"
                                     for n in range(40)), encoding="utf-8")
    told: list[str] = []
    done = imports.import_in_batches(shop.platform, path, progress=told.append)
    assert done.record["batches_done"] == 4 and "in batches" in told[0]
    ok(shop, "stock receive --item OIL --warehouse MAIN --qty 1 --unit-cost 3 "
             "--date 2024-03-25")
    oil = tmp_path / "oil.csv"
    oil.write_text(HEADER + "".join(f"2024-03-{2 + n % 20:02d},receive,OIL,MAIN,1,2.50,\n"
                                    for n in range(40)), encoding="utf-8")
    told.clear()
    done = imports.import_in_batches(shop.platform, oil, progress=told.append)
    assert done.record["batches_done"] == 1 and "in one batch (backdated)" in told[0]
    assert qty(shop, "OIL") == "41"
    assert shop.cli("stock verify --json").exit_code == 0


def test_an_import_resumed_twice_at_once_posts_its_rows_once(shop, tmp_path, monkeypatch):
    """Each batch advances the record only from where this process left it: a second
    process that resumed the same import meanwhile has its batch rolled back."""
    from sqlalchemy import update

    from ordercraft.core.errors import Conflict
    from ordercraft.core.stock import imports
    from ordercraft.core.stock.models import StockImport

    path = tmp_path / "short.csv"
    path.write_text(HEADER + "2024-03-01,receive,BOLT,MAIN,5,2.00,\n" + "".join(
        f"2024-03-02,issue,BOLT,MAIN,1,,I{n}\n" for n in range(10)), encoding="utf-8")
    import_id = refused(shop, f"stock import {path} --batch-rows 2")["details"]["import_id"]
    ok(shop, "stock receive --item BOLT --warehouse MAIN --qty 5 --unit-cost 2 "
             "--date 2024-03-01")
    checked = imports._checked_in_date_order

    def then_another_process_posts(*args):
        found = checked(*args)
        with shop.platform.session() as session:
            session.execute(update(StockImport).where(StockImport.id == import_id).values(
                documents_done=StockImport.documents_done + 1))
        return found

    monkeypatch.setattr(imports, "_checked_in_date_order", then_another_process_posts)
    before = qty(shop, "BOLT")
    try:
        imports.import_in_batches(shop.platform, path, resume=import_id, batch_lines=2)
    except Conflict as exc:
        assert "being posted by another process" in exc.message
    else:
        raise AssertionError("the second resume posted")
    assert qty(shop, "BOLT") == before
