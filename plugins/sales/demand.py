"""sales' service ``demand`` (CONTRACTS.md): what customers still wait for, as plain rows,
so purchasing and planning read sales without importing it::

    demand = plugin_service(session, "sales", "demand")
    for line in demand.open_order_lines(session):          # MRP's independent demand
        ...
    for line in demand.shortage_lines(session):            # what confirmation found short
        ...

Quantities are ``Decimal``; items are named by id and SKU.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

ZERO = Decimal(0)
#: The states of orders whose lines are still to be delivered.
OPEN_STATES = ("confirmed", "in_production", "reserved", "partially_shipped")


@dataclass(frozen=True)
class DemandLine:
    """One order line still open: ``qty_open`` is ordered minus shipped; ``to_buy`` and
    ``to_produce`` what confirmation found short (minus what shipped since)."""

    order_id: int
    order_number: str
    line_id: int
    item_id: int
    item: str
    qty_open: Decimal
    reserved: Decimal
    to_buy: Decimal
    to_produce: Decimal
    due_date: date | None


class SalesDemand:
    """Read-only open demand of sales for other plugins."""

    def open_order_lines(self, session: Session, item_ids: Iterable[int] | None = None
                         ) -> list[DemandLine]:
        """The lines of confirmed orders not fully shipped (services left out), by due
        date then order number; ``item_ids`` keeps those items only."""
        from ordercraft.plugins.sales.models import Order, OrderLine
        from ordercraft.sdk.models import Item
        from ordercraft.sdk.permissions import require_session_permission

        require_session_permission(session, "order.read")
        query = (select(Order.id, Order.number, OrderLine.id, OrderLine.item_id, Item.sku,
                        OrderLine.qty, OrderLine.shipped_qty, OrderLine.reserved_qty,
                        OrderLine.to_buy_qty, OrderLine.to_produce_qty, Order.due_date)
                 .join(Order, Order.id == OrderLine.order_id)
                 .join(Item, Item.id == OrderLine.item_id)
                 .where(Order.state.in_(OPEN_STATES), Item.kind != "service",
                        OrderLine.qty > OrderLine.shipped_qty)
                 .order_by(Order.due_date, Order.number, OrderLine.position))
        if item_ids is not None:
            query = query.where(OrderLine.item_id.in_(list(item_ids)))
        lines = []
        for (order_id, number, line_id, item_id, sku, qty, shipped, reserved, to_buy,
             to_produce, due) in session.execute(query):
            open_qty = qty - shipped
            lines.append(DemandLine(order_id, number, line_id, item_id, sku, open_qty,
                                    reserved, min(to_buy, open_qty), min(to_produce, open_qty),
                                    due))
        return lines

    def shortage_lines(self, session: Session) -> list[DemandLine]:
        """The open lines that confirmation found short (``to_buy`` or ``to_produce``)."""
        return [line for line in self.open_order_lines(session)
                if line.to_buy > 0 or line.to_produce > 0]

    def reserve_for_line(self, session: Session, line_id: int) -> Decimal:
        """Reserve for an open order what its warehouse holds now (goods bought or made
        since the confirmation), as sales' ``reserve`` does; returns what the line
        ``line_id`` gained. The line's ``to_buy``/``to_produce`` shrink accordingly."""
        from ordercraft.plugins.sales.fulfilment import reserve_available
        from ordercraft.plugins.sales.models import OrderLine
        from ordercraft.sdk.errors import Conflict, NotFound
        from ordercraft.sdk.permissions import require_session_permission

        require_session_permission(session, "order.write")
        line = session.get(OrderLine, line_id)
        if line is None:
            raise NotFound(f"order line {line_id} does not exist", field="line")
        if line.order.state not in OPEN_STATES:
            raise Conflict(f"order {line.order.number} is {line.order.state}: nothing to "
                           "reserve", field="line")
        before = line.reserved_qty
        reserve_available(session, line.order)
        return line.reserved_qty - before

    def shipped_quantities(self, session: Session, *, date_from: Any = None,
                           date_to: Any = None) -> dict[int, Decimal]:
        """Quantities shipped per item id in the period (posted shipments only)."""
        from ordercraft.plugins.sales.models import OrderLine, Shipment, ShipmentLine
        from ordercraft.sdk import validation
        from ordercraft.sdk.permissions import require_session_permission

        require_session_permission(session, "order.read")
        start = validation.day(date_from, field="date_from")
        end = validation.day(date_to, field="date_to")
        query = (select(OrderLine.item_id, func.sum(ShipmentLine.qty))
                 .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
                 .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
                 .where(Shipment.status == "posted").group_by(OrderLine.item_id))
        if start is not None:
            query = query.where(Shipment.ship_date >= start)
        if end is not None:
            query = query.where(Shipment.ship_date <= end)
        return {item_id: Decimal(qty) for item_id, qty in session.execute(query)}


DEMAND = SalesDemand()
