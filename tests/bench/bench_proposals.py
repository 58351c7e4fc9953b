"""Proposal pricing and the live configurator (issue 13: under 100 ms and 150 ms).

Run: python tests/bench/bench_proposals.py [--db URL]

The site is a new SQLite file (or the PostgreSQL database given with --db, in a fresh
schema dropped afterwards) with 60 parts in stock and a product template of 4 option
groups and 2 rules. The proposal has 200 lines: 20 configured groups of 8 lines, 10
calculator lines and 30 item lines. Figures, median and 95th percentile:

* pricing: loading the proposal, repricing every line (costs from the ledger for all its
  items in one query) and writing the figures, in one transaction, over 20 runs;
* a configurator change: the server time of the preview request the page posts on every
  change (check the rules, price the lines with costs, render the fragment), through the
  Flask app, over 30 requests alternating a valid and an invalid combination.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from ordercraft.core.platform import Platform
from ordercraft.core.schema import create_all_and_stamp
from ordercraft.core.services.users import create_user, ensure_roles

PASSWORD = "bench-password"
TARGETS = {"pricing": 100, "configurator change": 150}
DEFINITION = {
    "base": [{"item": "PART-00", "qty": 1}, {"item": "PART-01", "qty": 2}],
    "groups": [
        {"key": "cpu", "title": "Processor", "select": "one",
         "options": [{"key": f"c{n}", "item": f"PART-{10 + n:02d}"} for n in range(4)]},
        {"key": "board", "title": "Board", "select": "one",
         "options": [{"key": f"b{n}", "item": f"PART-{20 + n:02d}"} for n in range(4)]},
        {"key": "sensors", "title": "Sensors", "select": "any", "min": 0, "max": 4,
         "options": [{"key": f"s{n}", "item": f"PART-{30 + n:02d}", "max_qty": 8}
                     for n in range(8)]},
        {"key": "case", "title": "Case", "select": "one",
         "options": [{"key": f"k{n}", "item": f"PART-{40 + n:02d}"} for n in range(3)]}],
    "rules": [{"if": "board.b3", "requires": "cpu.c3"},
              {"max": 6, "of": "sensors", "per": "board"}],
}
GOOD = ["cpu=c3", "board=b3", "case=k1", "sensors.s1=2", "sensors.s2=2", "sensors.s3=1"]


def build(platform: Platform) -> int:
    from ordercraft.core.services import items, parties, warehouses
    from ordercraft.core.stock import api as stock_api
    from ordercraft.plugins.proposals import proposals

    with platform.session() as session:
        ensure_roles(session)
        create_user(session, "admin", roles=["admin"], password=PASSWORD)
        warehouses.create_warehouse(session, "MAIN", name="Main")
        for n in range(60):
            items.create_item(session, f"PART-{n:02d}", name=f"Part {n}", kind="component",
                              valuation="fifo", price=Decimal(20 + n), unit="pc",
                              unit_precision=0)
            stock_api.receive(session, f"PART-{n:02d}", "MAIN", 1000, Decimal(12 + n),
                              date=date(2024, 1, 10))
        items.create_item(session, "ROBOT-CUSTOM", name="Custom robot", kind="assembly",
                          valuation="fifo", price=Decimal(0), unit="pc", unit_precision=0)
        parties.create_party(session, "Robotics School", kind="client")
        proposals.save_template(session, "BENCH", name="Bench robot", definition=DEFINITION)
        proposal = proposals.create_proposal(session, "Robotics School",
                                             valid_until="2099-01-01")
        for group in range(20):
            proposals.configure(session, proposal, "BENCH", GOOD, qty=group + 1, discount=5)
        run = {"calculator": "robot", "title": "Custom robot", "version": "bench",
               "params": {"nodes": 6}, "total": "1234.56", "lines": [], "catalog": {}}
        for n in range(10):
            proposals.add_calculator_line(session, proposal, run=run, item="ROBOT-CUSTOM",
                                          qty=n + 1, markup=40)
        for n in range(30):
            proposals.add_line(session, proposal, item=f"PART-{n + 10:02d}", qty=n + 1)
        assert len(proposal.lines) == 200, len(proposal.lines)
        return proposal.id


def timed(action, runs: int) -> tuple[float, float]:
    action()  # warm
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    arguments = sys.argv[1:]
    url = arguments[arguments.index("--db") + 1] if "--db" in arguments else ""
    with tempfile.TemporaryDirectory() as folder:
        from ordercraft.plugins.proposals.proposals import get_proposal, reprice
        from ordercraft.sdk.testing import test_database_url

        url, drop = test_database_url(Path(folder), url)
        platform = Platform(url, only=["crm", "sales", "proposals"])
        create_all_and_stamp(platform)
        started = time.perf_counter()
        proposal_id = build(platform)
        print(f"database: {platform.engine.dialect.name}; a proposal of 200 lines built in "
              f"{time.perf_counter() - started:.1f} s")

        def price() -> None:
            with platform.session() as session:
                reprice(session, get_proposal(session, proposal_id, for_update=True,
                                              for_pricing=True))

        from ordercraft.web import create_app

        client = create_app(platform, testing=True).test_client()
        assert client.post("/login", data={"name": "admin", "password": PASSWORD}
                           ).status_code in (302, 303)
        forms = [{"opt.cpu": "c3", "opt.board": "b3", "opt.case": "k1", "opt.sensors.s1": "2",
                  "opt.sensors.s2": "2", "qty": "10"},
                 {"opt.cpu": "c0", "opt.board": "b3", "opt.case": "k1", "qty": "10"}]
        turn = [0]

        def change() -> None:
            turn[0] += 1
            response = client.post(f"/proposals/{proposal_id}/configure/BENCH/preview",
                                   data=forms[turn[0] % 2])
            assert response.status_code == 200, response.status_code

        for name, action, runs in (("pricing", price, 20),
                                   ("configurator change", change, 30)):
            median, p95 = timed(action, runs)
            verdict = "within" if median <= TARGETS[name] else "OVER"
            print(f"{name:>20}: median {median:6.1f} ms, 95th percentile {p95:6.1f} ms: "
                  f"{verdict} the target of {TARGETS[name]} ms")
        platform.dispose()
        drop()


if __name__ == "__main__":
    main()
