"""sales' service ``orders`` for other plugins: enter an order from another document (a
proposal) without importing sales::

    orders = plugin_service(session, "sales", "orders")
    made = orders.create(session, client=12, deal=7, lines=[{"item": "KIT", "qty": "5",
                         "price": "320.00", "discount": "10", "tax_rate": "20",
                         "description": "Construction kit"}],
                         milestones=[{"label": "Prepayment", "percent": "30",
                                      "trigger": "before_production"}],
                         notes="From proposal TCP-00001")
    made["id"], made["number"], made["total"]      # plain values, never the ORM object
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session


class OrderIntake:
    """Orders entered by other plugins, with their payment schedule."""

    def create(self, session: Session, *, client: Any, lines: Sequence[Mapping[str, Any]],
               milestones: Sequence[Mapping[str, Any]] = (), deal: Any = None,
               order_date: Any = None, due_date: Any = None, notes: str = "") -> dict[str, Any]:
        """A draft order with ``lines`` (``item, qty, price, discount, tax_rate,
        description``) and its payment schedule; returns ``{"id", "number", "total",
        "state"}``. Refusals are the order's own (a field named ``lines.N.item`` ...)."""
        from ordercraft.plugins.sales.invoicing import set_schedule
        from ordercraft.plugins.sales.orders import create_order

        order = create_order(session, client, lines=list(lines), deal=deal,
                             order_date=order_date, due_date=due_date, notes=notes)
        if milestones:
            set_schedule(session, order, list(milestones))
        return self.summary(session, order.id)

    def summary(self, session: Session, order_id: int) -> dict[str, Any]:
        """``{"id", "number", "total", "state"}`` of an order."""
        from ordercraft.plugins.sales.orders import get_order, money

        order = get_order(session, order_id)
        return {"id": order.id, "number": order.number, "total": money(order.total),
                "state": order.state}


ORDERS = OrderIntake()
