"""The client-group rule kind sales adds to crm: ``bought_within_days = N`` selects the
clients with an order confirmed in the last N days (cancelled orders do not count)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def _bought(ctx: Any) -> Any:
    from sqlalchemy import select

    from ordercraft.core.models import Party
    from ordercraft.plugins.sales.models import Order

    since = ctx.now - timedelta(days=ctx.value)
    return Party.id.in_(select(Order.party_id).where(Order.confirmed_at >= since,
                                                     Order.state != "cancelled"))


def bought_within_days() -> Any:
    from ordercraft.plugins.crm.rules import ClientRule

    return ClientRule("bought_within_days", "Bought in the last N days", _bought, "number",
                      example="90")
