"""Lot sizing: the planned orders that cover one net requirement.

Every rule returns the orders as ``(quantity, count)`` runs, largest first, so that a
huge need in small fixed lots is counted before it is spelt out.

- ``lot_for_lot``: one order of exactly the need.
- ``fixed_order_quantity`` Q: as many orders of Q as it takes to cover the need.
- ``modifiers`` min / max / multiple, applied order by order until the need is covered:
  an order is the need still uncovered, raised to ``min``, rounded up to a multiple of
  ``multiple``, and cut to ``max`` (to the largest multiple of ``multiple`` not above
  ``max`` when both are given).
"""

from __future__ import annotations

from decimal import Decimal

from .quantities import ceil_div
from .scenario import LotSizing


def order_runs(lot: LotSizing, need: Decimal) -> list[tuple[Decimal, Decimal]]:
    """The orders covering ``need`` (> 0) as ``(quantity, count)`` runs; call in ``EXACT``."""
    if lot.rule == "lot_for_lot":
        return [(need, Decimal(1))]
    if lot.rule == "fixed_order_quantity":
        assert lot.quantity is not None
        return [(lot.quantity, ceil_div(need, lot.quantity))]
    cap = largest_order(lot)
    runs: list[tuple[Decimal, Decimal]] = []
    if cap is not None and need >= cap:
        whole, need = divmod(need, cap)
        runs.append((cap, whole))
    if need:
        runs.append((_one_order(lot, need), Decimal(1)))
    return runs


def largest_order(lot: LotSizing) -> Decimal | None:
    """The biggest single order the modifiers allow (None: no maximum)."""
    if lot.maximum is None:
        return None
    if lot.multiple is None:
        return lot.maximum
    return (lot.maximum // lot.multiple) * lot.multiple


def _one_order(lot: LotSizing, need: Decimal) -> Decimal:
    # ``need`` is below the largest order, so rounding up to the multiple stays within it.
    qty = need if lot.minimum is None or need >= lot.minimum else lot.minimum
    if lot.multiple is not None:
        qty = ceil_div(qty, lot.multiple) * lot.multiple
    return qty
