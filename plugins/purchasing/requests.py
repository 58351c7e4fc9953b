"""Supplier requests, four routes, one request log.

Each route works out a need per item, then every need becomes a proposed line: the best
valid offer of the product matrix for it (:mod:`.matrix`) gives the supplier, the price
and the quantity (raised to the offer's minimum and rounded up to its multiple), and its
lead time the due date (today plus the lead time). A need no offer covers still becomes a
line, without supplier, and says so. What the item already has coming is subtracted
first: open purchase order lines and lines proposed by earlier requests (so generating
twice does not buy twice).

* ``shortages``: the "to buy" lines of confirmed customer orders (sales' service
  ``demand``) and the components open production orders still need beyond the stock
  (production's service ``structure``; without production only sales' shortages count).
* ``sales``: what shipped in the period (``--from``/``--to``, default the last 30 days),
  per day, times ``--cover-days`` (default 30), minus the stock available.
* ``invoices``: the items of customer invoices issued in the period (sales' service
  ``facts``, ``invoice_lines``), minus the stock available.
* ``abc``: items of classes A (``--classes AB`` adds B) by the analysis plugin's
  classification (its service ``classes``), topped up to ``--cover-days`` of their
  average shipped quantity in the period, minus the stock available; ``--min-value``
  keeps lines worth at least that much at the offer's price, ``--supplier`` those of
  that supplier.

``--group G`` keeps items whose ``group`` attribute is G (every route). The log records
the route, the parameters as given, the user and the time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.purchasing.declarations import REQUEST_PREFIX
from ordercraft.plugins.purchasing.matrix import best_offers
from ordercraft.plugins.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    RequestLine,
)
from ordercraft.plugins.purchasing.orders import add_line, create_order, next_number
from ordercraft.plugins.purchasing.quantities import exact, money, qty_text
from ordercraft.sdk import parties, stock, validation
from ordercraft.sdk.errors import Conflict, NotFound, PluginError, ValidationError
from ordercraft.sdk.models import Item
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import plugin_service
from ordercraft.sdk.queries import Page, paginate

ZERO = Decimal(0)
#: A need's share of a source, when only part of it is short: to six places.
SHARE = Decimal("0.000001")
ROUTES = ("shortages", "sales", "invoices", "abc")
OPEN_ORDER_STATES = ("draft", "sent", "confirmed", "partially_received")


@dataclass
class Need:
    qty: Decimal = ZERO
    sources: dict[str, Decimal] = field(default_factory=dict)
    due: date | None = None

    def add(self, ref: str, qty: Decimal, due: date | None = None) -> None:
        self.qty += qty
        self.sources[ref] = self.sources.get(ref, ZERO) + qty
        if due is not None and (self.due is None or due < self.due):
            self.due = due


def _service(session: Session, plugin: str, name: str, route: str) -> Any:
    try:
        return plugin_service(session, plugin, name)
    except PluginError as error:
        raise Conflict(f"route {route}: needs the {plugin} plugin's service {name!r} ({error})",
                       field="route", code="route_unavailable") from None


def _optional_service(session: Session, plugin: str, name: str) -> Any:
    try:
        return plugin_service(session, plugin, name)
    except PluginError:
        return None


def available_stock(session: Session) -> dict[int, Decimal]:
    """On hand minus reserved, per item id, over every warehouse."""
    ids = {sku: item_id for sku, item_id in session.execute(select(Item.sku, Item.id))}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    offset = 0
    while True:
        page = stock.balances(session, limit=1000, offset=offset)
        for balance in page.items:
            totals[ids[balance.item]] += balance.available
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return dict(totals)


def coming(session: Session) -> dict[int, Decimal]:
    """Per item id: still to arrive on open purchase orders plus proposed request lines."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for item_id, qty, received in session.execute(
            select(PurchaseOrderLine.item_id, PurchaseOrderLine.qty,
                   PurchaseOrderLine.received_qty)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(PurchaseOrder.state.in_(OPEN_ORDER_STATES))):
        totals[item_id] += max(qty - received, ZERO)
    for item_id, qty in session.execute(select(RequestLine.item_id, RequestLine.qty)
                                        .where(RequestLine.status == "proposed")):
        totals[item_id] += qty
    return dict(totals)


def _period(date_from: Any, date_to: Any, today: date) -> tuple[date, date]:
    end = validation.day(date_to, field="to") or today
    start = validation.day(date_from, field="from") or end - timedelta(days=29)
    if start > end:
        raise validation.invalid("from", f"{start.isoformat()} is after to {end.isoformat()}")
    return start, end


# --------------------------------------------------------------------------- the routes


def _shortage_needs(session: Session, today: date) -> dict[int, Need]:
    needs: dict[int, Need] = defaultdict(Need)
    demand = _service(session, "sales", "demand", "shortages")
    for line in demand.shortage_lines(session):
        if line.to_buy > 0:
            needs[line.item_id].add(line.order_number, line.to_buy, line.due_date)
    structure = _optional_service(session, "production", "structure")
    if structure is not None:
        component_needs: dict[int, Need] = defaultdict(Need)
        for order in structure.open_orders(session):
            for requirement in order.components:
                # Still to consume, less what the order holds reserved (already
                # out of the available stock below).
                rest = requirement.qty - getattr(requirement, "reserved", ZERO)
                if rest > 0:
                    component_needs[requirement.item_id].add(order.number, rest, order.due_date)
        available = available_stock(session)
        for item_id, need in component_needs.items():
            missing = need.qty - max(available.get(item_id, ZERO), ZERO)
            if missing > 0:
                scale = missing / need.qty
                for ref, qty in need.sources.items():
                    needs[item_id].add(ref, (qty * scale).quantize(SHARE), need.due)
    return needs


def _cover_needs(shipped: Mapping[int, Decimal], days: int, cover_days: int, ref: str
                 ) -> dict[int, Need]:
    needs: dict[int, Need] = {}
    for item_id, qty in shipped.items():
        if qty > 0:
            target = (qty * cover_days / days).to_integral_value(rounding=ROUND_CEILING)
            need = Need()
            need.add(ref, target)
            needs[item_id] = need
    return needs


def _sales_needs(session: Session, start: date, end: date, cover_days: int) -> dict[int, Need]:
    demand = _service(session, "sales", "demand", "sales")
    shipped = demand.shipped_quantities(session, date_from=start, date_to=end)
    return _cover_needs(shipped, (end - start).days + 1, cover_days,
                        f"sales {start.isoformat()}..{end.isoformat()} x {cover_days} days")


def _invoice_needs(session: Session, start: date, end: date) -> dict[int, Need]:
    facts = _service(session, "sales", "facts", "invoices")
    needs: dict[int, Need] = defaultdict(Need)
    for row in session.execute(facts.invoice_lines(session, date_from=start, date_to=end)):
        values = row._mapping
        if values["item_id"] is not None and values["qty"]:
            needs[values["item_id"]].add(values["number"], Decimal(values["qty"]))
    return {item_id: need for item_id, need in needs.items() if need.qty > 0}


def _abc_needs(session: Session, start: date, end: date, cover_days: int, classes: str
               ) -> dict[int, Need]:
    analysis = _service(session, "analysis", "classes", "abc")
    wanted = set(classes)
    chosen = {item_id for item_id, label in analysis.item_classes(session).items()
              if str(label)[:1].upper() in wanted}
    demand = _service(session, "sales", "demand", "abc")
    shipped = demand.shipped_quantities(session, date_from=start, date_to=end)
    return _cover_needs({i: q for i, q in shipped.items() if i in chosen},
                        (end - start).days + 1, cover_days,
                        f"ABC {''.join(sorted(wanted))} {start.isoformat()}..{end.isoformat()}")


# --------------------------------------------------------------------------- generating


def generate(session: Session, route: str, *, date_from: Any = None, date_to: Any = None,
             cover_days: Any = None, group: Any = None, classes: Any = None,
             supplier: Any = None, min_value: Any = None, on: Any = None) -> PurchaseRequest:
    """``request generate --route ROUTE``: propose lines and log the request."""
    require_session_permission(session, "purchasing.write")
    route = validation.choice(route, field="route", choices=ROUTES)
    today = validation.day(on, field="date") or date.today()
    group = validation.text(group, field="group", max_length=100)
    days = validation.whole_number(cover_days if cover_days not in (None, "") else 30,
                                   field="cover_days", minimum=1, maximum=3650)
    letters = validation.text(classes or "A", field="classes", max_length=3).upper()
    if not letters or set(letters) - set("ABC"):
        raise validation.invalid("classes", f"{classes!r} is not a set of the classes A, B, C")
    supplier_id = None
    if supplier not in (None, ""):
        try:
            supplier_id = parties.get_party(session, supplier).id
        except NotFound:
            raise validation.invalid("supplier", f"{supplier!r} is not a known party") from None
    floor = (None if min_value in (None, "")
             else validation.decimal(min_value, field="min_value", places=2, minimum=ZERO))
    parameters: dict[str, Any] = {"date": today.isoformat()}
    if route == "shortages":
        needs = _shortage_needs(session, today)
        stock_counts = False
    else:
        start, end = _period(date_from, date_to, today)
        parameters.update({"from": start.isoformat(), "to": end.isoformat()})
        if route == "sales":
            needs = _sales_needs(session, start, end, days)
        elif route == "invoices":
            needs = _invoice_needs(session, start, end)
        else:
            needs = _abc_needs(session, start, end, days, letters)
            parameters["classes"] = letters
        if route != "invoices":
            parameters["cover_days"] = days
        stock_counts = True
    if group:
        parameters["group"] = group
        attrs = {item_id: attributes for item_id, attributes in session.execute(
            select(Item.id, Item.attributes).where(Item.id.in_(list(needs))))}
        needs = {i: n for i, n in needs.items()
                 if str((attrs.get(i) or {}).get("group", "")) == group}
    if supplier_id is not None:
        parameters["supplier"] = str(supplier)
    if floor is not None:
        parameters["min_value"] = format(floor, "f")
    available = available_stock(session) if stock_counts else {}
    already = coming(session)
    netted: dict[int, Need] = {}
    for item_id, need in needs.items():
        have = max(available.get(item_id, ZERO), ZERO) + already.get(item_id, ZERO)
        if need.qty > have:
            scale = (need.qty - have) / need.qty
            trimmed = Need(due=need.due)
            for ref, qty in need.sources.items():
                trimmed.add(ref, (qty * scale).quantize(SHARE))
            netted[item_id] = trimmed
    offers = best_offers(session, {i: n.qty for i, n in netted.items()}, today)
    request = PurchaseRequest(number=next_number(session, "request", REQUEST_PREFIX),
                              route=route, parameters=parameters,
                              user_name=getattr(session.info.get("user"), "name", "") or "")
    for item_id in sorted(netted, key=lambda i: (netted[i].due or date.max, i)):
        need, offer = netted[item_id], offers[item_id]
        if supplier_id is not None and (offer is None or offer.supplier_id != supplier_id):
            continue
        if floor is not None and (offer is None or offer.order_qty * offer.price < floor):
            continue
        sources = [{"ref": ref, "qty": qty_text(qty)} for ref, qty in need.sources.items()]
        if offer is None:
            request.lines.append(RequestLine(item_id=item_id, qty=_whole_up(need.qty),
                                             need_qty=need.qty, sources=sources,
                                             due_date=need.due,
                                             note="no valid offer in the product matrix"))
            continue
        due = today + timedelta(days=offer.lead_time_days)
        request.lines.append(RequestLine(
            item_id=item_id, supplier_id=offer.supplier_id, qty=offer.order_qty,
            need_qty=need.qty, price=offer.price, currency=offer.currency, due_date=due,
            sources=sources, note=offer.explanation))
    session.add(request)
    session.flush()
    return request


def _whole_up(qty: Decimal) -> Decimal:
    return qty.to_integral_value(rounding=ROUND_CEILING)


# --------------------------------------------------------------------------- reviewing


def get_request(session: Session, ref: Any) -> PurchaseRequest:
    require_session_permission(session, "purchasing.read")
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = session.get(PurchaseRequest, int(ref))
    else:
        found = session.scalar(select(PurchaseRequest).where(
            PurchaseRequest.number == str(ref).strip()))
    if found is None:
        raise NotFound(f"request {ref!r} does not exist", field="request")
    return found


def list_requests(session: Session, *, route: Any = None, limit: Any = None,
                  offset: Any = None) -> Page[PurchaseRequest]:
    require_session_permission(session, "purchasing.read")
    query = select(PurchaseRequest).order_by(PurchaseRequest.id.desc())
    if route not in (None, ""):
        query = query.where(PurchaseRequest.route == validation.choice(
            route, field="route", choices=ROUTES))
    return paginate(session, query, limit, offset)


def _line(session: Session, line_id: Any) -> RequestLine:
    line = session.get(RequestLine, validation.whole_number(line_id, field="line", minimum=1))
    if line is None:
        raise NotFound(f"request line {line_id} does not exist", field="line")
    return line


def edit_line(session: Session, line_id: Any, *, qty: Any = None, supplier: Any = None,
              price: Any = None, due_date: Any = None, drop: bool = False) -> RequestLine:
    """The buyer's review: change a proposed line's quantity, supplier, price or date,
    or drop it."""
    require_session_permission(session, "purchasing.write")
    line = _line(session, line_id)
    if line.status != "proposed":
        raise Conflict(f"request line {line.id} is {line.status} already", field="line")
    if drop:
        line.status = "dropped"
        return line
    if qty not in (None, ""):
        from ordercraft.sdk import items

        line.qty = items.check_quantity(line.item, qty, field="qty")
        if line.qty <= 0:
            raise validation.invalid("qty", f"{qty!r} must be more than 0")
    if supplier not in (None, ""):
        try:
            line.supplier_id = parties.get_party(session, supplier).id
        except NotFound:
            raise validation.invalid("supplier", f"{supplier!r} is not a known party") from None
    if price not in (None, ""):
        line.price = validation.decimal(price, field="price", places=6, minimum=ZERO)
    if due_date not in (None, ""):
        line.due_date = validation.day(due_date, field="due_date")
    session.flush()
    return line


def order_lines(session: Session, line_ids: Iterable[Any] | None = None, *,
                request: Any = None, warehouse: Any = None) -> list[PurchaseOrder]:
    """Group proposed lines (``line_ids``, or every proposed line of ``request``) into
    draft purchase orders, one per supplier; each order line names what it serves."""
    require_session_permission(session, "purchasing.write")
    if line_ids:
        lines = [_line(session, line_id) for line_id in line_ids]
    elif request not in (None, ""):
        lines = [line for line in get_request(session, request).lines]
    else:
        raise validation.invalid("lines", "name the request or its lines to order")
    lines = [line for line in lines if line.status == "proposed"]
    if not lines:
        raise Conflict("nothing to order: no proposed lines", field="lines")
    for line in lines:
        if line.supplier_id is None:
            raise ValidationError(f"supplier: request line {line.id} ({line.item.sku}) has no "
                                  "supplier: give one or drop the line", field="supplier")
        if line.price is None:
            raise ValidationError(f"price: request line {line.id} ({line.item.sku}) has no "
                                  "price", field="price")
    by_supplier: dict[int, list[RequestLine]] = defaultdict(list)
    for line in lines:
        by_supplier[line.supplier_id or 0].append(line)
    made = []
    for supplier_id, group in by_supplier.items():
        order = create_order(session, supplier_id, warehouse=warehouse,
                             currency=group[0].currency or None)
        for line in group:
            po_line = add_line(session, order, line.item.sku, line.qty, line.price,
                               line.due_date, sources=list(line.sources or []))
            line.status, line.order_line_id = "ordered", po_line.id
        order.expected_date = max((line.due_date for line in group if line.due_date),
                                  default=None)
        made.append(order)
    session.flush()
    return made


def request_dict(request: PurchaseRequest, *, full: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": request.id, "number": request.number, "route": request.route,
        "parameters": dict(request.parameters or {}), "user": request.user_name,
        "created_at": request.created_at, "lines_count": len(request.lines)}
    if full:
        body["lines"] = [request_line_dict(line) for line in request.lines]
    return body


def request_line_dict(line: RequestLine) -> dict[str, Any]:
    return {"id": line.id, "item": line.item.sku, "item_name": line.item.name,
            "supplier": line.supplier.name if line.supplier else None,
            "qty": exact(line.qty), "need": exact(line.need_qty),
            "price": None if line.price is None else money(line.price),
            "currency": line.currency or None, "due_date": line.due_date,
            "sources": list(line.sources or []), "status": line.status, "note": line.note}


def count_proposed(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RequestLine)
                          .where(RequestLine.status == "proposed")) or 0
