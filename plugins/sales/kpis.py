"""sales' KPI metrics (analysis' hook ``register_kpi_metrics``, optional): gross margin
of what was shipped, on-time shipments and overdue receivables — per order manager,
over a period, each one query. (Revenue and orders shipped are analysis' own metrics,
read from sales' service ``facts``.)

* ``gross_margin``: the net amount of the lines shipped in the period minus the cost
  the ledger took out for those shipments (the shipments' stock issues, FIFO or
  average as each item is valued).
* ``on_time_shipments``: percent of the shipments posted in the period on or before
  their order's due date (an order without a due date is on time).
* ``receivables_overdue``: what is still open today of the invoices issued by the end
  of the period and due before it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, literal, select, union_all

DIMENSIONS = ("manager", "division")


def gross_margin(session: Any, date_from: date, date_to: date) -> Select[Any]:
    return _gross_margin(date_from, date_to, per_item=False)


def gross_margin_per_item(session: Any, date_from: date, date_to: date) -> Select[Any]:
    """The same margin per item (for the dimension ``item_group``)."""
    return _gross_margin(date_from, date_to, per_item=True)


def _gross_margin(date_from: date, date_to: date, *, per_item: bool) -> Select[Any]:
    from ordercraft.plugins.sales.models import Order, OrderLine, Shipment, ShipmentLine
    from ordercraft.sdk.stock import StockMove

    amount = case((ShipmentLine.qty == OrderLine.qty, OrderLine.net_amount),
                  else_=OrderLine.net_amount * ShipmentLine.qty / OrderLine.qty)
    shipped = (Shipment.status == "posted", Shipment.ship_date >= date_from,
               Shipment.ship_date <= date_to,
               *(() if per_item else (Order.manager_id.is_not(None),)))
    revenue_key = OrderLine.item_id if per_item else Order.manager_id
    revenue = (select(revenue_key.label("key"), amount.label("value"))
               .select_from(ShipmentLine)
               .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
               .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
               .join(Order, Order.id == OrderLine.order_id).where(*shipped))
    # an issue's value is negative: adding it takes the cost off
    cost_key = StockMove.item_id if per_item else Order.manager_id
    cost = (select(cost_key.label("key"), StockMove.value.label("value"))
            .select_from(Shipment)
            .join(Order, Order.id == Shipment.order_id)
            .join(StockMove, StockMove.document_id == Shipment.stock_document_id)
            .where(*shipped))
    both = union_all(revenue, cost).subquery()
    return select(both.c.key, func.sum(both.c.value)).group_by(both.c.key)


def on_time_shipments(session: Any, date_from: date, date_to: date) -> Select[Any]:
    from ordercraft.plugins.sales.models import Order, Shipment

    on_time = case((Order.due_date.is_(None), 100), (Shipment.ship_date <= Order.due_date, 100),
                   else_=0)
    return (select(Order.manager_id, func.sum(on_time) * 1.0 / func.count())
            .select_from(Shipment).join(Order, Order.id == Shipment.order_id)
            .where(Shipment.status == "posted", Shipment.ship_date >= date_from,
                   Shipment.ship_date <= date_to, Order.manager_id.is_not(None))
            .group_by(Order.manager_id))


def receivables_overdue(session: Any, date_from: date, date_to: date) -> Select[Any]:
    from ordercraft.plugins.sales.models import Invoice, Order

    return (select(Order.manager_id, func.sum(Invoice.open_amount))
            .select_from(Invoice).join(Order, Order.id == Invoice.order_id)
            .where(Invoice.state.in_(("issued", "partially_paid")),
                   Invoice.open_amount > literal(0), Invoice.issue_date <= date_to,
                   Invoice.due_date < date_to, Order.manager_id.is_not(None))
            .group_by(Order.manager_id))


def register(registry: Any) -> None:
    registry.add("gross_margin", "Gross margin of shipments", gross_margin, unit="money",
                 dimensions=(*DIMENSIONS, "item_group"), per_item=gross_margin_per_item)
    registry.add("on_time_shipments", "Shipments on time", on_time_shipments,
                 unit="percent", dimensions=("manager",))
    registry.add("receivables_overdue", "Receivables overdue", receivables_overdue,
                 unit="money", dimensions=DIMENSIONS, higher_is_better=False)
