"""Load: 50 users on the demo site, throughput and 95th percentile per page (issue 11,
item 22).

Run:
  python tests/bench/bench_load.py                        # SQLite file, 1 process
  python tests/bench/bench_load.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
      --workers 4                                         # PostgreSQL, 4 web processes

The demo site is seeded into a new SQLite file (or a new PostgreSQL database created next
to the one given, dropped afterwards) and served by ``ordercraft serve`` (``--workers``
processes of ``--threads`` threads). ``--users`` simulated users (threads of this
process), each logged in as the demo's manager through the login form, loop over the
pages below for ``--seconds``, each request right after the previous answer (no think
time: the figure is the site's capacity, not a realistic user's pace).

Printed per page: requests, requests/s, median and 95th percentile; then the totals and
every failed request. The client threads share this process's CPU with the server on a
small machine, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

PAGES = {
    "dashboard": "/",
    "client list": "/crm/clients/",
    "client card": "/crm/clients/1",
    "deal board": "/crm/deals/",
    "order list": "/orders/",
    "stock": "/stock/",
    "tasks": "/tasks/",
}
ORDERCRAFT = str(Path(sys.executable).with_name("ordercraft"))


def run(url: str, *args: str) -> str:
    env = dict(os.environ, ORDERCRAFT_DATABASE_URL=url)
    result = subprocess.run([ORDERCRAFT, *args], env=env, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"ordercraft {' '.join(args)}: {result.stderr or result.stdout}")
    return result.stdout


def new_database(base: str | None, folder: Path) -> tuple[str, object]:
    if base is None:
        return f"sqlite:///{folder / 'demo.db'}", lambda: None
    from sqlalchemy import create_engine, text

    name = f"oc_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return base.rsplit("/", 1)[0] + f"/{name}", drop


def logged_in(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login", timeout=120).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    form = {"name": "manager", "password": "manager-demo"}
    if token:
        form["csrf_token"] = token.group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode(form).encode(), timeout=120).read()
    return opener


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="a PostgreSQL URL to create the demo database beside")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="oc-load-"))
    url, drop = new_database(options.db, folder)
    try:
        run(url, "demo", "--no-serve")
        env = dict(os.environ, ORDERCRAFT_DATABASE_URL=url)
        server = subprocess.Popen([ORDERCRAFT, "serve", "--workers", str(options.workers),
                                   "--threads", str(options.threads), "--port", "0"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True)
        base = re.search(r"serving (\S+)", server.stdout.readline()).group(1).rstrip("/")
        try:
            measure(base, options)
        finally:
            server.terminate()
            server.wait()
    finally:
        drop()


def measure(base: str, options: argparse.Namespace) -> None:
    times: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    ready = threading.Barrier(options.users + 1)

    def user(index: int) -> None:
        opener = logged_in(base)
        names = list(PAGES)
        ready.wait()
        n = index
        while not stop.is_set():
            name = names[n % len(names)]
            n += 1
            started = time.perf_counter()
            try:
                opener.open(base + PAGES[name], timeout=120).read()
                ok = True
            except (urllib.error.URLError, OSError) as exc:
                ok = False
                problem = f"{name}: {exc}"
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    times[name].append(elapsed)
                else:
                    failures.append(problem)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(options.users)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    time.sleep(options.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    print(f"{options.users} users, {options.seconds:.0f} s, {options.workers} process(es) of "
          f"{options.threads} threads, database {'PostgreSQL' if options.db else 'SQLite'}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'page':<14}{'requests':>9}{'req/s':>8}{'median ms':>11}{'p95 ms':>9}")
    total = 0
    for name in PAGES:
        found = sorted(times[name])
        total += len(found)
        if not found:
            print(f"{name:<14}{0:>9}")
            continue
        p95 = found[max(0, int(len(found) * 0.95) - 1)]
        print(f"{name:<14}{len(found):>9}{len(found) / wall:>8.1f}"
              f"{statistics.median(found) * 1000:>11.0f}{p95 * 1000:>9.0f}")
    print(f"{'all pages':<14}{total:>9}{total / wall:>8.1f}; failed: {len(failures)}")
    for line in failures[:10]:
        print("  ", line)


if __name__ == "__main__":
    main()
