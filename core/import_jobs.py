"""Imports from the browser: a preview that maps the file's columns and lists every bad
row, then the import as a background job whose progress a page polls.

``preview(session, entity, path, mapping)`` reads a CSV or XLSX file of items,
parties or stock operations, maps each column to a field (by its header, or as the
user chose) and checks every row without saving anything. ``start_job`` stores the
checked rows as an :class:`~ordercraft.core.models.ImportJob`; ``run_job`` saves them
in batches of :data:`BATCH` rows, each batch in its own transaction that also records
the progress, so a page (or ``GET /api/v1/import-jobs/<id>``) sees rows done / total.
Items and parties are saved a batch at a time: a batch that fails stops the job and
its error names the row; the batches before it stay. Stock operations are posted as
one batch (all rows or none), as ``ordercraft stock import`` does.

The web process starts a job's runner on a thread at once; ``ordercraft worker``
takes any job left queued (a job is claimed by one runner only), and takes over a
running job whose runner has written no progress for :data:`STALE` (the process
stopped): each batch is committed with the count of rows done, so it goes on from there.
"""

from __future__ import annotations

import csv
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ordercraft.core.db import utcnow
from ordercraft.core.errors import NotFound, OrdercraftError, ValidationError
from ordercraft.core.importing import SPECS, ImportSpec, RowNumber, _cell_text, read_table
from ordercraft.core.models import ImportJob
from ordercraft.core.permissions import require_session_permission

if TYPE_CHECKING:
    from ordercraft.core.platform import Platform

log = logging.getLogger(__name__)

#: What can be imported: entity -> the permission it needs.
ENTITIES = {"item": "item.write", "party": "party.write", "stock": "stock.post"}
#: Rows saved per transaction of a job.
BATCH = 200
#: Most bad rows a preview lists.
MAX_PROBLEMS = 200
#: A running job with no progress for this long has lost its runner.
STALE = timedelta(minutes=10)
STOCK_COLUMNS = ("date", "op", "sku", "warehouse", "qty", "unit_cost", "ref", "to_warehouse",
                 "holder", "note")
STOCK_REQUIRED = ("date", "op", "sku", "warehouse", "qty")


@dataclass
class Problem:
    line: RowNumber
    column: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class Preview:
    """A file read and checked: its columns, the field each one fills, the rows by
    field and every problem found (nothing saved)."""

    entity: str
    titles: list[str]
    mapping: list[str | None]
    fields: tuple[str, ...]
    required: tuple[str, ...]
    records: list[tuple[RowNumber, dict[str, str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.records)

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "columns": [
                    {"title": t, "field": f} for t, f in zip(self.titles, self.mapping)],
                "rows": len(self.records), "ok": self.ok,
                "problems": [p.to_dict() for p in self.problems],
                "more_problems": self.more_problems,
                "sample": [{"line": n, **r} for n, r in self.records[:10]]}


def _spec(entity: str) -> ImportSpec | None:
    if entity not in ENTITIES:
        raise ValidationError(f"entity: {entity!r} cannot be imported (one of "
                              f"{', '.join(ENTITIES)})", field="entity")
    return SPECS[entity]() if entity in SPECS else None


def columns_of(entity: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields a file of ``entity`` may fill and those it must."""
    spec = _spec(entity)
    if spec is None:
        return STOCK_COLUMNS, STOCK_REQUIRED
    return spec.columns, spec.required


def _normal(title: str) -> str:
    return title.strip().lower().replace(" ", "_").replace("-", "_")


def guess_mapping(entity: str, titles: list[str]) -> list[str | None]:
    """The field of each column by its header (``Unit price`` -> ``price`` via the
    spec's aliases); a column no field matches is skipped (``None``)."""
    spec = _spec(entity)
    fields, _required = columns_of(entity)
    aliases = spec.aliases if spec else {"receive": "op", "to": "to_warehouse"}
    used: set[str] = set()
    mapping: list[str | None] = []
    for title in titles:
        name = _normal(title)
        name = aliases.get(name, name)
        if name in fields and name not in used:
            used.add(name)
            mapping.append(name)
        else:
            mapping.append(None)
    return mapping


def read_rows(path: str | Path) -> tuple[list[str], list[tuple[RowNumber, list[str]]], bool]:
    """The file's header titles and its other non-blank rows as text, by line."""
    table = read_table(path)
    rows = [(number, [_cell_text(v).strip() for v in values]) for number, values in table.rows]
    rows = [(number, texts) for number, texts in rows if any(texts)]
    if not rows:
        raise ValidationError(f"file {Path(path).name!r}: the file is empty (the first row "
                              "names the columns)", field="file")
    return rows[0][1], rows[1:], table.decimal_comma


def preview(session: Session, entity: str, path: str | Path,
            mapping: list[str | None] | None = None) -> Preview:
    """Read ``path`` and check every row for an import of ``entity`` (nothing saved).
    ``mapping`` gives the field of each column (``None``: skip it); without it the
    header decides."""
    spec = _spec(entity)
    require_session_permission(session, ENTITIES[entity])
    titles, rows, decimal_comma = read_rows(path)
    fields, required = columns_of(entity)
    if mapping is None:
        mapping = guess_mapping(entity, titles)
    mapping = (list(mapping) + [None] * len(titles))[:len(titles)]
    for name in mapping:
        if name is not None and name not in fields:
            raise ValidationError(f"mapping: {name!r} is not a field of {entity} (fields: "
                                  f"{', '.join(fields)})", field="mapping")
    chosen = [name for name in mapping if name]
    repeated = sorted({name for name in chosen if chosen.count(name) > 1})
    result = Preview(entity, titles, mapping, fields, required)
    if repeated:
        result.problems.append(Problem(1, repeated[0], f"two columns fill {repeated[0]!r}; "
                                       "choose one"))
    for name in required:
        if name not in chosen:
            result.problems.append(Problem(1, name, f"no column fills {name!r} (needed: "
                                           f"{', '.join(required)})"))
    numeric = spec.numeric if spec else frozenset({"qty", "unit_cost"})
    for number, texts in rows:
        record = {}
        for name, text in zip(mapping, texts, strict=False):
            if name and text:
                record[name] = _decimal_comma(text) if decimal_comma and name in numeric else text
        result.records.append((number, record))
    if not result.records:
        result.problems.append(Problem(1, None, "the file has no rows under its header"))
    if result.problems:
        return result
    if spec is None:
        _check_stock(session, result)
    else:
        _check_rows(session, spec, result)
    if len(result.problems) > MAX_PROBLEMS:
        result.more_problems = len(result.problems) - MAX_PROBLEMS
        del result.problems[MAX_PROBLEMS:]
    return result


def _decimal_comma(text: str) -> str:
    from ordercraft.core.importing import _decimal_comma as convert

    return convert(text)


def _message(exc: OrdercraftError) -> str:
    prefix = f"{exc.field}: "
    return exc.message[len(prefix):] if exc.field and exc.message.startswith(prefix) else (
        exc.message)


class _RowError(Exception):
    def __init__(self, row: RowNumber, column: str | None, message: str) -> None:
        super().__init__(message)
        self.row, self.column, self.message = row, column, message


def _row_error(row: RowNumber, name: str | None, message: str, **_kwargs: Any) -> Any:
    return _RowError(row, name, message)


def _check_rows(session: Session, spec: ImportSpec, result: Preview) -> None:
    """Every bad value, repeat and clash with the database, each by its line."""
    seen: dict[tuple[str, Any], RowNumber] = {}
    cleaned: list[tuple[RowNumber, dict[str, Any]]] = []
    for number, record in result.records:
        try:
            clean = spec.clean(session, record)
        except OrdercraftError as exc:
            result.problems.append(Problem(number, exc.field, _message(exc)))
            continue
        repeated = None
        for key in spec.keys(session, clean):
            if key in seen:
                repeated = (key[0], seen[key])
                break
            seen[key] = number
        if repeated is not None:
            result.problems.append(Problem(number, repeated[0], f"{clean[repeated[0]]!r} "
                                           f"repeats line {repeated[1]}"))
            continue
        cleaned.append((number, clean))
    # The database check names one clash at a time: leave that row out and ask again.
    while cleaned and len(result.problems) <= MAX_PROBLEMS:
        clash = spec.check(session, cleaned, _row_error)
        if not isinstance(clash, _RowError):
            break
        result.problems.append(Problem(clash.row, clash.column, clash.message))
        cleaned = [(n, c) for n, c in cleaned if n != clash.row]
    result.problems.sort(key=lambda problem: problem.line)


def _stock_file(records: list[tuple[RowNumber, dict[str, str]]], folder: str) -> Path:
    """The rows as the CSV ``stock import`` reads, blank lines keeping the line numbers."""
    path = Path(folder) / "stock.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(STOCK_COLUMNS)
        line = 1
        for number, record in records:
            while line < number - 1:
                writer.writerow([""] * len(STOCK_COLUMNS))
                line += 1
            writer.writerow([record.get(name, "") for name in STOCK_COLUMNS])
            line += 1
    return path


def _check_stock(session: Session, result: Preview) -> None:
    """The stock import's own checks: the rows' shape and values (each bad row listed),
    then a trial posting that is rolled back (it names the first refused row)."""
    from ordercraft.core.stock import imports

    with tempfile.TemporaryDirectory() as folder:
        path = _stock_file(result.records, folder)
        try:
            documents, _rows = imports.read_documents(path)
            imports._check_dates(session, path, documents)
        except OrdercraftError as exc:
            result.problems.extend(_stock_problems(exc))
            return
        # A trial posting in a transaction of its own, always rolled back (the caller's
        # may be a snapshot that cannot write).
        from ordercraft.core.platform import site_platform

        try:
            with site_platform(session).session(session.info.get("user")) as trial:
                imports.import_file(trial, path)
                raise _TrialDone
        except _TrialDone:
            pass
        except OrdercraftError as exc:
            result.problems.extend(_stock_problems(exc))


class _TrialDone(Exception):
    """Rolls a trial posting back."""


def _stock_problems(exc: OrdercraftError) -> list[Problem]:
    details = exc.details or {}
    message = _message(exc)
    if ": line " in message and "rows refused" in message:
        listed = message.split(": ", 2)[-1] if message.startswith("file ") else message
        listed = listed.split("nothing imported: ", 1)[-1]
        problems = []
        for part in listed.split("; line "):
            head, _, text = part.removeprefix("line ").partition(": ")
            if head.isdigit():
                problems.append(Problem(int(head), None, text))
        if problems:
            return problems
    line = details.get("line") or details.get("row") or 0
    if message.startswith("file "):
        message = message.split(": ", 1)[-1]
    return [Problem(int(line), exc.field if exc.field != "file" else None, message)]


# --------------------------------------------------------------------------- jobs


def start_job(session: Session, checked: Preview, filename: str) -> ImportJob:
    """Queue the import of a checked preview (refused if it has problems)."""
    require_session_permission(session, ENTITIES[checked.entity])
    if not checked.ok:
        raise ValidationError(f"file: {len(checked.problems)} rows have problems; correct "
                              "them and upload the file again", field="file")
    user = session.info.get("user")
    job = ImportJob(entity=checked.entity, filename=filename[:255],
                    rows=[[n, r] for n, r in checked.records], total=len(checked.records),
                    created_by_id=getattr(user, "id", None))
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"import job {job_id} does not exist", field="id")
    require_session_permission(session, ENTITIES[job.entity])
    return job


def job_dict(job: ImportJob, now: datetime | None = None) -> dict[str, Any]:
    """A job's state and progress: rows done / total, rows per second, seconds left."""
    now = now or utcnow()
    rate = left = None
    if job.started_at is not None and job.done:
        elapsed = ((job.finished_at or now) - job.started_at).total_seconds()
        rate = round(job.done / elapsed, 1) if elapsed > 0 else None
        if rate and job.state == "running":
            left = round((job.total - job.done) / rate)
    return {"id": job.id, "entity": job.entity, "filename": job.filename, "state": job.state,
            "total": job.total, "done": job.done,
            "percent": int(job.done * 100 / job.total) if job.total else 100,
            "rate": rate, "seconds_left": left if job.state == "running" else (
                0 if job.state == "done" else None),
            "error": job.error or None,
            "created_at": job.created_at.isoformat(timespec="seconds") if job.created_at
            else None,
            "finished_at": job.finished_at.isoformat(timespec="seconds") if job.finished_at
            else None}


def _claimable(now: datetime) -> Any:
    return or_(ImportJob.state == "queued",
               (ImportJob.state == "running") & (ImportJob.heartbeat_at < now - STALE))


def _claim(platform: Platform, job_id: int) -> bool:
    now = utcnow()
    with platform.session() as session:
        claimed = session.execute(
            update(ImportJob).where(ImportJob.id == job_id, _claimable(now))
            .values(state="running", heartbeat_at=now))
        if not getattr(claimed, "rowcount", 0):
            return False
        session.execute(update(ImportJob).where(ImportJob.id == job_id,
                                                ImportJob.started_at.is_(None))
                        .values(started_at=now))
        return True


def run_job(platform: Platform, job_id: int) -> bool:
    """Run a queued job to its end (``False`` if another runner has it)."""
    from ordercraft.core.models import User

    if not _claim(platform, job_id):
        return False
    with platform.session(writes=False) as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        entity, rows, user_id = job.entity, [(n, r) for n, r in job.rows], job.created_by_id
        # A job taken over goes on after the batches its first runner committed.
        done = job.done if entity != "stock" else 0
    try:
        if entity == "stock":
            with platform.session() as session:
                session.info["user"] = session.get(User, user_id) if user_id else None
                _post_stock(session, rows)
            done = len(rows)
        else:
            for start in range(done, len(rows), BATCH):
                batch = rows[start:start + BATCH]
                with platform.session() as session:
                    session.info["user"] = session.get(User, user_id) if user_id else None
                    _save_batch(session, entity, batch)
                    done = start + len(batch)
                    session.execute(update(ImportJob).where(ImportJob.id == job_id)
                                    .values(done=done, heartbeat_at=utcnow()))
    except Exception as exc:  # noqa: BLE001 - the job records why it stopped
        message = exc.message if isinstance(exc, OrdercraftError) else repr(exc)
        if not isinstance(exc, OrdercraftError):
            log.exception("import job %s failed", job_id)
        saved = f" ({done} rows were saved before)" if done else " (nothing was saved)"
        _finish(platform, job_id, "failed", done, message + saved)
        return True
    _finish(platform, job_id, "done", done, "")
    return True


def _finish(platform: Platform, job_id: int, state: str, done: int, error: str) -> None:
    with platform.session() as session:
        session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
            state=state, done=done, error=error, finished_at=utcnow()))


def _save_batch(session: Session, entity: str, batch: list[tuple[int, dict[str, str]]]) -> None:
    spec = SPECS[entity]()
    cleaned = []
    for number, record in batch:
        try:
            cleaned.append((number, spec.clean(session, record)))
        except OrdercraftError as exc:
            raise ValidationError(f"line {number}: {exc.message}", field=exc.field) from None
    clash = spec.check(session, cleaned, _row_error)
    if isinstance(clash, _RowError):
        raise ValidationError(f"line {clash.row}: {clash.message}", field=clash.column)
    spec.insert(session, [clean for _n, clean in cleaned])


def _post_stock(session: Session, rows: list[tuple[int, dict[str, str]]]) -> None:
    from ordercraft.core.stock import imports

    with tempfile.TemporaryDirectory() as folder:
        imports.import_file(session, _stock_file(rows, folder))


def run_queued_jobs(platform: Platform, now: datetime | None = None) -> list[int]:
    """Run every queued import job, and those whose runner stopped (``ordercraft
    worker``); returns their ids."""
    with platform.session(writes=False) as session:
        queued = list(session.scalars(select(ImportJob.id).where(
            _claimable(now or utcnow())).order_by(ImportJob.id)))
    return [job_id for job_id in queued if run_job(platform, job_id)]


def start_in_background(platform: Platform, job_id: int) -> None:
    """Run the job on a daemon thread of this process (the web's import page)."""
    import threading

    threading.Thread(target=run_job, args=(platform, job_id), name=f"import-{job_id}",
                     daemon=True).start()
