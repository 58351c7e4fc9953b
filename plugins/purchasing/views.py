"""purchasing's pages: purchase orders (list, one order with sending, confirming,
receiving and cancelling), the product matrix (with a price-list import) and supplier
requests (generate by route, review, order). Every action is a POST that answers with a
redirect; a refusal is flashed and nothing of it is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.i18n import _, ngettext
from ordercraft.sdk.validation import input_attributes
from ordercraft.sdk.web import document_panel, permission_required, request_session

bp = Blueprint("purchasing", __name__, url_prefix="/purchasing", template_folder="templates")


def _attempt(action: Callable[[], str], back: str) -> Any:
    """Run ``action`` (which returns the success message); on a refusal, roll back and
    show the message."""
    session = request_session()
    try:
        flash(action(), "success")
    except OrdercraftError as error:
        session.rollback()
        flash(error.message, "error")
    return redirect(back, code=303)


# --------------------------------------------------------------------------- orders


@bp.get("/")
@permission_required("purchasing.read")
def orders() -> Any:
    from ordercraft.plugins.purchasing.orders import list_orders, order_dict

    state = request.args.get("state") or ""
    found = list_orders(request_session(), state=[state] if state else [],
                        limit=request.args.get("limit"), offset=request.args.get("offset"))
    return render_template("purchasing/orders.html", state=state, total=found.total,
                           rows=[order_dict(o, full=False) for o in found.items])


@bp.get("/orders/<int:order_id>")
@permission_required("purchasing.read")
def order(order_id: int) -> Any:
    from ordercraft.plugins.purchasing.invoices import three_way_match
    from ordercraft.plugins.purchasing.orders import get_order, order_dict

    session = request_session()
    found = get_order(session, order_id)
    return render_template("purchasing/order.html", order=found, body=order_dict(found),
                           panel=document_panel(found), match=three_way_match(session, found))


@bp.post("/orders/<int:order_id>/<action>")
# The action names the permission (send/confirm/cancel/close: purchasing.write, receive:
# purchasing.receive), checked by the transition or service it runs; reading comes first.
@permission_required("purchasing.read")
def order_action(order_id: int, action: str) -> Any:
    from ordercraft.plugins.purchasing.orders import get_order, receive_order
    from ordercraft.plugins.purchasing.sending import order_pdf, send_order
    from ordercraft.sdk.plugins import site_platform
    from ordercraft.sdk.workflow import transition

    session = request_session()
    found = get_order(session, order_id)
    form = request.form

    def act() -> str:
        if action == "send":
            pdf = order_pdf(site_platform(session), found.id) if form.get("pdf") else None
            send_order(session, found, pdf=pdf, to=form.get("to") or None)
            return (f"{found.number} was sent to {found.sent_to}." if found.sent_to
                    else f"{found.number} is marked sent.")
        if action == "receive":
            lines = [{"line": line.position, "qty": form.get(f"qty.{line.position}")}
                     for line in found.lines
                     if (form.get(f"qty.{line.position}") or "").strip() not in ("", "0")]
            receipt = receive_order(session, found, lines=lines or None,
                                    on=form.get("date") or None,
                                    extra_cost=form.get("extra_cost") or None,
                                    spread=form.get("spread") or None)
            return _("Receipt %(number)s was posted.", number=receipt.number)
        if action == "confirm":
            transition(session, found, "confirm",
                       data={"supplier_date": form.get("supplier_date") or None})
        elif action == "cancel":
            transition(session, found, "cancel", reason=form.get("reason") or None)
        elif action == "close":
            transition(session, found, "close")
        else:
            from ordercraft.sdk.errors import NotFound

            raise NotFound(f"no action {action!r}", field="action")
        return _("%(number)s: %(action)s done.", number=found.number, action=action)

    return _attempt(act, url_for("purchasing.order", order_id=order_id))


# --------------------------------------------------------------------------- matrix


@bp.get("/matrix")
@permission_required("purchasing.read")
def matrix() -> Any:
    from ordercraft.plugins.purchasing.declarations import CURRENCY_SETTING
    from ordercraft.plugins.purchasing.matrix import OFFER_FORM_RULES, list_offers, offer_dict
    from ordercraft.sdk.settings import get_setting

    item = request.args.get("item") or None
    session = request_session()
    found = list_offers(session, item=item, limit=request.args.get("limit"),
                        offset=request.args.get("offset"))
    return render_template("purchasing/matrix.html", item=item or "", total=found.total,
                           offers=[offer_dict(o) for o in found.items],
                           currency=get_setting(session, CURRENCY_SETTING),
                           attrs=input_attributes(OFFER_FORM_RULES))


@bp.get("/matrix/history")
@permission_required("purchasing.read")
def matrix_history() -> Any:
    from ordercraft.plugins.purchasing.matrix import price_history

    item = request.args.get("item") or ""
    supplier = request.args.get("supplier") or None
    rows = price_history(request_session(), item, supplier=supplier) if item else []
    return render_template("purchasing/history.html", item=item, supplier=supplier or "",
                           rows=rows)


@bp.post("/matrix")
@permission_required("purchasing.write")
def matrix_add() -> Any:
    from ordercraft.plugins.purchasing.matrix import add_offer

    def act() -> str:
        offer = add_offer(request_session(), dict(request.form))
        return _("The offer of %(supplier)s for %(sku)s was saved.", supplier=offer.supplier.name,
                 sku=offer.item.sku)

    return _attempt(act, url_for("purchasing.matrix"))


@bp.post("/matrix/import")
@permission_required("purchasing.write")
def matrix_import() -> Any:
    from ordercraft.plugins.purchasing.matrix import import_offers, read_price_list

    upload = request.files.get("file")

    def act() -> str:
        if upload is None or not upload.filename:
            from ordercraft.sdk import validation

            raise validation.invalid("file", "choose a CSV or XLSX price list")
        rows = read_price_list(upload.read(), upload.filename)
        count = len(import_offers(request_session(), rows,
                                  supplier=request.form.get("supplier") or None))
        return ngettext("%(num)d offer imported.", "%(num)d offers imported.", count)

    return _attempt(act, url_for("purchasing.matrix"))


# --------------------------------------------------------------------------- requests


@bp.get("/requests")
@permission_required("purchasing.read")
def requests_page() -> Any:
    from ordercraft.plugins.purchasing.requests import ROUTES, list_requests, request_dict

    found = list_requests(request_session(), limit=request.args.get("limit"),
                          offset=request.args.get("offset"))
    return render_template("purchasing/requests.html", routes=ROUTES, total=found.total,
                           rows=[request_dict(r, full=False) for r in found.items])


@bp.post("/requests")
@permission_required("purchasing.write")
def generate_request() -> Any:
    from ordercraft.plugins.purchasing.requests import generate

    form = request.form
    made: dict[str, Any] = {}

    def act() -> str:
        found = generate(request_session(), form.get("route") or "",
                         date_from=form.get("from") or None, date_to=form.get("to") or None,
                         cover_days=form.get("cover_days") or None,
                         group=form.get("group") or None, classes=form.get("classes") or None)
        made["id"] = found.id
        return ngettext("Request %(number)s: %(num)d line proposed.",
                        "Request %(number)s: %(num)d lines proposed.", len(found.lines),
                        number=found.number)

    response = _attempt(act, url_for("purchasing.requests_page"))
    if "id" in made:
        return redirect(url_for("purchasing.request_page", request_id=made["id"]), code=303)
    return response


@bp.get("/requests/<int:request_id>")
@permission_required("purchasing.read")
def request_page(request_id: int) -> Any:
    from ordercraft.plugins.purchasing.requests import get_request, request_dict

    found = get_request(request_session(), request_id)
    return render_template("purchasing/request.html", req=request_dict(found))


@bp.post("/requests/<int:request_id>/review")
@permission_required("purchasing.write")
def review_request(request_id: int) -> Any:
    """Save the reviewed lines (quantity, supplier, drop) and, with ``order``, group the
    proposed ones into purchase orders."""
    from ordercraft.plugins.purchasing.requests import edit_line, get_request, order_lines

    session = request_session()
    found = get_request(session, request_id)
    form = request.form

    def act() -> str:
        for line in found.lines:
            if line.status != "proposed":
                continue
            if form.get(f"drop.{line.id}"):
                edit_line(session, line.id, drop=True)
                continue
            edit_line(session, line.id, qty=form.get(f"qty.{line.id}") or None,
                      supplier=form.get(f"supplier.{line.id}") or None,
                      price=form.get(f"price.{line.id}") or None)
        if form.get("order"):
            made = order_lines(session, request=found.id)
            return "Purchase orders " + ", ".join(o.number for o in made) + " were created."
        return "The lines were saved."

    return _attempt(act, url_for("purchasing.request_page", request_id=request_id))
