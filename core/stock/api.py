"""The stock ledger's public functions: ``ordercraft.sdk.stock``.

Every function takes the SQLAlchemy session of the caller's business operation
(``with platform.session(user) as session``) and plain values; items are named by
SKU (or id, or an ``Item``), warehouses by code (or id, or a ``Warehouse``);
quantities and costs are ``Decimal``, ``int`` or decimal strings, never floats.
Posting functions return a :class:`PostedDocument`; a refusal raises an
``OrdercraftError`` whose message names the item, the warehouse and the quantities.

    from ordercraft.sdk import stock

    with platform.session(user) as session:
        stock.receive(session, "BOLT-M8", "MAIN", 100, "0.12", ref="PO-17")
        stock.issue(session, "BOLT-M8", "MAIN", 30)
        stock.balance(session, "BOLT-M8", "MAIN").value        # Decimal("8.4000")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from ordercraft.core.errors import NotFound
from ordercraft.core.models import Item, Warehouse
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.services.queries import (
    Page,
    contains_pattern,
    fold,
    fold_text,
    page_bounds,
    search_words,
)
from ordercraft.core.stock.inputs import Catalog, DocumentSpec, LineSpec
from ordercraft.core.stock.models import (
    StockBalance,
    StockDocument,
    StockLayer,
    StockMove,
    StockReservation,
    StockValuation,
)
from ordercraft.core.stock.posting import (
    MoveResult,
    PostedDocument,
    cancel_document,
    post_documents,
)
from ordercraft.core.stock.valuation import COST_PLACES, VALUE_QUANTUM
from ordercraft.core.types import Money

__all__ = [
    "Balance", "DocumentSpec", "LineSpec", "MoveLine", "Position", "PostedDocument", "balance",
    "balances",
    "balances_of",
    "cancel", "count", "document", "import_file", "issue", "layers", "moves", "post",
    "post_many", "receive", "release", "reservations", "reserve", "transfer", "verify",
    "warehouse_overview", "warehouse_stock", "item_history", "write_off",
]

ZERO = Decimal(0)


# --------------------------------------------------------------------------- text of numbers


def qty_text(qty: Decimal | None, precision: int) -> str | None:
    """A quantity at its unit's precision: ``5`` pieces, ``1.250`` kg."""
    if qty is None:
        return None
    return str(qty.quantize(Decimal(1).scaleb(-precision)))


def value_text(value: Decimal | None) -> str | None:
    """A value with the ledger's four decimals: ``47.5000``."""
    return None if value is None else str(value.quantize(VALUE_QUANTUM))


def cost_text(cost: Decimal | None) -> str | None:
    """A unit cost, exact, with at least cents: ``9.50``, ``3.333333``, ``0.025``."""
    if cost is None:
        return None
    exact = cost.quantize(Decimal(1).scaleb(-COST_PLACES)).normalize()
    if exact.as_tuple().exponent > -2:  # type: ignore[operator]
        exact = exact.quantize(Decimal("0.01"))
    return str(exact)


def _move_dict(move: MoveResult) -> dict[str, Any]:
    return {"id": move.move_id, "item": move.item, "warehouse": move.warehouse,
            "qty": qty_text(move.qty, move.precision), "value": value_text(move.value),
            "settlement": value_text(move.settlement),
            "unit_cost": cost_text(abs(move.value / move.qty)) if move.qty else None}


def posted_dict(document: PostedDocument) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": document.id, "kind": document.kind, "date": document.date.isoformat(),
        "ref": document.ref, "status": document.status,
        "moves": [_move_dict(m) for m in document.moves],
    }
    if document.reservations:
        body["reservations"] = [{"item": i, "warehouse": w, "holder": h, "qty": q}
                                for i, w, h, q in document.reservations]
    if document.reversal_of is not None:
        body["reversal_of"] = document.reversal_of
    if document.details:
        body["details"] = document.details
    return body


# --------------------------------------------------------------------------- posting


def _one(session: Session, kind: str, line: LineSpec, date: Any, ref: Any,
         note: str) -> PostedDocument:
    return post_documents(session, [DocumentSpec(kind, [line], date, ref, note)])[0]


def receive(session: Session, item: Any, warehouse: Any, qty: Any, unit_cost: Any, *,
            date: Any = None, ref: str | None = None, note: str = "") -> PostedDocument:
    """Receive ``qty`` of ``item`` into ``warehouse`` at ``unit_cost`` per unit."""
    return _one(session, "receipt", LineSpec(item, warehouse, qty, unit_cost), date, ref, note)


def issue(session: Session, item: Any, warehouse: Any, qty: Any, *, date: Any = None,
          ref: str | None = None, holder: str | None = None, note: str = "") -> PostedDocument:
    """Issue ``qty``; with ``holder``, the stock that holder reserved may be used (and
    its reservation shrinks by what is issued)."""
    return _one(session, "issue", LineSpec(item, warehouse, qty, holder=holder), date, ref, note)


def write_off(session: Session, item: Any, warehouse: Any, qty: Any, *, date: Any = None,
              ref: str | None = None, holder: str | None = None,
              note: str = "") -> PostedDocument:
    """Write off ``qty`` (lost, broken): valued like an issue."""
    return _one(session, "write_off", LineSpec(item, warehouse, qty, holder=holder), date, ref,
                note)


def transfer(session: Session, item: Any, source: Any, target: Any, qty: Any, *,
             date: Any = None, ref: str | None = None, holder: str | None = None,
             note: str = "") -> PostedDocument:
    """Move ``qty`` from ``source`` to ``target``; FIFO layers keep their costs."""
    return _one(session, "transfer", LineSpec(item, source, qty, to_warehouse=target,
                                              holder=holder), date, ref, note)


def count(session: Session, item: Any, warehouse: Any, qty: Any, *, unit_cost: Any = None,
          date: Any = None, ref: str | None = None, note: str = "") -> PostedDocument:
    """An inventory count: ``qty`` were found at the end of ``date``; the difference to
    the books is posted (a gain at ``unit_cost``, else at the stock's unit cost)."""
    return _one(session, "count", LineSpec(item, warehouse, qty, unit_cost), date, ref, note)


def reserve(session: Session, item: Any, warehouse: Any, qty: Any, *, holder: str,
            date: Any = None, ref: str | None = None, note: str = "") -> PostedDocument:
    """Hold ``qty`` for ``holder`` (an order, a job): others can no longer issue it."""
    return _one(session, "reservation", LineSpec(item, warehouse, qty, holder=holder), date,
                ref, note)


def release(session: Session, item: Any, warehouse: Any, qty: Any = None, *, holder: str,
            date: Any = None, ref: str | None = None, note: str = "") -> PostedDocument:
    """Release ``qty`` (default: all) of what ``holder`` holds."""
    return _one(session, "release", LineSpec(item, warehouse, qty, holder=holder), date, ref,
                note)


def post(session: Session, kind: str, lines: Sequence[LineSpec | dict[str, Any]], *,
         date: Any = None, ref: str | None = None, note: str = "") -> PostedDocument:
    """Post one document of several lines (``LineSpec`` or dicts of its fields)."""
    specs = [line if isinstance(line, LineSpec) else LineSpec(**line) for line in lines]
    return post_documents(session, [DocumentSpec(kind, specs, date, ref, note)])[0]


def post_many(session: Session, documents: Sequence[DocumentSpec]) -> list[PostedDocument]:
    """Post many documents as one batch (all or none): the bulk path of imports."""
    return post_documents(session, documents)


def cancel(session: Session, document: Any) -> PostedDocument:
    """Cancel a posted document: post its reversal (see ``docs/stock.md``)."""
    document_id = document.id if hasattr(document, "id") else document
    try:
        document_id = int(document_id)
    except (TypeError, ValueError):
        raise NotFound(f"stock document {document!r} does not exist", field="document") from None
    return cancel_document(session, document_id)


def import_file(session: Session, path: Any,
                progress: Callable[[str], None] | None = None) -> Any:
    """Post the rows of a CSV file as one batch (see ``imports``); the file is
    read before the write lock is taken; ``progress`` is told what the import does."""
    from ordercraft.core.stock.imports import import_file as run

    return run(session, path, progress)


def verify(session: Session) -> Any:
    """Recompute every balance and FIFO layer from the moves; report drift."""
    from ordercraft.core.stock.verify import verify_ledger

    return verify_ledger(session)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Balance:
    item: str
    item_name: str
    warehouse: str
    unit: str
    precision: int
    valuation: str
    qty: Decimal
    value: Decimal
    reserved: Decimal
    unit_cost: Decimal

    @property
    def available(self) -> Decimal:
        return self.qty - self.reserved

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "item_name": self.item_name, "warehouse": self.warehouse,
                "unit": self.unit, "valuation": self.valuation,
                "qty": qty_text(self.qty, self.precision),
                "reserved": qty_text(self.reserved, self.precision),
                "available": qty_text(self.available, self.precision),
                "value": value_text(self.value), "unit_cost": cost_text(self.unit_cost)}


_BALANCE_COLUMNS = (Item.sku, Item.name, Warehouse.code, Item.unit, Item.unit_precision,
                    Item.valuation, StockBalance.qty, StockBalance.value, StockBalance.reserved,
                    StockBalance.unit_cost)


@cache
def _one_balance() -> Any:
    """Built once: reading a balance is one primary-key lookup whatever the ledger holds."""
    return (select(*_BALANCE_COLUMNS)
            .select_from(StockBalance).join(Item, Item.id == StockBalance.item_id)
            .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
            .where(StockBalance.item_id == bindparam("item"),
                   StockBalance.warehouse_id == bindparam("warehouse")))


def _balance(row: Any) -> Balance:
    return Balance(row.sku, row.name, row.code, row.unit, row.unit_precision or 0,
                   row.valuation, row.qty, row.value, row.reserved, row.unit_cost)


def balance(session: Session, item: Any, warehouse: Any) -> Balance:
    """The stock of ``item`` in ``warehouse`` (zero when nothing ever moved there)."""
    require_session_permission(session, "stock.read")
    catalog = Catalog(session)
    info, place = catalog.item(item), catalog.warehouse(warehouse)
    row = session.connection().execute(_one_balance(), {"item": info.id,
                                                         "warehouse": place.id}).first()
    if row is None:
        name = session.scalar(select(Item.name).where(Item.id == info.id)) or ""
        return Balance(info.sku, name, place.code, info.unit, info.precision, info.valuation,
                       ZERO, ZERO, ZERO, ZERO)
    return _balance(row)


def balances_of(session: Session, items: Sequence[Any], warehouse: Any) -> dict[str, Balance]:
    """The stock of each of ``items`` in ``warehouse``, by SKU, read at once (a job's
    components, an order's lines): one query per 500 items, zero for an item that never
    moved there."""
    require_session_permission(session, "stock.read")
    catalog = Catalog(session)
    catalog.load(items, [warehouse])
    place = catalog.warehouse(warehouse)
    infos = {info.id: info for info in (catalog.item(item) for item in items)}
    found: dict[str, Balance] = {}
    ids = sorted(infos)
    for start in range(0, len(ids), 500):
        rows = session.execute(select(*_BALANCE_COLUMNS).select_from(StockBalance)
                               .join(Item, Item.id == StockBalance.item_id)
                               .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
                               .where(StockBalance.warehouse_id == place.id,
                                      StockBalance.item_id.in_(ids[start:start + 500])))
        found.update((row.sku, _balance(row)) for row in rows)
    for info in infos.values():
        if info.sku not in found:
            found[info.sku] = Balance(info.sku, "", place.code, info.unit, info.precision,
                                      info.valuation, ZERO, ZERO, ZERO, ZERO)
    return found


def balances(session: Session, *, item: Any = None, warehouse: Any = None,
             search: str | None = None, include_empty: bool = False, limit: Any = None,
             offset: Any = None) -> Page[Balance]:
    """Balances ordered by warehouse code and SKU, one page at a time. Without
    ``include_empty``, pairs with no quantity, value or reservation are left out;
    ``search`` keeps the items whose SKU or name contains every word given."""
    require_session_permission(session, "stock.read")
    limit, offset = page_bounds(limit, offset)
    catalog = Catalog(session)
    query = (select(*_BALANCE_COLUMNS).select_from(StockBalance)
             .join(Item, Item.id == StockBalance.item_id)
             .join(Warehouse, Warehouse.id == StockBalance.warehouse_id))
    if item not in (None, ""):
        query = query.where(StockBalance.item_id == catalog.item(item).id)
    if warehouse not in (None, ""):
        query = query.where(StockBalance.warehouse_id == catalog.warehouse(warehouse).id)
    if not include_empty:
        query = query.where((StockBalance.qty != 0) | (StockBalance.value != 0)
                            | (StockBalance.reserved != 0))
    for word in search_words(search):
        pattern = contains_pattern(fold_text(session, word))
        query = query.where(or_(fold(session, Item.sku).like(pattern, escape="\\"),
                                fold(session, Item.name).like(pattern, escape="\\")))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Warehouse.code, Item.sku).limit(limit).offset(offset))
    return Page([_balance(row) for row in rows], int(total), limit, offset)


@dataclass(frozen=True)
class MoveLine:
    """One movement of an item's history, with the warehouse's running balance."""

    id: int
    date: date
    document_id: int
    document_kind: str
    document_ref: str | None
    #: ``posted``; ``cancelled`` (its document was cancelled); ``reversal``.
    status: str
    item: str
    warehouse: str
    unit: str
    precision: int
    qty: Decimal
    #: Current value: as posted, plus every later re-valuation of it.
    value: Decimal
    settlement: Decimal
    qty_after: Decimal | None
    value_after: Decimal | None
    #: The warehouse's unit cost after this movement (see ``StockState.cost``).
    cost_after: Decimal | None

    @property
    def unit_cost(self) -> Decimal:
        return self.value / self.qty

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "date": self.date.isoformat(), "document": self.document_id,
                "kind": self.document_kind, "ref": self.document_ref, "status": self.status,
                "item": self.item, "warehouse": self.warehouse,
                "qty": qty_text(self.qty, self.precision), "value": value_text(self.value),
                "settlement": value_text(self.settlement),
                "unit_cost": cost_text(self.unit_cost),
                "qty_after": qty_text(self.qty_after, self.precision),
                "value_after": value_text(self.value_after),
                "cost_after": cost_text(self.cost_after)}


def moves(session: Session, item: Any, *, warehouse: Any = None, newest_first: bool = False,
          limit: Any = None, offset: Any = None) -> Page[MoveLine]:
    """An item's movements in valuation order (business date, then posting), each
    with its current value and the running balance of its warehouse after it."""
    require_session_permission(session, "stock.read")
    limit, offset = page_bounds(limit, offset)
    catalog = Catalog(session)
    info = catalog.item(item)
    m, v, d = StockMove, StockValuation, StockDocument
    where = [m.item_id == info.id, m.role.in_(("in", "out"))]
    if warehouse not in (None, ""):
        where.append(m.warehouse_id == catalog.warehouse(warehouse).id)
    total = session.scalar(select(func.count()).select_from(m).where(*where)) or 0
    order = (m.move_date.desc(), m.id.desc()) if newest_first else (m.move_date, m.id)
    rows = session.execute(
        select(m.id, m.move_date, m.document_id, m.warehouse_id, m.qty, m.value, d.kind, d.ref,
               d.status, v.value.label("current"), v.settlement, v.qty_after, v.value_after,
               v.cost_after)
        .select_from(m).join(d, d.id == m.document_id)
        .outerjoin(v, v.move_id == m.id).where(*where).order_by(*order)
        .limit(limit).offset(offset)).all()
    unvalued = [r.id for r in rows if r.current is None]
    corrections: dict[int | None, Decimal] = {}  # by pair_id (never None here)
    if unvalued:
        for pair_id, amount in session.execute(
                select(m.pair_id, func.sum(m.value))
                .where(m.pair_id.in_(unvalued), m.role.in_(("reval", "settle")))
                .group_by(m.pair_id)):
            corrections[pair_id] = amount
    catalog.load([], [r.warehouse_id for r in rows])
    lines = []
    for r in rows:
        if r.current is not None:
            value, settlement, status = r.current, r.settlement, "posted"
        else:
            value = r.value + corrections.get(r.id, ZERO)
            settlement = ZERO
            status = "reversal" if r.kind == "reversal" else "cancelled"
        lines.append(MoveLine(r.id, r.move_date, r.document_id, r.kind, r.ref, status, info.sku,
                              catalog.warehouse(r.warehouse_id).code, info.unit, info.precision,
                              r.qty, value, settlement, r.qty_after, r.value_after,
                              r.cost_after))
    return Page(lines, int(total), limit, offset)


def layers(session: Session, item: Any, warehouse: Any, *, open_only: bool = True
           ) -> list[dict[str, Any]]:
    """The FIFO cost layers of ``item`` in ``warehouse``, oldest first."""
    require_session_permission(session, "stock.read")
    catalog = Catalog(session)
    info, place = catalog.item(item), catalog.warehouse(warehouse)
    query = select(StockLayer).where(StockLayer.item_id == info.id,
                                     StockLayer.warehouse_id == place.id)
    if open_only:
        query = query.where(StockLayer.qty_left > 0)
    found = session.scalars(query.order_by(StockLayer.layer_date, StockLayer.move_id,
                                           StockLayer.slice))
    return [{"move": layer.move_id, "slice": layer.slice, "date": layer.layer_date.isoformat(),
             "qty_in": qty_text(layer.qty_in, info.precision),
             "qty_left": qty_text(layer.qty_left, info.precision),
             "unit_cost": cost_text(layer.unit_cost), "value_left": value_text(layer.value_left)}
            for layer in found]


def reservations(session: Session, item: Any, warehouse: Any) -> dict[str, Decimal]:
    """Who holds how much of ``item`` in ``warehouse``."""
    require_session_permission(session, "stock.read")
    catalog = Catalog(session)
    info, place = catalog.item(item), catalog.warehouse(warehouse)
    return {r.holder: r.qty for r in session.scalars(
        select(StockReservation).where(StockReservation.item_id == info.id,
                                       StockReservation.warehouse_id == place.id)
        .order_by(StockReservation.holder))}


def document(session: Session, document_id: int) -> dict[str, Any]:
    """A posted document with its moves (current values) as a JSON-ready dict."""
    require_session_permission(session, "stock.read")
    found = session.get(StockDocument, document_id)
    if found is None:
        raise NotFound(f"stock document {document_id} does not exist", field="document")
    m, v = StockMove, StockValuation
    rows = session.execute(
        select(m.id, m.item_id, m.warehouse_id, m.qty, m.value, m.role, v.value.label("current"),
               v.settlement)
        .outerjoin(v, v.move_id == m.id)
        .where(and_(m.document_id == document_id, m.role.in_(("in", "out"))))
        .order_by(m.id)).all()
    catalog = Catalog(session)
    catalog.load([r.item_id for r in rows], [r.warehouse_id for r in rows])
    moves_out = []
    for r in rows:
        info = catalog.item(r.item_id)
        value = r.current if r.current is not None else r.value
        moves_out.append({"id": r.id, "item": info.sku,
                          "warehouse": catalog.warehouse(r.warehouse_id).code,
                          "qty": qty_text(r.qty, info.precision), "value": value_text(value),
                          "settlement": value_text(r.settlement or ZERO),
                          "unit_cost": cost_text(abs(value / r.qty)) if r.qty else None})
    return {"id": found.id, "kind": found.kind, "date": found.doc_date.isoformat(),
            "ref": found.ref, "status": found.status, "reversal_of": found.reversal_of_id,
            "reversed_by": found.reversed_by_id, "note": found.note, "details": found.details,
            "user": found.user_name or None,
            "posted_at": found.posted_at.isoformat(timespec="seconds"), "moves": moves_out}



# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Position:
    """What an item held in a warehouse at the end of a day (:func:`positions_at`)."""

    item_id: int
    sku: str
    warehouse: str
    qty: Decimal
    value: Decimal
    #: The day of its last outbound move up to that day (``None``: never went out).
    last_out: date | None


def positions_at(session: Session, on: Any = None, *, warehouse: Any = None) -> list[Position]:
    """Every item's quantity and value in each warehouse at the end of day ``on``
    (default: today), as the ledger values them now (later re-valuations of earlier
    moves included), with the day of its last outbound move; pairs holding nothing on
    that day are left out. Ordered by warehouse code and SKU. Two grouped queries
    whatever the number of items: for reports of stock value at a date and of
    slow-moving stock."""
    from ordercraft.core.services.fields import day as valid_day

    require_session_permission(session, "stock.read")
    day = valid_day(on, field="on") or date.today()
    v, m = StockValuation, StockMove
    # Valued moves in position order: the moves' index, joined to their valuations.
    rank = func.row_number().over(partition_by=(m.item_id, m.warehouse_id),
                                  order_by=(m.move_date.desc(), m.id.desc()))
    latest = (select(m.item_id, m.warehouse_id, v.qty_after, v.value_after,
                     rank.label("rank")).join(v, v.move_id == m.id).where(m.move_date <= day))
    place_id = None
    if warehouse not in (None, ""):
        place_id = Catalog(session).warehouse(warehouse).id
        latest = latest.where(m.warehouse_id == place_id)
    ranked = latest.subquery()
    outbound = (select(m.item_id, m.warehouse_id, func.max(m.move_date).label("last_out"))
                .join(v, v.move_id == m.id)
                .where(m.move_date <= day, m.qty < 0, m.role == "out")
                .group_by(m.item_id, m.warehouse_id))
    if place_id is not None:
        outbound = outbound.where(m.warehouse_id == place_id)
    last_out = {(item_id, place): found for item_id, place, found in session.execute(outbound)}
    rows = session.execute(
        select(ranked.c.item_id, Item.sku, ranked.c.warehouse_id, Warehouse.code,
               type_coerce(ranked.c.qty_after, v.qty_after.type),
               type_coerce(ranked.c.value_after, Money()))
        .join(Item, Item.id == ranked.c.item_id)
        .join(Warehouse, Warehouse.id == ranked.c.warehouse_id)
        .where(ranked.c.rank == 1, (ranked.c.qty_after != 0) | (ranked.c.value_after != 0))
        .order_by(Warehouse.code, Item.sku)).all()
    found = []
    for item_id, sku, place, code, qty, value in rows:
        out_day = last_out.get((item_id, place))
        if isinstance(out_day, str):  # SQLite hands back MAX() of a date as text
            out_day = date.fromisoformat(out_day)
        found.append(Position(item_id, sku, code, qty, value, out_day))
    return found


@dataclass(frozen=True)
class WarehouseTotal:
    code: str
    name: str
    active: bool
    #: Items with stock or reservations there.
    items: int
    value: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "active": self.active,
                "items": self.items, "value": value_text(self.value)}


def warehouse_overview(session: Session) -> list[WarehouseTotal]:
    """Every warehouse with how many items it holds and their value."""
    require_session_permission(session, "stock.read")
    b = StockBalance
    held = (select(b.warehouse_id, func.count().label("held"),
                   func.sum(b.value).label("total"))
            .where((b.qty != 0) | (b.reserved != 0) | (b.value != 0))
            .group_by(b.warehouse_id).subquery())
    rows = session.execute(
        select(Warehouse.code, Warehouse.name, Warehouse.active, held.c.held.label("items"),
               type_coerce(held.c.total, Money()).label("value"))
        .outerjoin(held, held.c.warehouse_id == Warehouse.id).order_by(Warehouse.code))
    return [WarehouseTotal(r.code, r.name, bool(r.active), int(r.items or 0),
                           r.value if r.value is not None else ZERO) for r in rows]


@dataclass(frozen=True)
class WarehouseStock:
    code: str
    name: str
    value: Decimal
    balances: Page[Balance]


def warehouse_stock(session: Session, warehouse: Any, *, search: str | None = None,
                    limit: Any = None, offset: Any = None) -> WarehouseStock:
    """One warehouse's stock, a page of items (``search``: in the SKU or the name)."""
    require_session_permission(session, "stock.read")
    place = Catalog(session).warehouse(warehouse)
    name = session.scalar(select(Warehouse.name).where(Warehouse.id == place.id)) or ""
    total = session.scalar(select(type_coerce(func.sum(StockBalance.value), Money()))
                           .where(StockBalance.warehouse_id == place.id))
    found = balances(session, warehouse=place.code, search=search, limit=limit, offset=offset)
    return WarehouseStock(place.code, name, total if total is not None else ZERO, found)


@dataclass(frozen=True)
class ItemHistory:
    sku: str
    name: str
    unit: str
    valuation: str
    balances: list[Balance]
    moves: Page[MoveLine]


def item_history(session: Session, item: Any, *, warehouse: Any = None,
                 limit: Any = None, offset: Any = None) -> ItemHistory:
    """An item's stock in every warehouse and its movements, newest first."""
    require_session_permission(session, "stock.read")
    info = Catalog(session).item(item)
    name = session.scalar(select(Item.name).where(Item.id == info.id)) or ""
    stock = balances(session, item=info.sku, include_empty=True, limit=1000).items
    history = moves(session, info.sku, warehouse=warehouse, newest_first=True, limit=limit,
                    offset=offset)
    return ItemHistory(info.sku, name, info.unit, info.valuation, stock, history)


def unit_costs(session: Session, item_ids: Sequence[int]) -> dict[int, Decimal]:
    """What one unit of each item costs in stock now, over every warehouse: the value on
    hand divided by the quantity on hand (for a ``fifo`` item, the average of its open
    layers; for an ``average`` item, its moving average), rounded to the ledger's cost
    places. Items with nothing on hand are left out. One query, whatever the number of
    items: for pricing many lines at once (a proposal's cost and margin)."""
    require_session_permission(session, "stock.read")
    wanted = sorted({int(item_id) for item_id in item_ids})
    if not wanted:
        return {}
    rows = session.execute(
        select(StockBalance.item_id, func.sum(StockBalance.qty), func.sum(StockBalance.value))
        .where(StockBalance.item_id.in_(wanted), StockBalance.qty > 0)
        .group_by(StockBalance.item_id))
    quantum = Decimal(1).scaleb(-COST_PLACES)
    return {item_id: (Decimal(value) / Decimal(qty)).quantize(quantum)
            for item_id, qty, value in rows if qty}
