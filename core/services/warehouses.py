"""Warehouses: the places stock is kept, each known by a short code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ordercraft.core.errors import Conflict, NotFound
from ordercraft.core.models import Warehouse
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.services import fields
from ordercraft.core.services.queries import (
    Page,
    contains_pattern,
    fold,
    fold_text,
    paginate,
    search_words,
)

WAREHOUSE_FIELDS = ("code", "name", "address", "active")

_CLEANERS = {
    "code": lambda v: fields.code(v, field="code", max_length=32),
    "name": lambda v: fields.text(v, field="name", max_length=200, required=True),
    "address": lambda v: fields.text(v, field="address", max_length=2000, multiline=True),
    "active": lambda v: fields.flag(v, field="active"),
}


def clean_warehouse_values(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    unknown = sorted(set(values) - set(WAREHOUSE_FIELDS))
    if unknown:
        raise fields.invalid(unknown[0], "not a field of a warehouse "
                             f"(fields: {', '.join(WAREHOUSE_FIELDS)})")
    clean = {key: _CLEANERS[key](value) for key, value in values.items() if value is not None}
    if not partial:
        for key in ("code", "name"):
            if key not in clean:
                clean[key] = _CLEANERS[key]("")
        clean.setdefault("address", "")
        clean.setdefault("active", True)
    return clean


def _flush(session: Session, code: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"warehouse {code!r} already exists", code="duplicate",
                       field="code") from None


def create_warehouse(session: Session, code: str, *, name: str | None = None,
                     address: str | None = None, active: Any = None) -> Warehouse:
    require_session_permission(session, "warehouse.write")
    values = clean_warehouse_values({"code": code, "name": name, "address": address,
                                     "active": active})
    if session.scalar(select(Warehouse.id).where(Warehouse.code == values["code"])) is not None:
        raise Conflict(f"warehouse {values['code']!r} already exists", code="duplicate",
                       field="code")
    warehouse = Warehouse(**values)
    session.add(warehouse)
    _flush(session, warehouse.code)
    return warehouse


def update_warehouse(session: Session, code: str, /, **changes: Any) -> Warehouse:
    """Change the given fields (``None`` = leave as is); ``code=`` renames the warehouse."""
    require_session_permission(session, "warehouse.write")
    warehouse = get_warehouse(session, code)
    values = clean_warehouse_values(changes, partial=True)
    new_code = values.get("code")
    if new_code is not None and new_code != warehouse.code and session.scalar(
            select(Warehouse.id).where(Warehouse.code == new_code)) is not None:
        raise Conflict(f"warehouse {new_code!r} already exists", code="duplicate", field="code")
    for key, value in values.items():
        setattr(warehouse, key, value)
    _flush(session, warehouse.code)
    return warehouse


def get_warehouse(session: Session, code: str) -> Warehouse:
    require_session_permission(session, "warehouse.read")
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        hint = session.scalar(select(Warehouse.code).where(
            fold(session, Warehouse.code) == fold_text(session, str(code))).limit(1))
        raise NotFound(f"warehouse {code!r} does not exist"
                       + (f" (did you mean {hint!r}?)" if hint else ""), field="code")
    return warehouse


def list_warehouses(session: Session, *, search: str | None = None, active: Any = None,
                    limit: Any = None, offset: Any = None) -> Page[Warehouse]:
    require_session_permission(session, "warehouse.read")
    query = select(Warehouse).order_by(Warehouse.code)
    if active is not None and active != "":
        query = query.where(Warehouse.active.is_(fields.flag(active, field="active")))
    for word in search_words(search):
        pattern = contains_pattern(fold_text(session, word))
        query = query.where(or_(fold(session, Warehouse.code).like(pattern, escape="\\"),
                                fold(session, Warehouse.name).like(pattern, escape="\\")))
    return paginate(session, query, limit, offset)


def warehouse_dict(warehouse: Warehouse) -> dict[str, Any]:
    return {"id": warehouse.id, "code": warehouse.code, "name": warehouse.name,
            "address": warehouse.address, "active": warehouse.active}
