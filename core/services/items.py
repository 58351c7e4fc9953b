"""Items: goods, components, assemblies and services, their unit and valuation policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ordercraft.core import custom_fields as custom
from ordercraft.core.db import utcnow
from ordercraft.core.errors import Conflict, NotFound, ValidationError
from ordercraft.core.models import Item
from ordercraft.core.models.entities import ITEM_KINDS, VALUATIONS
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.services import fields
from ordercraft.core.services.bulk import insert_audited
from ordercraft.core.services.queries import (
    Page,
    chunks,
    contains_pattern,
    fold,
    fold_text,
    paginate,
    search_words,
)
from ordercraft.core.types import MONEY_SCALE, QTY_SCALE

#: The fields a caller (CLI option, API body, spreadsheet column) may set.
ITEM_FIELDS = ("sku", "name", "kind", "unit", "unit_precision", "valuation", "price",
               "description", "active", "standard_cost")
ITEM_DEFAULTS: dict[str, Any] = {"kind": "good", "unit": "pc", "unit_precision": 0,
                                 "valuation": "fifo", "price": Decimal("0"), "description": "",
                                 "active": True, "standard_cost": None}

_CLEANERS = {
    "sku": lambda v: fields.code(v, field="sku", max_length=64),
    "name": lambda v: fields.text(v, field="name", max_length=200, required=True),
    "kind": lambda v: fields.choice(v, field="kind", choices=ITEM_KINDS),
    "unit": lambda v: fields.code(v, field="unit", max_length=20),
    "unit_precision": lambda v: fields.whole_number(v, field="unit_precision", minimum=0,
                                                    maximum=QTY_SCALE),
    "valuation": lambda v: fields.choice(v, field="valuation", choices=VALUATIONS),
    "price": lambda v: fields.decimal(v, field="price", places=MONEY_SCALE,
                                      minimum=Decimal("0")),
    "description": lambda v: fields.text(v, field="description", max_length=10_000,
                                         multiline=True),
    "active": lambda v: fields.flag(v, field="active"),
    # "" clears it (a partial update's None means "not given").
    "standard_cost": lambda v: None if isinstance(v, str) and not v.strip() else fields.decimal(
        v, field="standard_cost", places=MONEY_SCALE, minimum=Decimal("0")),
}


def clean_item_values(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validate item fields; ``None`` means "not given". Without ``partial`` the result
    has every field (defaults filled in) and ``sku`` and ``name`` are required."""
    unknown = sorted(set(values) - set(ITEM_FIELDS))
    if unknown:
        raise fields.invalid(unknown[0],
                             f"not a field of an item (fields: {', '.join(ITEM_FIELDS)})")
    given = {key: value for key, value in values.items() if value is not None}
    clean = {key: _CLEANERS[key](given[key]) for key in ITEM_FIELDS if key in given}
    if not partial:
        for key in ITEM_FIELDS:
            if key not in clean:
                clean[key] = _CLEANERS[key]("") if key in ("sku", "name") else ITEM_DEFAULTS[key]
    return clean


def _clean_attributes(attributes: Any) -> dict[str, Any]:
    if not isinstance(attributes, dict) or not all(isinstance(k, str) for k in attributes):
        raise fields.invalid("attributes", f"{attributes!r} is not a mapping of names to values")
    return attributes


def _flush(session: Session, sku: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        # Another transaction added the same SKU between our check and our insert.
        raise Conflict(f"item {sku!r} already exists", code="duplicate", field="sku") from None


def create_item(session: Session, sku: str, *, name: str | None = None, kind: str | None = None,
                unit: str | None = None, unit_precision: Any = None, valuation: str | None = None,
                price: Any = None, description: str | None = None, active: Any = None,
                standard_cost: Any = None, attributes: dict[str, Any] | None = None,
                custom_fields: Mapping[str, Any] | None = None, group: Any = None) -> Item:
    """A new item; ``custom_fields`` are the values of its custom fields (entity
    ``item``); ``group`` is its item group (id or name)."""
    require_session_permission(session, "item.write")
    values = clean_item_values({
        "sku": sku, "name": name, "kind": kind, "unit": unit, "unit_precision": unit_precision,
        "valuation": valuation, "price": price, "description": description, "active": active,
        "standard_cost": standard_cost})
    if session.scalar(select(Item.id).where(Item.sku == values["sku"])) is not None:
        raise Conflict(f"item {values['sku']!r} already exists", code="duplicate", field="sku")
    item = Item(**values, attributes=_clean_attributes(attributes or {}),
                group_id=_group_id(session, group))
    session.add(item)
    _flush(session, item.sku)
    custom.save_values(session, "item", item.id, custom_fields, creating=True)
    return item


def _group_id(session: Session, group: Any) -> int | None:
    from ordercraft.core.services.catalog import get_group

    if group is None or str(group).strip() == "":
        return None
    return get_group(session, group).id


def update_item(session: Session, sku: str, /, *, attributes: dict[str, Any] | None = None,
                custom_fields: Mapping[str, Any] | None = None, group: Any = None,
                **changes: Any) -> Item:
    """Change the given fields (``None`` = leave as is); ``sku=`` renames the item;
    ``custom_fields`` sets the custom field values given; ``group`` (id or name, ``""``
    for none) moves it to another item group."""
    require_session_permission(session, "item.write")
    item = get_item(session, sku)
    values = clean_item_values(changes, partial=True)
    new_sku = values.get("sku")
    if new_sku is not None and new_sku != item.sku:
        if session.scalar(select(Item.id).where(Item.sku == new_sku)) is not None:
            raise Conflict(f"item {new_sku!r} already exists", code="duplicate", field="sku")
    for key, value in values.items():
        setattr(item, key, value)
    if attributes is not None:
        item.attributes = _clean_attributes(attributes)
    if group is not None:
        item.group_id = _group_id(session, group)
    _flush(session, item.sku)
    if group is not None:
        session.expire(item, ["group"])  # the relationship follows the new group_id
    custom.save_values(session, "item", item.id, custom_fields, creating=False)
    return item


def get_item(session: Session, sku: str) -> Item:
    require_session_permission(session, "item.read")
    item = session.scalar(select(Item).where(Item.sku == sku))
    if item is None:
        hint = session.scalar(select(Item.sku).where(
            fold(session, Item.sku) == fold_text(session, str(sku))).limit(1))
        raise NotFound(f"item {sku!r} does not exist"
                       + (f" (did you mean {hint!r}?)" if hint else ""), field="sku")
    return item


def get_item_by_id(session: Session, item_id: int) -> Item:
    require_session_permission(session, "item.read")
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item with id {item_id} does not exist", field="id")
    return item


def items_by_sku(session: Session, skus: Iterable[str]) -> dict[str, Item]:
    """The items with these SKUs (missing ones are simply absent), in few queries."""
    require_session_permission(session, "item.read")
    found: dict[str, Item] = {}
    for batch in chunks(sorted(set(skus))):
        found.update((item.sku, item) for item in session.scalars(
            select(Item).where(Item.sku.in_(batch))))
    return found


def list_items(session: Session, *, search: str | None = None, kind: str | None = None,
               valuation: str | None = None, active: Any = None,
               custom_fields: Mapping[str, Any] | None = None, limit: Any = None,
               offset: Any = None, group: Any = None) -> Page[Item]:
    """Items ordered by SKU. ``search`` finds every word in the SKU or the name;
    ``custom_fields`` ``{name: value}`` must match; ``group`` (id or name) takes the
    items of that group and of the groups inside it."""
    from ordercraft.core.services.catalog import group_and_below

    require_session_permission(session, "item.read")
    query = select(Item).order_by(Item.sku)
    if group is not None and str(group).strip() != "":
        query = query.where(Item.group_id.in_(group_and_below(session, group)))
    if kind:
        query = query.where(Item.kind == fields.choice(kind, field="kind", choices=ITEM_KINDS))
    if valuation:
        query = query.where(Item.valuation == fields.choice(valuation, field="valuation",
                                                            choices=VALUATIONS))
    if active is not None and active != "":
        query = query.where(Item.active.is_(fields.flag(active, field="active")))
    for word in search_words(search):
        pattern = contains_pattern(fold_text(session, word))
        query = query.where(or_(fold(session, Item.sku).like(pattern, escape="\\"),
                                fold(session, Item.name).like(pattern, escape="\\")))
    query = query.where(*custom.filter_conditions(session, "item", Item.id, custom_fields))
    return paginate(session, query, limit, offset)


def check_quantity(item: Item, qty: Any, *, field: str = "qty") -> Decimal:
    """``qty`` as a Decimal, refused if it has more decimals than the item's unit allows
    (1.5 pieces, 0.0001 kg when the unit counts grams). The sign is the caller's business:
    an adjustment may be negative."""
    quantity = fields.decimal(qty, field=field, places=QTY_SCALE)
    precision = item.unit_precision or 0
    if quantity != quantity.quantize(Decimal(1).scaleb(-precision)):
        allowed = "whole numbers" if precision == 0 else f"{precision} decimal places"
        raise ValidationError(
            f"{field}: {qty!r} {item.unit} of item {item.sku!r} is not possible: its unit "
            f"allows {allowed}", field=field, code="bad_precision")
    return quantity.quantize(Decimal(1).scaleb(-precision))


def existing_skus(session: Session, skus: Iterable[str]) -> set[str]:
    """Which of these SKUs are taken (one query per 500)."""
    taken: set[str] = set()
    for batch in chunks(list(dict.fromkeys(skus))):
        taken.update(session.scalars(select(Item.sku).where(Item.sku.in_(batch))))
    return taken


def insert_items(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-insert cleaned rows (:func:`clean_item_values`), audited; the caller has
    checked that their SKUs are free. Returns the new ids."""
    require_session_permission(session, "item.write")
    now = utcnow()
    complete = [{**row, "attributes": {}, "created_at": now, "updated_at": now} for row in rows]
    try:
        return insert_audited(session, Item, complete, key="sku")
    except IntegrityError:
        raise Conflict("an item of the file was added by someone else meanwhile; nothing was "
                       "imported, try again", code="duplicate", field="sku") from None


def money_text(value: Decimal | None) -> str | None:
    """Exact, without the column's trailing zeros, but with at least cents: 9.5 -> "9.50"."""
    if value is None:
        return None
    normal = value.normalize()
    if normal.as_tuple().exponent > -2:  # type: ignore[operator]
        normal = value.quantize(Decimal("0.01"))
    return format(normal, "f")


def item_dict(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "sku": item.sku,
        "name": item.name,
        "kind": item.kind,
        "unit": item.unit,
        "unit_precision": item.unit_precision,
        "valuation": item.valuation,
        "price": money_text(item.price),
        "standard_cost": money_text(item.standard_cost),
        "description": item.description,
        "attributes": item.attributes or {},
        "active": item.active,
        "group": item.group.name if item.group is not None else None,
        "units": [{"unit": u.unit, "factor": format(u.factor.normalize(), "f")}
                  for u in item.units],
        "created_at": item.created_at.isoformat(timespec="seconds") if item.created_at else None,
        "updated_at": item.updated_at.isoformat(timespec="seconds") if item.updated_at else None,
        "custom_fields": custom.values_of(item),
    }
