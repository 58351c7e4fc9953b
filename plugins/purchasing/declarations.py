"""What purchasing declares to the site: permissions and their default roles, settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordercraft.sdk.errors import ValidationError
from ordercraft.sdk.settings import currency_code

WAREHOUSE_SETTING = "purchasing_default_warehouse"
TOLERANCE_SETTING = "purchasing_receipt_tolerance"
CURRENCY_SETTING = "purchasing_currency"
NUMBER_PREFIX = "PO-"
REQUEST_PREFIX = "PR-"


def permissions(registry: Any) -> None:
    registry.permission("purchasing.read", "Read purchasing",
                        "See the product matrix, supplier requests and purchase orders.")
    registry.permission("purchasing.write", "Buy",
                        "Keep the product matrix, generate and review supplier requests, "
                        "enter, send, confirm and cancel purchase orders.")
    registry.permission("purchasing.receive", "Receive purchases",
                        "Post the receipts and returns of purchase orders into stock.")
    registry.grant("manager", "purchasing.read", "purchasing.write", "purchasing.receive")
    registry.grant("storekeeper", "purchasing.read", "purchasing.receive")
    registry.grant("economist", "purchasing.read")


def _tolerance(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(100):
        raise ValidationError(f"{format(value, 'f')!r} is not a percentage from 0 to 100")
    return value


def settings(registry: Any) -> None:
    registry.setting(WAREHOUSE_SETTING, "str", "", "Receiving warehouse",
                     "Code of the warehouse purchase orders are received into when they name "
                     "none; empty: the first active warehouse.")
    registry.setting(TOLERANCE_SETTING, "decimal", "5", "Receipt tolerance",
                     "Percent of a line's quantity a receipt may exceed it by (over-receipt), "
                     "and may fall short of it by while still counting as received in full.",
                     check=_tolerance)
    registry.setting(CURRENCY_SETTING, "str", None, "Purchasing currency",
                     "The currency of purchase orders and suppliers' prices that name none; "
                     "empty: the company's default currency.", check=currency_code,
                     follows="default_currency")
