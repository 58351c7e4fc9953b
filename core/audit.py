"""Records every create, update and delete of business data (``Audited`` rows).

A session event, so no service can forget it: whatever flushes an audited row
writes its audit entry in the same transaction. The acting user comes from
``session.info["user"]`` (set by ``Platform.session(user=...)``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from ordercraft.core.db import utcnow
from ordercraft.core.models.audit import Audited, AuditEntry

#: ``session.info`` key: the newest entry this transaction wrote per ``(entity, id)``.
_WRITTEN = "ordercraft.audit_written"


def _plain(value: Any) -> Any:
    if isinstance(value, (Decimal, date, datetime)):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _column_changes(obj: Any, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in ("created_at", "updated_at"):
            continue
        if action == "update":
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if _plain(before) == _plain(after):
                continue
            changes[key] = [_plain(before), _plain(after)]
        else:
            value = state.attrs[key].value if action == "create" else (
                state.attrs[key].loaded_value)
            changes[key] = [None, _plain(value)] if action == "create" else [_plain(value), None]
    return changes


def _after_flush(session: Session, _context: Any) -> None:
    rows: list[dict[str, Any]] = []
    user = session.info.get("user")
    now = utcnow()
    for action, objects in (("create", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _column_changes(obj, action)
            if action == "update" and not changes:
                continue
            # ``identity`` is still None for rows inserted by this flush; the primary
            # key attributes already hold the new values.
            identity = inspect(obj).mapper.primary_key_from_instance(obj)
            rows.append({
                "at": now,
                "user_id": getattr(user, "id", None),
                "user_name": getattr(user, "name", "") or "",
                "entity": obj.__audit_entity__,
                "entity_id": "/".join(str(part) for part in identity),
                "action": action,
                "changes": changes,
            })
    if rows:
        written = session.connection().execute(
            insert(AuditEntry).returning(AuditEntry.id, AuditEntry.entity, AuditEntry.entity_id),
            rows)
        latest = session.info.setdefault(_WRITTEN, {})
        for entry_id, entity, entity_id in written:
            latest[(entity, entity_id)] = max(entry_id, latest.get((entity, entity_id), 0))


def record_change(session: Session, entity: str, entity_id: Any,
                  changes: dict[str, list[Any]], *, action: str = "update") -> None:
    """Write an audit entry for a change the row events cannot see (a value kept in
    another table, a setting), by the session's user, in its transaction."""
    user = session.info.get("user")
    session.add(AuditEntry(at=utcnow(), user_id=getattr(user, "id", None),
                           user_name=getattr(user, "name", "") or "", entity=entity,
                           entity_id=str(entity_id), action=action,
                           changes={key: [_plain(before), _plain(after)]
                                    for key, (before, after) in changes.items()}))
    session.flush()


def record_field_changes(session: Session, entity: str, entity_id: Any,
                         changes: dict[str, list[Any]]) -> None:
    """Add changes of fields kept outside the object's row (its custom fields) to the
    entry this transaction wrote for the object, or write one: an object created or
    changed with its custom fields has one entry."""
    written = session.info.get(_WRITTEN, {}).get((entity, str(entity_id)))
    entry = session.get(AuditEntry, written) if written is not None else None
    if entry is None:  # none written, or rolled back with a savepoint
        record_change(session, entity, entity_id, changes)
        return
    entry.changes = {**entry.changes, **{key: [_plain(before), _plain(after)]
                                         for key, (before, after) in changes.items()}}
    session.flush()


def install_audit(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _after_flush)


def audit_entries(session: Session, *, entity: str | None = None, entity_id: str | None = None,
                  limit: int = 100, before_id: int | None = None) -> list[AuditEntry]:
    """Audit entries, newest first, filtered by entity and id; page with ``before_id``."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == str(entity_id))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query))


def search_audit(session: Session, *, user: str | None = None, entity: str | None = None,
                 entity_id: str | None = None, action: str | None = None,
                 since: datetime | None = None, until: datetime | None = None,
                 limit: int = 50, offset: int = 0) -> tuple[list[AuditEntry], int]:
    """Audit entries matching every filter given, newest first, and how many match:
    ``user`` the acting user's name, ``entity``/``entity_id`` the object, ``action``
    (``create``, ``update``, ``delete``, ``login``, ``refused``, ``export`` ...),
    ``since`` included and ``until`` excluded (UTC). Needs ``user.admin``."""
    from sqlalchemy import func

    from ordercraft.core.permissions import require_session_permission

    require_session_permission(session, "user.admin")
    conditions = []
    if user:
        conditions.append(AuditEntry.user_name == user)
    if entity:
        conditions.append(AuditEntry.entity == entity)
    if entity_id:
        conditions.append(AuditEntry.entity_id == str(entity_id))
    if action:
        conditions.append(AuditEntry.action == action)
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at < until)
    total = session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0
    rows = list(session.scalars(select(AuditEntry).where(*conditions)
                                .order_by(AuditEntry.id.desc()).limit(limit).offset(offset)))
    return rows, int(total)


def audit_entry_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(timespec="seconds"),
        "user": entry.user_name or None,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "action": entry.action,
        "changes": entry.changes,
    }
