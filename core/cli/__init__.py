"""``ordercraft``: the command line. ``ordercraft <noun> <verb> KEY --field value``.

The root group imports nothing heavy: each core command lives in its own module,
imported only when it runs. Commands of the layers above the core (``serve`` and
``demo`` of the web application) are entry points of the group ``ordercraft.commands``
(as Flask's ``flask.commands``), so the core never imports them; plugins' commands come
from the ``cli_commands`` hook. Exit codes: 0 done, 2 the user's mistake or a refused
operation, 1 an internal fault.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from ordercraft.core.cli.common import CliState, report_error, wants_json

#: Core commands: name -> "module:attribute" (imported on use).
CORE_COMMANDS: dict[str, str] = {
    "init": "ordercraft.core.cli.site:init_command",
    "db": "ordercraft.core.cli.site:db_group",
    "site": "ordercraft.core.cli.site:site_group",
    "backup": "ordercraft.core.cli.backup:backup_command",
    "restore": "ordercraft.core.cli.backup:restore_command",
    "plugins": "ordercraft.core.cli.plugins:plugins_group",
    "party": "ordercraft.core.cli.parties:party_group",
    "item": "ordercraft.core.cli.items:item_group",
    "item-group": "ordercraft.core.cli.items:item_group_group",
    "warehouse": "ordercraft.core.cli.warehouses:warehouse_group",
    "user": "ordercraft.core.cli.users:user_group",
    "role": "ordercraft.core.cli.roles:role_group",
    "settings": "ordercraft.core.cli.settings:settings_group",
    "field": "ordercraft.core.cli.fields:field_group",
    "audit": "ordercraft.core.cli.audit:audit_command",
    "stock": "ordercraft.core.cli.stock:stock_group",
    "calc": "ordercraft.core.cli.calc:calc_group",
    "process": "ordercraft.core.cli.processes:process_group",
    "tasks": "ordercraft.core.cli.tasks:tasks_group",
    "worker": "ordercraft.core.cli.worker:worker_command",
    "mail": "ordercraft.core.cli.mail:mail_group",
    "i18n": "ordercraft.core.cli.i18n:i18n_group",
}

#: Other names of core commands, resolved but not listed (``ordercraft plugin new``).
COMMAND_ALIASES: dict[str, str] = {"plugin": "plugins"}

#: Entry-point group of top-level commands from above the core (the web's ``serve``),
#: read from this distribution.
COMMANDS_GROUP = "ordercraft.commands"
DISTRIBUTION = "ordercraft"

CORE_HELP: dict[str, str] = {
    "init": "Create a new site: schema and the first user (admin).",
    "db": "Database schema: upgrade, status.",
    "site": "The site's secret key: rotate-secret.",
    "backup": "Write a consistent snapshot of the site to a file.",
    "restore": "Replace the site's data with a backup.",
    "plugins": "List, enable and disable plugins; write a new add-on (also: plugin).",
    "party": "Clients and suppliers.",
    "item": "Goods, components, assemblies and services.",
    "item-group": "Item groups: the catalogue's tree.",
    "warehouse": "Warehouses.",
    "user": "Users, roles and API tokens.",
    "role": "Roles and their permissions: add, grant, revoke, list.",
    "settings": "Site settings: list, get, set, reset.",
    "field": "Custom fields of clients, contacts, deals, orders and items.",
    "audit": "Who changed what and when.",
    "stock": "Stock ledger: receive, issue, transfer, count, reserve, balances.",
    "calc": "Pricing calculators: list, show, run, add.",
    "process": "Business-process templates: list, import, export, start.",
    "tasks": "Tasks: list, done, reassign, comment.",
    "worker": "Run the background worker (reminders, escalations, schedules, mail).",
    "mail": "Outgoing mail: the outbox, SMTP settings, a test message.",
    "i18n": "Translations: extract the marked text, update each language's catalogue.",
}


class OrdercraftGroup(click.Group):
    """Core commands resolved lazily, the commands of the layers above from their entry
    points, plugin commands from the enabled plugins."""

    _layer_commands: dict[str, click.Command] | None = None

    def layer_commands(self) -> dict[str, click.Command]:
        """The commands of the entry-point group ``ordercraft.commands`` of Ordercraft's
        own distribution (their modules import only click at module level). Reading one
        distribution's entry points is cheap; add-ons add commands through the
        ``cli_commands`` hook."""
        if self._layer_commands is None:
            from importlib.metadata import PackageNotFoundError, distribution

            try:
                entries = distribution(DISTRIBUTION).entry_points.select(group=COMMANDS_GROUP)
            except PackageNotFoundError:  # a source tree that is not installed
                entries = ()
            found: dict[str, click.Command] = {}
            for entry in entries:
                if entry.name in CORE_COMMANDS or entry.name in found:
                    from ordercraft.core.errors import PluginError

                    raise PluginError(f"command {entry.name!r} of {entry.value!r} (entry point "
                                      f"group {COMMANDS_GROUP!r}) already exists")
                found[entry.name] = entry.load()
            self._layer_commands = found
        return self._layer_commands

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        state = ctx.ensure_object(CliState)
        if state.plugin_commands is None:
            # Click resolves the subcommand before the group's callback reads --db: take
            # it from the parsed options, or plugin commands would open the default site.
            if ctx.params.get("database_url") and state._platform is None:
                state.database_url = ctx.params["database_url"]
            taken = {*CORE_COMMANDS, *COMMAND_ALIASES, *self.layer_commands()}
            commands: dict[str, click.Command] = {}
            for plugin_name, command in state.platform.hooks.cli_commands():
                name = command.name or ""
                if name in taken or name in commands:
                    from ordercraft.core.errors import PluginError

                    raise PluginError(f"plugin {plugin_name!r} adds command {name!r}, which "
                                      "already exists")
                commands[name] = command
            state.plugin_commands = commands
        return state.plugin_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*CORE_COMMANDS, *self.layer_commands(), *self._plugin_commands(ctx)])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = CORE_COMMANDS.get(COMMAND_ALIASES.get(cmd_name, cmd_name))
        if target is not None:
            module_name, attribute = target.split(":")
            return getattr(importlib.import_module(module_name), attribute)
        found = self.layer_commands().get(cmd_name)
        return found if found is not None else self._plugin_commands(ctx).get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help of core commands without importing their modules.
        rows = [(name, CORE_HELP.get(name, "")) for name in CORE_COMMANDS]
        rows += [(name, cmd.get_short_help_str(60))
                 for name, cmd in [*self.layer_commands().items(),
                                   *self._plugin_commands(ctx).items()]]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


@click.group(cls=OrdercraftGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database_url", metavar="URL", envvar="ORDERCRAFT_DATABASE_URL",
              help="Database URL (default: sqlite:///ordercraft.db in this folder).")
@click.version_option(package_name="ordercraft", prog_name="ordercraft")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Ordercraft: a CRM for small manufacturers.

    Every command takes --json for machine-readable output. Exit codes: 0 done,
    2 refused or a mistake in the input, 1 an internal fault.
    """
    state = ctx.ensure_object(CliState)
    if database_url:
        state.database_url = database_url


def main(args: list[str] | None = None, **extra: Any) -> None:
    argv = sys.argv[1:] if args is None else list(args)
    try:
        cli.main(args=argv, prog_name="ordercraft", standalone_mode=False, **extra)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if wants_json(argv):
            report_error(exc, json_output=True)
        else:
            exc.show()
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the one place faults become exit codes
        sys.exit(report_error(exc, json_output=wants_json(argv),
                              debug=bool(os.environ.get("ORDERCRAFT_DEBUG"))))
