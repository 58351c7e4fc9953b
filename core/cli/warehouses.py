"""``ordercraft warehouse add|list|show|update``."""

from __future__ import annotations

from typing import Any

import click

from ordercraft.core.cli.common import emit, json_option, ready_platform
from ordercraft.core.cli.records import page_text, record_text

SHOW_KEYS = ["id", "code", "name", "address", "active"]
LIST_COLUMNS = ["code", "name", "address", "active"]


@click.group("warehouse")
def warehouse_group() -> None:
    """Warehouses, each known by a short code."""


@warehouse_group.command("add")
@click.argument("code")
@click.option("--name", help="What the warehouse is called (required).")
@click.option("--address", help="Where it is.")
@json_option
def warehouse_add(code: str, name: str | None, address: str | None, as_json: bool) -> None:
    """Add the warehouse CODE."""
    from ordercraft.core.services import warehouses

    with ready_platform().session() as session:
        document = warehouses.warehouse_dict(
            warehouses.create_warehouse(session, code, name=name, address=address))
    emit(as_json, {"ok": True, "warehouse": document},
         f"added warehouse {document['code']} (id {document['id']}): {document['name']}")


@warehouse_group.command("list")
@click.option("--search", help="Words to find in the code or name.")
@click.option("--active/--inactive", default=None, help="Only active or only inactive ones.")
@click.option("--limit", metavar="N", help="At most N warehouses (default 50).")
@click.option("--offset", metavar="N", help="Skip the first N warehouses.")
@json_option
def warehouse_list(as_json: bool, **filters: Any) -> None:
    """List warehouses by code."""
    from ordercraft.core.services import warehouses

    with ready_platform().session() as session:
        document = warehouses.list_warehouses(session, **filters).to_dict(
            "warehouses", warehouses.warehouse_dict)
    emit(as_json, {"ok": True, **document},
         lambda: page_text(document, "warehouses", LIST_COLUMNS))


@warehouse_group.command("show")
@click.argument("code")
@json_option
def warehouse_show(code: str, as_json: bool) -> None:
    """Show the warehouse CODE."""
    from ordercraft.core.services import warehouses

    with ready_platform().session() as session:
        document = warehouses.warehouse_dict(warehouses.get_warehouse(session, code))
    emit(as_json, {"ok": True, "warehouse": document}, lambda: record_text(document, SHOW_KEYS))


@warehouse_group.command("update")
@click.argument("code")
@click.option("--code", "new_code", metavar="NEW_CODE", help="Rename the warehouse.")
@click.option("--name", help="What the warehouse is called.")
@click.option("--address", help="Where it is.")
@click.option("--active/--inactive", default=None,
              help="An inactive warehouse is kept but no longer offered.")
@json_option
def warehouse_update(code: str, new_code: str | None, as_json: bool, **values: Any) -> None:
    """Change fields of the warehouse CODE (only the options given)."""
    from ordercraft.core.services import warehouses

    with ready_platform().session() as session:
        document = warehouses.warehouse_dict(
            warehouses.update_warehouse(session, code, code=new_code, **values))
    emit(as_json, {"ok": True, "warehouse": document}, f"updated warehouse {document['code']}")
