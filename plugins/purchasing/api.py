"""purchasing's JSON API: ``/api/v1/supplier-prices`` (the product matrix, the best
offer, price-list import), ``/api/v1/purchase-requests`` (generate by route, review,
order) and ``/api/v1/purchase-orders`` (entry, sending, receiving, returns, transitions)."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from ordercraft.sdk.web import (
    API_PREFIX,
    InputModel,
    OutputModel,
    Page,
    PageQuery,
    api_route,
    request_session,
    workflow_routes,
)

bp = Blueprint("purchasing_api", __name__, url_prefix=API_PREFIX)
TAGS = ["purchasing"]
Route = Literal["shortages", "sales", "invoices", "abc"]


def _page(found: Any, convert: Any) -> dict[str, Any]:
    return {"items": [convert(item) for item in found.items], "total": found.total,
            "limit": found.limit, "offset": found.offset}


# --------------------------------------------------------------------------- matrix


class PriceBreakIO(InputModel):
    min_qty: Decimal = Field(gt=0, max_digits=18, decimal_places=6)
    price: Decimal = Field(ge=0, max_digits=18, decimal_places=6)


class OfferIn(InputModel):
    item: str = Field(min_length=1, max_length=64, description="The item's SKU.")
    supplier: int | str = Field(description="The supplier's party id or name.")
    price: Decimal = Field(ge=0, max_digits=18, decimal_places=6)
    currency: str | None = Field(None, min_length=3, max_length=3,
                                 description="Default: the purchasing currency setting.")
    supplier_sku: str = Field("", max_length=64)
    supplier_name: str = Field("", max_length=200)
    min_qty: Decimal = Field(Decimal(0), ge=0, max_digits=18, decimal_places=6)
    multiple: Decimal | None = Field(None, max_digits=18, decimal_places=6,
                                     description="Order in multiples of this (> 0).")
    lead_time_days: int = Field(0, description="Days from order to delivery (0 or more).")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    preferred: bool = False
    attributes: dict[str, str] = Field(default_factory=dict,
                                       description="Characteristics (brand, grade).")
    breaks: list[PriceBreakIO] = Field(default_factory=list, max_length=50)


class BreakOut(OutputModel):
    min_qty: Decimal
    price: Decimal


class OfferOut(OutputModel):
    id: int
    item: str
    item_name: str
    supplier: str
    supplier_id: int
    supplier_sku: str
    supplier_name: str
    price: Decimal
    currency: str
    min_qty: Decimal
    multiple: Decimal | None
    lead_time_days: int
    valid_from: dt.date | None
    valid_to: dt.date | None
    preferred: bool
    attributes: dict[str, Any]
    breaks: list[BreakOut]
    superseded_at: datetime | None


class OfferQuery(PageQuery):
    item: str | None = Field(None, max_length=64)
    supplier: str | None = Field(None, max_length=200)
    history: bool = Field(False, description="Include superseded offers.")


class HistoryQuery(InputModel):
    item: str = Field(min_length=1, max_length=64)
    supplier: str | None = Field(None, max_length=200)


class HistoryOut(OfferOut):
    recorded_at: datetime
    live: bool
    change: Decimal | None = Field(description="Against the supplier's previous price.")


class BestQuery(InputModel):
    item: str = Field(min_length=1, max_length=64)
    qty: Decimal = Field(gt=0, max_digits=18, decimal_places=6)
    date: dt.date | None = None


class BestOut(OutputModel):
    item: str
    offer: int
    supplier: str
    supplier_id: int
    price: Decimal
    currency: str
    lead_time_days: int
    min_qty: Decimal
    multiple: Decimal | None
    order_qty: Decimal = Field(description="The need raised to the minimum and multiple.")
    valid_to: dt.date | None
    explanation: str


class ImportIn(InputModel):
    csv: str = Field(min_length=1, max_length=5_000_000,
                     description="The price list as CSV text (the import's columns).")
    supplier: int | str | None = Field(None, description="For rows naming no supplier.")


class ImportOut(OutputModel):
    imported: int


@api_route(bp, "/supplier-prices", permission="purchasing.read",
           query=OfferQuery, response=Page[OfferOut], tags=TAGS)
def list_prices(query: OfferQuery) -> Any:
    """List the product matrix's offers."""
    from ordercraft.plugins.purchasing.matrix import list_offers, offer_dict

    return _page(list_offers(request_session(), item=query.item, supplier=query.supplier,
                             history=query.history, limit=query.limit, offset=query.offset),
                 offer_dict)


@api_route(bp, "/supplier-prices", permission="purchasing.write",
           methods=["POST"], body=OfferIn, response=OfferOut,
           status=201, tags=TAGS)
def add_price(body: OfferIn) -> Any:
    """Add an offer (it supersedes the live one of the same item, supplier, supplier SKU
    and start)."""
    from ordercraft.plugins.purchasing.matrix import add_offer, offer_dict

    values = body.model_dump()
    values["sku"] = values.pop("item")
    values["breaks"] = [{"min_qty": b.min_qty, "price": b.price} for b in body.breaks]
    return offer_dict(add_offer(request_session(), values))


@api_route(bp, "/supplier-prices/best", permission="purchasing.read",
           query=BestQuery, response=BestOut,
           errors={404: "No valid offer for the item on the date."}, tags=TAGS)
def best_price(query: BestQuery) -> Any:
    """The best valid offer for a quantity of an item on a date, explained."""
    from ordercraft.plugins.purchasing.matrix import best_offer

    return best_offer(request_session(), query.item, query.qty, query.date).to_dict()


@api_route(bp, "/supplier-prices/history", permission="purchasing.read",
           query=HistoryQuery, response=list[HistoryOut], tags=TAGS)
def price_history(query: HistoryQuery) -> Any:
    """Every price an item was offered at, superseded ones included, per supplier oldest
    first, with the change against the supplier's previous price."""
    from ordercraft.plugins.purchasing.matrix import price_history as history

    return history(request_session(), query.item, supplier=query.supplier)


@api_route(bp, "/supplier-prices/import", permission="purchasing.write",
           methods=["POST"], body=ImportIn,
           response=ImportOut, tags=TAGS)
def import_prices(body: ImportIn) -> Any:
    """Import a price list: every row or none (422 lists every bad row)."""
    from ordercraft.plugins.purchasing.matrix import import_offers, read_price_list

    rows = read_price_list(body.csv.encode(), "prices.csv")
    return {"imported": len(import_offers(request_session(), rows, supplier=body.supplier))}


# --------------------------------------------------------------------------- requests


class SourceOut(OutputModel):
    ref: str
    qty: str


class RequestLineOut(OutputModel):
    id: int
    item: str
    item_name: str
    supplier: str | None
    qty: Decimal
    need: Decimal
    price: Decimal | None
    currency: str | None
    due_date: dt.date | None
    sources: list[SourceOut]
    status: str
    note: str


class RequestOut(OutputModel):
    id: int
    number: str
    route: str
    parameters: dict[str, Any]
    user: str
    created_at: datetime
    lines_count: int
    lines: list[RequestLineOut] = Field(default_factory=list)


class GenerateIn(InputModel):
    route: Route
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    cover_days: int | None = Field(None, ge=1, le=3650)
    group: str | None = Field(None, max_length=100)
    classes: str | None = Field(None, max_length=3)
    supplier: int | str | None = None
    min_value: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    date: dt.date | None = Field(None, description="The day the request is for (default today).")


class RequestQuery(PageQuery):
    route: Route | None = None


class LineChanges(InputModel):
    qty: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=6)
    supplier: int | str | None = None
    price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6)
    due_date: dt.date | None = None
    drop: bool = False


class OrderRequestIn(InputModel):
    lines: list[int] = Field(default_factory=list, description="Only these lines.")
    warehouse: str | None = Field(None, max_length=32)


@api_route(bp, "/purchase-requests", permission="purchasing.read",
           query=RequestQuery, response=Page[RequestOut], tags=TAGS)
def list_requests_api(query: RequestQuery) -> Any:
    """The request log, newest first (lines left out: read one request for them)."""
    from ordercraft.plugins.purchasing.requests import list_requests, request_dict

    return _page(list_requests(request_session(), route=query.route, limit=query.limit,
                               offset=query.offset), lambda r: request_dict(r, full=False))


@api_route(bp, "/purchase-requests", permission="purchasing.write",
           methods=["POST"], body=GenerateIn, response=RequestOut,
           status=201, tags=TAGS)
def generate_api(body: GenerateIn) -> Any:
    """Generate a supplier request by a route; it is logged with its parameters."""
    from ordercraft.plugins.purchasing.requests import generate, request_dict

    return request_dict(generate(request_session(), body.route, date_from=body.date_from,
                                 date_to=body.date_to, cover_days=body.cover_days,
                                 group=body.group, classes=body.classes,
                                 supplier=body.supplier, min_value=body.min_value,
                                 on=body.date))


@api_route(bp, "/purchase-requests/<int:request_id>", permission="purchasing.read",
           response=RequestOut,
           errors={404: "No request has this id."}, tags=TAGS)
def get_request_api(request_id: int) -> Any:
    """One request with its lines."""
    from ordercraft.plugins.purchasing.requests import get_request, request_dict

    return request_dict(get_request(request_session(), request_id))


@api_route(bp, "/purchase-requests/lines/<int:line_id>", permission="purchasing.write",
           methods=["PATCH"], body=LineChanges,
           response=RequestLineOut, errors={404: "No request line has this id.",
                                            409: "The line was ordered or dropped already."},
           tags=TAGS)
def edit_request_line(line_id: int, body: LineChanges) -> Any:
    """Review a proposed line: change it, or drop it."""
    from ordercraft.plugins.purchasing.requests import edit_line, request_line_dict

    return request_line_dict(edit_line(request_session(), line_id, qty=body.qty,
                                       supplier=body.supplier, price=body.price,
                                       due_date=body.due_date, drop=body.drop))


# --------------------------------------------------------------------------- orders


class POLineIn(InputModel):
    item: str = Field(min_length=1, max_length=64)
    qty: Decimal = Field(gt=0, max_digits=18, decimal_places=6)
    price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6,
                                  description="Default: the supplier's offer.")
    expected_date: dt.date | None = None


class POIn(InputModel):
    supplier: int | str
    lines: list[POLineIn] = Field(default_factory=list, max_length=500)
    warehouse: str | None = Field(None, max_length=32)
    currency: str | None = Field(None, min_length=3, max_length=3)
    order_date: dt.date | None = None
    expected_date: dt.date | None = None
    notes: str = Field("", max_length=10_000)


class POLineOut(OutputModel):
    id: int
    position: int
    item: str
    item_name: str
    unit: str
    qty: Decimal
    price: Decimal
    received: Decimal
    open: Decimal
    expected_date: dt.date | None
    sources: list[SourceOut]


class ReceiptLineOut(OutputModel):
    line: int
    qty: Decimal
    unit_cost: Decimal


class ReceiptOut(OutputModel):
    id: int
    number: str
    kind: str
    date: dt.date
    stock_document: int | None
    extra_cost: Decimal
    spread: str
    lines: list[ReceiptLineOut]


class POOut(OutputModel):
    id: int
    number: str
    state: str
    supplier: str
    supplier_id: int
    currency: str
    order_date: dt.date
    expected_date: dt.date | None
    supplier_date: dt.date | None
    total: Decimal
    sent_at: datetime | None
    sent_to: str
    notes: str = ""
    cancel_reason: str = ""
    lines: list[POLineOut] = Field(default_factory=list)
    receipts: list[ReceiptOut] = Field(default_factory=list)


class POQuery(PageQuery):
    state: list[str] = Field(default_factory=list)
    supplier: str | None = Field(None, max_length=200)


class SendIn(InputModel):
    to: str | None = Field(None, max_length=200, description="Default: the supplier's.")
    pdf: bool = Field(True, description="Attach the order's PDF.")


class ReceiveLineIn(InputModel):
    line: int | str = Field(description="The line number or the item's SKU.")
    qty: Decimal = Field(gt=0, max_digits=18, decimal_places=6)


class ReceiveIn(InputModel):
    lines: list[ReceiveLineIn] = Field(default_factory=list,
                                       description="None: everything still open.")
    date: dt.date | None = None
    extra_cost: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    spread: Literal["value", "quantity"] = "value"


class ReturnIn(InputModel):
    lines: list[ReceiveLineIn] = Field(min_length=1)
    date: dt.date | None = None
    reason: str = Field("", max_length=500)


NOT_FOUND = {404: "No purchase order has this id."}


def _order_body(order_id: int) -> dict[str, Any]:
    from ordercraft.plugins.purchasing.orders import get_order, order_dict

    session = request_session()
    session.flush()
    return order_dict(get_order(session, order_id))


@api_route(bp, "/purchase-orders", permission="purchasing.read",
           query=POQuery, response=Page[POOut], tags=TAGS)
def list_pos(query: POQuery) -> Any:
    """List purchase orders, newest first."""
    from ordercraft.plugins.purchasing.orders import list_orders, order_dict

    return _page(list_orders(request_session(), state=query.state, supplier=query.supplier,
                             limit=query.limit, offset=query.offset),
                 lambda o: order_dict(o, full=False))


@api_route(bp, "/purchase-orders", permission="purchasing.write",
           methods=["POST"], body=POIn, response=POOut, status=201,
           tags=TAGS)
def create_po(body: POIn) -> Any:
    """Enter a draft purchase order."""
    from ordercraft.plugins.purchasing.orders import create_order

    order = create_order(request_session(), body.supplier, warehouse=body.warehouse,
                         currency=body.currency, order_date=body.order_date,
                         expected_date=body.expected_date, notes=body.notes,
                         lines=[line.model_dump() for line in body.lines])
    return _order_body(order.id)


@api_route(bp, "/purchase-orders/<int:order_id>", permission="purchasing.read",
           response=POOut, errors=NOT_FOUND, tags=TAGS)
def get_po(order_id: int) -> Any:
    """One purchase order with its lines and receipts."""
    return _order_body(order_id)


@api_route(bp, "/purchase-orders/<int:order_id>/lines", permission="purchasing.write",
           methods=["POST"], body=POLineIn,
           response=POOut, status=201, errors={**NOT_FOUND, 409: "Not a draft."}, tags=TAGS)
def add_po_line(order_id: int, body: POLineIn) -> Any:
    """Add a line to a draft purchase order."""
    from ordercraft.plugins.purchasing.orders import add_line, get_order

    session = request_session()
    add_line(session, get_order(session, order_id), body.item, body.qty, body.price,
             body.expected_date)
    return _order_body(order_id)


@api_route(bp, "/purchase-orders/<int:order_id>/send", permission="purchasing.write",
           methods=["POST"], body=SendIn,
           response=POOut, errors={**NOT_FOUND, 409: "Not a draft, or it has no lines."},
           tags=TAGS)
def send_po(order_id: int, body: SendIn) -> Any:
    """Send the order to the supplier: e-mail with the PDF and a CSV of the lines."""
    from ordercraft.plugins.purchasing.orders import get_order
    from ordercraft.plugins.purchasing.sending import order_pdf, send_order
    from ordercraft.sdk.plugins import site_platform

    session = request_session()
    order = get_order(session, order_id)
    pdf = order_pdf(site_platform(session), order.id) if body.pdf else None
    send_order(session, order, pdf=pdf, to=body.to)
    return _order_body(order_id)


@api_route(bp, "/purchase-orders/<int:order_id>/receipts", permission="purchasing.receive",
           methods=["POST"], body=ReceiveIn,
           response=POOut, status=201,
           errors={**NOT_FOUND, 409: "Nothing can be received against the order (state)."},
           tags=TAGS)
def receive_po(order_id: int, body: ReceiveIn) -> Any:
    """Receive goods into stock at the order's prices, extra costs spread."""
    from ordercraft.plugins.purchasing.orders import get_order, receive_order

    session = request_session()
    receive_order(session, get_order(session, order_id),
                  lines=[line.model_dump() for line in body.lines] or None, on=body.date,
                  extra_cost=body.extra_cost, spread=body.spread)
    return _order_body(order_id)


@api_route(bp, "/purchase-orders/<int:order_id>/returns", permission="purchasing.receive",
           methods=["POST"], body=ReturnIn,
           response=POOut, status=201, errors=NOT_FOUND, tags=TAGS)
def return_po(order_id: int, body: ReturnIn) -> Any:
    """Return received goods to the supplier."""
    from ordercraft.plugins.purchasing.orders import get_order, return_goods

    session = request_session()
    return_goods(session, get_order(session, order_id),
                 [line.model_dump() for line in body.lines], on=body.date, reason=body.reason)
    return _order_body(order_id)


@api_route(bp, "/purchase-requests/<int:request_id>/orders", permission="purchasing.write",
           methods=["POST"],
           body=OrderRequestIn, response=list[POOut], status=201,
           errors={404: "No request has this id.", 409: "No proposed lines."}, tags=TAGS)
def order_request(request_id: int, body: OrderRequestIn) -> Any:
    """Group the request's proposed lines (or the given ones) into draft purchase orders,
    one per supplier."""
    from ordercraft.plugins.purchasing.requests import order_lines

    session = request_session()
    made = order_lines(session, body.lines, request=request_id, warehouse=body.warehouse)
    return [_order_body(order.id) for order in made]


class InvoiceLineIn(InputModel):
    line: int | str = Field(description="The line number or the item's SKU.")
    qty: Decimal = Field(gt=0, max_digits=18, decimal_places=6)
    price: Decimal = Field(ge=0, max_digits=18, decimal_places=6)


class InvoiceIn(InputModel):
    number: str = Field(min_length=1, max_length=40, description="The supplier's number.")
    date: dt.date | None = None
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=500)


class MatchLineOut(OutputModel):
    position: int
    item: str
    ordered: Decimal
    order_price: Decimal
    received: Decimal
    invoiced: Decimal
    invoiced_price: Decimal | None
    qty_difference: Decimal = Field(description="Invoiced minus received.")
    price_difference: Decimal = Field(description="(Invoiced - order price) x invoiced qty.")
    status: Literal["matched", "difference", "not_invoiced"]


class InvoiceSummaryOut(OutputModel):
    number: str
    date: dt.date
    total: Decimal


class MatchOut(OutputModel):
    order: str
    invoices: list[InvoiceSummaryOut]
    lines: list[MatchLineOut]
    matched: bool


@api_route(bp, "/purchase-orders/<int:order_id>/invoices", methods=["POST"], body=InvoiceIn,
           response=MatchOut, status=201,
           errors={**NOT_FOUND, 409: "A draft or cancelled order takes no invoice."},
           tags=TAGS, permission="purchasing.write")
def record_invoice_api(order_id: int, body: InvoiceIn) -> Any:
    """Record a supplier's invoice; answers the order's three-way match."""
    from ordercraft.plugins.purchasing.invoices import record_invoice, three_way_match
    from ordercraft.plugins.purchasing.orders import get_order

    session = request_session()
    order = get_order(session, order_id)
    record_invoice(session, order, body.number, [line.model_dump() for line in body.lines],
                   on=body.date)
    return three_way_match(session, order)


@api_route(bp, "/purchase-orders/<int:order_id>/match", response=MatchOut, errors=NOT_FOUND,
           tags=TAGS, permission="purchasing.read")
def match_api(order_id: int) -> Any:
    """The three-way match: ordered, received and invoiced per line, with differences."""
    from ordercraft.plugins.purchasing.invoices import three_way_match
    from ordercraft.plugins.purchasing.orders import get_order

    session = request_session()
    return three_way_match(session, get_order(session, order_id))


workflow_routes(bp, "purchase-orders", "purchase_order")
