"""``ordercraft field add|list|remove``: custom fields of clients, contacts, deals,
orders and items."""

from __future__ import annotations

from typing import Any

import click

from ordercraft.core.cli.common import emit, json_option, ready_platform, table
from ordercraft.core.cli.records import value_text

COLUMNS = ["entity", "name", "type", "label", "choices", "required", "owner"]


@click.group("field")
def field_group() -> None:
    """Custom fields: added without code or migration, validated like built-in fields,
    shown in pages, the API, filters and CSV exports."""


@field_group.command("add")
@click.argument("entity")
@click.argument("name")
@click.option("--type", "field_type", required=True, metavar="TYPE",
              help="text, int, decimal, date, bool or choice.")
@click.option("--choices", help="The choices of a choice field: a,b,c.")
@click.option("--required", is_flag=True, help="Objects must have a value.")
@click.option("--label", default="", help="What forms call it (default: from NAME).")
@json_option
def field_add(entity: str, name: str, field_type: str, choices: str | None, required: bool,
              label: str, as_json: bool) -> None:
    """Add the field NAME to ENTITY (client, contact, deal, order, item)."""
    from ordercraft.core.custom_fields import add_field

    with ready_platform().session() as session:
        found = add_field(session, entity, name, field_type, label=label, choices=choices,
                          required=required)
    emit(as_json, {"ok": True, "field": found},
         f"added field {name} ({field_type}) to {entity}")


def _rows(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value_text(value) for key, value in row.items()} for row in found]


@field_group.command("list")
@click.argument("entity", required=False)
@json_option
def field_list(entity: str | None, as_json: bool) -> None:
    """The custom fields of ENTITY, or of every entity."""
    from ordercraft.core.custom_fields import list_definitions

    with ready_platform().session() as session:
        found = list_definitions(session, entity)
    emit(as_json, {"ok": True, "fields": found}, lambda: table(_rows(found), COLUMNS))


@field_group.command("remove")
@click.argument("entity")
@click.argument("name")
@json_option
def field_remove(entity: str, name: str, as_json: bool) -> None:
    """Remove the field NAME of ENTITY and every value it holds."""
    from ordercraft.core.custom_fields import remove_field

    with ready_platform().session() as session:
        found = remove_field(session, entity, name)
    emit(as_json, {"ok": True, "field": found}, f"removed field {name} of {entity}")
