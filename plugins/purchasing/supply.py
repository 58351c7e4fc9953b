"""purchasing's service ``supply`` (CONTRACTS.md), for planning and other plugins::

    supply = plugin_service(session, "purchasing", "supply")
    for line in supply.open_purchase_lines(session):       # MRP's scheduled receipts
        ...
    offer = supply.best_offer(session, item_id, Decimal(40))  # None: no valid offer

Plain dataclasses with ``Decimal`` quantities; no purchasing table leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.purchasing.matrix import OfferChoice, best_offers

OPEN_STATES = ("draft", "sent", "confirmed", "partially_received")


@dataclass(frozen=True)
class SupplyLine:
    """An open purchase order line: what is still to arrive, and when."""

    order_id: int
    order_number: str
    line_id: int
    item_id: int
    item: str
    qty_open: Decimal
    expected_date: date | None
    supplier_id: int
    supplier: str
    state: str
    #: The code of the warehouse it is received into.
    warehouse: str = ""


class PurchasingSupply:
    def open_purchase_lines(self, session: Session, item_ids: Iterable[int] | None = None
                            ) -> list[SupplyLine]:
        """Lines of open purchase orders (draft to partially received) with something
        still to receive, by expected date."""
        from ordercraft.plugins.purchasing.models import PurchaseOrder, PurchaseOrderLine
        from ordercraft.sdk.models import Item, Party, Warehouse
        from ordercraft.sdk.permissions import require_session_permission

        require_session_permission(session, "purchasing.read")
        query = (select(PurchaseOrder.id, PurchaseOrder.number, PurchaseOrderLine.id,
                        PurchaseOrderLine.item_id, Item.sku, PurchaseOrderLine.qty,
                        PurchaseOrderLine.received_qty, PurchaseOrderLine.expected_date,
                        PurchaseOrder.expected_date, PurchaseOrder.supplier_id, Party.name,
                        PurchaseOrder.state, Warehouse.code)
                 .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
                 .join(Item, Item.id == PurchaseOrderLine.item_id)
                 .join(Party, Party.id == PurchaseOrder.supplier_id)
                 .join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id)
                 .where(PurchaseOrder.state.in_(OPEN_STATES),
                        PurchaseOrderLine.qty > PurchaseOrderLine.received_qty)
                 .order_by(PurchaseOrderLine.expected_date, PurchaseOrderLine.id))
        if item_ids is not None:
            query = query.where(PurchaseOrderLine.item_id.in_(list(item_ids)))
        return [SupplyLine(order_id, number, line_id, item_id, sku, qty - received,
                           line_date or order_date, supplier_id, supplier, state, warehouse)
                for (order_id, number, line_id, item_id, sku, qty, received, line_date,
                     order_date, supplier_id, supplier, state, warehouse)
                in session.execute(query)]

    def best_offer(self, session: Session, item_id: int, qty: Any,
                   on: date | None = None) -> OfferChoice | None:
        """The best valid offer for ``qty`` of the item on ``on`` (default today):
        ``supplier``, ``supplier_id``, ``price``, ``currency``, ``lead_time_days``,
        ``min_qty``, ``multiple``, ``order_qty`` (the need rounded to them),
        ``explanation``; ``None`` when no offer is valid."""
        return best_offers(session, {item_id: Decimal(qty)}, on)[item_id]

    def best_offers(self, session: Session, needs: dict[int, Decimal],
                    on: date | None = None) -> dict[int, OfferChoice | None]:
        """:meth:`best_offer` for many items at once (item id -> quantity)."""
        return best_offers(session, needs, on)

    def generate_request(self, session: Session, route: str, **parameters: Any) -> str:
        """``request generate``: propose lines by ``route`` (``shortages``, ``sales``,
        ``invoices``, ``abc``; ``parameters`` as the command's options: ``date_from``,
        ``date_to``, ``cover_days``, ``group``, ``classes``, ``supplier``, ``min_value``,
        ``on``) and log the request; returns its number."""
        from ordercraft.plugins.purchasing.requests import generate

        return generate(session, route, **parameters).number

    def order_request(self, session: Session, number: str, *, warehouse: Any = None,
                      serving: Iterable[str] | None = None) -> list[str]:
        """Group the request's proposed lines (``serving``: only those whose sources name
        one of these refs, e.g. a production order's number) into draft purchase
        orders, one per supplier, received into ``warehouse`` (a code; default:
        purchasing's receiving warehouse); returns their numbers. Send and receive them
        by their workflow (document type ``purchase_order``: ``send`` e-mails the
        supplier)."""
        from ordercraft.plugins.purchasing.requests import get_request, order_lines

        lines = None
        if serving is not None:
            refs = set(serving)
            lines = [line.id for line in get_request(session, number).lines
                     if line.status == "proposed"
                     and refs & {source.get("ref") for source in line.sources or []}]
            if not lines:
                return []
        return [order.number for order in order_lines(session, lines, request=number,
                                                     warehouse=warehouse)]

    def create_purchase_order(self, session: Session, supplier_id: int,
                              lines: list[dict[str, Any]], *, expected_date: date | None = None,
                              notes: str = "", warehouse: Any = None) -> str:
        """A draft purchase order to the supplier (party id) with ``lines``
        (``[{"item_id", "qty", "price"?, "expected_date"?, "sources"?}]``, no price: the
        supplier's offer), received into ``warehouse`` (a code; default: purchasing's
        receiving warehouse); returns its number. Planning firms its planned orders so."""
        from ordercraft.plugins.purchasing.orders import create_order
        from ordercraft.sdk.items import get_item_by_id

        order = create_order(session, supplier_id, expected_date=expected_date, notes=notes,
                             warehouse=warehouse,
                             lines=[{"item": get_item_by_id(session, line["item_id"]).sku,
                                     "qty": line["qty"], "price": line.get("price"),
                                     "expected_date": line.get("expected_date"),
                                     "sources": line.get("sources")} for line in lines])
        return order.number


SUPPLY = PurchasingSupply()
