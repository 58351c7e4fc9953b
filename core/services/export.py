"""Lists as CSV or XLSX: every row of a filtered list (read a page at a time) with the entity's
custom fields as columns (``cf.<name>``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ordercraft.core.services.queries import MAX_LIMIT, Page

Fetch = Callable[[int, int], Page[Any]]


def every_item(fetch: Fetch, *, limit: int | None = None, offset: int | None = None
               ) -> Iterator[Any]:
    """The items of a list, page by page: ``fetch(limit, offset)`` returns one page. With
    ``limit``, that many items from ``offset``; else all of them."""
    start = offset or 0
    wanted = limit
    while wanted is None or wanted > 0:
        size = MAX_LIMIT if wanted is None else min(wanted, MAX_LIMIT)
        found = fetch(size, start)
        yield from found.items
        start += len(found.items)
        if wanted is not None:
            wanted -= len(found.items)
        if len(found.items) < size or start >= found.total:
            return


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_cell(v)) for v in value)
    return value


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """The rows as CSV with a header line (lists joined by ", ", decimals exact)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def xlsx_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *,
               title: str = "Export") -> bytes:
    """The rows as an XLSX workbook of one sheet with a header row; numbers stay numbers
    (decimals exact as text would be lost, so they are written as numbers only when a
    float holds them exactly, else as text)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Export")
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_xlsx_cell(row.get(column)) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if Decimal(repr(float(value))) == value else format(value, "f")
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return "'" + value if value[:1] in ("=", "+", "@") else value  # never a formula
    if isinstance(value, (int, float, date)) and not isinstance(value, bool):
        return value
    return _cell(value)


def export_rows(session: Any, entity: str | None, fetch: Fetch,
                convert: Callable[[Any], dict[str, Any]], columns: Sequence[str], *,
                limit: int | None = None, offset: int | None = None
                ) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row of the list ``fetch`` gives, as ``convert`` serialises it, and the
    columns: ``columns`` then (with ``entity``) one per custom field of ``entity``."""
    from ordercraft.core.custom_fields import csv_cells, csv_columns

    rows = []
    for item in every_item(fetch, limit=limit, offset=offset):
        document = convert(item)
        rows.append({**document, **csv_cells(document)} if entity else document)
    return rows, [*columns, *(csv_columns(session, entity) if entity else ())]


def export_csv(session: Any, entity: str, fetch: Fetch, convert: Callable[[Any], dict[str, Any]],
               columns: Sequence[str], *, limit: int | None = None,
               offset: int | None = None) -> str:
    """The list ``fetch`` gives as CSV: ``columns`` of each item as ``convert`` serialises
    it, then one column per custom field of ``entity``; the export is audited."""
    rows, header = export_rows(session, entity, fetch, convert, columns, limit=limit,
                               offset=offset)
    audit_export(session, entity, len(rows))
    return csv_text(rows, header)


def audit_export(session: Any, entity: str, rows: int) -> None:
    """An export is in the audit log (action ``export``, id ``list``): who took which
    list out of the system, and how many rows."""
    from ordercraft.core.audit import record_change
    from ordercraft.core.db import begin_writing

    begin_writing(session)  # a list page reads a snapshot; the entry is a write
    record_change(session, entity, "list", {"rows": [None, rows]}, action="export")
