"""``/api/v1/boms``, ``/api/v1/work-centres``, ``/api/v1/routings`` (technology maps)
and ``/api/v1/production-orders`` (+ workflow transitions)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import Field

from ordercraft.sdk.web import (
    API_PREFIX,
    InputModel,
    OutputModel,
    Page,
    PageQuery,
    api_route,
    page,
    request_session,
    workflow_routes,
)

bp = Blueprint("production_api", __name__, url_prefix=API_PREFIX)


class BomLineIn(InputModel):
    component: str = Field(min_length=1, max_length=64, description="The component's SKU.")
    qty: str = Field(min_length=1, max_length=30, description="Quantity per output (decimal).")
    unit: str | None = Field(None, max_length=20, description="Default: the component's.")
    scrap_pct: str | None = Field(None, max_length=12)
    kind: str | None = Field(None, description="component (default) or byproduct.")
    cost_share: str | None = Field(None, max_length=12, description="By-products: percent.")
    phantom: bool = False
    stage: int = Field(0, ge=0, le=100)


class BomIn(InputModel):
    item: str = Field(min_length=1, max_length=64)
    output_qty: str = Field("1", max_length=30)
    output_unit: str | None = Field(None, max_length=20)
    version: str | None = Field(None, max_length=20)
    valid_from: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    routing: str | None = Field(None, max_length=40)
    lines: list[BomLineIn] = Field(max_length=1000)


class BomLineOut(OutputModel):
    position: int
    component: str
    name: str
    qty: str
    unit: str
    base_qty: str
    base_unit: str
    scrap_pct: str
    kind: str
    cost_share: str
    phantom: bool
    stage: int


class BomOut(OutputModel):
    id: int
    item: str
    item_name: str
    version: str
    output_qty: str
    output_unit: str
    valid_from: str
    routing: str | None
    lines: list[BomLineOut]


class CostQuery(InputModel):
    method: str = Field("single", description="single or rolled")
    basis: str = Field("standard", description="standard or ledger")
    qty: str = Field("1", max_length=30)


class ExplodeQuery(InputModel):
    qty: str = Field("1", max_length=30)


class ProductionOrderIn(InputModel):
    item: str = Field(min_length=1, max_length=64)
    qty: str = Field(min_length=1, max_length=30)
    due_date: str | None = Field(None, max_length=10)
    warehouse: str | None = Field(None, max_length=32)
    output_warehouse: str | None = Field(None, max_length=32)
    source: str = Field("manual", max_length=60)
    material_overhead_pct: str | None = Field(
        None, max_length=30, description="Overhead on the components' value, percent "
                                         "(default: the site setting).")


class OrderQuery(PageQuery):
    state: str | None = Field(None, description="Only orders in this state.")


class ProductionOrderSummary(OutputModel):
    id: int
    number: str
    state: str
    item: str
    qty: str
    qty_done: str
    due_date: str | None
    source: str


class WorkCentreIn(InputModel):
    code: str = Field(min_length=1, max_length=32)
    name: str | None = Field(None, max_length=200)
    cost_per_hour: str = Field("0", max_length=30, description="Labour and machine, an hour.")
    overhead_pct: str = Field("0", max_length=30,
                              description="Overhead, percent of the operations' cost.")
    hours_per_day: str = Field("8", max_length=30)


class WorkCentreOut(OutputModel):
    code: str
    name: str
    cost_per_hour: str
    overhead_pct: str
    hours_per_day: str


class OperationIn(InputModel):
    work_centre: str = Field(min_length=1, max_length=32)
    name: str | None = Field(None, max_length=200)
    setup_min: str | None = Field(None, max_length=30)
    cleanup_min: str | None = Field(None, max_length=30)
    cycle_min: str | None = Field(None, max_length=30)
    units_per_cycle: str | None = Field(None, max_length=30)
    efficiency_pct: str | None = Field(None, max_length=30)
    stage: int = Field(0, ge=0, le=100)


class RoutingIn(InputModel):
    code: str = Field(min_length=1, max_length=40)
    item: str | None = Field(None, max_length=64, description="The product it is for.")
    name: str | None = Field(None, max_length=200)
    stocked_stages: list[int] = Field(default_factory=list, max_length=100,
                                      description="Stages whose nodes are stocked.")
    operations: list[OperationIn] = Field(min_length=1, max_length=200)


class OperationOut(OutputModel):
    position: int
    name: str
    work_centre: str
    cost_per_hour: str
    overhead_pct: str
    setup_min: str
    cleanup_min: str
    cycle_min: str
    units_per_cycle: str
    efficiency_pct: str
    stage: int


class RoutingOut(OutputModel):
    code: str
    name: str
    item: str | None
    stocked_stages: list[int]
    operations: list[OperationOut]


NOT_FOUND = {404: "No such item, BOM, work centre, technology map or production order."}


@api_route(bp, "/boms", methods=["POST"], permission="bom.write",
           body=BomIn, response=BomOut, status=201,
           errors=NOT_FOUND)
def create_bom(body: BomIn) -> Any:
    """Add (or replace) a BOM version of an item."""
    from ordercraft.plugins.production.boms import add_bom, bom_dict

    session = request_session()
    bom = add_bom(session, body.item, [line.model_dump() for line in body.lines],
                  output_qty=body.output_qty, output_unit=body.output_unit,
                  version=body.version, valid_from=body.valid_from, routing=body.routing)
    return bom_dict(session, bom)


@api_route(bp, "/boms/<sku>", permission="bom.read", response=BomOut, errors=NOT_FOUND)
def get_bom(sku: str) -> Any:
    """The active BOM of an item."""
    from ordercraft.plugins.production.boms import active_bom, bom_dict

    session = request_session()
    return bom_dict(session, active_bom(session, sku))


@api_route(bp, "/boms/<sku>/explosion", permission="bom.read", query=ExplodeQuery, errors=NOT_FOUND)
def explode_bom(sku: str, query: ExplodeQuery) -> Any:
    """The indented explosion of ``qty`` units (every level, base units, scrap included)."""
    from ordercraft.plugins.production.boms import explosion

    return {"item": sku, "qty": query.qty,
            "lines": explosion(request_session(), sku, query.qty)}


@api_route(bp, "/boms/<sku>/cost", permission="bom.read", query=CostQuery, errors=NOT_FOUND)
def bom_cost(sku: str, query: CostQuery) -> Any:
    """Planned cost: ``{"item", "method", "basis", "qty", "materials", "operations",
    "byproducts", "total", "per_unit"}`` with exact decimal strings."""
    from ordercraft.plugins.production.costing import plan_cost

    return plan_cost(request_session(), sku, method=query.method, basis=query.basis,
                     qty=query.qty)


@api_route(bp, "/boms/<sku>/where-used", permission="bom.read", errors=NOT_FOUND)
def bom_where_used(sku: str) -> Any:
    """The BOM versions that use the item."""
    from ordercraft.plugins.production.boms import where_used

    return where_used(request_session(), sku)


@api_route(bp, "/work-centres", permission="bom.read", response=list[WorkCentreOut])
def list_work_centres() -> Any:
    """Work centres by code."""
    from ordercraft.plugins.production.routings import list_work_centres, work_centre_dict

    return [work_centre_dict(c) for c in list_work_centres(request_session())]


@api_route(bp, "/work-centres", methods=["POST"], permission="bom.write", body=WorkCentreIn,
           response=WorkCentreOut, status=201, errors={409: "A work centre has this code."})
def create_work_centre(body: WorkCentreIn) -> Any:
    """Add a work centre."""
    from ordercraft.plugins.production.routings import add_work_centre, work_centre_dict

    return work_centre_dict(add_work_centre(
        request_session(), body.code, name=body.name, cost_per_hour=body.cost_per_hour,
        hours_per_day=body.hours_per_day, overhead_pct=body.overhead_pct))


@api_route(bp, "/routings", permission="bom.read", response=list[RoutingOut])
def list_routings() -> Any:
    """Technology maps by code, with their operations."""
    from ordercraft.plugins.production.routings import list_routings, routing_dict

    session = request_session()
    return [routing_dict(session, r) for r in list_routings(session)]


@api_route(bp, "/routings/<code>", permission="bom.read", response=RoutingOut,
           errors=NOT_FOUND)
def get_routing(code: str) -> Any:
    """One technology map."""
    from ordercraft.plugins.production.routings import get_routing, routing_dict

    session = request_session()
    return routing_dict(session, get_routing(session, code))


@api_route(bp, "/routings", methods=["POST"], permission="bom.write", body=RoutingIn,
           response=RoutingOut, status=201,
           errors={**NOT_FOUND, 409: "A technology map has this code."})
def create_routing(body: RoutingIn) -> Any:
    """Add a technology map: operations in order, each at a work centre."""
    from ordercraft.plugins.production.routings import add_routing, routing_dict

    session = request_session()
    return routing_dict(session, add_routing(
        session, body.code, [op.model_dump() for op in body.operations], item=body.item,
        name=body.name, stocked_stages=body.stocked_stages))


@api_route(bp, "/production-orders", permission="production.read", query=OrderQuery,
           response=Page[ProductionOrderSummary])
def list_production_orders(query: OrderQuery) -> Any:
    """Production orders, newest first."""
    from ordercraft.plugins.production.orders import _skus, list_orders, summary_dict

    session = request_session()
    found = list_orders(session, state=query.state, limit=query.limit, offset=query.offset)
    skus = _skus(session, {o.item_id for o in found.items}) if found.items else {}
    return page([summary_dict(o, skus[o.item_id].sku) for o in found.items], found.total,
                query)


@api_route(bp, "/production-orders", methods=["POST"], permission="production.write",
           body=ProductionOrderIn, status=201,
           errors=NOT_FOUND)
def create_production_order(body: ProductionOrderIn) -> Any:
    """Add a draft production order from the item's active BOM."""
    from ordercraft.plugins.production.orders import create_order, order_dict

    session = request_session()
    order = create_order(session, body.item, body.qty, due_date=body.due_date,
                         warehouse=body.warehouse, source=body.source,
                         output_warehouse=body.output_warehouse,
                         material_overhead_pct=body.material_overhead_pct)
    return order_dict(session, order)


@api_route(bp, "/production-orders/<int:order_id>", permission="production.read",
           errors=NOT_FOUND)
def get_production_order(order_id: int) -> Any:
    """One production order with its components, operations and postings."""
    from ordercraft.plugins.production.orders import get_order, order_dict

    session = request_session()
    return order_dict(session, get_order(session, order_id))


workflow_routes(bp, "production-orders", "production_order")
