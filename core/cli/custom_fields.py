"""Options every entity command shares for custom fields: ``--field NAME=VALUE`` (a value
to set, or a filter of a list) and ``--csv`` (a list as CSV, custom fields included)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _assignments(_ctx: click.Context, _param: click.Parameter,
                 value: tuple[str, ...]) -> dict[str, str] | None:
    from ordercraft.core.custom_fields import parse_assignments

    return parse_assignments(value) if value else None


def field_option(function: F) -> F:
    """``--field NAME=VALUE`` (repeatable), passed as ``custom_fields``: the custom field
    values to set (an empty VALUE clears one)."""
    return click.option("--field", "custom_fields", multiple=True, metavar="NAME=VALUE",
                        callback=_assignments,
                        help="A custom field's value (repeatable); 'ordercraft field list' "
                             "shows the fields.")(function)


def list_options(function: F) -> F:
    """``--field NAME=VALUE`` (repeatable), passed as ``custom_fields``: only the objects
    whose custom field NAME equals VALUE; and ``--csv``, passed as ``as_csv``."""
    function = click.option("--csv", "as_csv", is_flag=True,
                            help="Print every matching row as CSV (custom fields included; "
                                 "--limit/--offset narrow it).")(function)
    return click.option("--field", "custom_fields", multiple=True, metavar="NAME=VALUE",
                        callback=_assignments,
                        help="Only those whose custom field NAME is VALUE "
                             "(repeatable).")(function)


def emit_csv(session: Any, entity: str, fetch: Callable[..., Any],
             convert: Callable[[Any], dict[str, Any]], columns: Sequence[str],
             filters: dict[str, Any]) -> None:
    """Print the list as CSV: ``fetch(**filters, limit=, offset=)`` gives each page."""
    from ordercraft.core.services.export import export_csv
    from ordercraft.core.services.fields import whole_number

    limit, offset = filters.pop("limit", None), filters.pop("offset", None)
    text = export_csv(
        session, entity, lambda size, start: fetch(**filters, limit=size, offset=start),
        convert, columns,
        limit=whole_number(limit, field="limit", minimum=1) if limit not in (None, "") else None,
        offset=whole_number(offset, field="offset", minimum=0) if offset not in (None, "")
        else None)
    click.echo(text, nl=False)
