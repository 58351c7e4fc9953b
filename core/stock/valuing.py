"""Valuing a posting: per item, where valuation starts and what every move is worth.

The second of the three stages of a posting (:mod:`building`, valuing, :mod:`writing`).
Per item and warehouse valuation starts at the end of the ledger (the common case:
nothing to re-value) or, for a backdated document or a cancel, just before the first
changed movement and in every warehouse a later transfer of the item reaches from
there. The state at that point and the stored moves after it are read, and all of it
is valued with :func:`ordercraft.core.stock.valuation.value_movements`. The result is
an :class:`ItemValuation` per item, which :mod:`writing` turns into rows.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from ordercraft.core.stock import valuation as val
from ordercraft.core.stock.building import Batch, NewMove
from ordercraft.core.stock.errors import NegativeStock
from ordercraft.core.stock.inputs import ItemInfo, fail
from ordercraft.core.stock.store import END_OF_DAY, Point, Stored

__all__ = ["ItemValuation", "Valuer"]

#: Valuation order: business date, then posting sequence (stored and new moves alike).
_position = attrgetter("date", "id")


@dataclass
class ItemValuation:
    """One item valued: its new, re-valued and removed moves with their valuations, and
    what its FIFO layers were before, so that only changes are written."""

    item: ItemInfo
    #: The batch's new moves of the item.
    new: list[NewMove]
    #: Stored moves taken out by a cancel, by id.
    removed: dict[int, Stored]
    #: Stored moves after the valuation's start, valued again, by id.
    revalued: dict[int, Stored]
    #: The valuation of every move above (new and re-valued), by id.
    results: dict[int, val.Valuation]
    #: Per warehouse, the state after the last move.
    states: dict[int, val.StockState]
    #: The open layers the valuation started from (their quantities now updated).
    start_layers: list[val.Layer] = field(default_factory=list)
    #: What the start layers hold in the database, ``(qty_left, value_left)`` by key.
    layers_stored: dict[tuple[int, int], tuple[Decimal, Decimal]] = field(default_factory=dict)
    #: The layers the re-valued inbound moves opened, as stored.
    stored_layers: dict[int, list[val.Layer]] = field(default_factory=dict)
    #: What the re-valued (and removed) outbound moves consumed, as stored.
    stored_takes: dict[int, list[val.Take]] = field(default_factory=dict)

    @property
    def fifo(self) -> bool:
        return self.item.valuation == val.FIFO


@dataclass
class _Start:
    """Where the valuation of one item starts, per warehouse."""

    states: dict[int, val.StockState] = field(default_factory=dict)
    later: list[val.Movement] = field(default_factory=list)
    revalued: dict[int, Stored] = field(default_factory=dict)
    start_layers: list[val.Layer] = field(default_factory=list)
    stored_layers: dict[int, list[val.Layer]] = field(default_factory=dict)
    stored_takes: dict[int, list[val.Take]] = field(default_factory=dict)
    backdated: bool = False
    #: What the start layers hold, ``(qty_left, value_left)`` by key, before valuing.
    layers_now: dict[tuple[int, int], tuple[Decimal, Decimal]] = field(default_factory=dict)


class Valuer:
    """Values the items of a built :class:`Batch`."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.ledger = batch.ledger

    def value(self) -> list[ItemValuation]:
        batch = self.batch
        items = batch.items()
        frontiers = {item_id: self._frontier(item_id) for item_id in items}
        # Pairs valued from the end of the ledger: their open FIFO layers, enough to
        # cover what leaves them, are read for all items at once.
        needs: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for item_id, frontier in frontiers.items():
            if batch.catalog.item(item_id).valuation != val.FIFO:
                continue
            for move in batch.new_by_item.get(item_id, []):
                if move.qty < 0 and frontier.get(move.warehouse_id, 0) is None:
                    needs[(item_id, move.warehouse_id)] -= move.qty
        open_layers = self.ledger.open_layers_covering(dict(needs)) if needs else {}
        return [self._value_item(batch.catalog.item(item_id), frontiers[item_id], open_layers)
                for item_id in items]

    def _frontier(self, item_id: int) -> dict[int, Point | None]:
        """Per warehouse: the point after which moves are (re)valued; ``None`` for the
        end of the ledger."""
        frontier: dict[int, Point | None] = {}
        balances = self.batch.balances
        # Each warehouse's last move date, read once (an item has few warehouses, an
        # import many moves of it).
        lasts: dict[int, date | None] = {}
        for move in self.batch.new_by_item.get(item_id, []):
            if move.warehouse_id in lasts:
                last = lasts[move.warehouse_id]
            else:
                last = lasts[move.warehouse_id] = balances[(item_id, move.warehouse_id)].last_date
            if last is not None and last > move.date:
                point = (move.date, END_OF_DAY)
                current = frontier.get(move.warehouse_id)
                frontier[move.warehouse_id] = point if current is None else min(current, point)
            else:
                frontier.setdefault(move.warehouse_id, None)
        for stored in self.batch.removed.get(item_id, []):
            point = (stored.date, stored.id - 1)
            current = frontier.get(stored.warehouse_id)
            frontier[stored.warehouse_id] = point if current is None else min(current, point)
        return frontier

    def _value_item(self, item: ItemInfo, frontier: dict[int, Point | None],
                    open_layers: dict[tuple[int, int], list[val.Layer]]) -> ItemValuation:
        new = self.batch.new_by_item.get(item.id, [])
        removed = {m.id: m for m in self.batch.removed.get(item.id, [])}
        loaded = self._reach(item, frontier, removed)
        start = self._start(item, frontier, loaded, removed, open_layers)
        # Stored moves as val.Movement, new ones as NewMove (which has its fields).
        movements: list[Any] = [*start.later, *new]
        if start.later:
            # The new moves alone are in position order already: numbered in date order.
            movements.sort(key=_position)
        try:
            results = val.value_movements(item.valuation, start.states, movements)
        except val.Shortage as shortage:
            raise self._negative(item, shortage, start.revalued) from None
        # What the start layers hold in the database now, to write back only changes.
        if start.backdated and item.valuation == val.FIFO:
            stored_now = {(layer.move_id, layer.slice): (layer.qty_left, layer.value_left)
                          for found in self.ledger.layers_of(
                              sorted({layer.move_id for layer in start.start_layers})).values()
                          for layer in found}
        else:
            stored_now = start.layers_now
        return ItemValuation(item, new, removed, start.revalued, results, start.states,
                             start.start_layers, stored_now, start.stored_layers,
                             start.stored_takes)

    def _reach(self, item: ItemInfo, frontier: dict[int, Point | None],
               removed: dict[int, Stored]) -> dict[int, tuple[Point, list[Stored]]]:
        """Close over later transfers: re-valuing a transfer's way out re-values its way
        in, and what follows it in the other warehouse. Moves ``frontier`` back where a
        transfer reaches; returns the stored moves after each warehouse's point."""
        loaded: dict[int, tuple[Point, list[Stored]]] = {}
        pending = [w for w, p in frontier.items() if p is not None]
        while pending:
            warehouse_id = pending.pop()
            point = frontier[warehouse_id]
            assert point is not None  # pending holds the warehouses that have one
            if warehouse_id in loaded and loaded[warehouse_id][0] == point:
                continue
            later = [s for s in self.ledger.later(item.id, warehouse_id, point)
                     if s.id not in removed]
            loaded[warehouse_id] = (point, later)
            for in_id, target, day, _out in self.ledger.transfer_ins(
                    [s.id for s in later if s.qty < 0]):
                if in_id in removed:
                    continue
                reach = (day, in_id - 1)
                current = frontier.get(target)
                if current is None or reach < current:
                    frontier[target] = reach
                    pending.append(target)
        return loaded

    def _start(self, item: ItemInfo, frontier: dict[int, Point | None],
               loaded: dict[int, tuple[Point, list[Stored]]], removed: dict[int, Stored],
               open_layers: dict[tuple[int, int], list[val.Layer]]) -> _Start:
        """Per warehouse, the state at its point and the stored moves after it."""
        fifo = item.valuation == val.FIFO
        start = _Start()
        for warehouse_id, point in frontier.items():
            bal = self.batch.balances[(item.id, warehouse_id)]
            later: list[Stored] = []
            if point is None:
                state = val.StockState(bal.qty, bal.value, bal.unit_cost)
                if fifo:
                    state.layers = deque(open_layers.get((item.id, warehouse_id), ()))
            else:
                start.backdated = True
                state = self.ledger.state_at(item.id, warehouse_id, point)
                later = loaded[warehouse_id][1]
                here = [s for s in removed.values() if s.warehouse_id == warehouse_id]
                if fifo:
                    takes = self.ledger.consumptions([s.id for s in later + here if s.qty < 0])
                    start.stored_takes.update(takes)
                    start.stored_layers.update(
                        self.ledger.layers_of([s.id for s in later if s.qty > 0]))
                    state.layers = deque(self._layers_at(
                        item, warehouse_id, point, takes,
                        {s.id for s in later + here if s.qty > 0}))
            start.start_layers.extend(state.layers)
            start.states[warehouse_id] = state
            for stored in later:
                start.revalued[stored.id] = stored
                start.later.append(self._movement(stored, warehouse_id, fifo,
                                                  start.stored_layers))
        start.layers_now = {(layer.move_id, layer.slice): (layer.qty_left, layer.value_left)
                            for layer in start.start_layers}
        return start

    @staticmethod
    def _movement(stored: Stored, warehouse_id: int, fifo: bool,
                  stored_layers: dict[int, list[val.Layer]]) -> val.Movement:
        """A stored move to value again; an inbound transfer carries what it carried."""
        carried = None
        if stored.qty > 0 and stored.pair_id is not None:
            carried = (val.carried_from_layers(stored_layers.get(stored.id, [])) if fifo
                       else (val.Slice(stored.qty, stored.value,
                                       val.per_unit(stored.value, stored.qty)),))
        return val.Movement(stored.id, stored.date, warehouse_id, stored.qty, stored.unit_cost,
                            stored.pair_id, carried)

    def _layers_at(self, item: ItemInfo, warehouse_id: int, point: Point,
                   takes: dict[int, list[val.Take]], later_ins: set[int]) -> list[val.Layer]:
        """The open layers as they stood at ``point``: today's, with what later moves
        consumed given back and without the layers later moves opened."""
        taken_from = sorted({t.layer_move_id for ts in takes.values() for t in ts})
        by_key = {layer.key[1:]: layer
                  for layer in self.ledger.layers_touched(item.id, warehouse_id, taken_from)}
        for ts in takes.values():
            for take in ts:
                layer = by_key.get((take.layer_move_id, take.layer_slice))
                if layer is not None:
                    layer.qty_left += take.qty
                    layer.value_left += take.value
        at_point = [layer for layer in by_key.values()
                    if layer.move_id not in later_ins and (layer.date, layer.move_id) <= point
                    and layer.qty_left > 0]
        at_point.sort(key=lambda layer: layer.key)
        return at_point

    def _negative(self, item: ItemInfo, shortage: val.Shortage,
                  stored: dict[int, Stored]) -> NegativeStock:
        movement = shortage.movement
        warehouse = self.batch.catalog.warehouse(movement.warehouse_id)
        new = next((m for m in self.batch.new if m.id == movement.id), None)
        line = None
        if new is not None:
            line = new.line
            document = "this document"
            what = f"the {new.doc.kind.replace('_', '-')} dated {movement.date}"
        else:
            document = f"document {stored[movement.id].document_id}"
            earlier = [m for m in self.batch.new_by_item.get(item.id, [])
                       if m.warehouse_id == movement.warehouse_id and m.qty < 0
                       and (m.date, m.id) <= movement.sort_key]
            if earlier:
                line = earlier[-1].line
                what = (f"the {earlier[-1].doc.kind.replace('_', '-')} dated "
                        f"{earlier[-1].date}")
            else:
                what = self.batch.cancelling or "this posting"
        message = (f"{what} would make the stock of {item.sku!r} in warehouse "
                   f"{warehouse.code!r} negative on {movement.date} ({document} takes "
                   f"{item.amount(shortage.requested)}, only {item.amount(shortage.on_hand)} "
                   f"would be there): short by {item.amount(shortage.shortfall)}")
        return fail(line, NegativeStock(message, field="date", details={
            "item": item.sku, "warehouse": warehouse.code, "date": movement.date.isoformat(),
            "requested": item.fmt(shortage.requested), "available": item.fmt(shortage.on_hand),
            "shortfall": item.fmt(shortage.shortfall)}))
