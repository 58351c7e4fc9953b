"""Posting and cancelling stock documents: the thin layer around the valuation.

One call = one batch of documents in the caller's transaction:

1. check every line (items, warehouses, quantities at the unit's precision, costs,
   references) before anything is written (:mod:`inputs`);
2. lock the balance rows of every item involved, all its warehouses, in (item,
   warehouse) order (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the write
   transaction holds the database from its ``BEGIN IMMEDIATE``);
3. turn lines into movements, refusing what is not available;
4. per item, find where valuation starts in each warehouse: at the end of the ledger
   (the common case: nothing to re-value), or, for a backdated document or a cancel,
   just before the first changed movement, and in every warehouse a later transfer of
   the item reaches from there; load the state at that point and the moves after it;
5. value all of it with :func:`ordercraft.core.stock.valuation.value_movements`;
6. write new moves, a ``reval``/``settle`` row for every change of an earlier move's
   value (posted rows never change), and the derived tables, one bulk statement each
   (:mod:`store`).
"""

from __future__ import annotations

import gc
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ordercraft.core.db import utcnow
from ordercraft.core.errors import NotFound, ValidationError
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.stock import valuation as val
from ordercraft.core.stock.errors import (
    BalanceOverflow,
    DuplicateReference,
    InsufficientStock,
    NegativeStock,
    NotCancellable,
)
from ordercraft.core.stock.inputs import (
    Catalog,
    Doc,
    DocumentSpec,
    ItemInfo,
    Line,
    LineSpec,
    WarehouseInfo,
    article,
    check_documents,
    chunks,
    fail,
)
from ordercraft.core.stock.models import StockDocument
from ordercraft.core.stock.store import (
    END_OF_DAY,
    Balance,
    Ledger,
    Point,
    Stored,
    Writes,
    document_rows,
    documents,
)

__all__ = ["DocumentSpec", "LineSpec", "MoveResult", "PostedDocument", "cancel_document",
           "bulk_mode", "post_documents", "post_in_bulk"]

ZERO = Decimal(0)
#: A balance's quantity and value stay under this: their columns are NUMERIC(18, 6).
BALANCE_LIMIT = Decimal(10) ** 12
#: SQLite page cache while a bulk batch posts, in KiB (negative, as the pragma takes it).
BULK_SQLITE_CACHE = -131072
#: From this many documents a batch posts in bulk mode (see ``bulk_mode``).
BULK_DOCUMENTS = 500
#: Up to this size a posting reads ahead what it needs (``_prefetch``).
PREFETCH_DOCUMENTS = 4
PREFETCH_LINES = 16


@dataclass(frozen=True)
class MoveResult:
    move_id: int
    item: str
    warehouse: str
    qty: Decimal
    value: Decimal
    settlement: Decimal
    unit: str
    precision: int


@dataclass(frozen=True)
class PostedDocument:
    """What posting (or cancelling) returns: the document and its movements."""

    id: int
    kind: str
    date: date
    ref: str | None
    status: str
    moves: tuple[MoveResult, ...]
    #: ``(item, warehouse, holder, change)`` of the reservations it changed, the change
    #: at the item's precision.
    reservations: tuple[tuple[str, str, str, str], ...] = ()
    reversal_of: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _New:
    """A movement the batch adds. It has the fields of a ``valuation.Movement`` too, so
    the valuation takes it as it is."""

    doc: Doc
    line: Line | None
    item: ItemInfo
    warehouse: WarehouseInfo
    qty: Decimal
    unit_cost: Decimal | None
    source: _New | None = None
    id: int = 0
    date: date = date.min
    warehouse_id: int = 0
    source_id: int | None = None
    carried: None = None


def _position(movement: Any) -> tuple[date, int]:
    return (movement.date, movement.id)


class _Batch:
    """The posting of a list of documents, or the cancel of one."""

    def __init__(self, session: Session, catalog: Catalog, ledger: Ledger) -> None:
        self.session = session
        self.catalog = catalog
        self.ledger = ledger
        self.writes = Writes()
        self.balances: dict[tuple[int, int], Balance] = {}
        self.new: list[_New] = []
        self.new_by_item: dict[int, list[_New]] = defaultdict(list)
        #: Moves of a cancelled document: they leave the valuation.
        self.removed: dict[int, list[Stored]] = defaultdict(list)
        #: The document whose posting re-values an item's later moves.
        self.cause: dict[int, Doc] = {}
        self.held: dict[tuple[int, int, str], Decimal] = {}
        self.results: dict[int, val.Valuation] = {}
        self.recheck_last_date: set[tuple[int, int]] = set()
        self.cancelling: str | None = None

    def balance(self, item: ItemInfo, warehouse: WarehouseInfo) -> Balance:
        return self.balances[(item.id, warehouse.id)]

    # building movements ---------------------------------------------------------

    def _check_available(self, line: Line, warehouse: WarehouseInfo, qty: Decimal,
                         holder: str | None, verb: str) -> Decimal:
        """Refuse taking more than is available (FIFO); return the reservation used up."""
        item = line.item
        bal = self.balance(item, warehouse)
        held = self.held.get((item.id, warehouse.id, holder), ZERO) if holder else ZERO
        others = bal.run_reserved - held
        if item.valuation == val.FIFO:
            available = bal.run_qty - others
            if qty > available:
                detail = (f" ({item.fmt(bal.run_qty)} on hand, {item.fmt(others)} reserved for "
                          "others)" if others else "")
                raise fail(line, InsufficientStock(
                    f"not enough {item.sku!r} in warehouse {warehouse.code!r} to {verb}: "
                    f"requested {item.amount(qty)}, available "
                    f"{item.amount(max(available, ZERO))}{detail}", field="qty",
                    details={"item": item.sku, "warehouse": warehouse.code,
                             "requested": item.fmt(qty),
                             "available": item.fmt(max(available, ZERO)),
                             "on_hand": item.fmt(bal.run_qty),
                             "reserved_for_others": item.fmt(others)}))
        return min(qty, held)

    def reserve(self, doc: Doc, item: ItemInfo, warehouse: WarehouseInfo, holder: str,
                qty: Decimal) -> None:
        if not qty:
            return
        key = (item.id, warehouse.id, holder)
        self.held[key] = self.held.get(key, ZERO) + qty
        bal = self.balance(item, warehouse)
        bal.run_reserved += qty
        bal.changed_reserved = True
        self.writes.reservations[key] = self.held[key]
        # The document is numbered later, with the moves: keep the object.
        self.writes.reservation_moves.append((doc, item.id, warehouse.id, holder, qty))

    def _add(self, doc: Doc, line: Line | None, item: ItemInfo, warehouse: WarehouseInfo,
             qty: Decimal, unit_cost: Decimal | None = None, source: _New | None = None) -> _New:
        move = _New(doc, line, item, warehouse, qty, unit_cost, source, 0, doc.date,
                    warehouse.id)
        self.new.append(move)
        self.new_by_item[item.id].append(move)
        self.cause.setdefault(item.id, doc)
        self.balance(item, warehouse).run_qty += qty
        return move

    def _qty_on(self, item: ItemInfo, warehouse: WarehouseInfo, day: date) -> Decimal:
        """Quantity at the end of ``day``, counting what this batch added so far."""
        bal = self.balance(item, warehouse)
        if bal.last_date is None or bal.last_date <= day:
            base = bal.qty
        else:
            base = self.ledger.state_at(item.id, warehouse.id, (day, END_OF_DAY)).qty
        return base + sum((m.qty for m in self.new_by_item.get(item.id, ())
                           if m.warehouse.id == warehouse.id and m.doc.date <= day), ZERO)

    def _moved_by(self, item: ItemInfo, warehouse: WarehouseInfo, day: date) -> bool:
        """Whether anything moved in or out by the end of ``day`` (so a cost is known)."""
        if any(m.warehouse.id == warehouse.id and m.doc.date <= day
               for m in self.new_by_item.get(item.id, ())):
            return True
        bal = self.balance(item, warehouse)
        if bal.last_date is None:
            return False
        return bal.last_date <= day or self.ledger.moved_by(item.id, warehouse.id, day)

    def build(self, docs: list[Doc]) -> None:
        holders = {(line.item.id, line.warehouse.id, line.holder)
                   for doc in docs for line in doc.lines if line.holder}
        if holders:
            self.held.update(self.ledger.reservations(holders))
            self.writes.reservations_known.update(self.held)
        for doc in docs:
            for line in doc.lines:
                self._build_line(doc, line)

    def _build_line(self, doc: Doc, line: Line) -> None:
        item, warehouse, qty, kind = line.item, line.warehouse, line.qty, doc.kind
        if kind == "release":
            holder = line.holder
            assert holder is not None  # checked on input
            held = self.held.get((item.id, warehouse.id, holder), ZERO)
            release = held if qty is None else qty
            if release > held or release == 0:
                raise fail(line, InsufficientStock(
                    f"{holder!r} holds {item.amount(held)} of {item.sku!r} in warehouse "
                    f"{warehouse.code!r}: cannot release {item.amount(release)}",
                    field="qty", details={"item": item.sku, "warehouse": warehouse.code,
                                          "requested": item.fmt(release),
                                          "available": item.fmt(held)}))
            self.reserve(doc, item, warehouse, holder, -release)
            return
        # Only a release may leave out its quantity (all that is held); checked on input.
        assert qty is not None
        if kind == "receipt":
            self._add(doc, line, item, warehouse, qty, line.unit_cost)
        elif kind in ("issue", "write_off", "transfer"):
            verb = "write off" if kind == "write_off" else kind
            used = self._check_available(line, warehouse, qty, line.holder, verb)
            self.reserve(doc, item, warehouse, line.holder or "", -used)
            out = self._add(doc, line, item, warehouse, -qty)
            if kind == "transfer":
                assert line.target is not None  # checked on input
                self._add(doc, line, item, line.target, qty, source=out)
        elif kind == "count":
            before = self._qty_on(item, warehouse, doc.date)
            difference = qty - before
            doc.details.setdefault("counted", []).append({
                "item": item.sku, "warehouse": warehouse.code, "counted": item.fmt(qty),
                "book": item.fmt(before), "difference": item.fmt(difference)})
            if difference > 0:
                # Without a cost, a gain is valued at the stock's unit cost at that
                # point (re-derived if earlier moves are re-valued), which must exist.
                if line.unit_cost is None and not self._moved_by(item, warehouse, doc.date):
                    raise fail(line, ValidationError(
                        f"unit_cost: the count finds {item.amount(difference)} more "
                        f"{item.sku!r} in warehouse {warehouse.code!r} than the books and "
                        f"no cost is known there on {doc.date}; give the cost per unit",
                        field="unit_cost"))
                self._add(doc, line, item, warehouse, difference, line.unit_cost)
            elif difference < 0:
                self._add(doc, line, item, warehouse, difference)
        elif kind == "reservation":
            bal = self.balance(item, warehouse)
            available = bal.run_qty - bal.run_reserved
            if qty > available:
                raise fail(line, InsufficientStock(
                    f"not enough {item.sku!r} in warehouse {warehouse.code!r} to reserve: "
                    f"requested {item.amount(qty)}, available {item.amount(max(available, ZERO))}"
                    f" ({item.fmt(bal.run_qty)} on hand, {item.fmt(bal.run_reserved)} reserved)",
                    field="qty", details={"item": item.sku, "warehouse": warehouse.code,
                                          "requested": item.fmt(qty),
                                          "available": item.fmt(max(available, ZERO))}))
            assert line.holder is not None  # checked on input
            self.reserve(doc, item, warehouse, line.holder, qty)

    # valuing ----------------------------------------------------------------------

    def allocate(self, docs: list[Doc]) -> None:
        """Number the documents and the moves (the posting sequence), with one statement."""
        ids = self.ledger.new_ids_of({"stock_documents": len(docs), "stock_moves": len(self.new)})
        for doc, doc_id in zip(docs, ids["stock_documents"]):
            doc.id = doc_id
        for move, move_id in zip(self.new, ids["stock_moves"]):
            move.id = move_id
            if move.source is not None:
                move.source_id = move.source.id

    def value(self) -> None:
        items = sorted({i for i, moves in self.new_by_item.items() if moves} | set(self.removed))
        frontiers = {item_id: self._frontier(item_id) for item_id in items}
        # Pairs valued from the end of the ledger: their open FIFO layers, enough to
        # cover what leaves them, are read for all items at once.
        needs: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for item_id, frontier in frontiers.items():
            if self.catalog.item(item_id).valuation != val.FIFO:
                continue
            for move in self.new_by_item.get(item_id, []):
                if move.qty < 0 and frontier.get(move.warehouse.id, 0) is None:
                    needs[(item_id, move.warehouse.id)] -= move.qty
        open_layers = self.ledger.open_layers_covering(dict(needs)) if needs else {}
        for item_id in items:
            self._value_item(self.catalog.item(item_id), frontiers[item_id], open_layers)

    def _frontier(self, item_id: int) -> dict[int, Point | None]:
        """Per warehouse: the point after which moves are (re)valued; ``None`` for the
        end of the ledger."""
        frontier: dict[int, Point | None] = {}
        for move in self.new_by_item.get(item_id, []):
            bal = self.balances[(item_id, move.warehouse.id)]
            current = frontier.get(move.warehouse.id)
            if bal.last_date is not None and bal.last_date > move.doc.date:
                point = (move.doc.date, END_OF_DAY)
                frontier[move.warehouse.id] = point if current is None else min(current, point)
            else:
                frontier.setdefault(move.warehouse.id, None)
        for stored in self.removed.get(item_id, []):
            point = (stored.date, stored.id - 1)
            current = frontier.get(stored.warehouse_id)
            frontier[stored.warehouse_id] = point if current is None else min(current, point)
        return frontier

    def _value_item(self, item: ItemInfo, frontier: dict[int, Point | None],
                    open_layers: dict[tuple[int, int], list[val.Layer]]) -> None:
        ledger = self.ledger
        fifo = item.valuation == val.FIFO
        new = self.new_by_item.get(item.id, [])
        removed = {m.id: m for m in self.removed.get(item.id, [])}

        # Close over later transfers: re-valuing a transfer's way out re-values its
        # way in, and what follows it in the other warehouse.
        loaded: dict[int, tuple[Point, list[Stored]]] = {}
        pending = [w for w, p in frontier.items() if p is not None]
        while pending:
            warehouse_id = pending.pop()
            point = frontier[warehouse_id]
            assert point is not None  # pending holds the warehouses that have one
            if warehouse_id in loaded and loaded[warehouse_id][0] == point:
                continue
            later = [s for s in ledger.later(item.id, warehouse_id, point) if s.id not in removed]
            loaded[warehouse_id] = (point, later)
            for in_id, target, day, _out in ledger.transfer_ins([s.id for s in later
                                                                 if s.qty < 0]):
                if in_id in removed:
                    continue
                reach = (day, in_id - 1)
                current = frontier.get(target)
                if current is None or reach < current:
                    frontier[target] = reach
                    pending.append(target)

        states: dict[int, val.StockState] = {}
        stored_by_id: dict[int, Stored] = {}
        stored_layers: dict[int, list[val.Layer]] = {}
        stored_takes: dict[int, list[val.Take]] = {}
        start_layers: list[val.Layer] = []
        movements: list[Any] = []  # stored moves as val.Movement, new ones as _New
        backdated = False
        for warehouse_id, point in frontier.items():
            bal = self.balances[(item.id, warehouse_id)]
            later = []
            if point is None:
                state = val.StockState(bal.qty, bal.value, bal.unit_cost)
                if fifo:
                    state.layers = deque(open_layers.get((item.id, warehouse_id), ()))
            else:
                backdated = True
                state = ledger.state_at(item.id, warehouse_id, point)
                later = loaded[warehouse_id][1]
                here = [s for s in removed.values() if s.warehouse_id == warehouse_id]
                if fifo:
                    takes = ledger.consumptions([s.id for s in later + here if s.qty < 0])
                    stored_takes.update(takes)
                    stored_layers.update(ledger.layers_of([s.id for s in later if s.qty > 0]))
                    state.layers = deque(self._layers_at(
                        item, warehouse_id, point, takes,
                        {s.id for s in later + here if s.qty > 0}))
            start_layers.extend(state.layers)
            states[warehouse_id] = state
            for stored in later:
                stored_by_id[stored.id] = stored
                carried = None
                if stored.qty > 0 and stored.pair_id is not None:
                    carried = (val.carried_from_layers(stored_layers.get(stored.id, []))
                               if fifo else (val.Slice(stored.qty, stored.value,
                                                       val.per_unit(stored.value, stored.qty)),))
                movements.append(val.Movement(stored.id, stored.date, warehouse_id, stored.qty,
                                              stored.unit_cost, stored.pair_id, carried))
        # What the start layers hold in the database now, to write back only changes.
        if backdated and fifo:
            now = {(layer.move_id, layer.slice): (layer.qty_left, layer.value_left)
                   for found in ledger.layers_of(sorted({layer.move_id for layer in start_layers}))
                   .values() for layer in found}
        else:
            now = {(layer.move_id, layer.slice): (layer.qty_left, layer.value_left)
                   for layer in start_layers}
        movements.extend(new)
        movements.sort(key=_position)
        try:
            results = val.value_movements(item.valuation, states, movements)
        except val.Shortage as shortage:
            raise self._negative(item, shortage, stored_by_id) from None
        self.results.update(results)
        self._write_item(item, new, removed, states, results, stored_by_id, start_layers, now,
                         stored_layers, stored_takes)

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
        warehouse = self.catalog.warehouse(movement.warehouse_id)
        new = next((m for m in self.new if m.id == movement.id), None)
        line = None
        if new is not None:
            line = new.line
            document = "this document"
            what = f"the {new.doc.kind.replace('_', '-')} dated {movement.date}"
        else:
            document = f"document {stored[movement.id].document_id}"
            earlier = [m for m in self.new_by_item.get(item.id, [])
                       if m.warehouse.id == movement.warehouse_id and m.qty < 0
                       and (m.doc.date, m.id) <= movement.sort_key]
            if earlier:
                line = earlier[-1].line
                what = (f"the {earlier[-1].doc.kind.replace('_', '-')} dated "
                        f"{earlier[-1].doc.date}")
            else:
                what = self.cancelling or "this posting"
        message = (f"{what} would make the stock of {item.sku!r} in warehouse "
                   f"{warehouse.code!r} negative on {movement.date} ({document} takes "
                   f"{item.amount(shortage.requested)}, only {item.amount(shortage.on_hand)} "
                   f"would be there): short by {item.amount(shortage.shortfall)}")
        return fail(line, NegativeStock(message, field="date", details={
            "item": item.sku, "warehouse": warehouse.code, "date": movement.date.isoformat(),
            "requested": item.fmt(shortage.requested), "available": item.fmt(shortage.on_hand),
            "shortfall": item.fmt(shortage.shortfall)}))

    def _write_item(self, item: ItemInfo, new: list[_New], removed: dict[int, Stored],
                    states: dict[int, val.StockState], results: dict[int, val.Valuation],
                    stored: dict[int, Stored], start_layers: list[val.Layer],
                    layer_now: dict[tuple[int, int], tuple[Decimal, Decimal]],
                    stored_layers: dict[int, list[val.Layer]],
                    stored_takes: dict[int, list[val.Take]]) -> None:
        writes, n, day = self.writes, self.ledger.num, self.ledger.day
        fifo = item.valuation == val.FIFO
        cause = self.cause[item.id].id
        item_id = item.id
        moves_out, valuations_out = writes.moves.append, writes.valuations_new.append
        layers_out, takes_out = writes.layers_new.append, writes.consumptions_new.append
        zero = n(ZERO)
        for move in new:
            result = results[move.id]
            move_id, warehouse_id = move.id, move.warehouse.id
            move_day = day(move.doc.date)
            # Each Decimal is converted once: the move's value and quantity are also its
            # valuation's and its layer's.
            qty, value = n(move.qty), n(result.value)
            settlement = n(result.settlement) if result.settlement else zero
            source = move.source
            if move.qty > 0:
                cost = n(move.unit_cost) if source is None else None
                moves_out((move_id, move.doc.id, item_id, warehouse_id, move_day, "in", qty,
                           value, cost, source.id if source is not None else None))
            else:
                moves_out((move_id, move.doc.id, item_id, warehouse_id, move_day, "out", qty,
                           value, None, None))
            if result.settlement:
                writes.adjustments.append(self._adjustment(
                    move.doc.id, item_id, warehouse_id, move_day, "settle", result.settlement,
                    move_id))
            valuations_out((move_id, item_id, warehouse_id, move_day, value, settlement,
                            n(result.qty_after), n(result.value_after), n(result.cost_after)))
            if fifo:
                if source is None and result.layers:
                    # A receipt's one layer; what is left of it is known once the batch ran.
                    layer = result.layers[0]
                    left = (qty, value) if layer.qty_left == layer.qty_in else (
                        n(layer.qty_left), n(layer.value_left))
                    layers_out((move_id, 0, item_id, warehouse_id, move_day, qty, value,
                                cost if cost is not None else n(layer.unit_cost), *left))
                else:
                    for layer in result.layers:
                        layers_out((move_id, layer.slice, item_id, warehouse_id, move_day,
                                    n(layer.qty_in), n(layer.value_in), n(layer.unit_cost),
                                    n(layer.qty_left), n(layer.value_left)))
                for take in result.takes:
                    takes_out((move_id, take.layer_move_id, take.layer_slice, n(take.qty),
                               n(take.value)))
        for move_id, before in stored.items():
            result = results[move_id]
            move_day = day(before.date)
            if result.value != before.value:
                writes.adjustments.append(self._adjustment(
                    cause, item.id, before.warehouse_id, move_day, "reval",
                    result.value - before.value, move_id))
            if result.settlement != before.settlement:
                writes.adjustments.append(self._adjustment(
                    cause, item.id, before.warehouse_id, move_day, "settle",
                    result.settlement - before.settlement, move_id))
            if (result.value, result.settlement, result.qty_after, result.value_after,
                    result.cost_after) != (before.value, before.settlement, before.qty_after,
                                           before.value_after, before.cost_after):
                writes.valuations_changed.append((
                    n(result.value), n(result.settlement), n(result.qty_after),
                    n(result.value_after), n(result.cost_after), move_id))
            if fifo and before.qty > 0:
                old = stored_layers.get(move_id, [])
                if [(layer.qty_in, layer.value_in, layer.unit_cost) for layer in old] == [
                        (layer.qty_in, layer.value_in, layer.unit_cost) for layer in result.layers]:
                    for was, layer in zip(old, result.layers):
                        if (was.qty_left, was.value_left) != (layer.qty_left, layer.value_left):
                            self._layer_changed(layer)
                else:
                    writes.layers_dropped.append(move_id)
                    writes.layers_new.extend(self._layer_row(item.id, before.warehouse_id, layer)
                                             for layer in result.layers)
            elif fifo:
                old_takes = sorted((t.layer_move_id, t.layer_slice, t.qty, t.value)
                                   for t in stored_takes.get(move_id, []))
                if old_takes != sorted((t.layer_move_id, t.layer_slice, t.qty, t.value)
                                       for t in result.takes):
                    writes.consumptions_dropped.append(move_id)
                    writes.consumptions_new.extend(self._take_row(move_id, t)
                                                   for t in result.takes)
        for move_id, gone in removed.items():
            writes.valuations_dropped.append(move_id)
            if fifo:
                (writes.layers_dropped if gone.qty > 0 else writes.consumptions_dropped).append(
                    move_id)
            self.recheck_last_date.add((item.id, gone.warehouse_id))
        if fifo:
            for layer in start_layers:
                if layer_now.get((layer.move_id, layer.slice)) != (layer.qty_left,
                                                                   layer.value_left):
                    self._layer_changed(layer)
        new_dates: dict[int, date] = {}
        for move in new:
            latest = new_dates.get(move.warehouse.id)
            new_dates[move.warehouse.id] = (move.doc.date if latest is None
                                            else max(latest, move.doc.date))
        for warehouse_id, state in states.items():
            bal = self.balances[(item.id, warehouse_id)]
            last = bal.last_date
            if warehouse_id in new_dates:
                last = new_dates[warehouse_id] if last is None else max(last, new_dates[warehouse_id])
            bal.qty, bal.value, bal.unit_cost, bal.last_date = (state.qty, state.value,
                                                                state.cost, last)
            self._balance_row(bal)

    def _check_fits(self, bal: Balance) -> None:
        """A balance past its column's size (NUMERIC(18, 6): under 10^12) is refused
        naming the item, before the database would fail on it."""
        for what, amount in (("quantity", bal.qty), ("value", bal.value)):
            if abs(amount) >= BALANCE_LIMIT:
                item = self.catalog.item(bal.item_id)
                warehouse = self.catalog.warehouse(bal.warehouse_id)
                raise BalanceOverflow(
                    f"this posting would take the {what} of {item.sku!r} in warehouse "
                    f"{warehouse.code!r} to {amount}, more than a balance holds (under "
                    f"{BALANCE_LIMIT:,})", field="qty" if what == "quantity" else "unit_cost",
                    details={"item": item.sku, "warehouse": warehouse.code, what: str(amount)})

    def _layer_changed(self, layer: val.Layer) -> None:
        n = self.ledger.num
        self.writes.layers_changed[(layer.move_id, layer.slice)] = (
            n(layer.qty_left), n(layer.value_left), layer.move_id, layer.slice)

    def _balance_row(self, bal: Balance) -> None:
        self._check_fits(bal)
        n = self.ledger.num
        self.writes.balances[(bal.item_id, bal.warehouse_id)] = (
            n(bal.qty), n(bal.value), n(bal.run_reserved), n(bal.unit_cost),
            self.ledger.day(bal.last_date), bal.item_id, bal.warehouse_id)

    def _layer_row(self, item_id: int, warehouse_id: int, layer: val.Layer) -> tuple[Any, ...]:
        n = self.ledger.num
        return (layer.move_id, layer.slice, item_id, warehouse_id, self.ledger.day(layer.date),
                n(layer.qty_in), n(layer.value_in), n(layer.unit_cost), n(layer.qty_left),
                n(layer.value_left))

    def _take_row(self, move_id: int, take: val.Take) -> tuple[Any, ...]:
        n = self.ledger.num
        return (move_id, take.layer_move_id, take.layer_slice, n(take.qty), n(take.value))

    def _adjustment(self, document_id: int | None, item_id: int, warehouse_id: int,
                    move_day: Any, role: str, value: Decimal, pair_id: int) -> list[Any]:
        n = self.ledger.num
        return [None, document_id, item_id, warehouse_id, move_day, role, n(ZERO), n(value),
                None, pair_id]

    # finishing ----------------------------------------------------------------------

    def finish(self) -> None:
        for bal in self.balances.values():
            if bal.changed_reserved or (bal.item_id, bal.warehouse_id) in self.writes.balances:
                self._balance_row(bal)
        try:
            self.writes.flush(self.ledger)
        except IntegrityError as exc:
            if "uq_stock_documents_kind_ref" in str(exc.orig) or (
                    "stock_documents.kind, stock_documents.ref" in str(exc.orig)):
                raise DuplicateReference(
                    "a document with the same reference was posted by someone else meanwhile; "
                    "nothing was posted", field="ref") from None
            raise
        if self.recheck_last_date:
            rows = []
            for pair, latest in self.ledger.last_dates(self.recheck_last_date).items():
                bal = self.balances[pair]
                if bal.last_date != latest:
                    bal.last_date = latest
                    rows.append((self.ledger.day(latest), pair[0], pair[1]))
            self.ledger.update("stock_balances", ["item_id", "warehouse_id"], ["last_date"], rows)

    def check_reserved_after(self, what: str) -> None:
        """After a cancel, FIFO stock must still cover what is reserved."""
        for bal in self.balances.values():
            item = self.catalog.item(bal.item_id)
            if item.valuation == val.FIFO and bal.qty < bal.run_reserved:
                warehouse = self.catalog.warehouse(bal.warehouse_id)
                raise InsufficientStock(
                    f"{what} would leave {item.amount(bal.qty)} of {item.sku!r} in warehouse "
                    f"{warehouse.code!r}, but {item.amount(bal.run_reserved)} are reserved; "
                    "release the reservations first",
                    details={"item": item.sku, "warehouse": warehouse.code,
                             "available": item.fmt(bal.qty),
                             "requested": item.fmt(bal.run_reserved)})

    def reservation_results(self) -> dict[int, tuple[tuple[str, str, str, str], ...]]:
        """Per document: ``(item, warehouse, holder, change)`` of its reservation moves."""
        found: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
        for d, i, w, h, q in self.writes.reservation_moves:
            item = self.catalog.item(i)
            found[d.id].append((item.sku, self.catalog.warehouse(w).code, h, item.fmt(q)))
        return {d: tuple(rows) for d, rows in found.items()}


# --------------------------------------------------------------------------- entry points


def _user(session: Session) -> tuple[int | None, str]:
    user = session.info.get("user")
    return getattr(user, "id", None), getattr(user, "name", "") or ""


def _call_posted(session: Session, document_ids: Sequence[int]) -> None:
    """Tell the plugins (``document_posted``); a session not made by a platform has none."""
    platform = session.info.get("platform")
    hooks = getattr(platform, "hooks", None)
    if hooks is None or not document_ids:
        return
    implemented = getattr(hooks, "implemented", None)
    if implemented is not None and not implemented("document_posted"):
        return
    found: dict[int, StockDocument] = {}
    for chunk in chunks(sorted(document_ids)):
        found.update((d.id, d) for d in session.scalars(
            select(StockDocument).where(StockDocument.id.in_(chunk))))
    for document_id in document_ids:
        hooks.document_posted(session, found[document_id])


def post_documents(session: Session, specs: Sequence[DocumentSpec]) -> list[PostedDocument]:
    """Post ``specs`` in order, in the session's transaction: all of them or none."""
    if len(specs) >= BULK_DOCUMENTS:
        with bulk_mode(session):
            batch, docs = _post(session, specs)
    else:
        batch, docs = _post(session, specs)
    by_document: dict[int, list[MoveResult]] = defaultdict(list)
    for m in batch.new:
        result = batch.results[m.id]
        by_document[m.doc.id].append(MoveResult(m.id, m.item.sku, m.warehouse.code, m.qty,
                                                result.value, result.settlement, m.item.unit,
                                                m.item.precision))
    reserved = batch.reservation_results()
    return [PostedDocument(doc.id, doc.kind, doc.date, doc.ref, "posted",
                           tuple(by_document[doc.id]), reserved.get(doc.id, ()),
                           details=doc.details) for doc in docs]


def post_in_bulk(session: Session, specs: Sequence[DocumentSpec]) -> tuple[list[int], int]:
    """Like :func:`post_documents`, for imports: returns only the document ids and the
    number of moves (building a result object per document would cost more than the
    posting of a simple one)."""
    with bulk_mode(session):
        batch, docs = _post(session, specs)
    return [doc.id for doc in docs], len(batch.new)


@contextmanager
def bulk_mode(session: Session) -> Iterator[None]:
    """For a batch of many thousand documents: pause Python's cyclic garbage collector
    (the batch's objects hold no cycles, and rescanning millions of live objects costs
    more than the posting) and give SQLite a page cache that holds the indexes being
    written. Both are put back afterwards."""
    connection = session.connection()
    cache = None
    if connection.dialect.name == "sqlite":
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size = {BULK_SQLITE_CACHE}")
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
        if cache is not None:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")


def _post(session: Session, specs: Sequence[DocumentSpec]) -> tuple[_Batch, list[Doc]]:
    require_session_permission(session, "stock.post")
    catalog = Catalog(session)
    ledger = Ledger(session)
    _prefetch(session, ledger, catalog, specs)
    docs = check_documents(session, specs, catalog)
    batch = _Batch(session, catalog, ledger)
    pairs = {(line.item.id, w.id) for doc in docs for line in doc.lines
             for w in (line.warehouse, line.target) if w is not None}
    batch.balances = ledger.lock({i for i, _w in pairs}, pairs)
    keys = [(doc.kind, doc.ref) for doc in docs if doc.ref is not None]
    if keys:
        taken = ledger.existing_refs(keys)
        for doc in docs:
            if (doc.kind, doc.ref) in taken:
                raise fail(doc.lines[0], DuplicateReference(
                    f"{article(doc.kind)} with ref {doc.ref!r} was posted already",
                    field="ref", details={"ref": doc.ref, "kind": doc.kind}))
    batch.build(docs)
    batch.allocate(docs)
    batch.value()
    batch.writes.documents = document_rows(
        ledger, ((doc.id, doc.kind, doc.date, doc.ref, doc.spec.note or "", doc.details, None)
                 for doc in docs), *_user(session), utcnow())
    batch.finish()
    _call_posted(session, [doc.id for doc in docs])
    return batch, docs


def _prefetch(session: Session, ledger: Ledger, catalog: Catalog,
              specs: Sequence[DocumentSpec]) -> None:
    """Read ahead what a small posting needs (on PostgreSQL in one round trip)."""
    lines = [(spec.kind, line) for spec in specs for line in spec.lines]
    if len(specs) > PREFETCH_DOCUMENTS or len(lines) > PREFETCH_LINES or not all(
            isinstance(line.item, str) and isinstance(line.warehouse, str)
            and isinstance(line.to_warehouse, (str, type(None))) for _kind, line in lines):
        return
    if session.new or session.dirty:
        session.flush()
    skus = sorted({line.item.strip() for _kind, line in lines})
    codes = sorted({w.strip() for _kind, line in lines
                    for w in (line.warehouse, line.to_warehouse) if w})
    taking = sorted({(line.item.strip(), line.warehouse.strip()) for kind, line in lines
                     if kind in ("issue", "write_off", "transfer", "count")})
    moves = sum(2 if kind == "transfer" else 1 for kind, _line in lines)
    catalog.add_rows(ledger.prefetch(skus, codes, taking, len(specs), moves))


def cancel_document(session: Session, document_id: int) -> PostedDocument:
    """Cancel a posted document by posting its reversal, dated like it.

    The document's moves leave the valuation: later moves are re-valued as if it had
    never been posted (refused if FIFO stock would go negative at a later point).
    """
    require_session_permission(session, "stock.post")
    ledger = Ledger(session)
    d = documents.c
    query = select(documents).where(d.id == document_id)
    if ledger.postgres:
        query = query.with_for_update()
    doc = ledger.connection.execute(query).first()
    if doc is None:
        raise NotFound(f"stock document {document_id} does not exist", field="document")
    if doc.kind == "reversal":
        raise NotCancellable(f"document {document_id} is itself a reversal (of document "
                             f"{doc.reversal_of_id}); post the document again instead",
                             field="document")
    if doc.status == "cancelled":
        raise NotCancellable(f"document {document_id} was cancelled already (by document "
                             f"{doc.reversed_by_id})", field="document")
    rows = ledger.valued_moves_of(document_id)
    held_rows = ledger.reservation_moves_of(document_id)
    catalog = Catalog(session)
    catalog.load([r.item_id for r in rows] + [r.item_id for r in held_rows],
                 [r.warehouse_id for r in rows] + [r.warehouse_id for r in held_rows])
    batch = _Batch(session, catalog, ledger)
    what = f"cancelling document {document_id}"
    batch.cancelling = what
    pairs = {(r.item_id, r.warehouse_id) for r in rows} | {
        (r.item_id, r.warehouse_id) for r in held_rows}
    batch.balances = ledger.lock({i for i, _w in pairs}, pairs)
    ids = ledger.new_ids_of({"stock_documents": 1, "stock_moves": len(rows)})
    reversal_id = ids["stock_documents"][0]
    reversal = Doc(DocumentSpec("reversal", []), "reversal", doc.doc_date, None, [],
                   id=reversal_id)
    n, day = ledger.num, ledger.day
    mirrors = []
    for row, mirror_id in zip(rows, ids["stock_moves"]):
        batch.removed[row.item_id].append(Stored(
            row.id, row.move_date, row.warehouse_id, row.qty, row.unit_cost, row.pair_id,
            row.document_id, row.value, row.settlement, row.qty_after, row.value_after,
            row.cost_after))
        mirrors.append(MoveResult(mirror_id, catalog.item(row.item_id).sku,
                                  catalog.warehouse(row.warehouse_id).code, -row.qty,
                                  -(row.value + row.settlement), ZERO,
                                  catalog.item(row.item_id).unit,
                                  catalog.item(row.item_id).precision))
        batch.writes.moves.append((
            mirror_id, reversal_id, row.item_id, row.warehouse_id, day(row.move_date),
            "out" if row.qty > 0 else "in", n(-row.qty), n(-(row.value + row.settlement)),
            None, row.id))
        batch.cause.setdefault(row.item_id, reversal)
        batch.balances[(row.item_id, row.warehouse_id)].run_qty -= row.qty
    holders = {(r.item_id, r.warehouse_id, r.holder) for r in held_rows}
    if holders:
        batch.held.update(ledger.reservations(holders))
        batch.writes.reservations_known.update(batch.held)
    for row in held_rows:
        item, warehouse = catalog.item(row.item_id), catalog.warehouse(row.warehouse_id)
        key = (row.item_id, row.warehouse_id, row.holder)
        held = batch.held.get(key, ZERO)
        if row.qty > 0 and held < row.qty:
            raise NotCancellable(
                f"{what} would release {item.amount(row.qty)} of {item.sku!r} in warehouse "
                f"{warehouse.code!r} held by {row.holder!r}, who holds {item.amount(held)} now",
                field="document")
        if row.qty < 0:
            bal = batch.balances[(row.item_id, row.warehouse_id)]
            available = bal.run_qty - bal.run_reserved
            if item.valuation == val.FIFO and -row.qty > available:
                raise InsufficientStock(
                    f"{what} would reserve {item.amount(-row.qty)} of {item.sku!r} in "
                    f"warehouse {warehouse.code!r} again, but only "
                    f"{item.amount(max(available, ZERO))} are available",
                    details={"item": item.sku, "warehouse": warehouse.code,
                             "requested": item.fmt(-row.qty),
                             "available": item.fmt(max(available, ZERO))})
        batch.reserve(reversal, item, warehouse, row.holder, -row.qty)
    batch.value()
    batch.check_reserved_after(what)
    batch.writes.documents = document_rows(
        ledger, [(reversal_id, "reversal", doc.doc_date, None, f"cancels document {document_id}",
                  {}, document_id)], *_user(session), utcnow())
    batch.finish()
    ledger.connection.execute(update(documents).where(d.id == document_id)
                              .values(status="cancelled", reversed_by_id=reversal_id))
    cached = session.identity_map.get(session.identity_key(StockDocument, document_id))
    if cached is not None:
        session.expire(cached)
    _call_posted(session, [reversal_id])
    return PostedDocument(reversal_id, "reversal", doc.doc_date, None, "posted",
                          tuple(mirrors), batch.reservation_results().get(reversal_id, ()),
                          reversal_of=document_id)
