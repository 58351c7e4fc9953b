"""``ordercraft stock verify``: rebuild everything derived from the moves and compare.

For each item, the valued moves (those of posted documents that are not reversals)
are replayed from empty warehouses with the same pure valuation the posting uses.
The replay must match, to the last digit:

* each move's current value as the ledger says it (its row plus its ``reval`` rows)
  and its settlement (its ``settle`` rows), and the stored valuation with the
  running balance after it;
* every FIFO layer (quantity and value in and left; never negative) and what
  every issue consumed;
* every balance: quantity and value (also equal to the sum of all ledger rows),
  unit cost, date of the last move, reserved quantity (equal to the reservations
  and to the sum of reservation moves);
* a cancelled document's moves and its reversal sum to zero.

Work is done a few hundred items at a time, with a handful of queries each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ordercraft.core.models import Item, Warehouse
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.stock import valuation as val
from ordercraft.core.stock.models import (
    ReservationMove,
    StockBalance,
    StockConsumption,
    StockDocument,
    StockLayer,
    StockMove,
    StockReservation,
    StockValuation,
)

ZERO = Decimal(0)
ITEMS_PER_ROUND = 200


@dataclass
class Drift:
    item: str
    warehouse: str | None
    check: str
    stored: str | None
    expected: str | None
    move: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "warehouse": self.warehouse, "check": self.check,
                "stored": self.stored, "expected": self.expected, "move": self.move}

    def __str__(self) -> str:
        where = f" in {self.warehouse}" if self.warehouse else ""
        move = f" (move {self.move})" if self.move is not None else ""
        return (f"{self.item}{where}: {self.check}{move}: stored {self.stored}, "
                f"expected {self.expected}")


@dataclass
class VerifyReport:
    items: int = 0
    moves: int = 0
    drift: list[Drift] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.drift

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "items": self.items, "moves": self.moves,
                "drift": [d.to_dict() for d in self.drift]}


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class StoredItem:
    """What the database holds for one item: its moves (with their documents' status and
    kind) and everything derived from them."""

    id: int
    sku: str
    method: str
    #: Every move row of the item: ``id, warehouse_id, move_date, role, qty, value,
    #: unit_cost, pair_id, status, kind``.
    rows: list[Any]
    #: Stored valuations by move id (the batch's, other items' included).
    valuations: dict[int, Any] = field(default_factory=dict)
    #: Stored FIFO layers by ``(move id, slice)``.
    layers: dict[tuple[int, int], Any] = field(default_factory=dict)
    #: Stored consumptions by move id: ``(layer move, slice, qty, value)``.
    takes: dict[int, set[tuple[Any, ...]]] = field(default_factory=dict)
    #: Balance rows by ``(item, warehouse)``.
    balances: dict[tuple[int, int], Any] = field(default_factory=dict)
    #: Reservations by ``(item, warehouse, holder)``.
    held: dict[tuple[int, int, str], Decimal] = field(default_factory=dict)
    #: Sums of reservation moves by ``(item, warehouse, holder)``.
    held_moves: dict[tuple[int, int, str], Decimal] = field(default_factory=dict)


@dataclass
class Replayed:
    """The item's ledger replayed from empty warehouses, and sums of its stored rows."""

    #: The moves that are valued: of posted documents that are not reversals.
    valued: list[Any]
    results: dict[int, val.Valuation]
    states: dict[int, val.StockState]
    #: Per move: its value and settlement as the ledger's rows add up.
    ledger_value: dict[int, Decimal]
    ledger_settle: dict[int, Decimal]
    #: Per warehouse: quantity and value of all its move rows.
    sums: dict[int, list[Decimal]]
    #: Per warehouse: the date of its last valued move.
    last_dates: dict[int, Any]


#: What an invariant finds: ``(warehouse id, check, stored, expected, move id)``.
Finding = tuple[int | None, str, Any, Any, int | None]


def replay_item(item: StoredItem) -> Replayed:
    """Replay the item's valued moves (raises ``valuation.Shortage`` if FIFO stock would
    go below zero) and add up what its rows say."""
    valued = [r for r in item.rows if r.role in ("in", "out") and r.status == "posted"
              and r.kind != "reversal"]
    movements = [val.Movement(r.id, r.move_date, r.warehouse_id, r.qty, r.unit_cost,
                              r.pair_id if r.qty > 0 else None) for r in valued]
    results, states = val.replay(item.method, movements)
    ledger_value: dict[int, Decimal] = defaultdict(Decimal)
    ledger_settle: dict[int, Decimal] = defaultdict(Decimal)
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for r in item.rows:
        total = sums[r.warehouse_id]
        total[0] += r.qty
        total[1] += r.value
        if r.role in ("in", "out"):
            ledger_value[r.id] += r.value
        elif r.role == "reval":
            ledger_value[r.pair_id] += r.value
        else:
            ledger_settle[r.pair_id] += r.value
    last_dates: dict[int, Any] = {}
    for r in valued:
        day = last_dates.get(r.warehouse_id)
        last_dates[r.warehouse_id] = r.move_date if day is None else max(day, r.move_date)
    return Replayed(valued, results, states, ledger_value, ledger_settle, sums, last_dates)


# --------------------------------------------------------------------------- the invariants
# Each takes what is stored and the replay, and yields what differs.


def cancelled_moves_reversed(item: StoredItem, replayed: Replayed) -> Iterator[Finding]:
    """A cancelled document's moves and their reversal's mirrors sum to zero, and a
    cancelled move is no longer valued."""
    mirrors = {r.pair_id: r for r in item.rows
               if r.kind == "reversal" and r.role in ("in", "out")}
    for r in item.rows:
        if r.role in ("in", "out") and r.status == "cancelled":
            mirror = mirrors.get(r.id)
            net = (replayed.ledger_value[r.id] + replayed.ledger_settle[r.id]
                   + (mirror.value if mirror else ZERO))
            if mirror is None or mirror.qty != -r.qty or net:
                yield r.warehouse_id, "cancelled move not reversed to zero", net, ZERO, r.id
            if r.id in item.valuations:
                yield r.warehouse_id, "cancelled move still valued", "valued", "not valued", r.id


def move_values(item: StoredItem, replayed: Replayed) -> Iterator[Finding]:
    """A move's value (its row plus its ``reval`` rows) and settlement (its ``settle``
    rows) are what the replay gives."""
    for r in replayed.valued:
        result = replayed.results[r.id]
        if replayed.ledger_value[r.id] != result.value:
            yield (r.warehouse_id, "move value in the ledger", replayed.ledger_value[r.id],
                   result.value, r.id)
        if replayed.ledger_settle[r.id] != result.settlement:
            yield (r.warehouse_id, "settlement in the ledger", replayed.ledger_settle[r.id],
                   result.settlement, r.id)


def stored_valuations(item: StoredItem, replayed: Replayed) -> Iterator[Finding]:
    """Every valued move has its stored valuation, equal to the replay's, and nothing
    else of the item has one."""
    for r in replayed.valued:
        result = replayed.results[r.id]
        stored = item.valuations.get(r.id)
        expected = (result.value, result.settlement, result.qty_after, result.value_after,
                    result.cost_after)
        if stored is None:
            yield r.warehouse_id, "valuation missing", None, expected, r.id
        elif (stored.value, stored.settlement, stored.qty_after, stored.value_after,
              stored.cost_after) != expected or stored.move_date != r.move_date:
            yield (r.warehouse_id, "valuation (value, settlement, qty, value and cost after)",
                   (stored.value, stored.settlement, stored.qty_after, stored.value_after,
                    stored.cost_after), expected, r.id)
    valued_ids = {r.id for r in replayed.valued}
    for move_id, stored in item.valuations.items():
        if stored.item_id == item.id and move_id not in valued_ids:
            yield (stored.warehouse_id, "valuation of a move that is not valued", "present",
                   None, move_id)


def consumptions(item: StoredItem, replayed: Replayed) -> Iterator[Finding]:
    """FIFO: what each outbound move consumed, layer by layer."""
    if item.method != val.FIFO:
        return
    for r in replayed.valued:
        if r.qty < 0:
            wanted = {(t.layer_move_id, t.layer_slice, t.qty, t.value)
                      for t in replayed.results[r.id].takes}
            if item.takes.get(r.id, set()) != wanted:
                yield (r.warehouse_id, "layers consumed", sorted(item.takes.get(r.id, set())),
                       sorted(wanted), r.id)


def layers(item: StoredItem, replayed: Replayed) -> Iterator[Finding]:
    """FIFO: every layer as the replay opens and consumes it; none without an inbound
    move; what is left of it between zero and what it brought."""
    if item.method != val.FIFO:
        return
    expected_layers = {(layer.move_id, layer.slice): layer
                       for result in replayed.results.values() for layer in result.layers}
    for key, layer in expected_layers.items():
        stored = item.layers.get(key)
        want = (layer.qty_in, layer.value_in, layer.unit_cost, layer.qty_left, layer.value_left)
        if stored is None:
            yield layer_warehouse(replayed.results, key, replayed.valued), "layer missing", \
                None, want, key[0]
        elif (stored.qty_in, stored.value_in, stored.unit_cost, stored.qty_left,
              stored.value_left) != want:
            yield (stored.warehouse_id, "layer (qty in, value in, unit cost, qty left, value "
                   "left)", (stored.qty_in, stored.value_in, stored.unit_cost, stored.qty_left,
                             stored.value_left), want, key[0])
    for key, stored in item.layers.items():
        if stored.item_id == item.id and key not in expected_layers:
            yield stored.warehouse_id, "layer of no inbound move", "present", None, key[0]
        if stored.item_id == item.id and (stored.qty_left < 0 or stored.qty_left > stored.qty_in):
            yield (stored.warehouse_id, "layer quantity left out of range", stored.qty_left,
                   f"0..{stored.qty_in}", key[0])


def balances(item: StoredItem, replayed: Replayed) -> Iterator[Finding]:
    """Every balance: quantity and value as replayed and as its moves add up, unit cost,
    last date, reserved as the reservations and as the reservation moves say; FIFO: its
    value is the sum of its open layers."""
    pairs = ({w for (i, w) in item.balances if i == item.id} | set(replayed.sums)
             | set(replayed.states))
    for warehouse_id in sorted(pairs):
        bal = item.balances.get((item.id, warehouse_id))
        state = replayed.states.get(warehouse_id, val.StockState())
        qty_sum, value_sum = replayed.sums.get(warehouse_id, [ZERO, ZERO])
        reserved_rows = sum((q for (i, w, _h), q in item.held.items()
                             if i == item.id and w == warehouse_id), ZERO)
        reserved_moves = sum((q for (i, w, _h), q in item.held_moves.items()
                              if i == item.id and w == warehouse_id), ZERO)
        if bal is None:
            if qty_sum or value_sum or state.qty or state.value or reserved_moves:
                yield warehouse_id, "balance missing", None, (state.qty, state.value), None
            continue
        for check, stored_value, expected_value in (
                ("balance qty", bal.qty, state.qty),
                ("balance qty = sum of moves", bal.qty, qty_sum),
                ("balance value", bal.value, state.value),
                ("balance value = sum of moves", bal.value, value_sum),
                ("balance unit cost", bal.unit_cost, state.cost),
                ("balance last date", bal.last_date, replayed.last_dates.get(warehouse_id)),
                ("reserved = reservations", bal.reserved, reserved_rows),
                ("reserved = sum of reservation moves", bal.reserved, reserved_moves)):
            if stored_value != expected_value:
                yield warehouse_id, check, stored_value, expected_value, None
        if item.method == val.FIFO:
            open_value = sum((s.value_left for s in item.layers.values()
                              if s.item_id == item.id and s.warehouse_id == warehouse_id), ZERO)
            if open_value != bal.value:
                yield (warehouse_id, "balance value = sum of its FIFO layers", bal.value,
                       open_value, None)


def reservations(item: StoredItem, replayed: Replayed) -> Iterator[Finding]:
    """Each holder's reservation is the sum of its reservation moves, never negative."""
    for (i, w, holder), qty in item.held.items():
        if i != item.id:
            continue
        if qty != item.held_moves.get((i, w, holder), ZERO) or qty < 0:
            yield w, f"reservation of {holder!r}", qty, item.held_moves.get((i, w, holder),
                                                                            ZERO), None
    for (i, w, holder), qty in item.held_moves.items():
        if i == item.id and qty and (i, w, holder) not in item.held:
            yield w, f"reservation of {holder!r}", None, qty, None


#: Every invariant ``verify`` checks, in the order its report lists them.
INVARIANTS: tuple[Callable[[StoredItem, Replayed], Iterable[Finding]], ...] = (
    cancelled_moves_reversed, move_values, stored_valuations, consumptions, layers, balances,
    reservations)


def check_item(item: StoredItem) -> Iterator[Finding]:
    """Every invariant of one item."""
    try:
        replayed = replay_item(item)
    except val.Shortage as shortage:
        yield (shortage.movement.warehouse_id, "FIFO stock below zero", shortage.on_hand,
               shortage.requested, shortage.movement.id)
        return
    for invariant in INVARIANTS:
        yield from invariant(item, replayed)


class _Checker:
    def __init__(self, session: Session, report: VerifyReport) -> None:
        self.session = session
        self.report = report
        self.codes: dict[int | None, str] = dict(
            session.execute(select(Warehouse.id, Warehouse.code)).all())

    def run(self, items: list[tuple[int, str, str]]) -> None:
        """Read what is stored for these items (a handful of queries) and check each."""
        ids = [i for i, _s, _v in items]
        s = self.session
        m, d = StockMove, StockDocument
        rows = s.execute(
            select(m.id, m.item_id, m.warehouse_id, m.move_date, m.role, m.qty, m.value,
                   m.unit_cost, m.pair_id, d.status, d.kind)
            .join(d, d.id == m.document_id).where(m.item_id.in_(ids))).all()
        valuations = {r.move_id: r for r in s.scalars(
            select(StockValuation).join(m, m.id == StockValuation.move_id)
            .where(m.item_id.in_(ids)))}
        stored_layers = {(r.move_id, r.slice): r for r in s.scalars(
            select(StockLayer).where(StockLayer.item_id.in_(ids)))}
        takes: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
        for r in s.execute(
                select(StockConsumption.move_id, StockConsumption.layer_move_id,
                       StockConsumption.layer_slice, StockConsumption.qty, StockConsumption.value)
                .join(m, m.id == StockConsumption.move_id).where(m.item_id.in_(ids))):
            takes[r.move_id].add((r.layer_move_id, r.layer_slice, r.qty, r.value))
        stored_balances = {(r.item_id, r.warehouse_id): r for r in s.scalars(
            select(StockBalance).where(StockBalance.item_id.in_(ids)))}
        held = {(r.item_id, r.warehouse_id, r.holder): r.qty for r in s.scalars(
            select(StockReservation).where(StockReservation.item_id.in_(ids)))}
        held_moves: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
        for total in s.execute(select(ReservationMove.item_id, ReservationMove.warehouse_id,
                                      ReservationMove.holder, func.sum(ReservationMove.qty))
                               .where(ReservationMove.item_id.in_(ids))
                               .group_by(ReservationMove.item_id, ReservationMove.warehouse_id,
                                         ReservationMove.holder)):
            held_moves[(total[0], total[1], total[2])] = total[3]
        by_item: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            by_item[row.item_id].append(row)
        for item_id, sku, method in items:
            item = StoredItem(item_id, sku, method, by_item.get(item_id, []), valuations,
                              stored_layers, takes, stored_balances, held, held_moves)
            self.report.items += 1
            self.report.moves += sum(1 for r in item.rows if r.role in ("in", "out")
                                     and r.status == "posted" and r.kind != "reversal")
            for warehouse_id, check, stored, expected, move in check_item(item):
                self.report.drift.append(Drift(sku, self.codes.get(warehouse_id), check,
                                               _s(stored), _s(expected), move))


def layer_warehouse(results: dict[int, val.Valuation], key: tuple[int, int],
                    valued: list[Any]) -> int | None:
    for r in valued:
        if r.id == key[0]:
            return int(r.warehouse_id)
    return None


def verify_ledger(session: Session) -> VerifyReport:
    """Replay every item's ledger and list each difference from what is stored."""
    require_session_permission(session, "stock.read")
    report = VerifyReport()
    checker = _Checker(session, report)
    involved = select(StockMove.item_id).union(select(StockBalance.item_id))
    items = session.execute(select(Item.id, Item.sku, Item.valuation)
                            .where(Item.id.in_(involved)).order_by(Item.id)).all()
    for start in range(0, len(items), ITEMS_PER_ROUND):
        checker.run(list(items[start:start + ITEMS_PER_ROUND]))
    _stray_valuations(session, report, checker.codes)
    return report


def _stray_valuations(session: Session, report: VerifyReport,
                      codes: dict[int | None, str]) -> None:
    """Valuations are read item by item through their moves: one whose move is gone, or
    that names another item, warehouse or date than its move, is found here (one pass)."""
    v, m = StockValuation, StockMove
    skus = dict(session.execute(select(Item.id, Item.sku)).all())
    for row in session.execute(
            select(v.move_id, v.item_id, v.warehouse_id, m.id.label("found"))
            .outerjoin(m, m.id == v.move_id)
            .where(or_(m.id.is_(None), v.item_id != m.item_id,
                       v.warehouse_id != m.warehouse_id, v.move_date != m.move_date))):
        report.drift.append(Drift(
            skus.get(row.item_id, str(row.item_id)), codes.get(row.warehouse_id),
            "valuation without its move" if row.found is None else
            "valuation's item, warehouse or date differs from its move's", "present", None,
            row.move_id))
