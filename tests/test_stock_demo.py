"""The demo's opening stock: posted once, through the ledger, and consistent."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from ordercraft.core.stock.models import StockDocument
from ordercraft.sdk import stock
from ordercraft.sdk.testing import Site, test_database_url


def test_the_demo_posts_opening_stock_once(tmp_path):
    from ordercraft.core.demo import seed_demo, seed_stock
    from ordercraft.core.platform import Platform

    url, drop = test_database_url(tmp_path)
    platform = Platform(url, only=[])
    try:
        seed_demo(platform, "admin-password")
        site = Site(platform)
        with site.session() as session:
            robots = stock.balance(session, "ROBOT-STD", "MAIN")
            assert (robots.qty, robots.value) == (Decimal(6), Decimal("5880.0000"))
            processors = stock.layers(session, "CPU-A4", "PARTS")
            assert [(layer["qty_left"], layer["unit_cost"]) for layer in processors] == [
                ("8", "62.00"), ("4", "65.00")]
            assert stock.balance(session, "MOTOR-DC6", "PARTS").qty == 52
            paint = stock.balance(session, "PAINT-WHITE", "PARTS")
            assert (paint.qty, paint.value) == (Decimal("10.25"), Decimal("100.4500"))
            documents = session.scalar(select(func.count()).select_from(StockDocument))
            assert stock.verify(session).ok
        # Running the seeder again (a re-seeded site) adds nothing.
        with site.session() as session:
            seed_stock(session)
        with site.session() as session:
            assert session.scalar(select(func.count()).select_from(StockDocument)) == documents
    finally:
        platform.dispose()
        drop()
