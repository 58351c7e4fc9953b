"""The product structure read fast: the active BOM of many items at once, exact
quantities per unit (``fractions.Fraction``, so 1/12 of a sheet stays exact until it is
shown), explosion through every level and cycle detection.

An explosion loads one level of the tree per query (the active BOMs of every item on that
level, then their lines), so a 7-level structure of 1,000 items costs 14 queries, not one
per item.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from ordercraft.plugins.production.models import Bom, BomLine, ProductionCounter
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
    #: The items whose whole tree is read.
    trees: set[int] = field(default_factory=set)

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
        for batch in chunks(sorted(by_bom)):  # the components' items in the same query
            rows.extend(self.session.execute(
                select(BomLine.id, BomLine.bom_id, BomLine.component_id, BomLine.kind,
                       BomLine.base_qty, BomLine.scrap_pct, BomLine.cost_share,
                       BomLine.phantom, BomLine.stage, Item.sku, Item.name, Item.unit,
                       Item.kind.label("item_kind"), Item.unit_precision)
                .join(Item, Item.id == BomLine.component_id)
                .where(BomLine.bom_id.in_(batch))
                .order_by(BomLine.bom_id, BomLine.position)))
        for row in rows:
            if row.component_id not in self.items:
                self.items[row.component_id] = ItemInfo(
                    row.component_id, row.sku, row.name, row.unit, row.item_kind,
                    row.unit_precision or 0)
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
            for row in self.session.execute(_items_by_id(), {"ids": list(batch)}):
                self.items[row.id] = ItemInfo(row.id, row.sku, row.name, row.unit, row.kind,
                                              row.unit_precision or 0)

    def load_tree(self, item_id: int) -> None:
        """Read every level below ``item_id``: one round of queries per level, or, when
        this process read the same tree since the site's BOMs last changed, its BOMs and
        lines from the process's cache (:class:`TreeCache`) and its items in one query."""
        if item_id in self.trees:
            return
        self.trees.add(item_id)
        day = self.on_date or date.today()
        stamp = TREES.stamp(self.session)
        cached = TREES.get(self.session, stamp, item_id, day)
        if cached is not None:
            for tree_item, (head, lines) in cached.items():
                if tree_item not in self.boms:
                    self.boms[tree_item], self.lines[tree_item] = head, list(lines)
            self.load_items(cached)
            return
        level_ids = [item_id]
        while level_ids:
            self.load(level_ids)
            level_ids = sorted({line.component_id for i in level_ids for line in self.lines[i]
                                if line.component_id not in self.boms})
        tree: Tree = {}
        below = [item_id]  # the whole tree, parts this reader had read before included
        while below:
            found = below.pop()
            if found not in tree:
                tree[found] = (self.boms[found], tuple(self.lines[found]))
                below.extend(line.component_id for line in self.lines[found])
        TREES.put(self.session, stamp, item_id, day, tree)

    def bom(self, item_id: int) -> BomHead | None:
        self.load([item_id])
        return self.boms[item_id]

    def lines_of(self, item_id: int) -> list[StructureLine]:
        self.load([item_id])
        return self.lines[item_id]


@cache
def _items_by_id() -> Any:
    """Built once: every order reads its tree's items with it (one statement object,
    whose cache key SQLAlchemy works out once)."""
    return select(Item.id, Item.sku, Item.name, Item.unit, Item.kind,
                  Item.unit_precision).where(Item.id.in_(bindparam("ids", expanding=True)))


#: A tree's BOMs and lines by item (the item without a BOM: ``None`` and no lines).
Tree = dict[int, tuple[BomHead | None, tuple[StructureLine, ...]]]
STAMP = "structure"


class TreeCache:
    """The product trees this process has read, by database, structure stamp, product and
    day. The stamp is a random number the site's row ``structure`` of
    ``production_counters`` takes whenever a BOM or a BOM line is written, by any
    process, in the writing transaction: :func:`~ordercraft.plugins.production.boms.add_bom`
    (every BOM the CLI, the API, the editor, the import and the demo write) calls
    :func:`touch_structure`, and so must any other code that writes those tables. The
    invalidation is explicit rather than an event on every session of the process: it
    concerns this site's BOMs only and holds whichever session factory wrote them. A tree
    read under one stamp is valid while the site still has it; a stamp rolled back with
    its transaction is never drawn again. A site without the row (no BOM written since
    it was added) is not cached. Items (SKU, unit, precision) are not cached: they are
    read each time, in one query."""

    SIZE = 256

    def __init__(self) -> None:
        self._trees: OrderedDict[tuple[str, int, int, date], Tree] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def stamp(session: Session) -> int | None:
        return session.execute(select(ProductionCounter.value).where(
            ProductionCounter.name == STAMP)).scalar()

    @staticmethod
    def _site(session: Session) -> str:
        return session.get_bind().engine.url.render_as_string(hide_password=True)

    def get(self, session: Session, stamp: int | None, item_id: int, day: date
            ) -> Tree | None:
        if stamp is None:
            return None
        key = (self._site(session), stamp, item_id, day)
        with self._lock:
            tree = self._trees.get(key)
            if tree is not None:
                self._trees.move_to_end(key)
            return tree

    def put(self, session: Session, stamp: int | None, item_id: int, day: date,
            tree: Tree) -> None:
        if stamp is None:
            return
        with self._lock:
            self._trees[(self._site(session), stamp, item_id, day)] = tree
            while len(self._trees) > self.SIZE:
                self._trees.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._trees.clear()


TREES = TreeCache()


def touch_structure(session: Session) -> None:
    """Give the site's structure a new stamp (in the session's transaction): every tree
    cached under the old one is read again."""
    counters = cast(Table, ProductionCounter.__table__)
    value = secrets.randbelow(2**31 - 1) + 1
    connection = session.connection()
    if connection.execute(update(counters).where(counters.c.name == STAMP).values(
            value=value)).rowcount == 0:
        connection.execute(insert(counters).values(name=STAMP, value=value))


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
