"""Supplier invoices and the three-way match: for each line of a purchase order, what was
ordered (quantity and price), what was received (net of returns) and what the supplier
invoiced (quantity and average price). Differences are shown, not settled:

* ``qty_difference`` = invoiced - received (positive: billed for goods not received);
* ``price_difference`` = (invoiced price - order price) x invoiced quantity (positive:
  billed above the agreed price);
* a line is ``matched`` when both are zero, ``not_invoiced`` when nothing was invoiced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from ordercraft.plugins.purchasing.models import (
    PurchaseOrder,
    SupplierInvoice,
    SupplierInvoiceLine,
)
from ordercraft.plugins.purchasing.quantities import exact, money
from ordercraft.sdk import items, validation
from ordercraft.sdk.errors import Conflict
from ordercraft.sdk.permissions import require_session_permission

ZERO = Decimal(0)
CENT = Decimal("0.01")


def record_invoice(session: Session, order: PurchaseOrder, number: Any,
                   lines: Sequence[Mapping[str, Any]], *, on: Any = None) -> SupplierInvoice:
    """Record a supplier's invoice: ``lines`` as ``[{"line": position or SKU, "qty",
    "price"}]``."""
    from ordercraft.plugins.purchasing.orders import _line_ref

    require_session_permission(session, "purchasing.write")
    if order.state in ("draft", "cancelled"):
        raise Conflict(f"purchase order {order.number} is {order.state}: it takes no supplier "
                       "invoice", field="order")
    code = validation.text(number, field="number", max_length=40, required=True)
    if any(invoice.number == code for invoice in invoices_of(session, order)):
        raise validation.invalid("number", f"invoice {code!r} of {order.number} is recorded "
                                           "already")
    if not lines:
        raise validation.invalid("lines", "name the invoiced lines (LINE:QTY:PRICE)")
    invoice = SupplierInvoice(order_id=order.id, number=code,
                              invoice_date=validation.day(on, field="date") or date.today(),
                              user_name=getattr(session.info.get("user"), "name", "") or "")
    total = ZERO
    for index, entry in enumerate(lines):
        line = _line_ref(order, entry.get("line", entry.get("item")), index)
        qty = items.check_quantity(line.item, entry.get("qty"), field=f"lines[{index}].qty")
        if qty <= 0:
            raise validation.invalid(f"lines[{index}].qty", f"{entry.get('qty')!r} must be "
                                                            "more than 0")
        price = validation.decimal(entry.get("price"), field=f"lines[{index}].price", places=6,
                                   minimum=ZERO)
        invoice.lines.append(SupplierInvoiceLine(order_line_id=line.id, qty=qty, price=price))
        total += (qty * price).quantize(CENT, ROUND_HALF_UP)
    invoice.total = total
    session.add(invoice)
    session.flush()
    return invoice


def invoices_of(session: Session, order: PurchaseOrder) -> list[SupplierInvoice]:
    from sqlalchemy import select

    return list(session.scalars(select(SupplierInvoice).where(
        SupplierInvoice.order_id == order.id).order_by(SupplierInvoice.id)))


def three_way_match(session: Session, order: PurchaseOrder) -> dict[str, Any]:
    """The match of every line of ``order`` (see the module's docstring)."""
    require_session_permission(session, "purchasing.read")
    invoiced: dict[int, list[tuple[Decimal, Decimal]]] = {}
    invoices = invoices_of(session, order)
    for invoice in invoices:
        for line in invoice.lines:
            invoiced.setdefault(line.order_line_id, []).append((line.qty, line.price))
    rows = []
    for line in order.lines:
        billed = invoiced.get(line.id, [])
        qty = sum((q for q, _ in billed), ZERO)
        amount = sum((q * p for q, p in billed), ZERO)
        average = (amount / qty).quantize(Decimal("0.000001"), ROUND_HALF_UP) if qty else None
        qty_difference = qty - line.received_qty
        price_difference = ((amount - qty * line.price).quantize(CENT, ROUND_HALF_UP)
                            if qty else ZERO)
        status = ("not_invoiced" if not billed else
                  "matched" if not qty_difference and not price_difference else "difference")
        rows.append({"position": line.position, "item": line.item.sku,
                     "ordered": exact(line.qty), "order_price": money(line.price),
                     "received": exact(line.received_qty), "invoiced": exact(qty),
                     "invoiced_price": None if average is None else money(average),
                     "qty_difference": exact(qty_difference),
                     "price_difference": money(price_difference), "status": status})
    return {"order": order.number,
            "invoices": [{"number": i.number, "date": i.invoice_date, "total": money(i.total)}
                         for i in invoices],
            "lines": rows,
            "matched": bool(rows) and all(row["status"] == "matched" for row in rows)}
