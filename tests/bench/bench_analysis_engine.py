"""Analysis engine speed: ABC, XYZ, the ABC-XYZ matrix and BCG over what a site's sales
aggregate to in SQL (5,000 keys x 24 months), and the file reader over the same data.

Run: python tests/bench/bench_analysis_engine.py [KEYS] [PERIODS]

Values are random cent amounts (0.00 to 10,000.00, a tenth of the cells zero: months
without sales), the same every run. Each step is timed REPEAT times; the table shows
the best CPU time of this process (what the step costs, whatever else the machine
runs) and the best wall time:

* abc         ``abc.analyse`` of each key's 24-month total
* xyz         ``xyz.analyse`` of the 24-month series (population sd, defaults)
* ... json    the result's ``document()`` (every figure as a decimal string)
* matrix      ``matrix.combine`` of the two results, with its document
* bcg         ``bcg.analyse`` of the last two months
* file        ``files.read_lines`` of the same data as KEYS x PERIODS CSV lines
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from ordercraft.plugins.analysis import abc, bcg, matrix, xyz
from ordercraft.plugins.analysis.files import read_lines

REPEAT = 7


def sales(keys: int, periods: int) -> tuple[list[str], dict[str, list[Decimal]]]:
    rng = random.Random(20260101)
    labels = [f"{2024 + month // 12}-{month % 12 + 1:02d}" for month in range(periods)]
    series = {f"SKU-{key:05d}": [Decimal(0) if rng.random() < 0.1
                                 else Decimal(rng.randint(0, 10 ** 6)).scaleb(-2)
                                 for _label in labels] for key in range(keys)}
    return labels, series


def timed(step: Callable[[], object]) -> tuple[float, float]:
    """Best CPU and best wall time of ``step``, in ms."""
    cpu, wall = [], []
    for _ in range(REPEAT):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        step()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return min(cpu) * 1000, min(wall) * 1000


def main(keys: int, periods: int) -> None:
    labels, series = sales(keys, periods)
    totals = {key: sum(values) for key, values in series.items()}
    values = abc.analyse(totals)
    stability = xyz.analyse(series, periods=labels)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lines.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["key", "period", "value"])
            writer.writerows([key, label, str(value)] for key, row in series.items()
                             for label, value in zip(labels, row, strict=True))
        steps: list[tuple[str, Callable[[], object]]] = [
            ("abc", lambda: abc.analyse(totals)),
            ("abc json", values.document),
            ("xyz", lambda: xyz.analyse(series, periods=labels)),
            ("xyz json", stability.document),
            ("matrix", lambda: matrix.combine(values, stability).document()),
            ("bcg", lambda: bcg.analyse({key: row[-2] for key, row in series.items()},
                                        {key: row[-1] for key, row in series.items()})),
            ("file", lambda: read_lines(path)),
        ]
        print(f"{keys} keys x {periods} periods, best of {REPEAT}")
        print(f"{'step':<10} {'cpu ms':>8} {'wall ms':>8}")
        for name, step in steps:
            cpu, wall = timed(step)
            print(f"{name:<10} {cpu:8.1f} {wall:8.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 24)
