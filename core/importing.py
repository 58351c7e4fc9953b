"""Moving a site in from spreadsheets: ``ordercraft item import FILE`` and ``party import FILE``.

The file is CSV (UTF-8, with or without a byte-order mark, ``,`` or ``;`` between
fields) or XLSX (the first sheet). Its first row (blank rows above it are skipped)
names the fields (``sku,name,kind,unit,valuation``); an empty cell takes the
field's default, a column without a name must stay empty.

All or nothing: every row is checked first (values, repeats inside the file,
clashes with the database), and only a clean file is inserted, in the caller's
transaction, with bulk inserts. Given a reading session (``writes=False``, as the CLI
opens it), the file is read and its values checked without the write lock; the lock is
taken (:func:`~ordercraft.core.db.begin_writing`) only for the check against the
database and the inserts. The error names the first bad row by its number
in the file (the header is row 1) and the column as written in the header:
``row 17, column "valuation": 'lifo' is not one of fifo, average``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ordercraft.core.db import begin_writing
from ordercraft.core.errors import Conflict, NotFound, OrdercraftError, ValidationError
from ordercraft.core.permissions import require_session_permission

#: A row's number in the file, as a spreadsheet shows it (the first row is 1).
RowNumber = int


@dataclass
class Table:
    """A spreadsheet's rows, each with its number in the file; cells of an XLSX keep
    their type (numbers, dates), a CSV's are text."""

    rows: list[tuple[RowNumber, list[Any]]]
    #: A ``;``-separated CSV comes from a spreadsheet that writes 9,50 for 9.50.
    decimal_comma: bool = False


@dataclass
class ImportResult:
    entity: str
    count: int
    ids: list[int] = field(default_factory=list)


def file_error(path: str | Path, message: str) -> ValidationError:
    return ValidationError(f"file {str(path)!r}: {message}", field="file")


def read_table(path: str | Path) -> Table:
    """Read a CSV or XLSX file into a :class:`Table` (cells of an XLSX keep their type)."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    raise file_error(path, f"'{suffix or path.name}' files are not supported; save it as "
                      ".csv (UTF-8) or .xlsx")


def csv_reader(path: str | Path) -> tuple[Any, bool]:
    """A ``csv.reader`` over the file's text (UTF-8, with or without a BOM) and whether it
    is ``;``-separated (spreadsheets that write 9,50 for 9.50 save such files): the
    separator is the one the first line has more of."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A line number is what a user can find in an editor; a byte offset is not.
        line = raw.count(b"\n", 0, exc.start) + 1
        raise file_error(path, f"line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                         "save it as 'CSV UTF-8'") from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), delimiter == ";"


def _read_csv(path: Path) -> Table:
    reader, decimal_comma = csv_reader(path)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise file_error(path, f"row {reader.line_num}: {exc}") from None
    return Table(list(enumerate(records, start=1)), decimal_comma=decimal_comma)


def _read_xlsx(path: Path) -> Table:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise file_error(path, f"not an XLSX workbook ({exc})") from None
    try:
        # In read-only mode rows come from row 1 on, empty ones included, so the count
        # is the row number a spreadsheet shows.
        rows = [(number, list(values)) for number, values in
                enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()
    return Table(rows)


def _cell_text(value: Any) -> str:
    """A cell as the text a user would have typed into it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 9.5, not 9.4999...
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else (
            value.isoformat(sep=" "))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_records(path: str | Path) -> tuple[list[str], list[tuple[RowNumber, dict[str, str]]]]:
    """Read a CSV or XLSX file whose first non-blank row names the columns: the column
    names (stripped, lower case) and each later non-blank row as ``(row number,
    {column: text})``, cells as the text a user would have typed (numbers of a
    ``;``-separated CSV with a decimal comma read as ``9.50``). Checking the values is
    the caller's business."""
    table = read_table(path)
    rows = [(number, [_cell_text(value).strip() for value in values])
            for number, values in table.rows]
    rows = [(number, texts) for number, texts in rows if not _is_blank(texts)]
    if not rows:
        raise file_error(path, "the file is empty (the first row names the columns)")
    header = [name.lower() for name in rows[0][1]]
    records = []
    for number, texts in rows[1:]:
        record: dict[str, str] = {}
        for name, value in zip(header, texts, strict=False):
            if name:
                record[name] = _decimal_comma(value) if table.decimal_comma else value
        records.append((number, record))
    return header, records


#: The formats :func:`write_records` writes, with their media types.
SPREADSHEET_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write_records(columns: list[str], rows: list[dict[str, Any]], fmt: str = "csv", *,
                  sheet: str = "Sheet1") -> bytes:
    """Rows of dicts as a spreadsheet file's bytes, the columns in order as the first
    row: CSV (UTF-8, ``,``) or XLSX (numbers as numbers, dates as dates). A value missing
    from a row is an empty cell; Decimals are written exactly in CSV."""
    if fmt not in SPREADSHEET_TYPES:
        raise ValidationError(f"format: {fmt!r} is not one of {', '.join(SPREADSHEET_TYPES)}",
                              field="format")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(name) is None else row.get(name)
                             for name in columns])
        return buffer.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet[:31] or "Sheet1")
    worksheet.append(columns)
    for row in rows:
        worksheet.append([row.get(name) for name in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _decimal_comma(value: str) -> str:
    # "1 234,50" -> "1234.50"; "1.234,50" stays and fails as a number: ambiguous.
    compact = value.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if compact.count(",") == 1 and "." not in compact:
        return compact.replace(",", ".")
    return value


@dataclass
class ImportSpec:
    """What one kind of record needs from a spreadsheet."""

    entity: str
    permission: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    #: ``(session, cell values by field) -> clean values``; raises ValidationError.
    clean: Callable[[Session, dict[str, str]], dict[str, Any]]
    #: ``(session, clean values) -> [(field, key)]`` that must be unique in the file.
    keys: Callable[[Session, dict[str, Any]], list[tuple[str, Any]]]
    #: ``(session, [(row, clean)], make_error) -> the first clash with the database``.
    check: Callable[[Session, list[tuple[RowNumber, dict[str, Any]]],
                     Callable[..., OrdercraftError]], OrdercraftError | None]
    #: ``(session, clean rows) -> new ids``: bulk insert with audit entries.
    insert: Callable[[Session, list[dict[str, Any]]], list[int]]
    #: Columns that may use a decimal comma in a ``;``-separated CSV.
    numeric: frozenset[str] = frozenset()
    #: Other spellings of a column's name: ``precision`` -> ``unit_precision``.
    aliases: dict[str, str] = field(default_factory=dict)


class _Columns:
    """Maps the header to fields and words errors with the header's own spelling."""

    def __init__(self, spec: ImportSpec, row: RowNumber, header: list[str]) -> None:
        self.spec = spec
        #: The field of each column; ``None`` for a column without a name.
        self.fields: list[str | None] = []
        self.titles: dict[str, str] = {}
        for title in (_cell_text(cell).strip() for cell in header):
            if not title:
                self.fields.append(None)
                continue
            name = title.lower().replace(" ", "_").replace("-", "_")
            name = spec.aliases.get(name, name)
            if name not in spec.columns:
                raise ValidationError(
                    f'row {row}, column "{title}": not a field of {_a(spec.entity)} (fields: '
                    f'{", ".join(spec.columns)})', field=name,
                    details={"row": row, "column": title})
            if name in self.titles:
                raise ValidationError(f'row {row}, column "{title}": the field {name!r} is '
                                      "named twice", field=name,
                                      details={"row": row, "column": title})
            self.fields.append(name)
            self.titles[name] = title
        for name in spec.required:
            if name not in self.titles:
                raise ValidationError(
                    f'row {row}: the file has no column "{name}" (needed: '
                    f'{", ".join(spec.required)})', field=name, details={"row": row})

    def named(self, position: int) -> bool:
        """Whether the header names a field for column ``position`` (from 1)."""
        return position <= len(self.fields) and self.fields[position - 1] is not None

    def error(self, row: RowNumber, name: str | None, message: str, *,
              kind: type[OrdercraftError] = ValidationError, code: str | None = None
              ) -> OrdercraftError:
        if name is None or name not in self.titles:
            return kind(f"row {row}: {message}", code=code, field=name,
                        details={"row": row})
        title = self.titles[name]
        return kind(f'row {row}, column "{title}": {message}', code=code, field=name,
                    details={"row": row, "column": title})


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _is_blank(texts: list[str]) -> bool:
    return not any(text.strip() for text in texts)


#: ``progress(rows done, rows in all)``: told while an import checks and saves rows.
Progress = Callable[[int, int], None]
#: Rows saved per bulk insert (and per progress report).
BATCH = 500


def import_table(session: Session, spec: ImportSpec, table: Table,
                 progress: Progress | None = None) -> ImportResult:
    """Check every row of ``table``, then insert them all (or raise, inserting nothing);
    ``progress`` is told how many rows are saved, a batch at a time."""
    require_session_permission(session, spec.permission)
    rows = iter(table.rows)
    # The first row that is not blank names the fields; the data rows follow it.
    first = next(((number, cells) for number, cells in rows
                  if not _is_blank([_cell_text(cell) for cell in cells])), None)
    if first is None:
        raise ValidationError("the file is empty: its first row must name the fields "
                              f"({', '.join(spec.required)}, ...)", field="file")
    header_row, header = first
    columns = _Columns(spec, header_row, header)
    cleaned: list[tuple[RowNumber, dict[str, Any]]] = []
    seen: dict[tuple[str, Any], RowNumber] = {}
    first_error: OrdercraftError | None = None
    for number, cells in rows:
        texts = [_cell_text(cell) for cell in cells]
        if _is_blank(texts):
            continue  # blank lines between blocks of a spreadsheet
        stray = next((position for position, text in enumerate(texts, start=1)
                      if text.strip() and not columns.named(position)), None)
        if stray is not None:
            first_error = columns.error(number, None, f"column {stray} holds "
                                        f"{texts[stray - 1]!r} but the header names no field "
                                        "for it")
            break
        values = {name: text for name, text in zip(columns.fields, texts)
                  if name is not None and text.strip()}
        if table.decimal_comma:
            for name in spec.numeric & values.keys():
                values[name] = _decimal_comma(values[name])
        try:
            clean = spec.clean(session, values)
        except OrdercraftError as exc:
            first_error = columns.error(number, exc.field, _without_field(exc),
                                        kind=type(exc), code=exc.code)
            break
        repeated = None
        for key in spec.keys(session, clean):
            if key in seen:
                repeated = (key, seen[key])
                break
            seen[key] = number
        if repeated is not None:
            (name, _value), earlier = repeated
            first_error = columns.error(number, name, f"{clean[name]!r} repeats row {earlier}",
                                        kind=Conflict, code="duplicate")
            break
        cleaned.append((number, clean))
    # A clash with the database in an earlier row comes before a bad value further down.
    database_error = spec.check(session, cleaned, columns.error)
    if database_error is not None:
        raise database_error
    if first_error is not None:
        raise first_error
    if not session.info.get("writes", True):
        # A reading session checked the file without the write lock; the clashes are
        # checked again under the lock the inserts hold, so nothing slips in between.
        begin_writing(session)
        database_error = spec.check(session, cleaned, columns.error)
        if database_error is not None:
            raise database_error
    ids: list[int] = []
    total = len(cleaned)
    if progress is not None:
        progress(0, total)
    for start in range(0, total, BATCH):
        ids.extend(spec.insert(session, [clean for _n, clean in cleaned[start:start + BATCH]]))
        if progress is not None:
            progress(min(start + BATCH, total), total)
    return ImportResult(spec.entity, len(ids), ids)


def _without_field(exc: OrdercraftError) -> str:
    prefix = f"{exc.field}: "
    return exc.message[len(prefix):] if exc.field and exc.message.startswith(prefix) else (
        exc.message)


# --------------------------------------------------------------------------- items


def _item_spec() -> ImportSpec:
    from ordercraft.core.services import items
    from ordercraft.core.services.catalog import get_group

    def check(session: Session, rows: list[tuple[RowNumber, dict[str, Any]]],
              error: Callable[..., OrdercraftError]) -> OrdercraftError | None:
        taken = items.existing_skus(session, (clean["sku"] for _n, clean in rows))
        for number, clean in rows:
            if clean["sku"] in taken:
                return error(number, "sku", f"item {clean['sku']!r} already exists",
                             kind=Conflict, code="duplicate")
        return None

    groups: dict[str, int] = {}

    def clean(session: Session, values: dict[str, str]) -> dict[str, Any]:
        values = dict(values)
        group = values.pop("group", "").strip()
        result = items.clean_item_values(values)
        result["group_id"] = None
        if group:
            if group not in groups:
                groups[group] = get_group(session, group).id
            result["group_id"] = groups[group]
        return result

    return ImportSpec(
        entity="item", permission="item.write", columns=(*items.ITEM_FIELDS, "group"),
        required=("sku", "name"), numeric=frozenset({"price", "unit_precision"}),
        aliases={"precision": "unit_precision", "item_group": "group"},
        clean=clean,
        keys=lambda session, clean: [("sku", clean["sku"])],
        check=check, insert=items.insert_items)


def import_items(session: Session, path: str | Path,
                 progress: Progress | None = None) -> ImportResult:
    """Items from a spreadsheet (columns: sku, name, kind, unit, unit_precision,
    valuation, price, description, active, group)."""
    spec = _item_spec()
    require_session_permission(session, spec.permission)
    return import_table(session, spec, read_table(path), progress)


# --------------------------------------------------------------------------- parties


def _party_spec() -> ImportSpec:
    from ordercraft.core.services import parties
    from ordercraft.core.services.queries import fold_text

    managers: dict[str, int] = {}

    def keys(session: Session, clean: dict[str, Any]) -> list[tuple[str, Any]]:
        found = [("name", fold_text(session, clean["name"]))]
        if clean["tax_id"]:
            found.append(("tax_id", clean["tax_id"]))
        return found

    def check(session: Session, rows: list[tuple[RowNumber, dict[str, Any]]],
              error: Callable[..., OrdercraftError]) -> OrdercraftError | None:
        names, tax_ids = parties.existing_party_keys(session)
        managers.update(parties.manager_ids(session, (clean["manager"] for _n, clean in rows)))
        for number, clean in rows:
            existing = names.get(fold_text(session, clean["name"]))
            if existing is not None:
                return error(number, "name", f"party {existing!r} already exists",
                             kind=Conflict, code="duplicate")
            if clean["tax_id"] in tax_ids:
                return error(number, "tax_id", f"{clean['tax_id']!r} is already the tax id of "
                             f"party {tax_ids[clean['tax_id']]!r}", kind=Conflict,
                             code="duplicate")
            if clean["manager"] and clean["manager"] not in managers:
                return error(number, "manager", f"user {clean['manager']!r} does not exist",
                             kind=NotFound)
        return None

    return ImportSpec(
        entity="party", permission="party.write", columns=parties.PARTY_FIELDS,
        required=("name",), aliases={"tag": "tags"},
        clean=lambda session, values: parties.clean_party_values(values),
        keys=keys, check=check,
        insert=lambda session, rows: parties.insert_parties(session, rows, managers))


def import_parties(session: Session, path: str | Path,
                   progress: Progress | None = None) -> ImportResult:
    """Parties from a spreadsheet (columns: name, kind, tags, source, tax_id, phone,
    email, address, notes, manager)."""
    spec = _party_spec()
    require_session_permission(session, spec.permission)
    return import_table(session, spec, read_table(path), progress)


#: The specs by entity, for the import pages and background jobs.
SPECS: dict[str, Callable[[], ImportSpec]] = {"item": _item_spec, "party": _party_spec}

