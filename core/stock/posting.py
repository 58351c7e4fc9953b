"""Posting and cancelling stock documents: the thin layer around the valuation.

One call = one batch of documents in the caller's transaction, in three stages with
a module each (:mod:`building`, :mod:`valuing`, :mod:`writing`):

1. check every line (items, warehouses, quantities at the unit's precision, costs,
   references) before anything is written (:mod:`inputs`);
2. lock the balance rows of every item involved, all its warehouses, in (item,
   warehouse) order (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the write
   transaction holds the database from its ``BEGIN IMMEDIATE``);
3. turn lines into movements, refusing what is not available (building);
4. per item, find where valuation starts in each warehouse: at the end of the ledger
   (the common case: nothing to re-value), or, for a backdated document or a cancel,
   just before the first changed movement, and in every warehouse a later transfer of
   the item reaches from there; load the state at that point and the moves after it;
5. value all of it with :func:`ordercraft.core.stock.valuation.value_movements`
   (valuing);
6. write new moves, a ``reval``/``settle`` row for every change of an earlier move's
   value (posted rows never change), and the derived tables, one bulk statement each
   (writing, :mod:`store`).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ordercraft.core.db import utcnow
from ordercraft.core.errors import NotFound
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.stock import valuation as val
from ordercraft.core.stock.building import Batch, Builder, number
from ordercraft.core.stock.errors import (
    DuplicateReference,
    NotCancellable,
)
from ordercraft.core.stock.inputs import (
    Catalog,
    Doc,
    DocumentSpec,
    LineSpec,
    article,
    check_documents,
    chunks,
    fail,
)
from ordercraft.core.stock.models import StockDocument
from ordercraft.core.stock.store import (
    DocumentRow,
    Ledger,
    Stored,
    document_rows,
    documents,
)
from ordercraft.core.stock.valuing import Valuer
from ordercraft.core.stock.writing import RowWriter

__all__ = ["DocumentSpec", "LineSpec", "MoveResult", "PostedDocument", "cancel_document",
           "bulk_mode", "paused_gc", "post_documents", "post_in_bulk"]

ZERO = Decimal(0)
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
    """Post ``specs`` in the session's transaction, all of them or none, in business-date
    order (the given order within a date); the results come in the given order."""
    if len(specs) >= BULK_DOCUMENTS:
        with bulk_mode(session):
            posted = _post(session, specs)
    else:
        posted = _post(session, specs)
    batch, docs = posted.batch, posted.docs
    by_document: dict[int, list[MoveResult]] = defaultdict(list)
    for m in batch.new:
        result = posted.results[m.id]
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
        posted = _post(session, specs)
    return sorted(doc.id for doc in posted.docs), len(posted.batch.new)


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
    try:
        with paused_gc():
            yield
    finally:
        if cache is not None:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while many acyclic objects are made (the
    rows of a file being read, a batch being posted): rescanning them costs more than
    the work itself (reading 100,000 rows: 1.0 s of CPU with it, 0.3 s without)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@dataclass
class _Posted:
    batch: Batch
    docs: list[Doc]
    #: The valuation of every new move, by id.
    results: dict[int, val.Valuation]


def _value_and_write(batch: Batch, documents: list[DocumentRow]) -> dict[int, val.Valuation]:
    """The valuing and writing stages of a built batch; returns the new moves' values."""
    writer = RowWriter(batch)
    results: dict[int, val.Valuation] = {}
    for valued in Valuer(batch).value():
        results.update(valued.results)
        writer.item(valued)
    if batch.cancelling:
        batch.check_reserved_after()
    batch.writes.documents = documents
    writer.finish()
    return results


def _post(session: Session, specs: Sequence[DocumentSpec]) -> _Posted:
    require_session_permission(session, "stock.post")
    catalog = Catalog(session)
    ledger = Ledger(session)
    _prefetch(session, ledger, catalog, specs)
    docs = check_documents(session, specs, catalog)
    pairs = {(line.item.id, line.warehouse.id) for doc in docs for line in doc.lines}
    pairs.update((line.item.id, line.target.id) for doc in docs for line in doc.lines
                 if line.target is not None)
    batch = Batch(catalog, ledger, ledger.lock({i for i, _w in pairs}, pairs))
    keys = [(doc.kind, doc.ref) for doc in docs if doc.ref is not None]
    if keys:
        taken = ledger.existing_refs(keys)
        for doc in docs:
            if (doc.kind, doc.ref) in taken:
                raise fail(doc.lines[0], DuplicateReference(
                    f"{article(doc.kind)} with ref {doc.ref!r} was posted already",
                    field="ref", details={"ref": doc.ref, "kind": doc.kind}))
    # Availability and a count's book quantity follow business-date order, file order
    # within a date (a stable sort): a batch may list an issue before the earlier-dated
    # receipt that covers it. Documents and moves are numbered in that order too.
    in_date_order = sorted(docs, key=lambda doc: doc.date)
    Builder(batch).build(in_date_order)
    number(batch, in_date_order)
    results = _value_and_write(batch, document_rows(
        ledger, ((doc.id, doc.kind, doc.date, doc.ref, doc.spec.note or "", doc.details, None)
                 for doc in in_date_order), *_user(session), utcnow()))
    _call_posted(session, [doc.id for doc in in_date_order])
    return _Posted(batch, docs, results)


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
    pairs = {(r.item_id, r.warehouse_id) for r in rows} | {
        (r.item_id, r.warehouse_id) for r in held_rows}
    batch = Batch(catalog, ledger, ledger.lock({i for i, _w in pairs}, pairs),
                  cancelling=f"cancelling document {document_id}")
    ids = ledger.new_ids_of({"stock_documents": 1, "stock_moves": len(rows)})
    reversal_id = ids["stock_documents"][0]
    reversal = Doc(DocumentSpec("reversal", []), "reversal", doc.doc_date, None, [],
                   id=reversal_id)
    builder, writer = Builder(batch), RowWriter(batch)
    mirrors = []
    for row, mirror_id in zip(rows, ids["stock_moves"]):
        stored = Stored(row.id, row.move_date, row.warehouse_id, row.qty, row.unit_cost,
                        row.pair_id, row.document_id, row.value, row.settlement, row.qty_after,
                        row.value_after, row.cost_after)
        builder.take_out(reversal, stored, row.item_id)
        writer.mirror(reversal_id, mirror_id, row.item_id, stored)
        item = catalog.item(row.item_id)
        mirrors.append(MoveResult(mirror_id, item.sku, catalog.warehouse(row.warehouse_id).code,
                                  -row.qty, -(row.value + row.settlement), ZERO, item.unit,
                                  item.precision))
    batch.know_reservations({(r.item_id, r.warehouse_id, r.holder) for r in held_rows})
    for row in held_rows:
        builder.undo_reservation(reversal, catalog.item(row.item_id),
                                 catalog.warehouse(row.warehouse_id), row.holder, row.qty)
    _value_and_write(batch, document_rows(
        ledger, [(reversal_id, "reversal", doc.doc_date, None, f"cancels document {document_id}",
                  {}, document_id)], *_user(session), utcnow()))
    ledger.connection.execute(update(documents).where(d.id == document_id)
                              .values(status="cancelled", reversed_by_id=reversal_id))
    cached = session.identity_map.get(session.identity_key(StockDocument, document_id))
    if cached is not None:
        session.expire(cached)
    _call_posted(session, [reversal_id])
    return PostedDocument(reversal_id, "reversal", doc.doc_date, None, "posted",
                          tuple(mirrors), batch.reservation_results().get(reversal_id, ()),
                          reversal_of=document_id)
