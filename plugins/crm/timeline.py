"""A client's whole history in one timeline: interactions, deals opened, the transitions,
comments and tasks of the client's documents, the tasks of interactions' next steps, and
the audit log of the party, its contacts, legal entities, deals and interactions.

The client's documents are the deals and every other workflow document whose model has a
``party_id`` column (a sales plugin's orders, for instance): their history shows here
without crm knowing them. One query finds the page (a ``UNION ALL`` of the keys, newest
first, counted with a window function); then one query per kind of entry loads what the
page shows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from ordercraft.plugins.crm.funnel import MOVE_FIELDS, money
from ordercraft.plugins.crm.models import Deal, Interaction
from ordercraft.sdk.models import AuditEntry, Contact, LegalEntity, Party
from ordercraft.sdk.queries import Page, page_bounds
from ordercraft.sdk.workflow import (
    TaskLink,
    WorkflowEvent,
    field_label,
    session_machines,
    value_text,
)

#: Fields a transition changes, by document type: audit entries that touch them
#: repeat the transition's own entry.
TRANSITION_FIELDS = {"deal": MOVE_FIELDS}


def client_documents(session: Session, party_id: int) -> list[tuple[str, Any, Any]]:
    """``(document_type, model, select of the client's document ids)`` for every
    workflow document type whose model has a ``party_id`` column."""
    found = []
    machines = session_machines(session)
    for document_type in sorted(machines):
        model = machines[document_type].model
        column = getattr(model, "party_id", None)
        if column is None or not hasattr(model, "__table__") or \
                "party_id" not in model.__table__.columns:
            continue
        found.append((document_type, model, select(model.id).where(column == party_id)))
    return found


def _audit_text(entity: str, action: str, changes: dict[str, Any]) -> str:
    what = entity.replace("_", " ")
    if action == "create":
        name = (changes.get("name") or changes.get("title") or [None, None])[1]
        return f"{what} added" + (f": {name}" if name else "")
    if action == "delete":
        name = (changes.get("name") or changes.get("title") or [None, None])[0]
        return f"{what} deleted" + (f": {name}" if name else "")
    parts = [f"{field_label(field)}: {_short(before)} → {_short(after)}"
             for field, (before, after) in sorted(changes.items())]
    return f"{what} changed" + (": " + "; ".join(parts) if parts else "")


def _short(value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if not isinstance(value, list) and not re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", str(value)):
        return value_text(value)  # moments without microseconds, yes/no
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", text):  # an exact decimal column: 14500.000000
        text = f"{Decimal(text).quantize(Decimal('0.01'))}" if Decimal(text) == Decimal(
            text).quantize(Decimal("0.01")) else text.rstrip("0")
    return text if len(text) <= 60 else text[:57] + "…"


def client_timeline(session: Session, party_id: int, *, limit: Any = None,
                    offset: Any = None) -> Page[dict[str, Any]]:
    """The client's history, newest first. Each entry: ``{"source", "id", "at", "kind",
    "user", "text", "document"?: {"type", "id", "title"}, "task_id"?, "interaction"?}``.
    ``source`` is ``interaction``, ``deal`` (opened), ``event`` (a transition, comment or
    task event of the workflow) or ``audit`` (a change of the data)."""
    from ordercraft.sdk.permissions import require_session_permission

    require_session_permission(session, "party.read")
    limit, offset = page_bounds(limit, offset)
    documents = client_documents(session, party_id)
    interactions = select(literal("interaction").label("source"), Interaction.id,
                          Interaction.at).where(Interaction.party_id == party_id)
    deals = select(literal("deal").label("source"), Deal.id, Deal.created_at.label("at")
                   ).where(Deal.party_id == party_id)
    document_match = [and_(WorkflowEvent.document_type == document_type,
                           WorkflowEvent.document_id.in_(ids))
                      for document_type, _model, ids in documents]
    linked_tasks = select(TaskLink.task_id).where(or_(*[
        and_(TaskLink.document_type == document_type, TaskLink.document_id.in_(ids))
        for document_type, _model, ids in documents])) if documents else None
    step_tasks = select(Interaction.task_id).where(Interaction.party_id == party_id,
                                                   Interaction.task_id.is_not(None))
    task_match = WorkflowEvent.task_id.in_(step_tasks)
    if linked_tasks is not None:
        task_match = or_(task_match, WorkflowEvent.task_id.in_(linked_tasks))
    events = select(literal("event").label("source"), WorkflowEvent.id, WorkflowEvent.at).where(
        or_(*document_match, and_(WorkflowEvent.document_type.is_(None), task_match)))
    audit_match = [
        and_(AuditEntry.entity == Party.__audit_entity__, AuditEntry.entity_id == str(party_id)),
        and_(AuditEntry.entity == Contact.__audit_entity__, AuditEntry.entity_id.in_(
            select(cast(Contact.id, String)).where(Contact.party_id == party_id))),
        and_(AuditEntry.entity == LegalEntity.__audit_entity__, AuditEntry.entity_id.in_(
            select(cast(LegalEntity.id, String)).where(LegalEntity.party_id == party_id))),
        # Creations of interactions and deals have entries of their own above.
        and_(AuditEntry.entity == Interaction.__audit_entity__, AuditEntry.action != "create",
             AuditEntry.entity_id.in_(select(cast(Interaction.id, String)).where(
                 Interaction.party_id == party_id))),
    ]
    machines = session_machines(session)
    for document_type, model, ids in documents:
        entity = machines[document_type].audit_entity or document_type
        condition = [AuditEntry.entity == entity,
                     AuditEntry.entity_id.in_(select(cast(model.id, String)).where(
                         model.id.in_(ids)))]
        if model is Deal:
            condition.append(AuditEntry.action != "create")
        # A transition has its own entry: the changes it makes are not repeated.
        condition += [AuditEntry.changes[key].as_string().is_(None)
                      for key in TRANSITION_FIELDS.get(document_type, ("state",))]
        audit_match.append(and_(*condition))
    audit = select(literal("audit").label("source"), AuditEntry.id, AuditEntry.at).where(
        or_(*audit_match))
    union = union_all(interactions, deals, events, audit).subquery()
    rows = session.execute(
        select(union.c.source, union.c.id, union.c.at, func.count().over().label("total"))
        .order_by(union.c.at.desc(), union.c.source.desc(), union.c.id.desc())
        .limit(limit).offset(offset)).all()
    if rows:
        total = int(rows[0].total)
    elif offset == 0:
        total = 0
    else:
        total = int(session.scalar(select(func.count()).select_from(union)) or 0)
    return Page(_entries(session, rows), total, limit, offset)


def _entries(session: Session, rows: list[Any]) -> list[dict[str, Any]]:
    wanted: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        wanted[row.source].append(row.id)
    loaded: dict[tuple[str, int], dict[str, Any]] = {}
    if wanted["interaction"]:
        for item in session.scalars(select(Interaction).where(
                Interaction.id.in_(wanted["interaction"]))):
            text = f"{item.kind_label}: {item.subject}"
            if item.outcome:
                text += f" — {item.outcome}"
            loaded["interaction", item.id] = {
                "kind": f"interaction_{item.kind}", "at": item.at,
                "user": item.manager.name if item.manager else None, "text": text,
                "interaction": {"id": item.id, "kind": item.kind, "subject": item.subject,
                                "outcome": item.outcome, "next_step": item.next_step,
                                "contact": item.contact.name if item.contact else None},
                "task_id": item.task_id,
                "document": {"type": "deal", "id": item.deal_id, "title": None}
                if item.deal_id else None}
    if wanted["deal"]:
        for deal in session.scalars(select(Deal).where(Deal.id.in_(wanted["deal"]))):
            loaded["deal", deal.id] = {
                "kind": "deal_opened", "at": deal.created_at,
                "user": deal.manager.name if deal.manager else None,
                "text": f"Deal opened: {deal.title} (expected {money(deal.amount):,})",
                "document": {"type": "deal", "id": deal.id, "title": deal.title}}
    if wanted["event"]:
        for event in session.scalars(select(WorkflowEvent).where(
                WorkflowEvent.id.in_(wanted["event"]))):
            loaded["event", event.id] = {
                "kind": event.kind, "at": event.at, "user": event.user_name or None,
                "text": event.text, "task_id": event.task_id, "data": event.data or {},
                "document": {"type": event.document_type, "id": event.document_id,
                             "title": None} if event.document_type else None}
    if wanted["audit"]:
        for entry in session.scalars(select(AuditEntry).where(
                AuditEntry.id.in_(wanted["audit"]))):
            loaded["audit", entry.id] = {
                "kind": f"audit_{entry.action}", "at": entry.at,
                "user": entry.user_name or None,
                "text": _audit_text(entry.entity, entry.action, entry.changes or {}),
                "entity": entry.entity}
    _name_documents(session, loaded.values())
    entries = []
    for row in rows:
        entry = loaded.get((row.source, row.id))
        if entry is None:
            continue
        at: datetime = entry.pop("at")
        entries.append({"source": row.source, "id": row.id,
                        "at": at.isoformat(timespec="seconds"), **entry})
    return entries


def _name_documents(session: Session, entries: Any) -> None:
    """Fill in the titles of the documents the entries point at (one query per type)."""
    missing: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        document = entry.get("document")
        if document and document.get("title") is None:
            missing[document["type"]].add(document["id"])
    if not missing:
        return
    machines = session_machines(session)
    titles: dict[tuple[str, int], str] = {}
    for document_type, ids in missing.items():
        machine = machines.get(document_type)
        if machine is None:
            continue
        for document in session.scalars(select(machine.model).where(
                machine.model.id.in_(sorted(ids)))):
            titles[document_type, document.id] = str(
                getattr(document, machine.title_field, None) or document.id)
    for entry in entries:
        document = entry.get("document")
        if document and document.get("title") is None:
            document["title"] = titles.get((document["type"], document["id"]),
                                           f"{document['type']} {document['id']}")
