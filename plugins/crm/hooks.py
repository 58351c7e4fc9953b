"""The typed calls of crm's own hooks (declared in :mod:`.hookspecs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import HookWrapper

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.plugins.crm.rules import ClientRuleRegistry


class CrmHooks(HookWrapper):
    """crm's hooks, one method each: ``CrmHooks.of(session).register_client_rules(...)``."""

    def register_client_rules(self, registry: ClientRuleRegistry) -> None:
        self.fill_registry("register_client_rules", registry)

    def check_source(self, session: Session, value: str, field: str) -> None:
        self.call_each("check_source", session=session, value=value, field=field)


def clean_source(session: Session, value: object, field: str = "source") -> str:
    """A marketing source as stored (trimmed text, at most 50 characters), checked by the
    plugins (hook ``check_source``: marketing's list of channels)."""
    from ordercraft.sdk import validation

    text = validation.text(value, field=field, max_length=50)
    if text:
        CrmHooks.of(session).check_source(session, text, field)
    return text
