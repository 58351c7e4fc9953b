"""Analysis: ABC (Pareto), XYZ (stability), the ABC-XYZ matrix and BCG quadrants.

The modules here are a pure engine over plain data: keyed values and keyed series in,
typed results and their JSON documents out. They import only the standard library, so
the same rules run over a site's sales aggregated in SQL and over an analyst's CSV file.
Every convention (ordering, boundary rules, exact arithmetic, periods, zero and negative
values) is written down with worked examples in docs/analysis.md.

``abc``      ABC classes of keyed values
``xyz``      XYZ classes of keyed series by their coefficient of variation
``matrix``   the ABC-XYZ matrix of an ABC and an XYZ result
``bcg``      BCG quadrants from two periods' values
``series``   period labels: their order, aligning sparse data, aggregating N periods
``files``    ``key,value`` / ``key,period,value`` CSV files and their analyses
``options``  the analyses' parameters, validated
``decimals`` exact sums, once-rounded ratios and square roots, number texts
``errors``   ``AnalysisError``

Around the engine, the plugin: ``site`` sums the site's shipped sales in SQL (through
sales' service ``facts``), ``service`` runs the analyses for the commands (``cli``:
``ordercraft analysis abc|xyz|abcxyz|bcg``), the JSON API and pages (``web``) and offers
the service ``classes`` (``item_classes``, ``client_classes``) to other plugins;
``charts`` draws the charts as SVG (the service ``charts``); ``metrics`` holds the KPI
metrics plugins register through analysis' hook ``register_kpi_metrics`` (``hookspecs``,
called through ``hooks.AnalysisHooks``) and measures them (the service ``metrics``, which
the kpi plugin scores). Without the sales plugin the analyses of files still
work and those of the site say that they need sales.

This module stays light: every hook imports what it needs when it is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import HookspecRegistry, MenuItem, PluginInfo, hookimpl

plugin = PluginInfo(
    name="analysis",
    version="1.0",
    description="ABC, XYZ, ABC-XYZ and BCG analyses of sales and of CSV files.",
)


@hookimpl
def add_hookspecs(registry: HookspecRegistry) -> None:
    from ordercraft.plugins.analysis import hookspecs

    registry.add(hookspecs)


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.analysis import models  # noqa: F401  (declares the tables)


@hookimpl
def migrations_location() -> str:
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    registry.permission("analysis.read", "See analyses",
                        "Run ABC, XYZ and BCG analyses of the site's sales.")
    registry.permission("analysis.write", "Save analyses",
                        "Save an analysis's classes as the site's classification.")
    registry.permission("analysis.dashboard", "See the owner's dashboard",
                        "See revenue, gross margin, backlog, overdue receivables and stock "
                        "value on the home page.")
    registry.grant("manager", "analysis.read")
    registry.grant("economist", "analysis.read", "analysis.write")


@hookimpl
def plugin_services(registry: Any) -> None:
    from ordercraft.plugins.analysis.charts import CHARTS
    from ordercraft.plugins.analysis.metrics import METRICS
    from ordercraft.plugins.analysis.service import CLASSES

    registry.add("classes", CLASSES)
    registry.add("metrics", METRICS)
    registry.add("charts", CHARTS)


@hookimpl(optionalhook=True)
def register_client_rules(registry: Any) -> None:
    """crm's hook (while crm is enabled): client groups by ABC class."""
    from ordercraft.plugins.analysis.snapshots import add_abc_class_rule

    add_abc_class_rule(registry)


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.analysis.cli import analysis_group

    return [analysis_group]



@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.analysis.web import api, pages, report_pages

    return [pages, report_pages, api]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(N_("Analysis"), "analysis.matrix_page", order=60, permission="analysis.read"),
            MenuItem(N_("Reports"), "analysis_reports.reports_page", order=61, permission="analysis.read")]


@hookimpl
def dashboard_widgets(session: Any, user: Any) -> list[Any]:
    from ordercraft.plugins.analysis.dashboard import widgets

    return widgets(session, user)
