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
``cost``       what the goods shipped cost: the value the ledger gave the shipment's
               stock issue for the line (zero for a service; NULL for a line posted
               before costs were stored, until ``ordercraft order rebuild-totals``)
``order_id``   the order (``sales_orders.id``), to count orders
``warehouse_id`` the order's warehouse (``warehouses.id``)
=============  ====================================================================

A line shipped whole carries its net amount exactly; a part of a line carries the net
amount in proportion to the quantity (``net × shipped / ordered``, which the database
computes at 6 decimals). The caller wraps it (``.subquery()``) and filters and groups
over the named columns, so a million lines are summed by the database, not in Python.

Invoiced lines and receivables come the same way, as plain rows::

    facts = plugin_service(session, "sales", "facts")
    rows = session.execute(facts.invoice_lines(session, date_from=date(2024, 1, 1)))
    months = facts.monthly_totals(session, "item")   # per month, item and warehouse
    report = facts.receivables(session, as_of=date(2024, 6, 30))
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, String, case, literal, select
from sqlalchemy.orm import Session


class SalesFacts:
    """Read-only figures of sales for other plugins (see the module's docstring)."""

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
                   amount.label("net_amount"), ShipmentLine.cost.label("cost"),
                   Order.id.label("order_id"), Order.warehouse_id.label("warehouse_id"))
            .select_from(ShipmentLine)
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Shipment.status == "posted"))

    def monthly_totals(self, session: Any = None, dimension: str = "item") -> Select[Any]:
        """The shipped lines summed per month (kept as shipments post and are cancelled,
        :mod:`ordercraft.plugins.sales.summary`) as a ``Select`` with the columns
        ``month`` (its first day), ``key_id`` (the item, client or manager as
        ``dimension`` says; manager 0: none), ``warehouse_id``, ``qty``, ``net_amount``,
        ``cost`` and ``lines`` (how many shipped lines). The same sums as
        :meth:`sales_lines` over whole months, in a few thousand rows."""
        from ordercraft.plugins.sales.models import SalesTotal
        from ordercraft.plugins.sales.summary import DIMENSIONS
        from ordercraft.sdk.errors import ValidationError

        if dimension not in DIMENSIONS:
            raise ValidationError(f"dimension: {dimension!r} is not one of "
                                  f"{', '.join(DIMENSIONS)}", field="dimension")
        t = SalesTotal
        return (select(t.month, t.key_id, t.warehouse_id, t.qty, t.net_amount, t.cost,
                       t.lines).where(t.dimension == dimension))

    def backlog(self, session: Session, *, manager_id: int | None = None) -> dict[str, Any]:
        """The order backlog: confirmed orders not yet shipped in full (states
        ``confirmed``, ``in_production``, ``reserved``, ``partially_shipped``), as
        ``{"orders": int, "amount": Decimal}`` where ``amount`` is the net amount still to
        ship (each line's net × remaining / ordered); ``manager_id``: only that manager's.
        One query over the open orders (an index on state)."""
        from sqlalchemy import func

        from ordercraft.plugins.sales.machine import OPEN_STATES
        from ordercraft.plugins.sales.models import Order, OrderLine
        from ordercraft.sdk.permissions import require_session_permission

        require_session_permission(session, "order.read")
        remaining = OrderLine.qty - OrderLine.shipped_qty
        amount = case((OrderLine.shipped_qty == 0, OrderLine.net_amount),
                      else_=OrderLine.net_amount * remaining / OrderLine.qty)
        query = (select(func.count(Order.id.distinct()), func.sum(amount))
                 .join(OrderLine, OrderLine.order_id == Order.id)
                 .where(Order.state.in_(OPEN_STATES), remaining > 0))
        if manager_id is not None:
            query = query.where(Order.manager_id == manager_id)
        orders, total = session.execute(query).one()
        return {"orders": int(orders or 0),
                "amount": Decimal(total or 0).quantize(Decimal("0.01"))}

    def invoice_lines(self, session: Session, *, date_from: Any = None,
                      date_to: Any = None) -> Select[Any]:
        """A query of the lines of live invoices and credit notes: ``(date, invoice_id,
        number, kind, client_id, order_id, item_id, qty, net_amount, tax_amount,
        total_amount, currency)``; credit notes carry negative quantities and amounts,
        prepayments and their deductions have no item."""
        from ordercraft.plugins.sales.models import Invoice, InvoiceLine
        from ordercraft.sdk import validation

        query = (select(Invoice.issue_date.label("date"), Invoice.id.label("invoice_id"),
                        Invoice.number, Invoice.kind, Invoice.party_id.label("client_id"),
                        Invoice.order_id, InvoiceLine.item_id, InvoiceLine.qty,
                        InvoiceLine.net_amount, InvoiceLine.tax_amount,
                        InvoiceLine.total_amount, Invoice.currency)
                 .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                 .where(Invoice.state != "cancelled")
                 .order_by(Invoice.issue_date, Invoice.id, InvoiceLine.position))
        start = validation.day(date_from, field="date_from")
        end = validation.day(date_to, field="date_to")
        if start is not None:
            query = query.where(Invoice.issue_date >= start)
        if end is not None:
            query = query.where(Invoice.issue_date <= end)
        return query

    def receivables(self, session: Session, *, as_of: Any = None,
                    client: Any = None) -> dict[str, Any]:
        """The aging report (:func:`ordercraft.plugins.sales.receivables.receivables`)."""
        from ordercraft.plugins.sales.receivables import receivables

        return receivables(session, as_of=as_of, client=client)


FACTS = SalesFacts()
