"""XYZ classes of keyed series by their coefficient of variation (cv = sd / mean).

Every series covers the same periods (a period without sales is a zero), optionally
aggregated by N first (``series.aggregate``). Over a series of n values with sum S and
sum of squares Q:

    mean = S / n
    sd   = sqrt((n·Q − S²) / n²)         population (the default)
    sd   = sqrt((n·Q − S²) / (n·(n−1)))  sample
    cv   = sd / mean

X while cv <= x (``le``; ``lt``: cv < x), Y while cv <= y, else Z. sd and cv are one
root over exact divisors, √R / d and √R / c with R = (n·Q − S²)·k (k = 1 population,
n·(n−1) sample), so the class is decided exactly without a root: cv <= x is R <= x²·c².
The reported mean, sd and cv are each the exact value rounded once to 28 significant
digits. Fewer than 2 periods, a zero mean or a negative mean leave the
object unclassified (class ``None``) with a reason: its stability is not guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import le, lt, mul
from typing import Any, NamedTuple

from .decimals import (
    ZERO,
    all_finite_decimals,
    as_decimal,
    exact_arithmetic,
    numbers_text,
    optional_text,
    ratio,
    sqrt_quotients,
)
from .errors import AnalysisError
from .options import XyzOptions, aggregate_size
from .series import aggregate, aggregate_periods

CLASSES = ("X", "Y", "Z")
FEW_PERIODS = "fewer than 2 periods"
ZERO_MEAN = "mean is zero"
NEGATIVE_MEAN = "mean is negative"
#: The options when none are given: the documented defaults.
DEFAULTS = XyzOptions()


class XyzItem(NamedTuple):
    key: str
    #: The values analysed: one per (aggregated) period.
    series: tuple[Decimal, ...]
    mean: Decimal | None
    sd: Decimal | None
    #: sd / mean as a fraction (0.1036, not 10.36 %).
    cv: Decimal | None
    #: ``X``, ``Y``, ``Z``; ``None`` when unclassifiable (then ``reason`` says why).
    xyz_class: str | None
    reason: str | None = None

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "key": self.key, "series": numbers_text(self.series),
            "mean": optional_text(self.mean), "sd": optional_text(self.sd),
            "cv": optional_text(self.cv), "class": self.xyz_class}
        if self.reason is not None:
            body["reason"] = self.reason
        return body


@dataclass(frozen=True)
class XyzResult:
    #: The labels of the periods analysed (aggregated ones as ``first..last``).
    periods: tuple[str, ...]
    #: Base periods at the end that did not fill a whole aggregated period.
    periods_left_out: tuple[str, ...]
    #: One per key, in key order.
    items: tuple[XyzItem, ...]

    def classes(self) -> dict[str, str | None]:
        """Each key's class."""
        return {item.key: item.xyz_class for item in self.items}

    def document(self) -> dict[str, Any]:
        """``{"ok": true, "periods", "periods_left_out", "items": [{"key", "series",
        "mean", "sd", "cv", "class", "reason"?}, ...]}``, numbers as decimal strings."""
        return {"ok": True, "periods": list(self.periods),
                "periods_left_out": list(self.periods_left_out),
                "items": [item.document() for item in self.items]}


def analyse(series: Mapping[str, Sequence[Decimal | int]], *, periods: Sequence[str],
            options: XyzOptions = DEFAULTS, aggregate_by: int | str = 1) -> XyzResult:
    """The XYZ classes of ``series`` (key -> one value per label of ``periods``, in order),
    after summing each ``aggregate_by`` consecutive periods."""
    size = aggregate_size(aggregate_by)
    labels = list(periods)
    if len(set(labels)) != len(labels):
        repeated = next(label for label in labels if labels.count(label) > 1)
        raise AnalysisError(f"period {repeated!r} is named twice", field="period")
    aggregated_labels, left_out = aggregate_periods(labels, size)
    classify = _Classifier(options)
    with exact_arithmetic():
        items = tuple(classify(key, tuple(aggregate(_checked_series(key, series[key],
                                                                    len(labels)), size)))
                      for key in sorted(series))
    return XyzResult(tuple(aggregated_labels), tuple(left_out), items)


def _checked_series(key: str, values: Sequence[Decimal | int], length: int
                    ) -> Sequence[Decimal]:
    if len(values) != length:
        raise AnalysisError(f"series of {key!r}: {len(values)} value(s) for {length} "
                            "period(s)", field="series", details={"key": key})
    if all_finite_decimals(values):
        return values  # type: ignore[return-value]
    return [as_decimal(value, f"series of {key!r}, period {index}", field="series",
                       details={"key": key})
            for index, value in enumerate(values, start=1)]


class _Classifier:
    """One series' figures and class; called inside ``exact_arithmetic()``."""

    def __init__(self, options: XyzOptions) -> None:
        self.sample = options.sd == "sample"
        self.within = lt if options.boundary == "lt" else le
        # cv <= x is cv² <= x²: the limits squared, so that no root decides a class.
        self.limits = (("X", options.x * options.x), ("Y", options.y * options.y))

    def __call__(self, key: str, values: tuple[Decimal, ...]) -> XyzItem:
        count = len(values)
        total = sum(values, ZERO)
        if count < 2:
            mean = ratio(total, count) if count else None
            return XyzItem(key, values, mean, None, None, None, FEW_PERIODS)
        # n·Q − S² is n² times the population variance; never negative, exactly.
        spread = count * sum(map(mul, values, values), ZERO) - total * total
        mean = ratio(total, count)
        # sd = √(spread·k) / d and cv = √(spread·k) / (S·d/n): k = 1 and d = n for the
        # population sd, k = d = n·(n−1) for the sample sd.
        scale = count * (count - 1) if self.sample else 1
        radicand = spread * scale
        sd_divisor = Decimal(scale if self.sample else count)
        if total <= 0:
            sd, = sqrt_quotients(radicand, (sd_divisor,))
            return XyzItem(key, values, mean, sd, None, None,
                           NEGATIVE_MEAN if total else ZERO_MEAN)
        cv_divisor = total * (count - 1) if self.sample else total
        sd, cv = sqrt_quotients(radicand, (sd_divisor, cv_divisor))
        squared_divisor = cv_divisor * cv_divisor
        for name, limit in self.limits:
            if self.within(radicand, limit * squared_divisor):
                return XyzItem(key, values, mean, sd, cv, name)
        return XyzItem(key, values, mean, sd, cv, "Z")
