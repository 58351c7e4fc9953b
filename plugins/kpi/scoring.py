"""How a KPI's actual value becomes a score, and a manager's KPIs a period score.
Pure arithmetic on Decimals (docs/kpi.md has a worked example):

* achievement = actual / target when higher is better, target / actual when lower is
  better (an actual of 0 or less is then the best there is: the cap, or the top band);
* ``linear`` scale: score = achievement, at least 0 and at most ``cap``;
* ``bands`` scale: ``[(from, score), ...]`` ascending: the score of the last band
  whose ``from`` the achievement reaches; 0 below the first;
* a KPI whose formula divides by zero (no data) has no actual and scores 0;
* the period score is the weighted sum of the KPIs' scores (weights as defined: make a
  role's weights add up to 1 for a score where 1 means "on target").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PLACES = Decimal("0.0001")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Scale:
    """A KPI's target, direction and scale."""

    target: Decimal
    direction: str = "higher"
    scale: str = "linear"
    cap: Decimal = Decimal("1.2")
    bands: tuple[tuple[Decimal, Decimal], ...] = ()

    def best(self) -> Decimal:
        return self.cap if self.scale == "linear" else max((s for _, s in self.bands),
                                                           default=ZERO)

    def achievement(self, actual: Decimal | None) -> Decimal | None:
        if actual is None:
            return None
        if self.direction == "higher":
            return actual / self.target
        if actual <= 0:
            return None  # nothing to do better: scored as the best
        return self.target / actual

    def score(self, actual: Decimal | None) -> Decimal:
        if actual is None:
            return ZERO
        achieved = self.achievement(actual)
        if achieved is None:
            return self.best()
        if self.scale == "linear":
            return min(max(achieved, ZERO), self.cap)
        found = ZERO
        for start, value in self.bands:
            if achieved >= start:
                found = value
        return found


def rounded(value: Decimal | None, places: Decimal = PLACES) -> Decimal | None:
    return None if value is None else value.quantize(places, rounding=ROUND_HALF_UP)


def weighted_sum(parts: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ weight × score of ``(weight, score)`` pairs, rounded to 4 places at the end."""
    return sum((weight * score for weight, score in parts), ZERO).quantize(
        PLACES, rounding=ROUND_HALF_UP)
