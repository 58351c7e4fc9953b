"""sales' service ``facts`` for analytics (CONTRACTS.md): invoiced lines and receivables
as plain rows, so analysis and kpi plugins read sales without importing it::

    facts = plugin_service(session, "sales", "facts")
    rows = session.execute(facts.invoice_lines(session, date_from=date(2024, 1, 1)))
    report = facts.receivables(session, as_of=date(2024, 6, 30))
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session


class SalesFacts:
    """Read-only figures of sales for other plugins."""

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
