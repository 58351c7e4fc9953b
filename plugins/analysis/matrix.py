"""The ABC-XYZ matrix: objects counted and valued in the nine cells AX … CZ.

An object takes the cell of its ABC class and its XYZ class; its value is its ABC
value. An object without a class on either side (a negative value, fewer than 2
periods, a zero mean) or present on one side only is listed apart with the reason,
never put in a cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from .abc import CLASSES as ABC_CLASSES
from .abc import AbcResult
from .decimals import ZERO, exact_arithmetic, number_text
from .xyz import CLASSES as XYZ_CLASSES
from .xyz import XyzResult

CELLS = tuple(abc + xyz for abc in ABC_CLASSES for xyz in XYZ_CLASSES)
NO_SERIES = "no series in the XYZ analysis"
NO_VALUE = "not in the ABC analysis"


class MatrixItem(NamedTuple):
    key: str
    #: The ABC value; ``None`` for an object the ABC analysis does not have.
    value: Decimal | None
    abc_class: str | None
    xyz_class: str | None
    #: Why the object is in no cell; ``None`` for a classified one.
    reason: str | None = None

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "key": self.key, "value": None if self.value is None else number_text(self.value),
            "abc": self.abc_class, "xyz": self.xyz_class}
        if self.reason is not None:
            body["reason"] = self.reason
        return body


@dataclass(frozen=True)
class MatrixCell:
    count: int
    value: Decimal


@dataclass(frozen=True)
class MatrixResult:
    #: ``AX`` … ``CZ``, every cell present.
    cells: dict[str, MatrixCell]
    #: Classified objects in ABC rank order.
    items: tuple[MatrixItem, ...]
    #: Objects in no cell: ABC rank order, then those only the XYZ analysis has (by key).
    unclassifiable: tuple[MatrixItem, ...]

    def document(self) -> dict[str, Any]:
        """``{"ok": true, "cells": {"AX": {"count", "value"}, …}, "items": [{"key", "value",
        "abc", "xyz"}, …], "unclassifiable": [{… "reason"}, …]}``."""
        return {"ok": True,
                "cells": {name: {"count": cell.count, "value": number_text(cell.value)}
                          for name, cell in self.cells.items()},
                "items": [item.document() for item in self.items],
                "unclassifiable": [item.document() for item in self.unclassifiable]}


def combine(abc: AbcResult, xyz: XyzResult) -> MatrixResult:
    """The matrix of one ABC and one XYZ result over the same objects."""
    stability = {item.key: item for item in xyz.items}
    counts = dict.fromkeys(CELLS, 0)
    values = dict.fromkeys(CELLS, ZERO)
    items: list[MatrixItem] = []
    apart: list[MatrixItem] = []
    with exact_arithmetic():
        for ranked in abc.items:
            series = stability.get(ranked.key)
            xyz_class = series.xyz_class if series else None
            reason = ranked.reason or (NO_SERIES if series is None else series.reason)
            if ranked.abc_class is None or xyz_class is None:
                apart.append(MatrixItem(ranked.key, ranked.value, ranked.abc_class, xyz_class,
                                        reason))
                continue
            cell = ranked.abc_class + xyz_class
            counts[cell] += 1
            values[cell] += ranked.value
            items.append(MatrixItem(ranked.key, ranked.value, ranked.abc_class, xyz_class))
    valued = {item.key for item in abc.items}
    apart.extend(MatrixItem(item.key, None, None, item.xyz_class, NO_VALUE)
                 for item in xyz.items if item.key not in valued)
    return MatrixResult({name: MatrixCell(counts[name], values[name]) for name in CELLS},
                        tuple(items), tuple(apart))
