"""The orders pages: list (filters, pagination), order page (lines with reserved / to
produce / to buy, workflow buttons, partial shipment, print links), entry and edit form
with suggestions, and the print forms as HTML and PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from ordercraft.sdk import custom_fields, validation
from ordercraft.sdk.errors import OrdercraftError, ValidationError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.web import (
    FORM_ERROR_STATUS,
    Form,
    Pager,
    page_arguments,
    permission_required,
    reads_first,
    request_session,
    user_today,
    write_with_posted_run,
)

bp = Blueprint("sales", __name__, url_prefix="/orders", template_folder="templates",
               static_folder="static", static_url_path="/static")

HEADER_FIELDS = ("client", "order_date", "due_date", "deal", "warehouse", "notes")
LINE_FIELDS = ("item", "qty", "price", "discount", "tax_rate")
#: What a line's numbers accept, for their inputs' attributes (the service checks the
#: same: quantities at the unit's precision, percentages up to 100).
LINE_RULES = {"qty": validation.FieldRule("decimal", places=6, minimum=0),
              "price": validation.FieldRule("decimal", places=6, minimum=0),
              "discount": validation.FieldRule("decimal", places=4, minimum=0, maximum=100),
              "tax_rate": validation.FieldRule("decimal", places=4, minimum=0, maximum=100)}
#: Blank line rows the form offers beyond the filled ones (the script adds more).
SPARE_LINES = 3
CSV_COLUMNS = ["id", "number", "state", "order_date", "due_date", "client_id", "client",
               "total", "shortage_count", "deal_id", "manager"]


def _state_labels() -> dict[str, str]:
    from ordercraft.plugins.sales.machine import STATES

    return {state.name: _(state.title).capitalize() for state in STATES}


def _forms() -> list[Any]:
    from ordercraft.sdk.printing import forms_of

    return forms_of(request_session(), "order")


# --------------------------------------------------------------------------- list


@bp.get("/")
@permission_required("order.read")
def index():
    from ordercraft.plugins.sales.orders import list_orders

    state = request.args.get("status", "").strip()
    search = request.args.get("q", "").strip()
    date_from = request.args.get("from", "").strip()
    date_to = request.args.get("to", "").strip()
    client = request.args.get("client", "").strip()
    limit, offset = page_arguments()
    filters = {"status": state or None, "search": search or None,
               "date_from": date_from or None, "date_to": date_to or None,
               "client": client or None, "custom_fields": custom_fields.requested_filters()}
    error = None
    try:
        if custom_fields.wants_csv():
            return custom_fields.csv_response("order", lambda size, start: list_orders(
                request_session(), **filters, limit=size, offset=start),
                lambda row: row.as_dict(), CSV_COLUMNS, "orders")
        found = list_orders(request_session(), **filters, limit=limit, offset=offset)
    except (ValidationError, OrdercraftError) as exc:
        if exc.http_status == 403:
            raise
        error, found = exc.message, None
    arguments = {"status": state, "q": search, "from": date_from, "to": date_to,
                 "client": client, "limit": None if limit == 25 else limit,
                 **custom_fields.filter_arguments()}
    pager = Pager(found.total if found else 0, limit, offset, "sales.index", arguments)
    labels = _state_labels()
    return render_template("sales/list.html", found=found, pager=pager, state=state,
                           search=search, date_from=date_from, date_to=date_to,
                           client=client, tabs=[("", _("All")), *labels.items()], labels=labels,
                           error=error,
                           filtered=bool(search or date_from or date_to or client
                                         or custom_fields.filter_arguments()))


# --------------------------------------------------------------------------- order page


def _order_page(order: Any, *, ship_form: Form | None = None, status: int = 200) -> Any:
    from ordercraft.plugins.sales.orders import order_dict
    from ordercraft.sdk.web import document_panel, document_url

    body = order_dict(order)
    if ship_form is None:
        ship_form = Form({f"ship.{line['position']}": _plain(line["reserved"])
                          if line["reserved"] else "" for line in body["lines"]})
    can_ship = any(t["name"] in ("ship", "ship_part") for t in _panel_transitions(order))
    from ordercraft.plugins.sales.hooks import SalesHooks
    from ordercraft.plugins.sales.invoicing import order_money_dict

    return render_template("sales/order.html", order=order, body=body,
                           money=order_money_dict(request_session(), order),
                           panel=document_panel(order), forms=_forms(), ship_form=ship_form,
                           can_ship=can_ship and order.state != "draft",
                           # A plugin records serial numbers (service): the form asks them.
                           takes_serials=SalesHooks.of(request_session()).implemented(
                               "shipment_serials"),
                           deal_url=document_url("deal", order.deal_id) if order.deal_id
                           else None), status


def _panel_transitions(order: Any) -> list[dict[str, Any]]:
    from ordercraft.sdk.workflow import session_machines

    machine = session_machines(request_session()).machine_of(order)
    return [t.as_dict() for t in machine.transitions_from(order.state)]


def _plain(value: Any) -> str:
    from ordercraft.sdk.printing import qty

    return qty(value)


@bp.get("/<int:order_id>")
@permission_required("order.read")
def order(order_id: int):
    from ordercraft.plugins.sales.orders import get_order

    return _order_page(get_order(request_session(), order_id))


@bp.post("/<int:order_id>/ship")
@permission_required("order.ship")
def ship(order_id: int):
    from ordercraft.plugins.sales.machine import ship_order
    from ordercraft.plugins.sales.orders import get_order

    session = request_session()
    current = get_order(session, order_id)
    names = ([f"ship.{line.position}" for line in current.lines]
             + [f"serials.{line.position}" for line in current.lines] + ["ship.date"])
    form = Form.from_request(names)
    serials = {line.position: form.values[f"serials.{line.position}"]
               for line in current.lines if form.values[f"serials.{line.position}"].strip()}
    wanted = [{"line": line.position, "qty": form.values[f"ship.{line.position}"].strip()}
              for line in current.lines if form.values[f"ship.{line.position}"].strip()
              not in ("", "0")]
    try:
        if not wanted:
            raise ValidationError("ship.1: " + _("give the quantity to ship of at least one line"),
                                  field="ship.1")
        result = ship_order(session, current, wanted, ship_date=form.values["ship.date"] or None,
                            serials=serials)
    except OrdercraftError as exc:
        _ship_field(exc, wanted)
        form.fail(exc)
        session.rollback()
        return _order_page(get_order(session, order_id), ship_form=form,
                           status=FORM_ERROR_STATUS)
    shipment = current.shipments[-1]
    flash(_("Shipment %(number)s was posted; the order is %(state)s.", number=shipment.number,
            state=_state_labels()[result.target].lower()), "success")
    return redirect(url_for("sales.order", order_id=order_id), code=303)


def _ship_field(exc: OrdercraftError, wanted: list[dict[str, Any]]) -> None:
    """Name the form's field: the service says ``lines.<index>.qty``, the form
    ``ship.<position>``."""
    field = exc.field or ""
    if field.startswith("lines."):
        parts = field.split(".")
        if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(wanted):
            position = wanted[int(parts[1])]["line"]
            exc.field = f"ship.{position}"
            exc.message = exc.message.split(": ", 1)[-1]
    elif field == "date":
        exc.field = "ship.date"


# --------------------------------------------------------------------------- entry form


def _entry_page(form: Form, rows: int, order: Any = None, status: int = 200) -> Any:
    from sqlalchemy import select

    from ordercraft.sdk.models import Warehouse

    session = request_session()
    warehouses = session.execute(select(Warehouse.code, Warehouse.name)
                                 .where(Warehouse.active.is_(True))
                                 .order_by(Warehouse.id)).all()
    return render_template("sales/form.html", form=form, rows=rows, order=order,
                           warehouses=[("", _("Default"))] + [(w.code, f"{w.code} — {w.name}")
                                                           for w in warehouses],
                           line_fields=LINE_FIELDS,
                           line_attributes=validation.input_attributes(LINE_RULES)), status


def _line_count() -> int:
    count = 0
    while any(f"lines.{count}.{name}" in request.form for name in LINE_FIELDS):
        count += 1
    return count


def _submitted() -> tuple[Form, list[dict[str, str]], int]:
    count = _line_count()
    names = list(HEADER_FIELDS) + [f"lines.{i}.{name}" for i in range(count)
                                   for name in LINE_FIELDS]
    form = Form.from_request(names, "order")
    lines = []
    # Blank rows are spare rows, not lines; the service numbers the kept ones from 0.
    kept: list[int] = []
    for index in range(count):
        values = {name: form.values[f"lines.{index}.{name}"].strip() for name in LINE_FIELDS}
        if any(values.values()):
            kept.append(index)
            lines.append({"item": values["item"], "qty": values["qty"],
                          "price": values["price"] or None,
                          "discount": values["discount"] or None,
                          "tax_rate": values["tax_rate"] or None})
    form.values["_kept"] = ",".join(str(i) for i in kept)
    return form, lines, count


def _fail(form: Form, exc: OrdercraftError) -> Form:
    """Point line errors at the rows the user typed them in (blank rows are skipped)."""
    kept = [int(i) for i in form.values.get("_kept", "").split(",") if i]

    def row_field(field: str) -> str:
        parts = field.split(".")
        if (len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit()
                and int(parts[1]) < len(kept)):
            return f"lines.{kept[int(parts[1])]}.{parts[2]}"
        return field

    several = exc.details.get("errors") if isinstance(exc.details, dict) else None
    if isinstance(several, dict):
        exc.details["errors"] = {row_field(name): message.replace(name, row_field(name), 1)
                                 for name, message in several.items()}
    field = exc.field or ""
    if row_field(field) != field:
        exc.field = row_field(field)
        exc.message = exc.message.replace(field, exc.field, 1)
    return form.fail(exc)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("order.write")
def create():
    from ordercraft.plugins.sales.orders import create_order

    if request.method == "GET":
        form = Form({"client": request.args.get("client", ""),
                     "deal": request.args.get("deal", ""),
                     "order_date": user_today().isoformat()})
        return _entry_page(form, rows=SPARE_LINES + 1)
    form, lines, count = _submitted()
    values = {name: form.values[name] or None for name in HEADER_FIELDS}
    values["notes"] = form.values["notes"]
    try:
        order = create_order(request_session(), values.pop("client"), lines=lines, **values,
                             custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return _entry_page(_fail(form, exc), rows=max(count, 1), status=FORM_ERROR_STATUS)
    flash(_("Order %(number)s was entered as a draft.", number=order.number), "success")
    return redirect(url_for("sales.order", order_id=order.id), code=303)


def _deal_title(session: Any, deal_id: int | None) -> str:
    """The order's deal as the form shows it: by title (the id when the title is taken
    by another deal of the client)."""
    if deal_id is None:
        return ""
    from ordercraft.plugins.sales.orders import crm_deals

    deal = crm_deals(session).get(session, deal_id)
    found = crm_deals(session).find(session, deal.party_id, deal.title)
    return deal.title if found.id == deal.id else str(deal.id)


@bp.route("/<int:order_id>/edit", methods=["GET", "POST"])
@permission_required("order.write")
def edit(order_id: int):
    from ordercraft.plugins.sales.orders import get_order, update_order

    session = request_session()
    current = get_order(session, order_id)
    if request.method == "GET":
        values = {"client": current.client.name,
                  "order_date": current.order_date.isoformat(),
                  "due_date": current.due_date.isoformat() if current.due_date else "",
                  "deal": _deal_title(session, current.deal_id),
                  "warehouse": current.warehouse.code,
                  "notes": current.notes}
        for index, line in enumerate(current.lines):
            values.update({f"lines.{index}.item": line.item.sku,
                           f"lines.{index}.qty": _plain(line.qty),
                           f"lines.{index}.price": _plain(line.price),
                           f"lines.{index}.discount": _plain(line.discount_pct),
                           f"lines.{index}.tax_rate": _plain(line.tax_rate)})
        form = Form(values).with_custom_fields("order", custom_fields.values_of(current))
        return _entry_page(form, rows=len(current.lines) + SPARE_LINES, order=current)
    form, lines, count = _submitted()
    # Every field is sent: an emptied one is cleared (no deal, no due date, the default
    # warehouse).
    changes = {name: form.values[name] for name in HEADER_FIELDS}
    try:
        order = update_order(session, order_id, lines=lines, **changes,
                             custom_fields=form.custom_fields)
    except OrdercraftError as exc:
        return _entry_page(_fail(form, exc), rows=max(count, 1), order=current,
                           status=FORM_ERROR_STATUS)
    flash(_("Order %(number)s was saved.", number=order.number), "success")
    return redirect(url_for("sales.order", order_id=order_id), code=303)


# --------------------------------------------------------------------------- print forms


@bp.get("/<int:order_id>/print/<form>")
@permission_required("order.read")
def print_form(order_id: int, form: str):
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.plugins.sales.printing import render_order_form

    session = request_session()
    order = get_order(session, order_id)
    links = [{"label": f"← Order {order.number}",
              "url": url_for("sales.order", order_id=order_id)},
             {"label": "Download PDF", "primary": True,
              "url": url_for("sales.print_pdf", order_id=order_id, form=form)}]
    return Response(render_order_form(session, order, form, links=links), mimetype="text/html")


@bp.get("/<int:order_id>/print/<form>.pdf")
@permission_required("order.read")
def print_pdf(order_id: int, form: str):
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.plugins.sales.printing import render_order_form

    session = request_session()
    order = get_order(session, order_id)
    response = Response(render_order_form(session, order, form, pdf=True),
                        mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{order.number}-{form}.pdf"')
    return response


@bp.post("/add-calculation")
@permission_required("order.write")
@reads_first
def add_calculation():
    """The calculator page's "Add to order": run the calculator again with the inputs and
    script version shown (kept as a run, in a transaction of its own), then add its
    result as a line of the chosen draft order, or of a new order of ``client``, in a
    short writing transaction."""
    from ordercraft.plugins.sales.calculated import add_calculated_line

    form = request.form

    def add(writing: Any, run: dict[str, Any]) -> tuple[str, str, int]:
        order = add_calculated_line(
            writing, form.get("order", "").strip() or None, run=run,
            client=form.get("client", "").strip() or None, item=form.get("item"),
            qty=form.get("qty") or "1", markup=form.get("markup") or None,
            description=form.get("description") or None)
        return order.lines[-1].description, order.number, order.id

    try:
        added = write_with_posted_run(add)
    except OrdercraftError as exc:
        if exc.http_status == 403:
            raise
        flash(exc.message, "error")
        return redirect(request.referrer or url_for("sales.index"), code=303)
    flash(_("Added %(line)s to order %(number)s.", line=added[0], number=added[1]), "success")
    return redirect(url_for("sales.order", order_id=added[2]), code=303)
