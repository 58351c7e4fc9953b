"""BCG quadrants of objects (items or item groups) from their values in two periods.

The BCG matrix's relative market share is replaced by the object's share of the
company's total in the current period, its market growth by the object's own growth
from the previous period to the current one:

    share  = current / Σ current
    growth = (current − previous) / previous

Both are high at or above their threshold (the boundary belongs to the high side):
star (high share, high growth), cash_cow (high, low), question_mark (low, high), dog
(low, low). The share threshold defaults to the average share, 1 / the number of
objects with a positive current value; the growth threshold to 0.10. An object absent
from the previous period (previous 0, current > 0) has no finite growth: ``growth`` is
``None`` with a note and it counts as high growth. Objects with a negative value in
either period, or nothing in both, get no quadrant and a reason. Thresholds are
compared exactly; share and growth are reported rounded once to 28 digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from .decimals import ZERO, as_decimal, exact_arithmetic, number_text, optional_text, ratio
from .errors import AnalysisError
from .options import BcgOptions

QUADRANTS = ("star", "cash_cow", "question_mark", "dog")
_QUADRANT = {(True, True): "star", (True, False): "cash_cow",
             (False, True): "question_mark", (False, False): "dog"}
NEW = "new: nothing in the previous period, growth counts as high"
NEGATIVE = "negative value"
NOTHING = "no value in either period"
#: The options when none are given: the documented defaults.
DEFAULTS = BcgOptions()


class BcgItem(NamedTuple):
    key: str
    previous: Decimal
    current: Decimal
    #: ``current / Σ current`` rounded to 28 digits; ``None`` for a negative value.
    share: Decimal | None
    #: ``(current − previous) / previous`` rounded to 28 digits; ``None`` when previous is 0
    #: or a value is negative.
    growth: Decimal | None
    #: One of ``QUADRANTS``; ``None`` when unclassifiable (then ``reason`` says why).
    quadrant: str | None
    reason: str | None = None
    #: Set for a classified object whose growth is not a number (new in the current period).
    note: str | None = None

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "key": self.key, "previous": number_text(self.previous),
            "current": number_text(self.current), "share": optional_text(self.share),
            "growth": optional_text(self.growth), "quadrant": self.quadrant}
        if self.reason is not None:
            body["reason"] = self.reason
        if self.note is not None:
            body["note"] = self.note
        return body


@dataclass(frozen=True)
class BcgQuadrant:
    count: int
    #: The sum of the current values of the objects in the quadrant.
    value: Decimal


@dataclass(frozen=True)
class BcgResult:
    #: The labels of the previous and the current period.
    periods: tuple[str, str]
    #: The share threshold used (the average share, rounded, when not given).
    share_threshold: Decimal
    growth_threshold: Decimal
    #: Classified objects by current value (largest first, ties by key), then the others.
    items: tuple[BcgItem, ...]
    quadrants: dict[str, BcgQuadrant]

    def document(self) -> dict[str, Any]:
        """``{"ok": true, "periods": {"previous", "current"}, "share_threshold",
        "growth_threshold", "items": [{"key", "previous", "current", "share", "growth",
        "quadrant"}, …], "quadrants": {"star": {"count", "value"}, …}}``."""
        return {"ok": True,
                "periods": {"previous": self.periods[0], "current": self.periods[1]},
                "share_threshold": optional_text(self.share_threshold),
                "growth_threshold": optional_text(self.growth_threshold),
                "items": [item.document() for item in self.items],
                "quadrants": {name: {"count": quadrant.count,
                                     "value": number_text(quadrant.value)}
                              for name, quadrant in self.quadrants.items()}}


def analyse(previous: Mapping[str, Decimal | int], current: Mapping[str, Decimal | int], *,
            periods: tuple[str, str] = ("previous", "current"),
            options: BcgOptions = DEFAULTS, measure: str = "value") -> BcgResult:
    """The BCG quadrants of the objects of ``previous`` and ``current`` (key -> value of
    ``measure`` in that period; a key missing from one period has 0 there)."""
    pairs = {key: (_value(previous, key, periods[0], measure),
                   _value(current, key, periods[1], measure))
             for key in sorted(set(previous) | set(current))}
    if not pairs:
        raise AnalysisError(f"no {measure} values: there is nothing to analyse", code="empty")
    # Largest current value first; the sort is stable, so ties stay in key order.
    order = sorted(pairs.items(), key=lambda pair: pair[1][1], reverse=True)
    valid = [(key, before, now) for key, (before, now) in order if before >= 0 and now >= 0]
    with exact_arithmetic():
        total = sum((now for _key, _before, now in valid), ZERO)
        if not total:
            raise AnalysisError(f"the total of {measure} in {periods[1]!r} is 0: shares "
                                "cannot be computed", code="zero_total", field="measure")
        selling = sum(1 for _key, _before, now in valid if now > 0)
        share_limit = total if options.share is None else options.share * total
        scale = selling if options.share is None else 1
        quadrants = {name: [0, ZERO] for name in QUADRANTS}
        items: list[BcgItem] = []
        apart: list[BcgItem] = []
        for key, before, now in valid:
            if not before and not now:
                apart.append(BcgItem(key, before, now, ZERO, None, None, NOTHING))
                continue
            high_share = now * scale >= share_limit
            if before:
                growth: Decimal | None = ratio(now - before, before)
                high_growth = now - before >= options.growth * before
            else:
                growth, high_growth = None, True
            quadrant = _QUADRANT[high_share, high_growth]
            quadrants[quadrant][0] += 1
            quadrants[quadrant][1] += now
            items.append(BcgItem(key, before, now, ratio(now, total), growth, quadrant,
                                 note=None if before else NEW))
    apart.extend(BcgItem(key, before, now, None, None, None, NEGATIVE)
                 for key, (before, now) in order if before < 0 or now < 0)
    return BcgResult(
        (periods[0], periods[1]),
        ratio(1, selling) if options.share is None else options.share, options.growth,
        tuple(items + apart),
        {name: BcgQuadrant(count, value) for name, (count, value) in quadrants.items()})


def _value(values: Mapping[str, Decimal | int], key: str, period: str, measure: str
           ) -> Decimal:
    if key not in values:
        return ZERO
    return as_decimal(values[key], f"{measure} of {key!r} in {period!r}", field="value",
                      details={"key": key, "period": period})
