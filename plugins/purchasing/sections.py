"""purchasing's section of the item card (core hook ``page_sections``, page ``item``):
the item's live supplier offers, the best one for a unit today (explained) and the
open purchase orders that will bring it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.sdk.plugins import PageSection


def page_sections(session: Session, user: Any, page: str, obj: Any) -> list[PageSection]:
    """The supplier-prices section on the item card of a user who may read purchasing."""
    from ordercraft.sdk.permissions import has_permission

    if page != "item" or obj is None or not has_permission(user, "purchasing.read"):
        return []
    return [PageSection("Suppliers and purchase orders", item_section(session, obj),
                        order=40, name="purchasing-suppliers")]


def item_section(session: Session, item: Any) -> Markup:
    from ordercraft.plugins.purchasing.matrix import best_offers
    from ordercraft.plugins.purchasing.models import (
        PurchaseOrder,
        PurchaseOrderLine,
        SupplierOffer,
    )
    from ordercraft.plugins.purchasing.quantities import qty_text
    from ordercraft.plugins.purchasing.supply import OPEN_STATES
    from ordercraft.sdk.web import date_filter, money_filter, user_today

    today = user_today()
    offers = list(session.scalars(select(SupplierOffer).where(
        SupplierOffer.item_id == item.id, SupplierOffer.superseded_at.is_(None))
        .order_by(SupplierOffer.price, SupplierOffer.id)))
    best = best_offers(session, {item.id: Decimal(1)}, today)[item.id] if offers else None
    parts = [Markup('<p class="best-offer">')]
    if best is not None:
        parts.append(Markup("<b>Best offer:</b> %s") % best.explanation)
    else:
        parts.append(Markup("No valid offer today."))
    parts.append(Markup("</p>"))
    if offers:
        parts.append(Markup('<table class="list offers"><thead><tr><th>Supplier</th>'
                            '<th class="num">Price</th><th class="num">Min</th>'
                            '<th class="num">Multiple</th><th class="num">Lead days</th>'
                            '<th>Valid</th><th></th></tr></thead><tbody>'))
        for offer in offers:
            valid = ((offer.valid_from is None or offer.valid_from <= today)
                     and (offer.valid_to is None or offer.valid_to >= today))
            parts.append(Markup(
                '<tr class="%s"><td>%s</td><td class="num">%s</td><td class="num">%s</td>'
                '<td class="num">%s</td><td class="num">%s</td><td class="nowrap">%s – %s</td>'
                "<td>%s</td></tr>") % (
                "" if valid else "muted", offer.supplier.name,
                money_filter(offer.price, offer.currency), qty_text(offer.min_qty),
                "" if offer.multiple is None else qty_text(offer.multiple),
                offer.lead_time_days,
                date_filter(offer.valid_from) if offer.valid_from else "…",
                date_filter(offer.valid_to) if offer.valid_to else "…",
                "preferred" if offer.preferred else ("" if valid else "not valid today")))
        parts.append(Markup("</tbody></table>"))
    open_lines = session.execute(
        select(PurchaseOrder.id, PurchaseOrder.number, PurchaseOrder.state,
               PurchaseOrder.supplier_id, PurchaseOrderLine.qty,
               PurchaseOrderLine.received_qty, PurchaseOrderLine.expected_date)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrderLine.item_id == item.id, PurchaseOrder.state.in_(OPEN_STATES),
               PurchaseOrderLine.qty > PurchaseOrderLine.received_qty)
        .order_by(PurchaseOrderLine.expected_date, PurchaseOrder.id)).all()
    if open_lines:
        from ordercraft.sdk.models import Party

        names = dict(session.execute(select(Party.id, Party.name).where(
            Party.id.in_({row.supplier_id for row in open_lines}))).all())
        parts.append(Markup('<h3>Open purchase orders</h3><table class="list open-pos">'
                            '<thead><tr><th>Order</th><th>Supplier</th><th>State</th>'
                            '<th class="num">Still to come</th><th>Expected</th></tr>'
                            "</thead><tbody>"))
        for row in open_lines:
            parts.append(Markup(
                '<tr><td><a href="/purchasing/orders/%s">%s</a></td><td>%s</td><td>%s</td>'
                '<td class="num">%s</td><td class="nowrap">%s</td></tr>') % (
                row.id, row.number, names.get(row.supplier_id, ""),
                row.state.replace("_", " "), qty_text(row.qty - row.received_qty),
                date_filter(row.expected_date) if row.expected_date else ""))
        parts.append(Markup("</tbody></table>"))
    else:
        parts.append(Markup('<p class="muted">No open purchase orders.</p>'))
    parts.append(Markup('<p><a href="/purchasing/matrix?item=%s">Product matrix</a> · '
                        '<a href="/purchasing/matrix/history?item=%s">Price history</a></p>')
                 % (item.sku, item.sku))
    return Markup("").join(parts)
