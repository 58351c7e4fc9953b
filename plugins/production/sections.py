"""Production's sections on other parts' pages (core hook ``page_sections``):

* the item card (``"item"``): *Bills of materials* (the active BOM with its map and
  planned cost, the BOMs that use the item) for ``bom.read``, and *Production orders*
  (the item's open orders) for ``production.read``;
* a customer order's page (``"order"``, sales): the production orders made for it, for
  ``production.read``.

A section is left out when it would be empty. The HTML comes from production's own
templates (``production/_section_*.html``).
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.production.models import ProductionOrder
from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.permissions import has_permission
from ordercraft.sdk.plugins import PageSection


def page_sections(session: Session, user: Any, page: str, obj: Any) -> list[PageSection]:
    if page == "item":
        return item_sections(session, user, obj)
    if page == "order":
        return order_sections(session, user, obj)
    return []


def item_sections(session: Session, user: Any, item: Any) -> list[PageSection]:
    from ordercraft.plugins.production.boms import active_bom, bom_dict, where_used
    from ordercraft.plugins.production.costing import plan_cost
    from ordercraft.plugins.production.orders import OPEN_STATES

    sections = []
    if has_permission(user, "bom.read"):
        bom = cost = None
        try:
            bom = bom_dict(session, active_bom(session, item.sku))
            cost = plan_cost(session, item.sku, method="rolled")
        except OrdercraftError:
            pass  # no BOM (or one that cannot be costed): the where-used list may remain
        used = where_used(session, item.sku)
        if bom is not None or used:
            sections.append(PageSection(
                "Bills of materials", Markup(render_template(
                    "production/_section_boms.html", item=item, bom=bom, cost=cost,
                    used=used)), order=40, name="production-boms"))
    if has_permission(user, "production.read"):
        orders = _orders(session, ProductionOrder.item_id == item.id,
                         ProductionOrder.state.in_(OPEN_STATES))
        if orders:
            sections.append(PageSection(
                "Production orders", Markup(render_template(
                    "production/_section_orders.html", orders=orders, item=item)),
                order=41, name="production-orders"))
    return sections


def order_sections(session: Session, user: Any, order: Any) -> list[PageSection]:
    """The production orders made for the customer order ``order`` (its shortages)."""
    number = getattr(order, "number", None)
    if number is None or not has_permission(user, "production.read"):
        return []
    orders = _orders(session, ProductionOrder.sales_order_number == number)
    if not orders:
        return []
    return [PageSection("Production", Markup(render_template(
        "production/_section_orders.html", orders=orders, item=None)),
        order=40, name="production-orders")]


def _orders(session: Session, *conditions: Any) -> list[dict[str, Any]]:
    from ordercraft.plugins.production.orders import _skus, summary_dict

    found = list(session.scalars(select(ProductionOrder).where(*conditions)
                                 .order_by(ProductionOrder.id).limit(50)))
    skus = _skus(session, {o.item_id for o in found}) if found else {}
    return [summary_dict(o, skus[o.item_id].sku) for o in found]
