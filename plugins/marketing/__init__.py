"""marketing: channels as a reference list, campaigns and events with their costs,
participants and return (cost, leads, deals won, revenue, cost per lead, ROI), mailings
to crm client groups (e-mail through the site's outbox, SMS through the ``send_sms``
hook) sent now, at a scheduled time or on a trigger, consent per contact and channel
with an unsubscribe link, and short surveys. Guide: docs/marketing.md.

Built on the SDK alone; it uses crm through crm's services (clients, groups,
interactions) and sales, when enabled, through its ``facts`` service.

Public API for other plugins: the hook ``send_sms`` (:mod:`.hookspecs`, an SMS
provider) and :mod:`.sms_test_provider` (a provider for tests). Everything else in this
package may change.

This module stays light: models, Flask and click code are imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.i18n import N_
from ordercraft.sdk.plugins import (
    HookspecRegistry,
    MenuItem,
    PageSection,
    PluginInfo,
    ScheduledJob,
    hookimpl,
)

plugin = PluginInfo(
    name="marketing", version="1.0", requires=("crm",),
    description="Channels, campaigns and their return, mailings to client groups (e-mail "
                "and SMS) with consent and unsubscribe, and surveys.")

HERE = Path(__file__).parent


@hookimpl
def add_hookspecs(registry: HookspecRegistry) -> None:
    from ordercraft.plugins.marketing import hookspecs

    registry.add(hookspecs)


@hookimpl
def mail_bounced(session: Any, addresses: list[str], reason: str, message_id: int | None,
                 source: str) -> None:
    from ordercraft.plugins.marketing.bounces import on_mail_bounced

    on_mail_bounced(session, addresses, reason, message_id, source)


@hookimpl
def check_source(session: Any, value: str, field: str) -> None:
    from ordercraft.plugins.marketing.campaigns import check_source as check

    check(session, value, field)


@hookimpl
def register_models() -> None:
    from ordercraft.plugins.marketing import models  # noqa: F401  (declares the tables)


@hookimpl
def migrations_location() -> str:
    return str(HERE / "migrations" / "versions")


@hookimpl
def register_permissions(registry: Any) -> None:
    from ordercraft.plugins.marketing.declarations import permissions

    permissions(registry)


@hookimpl
def register_settings(registry: Any) -> None:
    from ordercraft.plugins.marketing.declarations import settings

    settings(registry)


@hookimpl
def scheduled_jobs() -> list[ScheduledJob]:
    from ordercraft.plugins.marketing.mailings import mailings_job

    return [ScheduledJob("marketing-mailings", mailings_job,
                         "scheduled and triggered mailings are queued")]


@hookimpl
def cli_commands() -> list[Any]:
    from ordercraft.plugins.marketing.cli import COMMANDS

    return list(COMMANDS)


@hookimpl
def web_blueprints() -> list[Any]:
    from ordercraft.plugins.marketing.api import bp as api
    from ordercraft.plugins.marketing.pages import bp, public

    return [bp, public, api]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem(N_("Campaigns"), "marketing.campaigns_page", order=46, permission="marketing.read"),
            MenuItem(N_("Mailings"), "marketing.mailings", order=47, permission="marketing.read")]


@hookimpl
def demo_data(session: Any) -> None:
    from ordercraft.plugins.marketing.demo import seed

    seed(session)


@hookimpl
def page_sections(session: Any, user: Any, page: str, obj: Any) -> list[PageSection] | None:
    """The client card's marketing: the client's channel, campaigns, the messages its
    contacts got, their consents and survey answers."""
    if page != "client":
        return None
    from ordercraft.sdk.permissions import has_permission

    if not has_permission(user, "marketing.read"):
        return None
    from ordercraft.plugins.marketing.sections import client_section

    return [client_section(session, obj)]
