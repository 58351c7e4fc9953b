"""The catalogue's structure: item groups as a tree and the other units an item is
counted in (a ``box`` of 12 = 12 ``pc``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.core.errors import Conflict, NotFound, ValidationError
from ordercraft.core.models import Item, ItemGroup, ItemUnit
from ordercraft.core.permissions import require_session_permission
from ordercraft.core.services import fields
from ordercraft.core.types import QTY_SCALE

#: How deep the group tree may go (Furniture / Chairs / Office chairs / ...).
MAX_DEPTH = 8


# --------------------------------------------------------------------------- groups


def _group_name(value: Any) -> str:
    name = fields.text(value, field="name", max_length=100, required=True)
    if "/" in name:
        raise fields.invalid("name", f"{name!r} contains '/', which separates a group from "
                             "its parent in paths")
    return name


def get_group(session: Session, ref: Any) -> ItemGroup:
    """A group by id (a number) or by name."""
    require_session_permission(session, "item.read")
    group = None
    text = str(ref).strip()
    if text.isdigit():
        group = session.get(ItemGroup, int(text))
    if group is None:
        group = session.scalar(select(ItemGroup).where(ItemGroup.name == text))
    if group is None:
        raise NotFound(f"item group {text!r} does not exist", field="group")
    return group


def _parent(session: Session, parent: Any, group: ItemGroup | None) -> ItemGroup | None:
    if parent is None or str(parent).strip() == "":
        return None
    found = get_group(session, parent)
    # Walk up from the new parent: the group itself must not be above it.
    ancestor: ItemGroup | None = found
    depth = 1
    while ancestor is not None:
        if group is not None and ancestor.id == group.id:
            raise ValidationError(f"parent: {found.name!r} is inside {group.name!r}; a group "
                                  "cannot be put inside itself", field="parent")
        ancestor = session.get(ItemGroup, ancestor.parent_id) if ancestor.parent_id else None
        depth += 1
    if depth > MAX_DEPTH:
        raise ValidationError(f"parent: groups nest at most {MAX_DEPTH} deep", field="parent")
    return found


def _name_free(session: Session, name: str, group: ItemGroup | None) -> None:
    taken = session.scalar(select(ItemGroup.id).where(ItemGroup.name == name))
    if taken is not None and (group is None or taken != group.id):
        raise Conflict(f"item group {name!r} already exists", code="duplicate", field="name")


def create_group(session: Session, name: Any, *, parent: Any = None) -> ItemGroup:
    """A new group, at the top or inside ``parent`` (id or name)."""
    require_session_permission(session, "item.write")
    clean = _group_name(name)
    _name_free(session, clean, None)
    above = _parent(session, parent, None)
    group = ItemGroup(name=clean, parent_id=above.id if above else None)
    session.add(group)
    session.flush()
    return group


def update_group(session: Session, ref: Any, *, name: Any = None, parent: Any = None,
                 move: bool = False) -> ItemGroup:
    """Rename a group, or (``move=True``) put it under ``parent`` (``None``: the top)."""
    require_session_permission(session, "item.write")
    group = get_group(session, ref)
    if name is not None:
        clean = _group_name(name)
        _name_free(session, clean, group)
        group.name = clean
    if move:
        above = _parent(session, parent, group)
        group.parent_id = above.id if above else None
    session.flush()
    return group


def delete_group(session: Session, ref: Any) -> None:
    """Remove an empty group (no items, no groups inside)."""
    require_session_permission(session, "item.write")
    group = get_group(session, ref)
    items = session.scalar(select(func.count()).select_from(Item).where(
        Item.group_id == group.id)) or 0
    children = session.scalar(select(func.count()).select_from(ItemGroup).where(
        ItemGroup.parent_id == group.id)) or 0
    if items or children:
        raise Conflict(f"item group {group.name!r} holds {items} items and {children} groups; "
                       "move them first", code="not_empty", field="group")
    session.delete(group)
    session.flush()


def group_tree(session: Session) -> list[tuple[ItemGroup, int, int]]:
    """Every group depth-first by name: ``(group, depth from 0, items directly in it)``."""
    require_session_permission(session, "item.read")
    groups = list(session.scalars(select(ItemGroup).order_by(ItemGroup.name)))
    counts = dict(session.execute(select(Item.group_id, func.count()).where(
        Item.group_id.is_not(None)).group_by(Item.group_id)).all())
    children: dict[int | None, list[ItemGroup]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    tree: list[tuple[ItemGroup, int, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for group in children.get(parent, []):
            tree.append((group, depth, counts.get(group.id, 0)))
            walk(group.id, depth + 1)

    walk(None, 0)
    return tree


def group_and_below(session: Session, ref: Any) -> list[int]:
    """The ids of a group and of every group inside it (a list filter takes them all)."""
    top = get_group(session, ref)
    rows = session.execute(select(ItemGroup.id, ItemGroup.parent_id)).all()
    below: dict[int | None, list[int]] = {}
    for group_id, parent_id in rows:
        below.setdefault(parent_id, []).append(group_id)
    found, todo = [], [top.id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(below.get(current, []))
    return found


def group_path(session: Session, group: ItemGroup | None) -> str:
    """``Furniture / Chairs``: the group's name after its parents'."""
    names = []
    while group is not None:
        names.append(group.name)
        group = session.get(ItemGroup, group.parent_id) if group.parent_id else None
    return " / ".join(reversed(names))


#: The group of an item that is in no catalogue group.
NO_GROUP = "(no group)"


def item_group_names(session: Session) -> dict[int, str]:
    """``{item id: its group}`` for every item, for reports and analyses by item group:
    the name of its catalogue group; an item in none keeps the ``group`` attribute it may
    have been given before the catalogue had groups, else :data:`NO_GROUP`. One query."""
    rows = session.execute(select(Item.id, ItemGroup.name, Item.attributes)
                           .outerjoin(ItemGroup, ItemGroup.id == Item.group_id))
    return {item_id: name or str((attributes or {}).get("group") or NO_GROUP)
            for item_id, name, attributes in rows}


def group_dict(session: Session, group: ItemGroup) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "parent_id": group.parent_id,
            "path": group_path(session, group)}


# --------------------------------------------------------------------------- units


def _factor(value: Any) -> Decimal:
    factor = fields.decimal(value, field="factor", places=QTY_SCALE)
    if factor <= 0:
        raise fields.invalid("factor", f"{value!r} must be more than 0 (a box of 12 pc has "
                             "factor 12)")
    return factor


def set_unit(session: Session, sku: str, unit: Any, factor: Any) -> ItemUnit:
    """Count item ``sku`` in ``unit`` too: one ``unit`` is ``factor`` of its own unit."""
    from ordercraft.core.services.items import get_item

    require_session_permission(session, "item.write")
    item = get_item(session, sku)
    name = fields.code(unit, field="unit", max_length=20)
    if name == item.unit:
        raise fields.invalid("unit", f"{name!r} is the item's own unit")
    clean = _factor(factor)
    existing = next((u for u in item.units if u.unit == name), None)
    if existing is None:
        existing = ItemUnit(unit=name, factor=clean)
        item.units.append(existing)
    else:
        existing.factor = clean
    session.flush()
    return existing


def remove_unit(session: Session, sku: str, unit: str) -> None:
    from ordercraft.core.services.items import get_item

    require_session_permission(session, "item.write")
    item = get_item(session, sku)
    existing = next((u for u in item.units if u.unit == unit), None)
    if existing is None:
        raise NotFound(f"item {item.sku!r} has no unit {unit!r}", field="unit")
    item.units.remove(existing)
    session.flush()


def to_base_unit(item: Item, qty: Any, unit: str | None) -> Decimal:
    """``qty`` ``unit`` of ``item`` in the item's own unit: 2 box = 24 pc."""
    quantity = fields.decimal(qty, field="qty", places=QTY_SCALE)
    if not unit or unit == item.unit:
        return quantity
    for other in item.units:
        if other.unit == unit:
            return quantity * other.factor
    known = ", ".join([item.unit, *(u.unit for u in item.units)])
    raise fields.invalid("unit", f"item {item.sku!r} is not counted in {unit!r} (units: "
                         f"{known})")


def unit_dicts(item: Item) -> list[dict[str, Any]]:
    return [{"unit": u.unit, "factor": format(u.factor.normalize(), "f"), "base": item.unit}
            for u in item.units]
