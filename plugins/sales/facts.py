"""sales' service ``facts`` (hook ``plugin_services``): what was sold, as rows for
analytics, aggregated by the caller in SQL.

``plugin_service(session, "sales", "facts").sales_lines()`` is a SQLAlchemy ``Select``
of one row per shipped line (a posted, not cancelled shipment of an order line), with
the columns

=============  ====================================================================
``date``       the shipment's date
``item_id``    the item (``items.id``)
``client_id``  the order's client (``parties.id``)
``manager_id`` the order's manager (``users.id``) or NULL
``division``   NULL: sales knows no divisions (the kpi plugin maps managers to them)
``qty``        the quantity shipped, in the item's unit
``net_amount`` the line's net amount (after discount, before tax) for that quantity
``cost``       NULL: the cost of goods shipped is the ledger's, not read here yet
``order_id``   the order (``sales_orders.id``), to count orders
=============  ====================================================================

A line shipped whole carries its net amount exactly; a part of a line carries the net
amount in proportion to the quantity (``net × shipped / ordered``, which the database
computes at 6 decimals). The caller wraps it (``.subquery()``) and filters and groups
over the named columns, so a million lines are summed by the database, not in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, case, literal, null, select

from ordercraft.sdk.models import Money


class SalesFactService:
    """Sold lines for analytics (see the module's docstring)."""

    def sales_lines(self, session: Any = None) -> Select[Any]:
        """The shipped lines as a ``Select`` (``session`` is accepted for symmetry with
        the other services; the statement is built without it)."""
        from ordercraft.plugins.sales.models import Order, OrderLine, Shipment, ShipmentLine

        shipped = ShipmentLine.qty
        amount = case((shipped == OrderLine.qty, OrderLine.net_amount),
                      else_=OrderLine.net_amount * shipped / OrderLine.qty)
        return (
            select(Shipment.ship_date.label("date"), OrderLine.item_id.label("item_id"),
                   Order.party_id.label("client_id"), Order.manager_id.label("manager_id"),
                   literal(None, String()).label("division"), shipped.label("qty"),
                   amount.label("net_amount"), null().cast(Money()).label("cost"),
                   Order.id.label("order_id"))
            .select_from(ShipmentLine)
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Shipment.status == "posted"))


FACTS = SalesFactService()
