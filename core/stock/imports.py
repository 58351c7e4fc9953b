"""``ordercraft stock import FILE.csv``: post a file of stock operations.

The file is CSV, UTF-8 (with or without a byte-order mark), ``,`` or ``;`` between
fields (with ``;``, a decimal comma is accepted: ``9,50``). Columns (first row, any
order): ``date, op, sku, warehouse, qty, unit_cost, ref``; optional ``to_warehouse``
(transfers), ``holder`` (reservations; issues against a reservation) and ``note``.
``op`` is one of receive, issue, write_off, transfer, count, reserve, release. Rows
that share an ``op`` and a ``ref`` form one document (one date); consecutive rows
without a ``ref`` and with the same op, date and note form one document (a run of
receipts of 3 March), which a cancel takes back whole.

Every row is checked first (its shape, numbers, dates, items, warehouses, quantities
at the unit's precision, references, in the file and against the ledger): a refusal
imports nothing. A row with more or fewer cells than the header, a NUL byte, or a qty
or unit_cost that is not written with the digits 0-9 (no ``1_0``, no other scripts'
digits) is refused, and every such row is listed by its line in the file (the header
is line 1); a column named twice is refused too. Other errors name the first bad row.
The rows are checked and valued in business-date order (file order within a date),
so a file may list an issue before the receipt that covers it, or a count before an
earlier-dated receipt, as long as the receipt's date is not later.

Then :func:`import_file` posts the whole file in one transaction (all or none; the
SDK's call, and ``stock import --single-transaction``), and :func:`import_in_batches`
(the CLI's ``stock import``) posts it in that order in batches of about
:data:`BATCH_SECONDS` each, each a short write transaction committed together with the
import's record (``stock_imports``: rows done of the total), so that other writers
wait for one batch, never for the whole file. What only the ledger can tell,
availability, is checked as each batch posts: a refused batch posts nothing, the
batches before it stay posted (whole documents, the ledger exact), the record says
``failed`` with the line and how far it got, and ``stock import FILE --resume ID``
posts the rest once the cause is fixed; a process killed during an import is resumed
the same way. A file dated before moves already posted of its items (a backdated
import) posts in one batch: each batch would re-value those later moves again.
"""

from __future__ import annotations

import csv
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ordercraft.core.db import utcnow
from ordercraft.core.errors import Conflict, NotFound, OrdercraftError, ValidationError
from ordercraft.core.importing import csv_reader, file_error
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.settings import get_setting
from ordercraft.core.stock.errors import DuplicateReference
from ordercraft.core.stock.inputs import (
    Catalog,
    DocumentSpec,
    LineSpec,
    article,
    check_date,
    check_documents,
    fail,
)
from ordercraft.core.stock.models import StockBalance, StockImport
from ordercraft.core.stock.posting import bulk_mode, paused_gc, post_in_bulk
from ordercraft.core.stock.store import Ledger

OPS = {"receive": "receipt", "receipt": "receipt", "issue": "issue", "write_off": "write_off",
       "write-off": "write_off", "transfer": "transfer", "count": "count",
       "reserve": "reservation", "reservation": "reservation", "release": "release"}
REQUIRED = ("date", "op", "sku", "warehouse", "qty", "unit_cost", "ref")
OPTIONAL = ("to_warehouse", "holder", "note")
#: A number as a file may write it: ASCII digits only (``Decimal`` would also take
#: ``1_0`` and other scripts' digits, which no spreadsheet writes on purpose).
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Most problems listed in one refusal (a file with a wrong separator fails every row).
MAX_LISTED = 20
#: A batched import sizes its batches (whole documents) so that each holds the write
#: lock about this long, starting from FIRST_BATCH_LINES rows, within MIN/MAX_BATCH_LINES.
BATCH_SECONDS = 0.2
FIRST_BATCH_LINES = 1000
MIN_BATCH_LINES = 500
MAX_BATCH_LINES = 20000
#: On SQLite, the pause between two batches: a writer waiting for the lock polls for it
#: (SQLite's busy handler sleeps up to 100 ms between tries) and gets its turn here.
BATCH_PAUSE = 0.05


@dataclass
class ImportSummary:
    rows: int
    documents: int
    moves: int
    document_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "documents": self.documents, "moves": self.moves,
                "first_document": self.document_ids[0] if self.document_ids else None,
                "last_document": self.document_ids[-1] if self.document_ids else None}


def _number(text: str, decimal_comma: bool) -> str:
    if decimal_comma:
        compact = text.replace(" ", "").replace("\u00a0", "")
        if compact.count(",") == 1 and "." not in compact:
            return compact.replace(",", ".")
    return text


def read_csv(path: str | Path) -> tuple[list[str], list[tuple[int, list[str]]], bool]:
    """Header, rows with their line numbers, and whether numbers use a decimal comma."""
    source = Path(path)
    if not source.is_file():
        raise file_error(path, "no such file")
    if source.suffix.lower() != ".csv":
        raise file_error(path, "stock imports read .csv files (UTF-8)")
    reader, decimal_comma = csv_reader(path)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for record in reader:
            if header is None:
                header = record
            else:
                rows.append((reader.line_num, record))
    except csv.Error as exc:
        raise file_error(path, f"line {reader.line_num}: {exc}") from None
    if header is None:
        raise file_error(path, "the file is empty; its first line must name the columns")
    return header, rows, decimal_comma


def _row_problem(cells: list[str], width: int, numbers: tuple[int, ...],
                 decimal_comma: bool, names: dict[int, str]) -> str | None:
    """What is wrong with a row's shape or characters, before its values are checked."""
    if len(cells) != width:
        return (f"has {len(cells)} cells, the header names {width} columns (a stray "
                "separator, or a decimal comma in a ','-separated file?)")
    if "\x00" in "".join(cells):
        return "contains a NUL byte"
    for at in numbers:
        text = _number(cells[at], decimal_comma).strip()
        if text and not PLAIN_NUMBER.fullmatch(text):
            return (f"{names[at]}: {cells[at]!r} is not a number (digits 0-9, a "
                    "decimal point, no separators)")
    return None


def _refuse_rows(path: str | Path, problems: list[tuple[int, str]],
                 field: str = "file") -> ValidationError:
    """One refusal listing every bad row (the first :data:`MAX_LISTED` of them)."""
    listed = "; ".join(f"line {number}: {problem}" for number, problem in problems[:MAX_LISTED])
    more = (f"; and {len(problems) - MAX_LISTED} more rows" if len(problems) > MAX_LISTED
            else "")
    return ValidationError(
        f"{listed}{more}" if len(problems) == 1 else
        f"file {str(path)!r}: {len(problems)} rows refused, nothing imported: {listed}{more}",
        field=field, details={"line": problems[0][0],
                               "lines": [number for number, _problem in problems]})


def read_documents(path: str | Path) -> tuple[list[DocumentSpec], int]:
    """The file's rows grouped into document specs (not yet checked against the site)."""
    raw_header, table_rows, comma = read_csv(path)
    header = [str(name).strip().lower().replace(" ", "_") for name in raw_header]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise ValidationError(f"file {str(path)!r}: line 1: the column {repeated[0]!r} is "
                              "named twice", field="file", details={"line": 1})
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationError(f"file {str(path)!r}: line 1 must name the columns "
                              f"{', '.join(REQUIRED)}; missing: {', '.join(missing)}",
                              field="file")
    unknown = [name for name in header if name and name not in REQUIRED + OPTIONAL]
    if unknown:
        raise ValidationError(f"file {str(path)!r}: line 1: unknown column {unknown[0]!r} "
                              f"(columns: {', '.join(REQUIRED + OPTIONAL)})", field="file")
    position = {name: index for index, name in enumerate(header)}
    width = len(header)
    documents: list[DocumentSpec] = []
    grouped: dict[tuple[Any, ...], DocumentSpec] = {}
    last_key: tuple[Any, ...] | None = None
    rows = 0
    # Column positions; an optional column that is absent reads as the empty cell
    # appended at position ``width``.
    at = [position.get(name, width) for name in REQUIRED + OPTIONAL]
    (date_at, op_at, sku_at, warehouse_at, qty_at, cost_at, ref_at, to_at, holder_at,
     note_at) = at
    kinds: dict[str, str] = {}  # an op as written -> the document kind
    # Rows of the wrong shape are all listed at once, before anything else is checked.
    numbers = tuple(position[name] for name in ("qty", "unit_cost"))
    names = {index: name for name, index in position.items()}
    problems = []
    # A file repeats the same few quantities and costs: a number written alike is
    # checked once (the shape and the NUL byte of every row still are).
    plain: set[str] = set()
    qty_cell, cost_cell = numbers
    for number, cells in table_rows:
        if any(cells):
            if (len(cells) == width and cells[qty_cell] in plain and cells[cost_cell] in plain
                    and "\x00" not in "".join(cells)):
                continue
            problem = _row_problem(cells, width, numbers, comma, names)
            if problem is not None:
                problems.append((number, problem))
            else:
                plain.update(cells[at] for at in numbers)
    if problems:
        raise _refuse_rows(path, problems)
    for number, cells in table_rows:
        if not any(cells):
            continue
        rows += 1
        if len(cells) <= width:
            cells += [""] * (width + 1 - len(cells))
        # A file has a few distinct ops and many rows: each spelling is read once.
        written = cells[op_at]
        kind = kinds.get(written)
        if kind is None:
            kind = OPS.get(written.strip().lower())
            if kind is None:
                raise ValidationError(f"line {number}: op {written!r} is not one of receive, "
                                      "issue, write_off, transfer, count, reserve, release",
                                      field="op", details={"line": number})
            kinds[written] = kind
        sku, warehouse = cells[sku_at], cells[warehouse_at]
        if not sku.strip():
            raise ValidationError(f"line {number}: sku is empty", field="sku",
                                  details={"line": number})
        if not warehouse.strip():
            raise ValidationError(f"line {number}: warehouse is empty", field="warehouse",
                                  details={"line": number})
        qty, cost, target, holder = cells[qty_at], cells[cost_at], cells[to_at], cells[holder_at]
        if comma:
            qty, cost = _number(qty, comma), _number(cost, comma)
        # Items, warehouses and numbers are stripped when checked; these are not.
        line = LineSpec(sku, warehouse, qty, cost or None,
                        (target.strip() or None) if target else None,
                        (holder.strip() or None) if holder else None, number)
        # Most files leave these empty: stripped only when written.
        written_ref, note = cells[ref_at], cells[note_at]
        ref = (written_ref.strip() or None) if written_ref else None
        day = cells[date_at].strip() or None
        note = note.strip() if note else note
        # One document per reference. Rows without one share a document while they
        # follow each other with the same operation, date and note: the file's order
        # within a day is the posting order, so a document never jumps ahead of a row.
        key = (kind, ref) if ref is not None else (kind, None, day, note)
        document = grouped.get(key) if ref is not None else (
            documents[-1] if documents and last_key == key else None)
        last_key = key
        if document is not None:
            if document.date != day:
                raise ValidationError(
                    f"line {number}: ref {ref!r} has the date {day!r} here and "
                    f"{document.date!r} on line {document.lines[0].source_line}; one "
                    "document has one date", field="date", details={"line": number})
            document.lines.append(line)
            continue
        document = DocumentSpec(kind, [line], day, ref, note)
        if ref is not None:
            grouped[key] = document
        documents.append(document)
    return documents, rows


def _check_dates(session: Session, path: str | Path, documents: list[DocumentSpec]) -> None:
    """Refuse business dates outside the site's plausible window (settings
    ``stock_import_past_days`` and ``stock_import_future_days``), listing every such row."""
    today = date.today()
    earliest = today - timedelta(days=int(get_setting(session, "stock_import_past_days")))
    latest = today + timedelta(days=int(get_setting(session, "stock_import_future_days")))
    problems = []
    for document in documents:
        if not document.date:
            continue  # no date: today
        try:
            day = check_date(document.date)
        except ValidationError:
            continue  # not a date: refused, with its line, when the rows are checked
        if not earliest <= day <= latest:
            for line in document.lines:
                problems.append((line.source_line or 0, f"date {document.date!r} is outside "
                                 f"{earliest} to {latest} (settings stock_import_past_days, "
                                 "stock_import_future_days)"))
    if problems:
        raise _refuse_rows(path, sorted(problems), field="date")


def import_file(session: Session, path: str | Path,
                progress: Callable[[str], None] | None = None) -> ImportSummary:
    """Read and check the whole file, then post it in one transaction (all rows or none).

    The file is read before the session's transaction begins, so the write lock is held
    only while posting. ``progress`` is told what the import is doing.
    """
    # The collector stays paused from reading to posting, and the file's documents go
    # before it resumes: otherwise it would scan them on the way (they hold no cycles).
    with paused_gc():
        documents, rows = read_documents(path)
        if not documents:
            raise ValidationError(f"file {str(path)!r} has no rows", field="file")
        _check_dates(session, path, documents)
        if progress is not None:
            progress(f"read {rows} rows ({len(documents)} documents); posting")
        with bulk_mode(session):
            ids, moves = post_in_bulk(session, documents)
        del documents
    return ImportSummary(rows, len(ids), moves, ids)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_record(record: StockImport) -> dict[str, Any]:
    """An import's record as the CLI and ``--json`` show it."""
    return {"id": record.id, "file": record.file_name, "state": record.state,
            "rows": record.rows, "rows_done": record.rows_done,
            "documents": record.documents, "documents_done": record.documents_done,
            "batches_done": record.batches_done,
            "moves_done": record.moves_done, "first_document": record.first_document_id,
            "last_document": record.last_document_id, "error": record.error,
            "user": record.user_name, "started_at": record.started_at.isoformat(" ", "seconds"),
            "updated_at": record.updated_at.isoformat(" ", "seconds")}


def list_imports(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The latest imports posted in batches, newest first."""
    rows = session.scalars(select(StockImport).order_by(StockImport.id.desc()).limit(limit))
    return [import_record(row) for row in rows]


def _checked_in_date_order(session: Session, path: str | Path, documents: list[DocumentSpec],
                           posted: int) -> tuple[list[DocumentSpec], bool]:
    """Check every document against the site (read only: no write lock) and return them
    in posting order (business date, file order within a date) and whether the rest is
    backdated (:func:`_backdated`). The first ``posted`` of that order were posted
    already (a resumed import): their references are theirs."""
    _check_dates(session, path, documents)
    require_session_permission(session, "stock.post")
    docs = check_documents(session, documents, Catalog(session))
    ordered = sorted(docs, key=lambda doc: doc.date)
    keys = [(doc.kind, doc.ref) for doc in ordered[posted:] if doc.ref is not None]
    if keys:
        taken = Ledger(session).existing_refs(keys)
        for doc in ordered[posted:]:
            if (doc.kind, doc.ref) in taken:
                raise fail(doc.lines[0], DuplicateReference(
                    f"{article(doc.kind)} with ref {doc.ref!r} was posted already",
                    field="ref", details={"ref": doc.ref, "kind": doc.kind}))
    return [doc.spec for doc in ordered], _backdated(session, ordered[posted:])


def _backdated(session: Session, docs: list[Any]) -> bool:
    """Whether any of ``docs`` is dated before a move already posted of its item in its
    warehouse: posting it re-values the later moves, once per batch if it were split."""
    earliest: dict[tuple[int, int], date] = {}
    for doc in docs:
        for line in doc.lines:
            for warehouse in (line.warehouse, line.target):
                if warehouse is not None:
                    key = (line.item.id, warehouse.id)
                    if key not in earliest or doc.date < earliest[key]:
                        earliest[key] = doc.date
    if not earliest:
        return False
    first = min(earliest.values())
    balances = StockBalance.__table__.c
    later = session.execute(select(balances.item_id, balances.warehouse_id, balances.last_date)
                            .where(balances.last_date > first))
    return any(key in earliest and last > earliest[key]
               for *key_parts, last in later for key in [tuple(key_parts)])


def _next_batch(specs: list[DocumentSpec], at: int, size: int) -> int:
    """Where the batch of whole documents starting at ``at`` ends (about ``size`` rows)."""
    lines = 0
    while at < len(specs) and lines < size:
        lines += len(specs[at].lines)
        at += 1
    return at


@dataclass
class BatchedImport:
    """What :func:`import_in_batches` did: this run's summary and the import's record."""

    summary: ImportSummary
    record: dict[str, Any]
    #: Seconds the write lock was held, summed over the batches, and the longest batch.
    locked: float
    longest: float


def import_in_batches(platform: Any, path: str | Path, *, user: Any = None,
                      progress: Callable[[str], None] | None = None,
                      batch_lines: int | None = None,
                      resume: int | None = None) -> BatchedImport:
    """Check the whole file, then post it in batches (see the module's docstring).

    Each batch is one short write transaction that also advances the import's record
    (``stock_imports``), so a reader of the record sees exactly what is posted.
    ``batch_lines``: rows per batch; by default the size follows the posting's speed so
    that a batch holds the write lock about :data:`BATCH_SECONDS`. On SQLite the import
    pauses :data:`BATCH_PAUSE` between batches, so that writers waiting for the lock
    (which poll for it) take their turn instead of waiting for the whole file.
    ``resume``: the id of an unfinished import of the same file, continued after its
    last posted batch. A refusal raises; when batches were posted before it, its message
    says how far the import got and how to resume it.
    """
    with paused_gc():
        documents, rows = read_documents(path)
    if not documents:
        raise ValidationError(f"file {str(path)!r} has no rows", field="file")
    digest = file_sha256(path)
    with platform.session(user, writes=False) as session:
        posted = 0
        if resume is not None:
            record = session.get(StockImport, resume)
            if record is None:
                raise NotFound(f"resume: stock import {resume} does not exist", field="resume")
            if record.file_sha256 != digest:
                raise ValidationError(f"resume: import {resume} posted another file "
                                      f"({record.file_name!r}), not this one", field="resume")
            if record.state == "done":
                raise ValidationError(f"resume: import {resume} is done already "
                                      f"({record.rows} rows)", field="resume")
            posted = record.documents_done
        with paused_gc():
            specs, backdated = _checked_in_date_order(session, path, documents, posted)
    with platform.session(user) as session:
        if resume is None:
            record = StockImport(file_name=Path(path).name[:255], file_sha256=digest,
                                 rows=rows, documents=len(specs),
                                 user_name=getattr(user, "name", "") or "")
            session.add(record)
            session.flush()
        else:
            record = session.get(StockImport, resume)
            record.state, record.error, record.updated_at = "posting", "", utcnow()
        import_id, rows_done = record.id, record.rows_done
    size = batch_lines or FIRST_BATCH_LINES
    if backdated and batch_lines is None:
        # Each batch would re-value the same later moves again: one batch.
        size = rows
    if progress is not None:
        progress(f"read and checked {rows} rows ({len(specs)} documents); posting "
                 f"{len(specs) - posted} documents "
                 f"{'in one batch (backdated)' if size >= rows else 'in batches'} "
                 f"(import {import_id})")
    pause = BATCH_PAUSE if platform.engine.dialect.name == "sqlite" else 0.0
    ids: list[int] = []
    moves = 0
    locked = longest = 0.0
    table = StockImport.__table__.c
    at = posted
    while at < len(specs):
        if at > posted and pause:
            time.sleep(pause)
        end = _next_batch(specs, at, size)
        batch = specs[at:end]
        lines = sum(len(spec.lines) for spec in batch)
        started = time.monotonic()
        try:
            with platform.session(user) as session:
                batch_ids, batch_moves = post_in_bulk(session, batch)
                # Only if no other process advanced the record meanwhile (the same import
                # resumed twice at once): then this batch is rolled back.
                advanced = session.execute(update(StockImport).where(
                    table.id == import_id, table.documents_done == at).values(
                    rows_done=table.rows_done + lines,
                    documents_done=table.documents_done + len(batch),
                    batches_done=table.batches_done + 1,
                    moves_done=table.moves_done + batch_moves,
                    first_document_id=func.coalesce(table.first_document_id, min(batch_ids)),
                    last_document_id=max(batch_ids), updated_at=utcnow()))
                if advanced.rowcount != 1:
                    raise Conflict(f"import {import_id} is being posted by another process "
                                   "(its record moved on meanwhile); nothing of this batch "
                                   "was posted", field="resume")
        except Conflict as exc:
            if exc.field == "resume":
                raise
            raise _stopped(platform, import_id, path, exc) from None
        except OrdercraftError as exc:
            raise _stopped(platform, import_id, path, exc) from None
        took = time.monotonic() - started
        locked += took
        longest = max(longest, took)
        ids += batch_ids
        moves += batch_moves
        rows_done += lines
        at = end
        if batch_lines is None and size < rows:
            # The next batch sized to hold the lock about BATCH_SECONDS at this speed.
            size = max(MIN_BATCH_LINES, min(MAX_BATCH_LINES,
                                            int(lines * BATCH_SECONDS / max(took, 1e-3))))
        if progress is not None:
            progress(f"posted {rows_done} of {rows} rows ({took:.2f} s)")
    with platform.session(user) as session:
        record = session.get(StockImport, import_id)
        record.state, record.updated_at = "done", utcnow()
        shown = import_record(record)
    return BatchedImport(ImportSummary(rows, len(ids), moves, sorted(ids)), shown,
                         locked, longest)


def _stopped(platform: Any, import_id: int, path: str | Path,
             exc: OrdercraftError) -> OrdercraftError:
    """Mark the import failed; the refusal, told how far the import got."""
    with platform.session() as session:
        record = session.get(StockImport, import_id)
        record.state, record.error, record.updated_at = "failed", str(exc)[:2000], utcnow()
        done, total, first, last = (record.rows_done, record.rows, record.first_document_id,
                                    record.last_document_id)
    if not done:
        return exc  # nothing posted: the refusal as it is
    details = dict(getattr(exc, "details", None) or {})
    details.update(import_id=import_id, rows_done=done, rows=total)
    return type(exc)(f"{exc}; import {import_id} stopped there: {done} of {total} rows "
                     f"were posted before it (documents {first} to {last}), nothing of "
                     f"this batch; fix the cause and run 'ordercraft stock import "
                     f"{path} --resume {import_id}' to post the rest",
                     code=exc.code, field=exc.field, details=details)
