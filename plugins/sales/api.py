"""``/api/v1/orders``: list (filters, pagination), read, create, update (draft only),
lines priced by a kept calculator run, workflow transitions, shipments, print forms (PDF and HTML) and entry suggestions."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint, Response, url_for
from pydantic import Field

from ordercraft.sdk.custom_fields import custom_field_filters, custom_fields_member
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

bp = Blueprint("sales_api", __name__, url_prefix=API_PREFIX)

OrderState = Literal["draft", "confirmed", "in_production", "reserved", "partially_shipped",
                     "shipped", "invoiced", "paid", "closed", "cancelled"]
NOT_FOUND = {404: "No order has this id."}
#: Ids are INTEGER columns: 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1


class OrderLineIn(InputModel):
    item: str = Field(min_length=1, max_length=64, description="The item's SKU.")
    qty: Decimal = Field(gt=0, max_digits=18, decimal_places=6,
                         description="Quantity, at the item's unit precision.")
    price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6,
                                  description="Unit price before discount (default: the "
                                              "item's list price).")
    discount: Decimal | None = Field(None, ge=0, le=100, max_digits=7, decimal_places=4,
                                     description="Discount, percent of the line's amount.")
    tax_rate: Decimal | None = Field(None, ge=0, le=100, max_digits=7, decimal_places=4,
                                     description="Tax, percent (default: the site's rate).")
    description: str | None = Field(None, max_length=300,
                                    description="Text printed for the line (default: the "
                                                "item's name).")


class OrderIn(InputModel):
    client: int | str = Field(description="The client's id or name.")
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=500)
    legal_entity: int | None = Field(None, ge=1, le=MAX_ID,
                                     description="The client's legal entity "
                                     "(default: the one valid on the order date).")
    deal: int | None = Field(None, ge=1, le=MAX_ID,
                             description="The crm deal the order comes from.")
    warehouse: str | None = Field(None, min_length=1, max_length=32,
                                  description="Warehouse code to reserve and ship from.")
    order_date: date | None = None
    due_date: date | None = Field(None, description="Delivery date promised.")
    number: str | None = Field(None, min_length=1, max_length=30,
                               description="Order number (default: the next SO-NNNNN).")
    manager: str | None = Field(None, max_length=100, description="User name.")
    notes: str = Field("", max_length=10_000)
    custom_fields: dict[str, Any] = custom_fields_member("order", "create")


class CalculatedLineIn(InputModel):
    calc_run: int = Field(ge=1, le=MAX_ID, description="The kept calculator run that "
                          "prices the line (``/calc/runs``); its script version, inputs and "
                          "result are stored with the line.")
    item: str = Field(min_length=1, max_length=64, description="The SKU the line sells.")
    qty: Decimal = Field(Decimal(1), gt=0, max_digits=18, decimal_places=6)
    markup: Decimal | None = Field(None, ge=0, le=100, max_digits=7, decimal_places=4,
                                   description="Price = the run's total (cost) + this "
                                               "percent, rounded half-up to the cent.")
    price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6,
                                  description="The unit price (instead of ``markup``).")
    discount: Decimal | None = Field(None, ge=0, le=100, max_digits=7, decimal_places=4)
    tax_rate: Decimal | None = Field(None, ge=0, le=100, max_digits=7, decimal_places=4)
    description: str | None = Field(None, max_length=300)


class OrderChanges(InputModel):
    """Only the fields sent change; ``lines`` replaces every line. Draft orders only, but
    for ``custom_fields``, which change at any time."""

    client: int | str | None = None
    lines: list[OrderLineIn] | None = Field(None, max_length=500)
    legal_entity: int | None = Field(None, ge=1, le=MAX_ID)
    deal: int | None = Field(None, ge=1, le=MAX_ID)
    warehouse: str | None = Field(None, min_length=1, max_length=32)
    order_date: date | None = None
    due_date: date | None = None
    number: str | None = Field(None, min_length=1, max_length=30)
    manager: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=10_000)
    custom_fields: dict[str, Any] = custom_fields_member("order", "change")


class OrderQuery(PageQuery):
    status: list[OrderState] = Field(default_factory=list,
                                     description="Only these states (repeat the parameter).")
    client: str | None = Field(None, max_length=200, description="Client id or name.")
    date_from: date | None = Field(None, description="Order date from (inclusive).")
    date_to: date | None = Field(None, description="Order date to (inclusive).")
    q: str | None = Field(None, max_length=200, description="Words of the order number or "
                          "the client's name.")
    deal: int | None = Field(None, ge=1, le=MAX_ID)
    cf: dict[str, str] = custom_field_filters("order")


class CalcRunOut(OutputModel):
    calculator: str
    version: str = Field(description="The script's version (its content hash).")
    run_id: int | None = Field(description="The kept run (``/calc/runs``).")
    params: dict[str, Any] = Field(description="The calculator's inputs.")
    total: Decimal = Field(description="The run's total: the line's unit cost.")


class OrderLineOut(OutputModel):
    id: int
    position: int
    item: str
    item_name: str
    item_kind: str
    unit: str
    description: str
    qty: Decimal
    price: Decimal
    discount: Decimal
    tax_rate: Decimal
    net: Decimal = Field(description="After discount, before tax; rounded to cents.")
    tax: Decimal
    total: Decimal
    reserved: Decimal = Field(description="Held for this line in the warehouse now.")
    shipped: Decimal
    to_produce: Decimal = Field(description="Short at confirmation, to be made.")
    to_buy: Decimal = Field(description="Short at confirmation, to be bought.")
    remaining: Decimal = Field(description="Still to ship.")
    calc: CalcRunOut | None = Field(description="The calculator run that priced the line "
                                    "(its script version and inputs are kept with it).")


class ShipmentLineOut(OutputModel):
    line: int
    item: str
    qty: Decimal


class ShipmentOut(OutputModel):
    id: int
    number: str
    date: dt.date
    status: Literal["posted", "cancelled"]
    stock_document: int | None
    reversal_document: int | None
    user: str | None
    lines: list[ShipmentLineOut]


class OrderSummaryOut(OutputModel):
    id: int
    number: str
    state: OrderState
    order_date: date
    due_date: date | None
    client_id: int
    client: str
    total: Decimal
    shortage_count: int
    deal_id: int | None
    manager: str | None
    custom_fields: dict[str, Any] = custom_fields_member("order")


class OrderOut(OutputModel):
    id: int
    number: str
    state: OrderState
    client_id: int
    client: str
    legal_entity_id: int | None
    legal_entity: str | None
    deal_id: int | None
    warehouse: str
    manager: str | None
    order_date: date
    due_date: date | None
    notes: str
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    custom_count: int
    shortage_count: int
    confirmed_at: datetime | None
    invoiced_on: date | None
    paid_on: date | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    lines: list[OrderLineOut]
    shipments: list[ShipmentOut]
    custom_fields: dict[str, Any] = custom_fields_member("order")


class ShipmentLineIn(InputModel):
    line: int = Field(ge=1, le=10_000, description="The line's number on the order.")
    qty: Decimal = Field(gt=0, max_digits=18, decimal_places=6)


class ShipmentIn(InputModel):
    lines: list[ShipmentLineIn] | None = Field(
        None, max_length=500, description="What to ship; left out: everything left.")
    date: dt.date | None = Field(None, description="Shipment date (default today).")
    serials: dict[str, list[str]] | None = Field(
        None, description="The serial numbers shipped, per order line number "
                          "(`{\"1\": [\"RB-001\", \"RB-002\"]}`): required for serial-tracked "
                          "items, as many as the quantity.")


class ShipmentResultOut(OutputModel):
    shipment: ShipmentOut
    order: OrderOut


class PrintFormOut(OutputModel):
    name: str
    title: str
    pdf: str
    html: str


class SuggestionOut(OutputModel):
    item: str
    name: str
    unit: str
    price: Decimal
    orders: int = Field(description="In how many orders.")
    qty: Decimal


class SuggestionsOut(OutputModel):
    client_favourites: list[SuggestionOut]
    bought_together: list[SuggestionOut]


class SuggestionQuery(InputModel):
    client: str | None = Field(None, max_length=200, description="Client id or name.")
    item: list[str] = Field(default_factory=list, description="SKUs already on the order.")


def _order_body(order_id: int) -> dict[str, Any]:
    from ordercraft.plugins.sales.orders import get_order, order_dict

    return order_dict(get_order(request_session(), order_id))


def _lines(lines: list[OrderLineIn] | None) -> list[dict[str, Any]] | None:
    if lines is None:
        return None
    return [{"item": line.item, "qty": line.qty, "price": line.price,
             "discount": line.discount, "tax_rate": line.tax_rate,
             "description": line.description} for line in lines]


@api_route(bp, "/orders", permission="order.read", query=OrderQuery, response=Page[OrderSummaryOut],
           errors={404: "The client filter names no client."})
def list_orders(query: OrderQuery):
    """List orders, newest first, filtered and paginated."""
    from ordercraft.plugins.sales import orders

    found = orders.list_orders(request_session(), status=query.status or None,
                               client=query.client, date_from=query.date_from,
                               date_to=query.date_to, search=query.q, deal=query.deal,
                               custom_fields=query.cf, limit=query.limit, offset=query.offset)
    return page([row.as_dict() for row in found.items], found.total, query)


@api_route(bp, "/orders",
           permission="order.write", methods=["POST"], body=OrderIn, response=OrderOut, status=201,
           errors={404: "The client, an item, the deal or the warehouse does not exist.",
                   409: "An order with this number exists."})
def create_order(body: OrderIn):
    """Enter a draft order."""
    from ordercraft.plugins.sales import orders

    values = body.model_dump(exclude={"lines"})
    order = orders.create_order(request_session(), lines=_lines(body.lines) or [], **values)
    return orders.order_dict(order)


@api_route(bp, "/orders/<int:order_id>",
           permission="order.read", response=OrderOut, errors=NOT_FOUND)
def get_order(order_id: int):
    """One order with its lines (reserved, to produce, to buy, shipped) and shipments."""
    return _order_body(order_id)


@api_route(bp, "/orders/<int:order_id>",
           permission="order.write", methods=["PATCH"], body=OrderChanges,
           response=OrderOut,
           errors={**NOT_FOUND, 409: "The order is no longer a draft, or the number is "
                                     "taken."})
def update_order(order_id: int, body: OrderChanges):
    """Change a draft order."""
    from ordercraft.plugins.sales import orders

    values = body.model_dump(exclude_unset=True, exclude={"lines"})
    order = orders.update_order(request_session(), order_id, lines=_lines(body.lines),
                                **{k: v for k, v in values.items() if v is not None})
    return orders.order_dict(order)


@api_route(bp, "/orders/<int:order_id>/lines",
           permission="order.write", methods=["POST"], body=CalculatedLineIn,
           response=OrderOut, status=201,
           errors={**NOT_FOUND, 409: "The order is no longer a draft."})
def add_calculated_line(order_id: int, body: CalculatedLineIn):
    """Add a line priced by a kept calculator run to a draft order."""
    from ordercraft.plugins.sales import calculated, orders
    from ordercraft.sdk.calc import stored_run

    session = request_session()
    values = body.model_dump(exclude={"calc_run"})
    order = calculated.add_calculated_line(session, order_id,
                                           run=stored_run(session, body.calc_run), **values)
    return orders.order_dict(order)


workflow_routes(bp, "orders", "order")


@api_route(bp, "/orders/<int:order_id>/shipments",
           permission="order.read", response=list[ShipmentOut],
           errors=NOT_FOUND)
def list_shipments(order_id: int):
    """The order's shipments (cancelled ones included)."""
    from ordercraft.plugins.sales.orders import get_order, shipment_dict

    return [shipment_dict(s) for s in get_order(request_session(), order_id).shipments]


@api_route(bp, "/orders/<int:order_id>/shipments",
           permission="order.ship", methods=["POST"], body=ShipmentIn,
           response=ShipmentResultOut, status=201,
           errors={**NOT_FOUND, 409: "The order is not in a state to ship, or the stock "
                                     "does not cover the shipment."})
def create_shipment(order_id: int, body: ShipmentIn):
    """Ship the order, all of it or the given lines: posts a stock issue and moves the
    order to shipped or partially_shipped."""
    from ordercraft.plugins.sales.machine import ship_order
    from ordercraft.plugins.sales.orders import get_order, order_dict, shipment_dict

    session = request_session()
    order = get_order(session, order_id)
    lines = None if body.lines is None else [{"line": line.line, "qty": line.qty}
                                             for line in body.lines]
    ship_order(session, order, lines, ship_date=body.date, serials=body.serials)
    session.flush()
    return {"shipment": shipment_dict(order.shipments[-1]), "order": order_dict(order)}


@api_route(bp, "/orders/<int:order_id>/forms", permission="order.read", response=list[PrintFormOut],
           errors=NOT_FOUND)
def list_forms(order_id: int):
    """The order's print forms, with their PDF and HTML addresses."""
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.sdk.printing import forms_of

    session = request_session()
    get_order(session, order_id)
    return [{"name": form.name, "title": form.title,
             "pdf": url_for("sales_api.print_pdf", order_id=order_id, form=form.name),
             "html": url_for("sales_api.print_html", order_id=order_id, form=form.name)}
            for form in forms_of(session, "order")]


def _render(order_id: int, form: str, *, pdf: bool) -> Any:
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.plugins.sales.printing import render_order_form

    session = request_session()
    order = get_order(session, order_id)
    return order, render_order_form(session, order, form, pdf=pdf)


@api_route(bp, "/orders/<int:order_id>/forms/<form>.pdf",
           permission="order.read", media_type="application/pdf",
           errors={404: "No order has this id, or orders have no such form."})
def print_pdf(order_id: int, form: str):
    """A print form of the order as PDF (confirmation, invoice, delivery_note, act)."""
    order, pdf = _render(order_id, form, pdf=True)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{order.number}-{form}.pdf"'
    return response


@api_route(bp, "/orders/<int:order_id>/forms/<form>.html",
           permission="order.read", media_type="text/html",
           errors={404: "No order has this id, or orders have no such form."})
def print_html(order_id: int, form: str):
    """A print form of the order as an HTML page with print CSS."""
    _order, html = _render(order_id, form, pdf=False)
    return Response(html, mimetype="text/html")


@api_route(bp, "/orders/suggestions",
           permission="order.read", query=SuggestionQuery, response=SuggestionsOut,
           errors={404: "The client does not exist."})
def order_suggestions(query: SuggestionQuery):
    """What to offer while an order is entered: the client's favourite items and the
    items most often ordered with the ones already on the order."""
    from ordercraft.plugins.sales.suggestions import suggestions

    found = suggestions(request_session(), client=query.client, items=query.item)
    return {key: [s.as_dict() for s in values] for key, values in found.items()}
