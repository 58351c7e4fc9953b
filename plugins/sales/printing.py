"""The order's print forms: order confirmation, invoice, delivery note, act of completed
work. Templates live in ``print_templates/sales/``; a site overrides one by putting a
file of the same name under ``sales/`` in its templates folder (see
:mod:`ordercraft.sdk.printing`), and another plugin adds forms for orders with
``registry.add(PrintForm("order", name, ..., context=registry.context_of("order")))``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.printing import PrintForm, PrintFormRegistry

FOLDER = Path(__file__).parent / "print_templates"

#: (name, title, template)
ORDER_FORMS = (
    ("confirmation", N_("Order confirmation"), "sales/confirmation.html"),
    ("invoice", N_("Invoice"), "sales/invoice.html"),
    ("delivery_note", N_("Delivery note"), "sales/delivery_note.html"),
    ("act", N_("Act of completed work"), "sales/act.html"),
)


def order_context(session: Any, order: Any) -> dict[str, Any]:
    """The variables of every order form: ``order``, ``lines``, ``client``, ``entity``
    (the client's legal entity or ``None``), ``shipments`` (posted ones), ``totals``
    (``subtotal``, ``tax``, ``total``, ``in_words``) and ``tax_rates`` (net and tax per
    rate)."""
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.plugins.sales.totals import amount_in_words

    order = get_order(session, order.id)
    by_rate: dict[Any, dict[str, Any]] = {}
    for line in order.lines:
        entry = by_rate.setdefault(line.tax_rate, {"rate": line.tax_rate, "net": 0, "tax": 0})
        entry["net"] += line.net_amount
        entry["tax"] += line.tax_amount
    return {
        "order": order,
        "lines": list(order.lines),
        "client": order.client,
        "entity": order.legal_entity,
        "warehouse": order.warehouse,
        "manager": order.manager,
        "shipments": [s for s in order.shipments if s.status == "posted"],
        "totals": {"subtotal": order.subtotal, "tax": order.tax_total, "total": order.total,
                   "in_words": amount_in_words(order.total)},
        "tax_rates": [by_rate[rate] for rate in sorted(by_rate)],
    }


def invoice_context(session: Any, invoice: Any) -> dict[str, Any]:
    """The variables of the invoice document's form: ``invoice`` and ``body`` (the same
    figures as the API's)."""
    from ordercraft.plugins.sales.invoicing import get_invoice, invoice_dict

    found = get_invoice(session, invoice.id)
    return {"invoice": found, "body": invoice_dict(found)}


def register_order_forms(registry: PrintFormRegistry) -> None:
    for name, title, template in ORDER_FORMS:
        registry.add(PrintForm("order", name, title, template, str(FOLDER), order_context))
    # The invoice as a document of its own (prepayment, shipment, credit note).
    registry.add(PrintForm("invoice", "document", "Invoice", "sales/invoice_document.html",
                           str(FOLDER), invoice_context))


def render_order_form(session: Any, order: Any, form: str, *, pdf: bool = False,
                      links: list[dict[str, Any]] | None = None) -> bytes | str:
    """The form ``form`` of ``order`` as HTML text, or as PDF bytes."""
    from ordercraft.sdk.printing import render_html, render_pdf

    html = render_html(session, "order", form, order, links=None if pdf else links)
    return render_pdf(html) if pdf else html
