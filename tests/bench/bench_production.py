"""Production speed: 100 standard robots produced as 100 single orders, and the explosion
of a 7-level, 1,000-item product structure.

Run: python tests/bench/bench_production.py [ORDERS] [--db URL]

Robots: a standard robot is 4 phantom nodes and 4 parts; each node a phantom sub-node and
5 parts; each sub-node 2 parts: 3 levels, 40 BOM lines, 32 FIFO parts in stock. Each
order is created, released (its 32 components reserved) and completed (components
issued at FIFO cost, scrap none, the robot received at actual cost) in one transaction
of its own. Target: under 2 s for 100 on SQLite.

Explosion: a tree of 1,000 items over 7 levels (1, 3, 9, 27, 81, 243, 636), every item
a BOM of 3 lines but the last level's; ``bom show --explode`` of its top, 20 times: the
first reads the tree from the database, the others from the process's tree cache (its
items still read). Target 200 ms.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ordercraft.core.platform import Platform
from ordercraft.core.schema import create_all_and_stamp


def build_robots(platform: Platform, orders: int) -> None:
    from ordercraft.core.services import items, warehouses
    from ordercraft.core.stock import api as stock_api
    from ordercraft.plugins.production.boms import add_bom

    with platform.session() as session:
        warehouses.create_warehouse(session, "MAIN", name="Main")
        for n in range(32):
            items.create_item(session, f"P{n:02d}", name=f"Part {n}", kind="component")
            stock_api.receive(session, f"P{n:02d}", "MAIN", orders * 4, f"{1 + n}.25")
        for sku in ["ROBOT", *(f"NODE{k}" for k in range(4)), *(f"SUB{k}" for k in range(4))]:
            items.create_item(session, sku, name=sku, kind="assembly")
        for k in range(4):
            add_bom(session, f"SUB{k}", [{"component": f"P{24 + 2 * k + j:02d}", "qty": 1}
                                         for j in range(2)])
            add_bom(session, f"NODE{k}", [{"component": f"SUB{k}", "qty": 1, "phantom": True},
                                          *({"component": f"P{4 + 5 * k + j:02d}", "qty": 1}
                                            for j in range(5))])
        add_bom(session, "ROBOT", [*({"component": f"NODE{k}", "qty": 1, "phantom": True}
                                    for k in range(4)),
                                   *({"component": f"P{j:02d}", "qty": 1} for j in range(4))])


def produce(platform: Platform, orders: int) -> tuple[float, float]:
    from ordercraft.plugins.production.orders import create_order
    from ordercraft.sdk.workflow import transition

    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(orders):
        with platform.session() as session:
            order = create_order(session, "ROBOT", 1, warehouse="MAIN")
            transition(session, order, "release")
            transition(session, order, "done")
    return time.perf_counter() - start, time.process_time() - cpu


def build_tree(platform: Platform) -> None:
    from sqlalchemy import insert, select

    from ordercraft.core.models import Item
    from ordercraft.plugins.production.models import Bom, BomLine
    from ordercraft.plugins.production.structure import touch_structure

    sizes = [1, 3, 9, 27, 81, 243, 636]
    with platform.session() as session:
        session.execute(insert(Item), [{"sku": f"T{level}-{n}", "name": f"T{level}-{n}",
                                        "kind": "assembly" if level < 6 else "component"}
                                       for level, size in enumerate(sizes) for n in range(size)])
        ids = dict(session.execute(select(Item.sku, Item.id)).all())
        for level in range(6):
            for n in range(sizes[level]):
                children = [c for c in range(3 * n, 3 * n + 3) if c < sizes[level + 1]]
                if not children:
                    continue
                bom = Bom(item_id=ids[f"T{level}-{n}"], version="1", output_qty=1,
                          output_unit="pc")
                session.add(bom)
                session.flush()
                session.execute(insert(BomLine), [
                    {"bom_id": bom.id, "position": p, "component_id": ids[f"T{level + 1}-{c}"],
                     "qty": 2, "unit": "pc", "base_qty": 2} for p, c in enumerate(children, 1)])
        touch_structure(session)  # written past add_bom: the trees cached so far are stale


def explode_times(platform: Platform, runs: int = 20) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each explosion (in its own read transaction)."""
    from ordercraft.plugins.production.boms import explosion

    walls, cpus = [], []
    # the robots' garbage collected first: the full collection it owes would otherwise
    # land in whichever explosion allocates past the threshold (about 80 ms of CPU)
    gc.collect()
    for _ in range(runs):
        with platform.session() as session:
            start, cpu = time.perf_counter(), time.process_time()
            rows = explosion(session, "T0-0", 10)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
    assert len(rows) == 999, len(rows)
    return walls, cpus


def main(argv: list[str]) -> None:
    orders = int(argv[0]) if argv and argv[0].isdigit() else 100
    url = argv[argv.index("--db") + 1] if "--db" in argv else None
    with tempfile.TemporaryDirectory() as folder:
        for name, body in (("robots", None), ("tree", None)):
            del body
            site_url = url or f"sqlite:///{Path(folder) / name}.db"
            platform = Platform(site_url, only=["production"])
            create_all_and_stamp(platform)
            platform.start()
            if name == "robots":
                build_robots(platform, orders)
                wall, cpu = produce(platform, orders)
                print(f"{orders} robot orders (40 BOM lines, 32 FIFO components each), each "
                      f"its own transaction: {wall:.2f} s wall, {cpu:.2f} s CPU "
                      f"({wall / orders * 1000:.1f} ms per order; target 2 s)")
            else:
                build_tree(platform)
                walls, cpus = explode_times(platform)
                print(f"explosion of a 7-level, 1,000-item structure (999 rows): first "
                      f"(read from the database) {walls[0] * 1000:.1f} ms wall, "
                      f"{cpus[0] * 1000:.1f} ms CPU; then (tree cached) median "
                      f"{statistics.median(walls[1:]) * 1000:.1f} ms wall, "
                      f"{statistics.median(cpus[1:]) * 1000:.1f} ms CPU (target 200 ms)")
            platform.dispose()
            if url:
                break


if __name__ == "__main__":
    main(sys.argv[1:])
