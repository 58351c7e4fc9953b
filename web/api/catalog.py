"""``/api/v1/warehouses`` and ``/api/v1/item-groups``: list, read, create, change (a
warehouse is deactivated by ``active: false``; an empty group can be removed), and an
item's other units (``/api/v1/items/<id>/units``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint
from pydantic import Field

from ordercraft.core.services import catalog, items, warehouses
from ordercraft.web.api import (
    API_PREFIX,
    InputModel,
    OutputModel,
    Page,
    PageQuery,
    api_route,
    page,
)
from ordercraft.web.extension import request_session

bp = Blueprint("api_catalog", __name__, url_prefix=API_PREFIX)


# --------------------------------------------------------------------------- warehouses


class WarehouseIn(InputModel):
    code: str = Field(min_length=1, max_length=32, description="Short code: no spaces.")
    name: str = Field(min_length=1, max_length=200)
    address: str = Field("", max_length=2000)


class WarehouseChanges(InputModel):
    """Only the fields sent change."""

    code: str | None = Field(None, min_length=1, max_length=32,
                             description="Renames the warehouse.")
    name: str | None = Field(None, min_length=1, max_length=200)
    address: str | None = Field(None, max_length=2000)
    active: bool | None = Field(None, description="An inactive warehouse takes no new stock.")


class WarehouseQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description="Words of the code or the name.")
    active: bool | None = None


class WarehouseOut(OutputModel):
    id: int
    code: str
    name: str
    address: str
    active: bool


WAREHOUSE_NOT_FOUND = {404: "No warehouse has this code."}


@api_route(bp, "/warehouses", permission="warehouse.read", query=WarehouseQuery,
           response=Page[WarehouseOut], tags=["warehouses"])
def list_warehouses(query: WarehouseQuery) -> dict[str, Any]:
    """List warehouses by code, filtered and paginated."""
    found = warehouses.list_warehouses(request_session(), search=query.q, active=query.active,
                                       limit=query.limit, offset=query.offset)
    return page([warehouses.warehouse_dict(w) for w in found.items], found.total, query)


@api_route(bp, "/warehouses/<code>", permission="warehouse.read", response=WarehouseOut,
           tags=["warehouses"], errors=WAREHOUSE_NOT_FOUND)
def get_warehouse(code: str) -> dict[str, Any]:
    """One warehouse."""
    return warehouses.warehouse_dict(warehouses.get_warehouse(request_session(), code))


@api_route(bp, "/warehouses", permission="warehouse.write", methods=["POST"],
           body=WarehouseIn, response=WarehouseOut, status=201, tags=["warehouses"],
           errors={409: "A warehouse has this code."})
def create_warehouse(body: WarehouseIn) -> dict[str, Any]:
    """Add a warehouse."""
    values = body.model_dump()
    return warehouses.warehouse_dict(warehouses.create_warehouse(
        request_session(), values.pop("code"), **values))


@api_route(bp, "/warehouses/<code>", permission="warehouse.write", methods=["PATCH"],
           body=WarehouseChanges, response=WarehouseOut, tags=["warehouses"],
           errors={**WAREHOUSE_NOT_FOUND, 409: "A warehouse has this code."})
def update_warehouse(code: str, body: WarehouseChanges) -> dict[str, Any]:
    """Change some fields of a warehouse; ``active: false`` deactivates it."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return warehouses.warehouse_dict(warehouses.update_warehouse(request_session(), code,
                                                                 **changes))


# --------------------------------------------------------------------------- item groups


class GroupIn(InputModel):
    name: str = Field(min_length=1, max_length=100)
    parent: str | None = Field(None, max_length=100,
                               description="The group it is inside (id or name); none: top.")


class GroupChanges(InputModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    parent: str | None = Field(None, max_length=100, description="Moves the group inside "
                                                                 "this one ('' : to the top).")


class GroupOut(OutputModel):
    id: int
    name: str
    parent_id: int | None
    path: str = Field(description="Names from the top: 'Furniture / Chairs'.")
    depth: int = 0
    items: int = Field(0, description="Items directly in this group.")


GROUP_NOT_FOUND = {404: "No item group has this id."}


@api_route(bp, "/item-groups", permission="item.read", response=list[GroupOut],
           tags=["items"])
def list_groups() -> list[dict[str, Any]]:
    """Every item group, depth-first (a tree: each after its parent)."""
    session = request_session()
    return [{**catalog.group_dict(session, group), "depth": depth, "items": count}
            for group, depth, count in catalog.group_tree(session)]


@api_route(bp, "/item-groups/<int:group_id>", permission="item.read", response=GroupOut,
           tags=["items"], errors=GROUP_NOT_FOUND)
def get_group(group_id: int) -> dict[str, Any]:
    """One item group."""
    session = request_session()
    return catalog.group_dict(session, catalog.get_group(session, group_id))


@api_route(bp, "/item-groups", permission="item.write", methods=["POST"], body=GroupIn,
           response=GroupOut, status=201, tags=["items"],
           errors={409: "A group has this name."})
def create_group(body: GroupIn) -> dict[str, Any]:
    """Add an item group."""
    session = request_session()
    return catalog.group_dict(session, catalog.create_group(session, body.name,
                                                            parent=body.parent))


@api_route(bp, "/item-groups/<int:group_id>", permission="item.write", methods=["PATCH"],
           body=GroupChanges, response=GroupOut, tags=["items"],
           errors={**GROUP_NOT_FOUND, 409: "A group has this name."})
def update_group(group_id: int, body: GroupChanges) -> dict[str, Any]:
    """Rename or move an item group."""
    session = request_session()
    sent = body.model_dump(exclude_unset=True)
    group = catalog.update_group(session, group_id, name=sent.get("name"),
                                 parent=sent.get("parent"), move="parent" in sent)
    return catalog.group_dict(session, group)


@api_route(bp, "/item-groups/<int:group_id>", permission="item.write", methods=["DELETE"],
           status=204, tags=["items"],
           errors={**GROUP_NOT_FOUND, 409: "The group holds items or groups."})
def delete_group(group_id: int) -> tuple[str, int]:
    """Remove an empty item group."""
    catalog.delete_group(request_session(), group_id)
    return "", 204


# --------------------------------------------------------------------------- units


class UnitIn(InputModel):
    unit: str = Field(min_length=1, max_length=20, description="e.g. box")
    factor: Decimal = Field(gt=0, max_digits=18, decimal_places=6,
                            description="How many of the item's own unit one holds: 12.")


class UnitOut(OutputModel):
    unit: str
    factor: Decimal
    base: str = Field(description="The item's own unit.")


@api_route(bp, "/items/<int:item_id>/units", permission="item.write", methods=["POST"],
           body=UnitIn, response=list[UnitOut], tags=["items"],
           errors={404: "No item has this id."})
def set_unit(item_id: int, body: UnitIn) -> list[dict[str, Any]]:
    """Add (or change) another unit the item is counted in; answers all its units."""
    session = request_session()
    item = items.get_item_by_id(session, item_id)
    catalog.set_unit(session, item.sku, body.unit, body.factor)
    return catalog.unit_dicts(item)


@api_route(bp, "/items/<int:item_id>/units/<unit>", permission="item.write",
           methods=["DELETE"], response=list[UnitOut], tags=["items"],
           errors={404: "No item has this id or unit."})
def remove_unit(item_id: int, unit: str) -> list[dict[str, Any]]:
    """Remove one of the item's other units; answers those left."""
    session = request_session()
    item = items.get_item_by_id(session, item_id)
    catalog.remove_unit(session, item.sku, unit)
    return catalog.unit_dicts(item)
