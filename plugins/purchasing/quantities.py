"""Quantities as purchasing rounds and prints them."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

ZERO = Decimal(0)


def order_quantity(need: Decimal, min_qty: Decimal, multiple: Decimal | None) -> Decimal:
    """What to order for ``need``: at least the minimum, rounded up to the multiple (the
    multiple counts from zero: a minimum of 10 with a multiple of 4 orders 12)."""
    qty = max(need, min_qty or ZERO)
    if multiple:
        qty = (qty / multiple).to_integral_value(rounding=ROUND_CEILING) * multiple
    return qty


def qty_text(number: Decimal) -> str:
    """An exact decimal without exponent or trailing zeros (``Decimal("41.20")`` ->
    ``"41.2"``)."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def money_text(number: Decimal) -> str:
    """A price with at least two decimal places (``41.2`` -> ``"41.20"``)."""
    text = qty_text(number)
    whole, _, cents = text.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


def exact(number: Decimal) -> Decimal:
    """Without trailing zeros: what the JSON output shows (``"12"``, not ``"12.000000"``)."""
    return Decimal(qty_text(number))


def money(number: Decimal) -> Decimal:
    """With at least two decimal places (``"41.20"``)."""
    return Decimal(money_text(number))
