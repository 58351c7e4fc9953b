"""Inserting many audited rows at once (spreadsheet imports).

The audit log's session event sees only objects flushed by the ORM unit of work;
a bulk ``INSERT`` bypasses it for speed, so the audit entries are written here,
in bulk too, in the same shape the event writes for a creation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, inspect, select
from sqlalchemy.orm import Session

from ordercraft.core.audit import _plain as audit_value  # the log's own JSON form of a value
from ordercraft.core.db import utcnow
from ordercraft.core.models.audit import Audited, AuditEntry
from ordercraft.core.services.queries import chunks

_UNAUDITED = ("created_at", "updated_at")


def insert_audited(session: Session, model: type[Audited], rows: list[dict[str, Any]], *,
                   key: str, extra_changes: list[dict[str, Any]] | None = None) -> list[int]:
    """Insert ``rows`` (every column given, same keys in each) and log their creation.

    ``key`` names a column whose values are unique among the rows and new to the table
    (an item's SKU), by which the new ids can be read back. ``extra_changes`` adds, row
    by row, what lives outside the table (a party's tags) to its audit entry. Returns
    the new ids in the order of ``rows``.
    """
    if not rows:
        return []
    mapper = inspect(model)
    ids = _insert_rows(session, mapper.local_table, rows, key)
    columns = [attr.key for attr in mapper.column_attrs if attr.key not in _UNAUDITED]
    user = session.info.get("user")
    user_id, user_name = getattr(user, "id", None), getattr(user, "name", "") or ""
    now = utcnow()
    entries = []
    for index, (new_id, row) in enumerate(zip(ids, rows)):
        values = {**row, "id": new_id}
        changes = {column: [None, audit_value(values.get(column))] for column in columns}
        if extra_changes:
            changes.update(extra_changes[index])
        entries.append({"at": now, "user_id": user_id, "user_name": user_name,
                        "entity": model.__audit_entity__, "entity_id": str(new_id),
                        "action": "create", "changes": changes})
    insert_rows(session, AuditEntry.__table__, entries)
    return ids


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows with one prepared statement (Core: the ORM's bulk layer would
    add half the time again)."""
    if rows:
        session.execute(insert(table), rows)


def _insert_rows(session: Session, table: Table, rows: list[dict[str, Any]],
                 key: str) -> list[int]:
    """Insert and return the new ids in the order of ``rows``."""
    # INSERT ... RETURNING in the rows' order runs row by row on SQLite, and on psycopg
    # its thousand-row statements cost more to prepare than this: a plain executemany,
    # then the ids read back by key, 500 at a time.
    insert_rows(session, table, rows)
    id_column, key_column = table.primary_key.columns[0], table.columns[key]
    new_ids: dict[Any, int] = {}
    for batch in chunks([row[key] for row in rows]):
        new_ids.update((found_key, found_id) for found_key, found_id in session.execute(
            select(key_column, id_column).where(key_column.in_(batch))))
    return [new_ids[row[key]] for row in rows]
