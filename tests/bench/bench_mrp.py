"""MRP engine speed on generated structures.

Run: python tests/bench/bench_mrp.py [--runs N] [--seed S] [--keep DIR]

1. End to end, as ``mrp plan --scenario FILE.json --json`` does it without the CLI's
   start-up: a 1,000-item, 7-level structure over 104 weekly periods planned into about
   100,000 planned orders; the scenario file is read and parsed (numbers as Decimals),
   planned, and the result written as JSON to a file. Target: under 5 s.
2. The bare computation (checking the scenario and planning it, pegging included, no
   JSON): 1,000 confirmed order lines on 200 items in 5 BOM levels, 52 weekly periods.
   Target: under 2 s.

The structures are generated from a fixed seed: items in levels, each made item with
two to four components from the next level down (sometimes two levels down), quantities
per of 1-4, 0.5 or 1.25, some scrap; a mix of lot-for-lot, fixed order quantities,
min/max/multiple modifiers and grouping windows; some stock, safety stock and open
orders; customer orders of one to four lines on the end items, every week.

Figures are wall-clock and CPU times on whatever else the machine is doing; each part
runs several times and prints every run, the best and the median.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from ordercraft.plugins.planning.engine import run
from ordercraft.plugins.planning.output import write_json
from ordercraft.plugins.planning.results import Plan
from ordercraft.plugins.planning.scenario import read_scenario

QTY_PER = (1, 1, 1, 2, 2, 3, 4, "0.5", "1.25")


def generate(*, level_sizes: tuple[int, ...], weeks: int, order_lines: int,
             seed: int) -> dict[str, Any]:
    """A scenario in the scenario format: a structure in ``len(level_sizes)`` levels."""
    rng = random.Random(seed)
    levels: list[list[str]] = []
    for depth, size in enumerate(level_sizes):
        levels.append([f"L{depth}-{n:04d}" for n in range(size)])
    bottom = len(levels) - 1
    bom: list[dict[str, Any]] = []
    for depth, ids in enumerate(levels[:-1]):
        below = levels[depth + 1]
        # Every item one level down gets a parent here, so its low-level code is its level.
        unused = below[:]
        rng.shuffle(unused)
        for n, parent in enumerate(ids):
            count = rng.randint(2, 4)
            components = set(unused[n::len(ids)])
            while len(components) < count:
                deeper = depth + 2 <= bottom and rng.random() < 0.15
                components.add(rng.choice(levels[depth + 2] if deeper else below))
            for component in sorted(components):
                line: dict[str, Any] = {"parent": parent, "component": component,
                                        "qty_per": rng.choice(QTY_PER)}
                if rng.random() < 0.1:
                    line["scrap_percent"] = rng.choice((2, 5))
                bom.append(line)
    items = []
    for depth, ids in enumerate(levels):
        for item_id in ids:
            made = depth < bottom
            item: dict[str, Any] = {
                "id": item_id, "make_or_buy": "make" if made else "buy",
                "lead_time": rng.choice((0, 1, 1, 2)) if made else rng.choice((1, 2, 3, 4)),
                "lot_sizing": _lot_sizing(rng, depth),
            }
            if rng.random() < 0.3:
                item["on_hand"] = rng.randint(1, 200)
            if rng.random() < 0.1:
                item["safety_stock"] = rng.randint(5, 40)
            if rng.random() < 0.2:
                item["scheduled_receipts"] = {str(rng.randint(1, 4)): rng.randint(10, 300)}
            if rng.random() < 0.05:
                item["grouping_window"] = 2
            items.append(item)
    demand = []
    ends = levels[0]
    order_number = 0
    while len(demand) < order_lines:
        order_number += 1
        week = rng.randint(1, weeks)
        for end_item in rng.sample(ends, min(len(ends), rng.randint(1, 4))):
            demand.append({"item": end_item, "period": week, "qty": rng.randint(1, 12),
                           "ref": f"SO-{order_number:05d}"})
    return {"first_period": 1, "last_period": weeks, "safety_stock_mode": "every_period",
            "past_due_policy": "clip_to_first_period", "items": items, "bom": bom,
            "independent_demand": demand[:order_lines]}


def _lot_sizing(rng: random.Random, depth: int) -> dict[str, Any]:
    roll = rng.random()
    # Deeper items need more (quantities per multiply down the levels): lots grow too.
    if roll < 0.12:
        return {"rule": "fixed_order_quantity", "quantity": rng.choice((10, 25, 50)) * 2 ** depth}
    if roll < 0.24:
        return {"rule": "modifiers", "min": 10, "max": 100 * 2 ** depth, "multiple": 5}
    return {"rule": "lot_for_lot"}


def timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def summary(label: str, walls: list[float], cpus: list[float]) -> None:
    runs = ", ".join(f"{w:.2f}" for w in walls)
    print(f"  {label}: best {min(walls):.2f} s, median {statistics.median(walls):.2f} s "
          f"wall (CPU best {min(cpus):.2f} s); runs: {runs}")


def plan_scenario(data: dict[str, Any]) -> Plan:
    return run(read_scenario(data))


def write_plan(result: Plan, target: Path) -> None:
    with target.open("w") as out:
        write_json(result, out)


def end_to_end(folder: Path, runs: int, seed: int) -> None:
    scenario = generate(level_sizes=(60, 90, 120, 150, 170, 190, 220), weeks=104,
                        order_lines=3_000, seed=seed)
    source = folder / "scenario-1000x7x104.json"
    source.write_text(json.dumps(scenario))
    target = folder / "plan-1000x7x104.json"
    print(f"1. 1,000 items, 7 levels, 104 weeks, {len(scenario['independent_demand']):,} "
          f"order lines, {len(scenario['bom']):,} BOM lines; scenario file "
          f"{source.stat().st_size / 1e6:.1f} MB")
    phases: dict[str, tuple[list[float], list[float]]] = {
        "read + parse": ([], []), "check + plan": ([], []), "JSON write": ([], [])}
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        data, *parse = timed(lambda: json.loads(source.read_text(), parse_float=Decimal))
        result, *planning = timed(partial(plan_scenario, data))
        _, *writing = timed(partial(write_plan, result, target))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        for (phase_walls, phase_cpus), (phase_wall, phase_cpu) in zip(
                phases.values(), (parse, planning, writing), strict=True):
            phase_walls.append(phase_wall)
            phase_cpus.append(phase_cpu)
    orders = result.planned_orders
    pegs = sum(len(order.pegging) for order in orders)
    print(f"  {len(orders):,} planned orders ({sum(o.late for o in orders):,} late), "
          f"{pegs:,} pegging entries, {len(result.exceptions):,} exceptions; "
          f"result file {target.stat().st_size / 1e6:.1f} MB")
    summary("end to end", walls, cpus)
    for name, (phase_walls, phase_cpus) in phases.items():
        print(f"    {name}: best {min(phase_walls):.2f} s, median "
              f"{statistics.median(phase_walls):.2f} s wall (CPU best {min(phase_cpus):.2f} s)")


def bare(runs: int, seed: int) -> None:
    scenario = generate(level_sizes=(20, 30, 40, 50, 60), weeks=52, order_lines=1_000,
                        seed=seed)
    print(f"2. 200 items, 5 levels, 52 weeks, 1,000 order lines, {len(scenario['bom']):,} "
          f"BOM lines")
    walls, cpus = [], []
    for _ in range(runs):
        result, wall, cpu = timed(partial(plan_scenario, scenario))
        walls.append(wall)
        cpus.append(cpu)
    orders = result.planned_orders
    print(f"  {len(orders):,} planned orders, "
          f"{sum(len(order.pegging) for order in orders):,} pegging entries")
    summary("check + plan", walls, cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", type=Path, help="write the scenario and the plan here")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        end_to_end(args.keep, args.runs, args.seed)
    else:
        with tempfile.TemporaryDirectory() as folder:
            end_to_end(Path(folder), args.runs, args.seed)
    bare(args.runs, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
