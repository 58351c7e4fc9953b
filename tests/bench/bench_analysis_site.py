"""Analyses over a site's sales: ABC and XYZ over 1,000,000 shipped lines (5,000 items,
24 months), summed in SQL through sales' service ``facts``, and the owner's dashboard.

Run: python tests/bench/bench_analysis_site.py [LINES] [--db URL] [--keep NAME]

With ``--keep NAME`` the site is kept for the next run with the same NAME (an SQLite
file NAME.db in the temporary folder, or the PostgreSQL schema ``NAME``), which then
measures without building: the build takes minutes, the measures seconds, so a short
quiet moment on a shared machine is enough.

The site is a new SQLite file (or the PostgreSQL database given with --db, in a fresh
schema dropped afterwards): LINES / 20 orders of 20 lines over 24 months (2025-01 to
2026-12), 5,000 items, 2,000 clients, each order shipped whole by one shipment. Each
figure is the wall time of the whole analysis as the command and the API run it (the
``GROUP BY`` in the database, the engine, the JSON document), the median of 5 runs after
one warm-up. The lines are inserted directly, then sales' monthly totals are rebuilt
from them (``ordercraft order rebuild-totals``); ranges of whole months read the totals,
"abc days" (a range of days) reads the lines; the dashboard's is the server time of ``GET /`` through the Flask app,
median of 20. Targets: 2 s for ABC and for XYZ, 300 ms for the dashboard.
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

ITEMS = 5_000
CLIENTS = 2_000
LINES_PER_ORDER = 20
CHUNK = 20_000
PASSWORD = "bench-password"
START = date(2025, 1, 1)
DAYS = 730


def build(platform: Platform, lines: int) -> None:
    from ordercraft.plugins.sales.models import Order, OrderLine, Shipment, ShipmentLine

    rng = random.Random(15)
    now = datetime(2026, 12, 31, 12, 0)
    with platform.session() as session:
        ensure_roles(session)
        create_user(session, "admin", roles=["admin"], password=PASSWORD)
        create_user(session, "maria", roles=["manager"], full_name="Maria Kowalski")
        session.add(Warehouse(code="MAIN", name="Main warehouse"))
        session.flush()
        warehouse_id = session.scalar(select(Warehouse.id))
        manager_id = session.scalar(select(User.id).where(User.name == "maria"))
    with platform.engine.begin() as connection:
        connection.execute(insert(Item), [
            {"sku": f"ITEM-{n:05d}", "name": f"Item {n}", "kind": "good", "unit": "pc",
             "unit_precision": 0, "valuation": "fifo", "price": Decimal(10 + n % 900),
             "description": "", "attributes": {}, "active": True, "created_at": now,
             "updated_at": now} for n in range(ITEMS)])
        connection.execute(insert(Party), [
            {"name": f"Client {n:05d}", "kind": "client", "source": "", "tax_id": "",
             "phone": "", "email": "", "address": "", "notes": "", "created_at": now,
             "updated_at": now} for n in range(CLIENTS)])
        item_ids = [row[0] for row in connection.execute(select(Item.id))]
        party_ids = [row[0] for row in connection.execute(select(Party.id))]
        # A few items sell much more than the rest, as in a real assortment (Pareto).
        weights = [1 / (rank + 10) for rank in range(ITEMS)]
        orders = lines // LINES_PER_ORDER
        per_chunk = CHUNK // LINES_PER_ORDER
        for first in range(0, orders, per_chunk):
            order_rows, line_rows, shipment_rows, shipped_rows = [], [], [], []
            for n in range(first, min(first + per_chunk, orders)):
                day = START + timedelta(days=n * DAYS // orders)
                order_rows.append({
                    "id": n + 1, "number": f"SO-{n + 1:06d}", "party_id": rng.choice(party_ids),
                    "warehouse_id": warehouse_id, "manager_id": manager_id, "order_date": day,
                    "due_date": day, "notes": "", "subtotal": Decimal(0),
                    "tax_total": Decimal(0), "total": Decimal(0), "custom_count": 0,
                    "shortage_count": 0, "cancel_reason": "", "created_at": now,
                    "updated_at": now, "state": "shipped", "state_changed_at": now})
                shipment_rows.append({"id": n + 1, "order_id": n + 1,
                                      "number": f"SO-{n + 1:06d}-1", "ship_date": day,
                                      "status": "posted", "user_name": "maria",
                                      "created_at": now})
                chosen = rng.choices(item_ids, weights=weights, k=LINES_PER_ORDER)
                for position, item_id in enumerate(chosen, start=1):
                    line_id = n * LINES_PER_ORDER + position
                    qty = Decimal(rng.randint(1, 20))
                    price = Decimal(rng.randint(500, 50_000)) / 100
                    line_rows.append({
                        "id": line_id, "order_id": n + 1, "position": position,
                        "item_id": item_id, "description": "", "qty": qty, "price": price,
                        "discount_pct": Decimal(0), "tax_rate": Decimal(0),
                        "net_amount": qty * price, "tax_amount": Decimal(0),
                        "total_amount": qty * price, "reserved_qty": Decimal(0),
                        "shipped_qty": qty, "to_produce_qty": Decimal(0),
                        "to_buy_qty": Decimal(0)})
                    shipped_rows.append({"shipment_id": n + 1, "order_line_id": line_id,
                                         "qty": qty, "cost": qty * price * 6 / 10})
            connection.execute(insert(Order), order_rows)
            connection.execute(insert(OrderLine), line_rows)
            connection.execute(insert(Shipment), shipment_rows)
            connection.execute(insert(ShipmentLine), shipped_rows)
    with platform.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    from ordercraft.plugins.sales.summary import rebuild

    started = time.perf_counter()
    with platform.session() as session:
        rows = rebuild(session)
    with platform.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    print(f"monthly totals rebuilt from the lines: {rows:,} rows in "
          f"{time.perf_counter() - started:.1f} s")


def timed(run, runs: int) -> tuple[float, float]:
    """The median wall time and the median CPU time of this process (the Python side:
    SQLite's work is in it, PostgreSQL's is in the server's) of ``runs`` runs."""
    run()  # warm: statements compiled, pages cached
    samples, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(samples), statistics.median(cpu)


def kept_site(url: str | None, name: str) -> tuple[str, bool]:
    """The URL of the kept site ``name`` and whether it is already built."""
    if not url:
        path = Path(tempfile.gettempdir()) / f"{name}.db"
        return f"sqlite:///{path}", path.exists()
    import psycopg

    conninfo = "postgresql://" + url.split("://", 1)[1]
    with psycopg.connect(conninfo, autocommit=True) as connection:
        built = connection.execute("SELECT 1 FROM information_schema.tables WHERE "
                                   "table_schema = %s AND table_name = 'sales_totals'",
                                   (name,)).fetchone() is not None
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{name}", built


def main() -> None:
    arguments = sys.argv[1:]
    url = None
    if "--db" in arguments:
        at = arguments.index("--db")
        url = arguments[at + 1]
        del arguments[at:at + 2]
    keep = None
    if "--keep" in arguments:
        at = arguments.index("--keep")
        keep = arguments[at + 1]
        del arguments[at:at + 2]
    lines = int(arguments[0]) if arguments else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        from ordercraft.plugins.analysis.service import sales_query, site_analysis
        from ordercraft.sdk.testing import test_database_url

        if keep is None:
            url, drop = test_database_url(Path(folder), url or "")
            built = False
        else:
            url, built = kept_site(url, keep)
            drop = lambda: None  # noqa: E731  (kept for the next run)
        platform = Platform(url, only=["crm", "sales", "analysis"])
        if built:
            print(f"database: {platform.engine.dialect.name}; the site kept as {keep!r}")
        else:
            create_all_and_stamp(platform)
            started = time.perf_counter()
            build(platform, lines)
            print(f"database: {platform.engine.dialect.name}; {lines:,} shipped lines, "
                  f"{lines // LINES_PER_ORDER:,} orders, {ITEMS:,} items, 24 months; built "
                  f"in {time.perf_counter() - started:.1f} s")
        query = sales_query(date_from=START, date_to=START + timedelta(days=DAYS - 1))
        margin = sales_query(date_from=START, date_to=START + timedelta(days=DAYS - 1),
                             measure="margin")
        days = sales_query(date_from=START + timedelta(days=1),
                           date_to=START + timedelta(days=DAYS - 2))
        for kind, label, asked, target in (
                ("abc", "abc", query, 2.0), ("xyz", "xyz", query, 2.0),
                ("abcxyz", "abcxyz", query, 2.0), ("abc", "abc margin", margin, 2.0),
                ("abc", "abc days", days, 2.0)):
            def run(kind: str = kind, asked: object = asked) -> dict:
                with platform.session() as session:
                    return site_analysis(session, kind, asked)
            document = run()
            seconds, cpu = timed(run, 5)
            verdict = "within" if seconds <= target else "OVER"
            print(f"{label:>10} of {len(document['items']):,} items over "
                  f"{lines:,} lines: {seconds * 1000:7.0f} ms, CPU {cpu * 1000:6.0f} ms "
                  f"({verdict} {target:.0f} s)")
        from ordercraft.web import create_app

        app = create_app(platform)
        client = app.test_client()
        response = client.post("/login", data={"name": "admin", "password": PASSWORD})
        assert response.status_code in (302, 303), "login failed"

        def home() -> None:
            assert client.get("/").status_code == 200

        seconds, cpu = timed(home, 20)
        verdict = "within" if seconds <= 0.3 else "OVER"
        print(f"owner's dashboard (GET /): {seconds * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms "
              f"({verdict} 300 ms)")
        platform.dispose()
        drop()


if __name__ == "__main__":
    main()
