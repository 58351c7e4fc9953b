"""A year of shipped orders for the demo, so that analyses (ABC/XYZ/BCG), the managers'
metrics and the owner's dashboard have something to show.

Seeded before the story's orders, from stock received a year and a month back and
shipped whole in the month of each order: standard robots sell every month (a steady
A item), construction kits peak before the school year (uneven), ultrasonic sensors
steadily in small amounts, infrared sensors now and then. Numbered ``SO-H001`` ... so
the story's order stays ``SO-00001``. Deterministic: the same demo on every site.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ordercraft.sdk import demo

#: sku -> quantity per month, one figure per month from 12 months ago to last month.
MONTHLY = {
    "ROBOT-STD": [4, 4, 4, 4, 4, 5, 4, 4, 4, 4, 4, 4],
    "KIT-CONSTRUCT": [2, 1, 1, 2, 3, 8, 12, 6, 2, 1, 1, 2],
    "SENSOR-US": [20, 20, 30, 20, 20, 30, 20, 20, 30, 20, 20, 30],
    "SENSOR-IR": [0, 40, 0, 0, 10, 0, 60, 0, 0, 0, 20, 0],
    "SW-INSTALL": [3, 4, 3, 3, 4, 3, 4, 3, 3, 4, 3, 4],
}
CLIENTS = ("Future Engineers Robotics School", "Oakridge International School",
           "CodeCamp Kids Club", "EduTech Distribution", "Greenwood Lyceum",
           "Summit Prep School")
MANAGERS = ("manager", "admin")


def _month_start(today: date, months_back: int) -> date:
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def seed_history(session: Any, receive: Any) -> None:
    """Seed the year: ``receive(wanted, ref, on)`` receives all that the shipments take
    (whatever the site holds now: that stock may have come later than the shipments)."""
    from ordercraft.plugins.sales.machine import ship_order
    from ordercraft.plugins.sales.orders import create_order
    from ordercraft.sdk.models import Party
    from ordercraft.sdk.workflow import transition

    parties = {name: party_id for name, party_id in session.execute(
        select(Party.name, Party.id).where(Party.name.in_(CLIENTS)))}
    if not parties:
        return
    today = date.today()
    wanted = {sku: Decimal(sum(quantities)) for sku, quantities in MONTHLY.items()
              if sku != "SW-INSTALL"}
    receive(wanted, "DEMO-HISTORY", _month_start(today, 13))
    rng = random.Random(2026)
    clients = [name for name in CLIENTS if name in parties]
    number = 0
    with demo.acting_as(session, demo.demo_users(session).get("manager")):
        for month in range(12):
            start = _month_start(today, 12 - month)
            lines = [f"{sku}:{quantities[month]}" for sku, quantities in MONTHLY.items()
                     if quantities[month]]
            # Each month's lines spread over two orders of two clients and managers.
            halves = (lines[::2], lines[1::2])
            for half, part in enumerate(halves):
                if not part:
                    continue
                number += 1
                on = start + timedelta(days=3 + 10 * half + rng.randrange(5))
                order = create_order(session, parties[rng.choice(clients)], order_date=on,
                                     due_date=on + timedelta(days=14), lines=part,
                                     manager=MANAGERS[half], number=f"SO-H{number:03d}")
                transition(session, order, "confirm")
                ship_order(session, order, None, ship_date=on + timedelta(days=2))
