"""Exact decimal quantities: the arithmetic context, reading numbers, writing them.

Planning only adds, subtracts, multiplies and divides to whole numbers, so with
a precision no quantity can reach every result is exact; ``EXACT`` also traps
``Inexact`` so that a rounding could never pass unnoticed.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                        traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                               decimal.Overflow, decimal.Inexact, decimal.Rounded])
ZERO = Decimal(0)

# Bounds on what a scenario may write, so that no product of quantities down a
# deep structure grows without limit: 40 significant digits, magnitudes 1e-30..1e30.
MAX_DIGITS = 40
MAX_MAGNITUDE = 30


def to_decimal(value: object) -> Decimal | None:
    """The exact Decimal a scenario's number stands for, or None if it is not one.

    Integers and Decimals are taken as they are, strings are parsed, and a float
    (what a JSON or YAML reader makes of ``2.5``) is read through its shortest
    decimal form (``0.1`` is 0.1, not the binary fraction closest to it).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except decimal.InvalidOperation:
            return None
    else:
        return None
    if not number.is_finite():
        return None
    return number if number else ZERO  # no negative zero


def within_bounds(number: Decimal) -> bool:
    if not number:
        return True
    digits = len(number.as_tuple().digits)
    return digits <= MAX_DIGITS and -MAX_MAGNITUDE <= number.adjusted() <= MAX_MAGNITUDE


def text(number: Decimal) -> str:
    """The shortest exact text of a quantity: no exponent, no trailing zeros."""
    written = str(number)
    if "E" in written:
        written = format(number, "f")
    if "." in written:
        written = written.rstrip("0").rstrip(".")
    return "0" if written == "-0" else written


def ceil_div(need: Decimal, unit: Decimal) -> Decimal:
    """How many ``unit`` (> 0) it takes to cover ``need`` (> 0): a whole number."""
    whole, rest = divmod(need, unit)
    return whole + 1 if rest else whole
