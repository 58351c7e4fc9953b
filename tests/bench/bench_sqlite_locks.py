"""SQLite under mixed load (issue 11, item 1): reads must not wait for writers.

Run: python tests/bench/bench_sqlite_locks.py [--seconds 60] [--import-rows 400000]

A new SQLite site with 2,000 clients and a calculator that computes for about 1.3 s is
served by ``ordercraft serve`` (waitress, 8 threads). For ``--seconds``:

- six users loop the calculator through the API (``POST /api/v1/calculators/slow/runs``,
  the run stored: a write after 1.3 s of computing);
- a stock import (``ordercraft stock import`` of ``--import-rows`` receipts, in its own
  process) runs over and over: it reads and checks its whole file without the write
  lock, then posts it in batches of about 0.2 s each, one short write transaction per
  batch with a pause between them, so other writers wait for one batch, not the file
  (``--single-transaction``: the whole file in one transaction, as before); each run
  imports new receipts dated after the run before's;
- the scheduler's jobs run every few seconds (``ordercraft worker``);
- a manager loads the client list (``GET /api/v1/clients``) in a loop.

Printed: the client list's median and 95th percentile, the calculator runs done, the
imports done (and how long each held the write lock), and every failed request or
command. The target: the list's 95th percentile under 300 ms, nothing fails with
"locked".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

SLOW_CALCULATOR = '''"""Slow

Computes for about a second and a half of CPU time (the benchmark's stand-in for a
heavy engineering calculation)."""

params = [param("rounds", "int", min=1, max=100000000, default=ROUNDS)]


def calculate(rounds):
    total = 0
    for i in range(rounds):
        total += i % 7
    return {"lines": [line("Work", 1, D(total % 100))]}
'''
ROUNDS = 3_000_000  # about 1.3 s a run on this machine when it is quiet
ORDERCRAFT = str(Path(sys.executable).with_name("ordercraft"))
USERS = 6
PASSWORD = "bench-password-1"


def cli(url: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ORDERCRAFT_DATABASE_URL=url, ORDERCRAFT_ADMIN_PASSWORD=PASSWORD)
    return subprocess.run([ORDERCRAFT, *args], env=env,
                          capture_output=True, text=True, input=input, check=False)


def must(result: subprocess.CompletedProcess[str]) -> str:
    if result.returncode != 0:
        raise SystemExit(f"{result.args}: {result.stderr or result.stdout}")
    return result.stdout


def build(url: str, folder: Path, rows: int) -> tuple[str, list[str], Path]:
    from ordercraft.core.platform import Platform
    from ordercraft.core.services import items, parties, warehouses
    from ordercraft.core.services.users import create_token, create_user

    must(cli(url, "init", "--admin-password", PASSWORD))
    platform = Platform(url)
    with platform.session() as session:
        create_user(session, "maria", roles=["manager"], password=PASSWORD)
        for n in range(USERS):
            create_user(session, f"engineer{n}", roles=["admin"], password=PASSWORD)
        warehouses.create_warehouse(session, "MAIN", name="Main warehouse")
        for n in range(100):
            items.create_item(session, f"PART-{n:03d}", name=f"Part {n}", kind="component",
                              valuation="fifo")
        for n in range(2000):
            parties.create_party(session, f"Client {n:04d} Robotics School", kind="client")
    with platform.session() as session:
        manager_token = create_token(session, "maria", "bench")
        engineer_tokens = [create_token(session, f"engineer{n}", "bench")
                           for n in range(USERS)]
    platform.dispose()
    script = folder / "slow.py"
    script.write_text(SLOW_CALCULATOR.replace("ROUNDS", str(ROUNDS)))
    must(cli(url, "calc", "add", str(script)))
    return manager_token, engineer_tokens, stock_file(folder, rows, 0)


def stock_file(folder: Path, rows: int, run: int) -> Path:
    """The ``run``-th import's file: receipts over 28 days after those of the run before
    (an import of new stock; a backdated one re-values every later move and posts in
    one batch, see docs/stock.md)."""
    path = folder / f"stock-{run}.csv"
    start = date(2024, 1, 1) + timedelta(days=28 * run)
    with path.open("w") as out:
        out.write("date,op,sku,warehouse,qty,unit_cost,ref\n")
        for n in range(rows):
            out.write(f"{start + timedelta(days=n % 28)},receive,PART-{n % 100:03d},MAIN,1,"
                      "2.50,\n")
    return path


def request(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method),
                                    timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=8, help="the server's threads")
    parser.add_argument("--single-transaction", action="store_true",
                        help="the import posts its whole file in one transaction")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="oc-locks-"))
    url = f"sqlite:///{folder / 'site.db'}"
    manager, engineers, first_file = build(url, folder, options.import_rows)
    env = dict(os.environ, ORDERCRAFT_DATABASE_URL=url)
    server = subprocess.Popen([ORDERCRAFT, "serve", "--port", "0", "--threads",
                               str(options.threads), "--json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    worker = subprocess.Popen([ORDERCRAFT, "worker",
                               "--interval", "2"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    base = json.loads(server.stdout.readline())["url"].rstrip("/")
    stop = threading.Event()
    list_times: list[float] = []
    failures: list[str] = []
    calc_runs: list[float] = []
    imports: list[str] = []

    def calculator_user(engineer: str) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            status, body = request("POST", f"{base}/api/v1/calculators/slow/runs", engineer,
                                   {"params": {}, "save": True})
            if status not in (200, 201):
                failures.append(f"calculator: {status} {body[:200]!r}")
            else:
                calc_runs.append(time.perf_counter() - started)

    def importer() -> None:
        path, run = first_file, 0
        while not stop.is_set():
            started = time.perf_counter()
            # Without --json: the progress lines on stderr carry the write lock's times.
            result = cli(url, "stock", "import", str(path),
                         *(["--single-transaction"] if options.single_transaction else []))
            if result.returncode != 0:
                failures.append(f"import: {result.stderr.strip()[-300:]}")
            elif options.single_transaction:
                # The progress lines end with "(N.N s)": reading ends, then posting ends.
                marks = [float(line.rsplit("(", 1)[1].split()[0])
                         for line in result.stderr.strip().splitlines()[-2:]]
                imports.append(f"{time.perf_counter() - started:.1f} s, write lock "
                               f"{marks[1] - marks[0]:.1f} s")
            else:
                # "FILE: posted; write lock held T s in all, at most M s at a time (N s)"
                lines = result.stderr.strip().splitlines()
                last = lines[-1].split()
                batches = sum(": posted " in line and " rows" in line for line in lines)
                imports.append(f"{time.perf_counter() - started:.1f} s, write lock "
                               f"{last[5]} s in {batches} batches, at most {last[11]} s")
            run += 1
            path = stock_file(folder, options.import_rows, run)

    def manager_user() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            status, body = request("GET", f"{base}/api/v1/clients?limit=50&offset=500",
                                   manager)
            list_times.append(time.perf_counter() - started)
            if status != 200:
                failures.append(f"client list: {status} {body[:200]!r}")
            time.sleep(0.2)

    # First the client list alone, for comparison: what the machine gives it unloaded.
    alone = threading.Thread(target=manager_user)
    alone.start()
    time.sleep(10)
    stop.set()
    alone.join()
    stop.clear()
    alone_times, list_times[:] = sorted(list_times), []
    threads = [threading.Thread(target=calculator_user, args=(token,)) for token in engineers]
    threads += [threading.Thread(target=importer), threading.Thread(target=manager_user)]
    for thread in threads:
        thread.start()
    time.sleep(options.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    server.terminate()
    worker.terminate()
    server.wait()
    _, worker_log = worker.communicate()
    failed_jobs = [line for line in worker_log.splitlines() if "failed" in line or "locked"
                   in line]
    times = sorted(list_times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(f"{options.seconds:.0f} s; {USERS} users looping a calculator "
          f"(median {statistics.median(calc_runs):.2f} s a run, {len(calc_runs)} runs), "
          f"stock imports of {options.import_rows} rows: {len(imports)} done: "
          f"{', '.join(imports)}")
    print(f"client list: {len(times)} requests, median {statistics.median(times) * 1000:.0f} "
          f"ms, p95 {p95 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms (target p95 < 300 ms)")
    print(f"client list alone before: {len(alone_times)} requests, median "
          f"{statistics.median(alone_times) * 1000:.0f} ms, p95 "
          f"{alone_times[max(0, int(len(alone_times) * 0.95) - 1)] * 1000:.0f} ms")
    print(f"failed requests/commands: {len(failures)}; worker lines about failures or locks: "
          f"{len(failed_jobs)}")
    for line in (failures + failed_jobs)[:10]:
        print("  ", line)


if __name__ == "__main__":
    main()
