"""A document's history — transitions, tasks, comments, processes and audit entries — in
order, paginated, read in one query (a ``UNION ALL`` over the events written for the
document, the events of the tasks linked to it, and its audit log entries)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Integer, String, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from ordercraft.core.models.audit import AuditEntry
from ordercraft.core.services.queries import Page, page_bounds
from ordercraft.core.workflow.models import TaskLink, WorkflowEvent


def record_event(session: Session, kind: str, *, now: datetime, user: Any = None,
                 document: tuple[str, int] | None = None, task_id: int | None = None,
                 process_id: int | None = None, text: str = "",
                 data: dict[str, Any] | None = None) -> WorkflowEvent:
    """Append one line to the timeline (of ``document``, or of the task's documents)."""
    row = WorkflowEvent(at=now, kind=kind, user_id=getattr(user, "id", None),
                        user_name=getattr(user, "name", "") or "",
                        document_type=document[0] if document else None,
                        document_id=document[1] if document else None,
                        task_id=task_id, process_id=process_id, text=text,
                        data={k: v for k, v in (data or {}).items() if v is not None})
    session.add(row)
    return row


#: Fields whose change the timeline says in its own words (the transition entry).
_QUIET_FIELDS = {"state_changed_at"}


def field_label(name: str) -> str:
    """A column's name as a person reads it: ``short_qty`` -> "Short qty", ``manager_id``
    -> "Manager"."""
    text = name.removesuffix("_id").replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else name


_ISO_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def value_text(value: Any, *, limit: int = 60) -> str:
    """A recorded value as a person reads it: nothing (``None``, empty) is "—", a moment
    loses its seconds and microseconds (``2026-03-02 09:15``), an exact decimal its
    trailing zeros (``3.000000`` -> ``3``, ``0.500000`` -> ``0.5``; two places or fewer
    are kept as written), yes/no for true/false; long texts are cut."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = ", ".join(value_text(v, limit=limit) for v in value)
    else:
        text = str(value)
    moment = _ISO_MOMENT.match(text)
    if moment:
        text = f"{moment.group(1)} {moment.group(2)}"
    elif _DECIMAL.match(text) and len(text.partition(".")[2]) > 2:
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            number = None
        if number is not None:
            if number == number.to_integral_value():
                text = str(number.quantize(Decimal(1)))
            else:
                text = format(number.normalize(), "f")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def changes_text(changes: dict[str, Any], quiet: frozenset[str] | set[str] = frozenset()
                 ) -> str:
    """An audit entry's changes in words: ``Short: 0 → 3; Manager: — → 4``."""
    parts = []
    for name, pair in sorted(changes.items()):
        if name in quiet or not isinstance(pair, (list, tuple)) or len(pair) != 2:
            continue
        parts.append(f"{field_label(name)}: {value_text(pair[0])} → {value_text(pair[1])}")
    return "; ".join(parts)


def _audit_text(action: str, changes: dict[str, Any]) -> str:
    verb = {"create": "created", "update": "changed", "delete": "deleted"}.get(action, action)
    if action != "update" or not changes:
        return verb
    parts = changes_text(changes, _QUIET_FIELDS)
    return f"{verb} {parts}" if parts else verb


def document_timeline(session: Session, document_type: str, document_id: int, *,
                      limit: Any = None, offset: Any = None, newest_first: bool = False,
                      audit_entity: str | None = None) -> Page[dict[str, Any]]:
    """The timeline of ``document_type:document_id``, oldest first (or newest first).

    :param audit_entity: the audit log's name for the document's entity; by default the
        one its state machine declares (else the document type).
    The session's user needs the document type's read permission
    (:func:`~ordercraft.core.workflow.documents.require_document_access`).
    Each item: ``{"source": "event"|"audit", "id", "at", "kind", "user", "task_id",
    "process_id", "text", "data"}``.
    """
    from ordercraft.core.workflow.documents import require_document_access

    if session.info.get("platform") is not None:
        require_document_access(session, document_type)
    limit, offset = page_bounds(limit, offset)
    document_id = int(document_id)
    if audit_entity is None:
        audit_entity = _audit_entity(session, document_type)
    own = select(literal("event").label("source"), WorkflowEvent.id, WorkflowEvent.at,
                 WorkflowEvent.kind, WorkflowEvent.user_name, WorkflowEvent.task_id,
                 WorkflowEvent.process_id, WorkflowEvent.text, WorkflowEvent.data).where(
        WorkflowEvent.document_type == document_type, WorkflowEvent.document_id == document_id)
    of_tasks = select(literal("event").label("source"), WorkflowEvent.id, WorkflowEvent.at,
                      WorkflowEvent.kind, WorkflowEvent.user_name, WorkflowEvent.task_id,
                      WorkflowEvent.process_id, WorkflowEvent.text, WorkflowEvent.data).join(
        TaskLink, TaskLink.task_id == WorkflowEvent.task_id).where(
        TaskLink.document_type == document_type, TaskLink.document_id == document_id,
        WorkflowEvent.document_type.is_(None))
    audit = select(literal("audit").label("source"), AuditEntry.id, AuditEntry.at,
                   cast(literal("audit_") + AuditEntry.action, String).label("kind"),
                   AuditEntry.user_name, cast(null(), Integer).label("task_id"),
                   cast(null(), Integer).label("process_id"), literal("").label("text"),
                   AuditEntry.changes.label("data")).where(
        AuditEntry.entity == audit_entity, AuditEntry.entity_id == str(document_id))
    union = union_all(own, of_tasks, audit).subquery()
    direction = (lambda column: column.desc()) if newest_first else (lambda column: column.asc())
    query = (select(union, func.count().over().label("total"))
             .order_by(direction(union.c.at), direction(union.c.source), direction(union.c.id))
             .limit(limit).offset(offset))
    rows = session.execute(query).all()
    items = []
    for row in rows:
        text = row.text
        kind = row.kind
        if row.source == "audit":
            text = _audit_text(kind.removeprefix("audit_"), row.data or {})
        items.append({"source": row.source, "id": row.id,
                      "at": row.at.isoformat(timespec="seconds"), "kind": kind,
                      "user": row.user_name or None, "task_id": row.task_id,
                      "process_id": row.process_id, "text": text, "data": row.data or {}})
    if rows:
        total = int(rows[0].total)
    elif offset == 0:
        total = 0
    else:  # past the end: the window function had no row to count on
        total = int(session.scalar(select(func.count()).select_from(union)) or 0)
    return Page(items, total, limit, offset)


def _audit_entity(session: Session, document_type: str) -> str:
    platform = session.info.get("platform")
    if platform is not None:
        from ordercraft.core.workflow.machines import state_machines

        machine = state_machines(platform).get(document_type)
        if machine is not None and machine.audit_entity:
            return machine.audit_entity
    return document_type


def task_history(session: Session, task_id: int) -> list[dict[str, Any]]:
    """Everything that happened to a task (created, comments, reassigned, done...), in order."""
    rows = session.scalars(select(WorkflowEvent).where(WorkflowEvent.task_id == task_id)
                           .order_by(WorkflowEvent.at, WorkflowEvent.id))
    return [event_dict(row) for row in rows]


def event_dict(row: WorkflowEvent) -> dict[str, Any]:
    return {"source": "event", "id": row.id, "at": row.at.isoformat(timespec="seconds"),
            "kind": row.kind, "user": row.user_name or None, "task_id": row.task_id,
            "process_id": row.process_id, "text": row.text, "data": row.data or {}}
