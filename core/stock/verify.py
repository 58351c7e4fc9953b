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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
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


class _Checker:
    def __init__(self, session: Session, report: VerifyReport) -> None:
        self.session = session
        self.report = report
        self.codes: dict[int | None, str] = dict(
            session.execute(select(Warehouse.id, Warehouse.code)).all())

    def drift(self, sku: str, warehouse_id: int | None, check: str, stored: Any,
              expected: Any, move: int | None = None) -> None:
        self.report.drift.append(Drift(sku, self.codes.get(warehouse_id), check, _s(stored),
                                       _s(expected), move))

    def run(self, items: list[tuple[int, str, str]]) -> None:
        ids = [i for i, _s, _v in items]
        s = self.session
        m, d = StockMove, StockDocument
        rows = s.execute(
            select(m.id, m.item_id, m.warehouse_id, m.move_date, m.role, m.qty, m.value,
                   m.unit_cost, m.pair_id, d.status, d.kind)
            .join(d, d.id == m.document_id).where(m.item_id.in_(ids))).all()
        valuations = {r.move_id: r for r in s.scalars(
            select(StockValuation).where(StockValuation.item_id.in_(ids)))}
        layers = {(r.move_id, r.slice): r for r in s.scalars(
            select(StockLayer).where(StockLayer.item_id.in_(ids)))}
        takes: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
        for r in s.execute(
                select(StockConsumption.move_id, StockConsumption.layer_move_id,
                       StockConsumption.layer_slice, StockConsumption.qty, StockConsumption.value)
                .join(m, m.id == StockConsumption.move_id).where(m.item_id.in_(ids))):
            takes[r.move_id].add((r.layer_move_id, r.layer_slice, r.qty, r.value))
        balances = {(r.item_id, r.warehouse_id): r for r in s.scalars(
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
            self.check_item(item_id, sku, method, by_item.get(item_id, []), valuations, layers,
                            takes, balances, held, held_moves)

    def check_item(self, item_id: int, sku: str, method: str, rows: list[Any],
                   valuations: dict[int, Any], stored_layers: dict[tuple[int, int], Any],
                   stored_takes: dict[int, set[tuple[Any, ...]]],
                   balances: dict[tuple[int, int], Any], held: dict[tuple[int, int, str], Decimal],
                   held_moves: dict[tuple[int, int, str], Decimal]) -> None:
        self.report.items += 1
        valued = [r for r in rows if r.role in ("in", "out") and r.status == "posted"
                  and r.kind != "reversal"]
        self.report.moves += len(valued)
        movements = [val.Movement(r.id, r.move_date, r.warehouse_id, r.qty, r.unit_cost,
                                  r.pair_id if r.qty > 0 else None) for r in valued]
        try:
            results, states = val.replay(method, movements)
        except val.Shortage as shortage:
            self.drift(sku, shortage.movement.warehouse_id, "FIFO stock below zero",
                       shortage.on_hand, shortage.requested, shortage.movement.id)
            return
        ledger_value: dict[int, Decimal] = defaultdict(Decimal)
        ledger_settle: dict[int, Decimal] = defaultdict(Decimal)
        sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        last_dates: dict[int, Any] = {}
        for r in rows:
            total = sums[r.warehouse_id]
            total[0] += r.qty
            total[1] += r.value
            if r.role in ("in", "out"):
                ledger_value[r.id] += r.value
            elif r.role == "reval":
                ledger_value[r.pair_id] += r.value
            else:
                ledger_settle[r.pair_id] += r.value
        for r in valued:
            day = last_dates.get(r.warehouse_id)
            last_dates[r.warehouse_id] = r.move_date if day is None else max(day, r.move_date)
        mirrors = {r.pair_id: r for r in rows if r.kind == "reversal" and r.role in ("in", "out")}
        for r in rows:
            if r.role in ("in", "out") and r.status == "cancelled":
                mirror = mirrors.get(r.id)
                net = ledger_value[r.id] + ledger_settle[r.id] + (mirror.value if mirror else ZERO)
                if mirror is None or mirror.qty != -r.qty or net:
                    self.drift(sku, r.warehouse_id, "cancelled move not reversed to zero",
                               net, ZERO, r.id)
                if r.id in valuations:
                    self.drift(sku, r.warehouse_id, "cancelled move still valued", "valued",
                               "not valued", r.id)
        for r in valued:
            result = results[r.id]
            if ledger_value[r.id] != result.value:
                self.drift(sku, r.warehouse_id, "move value in the ledger", ledger_value[r.id],
                           result.value, r.id)
            if ledger_settle[r.id] != result.settlement:
                self.drift(sku, r.warehouse_id, "settlement in the ledger", ledger_settle[r.id],
                           result.settlement, r.id)
            stored = valuations.get(r.id)
            expected = (result.value, result.settlement, result.qty_after, result.value_after,
                        result.cost_after)
            if stored is None:
                self.drift(sku, r.warehouse_id, "valuation missing", None, expected, r.id)
            elif (stored.value, stored.settlement, stored.qty_after, stored.value_after,
                  stored.cost_after) != expected or stored.move_date != r.move_date:
                self.drift(sku, r.warehouse_id, "valuation (value, settlement, qty, value and "
                           "cost after)", (stored.value, stored.settlement, stored.qty_after,
                                           stored.value_after, stored.cost_after), expected, r.id)
            if method == val.FIFO and r.qty < 0:
                wanted = {(t.layer_move_id, t.layer_slice, t.qty, t.value) for t in result.takes}
                if stored_takes.get(r.id, set()) != wanted:
                    self.drift(sku, r.warehouse_id, "layers consumed",
                               sorted(stored_takes.get(r.id, set())), sorted(wanted), r.id)
        valued_ids = {r.id for r in valued}
        for move_id, stored in valuations.items():
            if stored.item_id == item_id and move_id not in valued_ids:
                self.drift(sku, stored.warehouse_id, "valuation of a move that is not valued",
                           "present", None, move_id)
        if method == val.FIFO:
            expected_layers = {(layer.move_id, layer.slice): layer
                               for result in results.values() for layer in result.layers}
            for key, layer in expected_layers.items():
                stored = stored_layers.get(key)
                want = (layer.qty_in, layer.value_in, layer.unit_cost, layer.qty_left,
                        layer.value_left)
                if stored is None:
                    self.drift(sku, layer_warehouse(results, key, valued), "layer missing", None,
                               want, key[0])
                elif (stored.qty_in, stored.value_in, stored.unit_cost, stored.qty_left,
                      stored.value_left) != want:
                    self.drift(sku, stored.warehouse_id, "layer (qty in, value in, unit cost, "
                               "qty left, value left)", (stored.qty_in, stored.value_in,
                                                         stored.unit_cost, stored.qty_left,
                                                         stored.value_left), want, key[0])
            for key, stored in stored_layers.items():
                if stored.item_id == item_id and key not in expected_layers:
                    self.drift(sku, stored.warehouse_id, "layer of no inbound move", "present",
                               None, key[0])
                if stored.item_id == item_id and (stored.qty_left < 0
                                                  or stored.qty_left > stored.qty_in):
                    self.drift(sku, stored.warehouse_id, "layer quantity left out of range",
                               stored.qty_left, f"0..{stored.qty_in}", key[0])
        pairs = {w for (i, w) in balances if i == item_id} | set(sums) | set(states)
        for warehouse_id in sorted(pairs):
            bal = balances.get((item_id, warehouse_id))
            state = states.get(warehouse_id, val.StockState())
            qty_sum, value_sum = sums.get(warehouse_id, [ZERO, ZERO])
            reserved_rows = sum((q for (i, w, _h), q in held.items()
                                 if i == item_id and w == warehouse_id), ZERO)
            reserved_moves = sum((q for (i, w, _h), q in held_moves.items()
                                  if i == item_id and w == warehouse_id), ZERO)
            if bal is None:
                if qty_sum or value_sum or state.qty or state.value or reserved_moves:
                    self.drift(sku, warehouse_id, "balance missing", None, (state.qty,
                                                                            state.value))
                continue
            for check, stored_value, expected_value in (
                    ("balance qty", bal.qty, state.qty),
                    ("balance qty = sum of moves", bal.qty, qty_sum),
                    ("balance value", bal.value, state.value),
                    ("balance value = sum of moves", bal.value, value_sum),
                    ("balance unit cost", bal.unit_cost, state.cost),
                    ("balance last date", bal.last_date, last_dates.get(warehouse_id)),
                    ("reserved = reservations", bal.reserved, reserved_rows),
                    ("reserved = sum of reservation moves", bal.reserved, reserved_moves)):
                if stored_value != expected_value:
                    self.drift(sku, warehouse_id, check, stored_value, expected_value)
            if method == val.FIFO:
                open_value = sum((s.value_left for s in stored_layers.values()
                                  if s.item_id == item_id and s.warehouse_id == warehouse_id),
                                 ZERO)
                if open_value != bal.value:
                    self.drift(sku, warehouse_id, "balance value = sum of its FIFO layers",
                               bal.value, open_value)
        for (i, w, holder), qty in held.items():
            if i != item_id:
                continue
            if qty != held_moves.get((i, w, holder), ZERO) or qty < 0:
                self.drift(sku, w, f"reservation of {holder!r}", qty,
                           held_moves.get((i, w, holder), ZERO))
        for (i, w, holder), qty in held_moves.items():
            if i == item_id and qty and (i, w, holder) not in held:
                self.drift(sku, w, f"reservation of {holder!r}", None, qty)


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
    return report
