"""service: serial numbers and warranty, complaints (service requests) with SLA, and a
knowledge base.

* **Serial numbers** (:mod:`.complaints`): an item may be serial-tracked with a warranty
  period; units produced (hook ``production_order_done`` of production, when that plugin
  is on) or received get serial numbers; a shipment records which units went to which
  client (a unit is shipped once); the client card lists the units a client owns with
  their warranty end.
* **Complaints**: from a client, optionally for an order, an item or a serial number;
  attachments (size and type checked, served only to readers); the workflow of
  :mod:`.machine` with SLA deadlines per priority (:mod:`.sla`) as workflow tasks that
  the engine escalates; warranty repairs issue replacement parts from stock against the
  complaint.
* **Knowledge base**: articles with categories and tags, full-text search (FTS5 on
  SQLite, ``tsvector`` + GIN on PostgreSQL), linked from complaints.
* **Reports**: complaints by item, category, cause and month; defect rate per item;
  SLA compliance; warranty cost per item.

service requires crm (the client card) and sales (units shipped, for the defect rate).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import MenuItem, PluginInfo, ServiceRegistry, hookimpl

plugin = PluginInfo(
    name="service", version="1.0",
    description="Serial numbers and warranty, complaints with SLA, a knowledge base.",
    requires=("crm", "sales"))

HERE = Path(__file__).parent


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.service import models  # noqa: F401  (registers the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    from ordercraft.plugins.service.declarations import permissions

    permissions(registry)


@hookimpl
def register_state_machines(registry: Any) -> None:
    from ordercraft.plugins.service.machine import complaint_machine

    registry.add(complaint_machine())


@hookimpl
def plugin_services(registry: ServiceRegistry) -> None:
    from ordercraft.plugins.service.hooks import SERIALS

    registry.add("serials", SERIALS)


@hookimpl
def shipment_serials(session: Any, order: Any, shipment: Any,
                     serials: dict[int, list[str]]) -> None:
    from ordercraft.plugins.service.hooks import serials_of_shipment

    serials_of_shipment(session, order, shipment, serials)


@hookimpl(optionalhook=True)
def production_order_done(session: Any, order: Any) -> None:
    from ordercraft.plugins.service.hooks import serials_for_production

    serials_for_production(session, order)


@hookimpl
def page_sections(session: Any, user: Any, page: str, obj: Any) -> list[Any] | None:
    from ordercraft.plugins.service.hooks import client_sections

    return client_sections(session, user, page, obj)


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.service.cli import groups

    return groups()


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.service.api import bp as api_bp
    from ordercraft.plugins.service.views import bp

    return [bp, api_bp]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(N_("Complaints"), "service.index", order=40, permission="complaint.read"),
            MenuItem(N_("Knowledge base"), "service.articles", order=41,
                     permission="article.read")]


@hookimpl
def demo_data(session: Any, platform: Any) -> None:
    from ordercraft.plugins.service.demo import seed

    seed(session, platform)
