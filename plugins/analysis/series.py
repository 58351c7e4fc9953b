"""Periods of a series: their order, filling the gaps, aggregating N of them into one.

A series is an object's values over every period of a range, in period order. A period
without a value inside the range counts as zero (nothing was sold then). Aggregating by
N sums each N consecutive periods from the first one; a trailing group shorter than N
is left out (docs/analysis.md, "Periods").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from .decimals import ZERO, exact_arithmetic
from .errors import AnalysisError


def _is_whole_number(label: str) -> bool:
    digits = label[1:] if label[:1] in "+-" else label
    return digits.isascii() and digits.isdigit()


def order_periods(labels: Iterable[str]) -> tuple[str, ...]:
    """Distinct period labels in order: as numbers when every label is a whole number
    (``1, 2, 10``), else as text (``2026-01``, ``2026-Q1``, ``2026-W07``, ISO dates)."""
    distinct = set(labels)
    if distinct and all(_is_whole_number(label) for label in distinct):
        return tuple(sorted(distinct, key=lambda label: (int(label), label)))
    return tuple(sorted(distinct))


def align(cells: Mapping[str, Mapping[str, Decimal]],
          periods: Sequence[str]) -> dict[str, list[Decimal]]:
    """Each key's series over ``periods``: its value per period, zero where it has none."""
    position = {label: index for index, label in enumerate(periods)}
    series: dict[str, list[Decimal]] = {}
    for key, by_period in cells.items():
        values = [ZERO] * len(periods)
        for label, value in by_period.items():
            if label not in position:
                raise AnalysisError(f"series of {key!r}: period {label!r} is not one of the "
                                    "periods analysed", field="period",
                                    details={"key": key})
            values[position[label]] = value
        series[key] = values
    return series


def aggregate_periods(periods: Sequence[str], size: int) -> tuple[list[str], list[str]]:
    """The labels of the aggregated periods (``first..last``) and the base periods left
    out at the end because they do not fill a group of ``size``."""
    if size == 1:
        return list(periods), []
    complete = len(periods) - len(periods) % size
    labels = [f"{periods[start]}..{periods[start + size - 1]}"
              for start in range(0, complete, size)]
    return labels, list(periods[complete:])


def aggregate(values: Sequence[Decimal], size: int) -> list[Decimal]:
    """The sums of each ``size`` consecutive values; a trailing shorter group is left out."""
    if size == 1:
        return list(values)
    complete = len(values) - len(values) % size
    with exact_arithmetic():
        return [sum(values[start:start + size], ZERO) for start in range(0, complete, size)]
