"""Building a posting: checked lines become movements and reservation changes.

The first of the three stages of a posting (building, :mod:`valuing`, :mod:`writing`).
It works on the balance rows the posting locked, with running figures, and refuses
what is not available; nothing here values a movement or writes a row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ordercraft.core.errors import ValidationError
from ordercraft.core.stock import valuation as val
from ordercraft.core.stock.errors import InsufficientStock, NotCancellable
from ordercraft.core.stock.inputs import Catalog, Doc, ItemInfo, Line, WarehouseInfo, fail
from ordercraft.core.stock.store import END_OF_DAY, Balance, Ledger, Stored, Writes

ZERO = Decimal(0)

#: ``(item id, warehouse id, holder)``: whose reservation of what, where.
HolderKey = tuple[int, int, str]


@dataclass(slots=True)
class NewMove:
    """A movement the batch adds. It has the fields of a ``valuation.Movement`` too, so
    the valuation takes it as it is."""

    doc: Doc
    line: Line | None
    item: ItemInfo
    warehouse: WarehouseInfo
    qty: Decimal
    unit_cost: Decimal | None
    #: Inbound half of a transfer: its outbound half.
    source: NewMove | None = None
    id: int = 0
    date: date = date.min
    warehouse_id: int = 0
    source_id: int | None = None
    carried: None = None


@dataclass
class Batch:
    """What a posting (or a cancel) collects while it is built, for the stages after it:
    the locked balances with running figures, the new movements, the stored ones a
    cancel takes out of the valuation, and the reservation changes."""

    catalog: Catalog
    ledger: Ledger
    balances: dict[tuple[int, int], Balance]
    writes: Writes = field(default_factory=Writes)
    new: list[NewMove] = field(default_factory=list)
    new_by_item: dict[int, list[NewMove]] = field(default_factory=lambda: defaultdict(list))
    #: Moves of a cancelled document, per item: they leave the valuation.
    removed: dict[int, list[Stored]] = field(default_factory=lambda: defaultdict(list))
    #: Per item, the document whose posting re-values its later moves.
    cause: dict[int, Doc] = field(default_factory=dict)
    #: What each holder holds, as the batch goes.
    held: dict[HolderKey, Decimal] = field(default_factory=dict)
    #: A cancel's balances it lowers (it takes out an inbound move there).
    lowered: set[tuple[int, int]] = field(default_factory=set)
    #: Set by a cancel: how messages name what the batch does.
    cancelling: str | None = None

    def balance(self, item: ItemInfo, warehouse: WarehouseInfo) -> Balance:
        return self.balances[(item.id, warehouse.id)]

    def items(self) -> list[int]:
        """Ids of the items whose valuation the batch changes, in order."""
        return sorted({i for i, moves in self.new_by_item.items() if moves} | set(self.removed))

    def know_reservations(self, holders: set[HolderKey]) -> None:
        """Read what these holders hold now (the batch changes it from there)."""
        if holders:
            self.held.update(self.ledger.reservations(holders))
            self.writes.reservations_known.update(self.held)

    def reservation_results(self) -> dict[int, tuple[tuple[str, str, str, str], ...]]:
        """Per document: ``(item, warehouse, holder, change)`` of its reservation moves."""
        found: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
        for d, i, w, h, q in self.writes.reservation_moves:
            item = self.catalog.item(i)
            found[d.id].append((item.sku, self.catalog.warehouse(w).code, h, item.fmt(q)))
        return {d: tuple(rows) for d, rows in found.items()}

    def check_reserved_after(self) -> None:
        """After a cancel, stock must still cover what is reserved, whatever the
        valuation: an average item may go negative, but not into reserved stock (an
        average balance the cancel does not lower is left as it was)."""
        for bal in self.balances.values():
            item = self.catalog.item(bal.item_id)
            if bal.qty < bal.run_reserved and (item.valuation == val.FIFO or (
                    bal.run_reserved > 0 and (bal.item_id, bal.warehouse_id) in self.lowered)):
                warehouse = self.catalog.warehouse(bal.warehouse_id)
                raise InsufficientStock(
                    f"{self.cancelling} would leave {item.amount(bal.qty)} of {item.sku!r} in "
                    f"warehouse {warehouse.code!r}, but {item.amount(bal.run_reserved)} are "
                    "reserved; release the reservations first",
                    details={"item": item.sku, "warehouse": warehouse.code,
                             "available": item.fmt(bal.qty),
                             "requested": item.fmt(bal.run_reserved)})


def _insufficient(item: ItemInfo, warehouse: WarehouseInfo, message: str, **details: str
                  ) -> InsufficientStock:
    return InsufficientStock(message, field="qty", details={
        "item": item.sku, "warehouse": warehouse.code, **details})


class Builder:
    """Turns checked documents (or a cancel) into the movements of a :class:`Batch`."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    # documents ------------------------------------------------------------------

    def build(self, docs: list[Doc]) -> None:
        self.batch.know_reservations({(line.item.id, line.warehouse.id, line.holder)
                                      for doc in docs for line in doc.lines if line.holder})
        build_line = self._build_line
        for doc in docs:
            for line in doc.lines:
                build_line(doc, line)

    def _build_line(self, doc: Doc, line: Line) -> None:
        item, warehouse, qty, kind = line.item, line.warehouse, line.qty, doc.kind
        if kind == "receipt":
            assert qty is not None  # only a release may leave it out; checked on input
            self._add(doc, line, item, warehouse, qty, line.unit_cost)
        elif kind in ("issue", "write_off", "transfer"):
            assert qty is not None
            self._take(doc, line, qty)
        elif kind == "count":
            assert qty is not None
            self._count(doc, line, qty)
        elif kind == "reservation":
            assert qty is not None and line.holder is not None  # checked on input
            self._reserve(doc, line, qty, line.holder)
        elif kind == "release":
            assert line.holder is not None  # checked on input
            self._release(doc, line, qty, line.holder)

    def _take(self, doc: Doc, line: Line, qty: Decimal) -> None:
        kind, item, warehouse = doc.kind, line.item, line.warehouse
        used = self._check_available(line, qty, "write off" if kind == "write_off" else kind)
        if used:
            self.reserve(doc, item, warehouse, line.holder or "", -used)
        out = self._add(doc, line, item, warehouse, -qty)
        if kind == "transfer":
            assert line.target is not None  # checked on input
            self._add(doc, line, item, line.target, qty, source=out)

    def _count(self, doc: Doc, line: Line, counted: Decimal) -> None:
        item, warehouse = line.item, line.warehouse
        before = self._qty_on(item, warehouse, doc.date)
        difference = counted - before
        doc.details.setdefault("counted", []).append({
            "item": item.sku, "warehouse": warehouse.code, "counted": item.fmt(counted),
            "book": item.fmt(before), "difference": item.fmt(difference)})
        if difference > 0:
            # Without a cost, a gain is valued at the stock's unit cost at that point
            # (re-derived if earlier moves are re-valued), which must exist.
            if line.unit_cost is None and not self._moved_by(item, warehouse, doc.date):
                raise fail(line, ValidationError(
                    f"unit_cost: the count finds {item.amount(difference)} more "
                    f"{item.sku!r} in warehouse {warehouse.code!r} than the books and "
                    f"no cost is known there on {doc.date}; give the cost per unit",
                    field="unit_cost"))
            self._add(doc, line, item, warehouse, difference, line.unit_cost)
        elif difference < 0:
            self._add(doc, line, item, warehouse, difference)

    def _reserve(self, doc: Doc, line: Line, qty: Decimal, holder: str) -> None:
        item, warehouse = line.item, line.warehouse
        bal = self.batch.balance(item, warehouse)
        available = bal.run_qty - bal.run_reserved
        if qty > available:
            raise fail(line, _insufficient(
                item, warehouse,
                f"not enough {item.sku!r} in warehouse {warehouse.code!r} to reserve: "
                f"requested {item.amount(qty)}, available {item.amount(max(available, ZERO))}"
                f" ({item.fmt(bal.run_qty)} on hand, {item.fmt(bal.run_reserved)} reserved)",
                requested=item.fmt(qty), available=item.fmt(max(available, ZERO))))
        self.reserve(doc, item, warehouse, holder, qty)

    def _release(self, doc: Doc, line: Line, qty: Decimal | None, holder: str) -> None:
        item, warehouse = line.item, line.warehouse
        held = self.batch.held.get((item.id, warehouse.id, holder), ZERO)
        release = held if qty is None else qty
        if release > held or release == 0:
            raise fail(line, _insufficient(
                item, warehouse,
                f"{holder!r} holds {item.amount(held)} of {item.sku!r} in warehouse "
                f"{warehouse.code!r}: cannot release {item.amount(release)}",
                requested=item.fmt(release), available=item.fmt(held)))
        self.reserve(doc, item, warehouse, holder, -release)

    # a cancel ---------------------------------------------------------------------

    def take_out(self, reversal: Doc, stored: Stored, item_id: int) -> None:
        """A cancelled document's move leaves the valuation (its mirror is written)."""
        batch = self.batch
        batch.removed[item_id].append(stored)
        batch.cause.setdefault(item_id, reversal)
        batch.balances[(item_id, stored.warehouse_id)].run_qty -= stored.qty
        if stored.qty > 0:
            batch.lowered.add((item_id, stored.warehouse_id))

    def undo_reservation(self, reversal: Doc, item: ItemInfo, warehouse: WarehouseInfo,
                         holder: str, change: Decimal) -> None:
        """Take back a cancelled document's reservation change of ``change``."""
        batch = self.batch
        what = batch.cancelling
        held = batch.held.get((item.id, warehouse.id, holder), ZERO)
        if change > 0 and held < change:
            raise NotCancellable(
                f"{what} would release {item.amount(change)} of {item.sku!r} in warehouse "
                f"{warehouse.code!r} held by {holder!r}, who holds {item.amount(held)} now",
                field="document")
        if change < 0:
            bal = batch.balance(item, warehouse)
            available = bal.run_qty - bal.run_reserved
            if -change > available:
                raise InsufficientStock(
                    f"{what} would reserve {item.amount(-change)} of {item.sku!r} in "
                    f"warehouse {warehouse.code!r} again, but only "
                    f"{item.amount(max(available, ZERO))} are available",
                    details={"item": item.sku, "warehouse": warehouse.code,
                             "requested": item.fmt(-change),
                             "available": item.fmt(max(available, ZERO))})
        self.reserve(reversal, item, warehouse, holder, -change)

    # the running figures -------------------------------------------------------

    def reserve(self, doc: Doc, item: ItemInfo, warehouse: WarehouseInfo, holder: str,
                qty: Decimal) -> None:
        if not qty:
            return
        batch = self.batch
        key = (item.id, warehouse.id, holder)
        held = batch.held[key] = batch.held.get(key, ZERO) + qty
        bal = batch.balance(item, warehouse)
        bal.run_reserved += qty
        bal.changed_reserved = True
        batch.writes.reservations[key] = held
        # The document is numbered later, with the moves: keep the object.
        batch.writes.reservation_moves.append((doc, item.id, warehouse.id, holder, qty))

    def _add(self, doc: Doc, line: Line | None, item: ItemInfo, warehouse: WarehouseInfo,
             qty: Decimal, unit_cost: Decimal | None = None, source: NewMove | None = None
             ) -> NewMove:
        batch = self.batch
        move = NewMove(doc, line, item, warehouse, qty, unit_cost, source, 0, doc.date,
                       warehouse.id)
        batch.new.append(move)
        batch.new_by_item[item.id].append(move)
        if item.id not in batch.cause:
            batch.cause[item.id] = doc
        batch.balances[(item.id, warehouse.id)].run_qty += qty
        return move

    def _check_available(self, line: Line, qty: Decimal, verb: str) -> Decimal:
        """Refuse taking what is reserved for others (FIFO: more than is on hand too);
        return the reservation used up."""
        item, warehouse, holder = line.item, line.warehouse, line.holder
        bal = self.batch.balance(item, warehouse)
        held = self.batch.held.get((item.id, warehouse.id, holder), ZERO) if holder else ZERO
        others = bal.run_reserved - held
        # FIFO stock never goes negative; average stock may, but not into what other
        # holders reserved: with nothing reserved for others it takes any quantity.
        if item.valuation == val.FIFO or others > 0:
            available = bal.run_qty - others
            if qty > available:
                detail = (f" ({item.fmt(bal.run_qty)} on hand, {item.fmt(others)} reserved for "
                          "others)" if others else "")
                raise fail(line, _insufficient(
                    item, warehouse,
                    f"not enough {item.sku!r} in warehouse {warehouse.code!r} to {verb}: "
                    f"requested {item.amount(qty)}, available "
                    f"{item.amount(max(available, ZERO))}{detail}",
                    requested=item.fmt(qty), available=item.fmt(max(available, ZERO)),
                    on_hand=item.fmt(bal.run_qty), reserved_for_others=item.fmt(others)))
        return min(qty, held)

    def _qty_on(self, item: ItemInfo, warehouse: WarehouseInfo, day: date) -> Decimal:
        """Quantity at the end of ``day``, counting what this batch added so far."""
        bal = self.batch.balance(item, warehouse)
        if bal.last_date is None or bal.last_date <= day:
            base = bal.qty
        else:
            base = self.batch.ledger.state_at(item.id, warehouse.id, (day, END_OF_DAY)).qty
        return base + sum((m.qty for m in self.batch.new_by_item.get(item.id, ())
                           if m.warehouse.id == warehouse.id and m.doc.date <= day), ZERO)

    def _moved_by(self, item: ItemInfo, warehouse: WarehouseInfo, day: date) -> bool:
        """Whether anything moved in or out by the end of ``day`` (so a cost is known)."""
        if any(m.warehouse.id == warehouse.id and m.doc.date <= day
               for m in self.batch.new_by_item.get(item.id, ())):
            return True
        bal = self.batch.balance(item, warehouse)
        if bal.last_date is None:
            return False
        return bal.last_date <= day or self.batch.ledger.moved_by(item.id, warehouse.id, day)


def number(batch: Batch, docs: list[Doc]) -> None:
    """Number the documents and the moves (the posting sequence), with one statement."""
    ids = batch.ledger.new_ids_of({"stock_documents": len(docs), "stock_moves": len(batch.new)})
    for doc, doc_id in zip(docs, ids["stock_documents"]):
        doc.id = doc_id
    for move, move_id in zip(batch.new, ids["stock_moves"]):
        move.id = move_id
        if move.source is not None:
            move.source_id = move.source.id


__all__ = ["Batch", "Builder", "HolderKey", "NewMove", "number"]

