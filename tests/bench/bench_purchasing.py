"""Purchasing and a site's MRP run: speed on generated data, on SQLite.

Run: python tests/bench/bench_purchasing.py [--runs N] [--seed S] [--db URL]

1. A site's ``mrp run`` end to end (what ``ordercraft mrp run --horizon 104w --json``
   does, without the CLI's start-up and JSON printing): the generated structure of
   bench_mrp.py's end-to-end part (1,000 items, 7 levels, 104 weekly buckets, 3,000
   confirmed order lines, about 100,000 planned orders) read from the site — open order
   lines, stock, offers, BOMs, planning parameters — planned, and the run stored with
   its records and planned orders. Target: under 10 s on SQLite. The site's sales and
   production are stand-ins (services ``sales.demand`` and ``production.structure``
   answering from memory), so the figure is purchasing's and planning's own; the
   scenario's scheduled receipts are left out.
2. Best offers for 1,000 items at once (``purchasing.supply.best_offers``), each item with
   three offers (one expired) with price breaks. Target: under 100 ms.

Figures are wall-clock times on whatever else the machine is doing; each part runs
several times and prints every run, the best and the median.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

# Run as a script, this folder is on sys.path already (bench_mrp is its neighbour).
from bench_mrp import generate, summary

from ordercraft.sdk.plugins import PluginInfo, hookimpl

START = date(2027, 1, 4)


@dataclass(frozen=True)
class Line:
    order_number: str
    item: str
    item_id: int
    qty_open: Decimal
    reserved: Decimal
    due_date: date


@dataclass(frozen=True)
class Component:
    component_id: int
    component: str
    qty: Decimal
    kind: str = "component"
    phantom: bool = False


def stand_ins(scenario: dict[str, Any]) -> tuple[types.ModuleType, types.ModuleType,
                                                 dict[str, int]]:
    """Plugins ``sales`` and ``production`` answering from the scenario."""
    ids: dict[str, int] = {}
    lines: list[Line] = []
    components: dict[str, list[tuple[str, Decimal]]] = {}
    for bom in scenario["bom"]:
        scrap = Decimal(str(bom.get("scrap_percent", 0)))
        qty = Decimal(str(bom["qty_per"])) * (1 + scrap / 100)
        components.setdefault(bom["parent"], []).append((bom["component"], qty))

    class Demand:
        def open_order_lines(self, session: Any, item_ids: Any = None) -> list[Line]:
            return lines

    class Structure:
        def bom_lines(self, session: Any, item_id: int, on_date: Any = None) -> list[Any]:
            sku = skus[item_id]
            return [Component(ids[c], c, q) for c, q in components.get(sku, [])]

        def has_bom(self, session: Any, item_id: int, on_date: Any = None) -> bool:
            return skus[item_id] in components

        def open_orders(self, session: Any) -> list[Any]:
            return []

    skus: dict[int, str] = {}
    sales = types.ModuleType("bench_sales")
    sales.plugin = PluginInfo(name="sales", version="0", description="bench stand-in")

    @hookimpl
    def sales_services(registry: Any) -> None:
        registry.add("demand", Demand())

    sales.plugin_services = sales_services
    production = types.ModuleType("bench_production")
    production.plugin = PluginInfo(name="production", version="0", description="bench")

    @hookimpl
    def production_services(registry: Any) -> None:
        registry.add("structure", Structure())

    production.plugin_services = production_services

    def fill(item_ids: dict[str, int]) -> None:
        ids.update(item_ids)
        skus.update({v: k for k, v in item_ids.items()})
        for demand in scenario["independent_demand"]:
            lines.append(Line(demand["ref"], demand["item"], ids[demand["item"]],
                              Decimal(demand["qty"]), Decimal(0),
                              START + timedelta(days=7 * (demand["period"] - 1))))

    sales.fill = fill
    return sales, production, ids


def build_site(folder: Path, scenario: dict[str, Any], db: str | None) -> Any:
    from sqlalchemy import insert, select

    from ordercraft.core.platform import Platform
    from ordercraft.core.schema import create_all_and_stamp
    from ordercraft.core.site import apply_declarations
    from ordercraft.plugins.planning.models import ItemPlanning
    from ordercraft.plugins.purchasing.models import SupplierOffer
    from ordercraft.sdk import parties, stock, warehouses
    from ordercraft.sdk.models import Item

    sales, production, _ = stand_ins(scenario)
    url = db or f"sqlite:///{folder / 'site.db'}"
    platform = Platform(url, only=["purchasing", "planning"], extra_plugins=[sales, production])
    create_all_and_stamp(platform)
    platform.start()
    with platform.session() as session:
        apply_declarations(session)
        warehouses.create_warehouse(session, "MAIN", name="Main")
        supplier = parties.create_party(session, "Bench Supplier", kind="supplier")
        session.execute(insert(Item), [{"sku": item["id"], "name": item["id"],
                                        "kind": "component"} for item in scenario["items"]])
        ids = {sku: item_id for sku, item_id in session.execute(select(Item.sku, Item.id))}
        sales.fill(ids)
        params = []
        for item in scenario["items"]:
            lot = item.get("lot_sizing", {"rule": "lot_for_lot"})
            params.append({"item_id": ids[item["id"]], "lead_time_days": item["lead_time"] * 7,
                           "safety_stock": Decimal(item.get("safety_stock", 0)),
                           "make_or_buy": item["make_or_buy"], "lot_rule": lot["rule"],
                           "lot_qty": lot.get("quantity"), "lot_min": lot.get("min"),
                           "lot_max": lot.get("max"), "lot_multiple": lot.get("multiple"),
                           "grouping_days": item.get("grouping_window", 0) * 7 or None})
        session.execute(insert(ItemPlanning), params)
        session.execute(insert(SupplierOffer), [
            {"item_id": ids[item["id"]], "supplier_id": supplier.id, "price": Decimal("9.5"),
             "lead_time_days": 7 * item["lead_time"], "attributes": {}}
            for item in scenario["items"] if item["make_or_buy"] == "buy"])
        receipts = [stock.LineSpec(item["id"], "MAIN", item["on_hand"], "1.00")
                    for item in scenario["items"] if item.get("on_hand")]
        stock.post(session, "receipt", receipts, date=START - timedelta(days=1))
    return platform


def site_run(folder: Path, runs: int, seed: int, db: str | None) -> None:
    from ordercraft.plugins.planning.site import run_mrp

    scenario = generate(level_sizes=(60, 90, 120, 150, 170, 190, 220), weeks=104,
                        order_lines=3_000, seed=seed)
    platform = build_site(folder, scenario, db)
    print(f"1. a site's mrp run: 1,000 items, 7 levels, 104 weeks, "
          f"{len(scenario['independent_demand']):,} order lines ({platform.database_url.split(':')[0]})")
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        with platform.session() as session:
            run = run_mrp(session, horizon="104w", bucket="week", on=START)
            orders, exceptions = run.order_count, len(run.exceptions)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(f"  {orders:,} planned orders stored, {exceptions:,} exceptions")
    summary("read site + plan + store", walls, cpus)
    platform.dispose()


def best_offers(folder: Path, runs: int, db: str | None) -> None:
    from sqlalchemy import insert, select

    from ordercraft.core.platform import Platform
    from ordercraft.core.schema import create_all_and_stamp
    from ordercraft.core.site import apply_declarations
    from ordercraft.plugins.purchasing.models import PriceBreak, SupplierOffer
    from ordercraft.sdk import parties
    from ordercraft.sdk.models import Item
    from ordercraft.sdk.plugins import plugin_service

    url = db or f"sqlite:///{folder / 'offers.db'}"
    platform = Platform(url, only=["purchasing"])
    create_all_and_stamp(platform)
    platform.start()
    with platform.session() as session:
        apply_declarations(session)
        suppliers = [parties.create_party(session, f"Supplier {n}", kind="supplier").id
                     for n in range(3)]
        session.execute(insert(Item), [{"sku": f"P-{n:04d}", "name": f"Part {n}",
                                        "kind": "component"} for n in range(1000)])
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        offers = []
        for n, item_id in enumerate(ids):
            for k, supplier_id in enumerate(suppliers):
                offers.append({"item_id": item_id, "supplier_id": supplier_id,
                               "price": Decimal(10 + (n + k) % 7), "lead_time_days": 3 + k,
                               "min_qty": Decimal(k * 5), "attributes": {},
                               "valid_to": START - timedelta(days=1) if k == 0 else None})
        session.execute(insert(SupplierOffer), offers)
        offer_ids = list(session.scalars(select(SupplierOffer.id)))
        session.execute(insert(PriceBreak), [{"offer_id": offer_id, "min_qty": Decimal(50),
                                              "price": Decimal(9)} for offer_id in offer_ids])
    print("2. best offers for 1,000 items at once (3 offers each, one expired, price breaks)")
    walls: list[float] = []
    cpus: list[float] = []
    needs = {item_id: Decimal(12) for item_id in ids}
    for _ in range(runs):
        with platform.session() as session:
            supply = plugin_service(session, "purchasing", "supply")
            wall, cpu = time.perf_counter(), time.process_time()
            chosen = supply.best_offers(session, needs, START)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    print(f"  {sum(c is not None for c in chosen.values()):,} items with a best offer")
    print(f"  best offers: best {min(walls) * 1000:.0f} ms, median "
          f"{sorted(walls)[len(walls) // 2] * 1000:.0f} ms wall (CPU best "
          f"{min(cpus) * 1000:.0f} ms); runs: " + ", ".join(f"{w * 1000:.0f}" for w in walls))
    platform.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--db", default=None, help="a database URL (default: SQLite files)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        site_run(Path(folder), args.runs, args.seed, args.db)
        best_offers(Path(folder), max(args.runs, 5), args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
