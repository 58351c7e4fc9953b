"""Saved classifications (snapshots) of the site's sales, and the client rule
``abc_class`` that selects clients by the latest one ("A clients").

``ordercraft analysis abc --by client --save`` runs the analysis and saves its classes;
the service ``analysis.classes`` then answers from the latest snapshot of items or
clients (a stable classification), and only computes one when none was saved.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select

from ordercraft.sdk.errors import ValidationError
from ordercraft.sdk.permissions import require_session_permission

from .models import Snapshot, SnapshotClass
from .service import READ, SAVED_KINDS, query_document
from .site import SalesQuery, object_labels

WRITE = "analysis.write"


def save_snapshot(session: Any, kind: str, query: SalesQuery, document: dict[str, Any],
                  options: dict[str, Any]) -> Snapshot:
    """Save the classes of ``document`` (an ``abc`` or ``abcxyz`` document of the site's
    sales selected by ``query``); objects without a class are left out."""
    require_session_permission(session, WRITE)
    if kind not in SAVED_KINDS:
        raise ValidationError(f"save: only {' and '.join(SAVED_KINDS)} classes are saved, "
                              f"not {kind}", field="save")
    ids = {label: object_id for object_id, label in
           sorted(object_labels(session, query.by).items(), reverse=True)}
    user = session.info.get("user")
    snapshot = Snapshot(kind=kind, by=query.by, date_from=query.date_from,
                        date_to=query.date_to,
                        parameters={**query_document(query),
                                    **{name: str(value) for name, value in options.items()
                                       if value is not None}},
                        user_name=getattr(user, "name", "") or "")
    session.add(snapshot)
    session.flush()
    session.add_all(
        SnapshotClass(snapshot_id=snapshot.id, object_id=ids[item["key"]], key=item["key"],
                      value_class=_class_of(kind, item))
        for item in document["items"] if _class_of(kind, item) and item["key"] in ids)
    session.flush()
    return snapshot


def _class_of(kind: str, item: dict[str, Any]) -> str:
    if kind == "abc":
        return item.get("class") or ""
    return (item.get("abc") or "") + (item.get("xyz") or "") if item.get("abc") else ""


def latest_snapshot_id(session: Any, by: str) -> int | None:
    return session.scalar(select(Snapshot.id).where(Snapshot.by == by)
                          .order_by(Snapshot.id.desc()).limit(1))


def saved_classes(session: Any, by: str) -> dict[int, str] | None:
    """``{object id: class}`` of the latest snapshot of ``by`` objects, or ``None``."""
    require_session_permission(session, READ)
    snapshot_id = latest_snapshot_id(session, by)
    if snapshot_id is None:
        return None
    return {row[0]: row[1] for row in session.execute(
        select(SnapshotClass.object_id, SnapshotClass.value_class)
        .where(SnapshotClass.snapshot_id == snapshot_id))}


def add_abc_class_rule(registry: Any) -> None:
    """crm's client rule ``abc_class = a``: the clients of that ABC class in the latest
    snapshot of clients (none while no snapshot of clients is saved)."""
    registry.add("abc_class", "ABC class (latest saved analysis)", _in_class,
                 value_type="choice", choices=("a", "b", "c"), example="a")


def _in_class(ctx: Any) -> ColumnElement[bool]:
    from ordercraft.sdk.models import Party

    latest = (select(Snapshot.id).where(Snapshot.by == "client")
              .order_by(Snapshot.id.desc()).limit(1).scalar_subquery())
    return Party.id.in_(select(SnapshotClass.object_id).where(
        SnapshotClass.snapshot_id == latest,
        SnapshotClass.value_class.like(f"{str(ctx.value).upper()}%")))
