"""A test SMS provider: a plugin that records the SMS it is asked to send instead of
sending them. Tests and demos register it next to marketing::

    from ordercraft.plugins.marketing.sms_test_provider import recording_provider

    provider = recording_provider()
    site = make_site(plugins=["crm", "marketing"], extra_plugins=[provider])
    ...                                        # send an SMS mailing
    assert provider.messages == [{"to": "+49 30 1234", "text": "...", "mailing_id": 3}]

A real provider is a plugin of the same shape: ``requires = ["marketing"]`` and a
``send_sms(session, to, text, mailing_id)`` hookimpl (see :mod:`.hookspecs`).
"""

from __future__ import annotations

import types
from typing import Any

from ordercraft.sdk.plugins import PluginInfo, hookimpl


def recording_provider(name: str = "sms_test") -> Any:
    """A fresh provider module (a plugin) whose ``messages`` list records every SMS."""
    module: Any = types.ModuleType(name)
    module.plugin = PluginInfo(name=name, version="1.0", requires=["marketing"],
                               description="Test SMS provider: records the messages.")
    module.messages = []

    def send_sms(session: Any, to: str, text: str, mailing_id: int | None) -> str:
        module.messages.append({"to": to, "text": text, "mailing_id": mailing_id})
        return f"test-{len(module.messages)}"

    module.send_sms = hookimpl(send_sms)
    return module
