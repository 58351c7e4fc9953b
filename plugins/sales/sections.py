"""sales' sections on other parts' pages (core hook ``page_sections``): a deal's orders
with "New order from this deal", a client's balance and overdue invoices on the client
card, and "Add to order" on a calculator's result. Each shows only to users who may read
orders (deal), read invoices (client) or write orders (calculator)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.sdk.permissions import has_permission
from ordercraft.sdk.plugins import PageSection

#: How many overdue invoices the client card lists (the rest are on the invoices page).
OVERDUE_SHOWN = 10


def sections(session: Session, user: Any, page: str, obj: Any) -> list[PageSection]:
    if page == "deal" and has_permission(user, "order.read"):
        return [_deal_orders(session, user, obj)]
    if page == "client" and has_permission(user, "invoice.read"):
        return [_client_money(session, obj)]
    if page == "calculator" and has_permission(user, "order.write"):
        return [_calculator_order(session, obj)]
    return []


#: How many draft orders the calculator page offers (the newest; the rest by number).
DRAFTS_OFFERED = 100


def _calculator_order(session: Session, result: Any) -> PageSection:
    """The result becomes a line of a draft order, or of a new order of a client; the
    run's script version and inputs go with it (:mod:`.calculated`)."""
    import json

    from ordercraft.plugins.sales.models import Order
    from ordercraft.sdk.permissions import owner_condition

    query = select(Order).where(Order.state == "draft")
    visible = owner_condition(session, "order", Order.manager_id)
    if visible is not None:
        query = query.where(visible)
    drafts = list(session.scalars(query.order_by(Order.id.desc()).limit(DRAFTS_OFFERED)))
    html = render_template("sales/sections/calculator_order.html", result=result,
                           orders=drafts, params=json.dumps(result.to_dict()["params"]))
    return PageSection("Add to an order", Markup(html), order=21, name="sales-add")


def _deal_orders(session: Session, user: Any, deal: Any) -> PageSection:
    from ordercraft.plugins.sales.models import Order

    orders = list(session.scalars(select(Order).where(Order.deal_id == deal.id)
                                  .order_by(Order.order_date, Order.id)))
    html = render_template("sales/sections/deal_orders.html", deal=deal, orders=orders,
                           may_write=has_permission(user, "order.write") and deal.state != "lost")
    return PageSection("Orders", Markup(html), order=30, name="sales-orders")


def _client_money(session: Session, client: Any) -> PageSection:
    from ordercraft.plugins.sales.models import Invoice
    from ordercraft.plugins.sales.receivables import OPEN_STATES, client_balance
    from ordercraft.sdk.web import user_today

    today = user_today()
    balance = client_balance(session, client.id, as_of=today)
    overdue = list(session.scalars(
        select(Invoice).where(Invoice.party_id == client.id, Invoice.state.in_(OPEN_STATES),
                              Invoice.open_amount > 0, Invoice.due_date < today)
        .order_by(Invoice.due_date, Invoice.id).limit(OVERDUE_SHOWN)))
    html = render_template("sales/sections/client_money.html", client=client, today=today,
                           balance=balance, overdue=overdue)
    return PageSection("Balance", Markup(html), order=20, name="sales-balance")
