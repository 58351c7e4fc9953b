"""The hooks marketing offers to other plugins. marketing adds them to the site's hooks
when it is registered (hook ``add_hookspecs``); a plugin implementing them lists
``marketing`` in its ``requires``. marketing calls them through
:class:`~ordercraft.plugins.marketing.hooks.MarketingHooks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


# --------------------------------------------------------------------------- SMS


@hookspec(firstresult=True)
def send_sms(session: Session, to: str, text: str, mailing_id: int | None) -> str | None:
    """Send one SMS of a mailing through the plugin's SMS provider.

    Called by the ``marketing`` plugin for every recipient of an SMS mailing, when the
    mailing is sent (now, by ``ordercraft worker`` at its scheduled time, or by its
    trigger), inside the transaction that records the message and logs it on the
    contact's timeline. Stops at the first non-None result: enable one SMS provider. A
    provider that talks to a network service should queue the message in its own table
    and send it after the commit (its own ``scheduled_jobs``), so that a slow provider
    never holds the transaction. The contact's consent is already checked: only
    consenting contacts with a phone number get here.

    :param session: the operation's session (write to your own tables only).
    :param to: the contact's phone number, as stored.
    :param text: the rendered message (the mailing's body for this contact).
    :param mailing_id: the mailing's id (``None`` for a test message).

    Return the provider's message id (any non-empty text), or ``None`` when the plugin
    does not send SMS (the next provider is asked; with none, the mailing is refused).
    """
