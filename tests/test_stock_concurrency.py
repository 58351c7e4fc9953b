"""Several real processes posting at the same moment, on SQLite and on PostgreSQL.

The workers (tests/stock_worker.py) open the test site's database themselves and start
together on a signal. On PostgreSQL the balance rows are locked ``FOR UPDATE`` in
(item, warehouse) order; on SQLite a writing transaction holds the database from its
``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from ordercraft.core.models import Item, Warehouse
from ordercraft.sdk import stock

WORKER = Path(__file__).parent / "stock_worker.py"


def run_workers(url: str, jobs: list[dict], tmp_path: Path) -> list[dict]:
    go = tmp_path / f"go-{time.monotonic_ns()}"
    processes = [subprocess.Popen([sys.executable, str(WORKER), url, str(go), json.dumps(job)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for job in jobs]
    # Every worker imports and connects first, however long a busy machine takes.
    deadline = time.monotonic() + 120
    while (len(list(tmp_path.glob(f"{go.name}.ready-*"))) < len(processes)
           and all(process.poll() is None for process in processes)):  # else: its error below
        assert time.monotonic() < deadline, "the workers did not connect within 120 s"
        time.sleep(0.01)
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.fixture
def shop(site):
    with site.session() as session:
        session.add_all([Warehouse(code="W1", name="One"), Warehouse(code="W2", name="Two")])
        session.add_all([Item(sku=f"I{n}", name=f"Item {n}", valuation="fifo" if n % 2 else
                              "average") for n in range(10)])
    return site


def test_two_processes_issuing_the_last_units_exactly_one_succeeds(shop, tmp_path):
    with shop.session() as session:
        stock.receive(session, "I1", "W1", 5, "2.00")
    # Whoever locks first keeps its transaction open for half a second: the other one
    # must wait for it, then find nothing left.
    job = {"issue": ["I1", "W1", "5"], "hold": 0.5}
    results = run_workers(shop.platform.database_url, [job, job], tmp_path)
    assert sorted(r["ok"] for r in results) == [False, True], results
    refused = next(r for r in results if not r["ok"])
    assert refused["code"] == "insufficient_stock", refused
    assert "requested 5 pc, available 0 pc" in refused["message"]
    with shop.session() as session:
        assert stock.balance(session, "I1", "W1").qty == 0
        assert stock.verify(session).ok


def test_four_processes_share_the_last_units_without_overselling(shop, tmp_path):
    with shop.session() as session:
        stock.receive(session, "I3", "W2", 5, "1.10")
    jobs = [{"issue": ["I3", "W2", "2"]} for _ in range(4)]
    results = run_workers(shop.platform.database_url, jobs, tmp_path)
    assert sum(r["ok"] for r in results) == 2, results
    with shop.session() as session:
        assert stock.balance(session, "I3", "W2").qty == 1
        assert stock.verify(session).ok


def test_processes_bulk_posting_many_items_in_different_orders_do_not_deadlock(shop, tmp_path):
    items = [f"I{n}" for n in range(10)]
    with shop.session() as session:
        stock.post(session, "receipt", [
            {"item": sku, "warehouse": w, "qty": 1000, "unit_cost": "3.25"}
            for sku in items for w in ("W1", "W2")])
    rng = random.Random(7)
    expected: dict[tuple[str, str], int] = defaultdict(lambda: 1000)
    jobs = []
    for _worker in range(4):
        batches = []
        for _batch in range(4):
            documents = []
            for _document in range(6):
                order = items[:]
                rng.shuffle(order)        # every document locks its items in another order
                kind = rng.choice(["transfer", "transfer", "issue", "receipt"])
                lines = []
                for sku in order:
                    source, target = rng.sample(["W1", "W2"], 2)
                    qty = rng.randint(1, 5)
                    line = {"item": sku, "warehouse": source, "qty": str(qty)}
                    if kind == "transfer":
                        line["to_warehouse"] = target
                        expected[(sku, target)] += qty
                    if kind == "receipt":
                        line["unit_cost"] = "4.00"
                        expected[(sku, source)] += qty
                    else:
                        expected[(sku, source)] -= qty
                    lines.append(line)
                documents.append({"kind": kind, "lines": lines})
            batches.append(documents)
        jobs.append({"batches": batches})
    results = run_workers(shop.platform.database_url, jobs, tmp_path)
    assert all(r["ok"] for r in results), results
    assert sum(r["documents"] for r in results) == 4 * 4 * 6
    with shop.session() as session:
        for sku in items:
            for warehouse in ("W1", "W2"):
                assert stock.balance(session, sku, warehouse).qty == Decimal(
                    expected[(sku, warehouse)]), (sku, warehouse)
        report = stock.verify(session)
        assert report.ok, [str(d) for d in report.drift]


def _together(shop, *postings) -> list[BaseException]:
    """Run each posting in its own thread and transaction, all released at once by a
    barrier; return what they raised (a refusal is a result, an internal error is not)."""
    barrier = threading.Barrier(len(postings))
    errors: list[BaseException] = []

    def run(posting) -> None:
        try:
            with shop.session() as session:
                session.connection()   # connected (and in a transaction) before the start
                barrier.wait(timeout=60)
                posting(session)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(posting,)) for posting in postings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.skipif(not os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="on SQLite the write lock serialises postings")
def test_first_postings_of_a_new_item_take_the_same_locks_as_later_ones(shop):
    # Both postings of a brand-new item create its balance rows, then lock them, then
    # take ids: the moves are numbered in posting order, so the stored running balances
    # are what verify recomputes. A backdated receipt racing the item's first transfer
    # into a warehouse sees (and locks) the row the transfer created.
    for n in range(4):
        with shop.session() as session:
            session.add_all([Item(sku=f"NEW{n}", name="New", valuation="average"),
                             Item(sku=f"MOVED{n}", name="Moved", valuation="fifo")])
            session.flush()
            stock.receive(session, f"MOVED{n}", "W1", 10, "2.00", date="2024-03-10")
        errors = _together(
            shop,
            lambda s, n=n: stock.receive(s, f"NEW{n}", "W1", 3, "1.00", date="2024-03-05"),
            lambda s, n=n: stock.receive(s, f"NEW{n}", "W2", 4, "1.50", date="2024-03-05"),
            lambda s, n=n: stock.issue(s, f"NEW{n}", "W1", 1, date="2024-03-06"),
            lambda s, n=n: stock.receive(s, f"MOVED{n}", "W1", 5, "3.00", date="2024-03-01"),
            lambda s, n=n: stock.transfer(s, f"MOVED{n}", "W1", "W2", 4, date="2024-03-11"),
        )
        assert errors == []
        with shop.session() as session:
            report = stock.verify(session)
            assert report.ok, [d.to_dict() for d in report.drift]
            assert stock.balance(session, f"NEW{n}", "W1").qty == 2
            assert stock.balance(session, f"MOVED{n}", "W1").qty == 11
            assert stock.balance(session, f"MOVED{n}", "W2").qty == 4
