"""The typed calls of marketing's own hooks (declared in :mod:`.hookspecs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import HookWrapper

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class MarketingHooks(HookWrapper):
    """marketing's hooks, one method each: ``MarketingHooks.of(session).send_sms(...)``."""

    def send_sms(self, session: Session, to: str, text: str,
                 mailing_id: int | None) -> str | None:
        found = self.call_each("send_sms", firstresult=True, session=session, to=to,
                               text=text, mailing_id=mailing_id)
        return str(found[0][1]) if found else None
