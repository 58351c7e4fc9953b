"""The client-group rule kind sales adds to crm (crm's hook ``register_client_rules``):
``bought_within_days = N`` selects the clients with an order confirmed in the last N
days (cancelled orders do not count)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def _bought(ctx: Any) -> Any:
    from sqlalchemy import select

    from ordercraft.plugins.sales.models import Order
    from ordercraft.sdk.models import Party

    since = ctx.now - timedelta(days=ctx.value)
    return Party.id.in_(select(Order.party_id).where(Order.confirmed_at >= since,
                                                     Order.state != "cancelled"))


def add_bought_within_days(registry: Any) -> None:
    registry.add("bought_within_days", "Bought in the last N days", _bought,
                 value_type="number", example="90", phrase="bought in the last {value} days",
                 negated="not bought in the last {value} days")
