"""ABC (Pareto) classes of keyed values.

Objects are ranked by value, largest first, ties by key (text order, so the ranking
never depends on the input's order). Each ranked object's share is its value over the
total, its cumulative share the running total over the total; the cumulative share
decides the class against the limits ``a`` and ``b`` under the boundary rule:

``le``     in the upper class while the cumulative share is <= the limit
``lt``     in the upper class while the cumulative share is < the limit
``upper``  in the upper class while the cumulative share before the object is < the
           limit: the object that reaches or crosses the limit stays in the upper class

Classes are decided exactly (``cumulative <= a × total`` in exact decimals); shares
are reported rounded once to 28 significant digits. A negative value (a loss-making
item by margin) is not ranked: it is listed after the ranked objects with no share and
no class, and a reason. Zero values are ranked (last, share 0). No objects, or a total
of zero, is an error: there is nothing to divide by.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from .decimals import ZERO, as_decimal, exact_arithmetic, number_text, optional_text, ratio
from .errors import AnalysisError
from .options import AbcOptions

CLASSES = ("A", "B", "C")
NEGATIVE = "negative value: not ranked"

# (cumulative before the object, cumulative with it, limit) -> in the upper class?
_INSIDE: dict[str, Callable[[Decimal, Decimal, Decimal], bool]] = {
    "le": lambda before, after, limit: after <= limit,
    "lt": lambda before, after, limit: after < limit,
    "upper": lambda before, after, limit: before < limit,
}
#: The options when none are given: the documented defaults.
DEFAULTS = AbcOptions()


class AbcItem(NamedTuple):
    key: str
    value: Decimal
    #: ``value / total`` rounded to 28 digits; ``None`` for a negative value.
    share: Decimal | None
    #: The running total over the total, rounded to 28 digits; ``None`` when not ranked.
    cumulative_share: Decimal | None
    #: ``A``, ``B``, ``C``; ``None`` when not ranked (then ``reason`` says why).
    abc_class: str | None
    reason: str | None = None

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "key": self.key, "value": number_text(self.value),
            "share": optional_text(self.share),
            "cumulative_share": optional_text(self.cumulative_share),
            "class": self.abc_class}
        if self.reason is not None:
            body["reason"] = self.reason
        return body


@dataclass(frozen=True)
class AbcResult:
    #: Ranked objects in rank order, then the unranked ones (largest value first).
    items: tuple[AbcItem, ...]
    #: The sum of the values in each class (every class present, ``0`` when empty).
    class_totals: dict[str, Decimal]
    #: The sum of the ranked values: the denominator of every share.
    total: Decimal

    def classes(self) -> dict[str, str | None]:
        """Each key's class."""
        return {item.key: item.abc_class for item in self.items}

    def document(self) -> dict[str, Any]:
        """``{"ok": true, "items": [{"key", "value", "share", "cumulative_share",
        "class"}, ...], "class_totals": {"A", "B", "C"}}``, numbers as decimal strings."""
        return {"ok": True, "items": [item.document() for item in self.items],
                "class_totals": {name: number_text(total)
                                 for name, total in self.class_totals.items()}}


def analyse(values: Mapping[str, Decimal | int], options: AbcOptions = DEFAULTS, *,
            measure: str = "value") -> AbcResult:
    """The ABC classes of ``values`` (key -> value of ``measure``, a label for messages)."""
    checked = {key: as_decimal(value, f"{measure} of {key!r}", field="value",
                               details={"key": key})
               for key, value in values.items()}
    if not checked:
        raise AnalysisError(f"no {measure} values: there is nothing to analyse", code="empty")
    # By key, then by value descending: the sort is stable, so ties stay in key order.
    order = sorted(sorted(checked.items()), key=itemgetter(1), reverse=True)
    ranked = [(key, value) for key, value in order if value >= 0]
    with exact_arithmetic():
        total = sum((value for _key, value in ranked), ZERO)
        if not total:
            raise AnalysisError(f"the total of {measure} is 0 over {len(checked)} object(s): "
                                "shares cannot be computed", code="zero_total",
                                field="measure")
        limits = {"A": options.a * total, "B": options.b * total}
        inside = _INSIDE[options.boundary]
        class_totals = dict.fromkeys(CLASSES, ZERO)
        items: list[AbcItem] = []
        running = ZERO
        for key, value in ranked:
            before, running = running, running + value
            name = next((name for name, limit in limits.items()
                         if inside(before, running, limit)), "C")
            class_totals[name] += value
            items.append(AbcItem(key, value, ratio(value, total), ratio(running, total), name))
    items.extend(AbcItem(key, value, None, None, None, NEGATIVE)
                 for key, value in order if value < 0)
    return AbcResult(tuple(items), class_totals, total)
