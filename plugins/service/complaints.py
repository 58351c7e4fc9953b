"""The service plugin's operations: serial numbers, complaints (with attachments, SLA
tasks and warranty parts), knowledge-base articles and the reports.

Every function takes the operation's session and plain values, checks the acting user's
permission, and raises :class:`~ordercraft.sdk.errors.OrdercraftError` naming the field
and the value on bad input (nothing is saved: the caller's transaction rolls back).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, func, literal_column, select, text
from sqlalchemy.orm import Session

from ordercraft.plugins.service import sla
from ordercraft.plugins.service.models import (
    PG_DOCUMENT,
    Article,
    Attachment,
    Complaint,
    Serial,
    ServiceItem,
    WarrantyPart,
)
from ordercraft.sdk import items, parties, stock, validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.models import Item, Party, utcnow
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.workflow import OPEN_STATUSES, Task, TaskLink, complete_task, create_task

CATEGORIES = ("defect", "delivery", "installation", "question", "other")
ZERO = Decimal(0)
#: Attachment types accepted: extension -> (content type, leading bytes or None).
ATTACHMENT_TYPES = {
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"), "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"), "pdf": ("application/pdf", b"%PDF-"),
    "txt": ("text/plain", None)}
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


# --------------------------------------------------------------------------- serials


def _item(session: Session, sku: Any) -> Item:
    return items.get_item(session, validation.text(sku, field="item", max_length=64))


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def track_item(session: Session, sku: Any, *, warranty_months: Any = 0,
               tracked: bool = True) -> ServiceItem:
    """Make an item serial-tracked (or not), with its warranty period in months."""
    require_session_permission(session, "serial.write")
    item = _item(session, sku)
    months = validation.whole_number(warranty_months, field="warranty_months", minimum=0,
                                     maximum=240)
    setting = session.get(ServiceItem, item.id) or ServiceItem(item_id=item.id)
    setting.serial_tracked, setting.warranty_months = bool(tracked), months
    session.add(setting)
    session.flush()
    return setting


def tracked_setting(session: Session, item_id: int) -> ServiceItem | None:
    setting = session.get(ServiceItem, item_id)
    return setting if setting is not None and setting.serial_tracked else None


def register_serials(session: Session, sku: Any, numbers: Sequence[Any], *,
                     origin: str = "received", ref: str = "",
                     made_on: Any = None) -> list[Serial]:
    """Register the serial numbers of units produced or received (``ref``: the receipt's
    or production order's number). Refused for an item that is not serial-tracked and for
    a number already registered."""
    require_session_permission(session, "serial.write")
    item = _item(session, sku)
    if tracked_setting(session, item.id) is None:
        raise ValidationError(f"item: {item.sku!r} is not serial-tracked", field="item")
    if not numbers:
        raise ValidationError("serials: give at least one serial number", field="serials")
    day = validation.day(made_on, field="date") or date.today()
    cleaned = [validation.text(n, field=f"serials.{i}", max_length=60)
               for i, n in enumerate(numbers)]
    for index, number in enumerate(cleaned):
        if not number:
            raise ValidationError(f"serials.{index}: empty serial number",
                                  field=f"serials.{index}")
        if cleaned.index(number) != index:
            raise ValidationError(f"serials.{index}: {number!r} is given twice",
                                  field=f"serials.{index}")
    taken = session.scalars(select(Serial.number).where(Serial.number.in_(cleaned))).first()
    if taken is not None:
        raise Conflict(f"serials: {taken!r} is already registered", field="serials",
                       code="serial_exists")
    made = [Serial(number=n, item_id=item.id, origin=origin, origin_ref=str(ref)[:60],
                   made_on=day) for n in cleaned]
    session.add_all(made)
    session.flush()
    return made


def get_serial(session: Session, number: Any) -> Serial:
    require_session_permission(session, "serial.read")
    key = validation.text(number, field="serial", max_length=60)
    found = session.scalar(select(Serial).where(Serial.number == key))
    if found is None:
        raise NotFound(f"serial number {key!r} does not exist", field="serial")
    return found


def ship_serials(session: Session, client: Any, numbers: Sequence[Any], *,
                 order_id: int | None = None, shipment: str = "",
                 ship_date: Any = None) -> list[Serial]:
    """Record which units went to ``client`` with a shipment; the warranty runs from the
    shipment's date. A unit shipped before is refused (nothing is recorded)."""
    require_session_permission(session, "serial.write")
    party = parties.get_party(session, client)
    day = validation.day(ship_date, field="date") or date.today()
    if not numbers:
        raise ValidationError("serials: give at least one serial number", field="serials")
    units = []
    for index, number in enumerate(numbers):
        unit = session.scalar(select(Serial).where(Serial.number == str(number).strip())
                              .with_for_update())
        if unit is None:
            raise NotFound(f"serials.{index}: serial number {number!r} does not exist",
                           field=f"serials.{index}")
        if unit.shipped_on is not None or unit in units:
            raise Conflict(f"serials.{index}: {unit.number!r} was already shipped"
                           + (f" on {unit.shipped_on.isoformat()}" if unit.shipped_on else ""),
                           field=f"serials.{index}", code="serial_shipped")
        units.append(unit)
    for unit in units:
        setting = session.get(ServiceItem, unit.item_id)
        months = setting.warranty_months if setting else 0
        unit.party_id, unit.order_id, unit.shipped_on = party.id, order_id, day
        unit.shipment_ref = str(shipment)[:60]
        unit.warranty_end = add_months(day, months) if months else None
    session.flush()
    return units


def serial_dict(session: Session, unit: Serial) -> dict[str, Any]:
    item = session.get(Item, unit.item_id)
    party = session.get(Party, unit.party_id) if unit.party_id else None
    return {"id": unit.id, "number": unit.number, "item": item.sku if item else None,
            "item_name": item.name if item else None, "origin": unit.origin,
            "origin_ref": unit.origin_ref, "made_on": unit.made_on,
            "client_id": unit.party_id, "client": party.name if party else None,
            "order_id": unit.order_id, "shipment": unit.shipment_ref or None,
            "shipped_on": unit.shipped_on, "warranty_end": unit.warranty_end,
            "under_warranty": bool(unit.warranty_end and unit.warranty_end >= date.today())}


def list_serials(session: Session, *, client: Any = None, item: Any = None) -> list[Serial]:
    require_session_permission(session, "serial.read")
    query = select(Serial).order_by(Serial.number)
    if client not in (None, ""):
        query = query.where(Serial.party_id == parties.get_party(session, client).id)
    if item not in (None, ""):
        query = query.where(Serial.item_id == _item(session, item).id)
    return list(session.scalars(query.limit(1000)))


def serials_of_client(session: Session, party_id: int) -> list[Serial]:
    return list(session.scalars(select(Serial).where(Serial.party_id == party_id)
                                .order_by(Serial.shipped_on.desc(), Serial.number)))


# --------------------------------------------------------------------------- complaints


def _next_number(session: Session) -> str:
    last = session.scalar(select(func.max(Complaint.id))) or 0
    return f"CMP-{last + 1:05d}"


def create_complaint(session: Session, client: Any, *, description: Any,
                     category: Any = "defect", priority: Any = "normal",
                     order_id: Any = None, item: Any = None, serial: Any = None,
                     cause: Any = "", now: datetime | None = None) -> Complaint:
    """A new complaint of ``client``; its SLA deadlines and response task are set."""
    require_session_permission(session, "complaint.write")
    party = parties.get_party(session, client)
    now = now or utcnow()
    values = {
        "category": validation.choice(category, field="category", choices=CATEGORIES),
        "priority": validation.choice(priority, field="priority", choices=sla.PRIORITIES),
        "description": validation.text(description, field="description", max_length=10_000,
                                      multiline=True),
        "cause": validation.text(cause or "", field="cause", max_length=60),
    }
    if not values["description"]:
        raise ValidationError("description: describe the problem", field="description")
    unit = get_serial(session, serial) if serial not in (None, "") else None
    item_id = _item(session, item).id if item not in (None, "") else None
    if unit is not None:
        if unit.party_id not in (None, party.id):
            raise ValidationError(f"serial: {unit.number!r} belongs to another client",
                                  field="serial")
        item_id = item_id or unit.item_id
    order = (validation.whole_number(order_id, field="order", minimum=1)
             if order_id not in (None, "") else None)
    if order is not None:
        from ordercraft.sdk.plugins import plugin_service

        plugin_service(session, "sales", "orders").summary(session, order)  # NotFound
    from ordercraft.sdk.calendar import working_calendar

    response, resolution = sla.deadlines(values["priority"], now, working_calendar(session))
    complaint = Complaint(number=_next_number(session), party_id=party.id, order_id=order,
                          item_id=item_id, serial=unit, opened_at=now, response_due=response,
                          resolution_due=resolution,
                          warranty=bool(unit and unit.warranty_end
                                        and unit.warranty_end >= now.date()), **values)
    session.add(complaint)
    session.flush()
    open_task(session, complaint, "respond", now)
    return complaint


def open_task(session: Session, complaint: Complaint, kind: str, now: datetime) -> Task:
    """The SLA task of ``complaint``: ``respond`` (by the response deadline) or
    ``resolve`` (by the resolution deadline), for the role ``service``."""
    deadline = complaint.response_due if kind == "respond" else complaint.resolution_due
    title = (f"Respond to complaint {complaint.number}" if kind == "respond"
             else f"Resolve complaint {complaint.number}")
    return create_task(session, title, role="service", rule="pool", user=None,
                       deadline=max(deadline, now), documents=[complaint], now=now,
                       description=f"{complaint.priority} {complaint.category}: "
                                   f"{complaint.description[:200]}")


def complaint_tasks(session: Session, complaint: Complaint) -> list[Task]:
    return list(session.scalars(
        select(Task).join(TaskLink, TaskLink.task_id == Task.id)
        .where(TaskLink.document_type == "complaint", TaskLink.document_id == complaint.id)
        .order_by(Task.id)))


def finish_tasks(session: Session, complaint: Complaint, now: datetime) -> None:
    for task in complaint_tasks(session, complaint):
        if task.status in OPEN_STATUSES:
            complete_task(session, task.id, user=None, now=now, check_all=True)


def get_complaint(session: Session, ref: Any) -> Complaint:
    require_session_permission(session, "complaint.read")
    key = str(ref).strip()
    query = (select(Complaint).where(Complaint.id == int(key)) if key.isdigit()
             else select(Complaint).where(Complaint.number == key))
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"complaint {key!r} does not exist", field="complaint")
    return found


def list_complaints(session: Session, *, client: Any = None, state: Any = None,
                    limit: int = 200) -> list[Complaint]:
    require_session_permission(session, "complaint.read")
    query = select(Complaint).order_by(Complaint.id.desc())
    if client not in (None, ""):
        query = query.where(Complaint.party_id == parties.get_party(session, client).id)
    if state not in (None, ""):
        query = query.where(Complaint.state == str(state))
    return list(session.scalars(query.limit(limit)))


def _moment(value: datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value else None


def complaint_dict(session: Session, complaint: Complaint) -> dict[str, Any]:
    party = session.get(Party, complaint.party_id)
    item = session.get(Item, complaint.item_id) if complaint.item_id else None
    article = session.get(Article, complaint.article_id) if complaint.article_id else None
    return {
        "id": complaint.id, "number": complaint.number, "state": complaint.state,
        "client_id": complaint.party_id, "client": party.name if party else None,
        "order_id": complaint.order_id, "item": item.sku if item else None,
        "serial": complaint.serial.number if complaint.serial else None,
        "category": complaint.category, "priority": complaint.priority,
        "cause": complaint.cause or None, "description": complaint.description,
        "warranty": complaint.warranty, "reason": complaint.reason or None,
        "opened_at": _moment(complaint.opened_at),
        "response_due": _moment(complaint.response_due),
        "resolution_due": _moment(complaint.resolution_due),
        "responded_at": _moment(complaint.responded_at),
        "resolved_at": _moment(complaint.resolved_at),
        "article": ({"id": article.id, "title": article.title} if article else None),
        "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type,
                         "size": a.size} for a in complaint.attachments],
        "parts": [part_dict(session, p) for p in complaint.parts],
        "warranty_cost": sum((p.cost for p in complaint.parts), ZERO),
    }


def set_cause(session: Session, ref: Any, cause: Any) -> Complaint:
    require_session_permission(session, "complaint.write")
    complaint = get_complaint(session, ref)
    complaint.cause = validation.text(cause, field="cause", max_length=60)
    return complaint


def add_attachment(session: Session, ref: Any, filename: Any, data: bytes, *,
                   max_bytes: int = ATTACHMENT_MAX_BYTES) -> Attachment:
    """Attach a file: refused over ``max_bytes`` or when its type (extension and
    content) is not one of :data:`ATTACHMENT_TYPES`."""
    require_session_permission(session, "complaint.write")
    complaint = get_complaint(session, ref)
    name = validation.text(filename, field="file", max_length=200).replace("\\", "/")
    name = name.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(f"file: {name!r} is of a refused type (allowed: "
                              f"{', '.join(sorted(ATTACHMENT_TYPES))})", field="file")
    if len(data) > max_bytes:
        raise ValidationError(f"file: {name!r} is {len(data)} bytes, over the limit of "
                              f"{max_bytes} bytes", field="file")
    content_type, magic = ATTACHMENT_TYPES[extension]
    if magic is not None and not data.startswith(magic):
        raise ValidationError(f"file: {name!r} is not a {extension.upper()} file",
                              field="file")
    if magic is None and b"\x00" in data:
        raise ValidationError(f"file: {name!r} is not a text file", field="file")
    attachment = Attachment(complaint=complaint, filename=name, content_type=content_type,
                            size=len(data), data=data)
    session.add(attachment)
    session.flush()
    return attachment


def get_attachment(session: Session, ref: Any, attachment_id: int) -> Attachment:
    complaint = get_complaint(session, ref)
    found = session.get(Attachment, attachment_id)
    if found is None or found.complaint_id != complaint.id:
        raise NotFound(f"attachment {attachment_id} of complaint {complaint.number} does "
                       "not exist", field="attachment")
    return found


def part_dict(session: Session, part: WarrantyPart) -> dict[str, Any]:
    item = session.get(Item, part.item_id)
    return {"item": item.sku if item else None, "qty": part.qty, "cost": part.cost,
            "stock_document": part.stock_document_id, "date": part.issued_on}


def issue_part(session: Session, ref: Any, sku: Any, qty: Any, *, warehouse: Any,
               issue_date: Any = None) -> WarrantyPart:
    """A warranty repair: issue ``qty`` of a replacement part from stock against the
    complaint (the stock document's reference is the complaint's number); its cost is
    the ledger's."""
    require_session_permission(session, "complaint.write")
    complaint = get_complaint(session, ref)
    if complaint.state not in ("accepted", "in_work"):
        raise Conflict(f"complaint {complaint.number} is {complaint.state}: parts are "
                       "issued while it is accepted or in work", code="complaint_state")
    item = _item(session, sku)
    amount = validation.decimal(qty, field="qty", places=6, minimum=Decimal(0))
    if amount <= 0:
        raise ValidationError(f"qty: {qty!r} is not above zero", field="qty")
    day = validation.day(issue_date, field="date") or date.today()
    place = validation.text(warehouse, field="warehouse", max_length=40)
    posted = stock.issue(session, item.sku, place, amount, date=day, ref=complaint.number, note="warranty repair")
    cost = sum((abs(m.value) for m in posted.moves), ZERO)
    part = WarrantyPart(complaint=complaint, item_id=item.id, qty=amount, cost=cost,
                        stock_document_id=posted.id, issued_on=day)
    complaint.warranty = True
    session.add(part)
    session.flush()
    return part


# --------------------------------------------------------------------------- knowledge base


def save_article(session: Session, title: Any, body: Any, *, category: Any = "",
                 tags: Any = "", article_id: int | None = None) -> Article:
    require_session_permission(session, "article.write")
    values = {"title": validation.text(title, field="title", max_length=200),
              "body": validation.text(body, field="body", max_length=100_000, multiline=True),
              "category": validation.text(category or "", field="category", max_length=60),
              "tags": " ".join(str(tags or "").replace(",", " ").split())[:300]}
    if not values["title"]:
        raise ValidationError("title: an article needs a title", field="title")
    article = get_article(session, article_id) if article_id else Article()
    for name, value in values.items():
        setattr(article, name, value)
    session.add(article)
    session.flush()
    return article


def get_article(session: Session, article_id: Any) -> Article:
    require_session_permission(session, "article.read")
    key = validation.whole_number(article_id, field="article", minimum=1)
    found = session.get(Article, key)
    if found is None:
        raise NotFound(f"article {article_id} does not exist", field="article")
    return found


def article_dict(article: Article, *, body: bool = True) -> dict[str, Any]:
    found = {"id": article.id, "title": article.title, "category": article.category or None,
             "tags": article.tags.split()}
    if body:
        found["body"] = article.body
    return found


def _words(query: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in query).split()][:10]


def search_articles(session: Session, query: Any, *, category: Any = None,
                    limit: int = 20) -> list[Article]:
    """Articles matching every word of ``query`` (a word matches as a prefix), best
    first: FTS5 on SQLite, ``tsvector`` with its GIN index on PostgreSQL."""
    require_session_permission(session, "article.read")
    words = _words(validation.text(query or "", field="q", max_length=200))
    base = select(Article)
    if category not in (None, ""):
        base = base.where(Article.category == str(category))
    if not words:
        return list(session.scalars(base.order_by(Article.title).limit(limit)))
    if session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{w.lower()}:*" for w in words)
        document = literal_column(PG_DOCUMENT)
        match = func.to_tsquery("simple", tsquery)
        found = (base.where(document.op("@@")(match))
                 .order_by(func.ts_rank(document, match).desc(), Article.id).limit(limit))
        return list(session.scalars(found))
    fts = " ".join(f'"{w}"*' for w in words)
    ids = [row[0] for row in session.execute(
        text("SELECT rowid FROM service_articles_fts WHERE service_articles_fts MATCH :q "
             "ORDER BY rank LIMIT :n"), {"q": fts, "n": limit * 5 if category else limit})]
    if not ids:
        return []
    by_id = {a.id: a for a in session.scalars(base.where(Article.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id][:limit]


def link_article(session: Session, ref: Any, article_id: Any) -> Complaint:
    """Mark ``article`` as what solved the complaint."""
    require_session_permission(session, "complaint.write")
    complaint = get_complaint(session, ref)
    complaint.article_id = get_article(session, article_id).id
    return complaint


# --------------------------------------------------------------------------- reports


def _period(date_from: Any, date_to: Any) -> tuple[date | None, date | None]:
    start = validation.day(date_from, field="from")
    end = validation.day(date_to, field="to")
    if start and end and end < start:
        raise ValidationError(f"to: {end.isoformat()} is before {start.isoformat()}",
                              field="to")
    return start, end


def complaints_report(session: Session, by: str = "item", *, date_from: Any = None,
                      date_to: Any = None) -> list[dict[str, Any]]:
    """Complaints counted by ``item``, ``category``, ``cause`` or ``month``."""
    require_session_permission(session, "complaint.read")
    start, end = _period(date_from, date_to)
    by = validation.choice(by, field="by", choices=("item", "category", "cause", "month"))
    key: Any = {"item": Item.sku, "category": Complaint.category,
                "cause": Complaint.cause,
                "month": func.substr(func.cast(Complaint.opened_at, String), 1, 7)}[by]
    query = (select(key.label("key"), func.count(Complaint.id))
             .select_from(Complaint).outerjoin(Item, Item.id == Complaint.item_id))
    if start:
        query = query.where(Complaint.opened_at >= datetime.combine(start, datetime.min.time()))
    if end:
        query = query.where(Complaint.opened_at < datetime.combine(end, datetime.max.time()))
    rows = session.execute(query.group_by(key).order_by(func.count(Complaint.id).desc(), key))
    return [{by: k if k not in (None, "") else None, "complaints": n} for k, n in rows]


def defect_rates(session: Session) -> list[dict[str, Any]]:
    """Per item: complaints of category ``defect``, units shipped (sales' facts) and
    their ratio."""
    require_session_permission(session, "complaint.read")
    from ordercraft.sdk.plugins import plugin_service

    facts = plugin_service(session, "sales", "facts").sales_lines().subquery()
    shipped = dict(session.execute(select(facts.c.item_id, func.sum(facts.c.qty))
                                   .group_by(facts.c.item_id)).all())
    complaints = session.execute(
        select(Complaint.item_id, func.count(Complaint.id))
        .where(Complaint.item_id.is_not(None), Complaint.category == "defect")
        .group_by(Complaint.item_id)).all()
    rows = []
    for item_id, count in complaints:
        item = session.get(Item, item_id)
        units = Decimal(shipped.get(item_id) or 0)
        rate = (Decimal(count) / units).quantize(Decimal("0.0001")) if units else None
        rows.append({"item": item.sku if item else None, "complaints": count,
                     "shipped": units, "defect_rate": rate})
    return sorted(rows, key=lambda r: (r["defect_rate"] is None, -(r["defect_rate"] or 0)))


def _teams(session: Session) -> dict[int, str]:
    """complaint id -> its team: the manager of whoever holds its latest task (their own
    name when they have no manager), ``unassigned`` for a task nobody picked up."""
    from ordercraft.sdk.models import User

    managers = dict(session.execute(select(User.id, User.manager_id)).all())
    names = dict(session.execute(select(User.id, User.name)).all())
    latest = session.execute(
        select(TaskLink.document_id, Task.assignee_id).join(Task, Task.id == TaskLink.task_id)
        .where(TaskLink.document_type == "complaint").order_by(Task.id))
    teams: dict[int, str] = {}
    for complaint_id, assignee in latest:
        lead = managers.get(assignee) or assignee if assignee else None
        teams[complaint_id] = names.get(lead, "unassigned") if lead else "unassigned"
    return teams


def sla_compliance(session: Session, *, by: str = "priority",
                   now: datetime | None = None) -> list[dict[str, Any]]:
    """Per priority (or ``by="team"``: per team, see :func:`_teams`): complaints,
    responses and resolutions in time, and late ones (resolved after the deadline, or
    open past it)."""
    require_session_permission(session, "complaint.read")
    by = validation.choice(by, field="by", choices=("priority", "team"))
    now = now or utcnow()
    teams = _teams(session) if by == "team" else {}
    rows: dict[str, dict[str, Any]] = {}
    for c in session.scalars(select(Complaint)):
        key = c.priority if by == "priority" else teams.get(c.id, "unassigned")
        row = rows.setdefault(key, {by: key, "complaints": 0, "responded_in_time": 0,
                                    "resolved_in_time": 0, "late": 0})
        row["complaints"] += 1
        if c.responded_at is not None and c.responded_at <= c.response_due:
            row["responded_in_time"] += 1
        if c.resolved_at is not None and c.resolved_at <= c.resolution_due:
            row["resolved_in_time"] += 1
        if (c.resolved_at or now) > c.resolution_due:
            row["late"] += 1
    order = {p: str(i) for i, p in enumerate(sla.PRIORITIES)}
    for row in rows.values():
        done = row["complaints"] - row["late"]
        row["compliance_pct"] = (Decimal(done * 100) / row["complaints"]).quantize(
            Decimal("0.1"))
    return sorted(rows.values(), key=lambda r: order.get(r[by], r[by]))


def warranty_costs(session: Session) -> list[dict[str, Any]]:
    """The cost of replacement parts issued under warranty, per complained-about item."""
    require_session_permission(session, "complaint.read")
    rows = session.execute(
        select(Item.sku, func.count(func.distinct(Complaint.id)), func.sum(WarrantyPart.cost))
        .select_from(WarrantyPart).join(Complaint, Complaint.id == WarrantyPart.complaint_id)
        .join(Item, Item.id == Complaint.item_id).group_by(Item.sku).order_by(Item.sku))
    return [{"item": sku, "complaints": n,
             "warranty_cost": Decimal(cost or 0).quantize(Decimal("0.01"))}
            for sku, n, cost in rows]

