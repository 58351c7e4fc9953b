"""``/api/v1/complaints`` (+ attachments, warranty parts, the article that solved it,
transitions and timeline), ``/api/v1/articles`` (+ search), ``/api/v1/serials`` (+ register,
ship) and ``/api/v1/service/reports/...``."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from ordercraft.sdk.errors import ValidationError
from ordercraft.sdk.web import (
    API_PREFIX,
    InputModel,
    OutputModel,
    api_route,
    request_session,
    workflow_routes,
)

bp = Blueprint("service_api", __name__, url_prefix=API_PREFIX)

MAX_ID = 2**31 - 1
Category = Literal["defect", "delivery", "installation", "question", "other"]
Priority = Literal["urgent", "high", "normal", "low"]
State = Literal["new", "accepted", "in_work", "resolved", "closed", "rejected"]
NOT_FOUND = {404: "No complaint has this id."}


class ComplaintIn(InputModel):
    client: int | str = Field(description="The client's id or name.")
    description: str = Field(min_length=1, max_length=10_000)
    category: Category = "defect"
    priority: Priority = "normal"
    order: int | None = Field(None, ge=1, le=MAX_ID)
    item: str | None = Field(None, max_length=64)
    serial: str | None = Field(None, max_length=60)
    cause: str = Field("", max_length=60)


class AttachmentIn(InputModel):
    filename: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(max_length=7_200_000, description="The file, base64.")


class PartIn(InputModel):
    item: str = Field(max_length=64)
    qty: Decimal = Field(gt=0, max_digits=18, decimal_places=6)
    warehouse: str = Field(max_length=40)
    date: dt.date | None = None


class SolvedIn(InputModel):
    article: int = Field(ge=1, le=MAX_ID)


class CauseIn(InputModel):
    cause: str = Field(max_length=60)


class AttachmentOut(OutputModel):
    id: int
    filename: str
    content_type: str
    size: int


class PartOut(OutputModel):
    item: str | None
    qty: Decimal
    cost: Decimal
    stock_document: int
    date: dt.date


class ArticleRef(OutputModel):
    id: int
    title: str


class ComplaintOut(OutputModel):
    id: int
    number: str
    state: State
    client_id: int
    client: str | None
    order_id: int | None
    item: str | None
    serial: str | None
    category: Category
    priority: Priority
    cause: str | None
    description: str
    warranty: bool
    reason: str | None
    opened_at: str | None
    response_due: str | None
    resolution_due: str | None
    responded_at: str | None
    resolved_at: str | None
    article: ArticleRef | None
    attachments: list[AttachmentOut]
    parts: list[PartOut]
    warranty_cost: Decimal


class ComplaintQuery(InputModel):
    client: str | None = Field(None, max_length=200)
    state: State | None = None


class ArticleIn(InputModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field("", max_length=100_000)
    category: str = Field("", max_length=60)
    tags: list[str] = Field(default_factory=list, max_length=30)


class ArticleOut(OutputModel):
    id: int
    title: str
    category: str | None
    tags: list[str]
    body: str | None = None


class ArticleQuery(InputModel):
    q: str = Field("", max_length=200, description="Words; each matches as a prefix.")
    category: str | None = Field(None, max_length=60)
    limit: int = Field(20, ge=1, le=100)


class SerialOut(OutputModel):
    id: int
    number: str
    item: str | None
    item_name: str | None
    origin: str
    origin_ref: str
    made_on: dt.date
    client_id: int | None
    client: str | None
    order_id: int | None
    shipment: str | None
    shipped_on: dt.date | None
    warranty_end: dt.date | None
    under_warranty: bool


class SerialQuery(InputModel):
    client: str | None = Field(None, max_length=200)
    item: str | None = Field(None, max_length=64)


class RegisterIn(InputModel):
    item: str = Field(max_length=64)
    serials: list[str] = Field(min_length=1, max_length=1000)
    origin: Literal["received", "produced"] = "received"
    ref: str = Field("", max_length=60, description="The receipt's or order's number.")
    date: dt.date | None = None


class ShipIn(InputModel):
    client: int | str
    serials: list[str] = Field(min_length=1, max_length=1000)
    order: int | None = Field(None, ge=1, le=MAX_ID)
    shipment: str = Field("", max_length=60)
    date: dt.date | None = None


class TrackIn(InputModel):
    item: str = Field(max_length=64)
    warranty_months: int = Field(0, ge=0, le=240)
    tracked: bool = True


class TrackOut(OutputModel):
    item: str
    serial_tracked: bool
    warranty_months: int


def _complaint(complaint: Any) -> dict[str, Any]:
    from ordercraft.plugins.service.complaints import complaint_dict

    session = request_session()
    session.flush()
    session.refresh(complaint)
    return complaint_dict(session, complaint)


@api_route(bp, "/complaints", permission="complaint.read", query=ComplaintQuery,
           response=list[ComplaintOut], errors={404: "The client does not exist."})
def list_complaints(query: ComplaintQuery):
    """Complaints, newest first (at most 200)."""
    from ordercraft.plugins.service import complaints

    session = request_session()
    return [complaints.complaint_dict(session, c) for c in complaints.list_complaints(
        session, client=query.client, state=query.state)]


@api_route(bp, "/complaints", permission="complaint.write", methods=["POST"],
           body=ComplaintIn, response=ComplaintOut, status=201,
           errors={404: "The client, item or serial number does not exist."})
def create_complaint(body: ComplaintIn):
    """Register a complaint: its SLA deadlines and response task are set."""
    from ordercraft.plugins.service.complaints import create_complaint as create

    values = body.model_dump()
    return _complaint(create(request_session(), values.pop("client"),
                             order_id=values.pop("order"), **values))


@api_route(bp, "/complaints/<int:complaint_id>", permission="complaint.read",
           response=ComplaintOut, errors=NOT_FOUND)
def get_complaint(complaint_id: int):
    """One complaint: SLA, attachments, warranty parts and cost."""
    from ordercraft.plugins.service.complaints import get_complaint as found

    return _complaint(found(request_session(), complaint_id))


@api_route(bp, "/complaints/<int:complaint_id>/cause", permission="complaint.write",
           methods=["POST"], body=CauseIn, response=ComplaintOut, errors=NOT_FOUND)
def set_cause(complaint_id: int, body: CauseIn):
    """Record the complaint's cause (for the report by cause)."""
    from ordercraft.plugins.service.complaints import set_cause as record

    return _complaint(record(request_session(), complaint_id, body.cause))


@api_route(bp, "/complaints/<int:complaint_id>/attachments", permission="complaint.write",
           methods=["POST"], body=AttachmentIn, response=AttachmentOut, status=201,
           errors={**NOT_FOUND, 400: "Over the size limit, a refused type, or not base64."})
def add_attachment(complaint_id: int, body: AttachmentIn):
    """Attach a file (PNG, JPEG, PDF or text, at most 5 MiB)."""
    from ordercraft.plugins.service.complaints import add_attachment as attach

    try:
        data = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("content_base64: not base64", field="content_base64") from None
    found = attach(request_session(), complaint_id, body.filename, data)
    return {"id": found.id, "filename": found.filename, "content_type": found.content_type,
            "size": found.size}


@api_route(bp, "/complaints/<int:complaint_id>/parts", permission="complaint.write",
           methods=["POST"], body=PartIn, response=ComplaintOut, status=201,
           errors={**NOT_FOUND, 409: "The complaint is not accepted or in work, or the "
                                     "stock does not cover the part."})
def issue_part(complaint_id: int, body: PartIn):
    """A warranty repair: issue a replacement part from stock against the complaint."""
    from ordercraft.plugins.service.complaints import issue_part as issue

    part = issue(request_session(), complaint_id, body.item, body.qty,
                 warehouse=body.warehouse, issue_date=body.date)
    return _complaint(part.complaint)


@api_route(bp, "/complaints/<int:complaint_id>/article", permission="complaint.write",
           methods=["POST"], body=SolvedIn, response=ComplaintOut, errors=NOT_FOUND)
def solved_by(complaint_id: int, body: SolvedIn):
    """Link the knowledge-base article that solved the complaint."""
    from ordercraft.plugins.service.complaints import link_article

    return _complaint(link_article(request_session(), complaint_id, body.article))


workflow_routes(bp, "complaints", "complaint")


@api_route(bp, "/articles", permission="article.read", query=ArticleQuery,
           response=list[ArticleOut])
def search_articles(query: ArticleQuery):
    """Search the knowledge base (full text over title, tags and body), best first."""
    from ordercraft.plugins.service import complaints

    return [complaints.article_dict(a, body=False) for a in complaints.search_articles(
        request_session(), query.q, category=query.category, limit=query.limit)]


@api_route(bp, "/articles", permission="article.write", methods=["POST"], body=ArticleIn,
           response=ArticleOut, status=201)
def create_article(body: ArticleIn):
    """Write an article."""
    from ordercraft.plugins.service import complaints

    article = complaints.save_article(request_session(), body.title, body.body,
                                      category=body.category, tags=" ".join(body.tags))
    return complaints.article_dict(article)


@api_route(bp, "/articles/<int:article_id>", permission="article.write", methods=["PUT"],
           body=ArticleIn, response=ArticleOut, errors={404: "No article has this id."})
def update_article(article_id: int, body: ArticleIn):
    """Rewrite an article (the search index follows)."""
    from ordercraft.plugins.service import complaints

    article = complaints.save_article(request_session(), body.title, body.body,
                                      category=body.category, tags=" ".join(body.tags),
                                      article_id=article_id)
    return complaints.article_dict(article)


@api_route(bp, "/articles/<int:article_id>", permission="article.read", response=ArticleOut,
           errors={404: "No article has this id."})
def get_article(article_id: int):
    """One article."""
    from ordercraft.plugins.service import complaints

    return complaints.article_dict(complaints.get_article(request_session(), article_id))


@api_route(bp, "/serials", permission="serial.read", query=SerialQuery,
           response=list[SerialOut], errors={404: "The client or item does not exist."})
def list_serials(query: SerialQuery):
    """Serial-numbered units (at most 1000), by number."""
    from ordercraft.plugins.service import complaints

    session = request_session()
    return [complaints.serial_dict(session, s) for s in complaints.list_serials(
        session, client=query.client, item=query.item)]


@api_route(bp, "/serials", permission="serial.write", methods=["POST"], body=RegisterIn,
           response=list[SerialOut], status=201,
           errors={404: "The item does not exist.", 409: "A number is already registered."})
def register_serials(body: RegisterIn):
    """Register the serial numbers of units received (a receipt) or produced."""
    from ordercraft.plugins.service import complaints

    session = request_session()
    made = complaints.register_serials(session, body.item, body.serials, origin=body.origin,
                                       ref=body.ref, made_on=body.date)
    return [complaints.serial_dict(session, s) for s in made]


@api_route(bp, "/serials/shipments", permission="serial.write", methods=["POST"],
           body=ShipIn, response=list[SerialOut], status=201,
           errors={404: "The client or a serial number does not exist.",
                   409: "A unit was already shipped (nothing is recorded)."})
def ship_serials(body: ShipIn):
    """Record which units a shipment took to a client; their warranty starts."""
    from ordercraft.plugins.service import complaints

    session = request_session()
    units = complaints.ship_serials(session, body.client, body.serials, order_id=body.order,
                                    shipment=body.shipment, ship_date=body.date)
    return [complaints.serial_dict(session, s) for s in units]


@api_route(bp, "/serials/items", permission="serial.write", methods=["POST"], body=TrackIn,
           response=TrackOut, errors={404: "The item does not exist."})
def track_item(body: TrackIn):
    """Make an item serial-tracked with a warranty period (months)."""
    from ordercraft.plugins.service import complaints

    setting = complaints.track_item(request_session(), body.item,
                                    warranty_months=body.warranty_months,
                                    tracked=body.tracked)
    return {"item": body.item, "serial_tracked": setting.serial_tracked,
            "warranty_months": setting.warranty_months}


@api_route(bp, "/service/reports/<name>", permission="complaint.read",
           response=list[dict[str, Any]], errors={400: "An unknown report."})
def report(name: str):
    """``complaints-by-item``, ``-category``, ``-cause``, ``-month``; ``defect-rates``;
    ``sla``; ``warranty-costs``."""
    from ordercraft.plugins.service.cli import report_rows

    return report_rows(request_session(), name)
