"""What sales declares to the site: its permissions and the roles that hold them by
default, its settings, and orders as an entity that carries custom fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordercraft.sdk import ValidationError
from ordercraft.sdk.settings import currency_code

#: Site settings: the tax rate of a line that names none, the warehouse of an order that
#: names none (else the first active warehouse), the prefix of order numbers.
TAX_RATE_SETTING = "sales_default_tax_rate"
WAREHOUSE_SETTING = "sales_default_warehouse"
NUMBER_PREFIX_SETTING = "sales_number_prefix"
NUMBER_PREFIX = "SO-"
#: Invoicing: the currency of every amount, the days an invoice gives to pay, and the
#: number series of invoices, credit notes and payments.
CURRENCY_SETTING = "sales_currency"
PAYMENT_TERMS_SETTING = "sales_payment_terms_days"
INVOICE_PREFIX_SETTING = "sales_invoice_prefix"
CREDIT_NOTE_PREFIX_SETTING = "sales_credit_note_prefix"
PAYMENT_PREFIX_SETTING = "sales_payment_prefix"


def permissions(registry: Any) -> None:
    registry.record_area("order", "Customer orders (owned by their manager)")
    registry.permission("order.read", "Read orders",
                        "See orders, their shipments and print forms.")
    registry.permission("order.write", "Enter orders",
                        "Enter and change draft orders; reserve, invoice, close and cancel "
                        "orders; configure print templates.")
    registry.permission("order.confirm", "Confirm orders",
                        "Confirm a draft order: its stock is reserved and its shortages "
                        "reported.")
    registry.permission("order.ship", "Ship orders", "Post the shipments of orders.")
    registry.permission("invoice.read", "Read invoices and payments",
                        "See invoices, credit notes, payments and receivables.")
    registry.permission("invoice.write", "Issue invoices",
                        "Issue prepayment and shipment invoices and credit notes; cancel "
                        "invoices.")
    registry.permission("payment.write", "Record payments",
                        "Record incoming payments, allocate them to invoices, import bank "
                        "statements.")
    registry.grant("manager", "order.read", "order.write", "order.confirm", "order.ship",
                   "invoice.read", "invoice.write")
    registry.grant("storekeeper", "order.read", "order.ship")
    registry.grant("economist", "order.read", "invoice.read", "invoice.write",
                   "payment.write")


def _percentage(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(100):
        raise ValidationError(f"{format(value, 'f')!r} is not a percentage from 0 to 100")
    return value


def _prefix(value: str) -> str:
    if len(value) > 10 or any(c.isspace() for c in value):
        raise ValidationError(f"{value!r} is not a prefix (at most 10 characters, no spaces)")
    return value


def _days(value: int) -> int:
    if not 0 <= value <= 365:
        raise ValidationError(f"{value!r} is not a number of days from 0 to 365")
    return value


def settings(registry: Any) -> None:
    registry.setting(TAX_RATE_SETTING, "decimal", "0", "Default tax rate",
                     "Percent; the tax rate of an order line that names none.",
                     check=_percentage)
    registry.setting(WAREHOUSE_SETTING, "str", "", "Default warehouse",
                     "Code of the warehouse an order ships from when it names none; empty: "
                     "the first active warehouse.")
    registry.setting(NUMBER_PREFIX_SETTING, "str", NUMBER_PREFIX, "Order number prefix",
                     "New orders are numbered PREFIX00001, PREFIX00002, ...", check=_prefix)
    registry.setting(CURRENCY_SETTING, "str", None, "Currency",
                     "ISO code of the currency of orders, invoices and payments (two minor "
                     "digits: amounts are exact to the cent); empty: the company's default "
                     "currency.", check=currency_code, follows="default_currency")
    registry.setting(PAYMENT_TERMS_SETTING, "int", "14", "Payment terms (days)",
                     "An invoice is due this many days after it is issued.", check=_days)
    registry.setting(INVOICE_PREFIX_SETTING, "str", "INV-", "Invoice number prefix",
                     "Invoices are numbered PREFIX00001, ... (one series for prepayment "
                     "and shipment invoices).", check=_prefix)
    registry.setting(CREDIT_NOTE_PREFIX_SETTING, "str", "CN-", "Credit note number prefix",
                     "Credit notes are numbered PREFIX00001, ...", check=_prefix)
    registry.setting(PAYMENT_PREFIX_SETTING, "str", "PAY-", "Payment number prefix",
                     "Recorded payments are numbered PREFIX00001, ...", check=_prefix)


def custom_fields(registry: Any) -> None:
    from ordercraft.plugins.sales.models import Order

    registry.entity("order", Order, "Order")
