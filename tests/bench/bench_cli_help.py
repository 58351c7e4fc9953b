"""Wall time of ``ordercraft --help`` (the console script, a new process each run).

Run: python tests/bench/bench_cli_help.py [RUNS]
Prints the median, the fastest and the slowest of RUNS runs (default 20), with no
site (a folder without ordercraft.db) and with an initialised SQLite site, whose
plugin settings --help reads with the bare sqlite3 driver; and, when
ORDERCRAFT_TEST_DATABASE_URL names a PostgreSQL database, against it (read through
libpq, without importing psycopg).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONSOLE_SCRIPT = Path(sys.executable).with_name("ordercraft")


def measure(args: list[str], cwd: str, runs: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if k != "ORDERCRAFT_DATABASE_URL"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(CONSOLE_SCRIPT), *args], cwd=cwd, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def report(label: str, times: list[float]) -> None:
    print(f"{label:<28} median {statistics.median(times) * 1000:6.0f} ms   "
          f"min {min(times) * 1000:6.0f} ms   max {max(times) * 1000:6.0f} ms   "
          f"({len(times)} runs)")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as folder:
        measure(["--help"], folder, 2)  # warm the file cache
        report("ordercraft --help (no site)", measure(["--help"], folder, runs))
        subprocess.run([str(CONSOLE_SCRIPT), "init", "--admin-password", "benchmark-password"],
                       cwd=folder, check=True, stdout=subprocess.DEVNULL)
        report("ordercraft --help (site)", measure(["--help"], folder, runs))
        postgres = os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "")
        if postgres.startswith("postgres"):
            report("ordercraft --help (PostgreSQL)",
                   measure(["--db", postgres, "--help"], folder, runs))


if __name__ == "__main__":
    main()
