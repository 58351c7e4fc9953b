"""crm: clients, their contacts and interactions, the deal funnel, client groups by rule,
duplicate warnings, and the funnel report — in the browser, the JSON API and the CLI.

Clients are the core's parties (kind ``client`` or ``both``); crm adds deals,
interactions and client groups around them. Full guide: docs/crm.md.

Public API for other plugins (stable; everything else in this package may change).
Every service takes the operation's session and checks the acting user's permissions
(``party.read`` / ``party.write``; moving a deal needs ``document.transition``):

* :mod:`ordercraft.plugins.crm.clients` — ``get_client(session, ref)`` (id or name; a
  supplier-only party is refused), ``list_clients(session, search=, tags=, source=,
  manager=, group=, limit=, offset=)``, ``client_conditions(session, ...)`` (the same
  filters as SQL conditions over ``Party``), ``create_client(session, name,
  confirm_duplicate=False, contacts=[...], legal_entities=[...], **party_fields)``
  (raises ``PossibleDuplicate``, a 409 ``Conflict`` with ``details["matches"]``),
  ``check_duplicates(session, tax_ids=, phones=, emails=)``, ``client_dict(...)``.
* :mod:`ordercraft.plugins.crm.deals` — ``get_deal(session, id)``, ``create_deal(session,
  client, title, amount=, expected_close=, ...)``, ``update_deal``, ``move_deal(session, id,
  transition, reason=)``, ``list_deals(session, client=, states=, manager=, ...)``,
  ``deal_dict(deal)``. The model is :class:`ordercraft.plugins.crm.models.Deal`
  (table ``crm_deals``, document type ``deal``; ``party_id`` is the client).
* :mod:`ordercraft.plugins.crm.funnel` — the deal machine: states ``lead``, ``qualified``,
  ``proposal``, ``negotiation``, ``won``, ``lost``; transitions ``qualify``, ``propose``,
  ``negotiate``, ``win`` (from proposal or negotiation; needs an amount), ``lose`` (any
  open stage; needs a reason), ``requalify``. Extend it from your own
  ``register_state_machines`` (``registry.add_action("deal", "win", ...)``).
* :mod:`ordercraft.plugins.crm.interactions` — ``log_interaction(session, client, kind=,
  subject=, ..., next_step=, next_step_due=)`` (the next step becomes a task).
* :mod:`ordercraft.plugins.crm.rules` — ``ClientRule`` and the hook
  ``register_client_rules(registry)`` through which a plugin adds a kind of client rule
  ("bought in the last N days"); :mod:`ordercraft.plugins.crm.groups` —
  ``get_group``, ``group_condition(session, group)`` (one SQL condition over ``Party``).
* :mod:`ordercraft.plugins.crm.timeline` — ``client_timeline(session, party_id)``. Every
  workflow document whose model has a ``party_id`` column (an order, a proposal) shows
  its transitions, comments, tasks and changes on its client's timeline by itself.

This module stays light: models, Flask and click code are imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk import MenuItem, PluginInfo, hookimpl

plugin = PluginInfo(
    name="crm", version="1.0",
    description="Clients, contacts, interactions, the deal funnel, client groups by rule, "
                "duplicate warnings and the funnel report.")

HERE = Path(__file__).parent


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.crm import models  # noqa: F401  (declares the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


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
    return [MenuItem("Clients", "crm_clients.index", order=6, permission="party.read"),
            MenuItem("Deals", "crm_deals.board", order=7, permission="party.read"),
            MenuItem("Interactions", "crm_interactions.index", order=8,
                     permission="party.read"),
            MenuItem("Client groups", "crm_groups.index", order=11, permission="party.read"),
            MenuItem("Funnel report", "crm_reports.funnel", order=45, permission="party.read")]


@hookimpl
def demo_data(session: Any, platform: Any) -> None:
    from ordercraft.plugins.crm.demo import seed

    seed(session)
