"""crm: clients, their contacts and interactions, the deal funnel, client groups by rule,
duplicate warnings, and the funnel report — in the browser, the JSON API and the CLI.

Clients are the core's parties (kind ``client`` or ``both``); crm adds deals,
interactions and client groups around them. Full guide: docs/crm.md.

Other plugins reach crm through the SDK, never by importing it: they list ``crm`` in
their ``requires`` and use

* its services (hook ``plugin_services``, :mod:`.services`):
  ``plugin_service(session, "crm", "clients").get(session, ref)`` (a client by id or
  name; a supplier-only party is refused) and ``plugin_service(session, "crm",
  "deals")``'s ``get(session, id)`` and ``latest_open(session, client_id)``;
* its hook ``register_client_rules(registry)`` (:mod:`.hookspecs`), through which a
  plugin adds a kind of client rule ("bought in the last N days") for client groups;
* the deal workflow document (type ``deal``, table ``crm_deals``; ``party_id`` is the
  client): extend its machine from your own ``register_state_machines``
  (``registry.add_action("deal", "win", ...)``); states ``lead``, ``qualified``,
  ``proposal``, ``negotiation``, ``won``, ``lost``;
* its timeline: every workflow document whose model has a ``party_id`` column (an
  order, a proposal) shows its transitions, comments, tasks and changes on its client's
  timeline by itself.

Every service checks the acting user's permissions (``party.read`` / ``party.write``;
moving a deal needs ``document.transition``).

This module stays light: models, Flask and click code are imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import HookspecRegistry, MenuItem, PluginInfo, ServiceRegistry, hookimpl

plugin = PluginInfo(
    name="crm", version="1.0",
    description="Clients, contacts, interactions, the deal funnel, client groups by rule, "
                "duplicate warnings and the funnel report.")

HERE = Path(__file__).parent


@hookimpl
def add_hookspecs(registry: HookspecRegistry) -> None:
    from ordercraft.plugins.crm import hookspecs

    registry.add(hookspecs)


@hookimpl
def plugin_services(registry: ServiceRegistry) -> None:
    from ordercraft.plugins.crm.services import CLIENTS, DEALS, GROUPS, INTERACTIONS

    registry.add("clients", CLIENTS)
    registry.add("deals", DEALS)
    registry.add("groups", GROUPS)
    registry.add("interactions", INTERACTIONS)


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.crm import models  # noqa: F401  (declares the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    # crm's records are read and changed with the core's party.* permissions; what it
    # adds is the deals' record rule (a manager may see only their own deals).
    registry.record_area("deal", "Deals (owned by their manager)")


@hookimpl
def register_state_machines(registry: Any) -> None:
    from ordercraft.plugins.crm.funnel import deal_machine
    from ordercraft.plugins.crm.models import Deal

    registry.add(deal_machine(Deal))


@hookimpl
def register_custom_fields(registry: Any) -> None:
    from ordercraft.plugins.crm.models import Deal

    registry.entity("deal", Deal, "Deal")


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.crm.cli import COMMANDS

    return list(COMMANDS)


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.crm.pages import blueprints
    from ordercraft.plugins.crm.web_api import bp as api

    return [*blueprints(), api]


@hookimpl
def menu_items() -> list[MenuItem]:
    # One list of parties: crm's client list takes the Parties entry's place; suppliers
    # and the whole list are a kind filter away (tabs on both pages).
    return [MenuItem(N_("Clients"), "crm_clients.index", order=6, permission="party.read",
                     replaces="parties.index"),
            MenuItem(N_("Deals"), "crm_deals.board", order=7, permission="party.read"),
            MenuItem(N_("Interactions"), "crm_interactions.index", order=8,
                     permission="party.read"),
            MenuItem(N_("Client groups"), "crm_groups.index", order=11, permission="party.read"),
            MenuItem(N_("Funnel report"), "crm_reports.funnel", order=45, permission="party.read")]


@hookimpl
def dashboard_widgets(session: Any, user: Any) -> list[Any]:
    from ordercraft.plugins.crm.dashboard import widgets

    return widgets(session, user)


@hookimpl
def demo_data(session: Any, platform: Any) -> None:
    from ordercraft.plugins.crm.demo import seed

    seed(session)


@hookimpl(optionalhook=True)
def register_kpi_metrics(registry: Any) -> None:
    """analysis' hook (while analysis is enabled): crm's KPI metrics."""
    from ordercraft.plugins.crm.kpis import register

    register(registry)
