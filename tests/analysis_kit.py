"""An independent model of the analysis rules for the tests: the same conventions as
docs/analysis.md, computed with Fractions and integer square roots instead of the
engine's decimal contexts, so the engine's exactness claims can be checked."""

from __future__ import annotations

from decimal import Context, Decimal
from fractions import Fraction
from math import isqrt

DIGITS = 28


def rounded(value: Fraction, digits: int = DIGITS) -> Decimal:
    """``value`` rounded half-even to ``digits`` significant digits."""
    if value == 0:
        return Decimal(0)
    return Context(prec=digits).divide(Decimal(value.numerator), Decimal(value.denominator))


def rounded_sqrt(value: Fraction, digits: int = DIGITS) -> Decimal:
    """The square root of ``value`` >= 0 rounded half-even to ``digits`` significant
    digits, by integer arithmetic only."""
    if value == 0:
        return Decimal(0)
    # sqrt(value)·10^-e has ``digits`` digits before the point: find e, then round.
    exponent = (len(str(value.numerator)) - len(str(value.denominator))) // 2 - digits
    while True:
        scaled = value / Fraction(10) ** (2 * exponent)
        whole = isqrt(scaled.numerator // scaled.denominator)
        if whole >= 10 ** digits:
            exponent += 1
        elif whole < 10 ** (digits - 1):
            exponent -= 1
        else:
            break
    midpoint = Fraction(2 * whole + 1, 2) ** 2
    if scaled > midpoint or (scaled == midpoint and whole % 2):
        whole += 1
    return Decimal(whole).scaleb(exponent, Context(prec=digits + 2))


def abc_classes(values: dict[str, Decimal], a: Decimal, b: Decimal,
                boundary: str) -> dict[str, str]:
    """The ABC class of each non-negative value, by the rules written out in Fractions."""
    ranked = sorted(((key, value) for key, value in values.items() if value >= 0),
                    key=lambda pair: (-Fraction(pair[1]), pair[0]))
    total = sum(Fraction(value) for _key, value in ranked)
    classes = {}
    before = Fraction(0)
    for key, value in ranked:
        after = before + Fraction(value) / total
        for name, limit in (("A", Fraction(a)), ("B", Fraction(b))):
            if {"le": after <= limit, "lt": after < limit, "upper": before < limit}[boundary]:
                classes[key] = name
                break
        else:
            classes[key] = "C"
        before = after
    return classes


def xyz_figures(series: list[Decimal], sd: str) -> tuple[Fraction, Fraction, Fraction]:
    """Mean, variance and cv² of a series, exactly (mean must not be zero)."""
    count = len(series)
    mean = sum(Fraction(value) for value in series) / count
    squares = sum((Fraction(value) - mean) ** 2 for value in series)
    variance = squares / (count - 1 if sd == "sample" else count)
    return mean, variance, variance / mean ** 2


def xyz_class(cv_squared: Fraction, x: Decimal, y: Decimal, boundary: str) -> str:
    for name, limit in (("X", Fraction(x)), ("Y", Fraction(y))):
        if cv_squared < limit ** 2 or (boundary != "lt" and cv_squared == limit ** 2):
            return name
    return "Z"
