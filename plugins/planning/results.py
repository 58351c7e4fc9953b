"""What a plan is made of: MRP records, planned orders with their pegging, the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

RECORD_ROWS = ("gross_requirements", "scheduled_receipts", "projected_on_hand",
               "net_requirements", "planned_receipts", "planned_releases")


class Reserve(NamedTuple):
    """What a planned quantity is pegged to when no demand of the horizon consumes it:
    ``kind`` ``safety_stock`` or ``excess`` (lot-size surplus) of ``item``."""

    kind: str
    item: str


PegKey = str | Reserve  # a demand's ref, or a reserve


@dataclass(slots=True, eq=False)
class PlannedOrder:
    """A planned purchase (bought item) or production (made item) order.

    ``need_period`` is when its quantity is needed, ``due_period`` when it is received
    (the same unless the ``delay_receipt`` policy pushed it), ``release_period`` when it
    must be placed. ``pegging`` maps what it serves (a demand's ref, or a ``Reserve``) to
    the quantity, in the order consumed; its values add up to ``qty``.
    """

    item: str
    qty: Decimal
    need_period: int
    due_period: int
    release_period: int
    late: bool
    pegging: dict[PegKey, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class Record:
    """An item's MRP grid: each row is a list of quantities indexed by period offset."""

    gross_requirements: list[Decimal]
    scheduled_receipts: list[Decimal]
    projected_on_hand: list[Decimal]
    net_requirements: list[Decimal]
    planned_receipts: list[Decimal]
    planned_releases: list[Decimal]


@dataclass(slots=True)
class Plan:
    """A planned scenario. Records are keyed by item in the scenario's item order;
    planned orders come item by item in planning order (low-level code, then the
    scenario's order), each item's by need period; each exception is a JSON-ready dict
    (``type``, ``item``, details, ``message``)."""

    first_period: int
    last_period: int
    low_level_codes: dict[str, int]
    records: dict[str, Record]
    planned_orders: list[PlannedOrder]
    exceptions: list[dict[str, Any]]
