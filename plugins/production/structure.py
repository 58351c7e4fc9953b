"""The product structure read fast: the active BOM of many items at once, exact
quantities per unit (``fractions.Fraction``, so 1/12 of a sheet stays exact until it is
shown), explosion through every level and cycle detection.

An explosion loads one level of the tree per query (the active BOMs of every item on that
level, then their lines), so a 7-level structure of 1,000 items costs 14 queries, not one
per item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.production.models import Bom, BomLine
from ordercraft.plugins.production.units import factor
from ordercraft.sdk.errors import ValidationError
from ordercraft.sdk.models import Item
from ordercraft.sdk.queries import chunks

QTY_QUANTUM = Decimal("0.000001")
#: Wide enough that a quotient of two quantities is exact when it terminates.
_EXACT = Context(prec=80, rounding=ROUND_HALF_EVEN)
HUNDRED = Fraction(100)


def decimal_of(value: Fraction, quantum: Decimal = QTY_QUANTUM) -> Decimal:
    """A rational quantity as the exact decimal it is, or rounded half to even to
    ``quantum`` (6 places, the ledger's quantity scale) when it does not terminate."""
    numerator, denominator = value.numerator, value.denominator
    if denominator == 1:
        return Decimal(numerator)
    rest = denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest == 1:  # a power of 2 and 5: the quotient terminates, exact in this context
        return _EXACT.divide(Decimal(numerator), Decimal(denominator))
    return _EXACT.divide(Decimal(numerator), Decimal(denominator)).quantize(
        quantum, rounding=ROUND_HALF_EVEN)


def text_of(value: Fraction | Decimal) -> str:
    """An exact decimal string: no exponent, no needless trailing zeros."""
    number = decimal_of(value) if isinstance(value, Fraction) else value
    return format(number.normalize(), "f")


def money_of(value: Decimal) -> str:
    """An exact amount or unit cost with at least cents: ``9.50``, ``3.333333``, ``0.025``."""
    exact = value.normalize()
    if exact.as_tuple().exponent > -2:  # type: ignore[operator]
        exact = exact.quantize(Decimal("0.01"))
    return format(exact, "f")


@dataclass(frozen=True)
class StructureLine:
    """One line of an item's active BOM: ``per_unit`` is the quantity of the component (in
    its base unit, scrap included) for one unit of the product in its base unit."""

    line_id: int
    bom_id: int
    component_id: int
    kind: str
    per_unit: Fraction
    #: Of ``per_unit``, the part that is planned scrap.
    scrap_per_unit: Fraction
    scrap_pct: Decimal
    cost_share: Decimal
    phantom: bool
    stage: int


@dataclass(frozen=True)
class BomHead:
    """The active version of an item's BOM, without its lines (read as plain rows)."""

    id: int
    item_id: int
    version: str
    output_qty: Decimal
    output_unit: str
    routing_id: int | None


@dataclass
class ItemInfo:
    id: int
    sku: str
    name: str
    unit: str
    kind: str
    precision: int


@dataclass
class StructureReader:
    """Reads and caches the active BOMs of items (on ``on_date``) within one session."""

    session: Session
    on_date: date | None = None
    boms: dict[int, BomHead | None] = field(default_factory=dict)
    lines: dict[int, list[StructureLine]] = field(default_factory=dict)
    items: dict[int, ItemInfo] = field(default_factory=dict)

    def load(self, item_ids: Iterable[int]) -> None:
        """Read the active BOM and lines of every item not read yet, in a few queries."""
        wanted = sorted({i for i in item_ids if i not in self.boms})
        if not wanted:
            return
        self.load_items(wanted)
        day = self.on_date or date.today()
        found: dict[int, BomHead] = {}
        for batch in chunks(wanted):
            for row in self.session.execute(
                    select(Bom.id, Bom.item_id, Bom.version, Bom.output_qty, Bom.output_unit,
                           Bom.routing_id).where(Bom.item_id.in_(batch), Bom.valid_from <= day)
                    .order_by(Bom.item_id, Bom.valid_from, Bom.id)):
                found[row.item_id] = BomHead(*row)  # the latest valid_from (then newest) wins
        for item_id in wanted:
            self.boms[item_id] = found.get(item_id)
            self.lines[item_id] = []
        by_bom = {bom.id: bom for bom in found.values()}
        rows: list[Any] = []
        for batch in chunks(sorted(by_bom)):
            rows.extend(self.session.execute(
                select(BomLine.id, BomLine.bom_id, BomLine.component_id, BomLine.kind,
                       BomLine.base_qty, BomLine.scrap_pct, BomLine.cost_share,
                       BomLine.phantom, BomLine.stage).where(BomLine.bom_id.in_(batch))
                .order_by(BomLine.bom_id, BomLine.position)))
        self.load_items(row.component_id for row in rows)
        outputs: dict[int, Fraction] = {}
        ratios: dict[tuple[Decimal, Decimal, Fraction], tuple[Fraction, Fraction]] = {}
        for row in rows:
            bom = by_bom[row.bom_id]
            output = outputs.get(bom.id)
            if output is None:
                product = self.items[bom.item_id]
                output = outputs[bom.id] = Fraction(bom.output_qty) * factor(
                    bom.output_unit, product.unit, item=product.sku, field="output_unit")
            key = (row.base_qty, row.scrap_pct, output)
            if key not in ratios:  # most lines of a structure share a few quantities
                net = Fraction(row.base_qty) / output
                ratios[key] = (net, net * Fraction(row.scrap_pct) / HUNDRED)
            per_unit_net, scrap = ratios[key]
            self.lines[bom.item_id].append(StructureLine(
                row.id, bom.id, row.component_id, row.kind, per_unit_net + scrap, scrap,
                row.scrap_pct, row.cost_share, row.phantom, row.stage))

    def load_items(self, item_ids: Iterable[int]) -> None:
        wanted = sorted({i for i in item_ids if i not in self.items})
        for batch in chunks(wanted):
            for row in self.session.execute(
                    select(Item.id, Item.sku, Item.name, Item.unit, Item.kind,
                           Item.unit_precision).where(Item.id.in_(batch))):
                self.items[row.id] = ItemInfo(row.id, row.sku, row.name, row.unit, row.kind,
                                              row.unit_precision or 0)

    def load_tree(self, item_id: int) -> None:
        """Read every level below ``item_id``: one round of queries per level."""
        level_ids = [item_id]
        while level_ids:
            self.load(level_ids)
            level_ids = sorted({line.component_id for i in level_ids for line in self.lines[i]
                                if line.component_id not in self.boms})

    def bom(self, item_id: int) -> BomHead | None:
        self.load([item_id])
        return self.boms[item_id]

    def lines_of(self, item_id: int) -> list[StructureLine]:
        self.load([item_id])
        return self.lines[item_id]


@dataclass(frozen=True)
class Node:
    """A row of an indented explosion."""

    level: int
    item_id: int
    kind: str
    qty: Fraction
    scrap_pct: Decimal
    phantom: bool
    has_bom: bool
    path: tuple[int, ...]


def explode(reader: StructureReader, item_id: int, qty: Fraction) -> list[Node]:
    """Every line below ``item_id`` for ``qty`` units, depth first (a parent before its
    components), level by level read in one query per level."""
    reader.load_tree(item_id)
    rows: list[Node] = []

    def walk(parent: int, parent_qty: Fraction, level: int, path: tuple[int, ...]) -> None:
        for line in reader.lines[parent]:
            component = line.component_id
            if component in path:
                raise cycle_error(reader, (*path, component))
            has_bom = reader.boms.get(component) is not None
            need = parent_qty * line.per_unit
            rows.append(Node(level, component, line.kind, need, line.scrap_pct, line.phantom,
                             has_bom, (*path, component)))
            if has_bom and line.kind == "component":
                walk(component, need, level + 1, (*path, component))

    walk(item_id, qty, 1, (item_id,))
    return rows


def cycle_error(reader: StructureReader, path: Iterable[int]) -> ValidationError:
    reader.load_items(path)
    names = " -> ".join(reader.items[i].sku for i in path)
    return ValidationError(f"component: the structure would contain a cycle: {names}",
                           field="component")


def find_cycle(reader: StructureReader, product_id: int,
               component_ids: Iterable[int]) -> list[int] | None:
    """A path ``product -> ... -> product`` if adding ``component_ids`` below the product
    makes one (through any version of the components' BOMs), else ``None``."""
    parents: dict[int, int] = {}
    frontier = []
    for component in component_ids:
        if component == product_id:
            return [product_id, product_id]
        if component not in parents:
            parents[component] = product_id
            frontier.append(component)
    while frontier:
        below: list[tuple[int, int]] = []
        for batch in chunks(sorted(set(frontier))):
            below.extend(reader.session.execute(
                select(Bom.item_id, BomLine.component_id).join(BomLine, BomLine.bom_id == Bom.id)
                .where(Bom.item_id.in_(batch), BomLine.kind == "component")).all())
        frontier = []
        for parent, child in below:
            if child == product_id:
                back = [parent]
                while back[-1] != product_id:
                    back.append(parents[back[-1]])
                return [*reversed(back), product_id]
            if child not in parents:
                parents[child] = parent
                frontier.append(child)
    return None
