"""Orders list speed: the orders page of a site with 50,000 orders and 10,000 clients.

Run: python tests/bench/bench_sales.py [ORDERS] [--clients N] [--db URL]

The site is a new SQLite file (or the PostgreSQL database given with --db, in a fresh
schema dropped afterwards). Orders spread over
three years across the clients, in every state, two lines each (100,000 lines). Each
figure is the server time of one whole page request through the Flask app (login
session, plugin switch, the service's two queries, the template), timed over 30
requests: the first page, a page deep in the list, the list filtered by state, by a
date range, and by a search word. The median and the 95th percentile are printed,
against the target of 150 ms.
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

STATES = ("draft", "confirmed", "in_production", "reserved", "partially_shipped", "shipped",
          "invoiced", "paid", "closed", "closed", "closed", "cancelled")
TARGET_MS = 150
CHUNK = 5000
PASSWORD = "bench-password"


def build(platform: Platform, orders: int, clients: int) -> None:
    from ordercraft.plugins.sales.models import Order, OrderLine

    rng = random.Random(11)
    with platform.session() as session:
        ensure_roles(session)
        create_user(session, "admin", roles=["admin"], password=PASSWORD)
        create_user(session, "maria", roles=["manager"], full_name="Maria Kowalski")
        session.add(Warehouse(code="MAIN", name="Main warehouse"))
        for n in range(40):
            session.add(Item(sku=f"ITEM-{n:03d}", name=f"Item {n}", kind="good",
                             price=Decimal(10 + n), attributes={}))
        session.flush()
        item_ids = list(session.scalars(select(Item.id)))
        warehouse_id = session.scalar(select(Warehouse.id))
        manager_id = session.scalar(select(User.id).where(User.name == "maria"))
    now = datetime(2024, 6, 1, 12, 0)
    with platform.engine.begin() as connection:
        for first in range(0, clients, CHUNK):
            connection.execute(insert(Party), [
                {"name": f"Client {n:05d} {rng.choice(('School', 'College', 'Club', 'Lab'))}",
                 "kind": "client", "source": "", "tax_id": "", "phone": "", "email": "",
                 "address": "", "notes": "", "created_at": now, "updated_at": now}
                for n in range(first, min(first + CHUNK, clients))])
        party_ids = [row[0] for row in connection.execute(select(Party.id))]
        start = date(2021, 6, 1)
        for first in range(0, orders, CHUNK):
            batch = range(first, min(first + CHUNK, orders))
            rows, lines = [], []
            for n in batch:
                day = start + timedelta(days=n * 1095 // orders)
                total = Decimal(rng.randint(100, 50_000))
                rows.append({
                    "id": n + 1, "number": f"SO-{n + 1:05d}", "party_id": rng.choice(party_ids),
                    "warehouse_id": warehouse_id, "manager_id": manager_id, "order_date": day,
                    "due_date": day + timedelta(days=21), "notes": "", "subtotal": total,
                    "tax_total": Decimal(0), "total": total, "custom_count": 0,
                    "shortage_count": rng.choice((0, 0, 0, 1)), "cancel_reason": "",
                    "created_at": now, "updated_at": now, "state": rng.choice(STATES),
                    "state_changed_at": now})
                for position in (1, 2):
                    lines.append({
                        "order_id": n + 1, "position": position, "item_id": rng.choice(item_ids),
                        "description": "", "qty": Decimal(2), "price": total / 4,
                        "discount_pct": Decimal(0), "tax_rate": Decimal(0),
                        "net_amount": total / 2, "tax_amount": Decimal(0),
                        "total_amount": total / 2, "reserved_qty": Decimal(0),
                        "shipped_qty": Decimal(0), "to_produce_qty": Decimal(0),
                        "to_buy_qty": Decimal(0)})
            connection.execute(insert(Order), rows)
            connection.execute(insert(OrderLine), lines)
    with platform.engine.begin() as connection:
        # Statistics for the planner, as a site that grew over time has them.
        connection.exec_driver_sql("ANALYZE")


def timed(client, path: str, runs: int = 30) -> tuple[float, float]:
    client.get(path)  # warm: templates compiled, statements cached
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    arguments = sys.argv[1:]
    url = None
    clients = 10_000
    for flag in ("--db", "--clients"):
        if flag in arguments:
            at = arguments.index(flag)
            value = arguments[at + 1]
            del arguments[at:at + 2]
            if flag == "--db":
                url = value
            else:
                clients = int(value)
    orders = int(arguments[0]) if arguments else 50_000
    with tempfile.TemporaryDirectory() as folder:
        from ordercraft.sdk.testing import test_database_url

        # A PostgreSQL database gets a fresh schema, dropped at the end.
        url, drop = test_database_url(Path(folder), url or "")
        platform = Platform(url, only=["crm", "sales"])
        create_all_and_stamp(platform)
        started = time.perf_counter()
        build(platform, orders, clients)
        print(f"database: {platform.engine.dialect.name}; {orders:,} orders, {orders * 2:,} "
              f"lines, {clients:,} clients; built in {time.perf_counter() - started:.1f} s")
        from ordercraft.web import create_app

        app = create_app(platform)
        client = app.test_client()
        response = client.post("/login", data={"name": "admin", "password": PASSWORD})
        assert response.status_code in (302, 303), "login failed"
        worst = 0.0
        for name, path in (("first page", "/orders/"),
                           ("page 1,000", "/orders/?offset=24975"),
                           ("state = shipped", "/orders/?status=shipped"),
                           ("one month", "/orders/?from=2023-03-01&to=2023-03-31"),
                           ("search 'college'", "/orders/?q=college"),
                           ("search a number", "/orders/?q=SO-04242")):
            median, p95 = timed(client, path)
            worst = max(worst, median)
            print(f"{name:>18}: median {median:6.1f} ms, 95th percentile {p95:6.1f} ms")
        verdict = "within" if worst <= TARGET_MS else "OVER"
        print(f"slowest median {worst:.1f} ms: {verdict} the target of {TARGET_MS} ms")
        platform.dispose()
        drop()


if __name__ == "__main__":
    main()
