"""The analyses' parameters, validated when built: an option object is always usable.

Each option takes a Decimal, an int or the text a user typed (``"0.80"``), never a
float. A bad one is an ``AnalysisError`` whose ``field`` is the option's name and whose
message names the option and the value, e.g. ``option a: '1.5' is not in (0, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .errors import AnalysisError

#: How an object at or across a class limit is classed (docs/analysis.md, "ABC").
BOUNDARIES = ("le", "lt", "upper")
#: Which standard deviation XYZ uses: divided by n, or by n - 1.
SD_KINDS = ("population", "sample")


def _number(name: str, value: Decimal | int | str) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise AnalysisError(f"option {name}: {value!r} is not a number", field=name
                                ) from None
    else:
        raise AnalysisError(f"option {name}: {value!r} is not a decimal number (give "
                            "text, a Decimal or an int)", field=name)
    if not number.is_finite():
        raise AnalysisError(f"option {name}: {value!r} is not a finite number", field=name)
    return number


def _fraction(name: str, value: Decimal | int | str) -> Decimal:
    number = _number(name, value)
    if not 0 < number <= 1:
        hint = (f" (a fraction: {number} % is {number / 100})" if 1 < number <= 100
                else "")
        raise AnalysisError(f"option {name}: {str(value)!r} is not in (0, 1]{hint}",
                            field=name)
    return number


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise AnalysisError(f"option {name}: {value!r} is not one of {', '.join(choices)}",
                            field=name)
    return value


def _not_below(name: str, value: Decimal, other: str, limit: Decimal) -> None:
    if value < limit:
        raise AnalysisError(f"option {name}: {value} is below {other} = {limit} (the "
                            f"limits must not decrease)", field=name)


@dataclass(frozen=True)
class AbcOptions:
    """ABC limits on the cumulative share: class A up to ``a``, B up to ``b``, C beyond;
    ``boundary`` says which class an object at or across a limit takes."""

    a: Decimal = Decimal("0.80")
    b: Decimal = Decimal("0.95")
    boundary: str = "le"

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", _fraction("a", self.a))
        object.__setattr__(self, "b", _fraction("b", self.b))
        _not_below("b", self.b, "a", self.a)
        object.__setattr__(self, "boundary", _choice("boundary", self.boundary, BOUNDARIES))


@dataclass(frozen=True)
class XyzOptions:
    """XYZ limits on the coefficient of variation: X up to ``x``, Y up to ``y``, Z beyond;
    ``boundary`` ``le`` or ``lt`` (``upper`` means ``le`` here: a coefficient has no
    order to cross, the object at the limit stays in the upper class); ``sd``
    ``population`` or ``sample``."""

    x: Decimal = Decimal("0.10")
    y: Decimal = Decimal("0.25")
    boundary: str = "le"
    sd: str = "population"

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", _fraction("x", self.x))
        object.__setattr__(self, "y", _fraction("y", self.y))
        if self.x > self.y:
            raise AnalysisError(f"option x: {self.x} is above y = {self.y} (the limits must "
                                "not decrease)", field="x")
        object.__setattr__(self, "boundary", _choice("boundary", self.boundary, BOUNDARIES))
        object.__setattr__(self, "sd", _choice("sd", self.sd, SD_KINDS))


@dataclass(frozen=True)
class BcgOptions:
    """BCG thresholds: an object's share of the current period's total is high at or
    above ``share`` (``None``: the average share, 1 / the number of objects selling in
    the current period); its growth is high at or above ``growth``."""

    share: Decimal | None = None
    growth: Decimal = Decimal("0.10")

    def __post_init__(self) -> None:
        if self.share is not None:
            object.__setattr__(self, "share", _fraction("share", self.share))
        growth = _number("growth", self.growth)
        if growth <= -1:
            raise AnalysisError(f"option growth: {str(self.growth)!r} is not above -1 (a "
                                "value cannot fall by more than all of it)", field="growth")
        object.__setattr__(self, "growth", growth)


def aggregate_size(value: int | str) -> int:
    """The ``aggregate`` option: how many consecutive periods make one, a whole number >= 1."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(
        value, bool) else None
    if text is None or not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise AnalysisError(f"option aggregate: {value!r} is not a whole number of periods "
                            ">= 1", field="aggregate")
    return int(text)
