"""``ordercraft matrix|request|po ...``: the product matrix, supplier requests and purchase
orders. Every command takes ``--json``; a refused operation exits 2 with a message
naming the field and the value. Heavy modules are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ordercraft.sdk.cli import (
    acting_session,
    document_commands,
    emit,
    json_option,
    page_text,
    ready_platform,
    record_text,
    table,
    user_option,
)

OFFER_COLUMNS = ["id", "item", "supplier", "supplier_sku", "price", "currency", "min_qty",
                 "multiple", "lead_time_days", "valid_from", "valid_to", "preferred"]
LINE_COLUMNS = ["position", "item", "qty", "price", "received", "open", "expected_date"]
REQUEST_LINE_COLUMNS = ["id", "item", "supplier", "qty", "need", "price", "due_date", "status"]


def _pairs(values: tuple[str, ...], option: str, first: str = "line") -> list[dict[str, Any]]:
    """``POS:QTY`` or ``SKU:QTY`` options as ``[{"line": ..., "qty": ...}]``."""
    pairs = []
    for value in values:
        ref, sep, qty = value.rpartition(":")
        if not sep or not ref:
            from ordercraft.sdk import validation

            raise validation.invalid(option, f"{value!r} is not LINE:QTY")
        pairs.append({first: ref, "qty": qty})
    return pairs


# --------------------------------------------------------------------------- matrix


@click.group("matrix")
def matrix_group() -> None:
    """The product matrix: suppliers' prices of items, and the best offer."""


@matrix_group.command("add")
@click.argument("sku")
@click.option("--supplier", required=True, help="The supplier (party name or id).")
@click.option("--price", required=True, help="Unit price.")
@click.option("--currency", default=None,
              help="ISO code; default: the purchasing currency setting.")
@click.option("--supplier-sku", default="", help="The supplier's code of the item.")
@click.option("--supplier-name", default="", help="The supplier's name of the item.")
@click.option("--min-qty", default="0", help="Minimum order quantity.")
@click.option("--multiple", default=None, help="Order in multiples of this quantity.")
@click.option("--lead-time", "lead_time_days", default="0", help="Lead time in days.")
@click.option("--valid-from", default=None, metavar="YYYY-MM-DD")
@click.option("--valid-to", default=None, metavar="YYYY-MM-DD")
@click.option("--preferred", is_flag=True, help="Prefer this offer on equal terms.")
@click.option("--break", "breaks", multiple=True, metavar="QTY:PRICE",
              help="A price break: from QTY on, PRICE (repeat for more).")
@click.option("--attr", "attrs", multiple=True, metavar="NAME=VALUE",
              help="A characteristic (brand, grade); repeat for more.")
@user_option
@json_option
def matrix_add(sku: str, breaks: tuple[str, ...], attrs: tuple[str, ...],
               user_name: str | None, as_json: bool, **values: Any) -> None:
    """Add an offer (a changed price supersedes the old one, which stays as history)."""
    from ordercraft.plugins.purchasing.matrix import add_offer, offer_dict

    attributes = {}
    for attr in attrs:
        name, sep, value = attr.partition("=")
        if not sep or not name.strip():
            from ordercraft.sdk import validation

            raise validation.invalid("attr", f"{attr!r} is not NAME=VALUE")
        attributes[name.strip()] = value.strip()
    with acting_session(user_name) as session:
        body = offer_dict(add_offer(session, {"sku": sku, **values, "breaks": ";".join(breaks),
                                              "attributes": attributes}))
    emit(as_json, {"ok": True, "offer": body},
         lambda: f"offer {body['id']}: {body['item']} from {body['supplier']} at "
                 f"{body['price']} {body['currency']}")


@matrix_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--supplier", default=None, help="The supplier of rows that name none.")
@user_option
@json_option
def matrix_import(path: Path, supplier: str | None, user_name: str | None,
                  as_json: bool) -> None:
    """Import a price list (CSV or XLSX): all rows or none, every bad row listed."""
    from ordercraft.plugins.purchasing.matrix import import_offers, read_price_list

    rows = read_price_list(path.read_bytes(), path.name)  # parsed outside the transaction
    with acting_session(user_name) as session:
        count = len(import_offers(session, rows, supplier=supplier))
    emit(as_json, {"ok": True, "imported": count}, f"{count} offer(s) imported")


@matrix_group.command("list")
@click.option("--item", default=None, help="Only this item (SKU).")
@click.option("--supplier", default=None, help="Only this supplier.")
@click.option("--history", is_flag=True, help="Include superseded offers.")
@click.option("--limit", default=None)
@click.option("--offset", default=None)
@user_option
@json_option
def matrix_list(item: str | None, supplier: str | None, history: bool, limit: Any,
                offset: Any, user_name: str | None, as_json: bool) -> None:
    """List offers by item and supplier."""
    from ordercraft.plugins.purchasing.matrix import list_offers, offer_dict

    with acting_session(user_name) as session:
        page = list_offers(session, item=item, supplier=supplier, history=history,
                           limit=limit, offset=offset)
        body = page.to_dict("offers", offer_dict)
    emit(as_json, {"ok": True, **body}, lambda: page_text(body, "offers", OFFER_COLUMNS))


@matrix_group.command("history")
@click.argument("sku")
@click.option("--supplier", default=None, help="Only this supplier.")
@user_option
@json_option
def matrix_history(sku: str, supplier: str | None, user_name: str | None,
                   as_json: bool) -> None:
    """The item's price history: every offer, superseded ones included, with the
    change against the supplier's previous price."""
    from ordercraft.plugins.purchasing.matrix import price_history

    with acting_session(user_name) as session:
        rows = price_history(session, sku, supplier=supplier)
    emit(as_json, {"ok": True, "item": sku, "history": rows},
         lambda: table(rows, ["recorded_at", "supplier", "price", "currency", "change",
                              "valid_from", "valid_to", "live"]))


@matrix_group.command("export")
@click.option("--item", default=None)
@click.option("--supplier", default=None)
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="FILE.csv or FILE.xlsx (default: CSV on stdout).")
@user_option
def matrix_export(item: str | None, supplier: str | None, output: Path | None,
                  user_name: str | None) -> None:
    """Export the live offers as a price list (the import's columns)."""
    from ordercraft.plugins.purchasing.matrix import (
        PRICE_LIST_COLUMNS,
        export_rows,
        list_offers,
        write_csv,
    )

    rows: list[dict[str, Any]] = []
    with acting_session(user_name) as session:
        offset = 0
        while True:
            page = list_offers(session, item=item, supplier=supplier, limit=1000,
                               offset=offset)
            rows.extend(export_rows(page.items))
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
    if output is not None and output.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        columns = list(dict.fromkeys([*PRICE_LIST_COLUMNS, *(k for row in rows for k in row)]))
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c, "") for c in columns])
        book.save(output)
        return
    text = write_csv(rows)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@matrix_group.command("best")
@click.argument("sku")
@click.option("--qty", required=True, help="The quantity needed.")
@click.option("--date", "on", default=None, metavar="YYYY-MM-DD", help="Default: today.")
@user_option
@json_option
def matrix_best(sku: str, qty: str, on: str | None, user_name: str | None,
                as_json: bool) -> None:
    """The best valid offer for SKU at the quantity on the date, explained."""
    from ordercraft.plugins.purchasing.matrix import best_offer

    with acting_session(user_name) as session:
        body = best_offer(session, sku, qty, on).to_dict()
    emit(as_json, {"ok": True, "best": body},
         lambda: record_text(body, ["item", "supplier", "price", "currency", "order_qty",
                                    "lead_time_days", "valid_to", "explanation"]))


# --------------------------------------------------------------------------- requests


@click.group("request")
def request_group() -> None:
    """Supplier requests: generate by route, review, order."""


@request_group.command("generate")
@click.option("--route", required=True, help="shortages, sales, invoices or abc.")
@click.option("--from", "date_from", default=None, metavar="YYYY-MM-DD")
@click.option("--to", "date_to", default=None, metavar="YYYY-MM-DD")
@click.option("--cover-days", default=None, help="Days of sales to cover (sales, abc).")
@click.option("--group", default=None, help="Only items whose group attribute is this.")
@click.option("--classes", default=None, help="abc: the classes, A (default) or AB.")
@click.option("--supplier", default=None, help="Only lines of this supplier.")
@click.option("--min-value", default=None, help="Only lines worth at least this much.")
@click.option("--date", "on", default=None, metavar="YYYY-MM-DD", help="Default: today.")
@user_option
@json_option
def request_generate(route: str, user_name: str | None, as_json: bool, **options: Any) -> None:
    """Propose supplier request lines by a route; logs the request."""
    from ordercraft.plugins.purchasing.requests import generate, request_dict

    with acting_session(user_name) as session:
        body = request_dict(generate(session, route, **options))
    emit(as_json, {"ok": True, "request": body}, lambda: _request_text(body))


def _request_text(body: dict[str, Any]) -> str:
    head = (f"request {body['number']} ({body['route']}) by {body['user'] or 'the system'} "
            f"at {body['created_at']}: {body['parameters']}")
    return head + "\n" + table(body.get("lines", []), REQUEST_LINE_COLUMNS)


@request_group.command("list")
@click.option("--route", default=None)
@click.option("--limit", default=None)
@click.option("--offset", default=None)
@user_option
@json_option
def request_list(route: str | None, limit: Any, offset: Any, user_name: str | None,
                 as_json: bool) -> None:
    """The request log, newest first."""
    from ordercraft.plugins.purchasing.requests import list_requests, request_dict

    with acting_session(user_name) as session:
        body = list_requests(session, route=route, limit=limit, offset=offset).to_dict(
            "requests", lambda r: request_dict(r, full=False))
    emit(as_json, {"ok": True, **body}, lambda: page_text(
        body, "requests", ["id", "number", "route", "user", "created_at", "lines_count"]))


@request_group.command("show")
@click.argument("ref")
@user_option
@json_option
def request_show(ref: str, user_name: str | None, as_json: bool) -> None:
    """One request with its lines."""
    from ordercraft.plugins.purchasing.requests import get_request, request_dict

    with acting_session(user_name) as session:
        body = request_dict(get_request(session, ref))
    emit(as_json, {"ok": True, "request": body}, lambda: _request_text(body))


@request_group.command("edit")
@click.argument("line_id")
@click.option("--qty", default=None)
@click.option("--supplier", default=None)
@click.option("--price", default=None)
@click.option("--due-date", default=None, metavar="YYYY-MM-DD")
@click.option("--drop", is_flag=True, help="Drop the line.")
@user_option
@json_option
def request_edit(line_id: str, user_name: str | None, as_json: bool, **changes: Any) -> None:
    """Review a proposed line: change it or drop it."""
    from ordercraft.plugins.purchasing.requests import edit_line, request_line_dict

    with acting_session(user_name) as session:
        body = request_line_dict(edit_line(session, line_id, **changes))
    emit(as_json, {"ok": True, "line": body},
         lambda: record_text(body, ["id", "item", "supplier", "qty", "price", "status"]))


@request_group.command("order")
@click.argument("ref", required=False)
@click.option("--line", "lines", multiple=True, metavar="ID", help="Only these lines.")
@click.option("--warehouse", default=None, help="Receive into this warehouse.")
@user_option
@json_option
def request_order(ref: str | None, lines: tuple[str, ...], warehouse: str | None,
                  user_name: str | None, as_json: bool) -> None:
    """Group the proposed lines of request REF (or --line IDs) into draft purchase
    orders, one per supplier."""
    from ordercraft.plugins.purchasing.orders import order_dict
    from ordercraft.plugins.purchasing.requests import order_lines

    with acting_session(user_name) as session:
        orders = order_lines(session, list(lines), request=ref, warehouse=warehouse)
        body = [order_dict(order) for order in orders]
    emit(as_json, {"ok": True, "orders": body},
         lambda: "\n".join(f"{o['number']}: {o['supplier']}, {len(o['lines'])} line(s), "
                           f"total {o['total']} {o['currency']}" for o in body))


# --------------------------------------------------------------------------- orders


@click.group("po")
def po_group() -> None:
    """Purchase orders: add, line, send, confirm, receive, cancel, list, show, print."""


for _command in document_commands("purchase_order"):
    po_group.add_command(_command)


def _po_text(body: dict[str, Any]) -> str:
    head = [f"purchase order {body['number']} (id {body['id']}): "
            f"{body['state'].replace('_', ' ')}",
            f"supplier: {body['supplier']}, date {body['order_date']}, total {body['total']} "
            f"{body['currency']}"]
    if body.get("supplier_date"):
        head.append(f"confirmed for {body['supplier_date']}")
    return "\n".join([*head, table(body.get("lines", []), LINE_COLUMNS)])


def _po_body(session: Any, order: Any) -> dict[str, Any]:
    from ordercraft.plugins.purchasing.orders import order_dict

    session.flush()
    return order_dict(order)


def _po_out(body: dict[str, Any], as_json: bool, message: str = "") -> None:
    """Printed after the transaction committed: "ok" is never shown for a rollback."""
    emit(as_json, {"ok": True, "order": body},
         lambda: (message + "\n" if message else "") + _po_text(body))


@po_group.command("add")
@click.argument("supplier")
@click.option("--line", "lines", multiple=True, metavar="SKU:QTY[:PRICE]",
              help="A line (repeat for more); no price: the supplier's offer.")
@click.option("--warehouse", default=None)
@click.option("--currency", default=None)
@click.option("--date", "order_date", default=None, metavar="YYYY-MM-DD")
@click.option("--expected", "expected_date", default=None, metavar="YYYY-MM-DD")
@click.option("--notes", default="")
@user_option
@json_option
def po_add(supplier: str, lines: tuple[str, ...], user_name: str | None, as_json: bool,
           **values: Any) -> None:
    """A draft purchase order to SUPPLIER."""
    from ordercraft.plugins.purchasing.orders import create_order

    parsed = []
    for value in lines:
        parts = value.split(":")
        if len(parts) not in (2, 3):
            from ordercraft.sdk import validation

            raise validation.invalid("line", f"{value!r} is not SKU:QTY[:PRICE]")
        parsed.append({"item": parts[0], "qty": parts[1],
                       "price": parts[2] if len(parts) == 3 else None})
    with acting_session(user_name) as session:
        order = create_order(session, supplier, lines=parsed, **values)
        body = _po_body(session, order)
    _po_out(body, as_json)


@po_group.command("line")
@click.argument("order_ref")
@click.argument("sku")
@click.option("--qty", required=True)
@click.option("--price", default=None, help="Default: the supplier's offer.")
@click.option("--expected", "expected_date", default=None, metavar="YYYY-MM-DD")
@user_option
@json_option
def po_line(order_ref: str, sku: str, qty: str, price: str | None, expected_date: str | None,
            user_name: str | None, as_json: bool) -> None:
    """Add a line to a draft purchase order."""
    from ordercraft.plugins.purchasing.orders import add_line, get_order

    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        add_line(session, order, sku, qty, price, expected_date)
        body = _po_body(session, order)
    _po_out(body, as_json)


@po_group.command("send")
@click.argument("order_ref")
@click.option("--to", default=None, help="E-mail address (default: the supplier's).")
@click.option("--no-pdf", is_flag=True, help="Attach only the CSV of the lines.")
@user_option
@json_option
def po_send(order_ref: str, to: str | None, no_pdf: bool, user_name: str | None,
            as_json: bool) -> None:
    """Send the order to the supplier: PDF and CSV by e-mail through the outbox."""
    from ordercraft.plugins.purchasing.orders import get_order
    from ordercraft.plugins.purchasing.sending import order_pdf, send_order

    pdf = None
    if not no_pdf:
        with acting_session(user_name) as session:
            order_id = get_order(session, order_ref).id
        # Rendered outside the sending transaction (WeasyPrint takes a while).
        pdf = order_pdf(ready_platform(), order_id)
    with acting_session(user_name) as session:
        order = send_order(session, get_order(session, order_ref), pdf=pdf, to=to)
        body = _po_body(session, order)
    _po_out(body, as_json,
            f"sent to {body['sent_to']}" if body["sent_to"] else "sent (no e-mail address)")


@po_group.command("confirm")
@click.argument("order_ref")
@click.option("--date", "supplier_date", default=None, metavar="YYYY-MM-DD",
              help="The delivery date the supplier confirmed.")
@user_option
@json_option
def po_confirm(order_ref: str, supplier_date: str | None, user_name: str | None,
               as_json: bool) -> None:
    """Record the supplier's confirmation (and date)."""
    from ordercraft.plugins.purchasing.orders import get_order
    from ordercraft.sdk.workflow import transition

    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        transition(session, order, "confirm",
                   data={"supplier_date": supplier_date} if supplier_date else {})
        body = _po_body(session, order)
    _po_out(body, as_json)


@po_group.command("receive")
@click.argument("order_ref")
@click.option("--line", "lines", multiple=True, metavar="LINE:QTY",
              help="Line number or SKU and quantity (repeat); none: everything open.")
@click.option("--date", "on", default=None, metavar="YYYY-MM-DD")
@click.option("--extra-cost", default=None, help="Landed costs to spread over the lines.")
@click.option("--spread", default=None, help="value (default) or quantity.")
@user_option
@json_option
def po_receive(order_ref: str, lines: tuple[str, ...], on: str | None, extra_cost: str | None,
               spread: str | None, user_name: str | None, as_json: bool) -> None:
    """Receive goods into stock at the order's prices (plus spread extra costs)."""
    from ordercraft.plugins.purchasing.orders import get_order, receive_order

    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        receipt = receive_order(session, order, lines=_pairs(lines, "line"), on=on,
                                extra_cost=extra_cost, spread=spread)
        number, body = receipt.number, _po_body(session, order)
    _po_out(body, as_json, f"receipt {number} posted")


@po_group.command("return")
@click.argument("order_ref")
@click.option("--line", "lines", multiple=True, required=True, metavar="LINE:QTY")
@click.option("--date", "on", default=None, metavar="YYYY-MM-DD")
@click.option("--reason", default="")
@user_option
@json_option
def po_return(order_ref: str, lines: tuple[str, ...], on: str | None, reason: str,
              user_name: str | None, as_json: bool) -> None:
    """Return received goods to the supplier (a stock issue)."""
    from ordercraft.plugins.purchasing.orders import get_order, return_goods

    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        receipt = return_goods(session, order, _pairs(lines, "line"), on=on, reason=reason)
        number, body = receipt.number, _po_body(session, order)
    _po_out(body, as_json, f"return {number} posted")


@po_group.command("cancel")
@click.argument("order_ref")
@click.option("--reason", required=True)
@user_option
@json_option
def po_cancel(order_ref: str, reason: str, user_name: str | None, as_json: bool) -> None:
    """Cancel an order nothing was received against."""
    from ordercraft.plugins.purchasing.orders import get_order
    from ordercraft.sdk.workflow import transition

    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        transition(session, order, "cancel", reason=reason)
        body = _po_body(session, order)
    _po_out(body, as_json)


@po_group.command("close")
@click.argument("order_ref")
@user_option
@json_option
def po_close(order_ref: str, user_name: str | None, as_json: bool) -> None:
    """Close a (partially) received order: the rest will not come."""
    from ordercraft.plugins.purchasing.orders import get_order
    from ordercraft.sdk.workflow import transition

    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        transition(session, order, "close")
        body = _po_body(session, order)
    _po_out(body, as_json)


@po_group.command("invoice")
@click.argument("order_ref")
@click.option("--number", required=True, help="The supplier's invoice number.")
@click.option("--line", "lines", multiple=True, required=True, metavar="LINE:QTY:PRICE",
              help="An invoiced line: line number or SKU, quantity, unit price (repeat).")
@click.option("--date", "on", default=None, metavar="YYYY-MM-DD")
@user_option
@json_option
def po_invoice(order_ref: str, number: str, lines: tuple[str, ...], on: str | None,
               user_name: str | None, as_json: bool) -> None:
    """Record a supplier's invoice and show the three-way match."""
    from ordercraft.plugins.purchasing.invoices import record_invoice, three_way_match
    from ordercraft.plugins.purchasing.orders import get_order
    from ordercraft.sdk import validation

    parsed = []
    for value in lines:
        parts = value.rsplit(":", 2)
        if len(parts) != 3:
            raise validation.invalid("line", f"{value!r} is not LINE:QTY:PRICE")
        parsed.append({"line": parts[0], "qty": parts[1], "price": parts[2]})
    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        record_invoice(session, order, number, parsed, on=on)
        body = three_way_match(session, order)
    emit(as_json, {"ok": True, "match": body}, lambda: _match_text(body))


def _match_text(body: dict[str, Any]) -> str:
    return (f"{body['order']}: " + ("matched" if body["matched"] else "differences") + "\n"
            + table(body["lines"], ["position", "item", "ordered", "order_price", "received",
                                    "invoiced", "invoiced_price", "qty_difference",
                                    "price_difference", "status"]))


@po_group.command("match")
@click.argument("order_ref")
@user_option
@json_option
def po_match(order_ref: str, user_name: str | None, as_json: bool) -> None:
    """The three-way match of an order: ordered, received, invoiced, differences."""
    from ordercraft.plugins.purchasing.invoices import three_way_match
    from ordercraft.plugins.purchasing.orders import get_order

    with acting_session(user_name) as session:
        body = three_way_match(session, get_order(session, order_ref))
    emit(as_json, {"ok": True, "match": body}, lambda: _match_text(body))


@po_group.command("list")
@click.option("--state", "states", multiple=True)
@click.option("--supplier", default=None)
@click.option("--limit", default=None)
@click.option("--offset", default=None)
@user_option
@json_option
def po_list(states: tuple[str, ...], supplier: str | None, limit: Any, offset: Any,
            user_name: str | None, as_json: bool) -> None:
    """Purchase orders, newest first."""
    from ordercraft.plugins.purchasing.orders import list_orders, order_dict

    with acting_session(user_name) as session:
        body = list_orders(session, state=states, supplier=supplier, limit=limit,
                           offset=offset).to_dict("orders", lambda o: order_dict(o, full=False))
    emit(as_json, {"ok": True, **body}, lambda: page_text(
        body, "orders", ["id", "number", "state", "supplier", "order_date", "total"]))


@po_group.command("show")
@click.argument("order_ref")
@user_option
@json_option
def po_show(order_ref: str, user_name: str | None, as_json: bool) -> None:
    """One purchase order with its lines and receipts."""
    from ordercraft.plugins.purchasing.orders import get_order, order_dict

    with acting_session(user_name) as session:
        body = order_dict(get_order(session, order_ref))
    emit(as_json, {"ok": True, "order": body}, lambda: _po_text(body))


@po_group.command("print")
@click.argument("order_ref")
@click.option("--format", "fmt", default="pdf", show_default=True,
              help="pdf, html, csv or xlsx.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@user_option
@json_option
def po_print(order_ref: str, fmt: str, output: Path, user_name: str | None,
             as_json: bool) -> None:
    """Write the order as PDF, HTML, CSV or XLSX (for the supplier)."""
    from ordercraft.plugins.purchasing.orders import get_order, lines_csv
    from ordercraft.sdk import validation
    from ordercraft.sdk.printing import render_html, render_pdf

    fmt = validation.choice(fmt, field="format", choices=("pdf", "html", "csv", "xlsx"))
    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        if fmt in ("pdf", "html"):
            content: Any = render_html(session, "purchase_order", "order", order)
        else:
            content = lines_csv(order)
        number = order.number
    if fmt == "pdf":
        output.write_bytes(render_pdf(content))
    elif fmt == "xlsx":
        import csv
        import io

        from openpyxl import Workbook

        book = Workbook()
        for row in csv.reader(io.StringIO(content)):
            book.active.append(row)
        book.save(output)
    else:
        output.write_text(content, encoding="utf-8")
    emit(as_json, {"ok": True, "order": number, "format": fmt, "path": str(output)},
         f"{number} written to {output}")
