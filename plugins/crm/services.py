"""crm's services for other plugins (hook ``plugin_services``): the stable way to read
crm's clients and deals without importing crm.

A plugin that lists ``crm`` in its ``requires`` asks for them by name::

    from ordercraft.sdk.plugins import plugin_service

    clients = plugin_service(session, "crm", "clients")
    party = clients.get(session, "Future Engineers Robotics School")   # id or name
    deals = plugin_service(session, "crm", "deals")
    deal = deals.get(session, 12)                                      # a Deal
    deal = deals.find(session, party.id, "Robotics classroom")         # id or title
    latest = deals.latest_open(session, party.id)                      # or None

Every method takes the operation's session and checks the acting user's permissions,
like crm's own pages do. A deal is the ``deal`` workflow document (table ``crm_deals``):
read its ``id``, ``title``, ``state``, ``party_id``, ``amount``; move it with
``ordercraft.sdk.workflow.transition``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.plugins.crm.models import Deal
    from ordercraft.sdk.models import Party


class ClientService:
    """crm's clients: the core's parties of kind ``client`` or ``both``."""

    def get(self, session: Session, ref: int | str) -> Party:
        """A client by id or name; a supplier-only party is a ``NotFound`` (field
        ``client``)."""
        from ordercraft.plugins.crm.clients import get_client

        return get_client(session, ref)


class DealService:
    """crm's deals: the sales funnel (lead, qualified, proposal, negotiation, won, lost)."""

    def get(self, session: Session, deal_id: int | str) -> Deal:
        """A deal by id; a missing one is a ``NotFound`` (field ``deal``)."""
        from ordercraft.plugins.crm.deals import get_deal

        return get_deal(session, deal_id)

    def find(self, session: Session, client_id: int, ref: int | str) -> Deal:
        """One of the client's deals by id or by title (a form names the deal, nobody
        types its id); a missing or ambiguous title is a ``NotFound`` / ``ValidationError``
        (field ``deal``)."""
        from ordercraft.plugins.crm.deals import find_deal

        return find_deal(session, client_id, ref)

    def latest_open(self, session: Session, client_id: int) -> Deal | None:
        """The client's newest deal that is not lost (open or won), or ``None``."""
        from ordercraft.plugins.crm.deals import latest_deal

        return latest_deal(session, client_id)


CLIENTS = ClientService()
DEALS = DealService()
