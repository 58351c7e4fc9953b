"""The result format: a plan as JSON-ready data, or written straight to JSON text.

Quantities are exact decimal strings; a record lists a period only where its value is
not zero. ``write_json`` writes the very text ``json.dump(plan_to_dict(plan), out)``
would, without building the millions of small dicts a large plan's pegging makes
(building them, not the JSON encoding, is most of the cost).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, TextIO

from .quantities import text
from .results import RECORD_ROWS, PegKey, Plan, PlannedOrder

_WRITE_EVERY = 2_000  # planned orders per write


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "ok": True,
        "low_level_codes": dict(plan.low_level_codes),
        "records": records_to_dict(plan),
        "planned_orders": [order_to_dict(order) for order in plan.planned_orders],
        "exceptions": plan.exceptions,
    }


def records_to_dict(plan: Plan) -> dict[str, dict[str, dict[str, str]]]:
    keys = [str(period) for period in range(plan.first_period, plan.last_period + 1)]
    return {item: {row: {keys[t]: text(qty) for t, qty in enumerate(getattr(record, row)) if qty}
                   for row in RECORD_ROWS}
            for item, record in plan.records.items()}


def order_to_dict(order: PlannedOrder) -> dict[str, Any]:
    return {"item": order.item, "qty": text(order.qty), "due_period": order.due_period,
            "release_period": order.release_period, "late": order.late,
            "pegging": [peg_to_dict(key, qty) for key, qty in order.pegging.items()]}


def peg_to_dict(key: PegKey, qty: Decimal) -> dict[str, Any]:
    if isinstance(key, str):
        return {"ref": key, "qty": text(qty)}
    return {"ref": None, "qty": text(qty), "reserve": key.kind, "item": key.item}


def write_json(plan: Plan, out: TextIO) -> None:
    """Write ``plan`` to ``out`` as the JSON text of ``plan_to_dict(plan)``."""
    dumps = json.dumps
    out.write('{"ok": true, "low_level_codes": ')
    out.write(dumps(plan.low_level_codes))
    out.write(', "records": ')
    out.write(dumps(records_to_dict(plan)))
    out.write(', "planned_orders": [')
    entries = _PegTemplates()
    items: dict[str, str] = {}
    chunk: list[str] = []
    for n, order in enumerate(plan.planned_orders):
        pegs = [entries[key] % text(qty) for key, qty in order.pegging.items()]
        item = items.get(order.item)
        if item is None:
            item = items[order.item] = dumps(order.item)
        chunk.append(f'{{"item": {item}, "qty": "{text(order.qty)}", '
                     f'"due_period": {order.due_period}, '
                     f'"release_period": {order.release_period}, '
                     f'"late": {"true" if order.late else "false"}, '
                     f'"pegging": [{", ".join(pegs)}]}}')
        if len(chunk) == _WRITE_EVERY:
            out.write((", " if n >= _WRITE_EVERY else "") + ", ".join(chunk))
            chunk = []
    if chunk:
        out.write((", " if len(plan.planned_orders) > len(chunk) else "") + ", ".join(chunk))
    out.write('], "exceptions": ')
    out.write(dumps(plan.exceptions))
    out.write("}")


class CompactPegging:
    """Pegging stored compactly, for a site's run of a hundred thousand planned orders
    and millions of pegging entries: each order's pegging is the JSON text of a flat
    list ``[key, qty, key, qty, ...]`` where ``key`` indexes :attr:`keys` (the run's
    distinct pegging keys, each as its ``order_to_dict`` entry without ``qty``) and
    ``qty`` is the exact quantity as a JSON number. A quarter of the bytes of the full
    entries, written in one pass; :func:`expand_pegging` reads it back."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self._index = _KeyIndex(self.keys)

    def texts(self, orders: Iterable[PlannedOrder]) -> Iterator[str]:
        from operator import add

        # str() of a Decimal is a JSON number (exponent and trailing zeros included),
        # read back exactly: half the time of writing the shortest text of each.
        index, join = self._index.__getitem__, ",".join
        for order in orders:
            pegging = order.pegging
            yield "[" + join(map(add, map(index, pegging.keys()),
                                 map(str, pegging.values()))) + "]"


class _KeyIndex(dict[PegKey, str]):
    """A pegging key -> ``"n,"`` (its index in ``keys`` and the separator)."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        super().__init__()
        self.keys = keys

    def __missing__(self, key: PegKey) -> str:
        self.keys.append({"ref": key} if isinstance(key, str)
                         else {"ref": None, "reserve": key.kind, "item": key.item})
        self[key] = written = f"{len(self.keys) - 1},"
        return written


def expand_pegging(stored: str, keys: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A stored order's pegging as ``order_to_dict`` gives it (``[{"ref", "qty"}, ...]``,
    quantities as exact strings): from the compact form of :class:`CompactPegging`
    (``keys``: the run's keys) or from the full entries runs stored before it."""
    values = json.loads(stored, parse_float=Decimal)
    if keys is None or (values and isinstance(values[0], dict)):
        return list(values)
    return [{**keys[values[n]], "qty": text(Decimal(values[n + 1]))}
            for n in range(0, len(values), 2)]


class _PegTemplates(dict[PegKey, str]):
    """The JSON text of a pegging entry per key, with ``%s`` for its quantity:
    refs repeat across many orders, so each is encoded once."""

    def __missing__(self, key: PegKey) -> str:
        def encoded(value: str) -> str:
            return json.dumps(value).replace("%", "%%")

        if isinstance(key, str):
            template = f'{{"ref": {encoded(key)}, "qty": "%s"}}'
        else:
            template = (f'{{"ref": null, "qty": "%s", "reserve": {encoded(key.kind)}, '
                        f'"item": {encoded(key.item)}}}')
        self[key] = template
        return template
