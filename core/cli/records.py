"""Text forms of records and pages for the entity commands (``--json`` prints them whole)."""

from __future__ import annotations

from typing import Any

from ordercraft.core.cli.common import table


def value_text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={value_text(v)}" for k, v in value.items())
    return str(value)


def record_text(document: dict[str, Any], keys: list[str]) -> str:
    """``key: value`` lines, aligned."""
    width = max(len(key) for key in keys)
    return "\n".join(f"{key.replace('_', ' ') + ':':<{width + 2}}{value_text(document.get(key))}"
                     for key in keys)


def page_text(document: dict[str, Any], key: str, columns: list[str]) -> str:
    """A page of a list as a table, with where it sits in the whole list."""
    rows = [{c: value_text(row.get(c)) for c in columns} for row in document[key]]
    text = table(rows, columns)
    shown, total, offset = len(rows), document["total"], document["offset"]
    if total > shown:
        text += (f"\n{offset + 1}-{offset + shown} of {total}" if shown else f"\n0 of {total}")
        if offset + shown < total:
            text += f" (next: --offset {offset + shown})"
    return text
