"""Suggestions while an order is entered, from what clients ordered before (one SQL
aggregate each, over the orders that were not cancelled):

* the client's favourites: the items in most of the client's orders;
* bought together: the items that appear most often in orders that also contain the
  items already on the order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ordercraft.plugins.sales.models import Order, OrderLine
from ordercraft.sdk.models import Item
from ordercraft.sdk.permissions import require_session_permission

LIMIT = 6


@dataclass(frozen=True)
class Suggestion:
    item: str
    name: str
    unit: str
    price: Decimal
    #: In how many orders (of the client / together with the order's items).
    orders: int
    #: How much was ordered in them.
    qty: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "name": self.name, "unit": self.unit, "price": self.price,
                "orders": self.orders, "qty": self.qty}


def _rows(session: Session, query: Any) -> list[Suggestion]:
    return [Suggestion(r.sku, r.name, r.unit, r.price, int(r.orders), r.qty)
            for r in session.execute(query)]


def client_favourites(session: Session, party_id: int, *, exclude: Iterable[int] = (),
                      limit: int = LIMIT) -> list[Suggestion]:
    """The items in most of the client's orders (then by quantity)."""
    require_session_permission(session, "order.read")
    orders = func.count(func.distinct(OrderLine.order_id)).label("orders")
    query = (select(Item.sku, Item.name, Item.unit, Item.price, orders,
                    func.sum(OrderLine.qty).label("qty"))
             .select_from(OrderLine).join(Order, Order.id == OrderLine.order_id)
             .join(Item, Item.id == OrderLine.item_id)
             .where(Order.party_id == party_id, Order.state != "cancelled",
                    Item.active.is_(True))
             .group_by(Item.id, Item.sku, Item.name, Item.unit, Item.price)
             .order_by(orders.desc(), func.sum(OrderLine.qty).desc(), Item.sku).limit(limit))
    excluded = list(exclude)
    if excluded:
        query = query.where(OrderLine.item_id.not_in(excluded))
    return _rows(session, query)


def bought_together(session: Session, item_ids: Iterable[int], *, limit: int = LIMIT
                    ) -> list[Suggestion]:
    """The items most often ordered in the same order as any of ``item_ids``."""
    require_session_permission(session, "order.read")
    wanted = sorted(set(item_ids))
    if not wanted:
        return []
    with_them = (select(OrderLine.order_id).where(OrderLine.item_id.in_(wanted))
                 .distinct().subquery())
    other = aliased(OrderLine)
    orders = func.count(func.distinct(other.order_id)).label("orders")
    query = (select(Item.sku, Item.name, Item.unit, Item.price, orders,
                    func.sum(other.qty).label("qty"))
             .select_from(other).join(with_them, with_them.c.order_id == other.order_id)
             .join(Order, Order.id == other.order_id)
             .join(Item, Item.id == other.item_id)
             .where(other.item_id.not_in(wanted), Order.state != "cancelled",
                    Item.active.is_(True))
             .group_by(Item.id, Item.sku, Item.name, Item.unit, Item.price)
             .order_by(orders.desc(), func.sum(other.qty).desc(), Item.sku).limit(limit))
    return _rows(session, query)


def suggestions(session: Session, *, client: Any = None, items: Iterable[str] = ()
                ) -> dict[str, list[Suggestion]]:
    """Both lists for an order being entered for ``client`` (id or name) with ``items``
    (SKUs) on it; unknown SKUs are ignored (the order is still being typed)."""
    from ordercraft.plugins.sales.orders import resolve_client

    # Half-typed SKUs are ignored; text that no SKU can be (too long, control characters)
    # is too.
    skus = [s.strip() for s in items
            if s and s.strip() and len(s) <= 64 and s.isprintable()]
    item_ids = list(session.scalars(select(Item.id).where(Item.sku.in_(skus)))) if skus else []
    favourites = []
    if client not in (None, ""):
        party = resolve_client(session, client)
        favourites = client_favourites(session, party.id, exclude=item_ids)
    return {"client_favourites": favourites,
            "bought_together": bought_together(session, item_ids)}
