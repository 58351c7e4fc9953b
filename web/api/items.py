"""``/api/v1/items``: list (filters, pagination), read, create, update."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from ordercraft.core.services import items
from ordercraft.web.api import (
    API_PREFIX,
    InputModel,
    OutputModel,
    Page,
    PageQuery,
    api_route,
    custom_field_filters,
    custom_fields_member,
    page,
)
from ordercraft.web.extension import request_session

bp = Blueprint("api_items", __name__, url_prefix=API_PREFIX)

ItemKind = Literal["good", "component", "assembly", "service"]
Valuation = Literal["fifo", "average"]
NOT_FOUND = {404: "No item has this id."}


class ItemIn(InputModel):
    sku: str = Field(min_length=1, max_length=64, description="Stock-keeping unit: no spaces.")
    name: str = Field(min_length=1, max_length=200)
    kind: ItemKind = "good"
    unit: str = Field("pc", min_length=1, max_length=20, description="Unit of measure.")
    unit_precision: int = Field(0, ge=0, le=6, description="Decimal places of a quantity.")
    valuation: Valuation = "fifo"
    price: Decimal = Field(Decimal(0), ge=0, max_digits=18, decimal_places=6,
                           description="List price per unit.")
    standard_cost: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6,
                                          description="What a unit should cost (planned "
                                                      "costing may use it).")
    description: str = Field("", max_length=10_000)
    group: str | None = Field(None, max_length=100, description="Its item group (id or name).")
    custom_fields: dict[str, Any] = custom_fields_member("item", "create")


class ItemChanges(InputModel):
    """Only the fields sent change."""

    sku: str | None = Field(None, min_length=1, max_length=64, description="Renames the item.")
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: ItemKind | None = None
    unit: str | None = Field(None, min_length=1, max_length=20)
    unit_precision: int | None = Field(None, ge=0, le=6)
    valuation: Valuation | None = None
    price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6)
    standard_cost: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6,
                                          description="null clears it.")
    description: str | None = Field(None, max_length=10_000)
    active: bool | None = Field(None, description="An inactive item is kept but no longer "
                                                  "offered.")
    group: str | None = Field(None, max_length=100,
                              description="Moves it to this item group (id or name; '': none).")
    custom_fields: dict[str, Any] = custom_fields_member("item", "change")


class ItemQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description="Words of the SKU or the name.")
    kind: ItemKind | None = None
    valuation: Valuation | None = None
    active: bool | None = None
    group: str | None = Field(None, max_length=100, description="Items of this group (id or "
                                                               "name) and the groups inside it.")
    cf: dict[str, str] = custom_field_filters("item")


class ItemOut(OutputModel):
    id: int
    sku: str
    name: str
    kind: ItemKind
    unit: str
    unit_precision: int
    valuation: Valuation
    price: Decimal
    standard_cost: Decimal | None
    description: str
    attributes: dict[str, Any]
    active: bool
    group: str | None = Field(None, description="The item group's name.")
    units: list[dict[str, str]] = Field(default_factory=list, description="Other units: "
                                        "[{unit: 'box', factor: '12'}] (1 box = 12 of unit).")
    created_at: datetime | None
    updated_at: datetime | None
    custom_fields: dict[str, Any] = custom_fields_member("item")


@api_route(bp, "/items",
           permission="item.read", query=ItemQuery, response=Page[ItemOut], tags=["items"])
def list_items(query: ItemQuery) -> dict[str, Any]:
    """List items by SKU, filtered and paginated."""
    found = items.list_items(request_session(), search=query.q, kind=query.kind,
                             valuation=query.valuation, active=query.active,
                             group=query.group, custom_fields=query.cf, limit=query.limit, offset=query.offset)
    return page([items.item_dict(i) for i in found.items], found.total, query)


@api_route(bp, "/items/<int:item_id>",
           permission="item.read", response=ItemOut, tags=["items"], errors=NOT_FOUND)
def get_item(item_id: int) -> dict[str, Any]:
    """One item."""
    return items.item_dict(items.get_item_by_id(request_session(), item_id))


@api_route(bp, "/items",
           permission="item.write", methods=["POST"], body=ItemIn, response=ItemOut, status=201,
           tags=["items"], errors={409: "An item has this SKU."})
def create_item(body: ItemIn) -> dict[str, Any]:
    """Add an item."""
    values = body.model_dump()
    return items.item_dict(items.create_item(request_session(), values.pop("sku"), **values))


@api_route(bp, "/items/<int:item_id>",
           permission="item.write", methods=["PATCH"], body=ItemChanges, response=ItemOut,
           tags=["items"], errors={**NOT_FOUND, 409: "An item has this SKU."})
def update_item(item_id: int, body: ItemChanges) -> dict[str, Any]:
    """Change some fields of an item."""
    session = request_session()
    item = items.get_item_by_id(session, item_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "standard_cost" in body.model_fields_set and body.standard_cost is None:
        changes["standard_cost"] = ""  # null clears it
    return items.item_dict(items.update_item(session, item.sku, **changes))
