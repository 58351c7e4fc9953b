"""planning: material requirements planning (MRP) with pegging, as a plugin.

``engine.plan(scenario)`` plans a scenario given as data (items with their stock and
planning parameters, bills of materials, independent demand, integer periods) and
returns the MRP records, the planned orders with their pegging and the exceptions.
The engine is pure computation over the standard library; docs/planning.md states
its formats and conventions.

The plugin around it (:mod:`.site`, :mod:`.runs`) plans a site: its open customer
orders (sales' service ``demand``), its stock, its open purchase orders (purchasing's
``supply``) and production orders and BOMs (production's ``structure``, when enabled),
stores each run with its records and planned orders, and firms a planned order into a
purchase or production order. ``ordercraft mrp plan --scenario`` plans a what-if given
as data with the same engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import MenuItem, PluginInfo, hookimpl

plugin = PluginInfo(
    name="planning",
    version="1.0",
    description="MRP: planned purchase and production orders with pegging, from all open "
                "demand.",
    requires=("purchasing",),
)

HERE = Path(__file__).parent


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.planning import models  # noqa: F401  (declares the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    registry.permission("planning.read", "Read plans",
                        "See MRP runs: records, planned orders with their pegging, "
                        "exceptions.")
    registry.permission("planning.run", "Plan", "Run MRP and set items' planning parameters.")
    registry.permission("planning.firm", "Firm planned orders",
                        "Turn a planned order into a purchase or production order.")
    registry.grant("manager", "planning.read", "planning.run", "planning.firm")
    registry.grant("economist", "planning.read")
    registry.grant("storekeeper", "planning.read")


@hookimpl
def register_settings(registry: Any) -> None:
    from ordercraft.plugins.planning.site import WAREHOUSES_SETTING

    registry.setting(WAREHOUSES_SETTING, "str", "", "Planning site warehouses",
                     "Codes of the warehouses MRP plans as one site, comma-separated: only "
                     "their stock is netted and only purchase orders received into them are "
                     "scheduled receipts; firmed purchase orders are received into the "
                     "first, firmed production orders made in it. Empty: every warehouse, "
                     "firmed orders into the default ones.")


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.planning.cli import mrp_group

    return [mrp_group]


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.planning.web import api, pages

    return [pages, api]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(N_("Planning"), "planning.index", order=32, permission="planning.read")]


@hookimpl(trylast=True)
def demo_data(session: Any, platform: Any) -> None:
    """After every other plugin: the story's plan, firmed, bought and released."""
    from ordercraft.plugins.planning.demo import seed

    seed(session, platform)
