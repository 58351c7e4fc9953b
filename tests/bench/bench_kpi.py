"""KPIs: a period score of 50 managers × 12 KPIs, through analysis' metrics in SQL.

Run: python tests/bench/bench_kpi.py [ORDERS] [--db URL]

The site is a new SQLite file (or the PostgreSQL database given with --db, in a fresh
schema dropped afterwards): 50 managers in one sales division, ORDERS orders (default
24,000) of 5 lines over 12 months (2026-01 to 2026-12), each shipped by one shipment,
2,000 closed deals and 20,000 interactions; 12 KPIs over 10 metrics (revenue, orders
and lines shipped, on-time shipments, overdue receivables and tasks, deals won and their
amount, conversion, interactions). The figure is the wall time of ``kpi score --period
2026-11`` as the service runs it (one query per metric, 600 formulas), median of 5 runs
after one warm-up. Target: 1 s.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select

from ordercraft.core.models import Item, Party, User, Warehouse
from ordercraft.core.platform import Platform
from ordercraft.core.schema import create_all_and_stamp
from ordercraft.core.services.users import create_user, ensure_roles

MANAGERS = 50
LINES = 5
MONTH_DAYS = 365
#: code, formula, target, weight, direction
KPIS = [
    ("revenue", "revenue_shipped", "40000", "0.2", "higher"),
    ("orders", "orders_shipped", "40", "0.1", "higher"),
    ("lines", "lines_shipped", "200", "0.05", "higher"),
    ("average_order", "revenue_shipped / max(orders_shipped, 1)", "1000", "0.1", "higher"),
    ("on_time", "on_time_shipments", "95", "0.1", "higher"),
    ("receivables", "receivables_overdue + 1", "1000", "0.05", "lower"),
    ("overdue", "overdue_tasks + 1", "2", "0.05", "lower"),
    ("deals", "deals_won", "3", "0.1", "higher"),
    ("deal_amount", "deals_won_amount / 1000", "50", "0.05", "higher"),
    ("conversion", "conversion", "50", "0.1", "higher"),
    ("interactions", "interactions", "30", "0.05", "higher"),
    ("activity", "interactions / max(deals_won, 1)", "10", "0.05", "lower"),
]


def populate(platform: Platform, orders: int) -> None:
    from ordercraft.plugins.crm.models import Deal, Interaction
    from ordercraft.plugins.kpi.service import define, save_division
    from ordercraft.plugins.sales.models import Order, OrderLine, Shipment, ShipmentLine

    rng = random.Random(8)
    now = datetime(2026, 12, 31, 12, 0)
    start = date(2026, 1, 1)
    with platform.session() as session:
        ensure_roles(session)
        names = [f"manager{n:02d}" for n in range(MANAGERS)]
        for name in names:
            create_user(session, name, roles=["manager"])
        session.add(Warehouse(code="MAIN", name="Main warehouse"))
        session.add(Item(sku="ROBOT", name="Robot", kind="good", unit="pc"))
        session.add(Party(name="School", kind="client"))
        session.flush()
        save_division(session, "sales", "Sales", "sales", members=names)
        for code, formula, target, weight, direction in KPIS:
            define(session, code, formula=formula, target=target, weight=weight,
                   direction=direction, division="sales")
        managers = list(session.scalars(select(User.id).where(User.name.in_(names))))
        warehouse = session.scalar(select(Warehouse.id))
        item = session.scalar(select(Item.id))
        party = session.scalar(select(Party.id))
    with platform.engine.begin() as connection:
        order_rows, line_rows, shipment_rows, shipped_rows = [], [], [], []
        for n in range(1, orders + 1):
            day = start + timedelta(days=n * MONTH_DAYS // (orders + 1))
            order_rows.append({
                "id": n, "number": f"SO-{n:06d}", "party_id": party,
                "warehouse_id": warehouse, "manager_id": rng.choice(managers),
                "order_date": day, "due_date": day + timedelta(days=rng.randint(-2, 5)),
                "notes": "", "subtotal": 0, "tax_total": 0, "total": 0, "custom_count": 0,
                "shortage_count": 0, "cancel_reason": "", "created_at": now,
                "updated_at": now, "state": "shipped", "state_changed_at": now})
            shipment_rows.append({"id": n, "order_id": n, "number": f"SH-{n:06d}",
                                  "ship_date": day, "status": "posted", "user_name": "",
                                  "created_at": now})
            for position in range(1, LINES + 1):
                line = (n - 1) * LINES + position
                qty, price = Decimal(rng.randint(1, 9)), Decimal(rng.randint(50, 500))
                line_rows.append({
                    "id": line, "order_id": n, "position": position, "item_id": item,
                    "description": "", "qty": qty, "price": price, "discount_pct": 0,
                    "tax_rate": 0, "net_amount": qty * price, "tax_amount": 0,
                    "total_amount": qty * price, "reserved_qty": 0, "shipped_qty": qty,
                    "to_produce_qty": 0, "to_buy_qty": 0})
                shipped_rows.append({"shipment_id": n, "order_line_id": line, "qty": qty})
        for model, rows in ((Order, order_rows), (OrderLine, line_rows),
                            (Shipment, shipment_rows), (ShipmentLine, shipped_rows)):
            connection.execute(insert(model), rows)
        moment = datetime.combine(start, datetime.min.time())
        connection.execute(insert(Deal), [
            {"title": f"Deal {n}", "party_id": party, "manager_id": rng.choice(managers),
             "amount": Decimal(rng.randint(1000, 90000)), "probability": 100,
             "source": "", "notes": "", "lost_reason": "", "reached_rank": 4,
             "state": rng.choice(("won", "lost")), "created_at": moment,
             "closed_at": moment + timedelta(hours=n * 4)} for n in range(2000)])
        connection.execute(insert(Interaction), [
            {"party_id": party, "manager_id": rng.choice(managers), "kind": "email",
             "at": moment + timedelta(minutes=n * 26), "subject": "Follow-up", "outcome": "",
             "next_step": "", "created_at": moment} for n in range(20000)])
        connection.exec_driver_sql("ANALYZE")


def main() -> None:
    arguments = sys.argv[1:]
    url = None
    if "--db" in arguments:
        at = arguments.index("--db")
        url = arguments[at + 1]
        del arguments[at:at + 2]
    orders = int(arguments[0]) if arguments else 24_000
    with tempfile.TemporaryDirectory() as folder:
        from ordercraft.plugins.kpi.service import score
        from ordercraft.sdk.testing import test_database_url

        url, drop = test_database_url(Path(folder), url or "")
        platform = Platform(url, only=["crm", "sales", "analysis", "kpi"])
        create_all_and_stamp(platform)
        populate(platform, orders)

        def run() -> dict:
            with platform.session() as session:
                return score(session, "2026-11")

        document = run()
        kpis = sum(len(row["kpis"]) for row in document["managers"])
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            run()
            samples.append(time.perf_counter() - started)
        seconds = statistics.median(samples)
        verdict = "within" if seconds <= 1 else "OVER"
        print(f"database: {platform.engine.dialect.name}; {orders:,} orders of {LINES} lines "
              f"over 12 months; {len(document['managers'])} managers × "
              f"{kpis // max(len(document['managers']), 1)} KPIs")
        print(f"period score (2026-11): {seconds * 1000:.0f} ms ({verdict} 1 s)")
        platform.dispose()
        drop()


if __name__ == "__main__":
    main()
