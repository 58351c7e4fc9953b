"""The typed calls of crm's own hooks (declared in :mod:`.hookspecs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import HookWrapper

if TYPE_CHECKING:
    from ordercraft.plugins.crm.rules import ClientRuleRegistry


class CrmHooks(HookWrapper):
    """crm's hooks, one method each: ``CrmHooks.of(session).register_client_rules(...)``."""

    def register_client_rules(self, registry: ClientRuleRegistry) -> None:
        self.fill_registry("register_client_rules", registry)
