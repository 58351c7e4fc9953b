"""Sales: customer orders from entry to payment — the sales and order management centre.

An order belongs to a client (a party), trades through one of the client's legal
entities and may come from a crm deal. Its lines carry item, quantity, price, discount
and tax rate; totals are exact decimals rounded per line (:mod:`.totals`). Its life is
a workflow (:mod:`.machine`): confirming reserves what the stock holds and reports the
rest as shortages through sales' own hook ``order_shortages`` (:mod:`.hookspecs`);
money comes in through invoices (prepayments from the order's payment schedule, invoices
for what shipped, credit notes), payments allocated to them and the receivables report
(:mod:`.invoicing`, :mod:`.receivables`; service ``facts`` for analytics);
shipping posts stock issues (partial shipments allowed); cancelling releases the
reservations and cancels the posted issues. Print forms (confirmation, invoice, delivery
note, act of completed work) come from Jinja templates as HTML and PDF
(:mod:`ordercraft.sdk.printing`). The business process of an order with custom robots
(``custom-robot-order``: pricing, approval, purchasing, production, shipment) ships
with sales as a process template.

sales offers the service ``facts`` (:mod:`.facts`): its shipped lines as a SQL
``Select`` for analytics.

sales uses crm through the SDK only (crm's services ``clients`` and ``deals``, crm's hook
``register_client_rules``), so it requires crm.

This module stays light: every hook imports what it needs when it is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import HookspecRegistry, MenuItem, PluginInfo, ServiceRegistry, hookimpl

plugin = PluginInfo(
    name="sales",
    version="1.0",
    description="Customer orders: reservation, shortages, shipments, invoices, print forms.",
    requires=("crm",),
)

HERE = Path(__file__).parent


@hookimpl
def add_hookspecs(registry: HookspecRegistry) -> None:
    from ordercraft.plugins.sales import hookspecs

    registry.add(hookspecs)


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.sales import models  # noqa: F401  (registers the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    from ordercraft.plugins.sales.declarations import permissions

    permissions(registry)


@hookimpl
def register_settings(registry: Any) -> None:
    from ordercraft.plugins.sales.declarations import settings

    settings(registry)


@hookimpl
def register_custom_fields(registry: Any) -> None:
    from ordercraft.plugins.sales.declarations import custom_fields

    custom_fields(registry)


@hookimpl
def register_state_machines(registry: Any) -> None:
    from ordercraft.plugins.sales.machine import invoice_machine, order_machine

    registry.add(order_machine())
    registry.add(invoice_machine())


@hookimpl
def plugin_services(registry: ServiceRegistry) -> None:
    from ordercraft.plugins.sales.demand import DEMAND
    from ordercraft.plugins.sales.facts import FACTS
    from ordercraft.plugins.sales.intake import MONEY, ORDERS

    registry.add("demand", DEMAND)
    registry.add("facts", FACTS)
    registry.add("orders", ORDERS)
    registry.add("money", MONEY)


@hookimpl
def print_forms(registry: Any) -> None:
    from ordercraft.plugins.sales.printing import register_order_forms

    register_order_forms(registry)


@hookimpl(optionalhook=True)
def register_reports(registry: Any) -> None:
    """analysis' hook (while analysis is enabled): sales' management reports."""
    from ordercraft.plugins.sales.reports import register

    register(registry)


@hookimpl
def page_sections(session: Any, user: Any, page: str, obj: Any) -> list[Any]:
    from ordercraft.plugins.sales.sections import sections

    return sections(session, user, page, obj)


@hookimpl(optionalhook=True)
def production_order_done(session: Any, order: Any) -> None:
    """production's hook (when production is enabled): what was made for a customer
    order's line is reserved for the order, and its "Short" counter follows."""
    from ordercraft.plugins.sales.fulfilment import reserve_made

    reserve_made(session, order.sales_line_id)


@hookimpl
def register_client_rules(registry: Any) -> None:
    from ordercraft.plugins.sales.rules import add_bought_within_days

    add_bought_within_days(registry)


@hookimpl
def process_templates() -> list[str]:
    return [str(path) for path in sorted((HERE / "process_templates").glob("*.yaml"))]


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.sales.cli import order_group
    from ordercraft.plugins.sales.money_cli import (
        invoice_group,
        payment_group,
        receivables_command,
    )

    return [order_group, invoice_group, payment_group, receivables_command]


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.sales.api import bp as api_bp
    from ordercraft.plugins.sales.money_api import bp as money_api_bp
    from ordercraft.plugins.sales.money_views import bp as money_bp
    from ordercraft.plugins.sales.views import bp

    return [bp, api_bp, money_api_bp, money_bp]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(N_("Orders"), "sales.index", order=25, permission="order.read"),
            MenuItem(N_("Invoices"), "sales_money.invoices", order=26, permission="invoice.read")]


@hookimpl
def demo_data(session: Any, platform: Any) -> None:
    from ordercraft.plugins.sales.demo import seed

    seed(session, platform)


@hookimpl(optionalhook=True)
def register_kpi_metrics(registry: Any) -> None:
    """analysis' hook (while analysis is enabled): sales's KPI metrics."""
    from ordercraft.plugins.sales.kpis import register

    register(registry)
