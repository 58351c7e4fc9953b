"""Writing a posting: valued items become the rows of the ledger's tables.

The last of the three stages of a posting (:mod:`building`, :mod:`valuing`, writing).
New moves get their move, valuation, layer and consumption rows; a stored move whose
value changed gets a ``reval`` or ``settle`` row (posted rows never change) and its
derived rows rewritten; the balances take the state after the last move. The rows
(named in :mod:`store`, one tuple type per table) are collected in the batch's
:class:`~ordercraft.core.stock.store.Writes` and sent with one statement per table.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from ordercraft.core.stock import valuation as val
from ordercraft.core.stock.building import Batch
from ordercraft.core.stock.errors import BalanceOverflow, DuplicateReference
from ordercraft.core.stock.store import (
    SCALED,
    AdjustmentRow,
    Balance,
    LayerRow,
    MoveRow,
    Stored,
)
from ordercraft.core.stock.valuing import ItemValuation

__all__ = ["RowWriter"]

ZERO = Decimal(0)
#: A balance's quantity and value stay under this: their columns are NUMERIC(18, 6).
BALANCE_LIMIT = Decimal(10) ** 12


class RowWriter:
    """Turns the :class:`ItemValuation` of each item into rows of the batch's writes."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.writes = batch.writes
        self.num = batch.ledger.num
        self.day = batch.ledger.day
        #: The dates of the batch's moves as written (a few hundred dates, 100,000 moves).
        self.days: dict[date, Any] = {}
        #: SQLite's exact-decimal columns store ``int(value * scale)``; on PostgreSQL
        #: (``None``) the Decimals go as they are (``Ledger.num``, inline in the hot loop).
        self.scale: Decimal | None = SCALED if batch.ledger.sqlite else None
        #: Pairs whose last move date a cancel may have moved back.
        self.recheck_last_date: set[tuple[int, int]] = set()

    def item(self, valued: ItemValuation) -> None:
        self._new_moves(valued)
        self._revalued_moves(valued)
        self._removed_moves(valued)
        if valued.fifo:
            self._start_layers(valued)
        self._balances(valued)

    def mirror(self, reversal_id: int, mirror_id: int, item_id: int, stored: Stored) -> None:
        """The move of a reversal that takes back ``stored`` (a cancelled document's)."""
        n = self.num
        row: MoveRow = (
            mirror_id, reversal_id, item_id, stored.warehouse_id, self.day(stored.date),
            "out" if stored.qty > 0 else "in", n(-stored.qty),
            n(-(stored.value + stored.settlement)), None, stored.id)
        self.writes.moves.append(row)

    # the stages of one item -------------------------------------------------------

    def _new_moves(self, valued: ItemValuation) -> None:
        """The move, valuation, layer and consumption rows of the batch's new moves."""
        writes, n, day, days, scale = self.writes, self.num, self.day, self.days, self.scale
        fifo, item_id, results = valued.fifo, valued.item.id, valued.results
        moves_out, valuations_out = writes.moves.append, writes.valuations_new.append
        layers_out, takes_out = writes.layers_new.append, writes.consumptions_new.append
        zero = n(ZERO)
        # As the columns take them: scaled integers on SQLite, Decimals on PostgreSQL.
        qty: Any
        value: Any
        qty_after: Any
        value_after: Any
        cost_after: Any
        cost: Any
        for move in valued.new:
            result = results[move.id]
            move_id, warehouse_id, document_id = move.id, move.warehouse_id, move.doc.id
            move_day = days.get(move.date)
            if move_day is None:
                move_day = days[move.date] = day(move.date)
            # Each Decimal is converted once (inline on SQLite: this runs for every move
            # of a bulk import): the move's value and quantity are also its valuation's
            # and its layer's.
            if scale is not None:
                qty, value, qty_after, value_after, cost_after = (
                    int(move.qty * scale), int(result.value * scale),
                    int(result.qty_after * scale), int(result.value_after * scale),
                    int(result.cost_after * scale))
            else:
                qty, value, qty_after, value_after, cost_after = (
                    move.qty, result.value, result.qty_after, result.value_after,
                    result.cost_after)
            source = move.source
            cost = None
            if move.qty > 0:
                if source is None:
                    cost = (move.unit_cost if scale is None or move.unit_cost is None
                            else int(move.unit_cost * scale))
                moves_out((move_id, document_id, item_id, warehouse_id, move_day, "in", qty,
                           value, cost, source.id if source is not None else None))
            else:
                moves_out((move_id, document_id, item_id, warehouse_id, move_day, "out", qty,
                           value, None, None))
            if result.settlement:
                writes.adjustments.append(self._adjustment(
                    document_id, item_id, warehouse_id, move_day, "settle", result.settlement,
                    move_id))
                settlement = n(result.settlement)
            else:
                settlement = zero
            valuations_out((move_id, item_id, warehouse_id, move_day, value, settlement,
                            qty_after, value_after, cost_after))
            if not fifo:
                continue
            if source is None and result.layers:
                # A receipt's one layer; what is left of it is known once the batch ran.
                layer = result.layers[0]
                if layer.qty_left == layer.qty_in:
                    layers_out((move_id, 0, item_id, warehouse_id, move_day, qty, value,
                                cost if cost is not None else n(layer.unit_cost), qty, value))
                else:
                    layers_out((move_id, 0, item_id, warehouse_id, move_day, qty, value,
                                cost if cost is not None else n(layer.unit_cost),
                                n(layer.qty_left), n(layer.value_left)))
            else:
                for layer in result.layers:
                    layers_out(self._layer_row(item_id, warehouse_id, layer))
            for take in result.takes:
                takes_out((move_id, take.layer_move_id, take.layer_slice,
                           int(take.qty * scale), int(take.value * scale))
                          if scale is not None else
                          (move_id, take.layer_move_id, take.layer_slice, take.qty, take.value))

    def _revalued_moves(self, valued: ItemValuation) -> None:
        """Stored moves valued again: ``reval``/``settle`` rows for what changed, and
        their derived rows rewritten where they differ."""
        writes, n = self.writes, self.num
        item_id, fifo = valued.item.id, valued.fifo
        cause = self.batch.cause[item_id].id
        for move_id, before in valued.revalued.items():
            result = valued.results[move_id]
            move_day = self.day(before.date)
            if result.value != before.value:
                writes.adjustments.append(self._adjustment(
                    cause, item_id, before.warehouse_id, move_day, "reval",
                    result.value - before.value, move_id))
            if result.settlement != before.settlement:
                writes.adjustments.append(self._adjustment(
                    cause, item_id, before.warehouse_id, move_day, "settle",
                    result.settlement - before.settlement, move_id))
            if (result.value, result.settlement, result.qty_after, result.value_after,
                    result.cost_after) != (before.value, before.settlement, before.qty_after,
                                           before.value_after, before.cost_after):
                writes.valuations_changed.append((
                    n(result.value), n(result.settlement), n(result.qty_after),
                    n(result.value_after), n(result.cost_after), move_id))
            if not fifo:
                continue
            if before.qty > 0:
                self._relayer(valued, move_id, before, result)
            else:
                old_takes = sorted((t.layer_move_id, t.layer_slice, t.qty, t.value)
                                   for t in valued.stored_takes.get(move_id, []))
                if old_takes != sorted((t.layer_move_id, t.layer_slice, t.qty, t.value)
                                       for t in result.takes):
                    writes.consumptions_dropped.append(move_id)
                    writes.consumptions_new.extend(
                        (move_id, t.layer_move_id, t.layer_slice, n(t.qty), n(t.value))
                        for t in result.takes)

    def _relayer(self, valued: ItemValuation, move_id: int, before: Stored,
                 result: val.Valuation) -> None:
        """A re-valued inbound FIFO move: update what is left of its layers, or write
        them anew when what they brought changed."""
        old = valued.stored_layers.get(move_id, [])
        if [(layer.qty_in, layer.value_in, layer.unit_cost) for layer in old] == [
                (layer.qty_in, layer.value_in, layer.unit_cost) for layer in result.layers]:
            for was, layer in zip(old, result.layers):
                if (was.qty_left, was.value_left) != (layer.qty_left, layer.value_left):
                    self._layer_changed(layer)
        else:
            self.writes.layers_dropped.append(move_id)
            self.writes.layers_new.extend(self._layer_row(valued.item.id, before.warehouse_id,
                                                          layer) for layer in result.layers)

    def _removed_moves(self, valued: ItemValuation) -> None:
        """A cancel's moves leave the valuation: their derived rows go."""
        writes = self.writes
        for move_id, gone in valued.removed.items():
            writes.valuations_dropped.append(move_id)
            if valued.fifo:
                (writes.layers_dropped if gone.qty > 0 else writes.consumptions_dropped).append(
                    move_id)
            self.recheck_last_date.add((valued.item.id, gone.warehouse_id))

    def _start_layers(self, valued: ItemValuation) -> None:
        """The layers the valuation started from, where it consumed from them."""
        stored = valued.layers_stored
        for layer in valued.start_layers:
            if stored.get((layer.move_id, layer.slice)) != (layer.qty_left, layer.value_left):
                self._layer_changed(layer)

    def _balances(self, valued: ItemValuation) -> None:
        # New moves come in position order: each warehouse's last one is its latest.
        new_dates: dict[int, date] = {move.warehouse_id: move.date for move in valued.new}
        for warehouse_id, state in valued.states.items():
            bal = self.batch.balances[(valued.item.id, warehouse_id)]
            last = bal.last_date
            if warehouse_id in new_dates:
                last = new_dates[warehouse_id] if last is None else max(last,
                                                                        new_dates[warehouse_id])
            bal.qty, bal.value, bal.unit_cost, bal.last_date = (state.qty, state.value,
                                                                state.cost, last)
            self._balance_row(bal)

    # rows ---------------------------------------------------------------------------

    def _layer_changed(self, layer: val.Layer) -> None:
        n = self.num
        self.writes.layers_changed[(layer.move_id, layer.slice)] = (
            n(layer.qty_left), n(layer.value_left), layer.move_id, layer.slice)

    def _check_fits(self, bal: Balance) -> None:
        """A balance past its column's size (NUMERIC(18, 6): under 10^12) is refused
        naming the item, before the database would fail on it."""
        for what, amount in (("quantity", bal.qty), ("value", bal.value)):
            if abs(amount) >= BALANCE_LIMIT:
                item = self.batch.catalog.item(bal.item_id)
                warehouse = self.batch.catalog.warehouse(bal.warehouse_id)
                raise BalanceOverflow(
                    f"this posting would take the {what} of {item.sku!r} in warehouse "
                    f"{warehouse.code!r} to {amount}, more than a balance holds (under "
                    f"{BALANCE_LIMIT:,})", field="qty" if what == "quantity" else "unit_cost",
                    details={"item": item.sku, "warehouse": warehouse.code, what: str(amount)})

    def _balance_row(self, bal: Balance) -> None:
        self._check_fits(bal)
        n = self.num
        self.writes.balances[(bal.item_id, bal.warehouse_id)] = (
            n(bal.qty), n(bal.value), n(bal.run_reserved), n(bal.unit_cost),
            self.day(bal.last_date), bal.item_id, bal.warehouse_id)

    def _layer_row(self, item_id: int, warehouse_id: int, layer: val.Layer) -> LayerRow:
        n = self.num
        return (layer.move_id, layer.slice, item_id, warehouse_id, self.day(layer.date),
                n(layer.qty_in), n(layer.value_in), n(layer.unit_cost), n(layer.qty_left),
                n(layer.value_left))

    def _adjustment(self, document_id: int | None, item_id: int, warehouse_id: int,
                    move_day: Any, role: str, value: Decimal, pair_id: int) -> AdjustmentRow:
        """A ``reval`` or ``settle`` move: a value without a quantity (numbered later)."""
        return [None, document_id, item_id, warehouse_id, move_day, role, self.num(ZERO),
                self.num(value), None, pair_id]

    # the end --------------------------------------------------------------------------

    def finish(self) -> None:
        """Write everything the batch collected (reservation-only balances too)."""
        batch, ledger = self.batch, self.batch.ledger
        for bal in batch.balances.values():
            if bal.changed_reserved or (bal.item_id, bal.warehouse_id) in self.writes.balances:
                self._balance_row(bal)
        try:
            self.writes.flush(ledger)
        except IntegrityError as exc:
            if "uq_stock_documents_kind_ref" in str(exc.orig) or (
                    "stock_documents.kind, stock_documents.ref" in str(exc.orig)):
                raise DuplicateReference(
                    "a document with the same reference was posted by someone else meanwhile; "
                    "nothing was posted", field="ref") from None
            raise
        if self.recheck_last_date:
            rows = []
            for pair, latest in ledger.last_dates(self.recheck_last_date).items():
                bal = batch.balances[pair]
                if bal.last_date != latest:
                    bal.last_date = latest
                    rows.append((self.day(latest), pair[0], pair[1]))
            ledger.update("stock_balances", ["item_id", "warehouse_id"], ["last_date"], rows)

