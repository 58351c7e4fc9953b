"""The ledger's database access: locks, reads of states and later moves, bulk writes.

Reads go through SQLAlchemy Core. Writes of many rows go straight to the driver with
``executemany`` and values already in the column's storage form (scaled integers and
ISO dates on SQLite, ``Decimal`` and ``date`` on PostgreSQL, exactly what
``ExactDecimal`` and ``Date`` would send): at tens of thousands of rows a second,
compiling statements and processing every bound value would cost more than the
database itself.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, literal_column, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ordercraft.core.stock import valuation as val
from ordercraft.core.stock.inputs import chunks
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
from ordercraft.core.stock.prepared import PreparedCommand
from ordercraft.core.types import MONEY_SCALE, QTY_SCALE
from ordercraft.core.types import Qty as QtyType

ZERO = Decimal(0)
#: The end of a business day: after every move of that day.
END_OF_DAY = 2**62
#: Open layers read ahead per pair by ``Ledger.prefetch``.
PREFETCH_LAYERS = 16
#: Up to this many rows, PostgreSQL writes go as one multi-statement command.
SMALL_WRITE = 40
Point = tuple[date, int]

assert QTY_SCALE == MONEY_SCALE, "the driver-level writes scale both alike"
_SCALE = QTY_SCALE

moves = StockMove.__table__
documents = cast(Table, StockDocument.__table__)  # updated, not only read
valuations = StockValuation.__table__
layers = StockLayer.__table__
consumptions = StockConsumption.__table__
balances = StockBalance.__table__
reservations = StockReservation.__table__
reservation_moves = ReservationMove.__table__


def _many(name: str) -> Any:
    return bindparam(name, expanding=True)


@cache
def statement(name: str) -> Any:
    """The ledger's queries, built once: SQLAlchemy then reuses their compiled form,
    which matters when a posting of one line runs a dozen of them."""
    b, v, m, ly, c, d = (balances.c, valuations.c, moves.c, layers.c, consumptions.c,
                         documents.c)
    r, rm = reservations.c, reservation_moves.c
    # Valued moves are found by their move's position (``ix_stock_moves_position``) and
    # joined to their valuation by its key: the valuations carry no position index of
    # their own, which a bulk import would pay for on every row.
    pair = (m.item_id == bindparam("item"), m.warehouse_id == bindparam("warehouse"))
    valued = moves.join(valuations, v.move_id == m.id)
    point = tuple_(bindparam("day"), bindparam("move"))
    open_layers = (select(layers).where(ly.qty_left > literal_column("0"))
                   .order_by(ly.item_id, ly.warehouse_id, ly.layer_date, ly.move_id, ly.slice))
    later_columns = (m.id, m.move_date, m.qty, m.unit_cost, m.pair_id, m.document_id, v.value,
                     v.settlement, v.qty_after, v.value_after, v.cost_after)
    running = func.sum(ly.qty_left).over(
        partition_by=(ly.item_id, ly.warehouse_id),
        order_by=(ly.layer_date, ly.move_id, ly.slice)).label("running")
    covering = (select(layers, running)
                .where(ly.item_id.in_(_many("items")), ly.qty_left > literal_column("0"))
                .subquery())
    built = {
        "balances": select(balances).where(b.item_id.in_(_many("items")))
        .order_by(b.item_id, b.warehouse_id),
        "balances_of_one": select(balances).where(b.item_id == bindparam("item"))
        .order_by(b.warehouse_id),
        "refs": select(d.ref).where(d.kind == bindparam("kind"), d.ref.in_(_many("refs"))),
        "state_at": select(v.qty_after, v.value_after, v.cost_after).select_from(valued)
        .where(*pair, tuple_(m.move_date, m.id) <= point)
        .order_by(m.move_date.desc(), m.id.desc()).limit(1),
        "moved_by": select(m.id).select_from(valued)
        .where(*pair, m.move_date <= bindparam("day")).limit(1),
        "later": select(*later_columns).select_from(valued)
        .where(*pair, tuple_(m.move_date, m.id) > point).order_by(m.move_date, m.id),
        "valued_moves_of": select(*later_columns, m.warehouse_id, m.item_id)
        .select_from(moves.join(valuations, v.move_id == m.id))
        .where(m.document_id == bindparam("document"), m.role.in_(("in", "out")))
        .order_by(m.id),
        "transfer_ins": select(m.id, m.warehouse_id, m.move_date, m.pair_id)
        .select_from(moves.join(valuations, v.move_id == m.id))
        .where(m.pair_id.in_(_many("ids")), m.role == "in"),
        "consumptions": select(c.move_id, c.layer_move_id, c.layer_slice, c.qty, c.value)
        .where(c.move_id.in_(_many("ids"))),
        "layers_of": select(layers).where(ly.move_id.in_(_many("ids"))),
        "open_layers": open_layers.where(ly.item_id == bindparam("item"),
                                         ly.warehouse_id == bindparam("warehouse")),
        "open_layers_page": open_layers.where(ly.item_id == bindparam("item"),
                                              ly.warehouse_id == bindparam("warehouse"))
        .limit(bindparam("size")).offset(bindparam("skip")),
        "open_layers_covering": select(covering)
        .where(covering.c.running - covering.c.qty_left < bindparam("need", type_=QtyType()))
        .order_by(covering.c.item_id, covering.c.warehouse_id, covering.c.layer_date,
                  covering.c.move_id, covering.c.slice),
        "last_dates": select(m.warehouse_id, func.max(m.move_date)).select_from(valued)
        .where(m.item_id == bindparam("item")).group_by(m.warehouse_id),
        "reservations": select(r.item_id, r.warehouse_id, r.holder, r.qty)
        .where(r.item_id.in_(_many("items"))),
        "reservation_moves_of": select(rm.item_id, rm.warehouse_id, rm.holder, rm.qty)
        .where(rm.document_id == bindparam("document")).order_by(rm.id),
    }
    return built[name]


@dataclass(slots=True)
class Balance:
    """A locked balance row, with running figures while a batch is built."""

    item_id: int
    warehouse_id: int
    qty: Decimal
    value: Decimal
    reserved: Decimal
    unit_cost: Decimal
    last_date: date | None
    run_qty: Decimal = ZERO
    run_reserved: Decimal = ZERO
    changed_reserved: bool = False


@dataclass(slots=True)
class Stored:
    """A valued movement already in the ledger, with its current valuation."""

    id: int
    date: date
    warehouse_id: int
    qty: Decimal
    unit_cost: Decimal | None
    pair_id: int | None
    document_id: int
    value: Decimal
    settlement: Decimal
    qty_after: Decimal
    value_after: Decimal
    cost_after: Decimal


def _decimal(stored: int) -> Decimal:
    """A scaled integer of an exact-decimal column on SQLite, as ``ExactDecimal`` reads it."""
    return Decimal(stored).scaleb(-_SCALE)


def _day(stored: str | None) -> date | None:
    return None if stored is None else date.fromisoformat(stored)


#: What SQLite's exact-decimal columns multiply a value by (they store integers).
SCALED = Decimal(10) ** _SCALE


def _scaled(value: Decimal | None) -> Any:
    """An exact decimal as SQLite's column stores it, a scaled integer. Values here never
    have more than the column's six decimals (quantities are checked, values and costs
    rounded) nor more than 18 digits, so the product is exact in the default context."""
    return None if value is None else int(value * SCALED)


def _as_is(value: Decimal | None) -> Any:
    return value


class Ledger:
    """The queries of one posting, on the session's connection (its transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.connection: Connection = session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.sqlite = self.connection.dialect.name == "sqlite"
        #: An exact decimal as its column stores it (called for every number a bulk
        #: posting writes, so chosen once here rather than tested per call).
        self.num: Callable[[Decimal | None], Any] = _scaled if self.sqlite else _as_is
        self._next_ids: dict[str, int] = {}
        self._days: dict[date, str] = {}
        self._queued: list[tuple[str, Sequence[tuple[Any, ...]]]] = []
        # What ``prefetch`` read ahead (PostgreSQL, small postings), used when still valid.
        self._locked: dict[tuple[int, int], Balance] | None = None
        self._locked_items: set[int] = set()
        self._id_pool: dict[str, list[int]] = {}
        self._layer_pages: dict[tuple[int, int], list[val.Layer]] = {}

    @property
    def driver(self) -> Any:
        """The driver's own connection (psycopg's or sqlite3's) under the session's."""
        return self.connection.connection.driver_connection

    # locking -----------------------------------------------------------------

    def lock(self, item_ids: Iterable[int], pairs: Iterable[tuple[int, int]]
             ) -> dict[tuple[int, int], Balance]:
        """Lock every balance row of these items in (item, warehouse) order, creating the
        rows of ``pairs`` that do not exist yet. Returns them all.

        On PostgreSQL a posting creates its rows first (``INSERT ... ON CONFLICT DO
        NOTHING``, which waits for another posting creating the same row), then locks
        all rows of its items in (item, warehouse) order, then takes its ids: so the
        first posting of a new item takes the same locks as the later ones, and its
        moves are numbered in the order postings happen. The rows are selected for
        update until no new one appears: a row another posting created while this one
        waited for a lock is only visible to the next statement (on SQLite the
        transaction holds the database from its ``BEGIN IMMEDIATE``).
        """
        items = sorted(set(item_ids))
        wanted = set(pairs)
        if self._locked is not None and set(items) <= self._locked_items:
            found = {pair: bal for pair, bal in self._locked.items() if pair[0] in set(items)}
            if wanted <= set(found):
                return found
            # The read-ahead took move ids before this posting held all its rows: give
            # them up (skipped numbers), so that move ids follow the locks. (Document ids
            # do not order the valuation.)
            self._id_pool.pop("stock_moves", None)
        if not self.postgres:
            found = self._select(items)
            missing = sorted(wanted - set(found))
            if missing:
                self._create(missing)
                found.update(self._select(sorted({i for i, _w in missing})))
            return found
        self._create(sorted(wanted))
        found = self._select(items)
        while True:
            again = self._select(items)
            if again.keys() == found.keys():
                return again
            found = again

    def _create(self, pairs: Sequence[tuple[int, int]]) -> None:
        """Create the balance rows of ``pairs`` (in this order) that do not exist yet."""
        self.write(
            "INSERT INTO stock_balances (item_id, warehouse_id, qty, value, reserved, "
            "unit_cost) VALUES ({}) ON CONFLICT (item_id, warehouse_id) DO NOTHING",
            [(i, w, 0, 0, 0, 0) for i, w in pairs])

    def _select(self, items: Sequence[int]) -> dict[tuple[int, int], Balance]:
        found: dict[tuple[int, int], Balance] = {}
        query = statement("balances" if len(items) > 1 else "balances_of_one")
        if self.postgres:
            query = query.with_for_update()
        for chunk in chunks(items):
            parameters = {"items": list(chunk)} if len(items) > 1 else {"item": chunk[0]}
            for row in self.connection.execute(query, parameters):
                found[(row.item_id, row.warehouse_id)] = Balance(
                    row.item_id, row.warehouse_id, row.qty, row.value, row.reserved,
                    row.unit_cost, row.last_date, row.qty, row.reserved)
        return found

    def prefetch(self, skus: Sequence[str], codes: Sequence[str], out_pairs: Sequence[
            tuple[str, str]], documents: int, moves: int) -> list[tuple[str, tuple[Any, ...]]]:
        """A small posting: read the items and warehouses, lock the items' balance rows
        (in order, as :meth:`lock` does), take ids (on PostgreSQL at most ``documents``
        and ``moves``; unused ones are skipped numbers) and read the oldest open layers
        of ``out_pairs``, straight through the driver: on PostgreSQL in one round trip.
        Each read-ahead part is used only where it is still what the posting needs.
        Returns the item and warehouse rows (see ``Catalog.add_rows``)."""
        if self.postgres:
            items, warehouses, locked, ids, pages = self._prefetch_postgres(
                skus, codes, out_pairs, documents, moves)
        else:
            items, warehouses, locked, ids, pages = self._prefetch_sqlite(skus, codes, out_pairs)
        self._locked = {(item, warehouse): Balance(item, warehouse, qty, value, reserved, cost,
                                                   last, run_qty=qty, run_reserved=reserved)
                        for item, warehouse, qty, value, reserved, cost, last in locked}
        self._locked_items = {row[0] for row in items}
        for table, value in ids:
            self._id_pool.setdefault(table, []).append(value)
        for pool in self._id_pool.values():
            pool.sort()
        item_ids = {row[1]: row[0] for row in items}
        warehouse_ids = {row[1]: row[0] for row in warehouses}
        for (sku, code), page in zip(out_pairs, pages):
            if sku in item_ids and code in warehouse_ids:
                self._layer_pages[(item_ids[sku], warehouse_ids[code])] = [
                    val.Layer(row[0], row[1], row[4], *row[5:]) for row in page]
        return [("item", row) for row in items] + [("warehouse", row) for row in warehouses]

    _PREFETCH = (
        "SELECT id, sku, unit, unit_precision, valuation, kind FROM items WHERE sku {skus}",
        "SELECT id, code, active FROM warehouses WHERE code {codes}",
        "SELECT item_id, warehouse_id, qty, value, reserved, unit_cost, last_date "
        "FROM stock_balances WHERE item_id IN (SELECT id FROM items WHERE sku {skus}) "
        "ORDER BY item_id, warehouse_id{lock}",
    )
    _LAYER_PAGE = (
        "SELECT l.move_id, l.slice, l.item_id, l.warehouse_id, l.layer_date, l.qty_in, "
        "l.value_in, l.unit_cost, l.qty_left, l.value_left FROM stock_layers l "
        "JOIN items i ON i.id = l.item_id JOIN warehouses w ON w.id = l.warehouse_id "
        "WHERE i.sku = {mark} AND w.code = {mark} AND l.qty_left > 0 "
        f"ORDER BY l.layer_date, l.move_id, l.slice LIMIT {PREFETCH_LAYERS}")

    def _prefetch_postgres(self, skus: Sequence[str], codes: Sequence[str],
                           out_pairs: Sequence[tuple[str, str]], documents: int,
                           moves: int) -> tuple[Any, ...]:
        import psycopg

        items_sql, warehouses_sql, balances_sql = self._PREFETCH
        statements = [items_sql.format(skus="= ANY(%s)"),
                      warehouses_sql.format(codes="= ANY(%s)"),
                      balances_sql.format(skus="= ANY(%s)", lock=" FOR UPDATE"),
                      # Again: rows created while the first statement waited for a lock
                      # are visible only to the next one (see ``lock``).
                      balances_sql.format(skus="= ANY(%s)", lock=" FOR UPDATE"),
                      "SELECT 'stock_documents', nextval(pg_get_serial_sequence("
                      "'stock_documents', 'id')) FROM generate_series(1, %s) UNION ALL "
                      "SELECT 'stock_moves', nextval(pg_get_serial_sequence('stock_moves', "
                      "'id')) FROM generate_series(1, %s)"]
        statements += [self._LAYER_PAGE.format(mark="%s")] * len(out_pairs)
        values: list[Any] = [list(skus), list(codes), list(skus), list(skus), documents, moves]
        for pair in out_pairs:
            values += list(pair)
        command = PreparedCommand(self.connection)
        for sql in statements:
            command.add(sql)
        driver = self.driver
        results = []
        try:
            with psycopg.ClientCursor(driver) as cursor:
                sql, preamble = command.text()
                cursor.execute(sql, values)
                for _result in range(preamble):
                    cursor.nextset()
                results.append(cursor.fetchall())
                while cursor.nextset():
                    results.append(cursor.fetchall())
        except psycopg.Error:
            command.failed()
            raise
        command.succeeded()
        items, warehouses, _first_lock, locked, ids, *pages = results
        return items, warehouses, locked, ids, pages

    def _prefetch_sqlite(self, skus: Sequence[str], codes: Sequence[str],
                         out_pairs: Sequence[tuple[str, str]]) -> tuple[Any, ...]:
        # The transaction holds the database already (BEGIN IMMEDIATE); the driver's rows
        # are turned into what the column types would give (scaled integers to Decimal).
        items_sql, warehouses_sql, balances_sql = self._PREFETCH
        cursor = self.driver.cursor()
        try:
            marks = f"IN ({', '.join('?' * len(skus))})"
            items = cursor.execute(items_sql.format(skus=marks), skus).fetchall()
            warehouses = cursor.execute(warehouses_sql.format(
                codes=f"IN ({', '.join('?' * len(codes))})"), codes).fetchall()
            locked = [(i, w, _decimal(q), _decimal(v), _decimal(r), _decimal(c), _day(d))
                      for i, w, q, v, r, c, d in cursor.execute(
                          balances_sql.format(skus=marks, lock=""), skus).fetchall()]
            tops = cursor.execute("SELECT (SELECT max(id) FROM stock_documents), "
                                  "(SELECT max(id) FROM stock_moves)").fetchone()
            for table, top in zip(("stock_documents", "stock_moves"), tops):
                self._next_ids.setdefault(table, (top or 0) + 1)
            pages = [[(m, sl, i, w, _day(d), *map(_decimal, rest)) for m, sl, i, w, d, *rest
                      in cursor.execute(self._LAYER_PAGE.format(mark="?"), pair).fetchall()]
                     for pair in out_pairs]
        finally:
            cursor.close()
        return items, warehouses, locked, [], pages

    # ids -----------------------------------------------------------------------

    def new_ids(self, table: str, count: int) -> list[int]:
        """Ids for new rows. Taken under the balance locks, so that for any item the
        ids of its moves (the posting sequence) grow in the order postings happen."""
        return self.new_ids_of({table: count})[table]

    def new_ids_of(self, counts: dict[str, int]) -> dict[str, list[int]]:
        """:meth:`new_ids` for several tables with one statement."""
        wanted = {table: n for table, n in counts.items() if n > 0}
        found: dict[str, list[int]] = {table: [] for table in counts}
        for table, n in list(wanted.items()):
            pool = self._id_pool.get(table)
            if pool and len(pool) >= n:
                found[table], self._id_pool[table] = pool[:n], pool[n:]
                del wanted[table]
        if not wanted:
            return found
        if self.postgres:
            sql = " UNION ALL ".join(
                f"SELECT {i}, nextval(pg_get_serial_sequence('{table}', 'id')) "
                f"FROM generate_series(1, {int(n)})" for i, (table, n) in enumerate(wanted.items()))
            names = list(wanted)
            for index, value in self.connection.exec_driver_sql(sql):
                found[names[index]].append(value)
            for values in found.values():
                values.sort()
            return found
        # SQLite: the transaction holds the database from BEGIN IMMEDIATE, so the next
        # ids are the current maximum's successors.
        unknown = [table for table in wanted if table not in self._next_ids]
        if unknown:
            row = self.connection.exec_driver_sql(
                "SELECT " + ", ".join(f"(SELECT max(id) FROM {t})" for t in unknown)).one()
            for table, top in zip(unknown, row):
                self._next_ids[table] = (top or 0) + 1
        for table, n in wanted.items():
            start = self._next_ids[table]
            self._next_ids[table] = start + n
            found[table] = list(range(start, start + n))
        return found

    # reading -------------------------------------------------------------------

    def existing_refs(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        by_kind: dict[str, list[str]] = defaultdict(list)
        for kind, ref in keys:
            by_kind[kind].append(ref)
        for kind, refs in by_kind.items():
            for chunk in chunks(sorted(refs)):
                found.update((kind, r) for r in self.connection.execute(
                    statement("refs"), {"kind": kind, "refs": list(chunk)}).scalars())
        return found

    def state_at(self, item_id: int, warehouse_id: int, point: Point) -> val.StockState:
        """The state after the last valued move at or before ``point``."""
        row = self.connection.execute(statement("state_at"), {
            "item": item_id, "warehouse": warehouse_id, "day": point[0],
            "move": point[1]}).first()
        if row is None:
            return val.StockState()
        return val.StockState(row.qty_after, row.value_after, row.cost_after)

    def moved_by(self, item_id: int, warehouse_id: int, day: date) -> bool:
        return self.connection.execute(statement("moved_by"), {
            "item": item_id, "warehouse": warehouse_id, "day": day}).first() is not None

    def later(self, item_id: int, warehouse_id: int, point: Point) -> list[Stored]:
        """The valued moves after ``point``, in valuation order."""
        rows = self.connection.execute(statement("later"), {
            "item": item_id, "warehouse": warehouse_id, "day": point[0], "move": point[1]})
        return [Stored(r.id, r.move_date, warehouse_id, r.qty, r.unit_cost, r.pair_id,
                       r.document_id, r.value, r.settlement, r.qty_after, r.value_after,
                       r.cost_after) for r in rows]

    def valued_moves_of(self, document_id: int) -> Sequence[Any]:
        return self.connection.execute(statement("valued_moves_of"),
                                       {"document": document_id}).all()

    def transfer_ins(self, out_ids: Sequence[int]) -> list[tuple[int, int, date, int]]:
        """``(in id, warehouse, date, out id)`` of the valued inbound halves of transfers."""
        found: list[Any] = []
        for chunk in chunks(sorted(out_ids)):
            found.extend(self.connection.execute(statement("transfer_ins"),
                                                 {"ids": list(chunk)}).all())
        return [tuple(r) for r in found]

    def consumptions(self, out_ids: Sequence[int]) -> dict[int, list[val.Take]]:
        found: dict[int, list[val.Take]] = defaultdict(list)
        for chunk in chunks(sorted(out_ids)):
            for r in self.connection.execute(statement("consumptions"), {"ids": list(chunk)}):
                found[r.move_id].append(val.Take(r.layer_move_id, r.layer_slice, r.qty,
                                                 r.value, ZERO))
        return found

    @staticmethod
    def _layer(r: Any) -> val.Layer:
        return val.Layer(r.move_id, r.slice, r.layer_date, r.qty_in, r.value_in, r.unit_cost,
                         r.qty_left, r.value_left)

    def layers_of(self, move_ids: Sequence[int]) -> dict[int, list[val.Layer]]:
        found: dict[int, list[val.Layer]] = defaultdict(list)
        for chunk in chunks(sorted(move_ids)):
            for r in self.connection.execute(statement("layers_of"), {"ids": list(chunk)}):
                found[r.move_id].append(self._layer(r))
        for opened in found.values():
            opened.sort(key=lambda layer: layer.slice)
        return found

    def open_layers(self, item_id: int, warehouse_id: int) -> list[val.Layer]:
        return [self._layer(r) for r in self.connection.execute(
            statement("open_layers"), {"item": item_id, "warehouse": warehouse_id})]

    def open_layers_covering(self, needs: dict[tuple[int, int], Decimal]
                             ) -> dict[tuple[int, int], list[val.Layer]]:
        """For each pair, its oldest open layers, just enough to cover what it needs."""
        found: dict[tuple[int, int], list[val.Layer]] = defaultdict(list)
        needs = dict(needs)
        for pair, need in list(needs.items()):
            page = self._layer_pages.get(pair)
            if page is not None and (len(page) < PREFETCH_LAYERS
                                     or sum((layer.qty_left for layer in page), ZERO) >= need):
                found[pair] = page
                del needs[pair]
        if len(needs) <= 4:
            for (item_id, warehouse_id), need in needs.items():
                got = found[(item_id, warehouse_id)]
                covered, size = ZERO, 8
                while covered < need:
                    rows = self.connection.execute(statement("open_layers_page"), {
                        "item": item_id, "warehouse": warehouse_id, "size": size,
                        "skip": len(got)}).all()
                    for r in rows:
                        got.append(self._layer(r))
                        covered += r.qty_left
                    if len(rows) < size:
                        break
                    size *= 4
            return found
        # Many pairs: one query per chunk of items, cut by a running sum of what is
        # left so that a pair's layers beyond what any pair needs are not read.
        items = sorted({i for i, _w in needs})
        for chunk in chunks(items):
            in_chunk = set(chunk)
            need = max(n for (i, _w), n in needs.items() if i in in_chunk)
            covered_of: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
            for r in self.connection.execute(statement("open_layers_covering"),
                                             {"items": list(chunk), "need": need}):
                pair = (r.item_id, r.warehouse_id)
                if pair in needs and covered_of[pair] < needs[pair]:
                    found[pair].append(self._layer(r))
                    covered_of[pair] += r.qty_left
        return found

    def layers_touched(self, item_id: int, warehouse_id: int, move_ids: Sequence[int]
                       ) -> list[val.Layer]:
        """Open layers plus the layers opened by ``move_ids`` (consumed ones included)."""
        by_key = {layer.key: layer for layer in self.open_layers(item_id, warehouse_id)}
        for opened in self.layers_of(move_ids).values():
            for layer in opened:
                by_key.setdefault(layer.key, layer)
        return list(by_key.values())

    def last_dates(self, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], date | None]:
        found: dict[tuple[int, int], date | None] = {pair: None for pair in pairs}
        for item_id in sorted({i for i, _w in found}):
            for r in self.connection.execute(statement("last_dates"), {"item": item_id}):
                if (item_id, r[0]) in found:
                    found[(item_id, r[0])] = r[1]
        return found

    def reservations(self, keys: Iterable[tuple[int, int, str]]
                     ) -> dict[tuple[int, int, str], Decimal]:
        wanted = set(keys)
        found: dict[tuple[int, int, str], Decimal] = {}
        for chunk in chunks(sorted({k[0] for k in wanted})):
            for row in self.connection.execute(statement("reservations"),
                                               {"items": list(chunk)}):
                key = (row.item_id, row.warehouse_id, row.holder)
                if key in wanted:
                    found[key] = row.qty
        return found

    def reservation_moves_of(self, document_id: int) -> Sequence[Any]:
        return self.connection.execute(statement("reservation_moves_of"),
                                       {"document": document_id}).all()

    # writing -------------------------------------------------------------------

    def day(self, value: date | None) -> Any:
        if not self.sqlite or value is None:
            return value
        text = self._days.get(value)
        if text is None:
            text = self._days[value] = value.isoformat()
        return text

    def moment(self, value: datetime) -> Any:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else value

    def _sql(self, sql: str, width: int) -> str:
        """``{}`` in ``sql``: all the placeholders of a row, or (several ``{}``) one each."""
        mark = "?" if self.sqlite else "%s"
        if sql.count("{}") == 1 and "VALUES ({})" in sql:
            return sql.format(", ".join([mark] * width))
        return sql.replace("{}", mark)

    def write(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """``executemany`` through the driver, now."""
        if rows:
            self.connection.exec_driver_sql(self._sql(sql, len(rows[0])), rows)

    def queue(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """``executemany`` through the driver, with the other queued ones (:meth:`send`)."""
        if rows:
            self._queued.append((self._sql(sql, len(rows[0])), rows))

    def queue_update(self, table: str, keys: Sequence[str], columns: Sequence[str],
                     rows: Sequence[tuple[Any, ...]]) -> None:
        """``UPDATE table SET columns WHERE keys``; each row: the column values, then keys."""
        self.queue(f"UPDATE {table} SET {', '.join(f'{c} = {{}}' for c in columns)} WHERE "
                   + " AND ".join(f"{k} = {{}}" for k in keys), rows)

    def update(self, table: str, keys: Sequence[str], columns: Sequence[str],
               rows: Sequence[tuple[Any, ...]]) -> None:
        self.queue_update(table, keys, columns, rows)
        self.send()

    def send(self) -> None:
        """Run the queued statements on the driver's own cursor, in the transaction."""
        queued, self._queued = self._queued, []
        if not queued:
            return
        driver = self.driver
        if not self.postgres:
            import sqlite3

            cursor = driver.cursor()
            try:
                for sql, rows in queued:
                    cursor.executemany(sql, rows)
            except sqlite3.IntegrityError as exc:
                raise IntegrityError(sql, None, exc) from exc
            finally:
                cursor.close()
            return
        import psycopg

        if sum(len(rows) for _sql, rows in queued) <= SMALL_WRITE:
            # A few rows: one multi-statement command of prepared statements, bound
            # client side (one round trip and one call into the driver instead of one
            # per statement).
            command = PreparedCommand(self.connection)
            for statement, rows in queued:
                for _row in rows:
                    command.add(statement)
            values = [value for _statement, rows in queued for row in rows for value in row]
            sql, _preamble = command.text()
            try:
                with psycopg.ClientCursor(driver) as cursor:
                    cursor.execute(sql, values)
            except psycopg.Error as exc:
                command.failed()
                if isinstance(exc, psycopg.IntegrityError):
                    raise IntegrityError(sql, None, exc) from exc
                raise
            command.succeeded()
            return
        try:
            with driver.pipeline(), driver.cursor() as cursor:
                for sql, rows in queued:
                    if len(rows) == 1:
                        cursor.execute(sql, rows[0])
                    else:
                        cursor.executemany(sql, rows)
        except psycopg.IntegrityError as exc:
            raise IntegrityError(queued[0][0], None, exc) from exc


# Rows as the bulk writes send them: plain tuples (a row object per row would cost more
# than inserting it), in the order of their table's columns below, numbers and dates in
# the column's storage form (``Ledger.num``, ``Ledger.day``).
MOVE_COLUMNS = ("id", "document_id", "item_id", "warehouse_id", "move_date", "role", "qty",
                "value", "unit_cost", "pair_id")
#: A row of ``stock_moves`` (:data:`MOVE_COLUMNS`).
MoveRow = tuple[int, int, int, int, Any, str, Any, Any, Any, int | None]
#: A ``reval`` or ``settle`` move (a value without a quantity) as :data:`MoveRow`,
#: mutable: its id is given when it is written.
AdjustmentRow = list[Any]
VALUATION_COLUMNS = ("move_id", "item_id", "warehouse_id", "move_date", "value", "settlement",
                     "qty_after", "value_after", "cost_after")
#: A row of ``stock_valuations`` (:data:`VALUATION_COLUMNS`).
ValuationRow = tuple[int, int, int, Any, Any, Any, Any, Any, Any]
#: A changed valuation: ``value, settlement, qty_after, value_after, cost_after, move_id``.
ValuationChange = tuple[Any, Any, Any, Any, Any, int]
LAYER_COLUMNS = ("move_id", "slice", "item_id", "warehouse_id", "layer_date", "qty_in",
                 "value_in", "unit_cost", "qty_left", "value_left")
#: A row of ``stock_layers`` (:data:`LAYER_COLUMNS`).
LayerRow = tuple[int, int, int, int, Any, Any, Any, Any, Any, Any]
#: What is left of a layer: ``qty_left, value_left, move_id, slice``.
LayerChange = tuple[Any, Any, int, int]
CONSUMPTION_COLUMNS = ("move_id", "layer_move_id", "layer_slice", "qty", "value")
#: A row of ``stock_consumptions`` (:data:`CONSUMPTION_COLUMNS`).
ConsumptionRow = tuple[int, int, int, Any, Any]
DOCUMENT_COLUMNS = ("id", "kind", "doc_date", "ref", "status", "note", "details", "user_id",
                    "user_name", "posted_at", "reversal_of_id")
#: A row of ``stock_documents`` (:data:`DOCUMENT_COLUMNS`).
DocumentRow = tuple[int, str, Any, str | None, str, str, str, int | None, str, Any, int | None]
#: A balance: ``qty, value, reserved, unit_cost, last_date, item_id, warehouse_id``.
BalanceChange = tuple[Any, Any, Any, Any, Any, int, int]


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({{}})"


@dataclass
class Writes:
    """Everything a batch writes, sent with one statement per table."""

    documents: list[DocumentRow] = field(default_factory=list)
    moves: list[MoveRow] = field(default_factory=list)
    #: ``reval`` and ``settle`` rows, numbered when written.
    adjustments: list[AdjustmentRow] = field(default_factory=list)
    valuations_new: list[ValuationRow] = field(default_factory=list)
    valuations_changed: list[ValuationChange] = field(default_factory=list)
    valuations_dropped: list[int] = field(default_factory=list)
    layers_new: list[LayerRow] = field(default_factory=list)
    layers_changed: dict[tuple[int, int], LayerChange] = field(default_factory=dict)
    layers_dropped: list[int] = field(default_factory=list)
    consumptions_new: list[ConsumptionRow] = field(default_factory=list)
    consumptions_dropped: list[int] = field(default_factory=list)
    balances: dict[tuple[int, int], BalanceChange] = field(default_factory=dict)
    #: ``(document, item id, warehouse id, holder, change)``; the document an object
    #: whose ``id`` is known when written.
    reservation_moves: list[tuple[Any, int, int, str, Decimal]] = field(default_factory=list)
    reservations: dict[tuple[int, int, str], Decimal] = field(default_factory=dict)
    reservations_known: set[tuple[int, int, str]] = field(default_factory=set)

    def flush(self, ledger: Ledger) -> None:
        """Send every write; on PostgreSQL in one pipeline (one round trip)."""
        n, q = ledger.num, ledger.queue
        ids = ledger.new_ids_of({"stock_moves": len(self.adjustments),
                                 "stock_reservation_moves": len(self.reservation_moves)})
        for row, move_id in zip(self.adjustments, ids["stock_moves"]):
            row[0] = move_id
        # Rows in id order (a posting collects them item by item): SQLite then appends
        # to each table's b-tree instead of inserting all over it (a bulk import's
        # moves and valuations: a quarter less time in the database).
        first = itemgetter(0)
        self.moves.sort(key=first)
        self.valuations_new.sort(key=first)
        self.layers_new.sort(key=first)
        self.consumptions_new.sort(key=first)
        q(_insert("stock_documents", DOCUMENT_COLUMNS), self.documents)
        q(_insert("stock_moves", MOVE_COLUMNS), self.moves + [tuple(row) for row in self.adjustments])
        q("DELETE FROM stock_valuations WHERE move_id = {}",
          [(i,) for i in sorted(set(self.valuations_dropped))])
        q(_insert("stock_valuations", VALUATION_COLUMNS), self.valuations_new)
        ledger.queue_update("stock_valuations", ["move_id"],
                            ["value", "settlement", "qty_after", "value_after", "cost_after"],
                            self.valuations_changed)
        q("DELETE FROM stock_consumptions WHERE move_id = {}",
          [(i,) for i in sorted(set(self.consumptions_dropped))])
        q("DELETE FROM stock_layers WHERE move_id = {}",
          [(i,) for i in sorted(set(self.layers_dropped))])
        q(_insert("stock_layers", LAYER_COLUMNS), self.layers_new)
        ledger.queue_update("stock_layers", ["move_id", "slice"], ["qty_left", "value_left"],
                            list(self.layers_changed.values()))
        q(_insert("stock_consumptions", CONSUMPTION_COLUMNS), self.consumptions_new)
        ledger.queue_update("stock_balances", ["item_id", "warehouse_id"],
                            ["qty", "value", "reserved", "unit_cost", "last_date"],
                            list(self.balances.values()))
        q("INSERT INTO stock_reservation_moves (id, document_id, item_id, warehouse_id, holder, "
          "qty) VALUES ({})", [(i, d.id, item, w, h, n(change)) for i, (d, item, w, h, change)
                               in zip(ids["stock_reservation_moves"], self.reservation_moves)])
        known = self.reservations_known
        held = self.reservations.items()
        q("DELETE FROM stock_reservations WHERE item_id = {} AND warehouse_id = {} AND "
          "holder = {}", [k for k, qty in held if qty == 0 and k in known])
        ledger.queue_update("stock_reservations", ["item_id", "warehouse_id", "holder"], ["qty"],
                            [(n(qty), *k) for k, qty in held if qty != 0 and k in known])
        q("INSERT INTO stock_reservations (item_id, warehouse_id, holder, qty) VALUES ({})",
          [(*k, n(qty)) for k, qty in held if qty != 0 and k not in known])
        ledger.send()


def document_rows(ledger: Ledger, documents: Iterable[tuple[int, str, date, str | None, str,
                                                          dict[str, Any], int | None]],
                  user_id: int | None, user_name: str, posted_at: datetime
                  ) -> list[DocumentRow]:
    """Rows of ``(id, kind, date, ref, note, details, reversal_of)`` to insert."""
    moment = ledger.moment(posted_at)
    return [(document_id, kind, ledger.day(day), ref, "posted", note,
             json.dumps(details) if details else "{}", user_id, user_name, moment, reversal_of)
            for document_id, kind, day, ref, note, details, reversal_of in documents]
