"""Property tests: random sequences of documents (receipts, issues, write-offs,
transfers, counts, reservations, releases, cancels; dates in random order, so many
are backdated) against an independent model of quantities.

For every sequence:

* the ledger accepts exactly what the model accepts (FIFO never below zero at any
  point of the business-date order, availability net of others' reservations, counts
  need a known cost, releases what is held, cancels that keep all that true);
* quantities per warehouse and reservations per holder equal the model's;
* ``verify`` finds no drift: balances = sum of moves = a replay from scratch, FIFO
  layers never negative and worth exactly the balance, every move's value as replayed;
* value is conserved: each transfer's two halves cancel out; FIFO receipts keep the
  value of quantity x cost, and what came in = what went out + what is in stock;
* average cost is consistent: value / qty while positive, qty x cost otherwise;
* posting a document and cancelling it restores every balance, layer and valuation.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.models import Item, Warehouse
from ordercraft.core.stock.models import (
    StockBalance,
    StockLayer,
    StockMove,
    StockReservation,
    StockValuation,
)
from ordercraft.sdk import stock

WAREHOUSES = ("W1", "W2")
HOLDERS = ("SO-1", "SO-2")
COSTS = ("0", "0.01", "0.5", "1.25", "3.333333", "7", "12.3456", "99.99")
ZERO = Decimal(0)
_serial = itertools.count(1)


@dataclass
class Entry:
    document: int
    warehouse: str
    day: int
    seq: int
    qty: Decimal


@dataclass
class Model:
    """Quantities only, by the ledger's rules, without any of its code."""

    fifo: bool
    entries: list[Entry] = field(default_factory=list)
    held: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    reservations_of: dict[int, list[tuple[str, str, Decimal]]] = field(default_factory=dict)
    cancelled: set[int] = field(default_factory=set)
    seq: int = 0

    def on_hand(self, warehouse: str, entries: list[Entry] | None = None,
                day: int | None = None) -> Decimal:
        return sum((e.qty for e in (self.entries if entries is None else entries)
                    if e.warehouse == warehouse and (day is None or e.day <= day)), ZERO)

    def reserved(self, warehouse: str) -> Decimal:
        return sum((q for (w, _h), q in self.held.items() if w == warehouse), ZERO)

    def never_negative(self, entries: list[Entry]) -> bool:
        if not self.fifo:
            return True
        for warehouse in WAREHOUSES:
            running = ZERO
            for entry in sorted((e for e in entries if e.warehouse == warehouse),
                                key=lambda e: (e.day, e.seq)):
                running += entry.qty
                if running < 0:
                    return False
        return True

    def new(self, document: int, warehouse: str, day: int, qty: Decimal) -> Entry:
        self.seq += 1
        return Entry(document, warehouse, day, self.seq, qty)

    def available_to(self, warehouse: str, holder: str | None) -> Decimal:
        held = self.held[(warehouse, holder)] if holder else ZERO
        return self.on_hand(warehouse) - (self.reserved(warehouse) - held)

    # each returns the entries and reservation changes it would post, or None if refused
    def plan(self, op: tuple[Any, ...]) -> tuple[list[Entry], list[tuple[str, str, Decimal]]] | None:
        kind = op[0]
        if kind == "receive":
            _k, warehouse, qty, _cost, day = op
            return [self.new(0, warehouse, day, qty)], []
        if kind in ("issue", "write_off", "transfer"):
            _k, warehouse, qty, day, holder, target = op
            if self.fifo and qty > self.available_to(warehouse, holder):
                return None
            entries = [self.new(0, warehouse, day, -qty)]
            if kind == "transfer":
                entries.append(self.new(0, target, day, qty))
            if not self.never_negative(self.entries + entries):
                return None
            used = min(qty, self.held[(warehouse, holder)]) if holder else ZERO
            return entries, ([(warehouse, holder, -used)] if used else [])
        if kind == "count":
            _k, warehouse, counted, cost, day = op
            difference = counted - self.on_hand(warehouse, day=day)
            if not difference:
                return [], []
            if difference > 0 and cost is None and not any(
                    e.warehouse == warehouse and e.day <= day for e in self.entries):
                return None
            entries = [self.new(0, warehouse, day, difference)]
            return (entries, []) if self.never_negative(self.entries + entries) else None
        if kind == "reserve":
            _k, warehouse, qty, holder = op
            if qty > self.on_hand(warehouse) - self.reserved(warehouse):
                return None
            return [], [(warehouse, holder, qty)]
        if kind == "release":
            _k, warehouse, qty, holder = op
            held = self.held[(warehouse, holder)]
            release = held if qty is None else qty
            if release > held or not release:
                return None
            return [], [(warehouse, holder, -release)]
        raise AssertionError(kind)

    def apply(self, document: int, entries: list[Entry],
              changes: list[tuple[str, str, Decimal]]) -> None:
        for entry in entries:
            entry.document = document
        self.entries.extend(entries)
        for warehouse, holder, qty in changes:
            self.held[(warehouse, holder)] += qty
        self.reservations_of[document] = changes

    def cancel(self, document: int) -> bool:
        if document in self.cancelled or document not in self.reservations_of:
            return False
        remaining = [e for e in self.entries if e.document != document]
        if not self.never_negative(remaining):
            return False
        held = defaultdict(Decimal, self.held)
        for warehouse, holder, qty in self.reservations_of[document]:
            if qty > 0 and held[(warehouse, holder)] < qty:
                return False
            if qty < 0 and self.fifo:
                reserved = sum((q for (w, _h), q in held.items() if w == warehouse), ZERO)
                if -qty > self.on_hand(warehouse, remaining) - reserved:
                    return False
            held[(warehouse, holder)] -= qty
        if self.fifo:
            for warehouse in WAREHOUSES:
                reserved = sum((q for (w, _h), q in held.items() if w == warehouse), ZERO)
                if self.on_hand(warehouse, remaining) < reserved:
                    return False
        self.entries = remaining
        self.held = held
        self.cancelled.add(document)
        return True


def operations(fifo: bool) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    qty = (st.integers(1, 12).map(Decimal) if fifo
           else st.integers(1, 1200).map(lambda n: Decimal(n) / 100))
    warehouse = st.sampled_from(WAREHOUSES)
    day = st.integers(1, 15)
    holder = st.sampled_from(HOLDERS)
    receive = st.tuples(st.just("receive"), warehouse, qty, st.sampled_from(COSTS), day)
    take = st.tuples(st.sampled_from(["issue", "issue", "write_off", "transfer"]), warehouse, qty,
                     day, st.one_of(st.none(), holder), st.none()).map(
        lambda op: op[:5] + (WAREHOUSES[1 - WAREHOUSES.index(op[1])],))
    count = st.tuples(st.just("count"), warehouse, st.one_of(st.just(ZERO), qty),
                      st.one_of(st.none(), st.sampled_from(COSTS)), day)
    reserve = st.tuples(st.just("reserve"), warehouse, qty, holder)
    release = st.tuples(st.just("release"), warehouse, st.one_of(st.none(), qty), holder)
    cancel = st.tuples(st.just("cancel"), st.integers(0, 30))
    round_trip = st.tuples(st.just("post_and_cancel"), st.one_of(receive, take, count))
    return st.lists(st.one_of(receive, receive, take, take, count, reserve, release, cancel,
                              round_trip), min_size=4, max_size=18)


def post(session: Any, sku: str, op: tuple[Any, ...]) -> Any:
    kind = op[0]
    if kind == "receive":
        _k, warehouse, qty, cost, day = op
        return stock.receive(session, sku, warehouse, qty, cost, date=f"2024-05-{day:02d}")
    if kind in ("issue", "write_off"):
        _k, warehouse, qty, day, holder, _target = op
        function = stock.issue if kind == "issue" else stock.write_off
        return function(session, sku, warehouse, qty, date=f"2024-05-{day:02d}", holder=holder)
    if kind == "transfer":
        _k, warehouse, qty, day, holder, target = op
        return stock.transfer(session, sku, warehouse, target, qty, date=f"2024-05-{day:02d}",
                              holder=holder)
    if kind == "count":
        _k, warehouse, counted, cost, day = op
        return stock.count(session, sku, warehouse, counted, unit_cost=cost,
                           date=f"2024-05-{day:02d}")
    if kind == "reserve":
        _k, warehouse, qty, holder = op
        return stock.reserve(session, sku, warehouse, qty, holder=holder)
    if kind == "release":
        _k, warehouse, qty, holder = op
        return stock.release(session, sku, warehouse, qty, holder=holder)
    raise AssertionError(kind)


def derived_state(session: Any, item_id: int) -> Any:
    """Everything posting derives for one item (not the append-only ledger itself)."""
    def rows(model: Any, *order: Any) -> list[tuple[Any, ...]]:
        columns = [c for c in model.__table__.columns]
        return [tuple(row) for row in session.execute(
            select(*columns).where(model.item_id == item_id).order_by(*order))]
    # A balance row, once there, stays as the posting lock of its pair: an untouched
    # one (nothing ever valued there) counts as no row.
    balances = [row for row in rows(StockBalance, StockBalance.warehouse_id)
                if row[-1] is not None or any(row[2:-1])]
    return (balances,
            rows(StockValuation, StockValuation.move_id),
            rows(StockLayer, StockLayer.move_id, StockLayer.slice),
            rows(StockReservation, StockReservation.warehouse_id, StockReservation.holder))


def round4(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def check_invariants(session: Any, item: Item, model: Model,
                     receipts: dict[int, Decimal]) -> None:
    report = stock.verify(session)
    assert report.ok, "\n".join(str(d) for d in report.drift)
    balances = {b.warehouse: b for b in stock.balances(session, item=item.sku,
                                                         include_empty=True).items}
    for warehouse in WAREHOUSES:
        found = balances.get(warehouse)
        qty = found.qty if found else ZERO
        assert qty == model.on_hand(warehouse), (warehouse, qty, model.on_hand(warehouse))
        reserved = found.reserved if found else ZERO
        assert reserved == model.reserved(warehouse)
        if found is None:
            continue
        if item.valuation == "fifo":
            assert found.qty >= 0
        elif found.qty > 0:
            assert found.unit_cost == (found.value / found.qty).quantize(Decimal("0.000001"))
        else:
            assert found.value == round4(found.qty * found.unit_cost)
    history = stock.moves(session, item.sku, limit=1000).items
    current = {m.id: m for m in history if m.status == "posted"}
    by_document: dict[int, list[Any]] = defaultdict(list)
    for move in current.values():
        by_document[move.document_id].append(move)
    for document_moves in by_document.values():
        if document_moves[0].document_kind == "transfer":
            assert sum(m.value + m.settlement for m in document_moves if m.qty < 0) + sum(
                m.value for m in document_moves if m.qty > 0) == 0
    for move_id, value in receipts.items():
        if move_id in current:
            assert current[move_id].value == value, "a receipt changed its value"
    if item.valuation == "fifo":
        came_in = sum((m.value for m in current.values()
                       if m.qty > 0 and m.document_kind != "transfer"), ZERO)
        went_out = -sum((m.value for m in current.values()
                         if m.qty < 0 and m.document_kind != "transfer"), ZERO)
        in_stock = sum((b.value for b in balances.values()), ZERO)
        assert came_in == went_out + in_stock
    moves_total = session.scalars(select(StockMove.value).where(StockMove.item_id == item.id))
    assert sum(moves_total, ZERO) == sum((b.value for b in balances.values()), ZERO)


@pytest.fixture
def shop(site):
    with site.session() as session:
        for code in WAREHOUSES:
            session.add(Warehouse(code=code, name=code))
    return site


def run_sequence(site: Any, fifo: bool, ops: list[tuple[Any, ...]]) -> None:
    sku = f"P{next(_serial)}"
    with site.session() as session:
        item = Item(sku=sku, name=sku, valuation="fifo" if fifo else "average",
                    unit_precision=0 if fifo else 2)
        session.add(item)
        session.flush()
        item_id = item.id
    model = Model(fifo)
    posted: list[int] = []
    receipts: dict[int, Decimal] = {}
    for op in ops:
        if op[0] == "cancel":
            if not posted:
                continue
            document = posted[op[1] % len(posted)]
            expected = model.cancel(document)
            try:
                with site.session() as session:
                    stock.cancel(session, document)
                accepted = True
            except OrdercraftError as exc:
                accepted, message = False, exc.message
            assert accepted == expected, (op, "accepted" if accepted else message)
            continue
        round_trip = op[0] == "post_and_cancel"
        if round_trip:
            op = op[1]
            with site.session() as session:
                before = derived_state(session, item_id)
        plan = model.plan(op)
        try:
            with site.session() as session:
                document = post(session, sku, op)
            accepted = True
        except OrdercraftError as exc:
            accepted, message = False, exc.message
        assert accepted == (plan is not None), (op, "accepted" if accepted else message)
        if not accepted:
            continue
        model.apply(document.id, *plan)
        if op[0] == "receive":
            receipts[document.moves[0].move_id] = round4(op[2] * Decimal(op[3]))
        if round_trip:
            assert model.cancel(document.id), op
            with site.session() as session:
                stock.cancel(session, document.id)
            with site.session() as session:
                assert derived_state(session, item_id) == before, ("not restored", op)
        else:
            posted.append(document.id)
    with site.session() as session:
        check_invariants(session, session.get(Item, item_id), model, receipts)


SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(ops=operations(fifo=True))
def test_random_fifo_documents_keep_every_invariant(shop, ops):
    run_sequence(shop, True, ops)


@SETTINGS
@given(ops=operations(fifo=False))
def test_random_average_documents_keep_every_invariant(shop, ops):
    run_sequence(shop, False, ops)
