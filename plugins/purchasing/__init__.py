"""purchasing: the product matrix, supplier requests four ways, purchase orders.

* :mod:`.matrix` — suppliers' offers per item (price breaks, minimum and multiple, lead
  time, validity, characteristics), price-list import/export, the best valid offer
  explained; calculators read the best offer's price through ``catalog_lookup``.
* :mod:`.requests` — supplier requests from shortages, sales, invoices or ABC classes,
  reviewed and grouped into purchase orders; every generation logged.
* :mod:`.orders` and :mod:`.machine` — purchase orders from draft to closed, sent by
  e-mail (:mod:`.sending`), received into the stock ledger at their prices with landed
  costs spread, within a tolerance; returns to the supplier.
* :mod:`.supply` — the service ``supply`` for other plugins (planning's scheduled
  receipts and suppliers).

purchasing reads sales (service ``demand``, ``facts``), production (``structure``) and
analysis (``classes``) only when a route needs them and they are enabled: a site without
them still keeps a matrix and buys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import MenuItem, PluginInfo, ServiceRegistry, hookimpl

plugin = PluginInfo(
    name="purchasing",
    version="1.0",
    description="Product matrix, supplier requests, purchase orders and their receipts.",
)

HERE = Path(__file__).parent


@hookimpl
def plugin_services(registry: ServiceRegistry) -> None:
    from ordercraft.plugins.purchasing.supply import SUPPLY

    registry.add("supply", SUPPLY)


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.purchasing import models  # noqa: F401  (declares the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    from ordercraft.plugins.purchasing.declarations import permissions

    permissions(registry)


@hookimpl
def register_settings(registry: Any) -> None:
    from ordercraft.plugins.purchasing.declarations import settings

    settings(registry)


@hookimpl
def register_state_machines(registry: Any) -> None:
    from ordercraft.plugins.purchasing.machine import order_machine

    registry.add(order_machine())


@hookimpl
def print_forms(registry: Any) -> None:
    from ordercraft.plugins.purchasing.sending import register_forms

    register_forms(registry)


@hookimpl
def catalog_lookup(session: Any, skus: list[str]) -> dict[str, dict[str, Any]] | None:
    from ordercraft.plugins.purchasing.catalog import best_prices

    return best_prices(session, skus)


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.purchasing.cli import matrix_group, po_group, request_group

    return [matrix_group, request_group, po_group]


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.purchasing.api import bp as api_bp
    from ordercraft.plugins.purchasing.views import bp

    return [bp, api_bp]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(N_("Purchasing"), "purchasing.orders", order=30,
                     permission="purchasing.read")]


@hookimpl
def page_sections(session: Any, user: Any, page: str, obj: Any) -> list[Any]:
    from ordercraft.plugins.purchasing.sections import page_sections as sections

    return sections(session, user, page, obj)


@hookimpl
def demo_data(session: Any, platform: Any) -> None:
    from ordercraft.plugins.purchasing.demo import seed

    seed(session, platform)
