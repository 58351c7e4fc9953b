"""Money of an order: exact decimals, rounded once per line.

For each line::

    gross     = qty × price                                  (exact)
    discount  = gross × discount % / 100                     (exact)
    net       = round(gross − discount, unit)                the line's amount before tax
    tax       = round(net × tax rate % / 100, unit)
    total     = net + tax

and for the order: ``subtotal = Σ net``, ``tax_total = Σ tax``, ``total = Σ total``.
``unit`` is the sales currency's smallest amount (``sdk.money.minor_unit``: 0.01 for
EUR, 1 for JPY, 0.001 for KWD; :func:`money_unit`).
Rounding is half up (0.005 → 0.01 in EUR), and happens only on the line's net amount
and on its tax, so the figures printed on an invoice add up exactly: every order total
is the sum of the line totals printed above it. Prices may carry more decimals (a
screw at 0.0375); quantities are exact at their unit's precision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordercraft.sdk.money import CENT, minor_unit, round_money

HUNDRED = Decimal(100)
ZERO = Decimal(0)


def money_unit(session: Any) -> Decimal:
    """The smallest amount of the sales currency (the setting ``sales_currency``)."""
    from ordercraft.plugins.sales.declarations import CURRENCY_SETTING
    from ordercraft.sdk.settings import get_setting

    return minor_unit(str(get_setting(session, CURRENCY_SETTING)))


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax: Decimal
    total: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def line_amounts(qty: Decimal, price: Decimal, discount_pct: Decimal = ZERO,
                 tax_rate: Decimal = ZERO, unit: Decimal = CENT) -> LineAmounts:
    """The line's net, tax and total, each rounded to ``unit`` (see the module's doc)."""
    gross = qty * price
    net = round_money(gross - gross * discount_pct / HUNDRED, unit)
    tax = round_money(net * tax_rate / HUNDRED, unit)
    return LineAmounts(net, tax, net + tax)


@dataclass(frozen=True)
class OrderTotals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def order_totals(lines: Iterable[LineAmounts]) -> OrderTotals:
    subtotal = tax_total = ZERO
    for line in lines:
        subtotal += line.net
        tax_total += line.tax
    return OrderTotals(subtotal, tax_total, subtotal + tax_total)


_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def _words_below_thousand(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    words = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens - 2] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest or not hundreds:
        words.append(_ONES[rest])
    return " and ".join(words) if hundreds and rest else " ".join(words)


def amount_in_words(amount: Decimal) -> str:
    """``1450.5`` -> ``one thousand four hundred and fifty and 50/100``: the line an
    invoice carries under its total."""
    amount = round_money(amount)
    whole = int(amount)
    cents = int((amount - whole) * 100)
    if whole == 0:
        text = "zero"
    else:
        parts = []
        for scale, name in ((10**9, "billion"), (10**6, "million"), (10**3, "thousand"), (1, "")):
            chunk, whole = divmod(whole, scale)
            if chunk:
                parts.append(_words_below_thousand(chunk) + (f" {name}" if name else ""))
        text = " ".join(parts)
    return f"{text} and {cents:02d}/100"
