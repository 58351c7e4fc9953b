"""KPIs: divisions and their members, KPI definitions (a formula over the metrics
plugins register through analysis' hook ``register_kpi_metrics``, a target, a weight, a
direction and a scoring scale) and each manager's period score.

``models``    divisions, members, definitions
``scoring``   achievement, scales, the weighted sum (pure)
``service``   defining, scoring a period, a manager's trend (through analysis' service
              ``metrics``), who sees what
              and the service ``teams`` other plugins reach through
              ``plugin_service(session, "kpi", "teams")`` (the division of each user)
``cli``       ``ordercraft kpi division|divisions|define|list|score|export``
``web``       ``/kpi/`` (a manager's card), ``/kpi/ranking``, exports, ``/api/v1/kpi/...``
``dashboard`` the user's KPIs on the home page
``demo``      divisions and KPIs of the demo's managers

docs/kpi.md has a worked example. This module stays light: every hook imports what it
needs when it is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import MenuItem, PluginInfo, hookimpl

plugin = PluginInfo(
    name="kpi",
    version="1.0",
    description="KPIs of divisions and managers: formulas over metrics, targets, scores.",
    requires=("analysis",),
)


@hookimpl
def plugin_services(registry: Any) -> None:
    from ordercraft.plugins.kpi.service import TEAMS

    registry.add("teams", TEAMS)


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.kpi import models  # noqa: F401  (declares the tables)


@hookimpl
def migrations_location() -> str:
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    registry.permission("kpi.read", "See own KPIs",
                        "See one's own KPI card and, as a division's head, the division's.")
    registry.permission("kpi.read_all", "See everyone's KPIs",
                        "See every manager's KPI card and the ranking of all divisions.")
    registry.permission("kpi.define", "Define KPIs", "Set up divisions and KPI definitions.")
    for role in ("manager", "engineer", "storekeeper"):
        registry.grant(role, "kpi.read")
    registry.grant("economist", "kpi.read", "kpi.read_all", "kpi.define")


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.kpi.cli import kpi_group

    return [kpi_group]


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.kpi.web import api, pages

    return [pages, api]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(N_("KPIs"), "kpi.card_page", order=65, permission="kpi.read")]


@hookimpl
def dashboard_widgets(session: Any, user: Any) -> list[Any]:
    from ordercraft.plugins.kpi.dashboard import widgets

    return widgets(session, user)


@hookimpl
def demo_data(session: Any, platform: Any) -> None:
    from ordercraft.plugins.kpi.demo import seed

    seed(session)
