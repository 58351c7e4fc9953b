"""proposals: technical and commercial proposals (TCP) with a configurator.

A proposal gathers lines from catalog items, configured product templates (base items
and chosen options, checked against declarative compatibility rules, :mod:`.configurator`),
calculator runs (stored with the line so the price is reproducible) and free text; it is
priced with cost (the stock ledger's, or the calculator's) and margin per line, per group
and in total (:mod:`.pricing`), carries a payment schedule, needs an approval for a
discount above the site's threshold, keeps every version it was sent as, and becomes the
customer order when accepted (:mod:`.machine`). Print forms: ``internal`` (every cost and
margin) and ``customer`` (configuration, characteristics, prices per group; no costs).

proposals requires crm (clients, deals) and sales (the order made on acceptance), and
reaches both through their services only. Full guide: docs/proposals.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import MenuItem, PluginInfo, hookimpl

plugin = PluginInfo(
    name="proposals", version="1.0",
    description="Technical and commercial proposals: configurator, calculator lines, "
                "costs and margins, approvals, versions, acceptance into an order.",
    requires=("crm", "sales"))

HERE = Path(__file__).parent


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.proposals import models  # noqa: F401  (registers the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    from ordercraft.plugins.proposals.declarations import permissions

    permissions(registry)


@hookimpl
def register_settings(registry: Any) -> None:
    from ordercraft.plugins.proposals.declarations import settings

    settings(registry)


@hookimpl
def register_state_machines(registry: Any) -> None:
    from ordercraft.plugins.proposals.machine import proposal_machine

    registry.add(proposal_machine())


@hookimpl
def print_forms(registry: Any) -> None:
    from ordercraft.plugins.proposals.printing import register_forms

    register_forms(registry)


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.proposals.cli import proposal_group

    return [proposal_group]


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.proposals.api import bp as api_bp
    from ordercraft.plugins.proposals.views import bp

    return [bp, api_bp]


@hookimpl
def page_sections(session: Any, user: Any, page: str, obj: Any) -> list[Any]:
    from ordercraft.plugins.proposals.views import (
        calculator_section,
        deal_section,
        order_section,
    )

    if page == "deal":
        return deal_section(session, user, obj)
    if page == "order":
        return order_section(session, user, obj)
    if page == "calculator":
        return calculator_section(session, user, obj)
    return []


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(N_("Proposals"), "proposals.index", order=24, permission="proposal.read")]


@hookimpl
def demo_data(session: Any, platform: Any) -> None:
    from ordercraft.plugins.proposals.demo import seed

    seed(session, platform)


@hookimpl(optionalhook=True)
def register_kpi_metrics(registry: Any) -> None:
    """analysis' hook (while analysis is enabled): proposals's KPI metrics."""
    from ordercraft.plugins.proposals.kpis import register

    register(registry)
