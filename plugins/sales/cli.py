"""``ordercraft order ...``: enter, add calculator lines, list, show, confirm, ship,
cancel, move and print orders.

Commands act as the site's owner (the system) unless ``--user NAME`` (or
``ORDERCRAFT_USER``) names a user whose permissions then apply. Every command takes
``--json``; a refused operation exits 2 with a message naming the field and the value.
Heavy modules are imported inside the commands (``ordercraft --help`` stays fast).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ordercraft.sdk import custom_fields
from ordercraft.sdk.cli import (
    acting_session,
    document_commands,
    emit,
    json_option,
    table,
    user_option,
)

CSV_COLUMNS = ["id", "number", "state", "order_date", "due_date", "client_id", "client",
               "total", "shortage_count", "deal_id", "manager"]


@click.group("order")
def order_group() -> None:
    """Customer orders: add, line, list, show, confirm, ship, cancel, print."""


for _command in document_commands("order"):
    order_group.add_command(_command)


def _order_text(body: dict[str, Any]) -> str:
    head = [f"order {body['number']} (id {body['id']}): {body['state'].replace('_', ' ')}",
            f"client: {body['client']}" + (f" — {body['legal_entity']}"
                                           if body.get("legal_entity") else ""),
            f"date: {body['order_date']}" + (f", due {body['due_date']}" if body['due_date']
                                             else "") + f", warehouse {body['warehouse']}"]
    if body.get("deal_id"):
        head.append(f"deal: {body['deal_id']}")
    if body.get("custom_fields"):
        head.append("custom fields: " + ", ".join(f"{name}={value}" for name, value
                                                  in body["custom_fields"].items()))
    rows = [{"#": line["position"], "item": line["item"], "qty": line["qty"],
             "price": line["price"], "disc%": line["discount"], "tax%": line["tax_rate"],
             "total": line["total"], "reserved": line["reserved"], "shipped": line["shipped"],
             "to produce": line["to_produce"], "to buy": line["to_buy"]}
            for line in body.get("lines", [])]
    columns = ["#", "item", "qty", "price", "disc%", "tax%", "total", "reserved", "shipped",
               "to produce", "to buy"]
    totals = (f"subtotal {body['subtotal']}, tax {body['tax_total']}, total {body['total']}")
    return "\n".join([*head, table(rows, columns), totals])


def _body(session: Any, order: Any) -> dict[str, Any]:
    from ordercraft.plugins.sales.orders import order_dict

    session.flush()
    return order_dict(order)


def _show(body: dict[str, Any], as_json: bool, message: str | None = None) -> None:
    """Printed after the transaction committed: "ok" is never shown for a rollback."""
    emit(as_json, {"ok": True, "order": body},
         lambda: (message + "\n" if message else "") + _order_text(body))


@order_group.command("add")
@click.option("--client", required=True, metavar="NAME_OR_ID", help="The client.")
@click.option("--line", "lines", multiple=True, metavar="SKU:QTY[:PRICE[:DISCOUNT[:TAX]]]",
              help="A line (repeat for more); empty parts keep the list price, no "
                   "discount and the site's tax rate: ROBOT-STD:10::5.")
@click.option("--deal", metavar="ID", help="The crm deal the order comes from.")
@click.option("--legal-entity", metavar="ID",
              help="The client's legal entity (default: the one valid on the order date).")
@click.option("--warehouse", metavar="CODE", help="Where to reserve and ship from.")
@click.option("--date", "order_date", metavar="YYYY-MM-DD", help="Order date (default today).")
@click.option("--due", "due_date", metavar="YYYY-MM-DD", help="Delivery date promised.")
@click.option("--number", metavar="NUMBER", help="Order number (default: the next SO-NNNNN).")
@click.option("--manager", metavar="USER", help="Responsible manager.")
@click.option("--notes", default="", help="Remarks printed on the confirmation.")
@custom_fields.field_option
@user_option
@json_option
def add_command(client: str, lines: tuple[str, ...], deal: str | None,
                legal_entity: str | None, warehouse: str | None, order_date: str | None,
                due_date: str | None, number: str | None, manager: str | None, notes: str,
                custom_fields: dict[str, str] | None, user_name: str | None,
                as_json: bool) -> None:
    """Enter a draft order."""
    from ordercraft.plugins.sales.orders import create_order

    with acting_session(user_name) as session:
        order = create_order(session, client, lines=list(lines), deal=deal,
                             legal_entity=legal_entity, warehouse=warehouse,
                             order_date=order_date, due_date=due_date, number=number,
                             manager=manager, notes=notes, custom_fields=custom_fields)
        body = _body(session, order)
    _show(body, as_json, f"added order {body['number']}")


@order_group.command("line")
@click.argument("order_ref", metavar="[ORDER]", required=False)
@click.option("--calc-run", "run_id", required=True, metavar="RUN_ID",
              help="The kept calculator run that prices the line (ordercraft calc runs).")
@click.option("--item", required=True, metavar="SKU", help="The item the line sells.")
@click.option("--client", metavar="NAME_OR_ID",
              help="Without ORDER: the client of a new draft order.")
@click.option("--qty", metavar="QTY", default="1", show_default=True)
@click.option("--markup", metavar="PCT", help="Price = the run's total (cost) + PCT %.")
@click.option("--price", metavar="PRICE", help="The unit price (instead of --markup).")
@click.option("--discount", metavar="PCT")
@click.option("--tax", "tax_rate", metavar="PCT", help="Tax rate (default: the site's).")
@click.option("--description", metavar="TEXT", help="Default: the item's name.")
@user_option
@json_option
def line_command(order_ref: str | None, run_id: str, item: str, client: str | None,
                 qty: str, markup: str | None, price: str | None, discount: str | None,
                 tax_rate: str | None, description: str | None, user_name: str | None,
                 as_json: bool) -> None:
    """Add a line priced by a kept calculator run to the draft ORDER (or to a new order of
    --client); the run's script version and inputs are stored with the line."""
    from ordercraft.plugins.sales.calculated import add_calculated_line
    from ordercraft.sdk.calc import stored_run

    with acting_session(user_name) as session:
        order = add_calculated_line(
            session, order_ref, run=stored_run(session, run_id), client=client, item=item,
            qty=qty, markup=markup, price=price, discount=discount, tax_rate=tax_rate,
            description=description)
        body = _body(session, order)
    _show(body, as_json, f"order {body['number']}: added line {body['lines'][-1]['position']} "
                         f"from calculator run {run_id}")


@order_group.command("update")
@click.argument("order_ref", metavar="ID")
@click.option("--due", "due_date", metavar="YYYY-MM-DD", help="Delivery date promised.")
@click.option("--notes", help="Remarks printed on the confirmation.")
@custom_fields.field_option
@user_option
@json_option
def update_command(order_ref: str, due_date: str | None, notes: str | None,
                   custom_fields: dict[str, str] | None, user_name: str | None,
                   as_json: bool) -> None:
    """Change an order: its due date and notes while it is a draft, its custom fields
    (--field NAME=VALUE) at any time."""
    from ordercraft.plugins.sales.orders import update_order

    with acting_session(user_name) as session:
        order = update_order(session, order_ref, due_date=due_date, notes=notes,
                             custom_fields=custom_fields)
        body = _body(session, order)
    _show(body, as_json, f"updated order {body['number']}")


@order_group.command("list")
@click.option("--status", "statuses", multiple=True, metavar="STATE",
              help="Only orders in this state (repeat, or comma-separated).")
@click.option("--client", metavar="NAME_OR_ID")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Order date from.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Order date to.")
@click.option("--search", metavar="WORDS", help="Words of the number or the client's name.")
@click.option("--deal", metavar="ID")
@click.option("--limit", metavar="N")
@click.option("--offset", metavar="N")
@custom_fields.list_options
@user_option
@json_option
def list_command(statuses: tuple[str, ...], client: str | None, date_from: str | None,
                 date_to: str | None, search: str | None, deal: str | None,
                 limit: str | None, offset: str | None, custom_fields: dict[str, str] | None,
                 as_csv: bool, user_name: str | None, as_json: bool) -> None:
    """List orders, newest first."""
    from ordercraft.plugins.sales.orders import list_orders
    from ordercraft.sdk.custom_fields import emit_csv

    states = [s for value in statuses for s in value.split(",")]
    filters = {"status": states or None, "client": client, "date_from": date_from,
               "date_to": date_to, "search": search, "deal": deal,
               "custom_fields": custom_fields}
    with acting_session(user_name) as session:
        if as_csv:
            return emit_csv(session, "order", lambda **page: list_orders(session, **page),
                            lambda row: row.as_dict(), CSV_COLUMNS,
                            {**filters, "limit": limit, "offset": offset})
        found = list_orders(session, **filters, limit=limit, offset=offset)
    body = found.to_dict("orders", lambda row: row.as_dict())
    rows = [{**row, "state": row["state"].replace("_", " ")} for row in body["orders"]]

    def text() -> str:
        shown = table(rows, ["id", "number", "order_date", "client", "state", "total",
                             "shortage_count"])
        return shown + f"\n{found.offset + 1 if found.total else 0}-" \
                       f"{found.offset + len(found.items)} of {found.total}"

    emit(as_json, {"ok": True, **body}, text)


@order_group.command("show")
@click.argument("order_ref", metavar="ID")
@user_option
@json_option
def show_command(order_ref: str, user_name: str | None, as_json: bool) -> None:
    """Show an order with its lines (reserved / to produce / to buy) and shipments."""
    from ordercraft.plugins.sales.orders import get_order

    with acting_session(user_name) as session:
        body = _body(session, get_order(session, order_ref))
    _show(body, as_json)


def _move(order_ref: str, name: str, user_name: str | None, as_json: bool, *,
          reason: str | None = None, data: dict[str, Any] | None = None) -> None:
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.sdk.workflow import transition

    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        result = transition(session, order, name, reason=reason, data=data)
        body = _body(session, order)
    _show(body, as_json, f"order {body['number']}: {result.source} -> {result.target}")


@order_group.command("confirm")
@click.argument("order_ref", metavar="ID")
@user_option
@json_option
def confirm_command(order_ref: str, user_name: str | None, as_json: bool) -> None:
    """Confirm a draft order: reserve what is in stock, list what is short."""
    _move(order_ref, "confirm", user_name, as_json)


@order_group.command("ship")
@click.argument("order_ref", metavar="ID")
@click.option("--line", "lines", multiple=True, metavar="N:QTY",
              help="Ship QTY of line N (repeat); without it, everything left if the stock holds "
                   "it, else what is reserved.")
@click.option("--date", "ship_date", metavar="YYYY-MM-DD", help="Shipment date (default today).")
@click.option("--serials", "serials", multiple=True, metavar="N:SN[,SN...]",
              help="The serial numbers shipped on line N (repeat per line); required for "
                   "serial-tracked items.")
@user_option
@json_option
def ship_command(order_ref: str, lines: tuple[str, ...], ship_date: str | None,
                 serials: tuple[str, ...], user_name: str | None, as_json: bool) -> None:
    """Ship an order, all of it or part (posts a stock issue)."""
    from ordercraft.plugins.sales.machine import ship_order
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.sdk.errors import ValidationError

    wanted = []
    for index, spec in enumerate(lines):
        position, sep, qty = spec.partition(":")
        if not sep or not position.strip() or not qty.strip():
            raise ValidationError(f"lines.{index}: {spec!r} is not N:QTY (line number and "
                                  "quantity, e.g. 1:4)", field=f"lines.{index}")
        wanted.append({"line": position.strip(), "qty": qty.strip()})
    numbers: dict[str, str] = {}
    for index, spec in enumerate(serials):
        position, sep, given = spec.partition(":")
        if not sep or not position.strip() or not given.strip():
            raise ValidationError(f"serials.{index}: {spec!r} is not N:SN[,SN...] (line number "
                                  "and serial numbers, e.g. 1:RB-001,RB-002)",
                                  field=f"serials.{index}")
        numbers[position.strip()] = given
    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        result = ship_order(session, order, wanted or None, ship_date=ship_date,
                            serials=numbers)
        shipment = order.shipments[-1].number
        body = _body(session, order)
    _show(body, as_json, f"order {body['number']}: shipment {shipment} posted "
                         f"({result.source} -> {result.target})")


@order_group.command("cancel")
@click.argument("order_ref", metavar="ID")
@click.option("--reason", default="cancelled from the command line", show_default=True,
              help="Why (kept in the order's history).")
@user_option
@json_option
def cancel_command(order_ref: str, reason: str, user_name: str | None, as_json: bool) -> None:
    """Cancel an order: release its reservations and cancel its shipments in the ledger."""
    _move(order_ref, "cancel", user_name, as_json, reason=reason)


@order_group.command("move")
@click.argument("order_ref", metavar="ID")
@click.argument("name", metavar="TRANSITION")
@click.option("--reason", help="Why (required by cancel).")
@user_option
@json_option
def move_command(order_ref: str, name: str, reason: str | None, user_name: str | None,
                 as_json: bool) -> None:
    """Move an order by a transition (reserve, start_production, invoice, pay, close...)."""
    _move(order_ref, name, user_name, as_json, reason=reason)


@order_group.command("print")
@click.argument("order_ref", metavar="ID")
@click.option("--form", "form_name", required=True, metavar="FORM",
              help="confirmation, invoice, delivery_note, act (see 'order forms').")
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a PDF to this file.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the HTML page to this file (default: print it).")
@user_option
@json_option
def print_command(order_ref: str, form_name: str, pdf_file: Path | None,
                  html_file: Path | None, user_name: str | None, as_json: bool) -> None:
    """Print an order's form as HTML or PDF."""
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.plugins.sales.printing import render_order_form

    with acting_session(user_name) as session:
        order = get_order(session, order_ref)
        number = order.number
        html = render_order_form(session, order, form_name)
        pdf = render_order_form(session, order, form_name, pdf=True) if pdf_file else None
    written = []
    if pdf_file is not None and pdf is not None:
        pdf_file.write_bytes(pdf)
        written.append({"format": "pdf", "file": str(pdf_file), "bytes": len(pdf)})
    if html_file is not None:
        html_file.write_text(str(html), encoding="utf-8")
        written.append({"format": "html", "file": str(html_file), "bytes": len(str(html))})
    if not written and not as_json:
        click.echo(html)
        return
    emit(as_json, {"ok": True, "order": number, "form": form_name, "files": written,
                   **({} if written else {"html": html})},
         "\n".join(f"wrote {w['file']} ({w['format']}, {w['bytes']} bytes)" for w in written))


@order_group.command("forms")
@click.option("--templates-dir", metavar="DIR",
              help="Use the print templates of this folder first (a site's own forms); "
                   "'' goes back to the shipped ones.")
@user_option
@json_option
def forms_command(templates_dir: str | None, user_name: str | None, as_json: bool) -> None:
    """List the print forms of orders and where each template is read from."""
    from ordercraft.sdk.printing import (
        forms_of,
        set_site_templates_dir,
        site_templates_dir,
        template_source,
    )

    with acting_session(user_name) as session:
        if templates_dir is not None:
            set_site_templates_dir(session, templates_dir)
        folder = site_templates_dir(session)
        forms = [{**form.as_dict(), "source": str(template_source(session, form))}
                 for form in forms_of(session, "order")]
    emit(as_json, {"ok": True, "templates_dir": str(folder) if folder else None,
                   "forms": forms},
         lambda: f"site templates: {folder or '(none)'}\n"
                 + table(forms, ["name", "title", "plugin", "source"]))


@order_group.command("suggest")
@click.option("--client", metavar="NAME_OR_ID", help="The client of the order.")
@click.option("--item", "skus", multiple=True, metavar="SKU",
              help="An item already on the order (repeat).")
@user_option
@json_option
def suggest_command(client: str | None, skus: tuple[str, ...], user_name: str | None,
                    as_json: bool) -> None:
    """What to offer: the client's favourite items and what is bought with these items."""
    from ordercraft.plugins.sales.suggestions import suggestions

    with acting_session(user_name) as session:
        found = suggestions(session, client=client, items=skus)
    body = {key: [s.as_dict() for s in values] for key, values in found.items()}
    columns = ["item", "name", "orders", "qty", "price"]
    emit(as_json, {"ok": True, **body},
         lambda: "the client's favourites:\n" + table(body["client_favourites"], columns)
         + "\n\nbought together:\n" + table(body["bought_together"], columns))


@order_group.command("rebuild-totals")
@user_option
@json_option
def rebuild_totals_command(user_name: str | None, as_json: bool) -> None:
    """Sum every posted shipment again into the monthly totals analyses read (after an
    upgrade, or to check them); costs missing on old shipments are read from the ledger."""
    from ordercraft.plugins.sales.summary import rebuild
    from ordercraft.sdk.permissions import require_session_permission

    with acting_session(user_name) as session:
        require_session_permission(session, "order.ship")
        rows = rebuild(session)
    emit(as_json, {"ok": True, "rows": rows}, lambda: f"{rows} monthly total rows written")
