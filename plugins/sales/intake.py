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
        description``, and ``source``: the calculator run that priced a line, kept with
        it) and its payment schedule; returns ``{"id", "number", "total",
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


class MoneyIn:
    """sales' service ``money``: issue a prepayment invoice and record a payment from
    another plugin (a proposal's demo, an e-commerce add-on), as plain values."""

    def prepayment(self, session: Session, order: Any, milestone: int,
                   issue_date: Any = None) -> dict[str, Any]:
        """The prepayment invoice of the order's milestone; ``{"number", "total",
        "due_date", "state"}``."""
        from ordercraft.plugins.sales.invoicing import invoice_dict, issue_prepayment

        found = invoice_dict(issue_prepayment(session, order, milestone, issue_date),
                             details=False)
        return {key: found[key] for key in ("number", "total", "due_date", "state")}

    def pay(self, session: Session, client: Any, amount: Any, *, pay_date: Any = None,
            reference: str = "", invoices: Sequence[str] = ()) -> dict[str, Any]:
        """Record a payment allocated to ``invoices`` in turn; ``{"number",
        "unallocated"}``."""
        from ordercraft.plugins.sales.invoicing import record_payment

        payment = record_payment(session, client, amount, pay_date=pay_date,
                                 reference=reference,
                                 allocations=[{"invoice": number} for number in invoices])
        return {"number": payment.number, "unallocated": payment.unallocated}


MONEY = MoneyIn()
