"""``/api/v1/stock``: balances, an item's moves, and posting or cancelling documents.

Quantities, values and costs travel as decimal strings (``"9.50"``); a JSON number
with a fraction is refused, because it may already have lost exactness on its way.
"""

from __future__ import annotations

from datetime import date as Day
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import Blueprint
from pydantic import BeforeValidator, Field

from ordercraft.core.stock import api as stock
from ordercraft.web.api import API_PREFIX, InputModel, OutputModel, Page, PageQuery, api_route, page
from ordercraft.web.extension import request_session

bp = Blueprint("api_stock", __name__, url_prefix=API_PREFIX)

Kind = Literal["receipt", "issue", "transfer", "write_off", "count", "reservation", "release"]


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError(f"send decimal numbers as strings, e.g. \"{value}\", not as a JSON "
                         "number with a fraction")
    return value


Exact = Annotated[Decimal, BeforeValidator(_exact)]


class BalanceQuery(PageQuery):
    item: str | None = Field(None, max_length=64, description="Only this SKU.")
    warehouse: str | None = Field(None, max_length=32, description="Only this warehouse code.")
    q: str | None = Field(None, max_length=200, description="Words in the SKU or item name.")
    all: bool = Field(False, description="Also pairs whose stock is back to zero.")


class BalanceOut(OutputModel):
    item: str
    item_name: str
    warehouse: str
    unit: str
    valuation: str
    qty: Decimal
    reserved: Decimal
    available: Decimal = Field(description="On hand minus reserved.")
    value: Decimal
    unit_cost: Decimal


class MoveQuery(PageQuery):
    item: str = Field(min_length=1, max_length=64, description="The item's SKU.")
    warehouse: str | None = Field(None, max_length=32)
    newest_first: bool = False


class MoveOut(OutputModel):
    id: int
    date: Day
    document: int
    kind: str
    ref: str | None
    status: Literal["posted", "cancelled", "reversal"]
    item: str
    warehouse: str
    qty: Decimal
    value: Decimal = Field(description="Current value: as posted plus later re-valuations.")
    settlement: Decimal
    unit_cost: Decimal
    qty_after: Decimal | None = Field(description="The warehouse's quantity after the move.")
    value_after: Decimal | None
    cost_after: Decimal | None


class LineIn(InputModel):
    item: str = Field(min_length=1, max_length=64, description="SKU.")
    warehouse: str = Field(min_length=1, max_length=32, description="Warehouse code (a "
                           "transfer's source).")
    qty: Exact | None = Field(None, description="Quantity (counts: the quantity found; "
                              "releases: omit to release all the holder holds).")
    unit_cost: Exact | None = Field(None, description="Receipts (required) and count gains.")
    to_warehouse: str | None = Field(None, max_length=32, description="Transfers: the "
                                     "warehouse that receives.")
    holder: str | None = Field(None, max_length=100, description="Reservations: who holds "
                               "the stock; issues: the reservation they use.")


class DocumentIn(InputModel):
    kind: Kind
    date: Day | None = Field(None, description="Business date (default today).")
    ref: str | None = Field(None, max_length=100, description="External reference, "
                            "unique per kind.")
    note: str = Field("", max_length=2000)
    lines: list[LineIn] = Field(min_length=1, max_length=1000)


class DocumentMoveOut(OutputModel):
    id: int
    item: str
    warehouse: str
    qty: Decimal
    value: Decimal
    settlement: Decimal
    unit_cost: Decimal | None


class ReservationOut(OutputModel):
    item: str
    warehouse: str
    holder: str
    qty: Decimal


class DocumentOut(OutputModel):
    id: int
    kind: str
    date: Day
    ref: str | None
    status: str
    reversal_of: int | None = None
    reversed_by: int | None = Field(None, description="The reversal that cancelled it.")
    note: str | None = None
    user: str | None = Field(None, description="Who posted it.")
    posted_at: datetime | None = None
    moves: list[DocumentMoveOut]
    reservations: list[ReservationOut] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


@api_route(bp, "/stock/balances",
           permission="stock.read", query=BalanceQuery, response=Page[BalanceOut],
           tags=["stock"], errors={404: "No such item or warehouse."})
def list_balances(query: BalanceQuery):
    """List stock balances per item and warehouse."""
    found = stock.balances(request_session(), item=query.item, warehouse=query.warehouse,
                           search=query.q, include_empty=query.all, limit=query.limit,
                           offset=query.offset)
    return page([b.to_dict() for b in found.items], found.total, query)


@api_route(bp, "/stock/moves",
           permission="stock.read", query=MoveQuery, response=Page[MoveOut], tags=["stock"],
           errors={404: "No such item or warehouse."})
def list_moves(query: MoveQuery):
    """List an item's movements with the running balance of their warehouse."""
    found = stock.moves(request_session(), query.item, warehouse=query.warehouse,
                        newest_first=query.newest_first, limit=query.limit,
                        offset=query.offset)
    return page([m.to_dict() for m in found.items], found.total, query)


@api_route(bp, "/stock/documents",
           permission="stock.post", methods=["POST"], body=DocumentIn, response=DocumentOut,
           status=201, tags=["stock"],
           errors={404: "No such item or warehouse.",
                   409: "Refused: not enough stock, FIFO stock would go negative later, or "
                        "the reference was posted already."})
def post_document(body: DocumentIn):
    """Post a stock document (receipt, issue, transfer, write-off, count, reservation,
    release) in one transaction."""
    lines = [line.model_dump() for line in body.lines]
    posted = stock.post(request_session(), body.kind, lines, date=body.date, ref=body.ref,
                        note=body.note)
    return stock.posted_dict(posted)


@api_route(bp, "/stock/documents/<int:document_id>",
           permission="stock.read", response=DocumentOut, tags=["stock"],
           errors={404: "No such document."})
def read_document(document_id: int):
    """Read a stock document with its moves at their current values."""
    return stock.document(request_session(), document_id)


@api_route(bp, "/stock/documents/<int:document_id>/cancel",
           permission="stock.post", methods=["POST"],
           response=DocumentOut, status=201, tags=["stock"],
           errors={404: "No such document.", 409: "Cancelled already, a reversal, or "
                                                   "refused (stock would go negative)."})
def cancel_document(document_id: int):
    """Cancel a document: posts and answers its reversal."""
    return stock.posted_dict(stock.cancel(request_session(), document_id))
