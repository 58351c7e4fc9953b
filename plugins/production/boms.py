"""Bills of materials: add a version, import a CSV/XLSX file of lines, read the active
version, explode it, find where an item is used.

A BOM is written for ``output_qty`` units of the product (in ``output_unit``, converted
to the product's base unit); each line's quantity is per that output, in the line's unit
(converted to the component's base unit when saved). Adding a version whose components
would make the structure reach its own product is refused with the path named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.production.models import Bom, BomLine, Routing
from ordercraft.plugins.production.structure import (
    StructureReader,
    cycle_error,
    decimal_of,
    explode,
    find_cycle,
    text_of,
    touch_structure,
)
from ordercraft.plugins.production.units import factor
from ordercraft.sdk import validation
from ordercraft.sdk.errors import NotFound, ValidationError
from ordercraft.sdk.models import Item
from ordercraft.sdk.permissions import require_session_permission

ZERO = Decimal(0)
KINDS = ("component", "byproduct")
FIRST_DAY = date(2000, 1, 1)


@dataclass
class LineInput:
    """A BOM line as given (raw values, checked by :func:`add_bom`)."""

    component: Any
    qty: Any
    unit: Any = None
    scrap_pct: Any = None
    kind: Any = None
    cost_share: Any = None
    phantom: Any = None
    stage: Any = None


def _item(session: Session, sku: Any, field: str) -> Item:
    text = validation.text(sku, field=field, max_length=64, required=True)
    item = session.scalar(select(Item).where(Item.sku == text))
    if item is None:
        raise NotFound(f"{field}: item {text!r} does not exist", field=field)
    return item


def _positive(value: Any, field: str) -> Decimal:
    number = validation.decimal(value, field=field, places=6)
    if number is None or number <= 0:
        raise ValidationError(f"{field}: {value!r} must be more than zero", field=field)
    return number


def _percent(value: Any, field: str) -> Decimal:
    if value in (None, ""):
        return ZERO
    number = validation.decimal(value, field=field, places=4)
    if number is None or not ZERO <= number < 100:
        raise ValidationError(f"{field}: {value!r} is not a percentage from 0 to below 100",
                              field=field)
    return number


def _line(session: Session, raw: LineInput | dict[str, Any], prefix: str) -> BomLine:
    spec = raw if isinstance(raw, LineInput) else LineInput(**raw)
    component = _item(session, spec.component, f"{prefix}component")
    qty = _positive(spec.qty, f"{prefix}qty")
    unit = validation.text(spec.unit, field=f"{prefix}unit", max_length=20) or component.unit
    base = Fraction(qty) * factor(unit, component.unit, item=component.sku, field=f"{prefix}unit")
    kind = validation.choice(spec.kind or "component", field=f"{prefix}kind", choices=KINDS)
    share = _percent(spec.cost_share, f"{prefix}cost_share")
    if kind == "byproduct" and share == ZERO and spec.cost_share in (None, ""):
        raise ValidationError(f"{prefix}cost_share: a by-product ({component.sku!r}) needs its "
                              "share of the cost, percent", field=f"{prefix}cost_share")
    if kind == "component" and share:
        raise ValidationError(f"{prefix}cost_share: only by-products take a share of the cost",
                              field=f"{prefix}cost_share")
    stage = validation.whole_number(spec.stage, field=f"{prefix}stage", minimum=0) \
        if spec.stage not in (None, "") else 0
    phantom = validation.flag(spec.phantom, field=f"{prefix}phantom") \
        if spec.phantom not in (None, "") else False
    return BomLine(component_id=component.id, qty=qty, unit=unit, base_qty=decimal_of(base),
                   scrap_pct=_percent(spec.scrap_pct, f"{prefix}scrap_pct"), kind=kind,
                   cost_share=share, phantom=phantom, stage=stage or 0)


def add_bom(session: Session, product: Any, lines: Sequence[LineInput | dict[str, Any]], *,
            output_qty: Any = 1, output_unit: Any = None, version: Any = None,
            valid_from: Any = None, routing: Any = None) -> Bom:
    """Add (or replace) a version of ``product``'s BOM. Without ``version``, the next
    number; a version that exists is replaced whole. Refused: no lines, an output of zero,
    a unit that does not convert, a cycle (its path named)."""
    require_session_permission(session, "bom.write")
    item = _item(session, product, "product")
    output = _positive(output_qty, "output_qty")
    unit = validation.text(output_unit, field="output_unit", max_length=20) or item.unit
    factor(unit, item.unit, item=item.sku, field="output_unit")
    if not lines:
        raise ValidationError(f"lines: the BOM of {item.sku!r} has no component lines",
                              field="lines")
    built = [_line(session, raw, f"lines[{n}]." if len(lines) > 1 else "")
             for n, raw in enumerate(lines, 1)]
    if not any(line.kind == "component" for line in built):
        raise ValidationError(f"lines: the BOM of {item.sku!r} has only by-products",
                              field="lines")
    if sum((line.cost_share for line in built), ZERO) >= 100:
        raise ValidationError("cost_share: the by-products' shares add up to 100% or more",
                              field="cost_share")
    reader = StructureReader(session)
    path = find_cycle(reader, item.id, [line.component_id for line in built
                                        if line.kind == "component"])
    if path is not None:
        raise cycle_error(reader, path)
    name = validation.text(version, field="version", max_length=20)
    if not name:
        count = session.scalar(select(func.count()).where(Bom.item_id == item.id)) or 0
        name = str(count + 1)
    routing_id = None
    if routing not in (None, ""):
        found = session.scalar(select(Routing.id).where(Routing.code == str(routing)))
        if found is None:
            raise NotFound(f"routing: technology map {routing!r} does not exist",
                           field="routing")
        routing_id = found
    start = validation.day(valid_from, field="valid_from") or FIRST_DAY
    bom = session.scalar(select(Bom).where(Bom.item_id == item.id, Bom.version == name))
    if bom is None:
        bom = Bom(item_id=item.id, version=name)
        session.add(bom)
    bom.output_qty, bom.output_unit, bom.valid_from = output, unit, start
    if routing_id is not None:
        bom.routing_id = routing_id
    bom.lines = []
    session.flush()
    for position, line in enumerate(built, 1):
        line.position = position
        bom.lines.append(line)
    session.flush()
    touch_structure(session)
    return bom


def active_bom(session: Session, product: Any, on_date: date | None = None) -> Bom:
    require_session_permission(session, "bom.read")
    item = _item(session, product, "product")
    head = StructureReader(session, on_date).bom(item.id)
    bom = session.get(Bom, head.id) if head is not None else None
    if bom is None:
        raise NotFound(f"item {item.sku!r} has no BOM"
                       + (f" valid on {on_date.isoformat()}" if on_date else ""), field="item")
    return bom


def bom_dict(session: Session, bom: Bom) -> dict[str, Any]:
    reader = StructureReader(session)
    reader.load_items([bom.item_id, *(line.component_id for line in bom.lines)])
    product = reader.items[bom.item_id]
    routing = session.get(Routing, bom.routing_id) if bom.routing_id else None
    return {
        "id": bom.id, "item": product.sku, "item_name": product.name, "version": bom.version,
        "output_qty": text_of(bom.output_qty), "output_unit": bom.output_unit,
        "valid_from": bom.valid_from.isoformat(),
        "routing": routing.code if routing else None,
        "lines": [{"position": line.position, "component": reader.items[line.component_id].sku,
                   "name": reader.items[line.component_id].name, "qty": text_of(line.qty),
                   "unit": line.unit, "base_qty": text_of(line.base_qty),
                   "base_unit": reader.items[line.component_id].unit,
                   "scrap_pct": text_of(line.scrap_pct), "kind": line.kind,
                   "cost_share": text_of(line.cost_share), "phantom": line.phantom,
                   "stage": line.stage} for line in bom.lines],
    }


def versions(session: Session, product: Any) -> list[Bom]:
    require_session_permission(session, "bom.read")
    item = _item(session, product, "product")
    return list(session.scalars(select(Bom).where(Bom.item_id == item.id)
                                .order_by(Bom.valid_from, Bom.id)))


def explosion(session: Session, product: Any, qty: Any = 1,
              on_date: date | None = None) -> list[dict[str, Any]]:
    """The indented explosion of ``qty`` units: one row per line at every level, a parent
    before its components, quantities in each component's base unit, scrap included."""
    require_session_permission(session, "bom.read")
    item = _item(session, product, "product")
    amount = _positive(qty, "qty")
    reader = StructureReader(session, on_date)
    if reader.bom(item.id) is None:
        raise NotFound(f"item {item.sku!r} has no BOM", field="item")
    rows = explode(reader, item.id, Fraction(amount))
    return [{"level": node.level, "item": reader.items[node.item_id].sku,
             "name": reader.items[node.item_id].name, "kind": node.kind,
             "qty": text_of(node.qty), "unit": reader.items[node.item_id].unit,
             "scrap_pct": text_of(node.scrap_pct), "phantom": node.phantom,
             "has_bom": node.has_bom} for node in rows]


def where_used(session: Session, component: Any) -> list[dict[str, Any]]:
    """The BOM versions that use ``component`` directly, with the quantity per output."""
    require_session_permission(session, "bom.read")
    item = _item(session, component, "component")
    rows = session.execute(
        select(Item.sku, Item.name, Bom.version, Bom.valid_from, Bom.output_qty, Bom.output_unit,
               BomLine.qty, BomLine.unit, BomLine.kind)
        .join(Bom, Bom.id == BomLine.bom_id).join(Item, Item.id == Bom.item_id)
        .where(BomLine.component_id == item.id).order_by(Item.sku, Bom.valid_from, Bom.id))
    return [{"item": row.sku, "name": row.name, "version": row.version,
             "valid_from": row.valid_from.isoformat(), "output_qty": text_of(row.output_qty),
             "output_unit": row.output_unit, "qty": text_of(row.qty), "unit": row.unit,
             "kind": row.kind} for row in rows]


def has_bom(session: Session, item_id: int, on_date: date | None = None) -> bool:
    return StructureReader(session, on_date).bom(item_id) is not None


def item_ids(session: Session, skus: Iterable[str]) -> dict[str, int]:
    return dict(session.execute(select(Item.sku, Item.id).where(Item.sku.in_(list(skus))))
                .all())
