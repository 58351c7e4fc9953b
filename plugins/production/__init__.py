"""production: bills of materials, technology maps, production orders that post to the
stock ledger, planned and actual cost.

A product's BOM versions (one active per date) list components per output quantity, in
any unit that converts to the component's, with scrap, phantom sub-assemblies and
by-products (:mod:`.boms`, :mod:`.structure`); a technology map lists the operations at
work centres (:mod:`.models`). Planned cost is single-level or rolled up
(:mod:`.costing`). Production orders (:mod:`.orders`, :mod:`.machine`) reserve their
components, post the consumption at the ledger's FIFO/average cost and receive the output
at its actual cost, all through ``ordercraft.sdk.stock``; done orders call production's
own hook ``production_order_done`` (:mod:`.hookspecs`).

Other plugins use production through its service ``structure`` (:mod:`.services`).
This module stays light: every hook imports what it needs when it is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import HookspecRegistry, MenuItem, PluginInfo, hookimpl

plugin = PluginInfo(
    name="production",
    version="1.0",
    description="Bills of materials, technology maps, production orders, actual cost.",
)

HERE = Path(__file__).parent


@hookimpl
def add_hookspecs(registry: HookspecRegistry) -> None:
    from ordercraft.plugins.production import hookspecs

    registry.add(hookspecs)


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.production import models  # noqa: F401  (registers the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    from ordercraft.plugins.production.declarations import permissions

    permissions(registry)


@hookimpl
def register_settings(registry: Any) -> None:
    from ordercraft.plugins.production.declarations import settings

    settings(registry)


@hookimpl(optionalhook=True)
def order_shortages(session: Any, order: Any, shortages: list[Any]) -> None:
    """sales' hook (when sales is enabled): the "to produce" lines of a confirmed
    customer order become draft production orders."""
    from ordercraft.plugins.production.orders import orders_for_shortages

    orders_for_shortages(session, order, shortages)


@hookimpl(optionalhook=True)
def register_reports(registry: Any) -> None:
    """analysis' hook (while analysis is enabled): production output and cost variance."""
    from ordercraft.plugins.production.orders import register_reports as register

    register(registry)


@hookimpl
def register_state_machines(registry: Any) -> None:
    from ordercraft.plugins.production.machine import production_order_machine

    registry.add(production_order_machine())


@hookimpl
def print_forms(registry: Any) -> None:
    from ordercraft.plugins.production.printing import register_forms

    register_forms(registry)


@hookimpl
def plugin_services(registry: Any) -> None:
    from ordercraft.plugins.production.services import StructureService

    registry.add("structure", StructureService())


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.production.cli import bom_group, production_group

    return [bom_group, production_group]


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.production.api import bp as api_bp
    from ordercraft.plugins.production.views import bp

    return [bp, api_bp]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(N_("Production"), "production.index", order=30,
                     permission="production.read")]


@hookimpl
def page_sections(session: Any, user: Any, page: str, obj: Any) -> list[Any]:
    """The item card's bills of materials and open production orders; a customer
    order's production orders."""
    from ordercraft.plugins.production.sections import page_sections as sections

    return sections(session, user, page, obj)


@hookimpl
def demo_data(session: Any, platform: Any) -> None:
    from ordercraft.plugins.production.demo import seed

    seed(session, platform)


@hookimpl(optionalhook=True)
def register_kpi_metrics(registry: Any) -> None:
    """analysis' hook (while analysis is enabled): production's KPI metrics."""
    from ordercraft.plugins.production.kpis import register

    register(registry)
