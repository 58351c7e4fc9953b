"""Stock ledger speed: bulk import, single documents, balance reads, backdating.

Run: python tests/bench/bench_stock.py [--rows N] [--big] [--pg URL | --no-pg]

1. Bulk import: N rows (default 100,000) of FIFO receipts and issues over 1,000
   items, as one ``stock import`` CSV file into a SQLite site (one transaction),
   against the floor: the same rows inserted with raw ``sqlite3`` ``executemany``
   with a balance upsert per move, in the same run (wall-clock and CPU time); with
   ``--batched``, also the same file posted in batches (the CLI's default).
2. Single documents: one receipt or issue per transaction through the SDK, on SQLite
   and on PostgreSQL.
3. Balance read at 10,000 and at 1,000,000 moves (the latter with ``--big``; without
   it, 100,000).
4. A backdated receipt with k later moves of its item, in a small and in a big ledger:
   the time follows k, not the ledger.

Figures are wall-clock times on whatever else the machine is doing; each is the best
of a few runs where that is cheap.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from ordercraft.core.models import Item, Warehouse
from ordercraft.core.platform import Platform
from ordercraft.core.schema import create_all_and_stamp
from ordercraft.core.stock import api as stock
from ordercraft.core.stock.imports import import_in_batches
from ordercraft.core.stock.inputs import DocumentSpec, LineSpec
from ordercraft.core.stock.posting import post_in_bulk

START = date(2023, 1, 1)
COSTS = ("0.25", "1.10", "2.50", "3.333333", "9.99", "12.00", "0.0125")


# --------------------------------------------------------------------------- sites


class Site:
    def __init__(self, url: str, cleanup=lambda: None, *, create: bool = True) -> None:
        self.url = url
        self.cleanup = cleanup
        self.platform = Platform(url, only=[])
        if create:
            create_all_and_stamp(self.platform)

    def seed(self, items: int, warehouses: int = 2, prefix: str = "SKU") -> list[str]:
        skus = [f"{prefix}{n:05d}" for n in range(items)]
        with self.platform.session() as session:
            session.execute(insert(Item), [{"sku": s, "name": s, "valuation": "fifo",
                                            "unit": "pc", "unit_precision": 0, "kind": "good",
                                            "price": Decimal(0), "description": "",
                                            "attributes": {}, "active": True} for s in skus])
            if not session.get(Warehouse, 1):
                session.execute(insert(Warehouse), [{"code": f"W{n}", "name": f"W{n}",
                                                     "address": "", "active": True}
                                                    for n in range(1, warehouses + 1)])
        return skus

    def close(self) -> None:
        self.platform.dispose()
        self.cleanup()


def sqlite_site(folder: Path, name: str) -> Site:
    return Site(f"sqlite:///{folder / name}")


def postgres_site(base: str) -> Site:
    """A site in a fresh schema of the PostgreSQL database ``base``, dropped at the end."""
    from ordercraft.sdk.testing import test_database_url

    url, drop = test_database_url(Path(tempfile.gettempdir()), base)
    return Site(url, drop)


# --------------------------------------------------------------------------- workloads


def mixed_rows(skus: list[str], count: int, seed: int = 1, start: date = START,
               days: int = 365) -> list[list[str]]:
    """Receipts and issues in date order; an issue never takes more than is there."""
    rng = random.Random(seed)
    on_hand = {sku: 0 for sku in skus}
    rows = []
    for n in range(count):
        sku = rng.choice(skus)
        warehouse = "W1" if rng.random() < 0.7 else "W2"
        day = (start + timedelta(days=n * days // count)).isoformat()
        held = on_hand[(sku)] if warehouse == "W1" else 0
        if warehouse == "W1" and held >= 2 and rng.random() < 0.5:
            qty = rng.randint(1, min(held, 10))
            on_hand[sku] -= qty
            rows.append([day, "issue", sku, warehouse, str(qty), "", ""])
        else:
            qty = rng.randint(1, 20)
            if warehouse == "W1":
                on_hand[sku] += qty
            rows.append([day, "receive", sku, warehouse, str(qty), rng.choice(COSTS), ""])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "op", "sku", "warehouse", "qty", "unit_cost", "ref"])
        writer.writerows(rows)
    return path


def specs_of(rows: list[list[str]]) -> list[DocumentSpec]:
    kinds = {"receive": "receipt", "issue": "issue"}
    return [DocumentSpec(kinds[op], [LineSpec(sku, wh, qty, cost or None)], day)
            for day, op, sku, wh, qty, cost, _ref in rows]


def post_in_batches(site: Site, rows: list[list[str]], batch: int = 100_000) -> None:
    for start in range(0, len(rows), batch):
        with site.platform.session() as session:
            post_in_bulk(session, specs_of(rows[start:start + batch]))


# --------------------------------------------------------------------------- 1. bulk import


def raw_floor(path: Path, rows: list[list[str]]) -> tuple[float, float]:
    """The same rows with bare sqlite3: a move row and a balance upsert each; wall-clock
    and CPU seconds."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE moves (id INTEGER PRIMARY KEY, item TEXT, warehouse TEXT,"
                       " day TEXT, qty INTEGER, value INTEGER)")
    connection.execute("CREATE TABLE balances (item TEXT, warehouse TEXT, qty INTEGER, "
                       "value INTEGER, PRIMARY KEY (item, warehouse))")
    scale = 10**6
    moves = []
    for day, op, sku, warehouse, qty, cost, _ref in rows:
        amount = int(qty) * (1 if op == "receive" else -1)
        value = int(Decimal(cost) * amount * scale) if cost else 0
        moves.append((sku, warehouse, day, amount * scale, value))
    started, cpu = time.perf_counter(), time.process_time()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany("INSERT INTO moves (item, warehouse, day, qty, value) "
                           "VALUES (?, ?, ?, ?, ?)", moves)
    connection.executemany(
        "INSERT INTO balances VALUES (?, ?, ?, ?) ON CONFLICT (item, warehouse) DO UPDATE SET "
        "qty = qty + excluded.qty, value = value + excluded.value",
        [(m[0], m[1], m[3], m[4]) for m in moves])
    connection.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    connection.close()
    return elapsed, cpu


def bench_bulk_import(folder: Path, count: int, repeat: int,
                      in_batches: bool = False) -> dict[str, float]:
    """Import the same file into ``repeat`` fresh sites, alternating with the floor; the
    best of each (a busy machine only ever slows a run down). The CPU-time ratio is the
    steadier one when other jobs load the machine (a long run is starved more often
    than a short one). ``in_batches``: also the CLI's batched posting."""
    imports, floors, cpus, floor_cpus, batched = [], [], [], [], []
    for run in range(repeat):
        site = sqlite_site(folder, f"import{run}.db")
        skus = site.seed(1000)
        rows = mixed_rows(skus, count)
        path = write_csv(folder / "moves.csv", rows)
        started = time.perf_counter()
        cpu = time.process_time()
        with site.platform.session() as session:
            summary = stock.import_file(session, path)
        imports.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        with site.platform.session() as session:
            assert stock.verify(session).ok
        site.close()
        floor_wall, floor_cpu = raw_floor(folder / f"raw{run}.db", rows)
        floors.append(floor_wall)
        floor_cpus.append(floor_cpu)
        if not in_batches:
            continue
        # The CLI's default: the same file checked, then posted in short batches.
        site = sqlite_site(folder, f"batched{run}.db")
        site.seed(1000)
        started = time.perf_counter()
        done = import_in_batches(site.platform, path)
        batched.append(time.perf_counter() - started)
        site.close()
    elapsed, floor, cpu = min(imports), min(floors), min(cpus)
    issues = sum(1 for r in rows if r[1] == "issue")
    print(f"1. bulk import of {summary.moves:,} FIFO moves ({issues:,} issues) over 1,000 items,"
          f" one CSV file ({summary.documents:,} documents), SQLite file, best of {repeat}")
    print(f"   ordercraft stock import: {elapsed:7.2f} s = {summary.moves / elapsed:9,.0f} moves/s"
          f" (CPU {cpu:.2f} s; runs {', '.join(f'{t:.2f}' for t in imports)} s)")
    print(f"   raw sqlite3 executemany: {floor:7.2f} s = {count / floor:9,.0f} moves/s (the floor;"
          f" CPU {min(floor_cpus):.2f} s; runs {', '.join(f'{t:.2f}' for t in floors)} s)")
    print(f"   ratio to the floor: {elapsed / floor:.1f}x wall-clock, "
          f"{cpu / min(floor_cpus):.1f}x CPU")
    if not batched:
        return {"import_moves_per_s": summary.moves / elapsed,
                "floor_moves_per_s": count / floor}
    print(f"   in batches (the CLI's default): {min(batched):7.2f} s = "
          f"{summary.moves / min(batched):9,.0f} moves/s, {done.record['batches_done']} "
          f"batches, write lock at most {done.longest:.2f} s at a time (runs "
          f"{', '.join(f'{t:.2f}' for t in batched)} s)")
    return {"import_moves_per_s": summary.moves / elapsed, "floor_moves_per_s": count / floor}


# --------------------------------------------------------------------------- 2. single documents


def post_singles(platform: Platform, skus: list[str], count: int, seed: int) -> float:
    """Post ``count`` one-line documents, each in its own transaction; the seconds taken."""
    rng = random.Random(seed)
    started = time.perf_counter()
    for n in range(count):
        sku = rng.choice(skus)
        with platform.session() as session:
            if n % 2:
                stock.issue(session, sku, "W1", 1)
            else:
                stock.receive(session, sku, "W1", 2, "2.75")
    return time.perf_counter() - started


def prepare_singles(site: Site) -> list[str]:
    skus = site.seed(200, prefix="ONE")
    with site.platform.session() as session:
        stock.post_many(session, [DocumentSpec("receipt", [LineSpec(s, "W1", 100_000, "2.50")])
                                  for s in skus])
    return skus


def bench_single(site: Site, label: str, count: int, skus: list[str]) -> float:
    cpu = time.process_time()
    elapsed = post_singles(site.platform, skus, count, 3)
    cpu = time.process_time() - cpu
    print(f"2. single documents, {label}: {count:,} in {elapsed:.2f} s = "
          f"{count / elapsed:,.0f} documents/s (CPU {cpu / count * 1000:.2f} ms per document)")
    return count / elapsed


def bench_parallel(site: Site, label: str, count: int, skus: list[str], clients: int) -> float:
    """``clients`` processes posting single documents at once (each its own connection)."""
    import subprocess

    go = Path(tempfile.mkdtemp()) / "go"
    workers = [subprocess.Popen([sys.executable, __file__, "--worker", site.url, str(go),
                                 str(count // clients), str(n), ",".join(skus)],
                                stdout=subprocess.PIPE, text=True) for n in range(clients)]
    time.sleep(2)
    started = time.perf_counter()
    go.touch()
    for worker in workers:
        worker.communicate()
    elapsed = time.perf_counter() - started
    total = count // clients * clients
    print(f"2. single documents, {label}, {clients} clients at once: {total:,} in "
          f"{elapsed:.2f} s = {total / elapsed:,.0f} documents/s")
    return total / elapsed


def worker(url: str, go: str, count: int, seed: int, skus: str) -> None:
    platform = Platform(url, only=[])
    with platform.session() as session:  # connect before the start signal
        stock.balance(session, skus.split(",")[0], "W1")
    while not os.path.exists(go):
        time.sleep(0.001)
    post_singles(platform, skus.split(","), count, seed)
    platform.dispose()


# --------------------------------------------------------------------------- 3. balance reads


def read_time(site: Site, skus: list[str], reads: int = 2000) -> float:
    rng = random.Random(5)
    picks = [(rng.choice(skus), rng.choice(["W1", "W2"])) for _ in range(reads)]
    best = float("inf")
    for _round in range(3):
        with site.platform.session() as session:
            started = time.perf_counter()
            for sku, warehouse in picks:
                stock.balance(session, sku, warehouse)
            best = min(best, (time.perf_counter() - started) / reads)
    return best


def bench_balance_reads(folder: Path, big: int) -> None:
    times = {}
    for size in (10_000, big):
        site = sqlite_site(folder, f"ledger{size}.db")
        skus = site.seed(1000)
        started = time.perf_counter()
        post_in_batches(site, mixed_rows(skus, size, seed=size))
        built = time.perf_counter() - started
        times[size] = read_time(site, skus)
        print(f"3. balance read with {size:>9,} moves in the ledger: "
              f"{times[size] * 1e6:7.1f} us per read (ledger built in {built:.1f} s, "
              f"{size / built:,.0f} moves/s)")
        site.close()
    print(f"   ratio {big:,} / 10,000 moves: {times[big] / times[10_000]:.2f}x")


# --------------------------------------------------------------------------- 4. backdating


def bench_backdated(folder: Path, big: int, ks: tuple[int, ...]) -> None:
    for size in (10_000, big):
        site = sqlite_site(folder, f"backdated{size}.db")
        skus = site.seed(1000)
        post_in_batches(site, mixed_rows(skus, size, seed=size + 1))
        site.seed(len(ks) + 1, prefix="K")
        # A first backdated posting compiles the statements this path uses: not timed.
        warm = f"K{len(ks):05d}"
        post_in_batches(site, [["2024-01-01", "receive", warm, "W1", "2", "5.00", ""],
                               ["2024-02-01", "issue", warm, "W1", "1", "", ""]])
        with site.platform.session() as session:
            stock.receive(session, warm, "W1", 1, "1.00", date="2023-12-31")
        results = []
        for n, k in enumerate(ks):
            sku = f"K{n:05d}"
            rows = [["2024-01-01", "receive", sku, "W1", str(k), "5.00", ""]] + [
                [(date(2024, 2, 1) + timedelta(days=i * 300 // k)).isoformat(), "issue", sku,
                 "W1", "1", "", ""] for i in range(k)]
            post_in_batches(site, rows)
            # Write back the WAL now, so that no checkpoint falls into the timing (on the
            # bare connection: the engine's transactions begin with BEGIN IMMEDIATE).
            raw = site.platform.engine.raw_connection()
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
            started = time.perf_counter()
            with site.platform.session() as session:
                stock.receive(session, sku, "W1", 5, "1.00", date="2023-12-31")
            results.append((k, time.perf_counter() - started))
        print(f"4. backdated receipt in a ledger of {size:>9,} moves: " + ", ".join(
            f"k={k:,}: {seconds * 1000:.1f} ms" for k, seconds in results))
        site.close()


def _with_option(url: str, setting: str) -> str:
    """The URL with one more server setting in its ``options`` (``-c name=value``)."""
    key, value = setting.split("=")
    return url.replace("options=", f"options=-c%20{key}%3D{value}%20", 1)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, go, count, seed, skus = sys.argv[2:7]
        worker(url, go, int(count), int(seed), skus)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the bulk import")
    parser.add_argument("--single", type=int, default=3000, help="single documents to post")
    parser.add_argument("--repeat", type=int, default=3, help="bulk imports to run (best)")
    parser.add_argument("--big", action="store_true", help="use a 1,000,000-move ledger")
    parser.add_argument("--pg", default=os.environ.get(
        "ORDERCRAFT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--only", help="run only these parts, e.g. 1,2")
    parser.add_argument("--batched", action="store_true",
                        help="part 1 also posts the file in batches (the CLI's default)")
    args = parser.parse_args()
    parts = set((args.only or "1,2,3,4").split(","))
    big = 1_000_000 if args.big else 100_000
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        if "1" in parts:
            bench_bulk_import(folder, args.rows, args.repeat, args.batched)
        if "2" in parts:
            site = sqlite_site(folder, "single.db")
            bench_single(site, "SQLite file (WAL, synchronous=NORMAL)", args.single,
                         prepare_singles(site))
            site.close()
            if not args.no_pg:
                site = postgres_site(args.pg)
                try:
                    skus = prepare_singles(site)
                    bench_single(site, "PostgreSQL, synchronous_commit=on (an fsync per "
                                 "commit)", args.single, skus)
                    bench_parallel(site, "PostgreSQL, synchronous_commit=on", args.single * 2,
                                   skus, 4)
                    relaxed = Site(_with_option(site.url, "synchronous_commit=off"),
                                   create=False)
                    bench_single(relaxed, "PostgreSQL, synchronous_commit=off (the durability "
                                 "of SQLite's WAL with synchronous=NORMAL)", args.single, skus)
                    relaxed.platform.dispose()
                finally:
                    site.close()
        if "3" in parts:
            bench_balance_reads(folder, big)
        if "4" in parts:
            bench_backdated(folder, big, (10, 100, 1000, 10_000))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
