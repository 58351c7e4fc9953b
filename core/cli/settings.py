"""``ordercraft settings list|get|set|reset``."""

from __future__ import annotations

from typing import Any

import click

from ordercraft.core.cli.common import emit, json_option, ready_platform, table
from ordercraft.core.cli.records import record_text, value_text

SHOW_KEYS = ["name", "value", "is_default", "default", "type", "choices", "label", "help",
             "plugin"]


def _shown(setting: dict[str, Any]) -> str:
    return record_text(setting, SHOW_KEYS)


@click.group("settings")
def settings_group() -> None:
    """Site settings the core and the enabled plugins declare (typed, with defaults)."""


@settings_group.command("list")
@json_option
def settings_list(as_json: bool) -> None:
    """Every setting with its value on this site and its default."""
    from ordercraft.core.settings import list_settings

    with ready_platform().session() as session:
        found = list_settings(session)
    rows = [{**s, "value": value_text(s["value"]), "default": value_text(s["default"]),
             "is_default": value_text(s["is_default"])} for s in found]
    emit(as_json, {"ok": True, "settings": found},
         lambda: table(rows, ["name", "value", "is_default", "type", "plugin", "label"]))


@settings_group.command("get")
@click.argument("name")
@json_option
def settings_get(name: str, as_json: bool) -> None:
    """Show the setting NAME: value, default, type, what it does."""
    from ordercraft.core.settings import describe_setting

    with ready_platform().session() as session:
        found = describe_setting(session, name)
    emit(as_json, {"ok": True, "setting": found}, lambda: _shown(found))


@settings_group.command("set")
@click.argument("name")
@click.argument("value")
@json_option
def settings_set(name: str, value: str, as_json: bool) -> None:
    """Set NAME to VALUE (checked against the setting's type and choices)."""
    from ordercraft.core.settings import set_setting

    with ready_platform().session() as session:
        found = set_setting(session, name, value)
    emit(as_json, {"ok": True, "setting": found},
         f"{name} = {value_text(found['value'])}")


@settings_group.command("reset")
@click.argument("name")
@json_option
def settings_reset(name: str, as_json: bool) -> None:
    """Set NAME back to its default."""
    from ordercraft.core.settings import reset_setting

    with ready_platform().session() as session:
        found = reset_setting(session, name)
    emit(as_json, {"ok": True, "setting": found},
         f"{name} = {value_text(found['value'])} (the default)")
