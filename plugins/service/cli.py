"""``ordercraft complaint ...`` (add, show, list, attach, part, solved, transition...),
``ordercraft serial ...`` (track, register, ship, list), ``ordercraft article ...`` (add,
search, show) and ``ordercraft service-report NAME``.

Every command takes ``--json``; a refused operation exits 2 naming the field and the
value, and saves nothing.
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
    table,
    user_option,
)
from ordercraft.sdk.errors import ValidationError

REPORTS = ("complaints-by-item", "complaints-by-category", "complaints-by-cause",
           "complaints-by-month", "defect-rates", "sla", "sla-by-team", "warranty-costs")


def report_rows(session: Any, name: str) -> list[dict[str, Any]]:
    """The rows of the report ``name`` (one of :data:`REPORTS`)."""
    from ordercraft.plugins.service import complaints

    if name.startswith("complaints-by-") and name in REPORTS:
        return complaints.complaints_report(session, name.removeprefix("complaints-by-"))
    if name == "defect-rates":
        return complaints.defect_rates(session)
    if name in ("sla", "sla-by-team"):
        return complaints.sla_compliance(session, by="team" if name == "sla-by-team"
                                         else "priority")
    if name == "warranty-costs":
        return complaints.warranty_costs(session)
    raise ValidationError(f"report: {name!r} is not a report (one of {', '.join(REPORTS)})",
                          field="report")


@click.group("complaint")
def complaint_group() -> None:
    """Complaints and service requests: add, attach, part, solved, transitions."""


for _command in document_commands("complaint"):
    complaint_group.add_command(_command)


def _complaint_text(body: dict[str, Any]) -> str:
    lines = [f"complaint {body['number']} ({body['state']}) of {body['client']}: "
             f"{body['category']}, {body['priority']}",
             f"respond by {body['response_due']}, resolve by {body['resolution_due']}"]
    if body["serial"]:
        lines.append(f"serial {body['serial']}" + (" (warranty)" if body["warranty"] else ""))
    if body["parts"]:
        lines.append(table(body["parts"], ["item", "qty", "cost", "date"]))
        lines.append(f"warranty cost {body['warranty_cost']}")
    return "\n".join(lines)


def _show(session: Any, complaint: Any, as_json: bool, message: str = "") -> None:
    from ordercraft.plugins.service.complaints import complaint_dict

    session.flush()
    session.refresh(complaint)
    body = complaint_dict(session, complaint)
    emit(as_json, {"ok": True, "complaint": body},
         lambda: (message + "\n" if message else "") + _complaint_text(body))


@complaint_group.command("add")
@click.option("--client", required=True, metavar="NAME_OR_ID")
@click.option("--description", required=True)
@click.option("--category", default="defect", show_default=True)
@click.option("--priority", default="normal", show_default=True)
@click.option("--order", "order_id", metavar="ID")
@click.option("--item", metavar="SKU")
@click.option("--serial", metavar="NUMBER")
@user_option
@json_option
def add_command(client: str, description: str, category: str, priority: str,
                order_id: str | None, item: str | None, serial: str | None,
                user_name: str | None, as_json: bool) -> None:
    """Register a complaint (its SLA deadlines and response task are set)."""
    from ordercraft.plugins.service.complaints import create_complaint

    with acting_session(user_name) as session:
        complaint = create_complaint(session, client, description=description,
                                     category=category, priority=priority, order_id=order_id,
                                     item=item, serial=serial)
        _show(session, complaint, as_json, "added")


@complaint_group.command("show")
@click.argument("ref", metavar="NUMBER_OR_ID")
@user_option
@json_option
def show_command(ref: str, user_name: str | None, as_json: bool) -> None:
    """One complaint."""
    from ordercraft.plugins.service.complaints import get_complaint

    with acting_session(user_name) as session:
        _show(session, get_complaint(session, ref), as_json)


@complaint_group.command("list")
@click.option("--client", metavar="NAME_OR_ID")
@click.option("--state")
@user_option
@json_option
def list_command(client: str | None, state: str | None, user_name: str | None,
                 as_json: bool) -> None:
    """Complaints, newest first."""
    from ordercraft.plugins.service.complaints import complaint_dict, list_complaints

    with acting_session(user_name) as session:
        rows = [complaint_dict(session, c)
                for c in list_complaints(session, client=client, state=state)]
    emit(as_json, {"ok": True, "complaints": rows}, lambda: table(
        rows, ["number", "client", "category", "priority", "state", "serial",
               "resolution_due"]))


@complaint_group.command("attach")
@click.argument("ref", metavar="NUMBER_OR_ID")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@user_option
@json_option
def attach_command(ref: str, path: Path, user_name: str | None, as_json: bool) -> None:
    """Attach a file (PNG, JPEG, PDF or text, at most 5 MiB)."""
    from ordercraft.plugins.service.complaints import ATTACHMENT_MAX_BYTES, add_attachment

    if not path.is_file():
        raise ValidationError(f"file: {str(path)!r} does not exist", field="file")
    with path.open("rb") as handle:
        data = handle.read(ATTACHMENT_MAX_BYTES + 1)
    with acting_session(user_name) as session:
        found = add_attachment(session, ref, path.name, data)
        body = {"id": found.id, "filename": found.filename, "size": found.size}
    emit(as_json, {"ok": True, "attachment": body},
         f"attached {body['filename']} ({body['size']} bytes)")


@complaint_group.command("part")
@click.argument("ref", metavar="NUMBER_OR_ID")
@click.option("--item", required=True, metavar="SKU")
@click.option("--qty", required=True)
@click.option("--warehouse", required=True, metavar="CODE")
@click.option("--date", "issue_date", metavar="YYYY-MM-DD")
@user_option
@json_option
def part_command(ref: str, item: str, qty: str, warehouse: str, issue_date: str | None,
                 user_name: str | None, as_json: bool) -> None:
    """A warranty repair: issue a replacement part from stock against the complaint."""
    from ordercraft.plugins.service.complaints import issue_part

    with acting_session(user_name) as session:
        part = issue_part(session, ref, item, qty, warehouse=warehouse, issue_date=issue_date)
        _show(session, part.complaint, as_json, f"issued {qty} {item}")


@complaint_group.command("solved")
@click.argument("ref", metavar="NUMBER_OR_ID")
@click.option("--article", required=True, metavar="ID")
@user_option
@json_option
def solved_command(ref: str, article: str, user_name: str | None, as_json: bool) -> None:
    """Link the article that solved the complaint."""
    from ordercraft.plugins.service.complaints import link_article

    with acting_session(user_name) as session:
        _show(session, link_article(session, ref, article), as_json, "linked")


@click.group("serial")
def serial_group() -> None:
    """Serial numbers: track an item, register units, ship them, list them."""


@serial_group.command("track")
@click.argument("item", metavar="SKU")
@click.option("--warranty-months", default="0", show_default=True)
@click.option("--off", is_flag=True, help="Stop tracking the item.")
@user_option
@json_option
def track_command(item: str, warranty_months: str, off: bool, user_name: str | None,
                  as_json: bool) -> None:
    """Make an item serial-tracked with a warranty period."""
    from ordercraft.plugins.service.complaints import track_item

    with acting_session(user_name) as session:
        setting = track_item(session, item, warranty_months=warranty_months, tracked=not off)
        body = {"item": item, "serial_tracked": setting.serial_tracked,
                "warranty_months": setting.warranty_months}
    emit(as_json, {"ok": True, **body},
         f"{item}: {'serial-tracked' if body['serial_tracked'] else 'not tracked'}, "
         f"warranty {body['warranty_months']} months")


def _units(session: Any, units: list[Any], as_json: bool, message: str = "") -> None:
    from ordercraft.plugins.service.complaints import serial_dict

    rows = [serial_dict(session, u) for u in units]
    emit(as_json, {"ok": True, "serials": rows}, lambda: (message + "\n" if message else "")
         + table(rows, ["number", "item", "client", "shipped_on", "warranty_end"]))


@serial_group.command("register")
@click.argument("item", metavar="SKU")
@click.argument("numbers", nargs=-1, required=True)
@click.option("--ref", default="", help="The receipt's (or production order's) number.")
@click.option("--produced", is_flag=True, help="Units made here, not received.")
@click.option("--date", "made_on", metavar="YYYY-MM-DD")
@user_option
@json_option
def register_command(item: str, numbers: tuple[str, ...], ref: str, produced: bool,
                     made_on: str | None, user_name: str | None, as_json: bool) -> None:
    """Register the serial numbers of units received (or produced)."""
    from ordercraft.plugins.service.complaints import register_serials

    with acting_session(user_name) as session:
        made = register_serials(session, item, list(numbers), ref=ref, made_on=made_on,
                                origin="produced" if produced else "received")
        _units(session, made, as_json, f"registered {len(made)}")


@serial_group.command("ship")
@click.argument("numbers", nargs=-1, required=True)
@click.option("--client", required=True, metavar="NAME_OR_ID")
@click.option("--order", "order_id", type=int, metavar="ID")
@click.option("--shipment", default="", metavar="REF")
@click.option("--date", "ship_date", metavar="YYYY-MM-DD")
@user_option
@json_option
def ship_command(numbers: tuple[str, ...], client: str, order_id: int | None, shipment: str,
                 ship_date: str | None, user_name: str | None, as_json: bool) -> None:
    """Record units shipped to a client (a unit is shipped once)."""
    from ordercraft.plugins.service.complaints import ship_serials

    with acting_session(user_name) as session:
        units = ship_serials(session, client, list(numbers), order_id=order_id,
                             shipment=shipment, ship_date=ship_date)
        _units(session, units, as_json, f"shipped {len(units)}")


@serial_group.command("list")
@click.option("--client", metavar="NAME_OR_ID")
@click.option("--item", metavar="SKU")
@user_option
@json_option
def serial_list_command(client: str | None, item: str | None, user_name: str | None,
                        as_json: bool) -> None:
    """Serial-numbered units."""
    from ordercraft.plugins.service.complaints import list_serials

    with acting_session(user_name) as session:
        _units(session, list_serials(session, client=client, item=item), as_json)


@click.group("article")
def article_group() -> None:
    """The knowledge base: add, search, show."""


@article_group.command("add")
@click.option("--title", required=True)
@click.option("--body", default="")
@click.option("--category", default="")
@click.option("--tags", default="", help="Space- or comma-separated.")
@user_option
@json_option
def article_add(title: str, body: str, category: str, tags: str, user_name: str | None,
                as_json: bool) -> None:
    """Write an article."""
    from ordercraft.plugins.service.complaints import article_dict, save_article

    with acting_session(user_name) as session:
        found = article_dict(save_article(session, title, body, category=category, tags=tags))
    emit(as_json, {"ok": True, "article": found}, f"added article {found['id']}")


@article_group.command("search")
@click.argument("words", nargs=-1)
@click.option("--category")
@user_option
@json_option
def article_search(words: tuple[str, ...], category: str | None, user_name: str | None,
                   as_json: bool) -> None:
    """Full-text search, best first."""
    from ordercraft.plugins.service.complaints import article_dict, search_articles

    with acting_session(user_name) as session:
        rows = [article_dict(a, body=False)
                for a in search_articles(session, " ".join(words), category=category)]
    emit(as_json, {"ok": True, "articles": rows},
         lambda: table(rows, ["id", "title", "category"]))


@article_group.command("show")
@click.argument("article_id", type=int)
@user_option
@json_option
def article_show(article_id: int, user_name: str | None, as_json: bool) -> None:
    """One article."""
    from ordercraft.plugins.service.complaints import article_dict, get_article

    with acting_session(user_name) as session:
        found = article_dict(get_article(session, article_id))
    emit(as_json, {"ok": True, "article": found}, f"{found['title']}\n\n{found['body']}")


@click.command("service-report")
@click.argument("name", type=click.Choice(REPORTS))
@user_option
@json_option
def report_command(name: str, user_name: str | None, as_json: bool) -> None:
    """Service reports: complaints by item/category/cause/month, defect rates, SLA,
    warranty costs."""
    with acting_session(user_name) as session:
        rows = report_rows(session, name)
    columns = list(rows[0]) if rows else ["(none)"]
    emit(as_json, {"ok": True, "report": name, "rows": rows}, lambda: table(rows, columns))


def groups() -> list[click.Command]:
    return [complaint_group, serial_group, article_group, report_command]
