"""Exact arithmetic for the analyses, and the texts of their numbers.

Sums, differences and products are exact: the analyses run them inside
``exact_arithmetic()``, a decimal context that cannot round (it raises instead). A
reported ratio (share, mean, standard deviation, coefficient of variation, growth) is
the exact value rounded once, half-even, to ``PRECISION`` significant digits: the digits
Python's default decimal context gives for a division, so another program can recompute
them. Square roots are rounded the same way (correctly rounded, checked exactly). Classes
are never decided from these rounded numbers, always from exact comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)

from .errors import AnalysisError

#: Significant digits of every reported ratio.
PRECISION = 28

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_EVEN,
                 traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
ROUNDED = Context(prec=PRECISION, rounding=ROUND_HALF_EVEN,
                  traps=[InvalidOperation, DivisionByZero, Overflow])
# The radicand of a square root carries guard digits, so that the root rounded to
# PRECISION digits is at most one step from the correctly rounded one.
_RADICAND = Context(prec=PRECISION + 6, rounding=ROUND_HALF_EVEN,
                    traps=[InvalidOperation, DivisionByZero, Overflow])
# Roots and quotients carried with 12 guard digits before the one rounding.
_GUARDED = Context(prec=PRECISION + 12, rounding=ROUND_HALF_EVEN,
                   traps=[InvalidOperation, DivisionByZero, Overflow])

ZERO = Decimal(0)
_HALF = Decimal("0.5")
_FOUR = Decimal(4)


def exact_arithmetic() -> AbstractContextManager[Context]:
    """Decimal operators inside the block are exact (never divide in it: use ``ratio``)."""
    return localcontext(_EXACT)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """``numerator / denominator`` rounded half-even to ``PRECISION`` digits."""
    return ROUNDED.divide(Decimal(numerator), Decimal(denominator))


def sqrt_of_ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``sqrt(numerator / denominator)`` correctly rounded (half-even) to ``PRECISION``
    digits, for exact ``numerator >= 0`` and ``denominator > 0``.

    Decimal's ``sqrt`` is correctly rounded for its operand, but the operand here is a
    quotient rounded to ``PRECISION + 6`` digits; so the root is within one step of the
    right one, and an exact check against the midpoint with its neighbour (squared, so
    no root is taken) moves it that step when needed.
    """
    if not numerator:
        return ZERO
    root = ROUNDED.sqrt(_RADICAND.divide(numerator, denominator))
    add, multiply = _EXACT.add, _EXACT.multiply
    # The root is too large when root² > ratio, i.e. root²·den > num. Then the exact root
    # may lie below the midpoint with the next smaller number: (root + smaller)² / 4.
    excess = _EXACT.subtract(multiply(multiply(root, root), denominator), numerator)
    if not excess:
        return root
    neighbour = ROUNDED.next_minus(root) if excess > 0 else ROUNDED.next_plus(root)
    twice_midpoint = add(root, neighbour)
    beyond = _EXACT.compare(multiply(numerator, _FOUR),
                            multiply(multiply(twice_midpoint, twice_midpoint), denominator))
    if beyond == (-1 if excess > 0 else 1):
        return neighbour
    if not beyond:  # exactly halfway: half-even
        return ROUNDED.plus(multiply(twice_midpoint, _HALF))
    return root


def sqrt_quotients(radicand: Decimal, divisors: Sequence[Decimal]) -> list[Decimal]:
    """``sqrt(radicand) / divisor`` for each divisor, correctly rounded like
    ``sqrt_of_ratio(radicand, divisor²)``, for exact ``radicand >= 0`` and ``divisor > 0``.

    The quicker way to several figures sharing one root (XYZ's sd and cv): the root of
    the exact radicand and each quotient are carried to 40 digits, so each quotient is
    within 10⁻³⁹ of the exact value, relatively. When the whole band of 10⁻³⁷ around it
    rounds to one 28-digit number, that number is the correctly rounded result; only a
    quotient that close to a rounding midpoint is checked the slow, exact way.
    """
    root = _GUARDED.sqrt(radicand)
    results = []
    for divisor in divisors:
        quotient = _GUARDED.divide(root, divisor)
        band = quotient.scaleb(-37, _GUARDED).copy_abs()
        low = ROUNDED.plus(_GUARDED.subtract(quotient, band))
        if low == ROUNDED.plus(_GUARDED.add(quotient, band)):
            results.append(low)
        else:
            results.append(sqrt_of_ratio(radicand, _EXACT.multiply(divisor, divisor)))
    return results


def as_decimal(value: object, describe: str, *, field: str,
               details: dict[str, object] | None = None) -> Decimal:
    """``value`` (a Decimal or an int) as a finite Decimal, else an ``AnalysisError``
    naming ``describe`` (``"value of 'kit'"``) and the value."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise AnalysisError(f"{describe}: {value!r} is not an exact finite number (give a "
                        "Decimal or an int)", field=field, details=details)


def all_finite_decimals(values: Sequence[object]) -> bool:
    """Whether every value already is a finite Decimal (the quick path of input checks)."""
    return {Decimal}.issuperset(map(type, values)) and all(map(Decimal.is_finite, values))


def number_text(value: Decimal) -> str:
    """An exact value (a sum of inputs) as fixed-point text, keeping its scale: ``52000.00``."""
    text = str(value)
    if "E" in text or (text[0] == "-" and not value):  # 1E+3, 1E-7, -0
        return format(value.copy_abs() if not value else value, "f")
    return text


def numbers_text(values: Sequence[Decimal]) -> list[str]:
    """``number_text`` of each value (one check for the whole list: series are long)."""
    texts = list(map(str, values))
    joined = " ".join(texts)
    if "E" in joined or "-0" in joined:
        return list(map(number_text, values))
    return texts


def ratio_text(value: Decimal) -> str:
    """A rounded ratio as the shortest fixed-point text: ``0.52``, ``1``, ``10.666…67``."""
    return format(ROUNDED.normalize(value) if value else ZERO, "f")


def optional_text(value: Decimal | None) -> str | None:
    return None if value is None else ratio_text(value)
