"""``ordercraft plugins list|enable|disable|hooks|new`` (``plugin`` is the same group)."""

from __future__ import annotations

from pathlib import Path

import click

from ordercraft.core.cli.common import (
    CliState,
    current_platform,
    emit,
    json_option,
    ready_platform,
    table,
)


@click.group("plugins")
@click.pass_context
def plugins_group(ctx: click.Context) -> None:
    """List, enable and disable plugins; the hooks reference; write a new add-on.

    Enabling or disabling a plugin is stored in the site's database and takes effect
    in every running process of the site (web workers, background worker) without a
    restart.
    """
    # These commands repair sites whose plugins cannot all load, so a broken plugin is
    # reported in the listing instead of stopping the command.
    ctx.ensure_object(CliState).strict_plugins = False


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


@plugins_group.command("list")
@json_option
def list_command(as_json: bool) -> None:
    """Installed plugins: version, hooks implemented, built-in or not, enabled or not."""
    platform = current_platform()
    documents = [plugin.as_dict() for plugin in platform.plugins]

    def text() -> str:
        rows = [{
            "name": d["name"],
            "version": d["version"],
            "enabled": _yes_no(d["enabled"]) + ("" if d["problem"] is None else " (not loaded)"),
            "builtin": _yes_no(d["builtin"]),
            "essential": _yes_no(d["essential"]),
            "requires": ", ".join(d["requires"]),
            "hooks": "(not loaded)" if d["hooks"] is None else ", ".join(d["hooks"]),
            "description": d["description"],
        } for d in documents]
        out = table(rows, ["name", "version", "enabled", "builtin", "essential", "requires",
                           "hooks", "description"])
        problems = [f"plugin {d['name']!r} is not loaded: {d['problem']}"
                    for d in documents if d["problem"]]
        return "\n".join([out, *problems])

    emit(as_json, {"ok": True, "plugins": documents}, text)


def _switch(name: str, enabled: bool, as_json: bool) -> None:
    platform = ready_platform(start=False)
    was = platform.plugin(name).enabled
    plugin = platform.set_plugin_enabled(name, enabled)
    verb = "enabled" if enabled else "disabled"
    message = (f"plugin {name!r} was already {verb}" if was == enabled
               else f"{verb} plugin {name!r}")
    emit(as_json, {"ok": True, "changed": was != enabled, "plugin": plugin.as_dict()}, message)


@plugins_group.command("enable")
@click.argument("name")
@json_option
def enable_command(name: str, as_json: bool) -> None:
    """Enable plugin NAME on this site (its requirements must be enabled)."""
    _switch(name, True, as_json)


@plugins_group.command("disable")
@click.argument("name")
@json_option
def disable_command(name: str, as_json: bool) -> None:
    """Disable plugin NAME on this site; its tables and data stay.

    Refused for an essential plugin and for one that enabled plugins require.
    """
    _switch(name, False, as_json)


@plugins_group.command("hooks")
@click.option("--markdown", is_flag=True,
              help="Print the reference as Markdown (the text of docs/hooks.md).")
@json_option
def hooks_command(markdown: bool, as_json: bool) -> None:
    """The hooks a plugin can implement: the core's (core/hookspecs.py) and those the
    installed plugins declare."""
    from ordercraft.core import hookdoc

    hooks = hookdoc.collect_installed()
    if markdown and not as_json:
        click.echo(hookdoc.render_markdown(hooks), nl=False)
        return
    emit(as_json, {"ok": True, "hooks": [hook.as_dict() for hook in hooks]},
         lambda: hookdoc.render_text(hooks))


@plugins_group.command("new")
@click.argument("name")
@click.option("--dir", "parent", default=".", show_default=True, metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path),
              help="The folder in which the add-on's folder NAME is written.")
@json_option
def new_command(name: str, parent: Path, as_json: bool) -> None:
    """Write a new add-on package NAME, ready to `pip install`.

    It has pyproject.toml with its entry point, hook implementations, a table with its own
    migration branch, a page in the menu, an API route, a command with --json, a
    permission, a demo seeder and tests on the SDK's test kit; it imports only
    ordercraft.sdk. Needs no site.
    """
    from ordercraft.core.scaffold import new_plugin, written_files

    folder = new_plugin(name, parent)
    files = written_files(folder)
    emit(as_json, {"ok": True, "name": name, "path": str(folder.resolve()), "files": files},
         lambda: "\n".join([f"wrote add-on {name!r} in {folder}:", *(f"  {f}" for f in files),
                            f"next: pip install -e {folder} && ordercraft db upgrade"]))
