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
    groups = plugin_service(session, "crm", "groups")
    members = groups.member_ids(session, groups.get(session, "School clients"))
    plugin_service(session, "crm", "interactions").log_many(session, rows)

Every method takes the operation's session and checks the acting user's permissions,
like crm's own pages do. A deal is the ``deal`` workflow document (table ``crm_deals``):
read its ``id``, ``title``, ``state``, ``party_id``, ``amount``; move it with
``ordercraft.sdk.workflow.transition``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from ordercraft.plugins.crm.models import ClientGroup, Deal
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


class GroupService:
    """crm's client groups: named rules whose members are computed in SQL when asked."""

    def get(self, session: Session, ref: int | str) -> ClientGroup:
        """A group by id or name; a missing one is a ``NotFound`` (field ``group``)."""
        from ordercraft.plugins.crm.groups import get_group

        return get_group(session, ref)

    def list(self, session: Session) -> list[ClientGroup]:
        """Every group, by name."""
        from ordercraft.plugins.crm.groups import list_groups

        return list_groups(session)

    def member_ids(self, session: Session, group: ClientGroup) -> Select[Any]:
        """A select of the ids of the group's clients now (``Party.id.in_(...)``)."""
        from ordercraft.plugins.crm.groups import group_member_ids

        return group_member_ids(session, group)  # type: ignore[no-any-return]


class InteractionService:
    """crm's interactions, written in bulk by other plugins (a mailing's messages)."""

    def log_many(self, session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
        """Record many interactions at once, in the caller's transaction, without next
        steps or audit entries (a mailing's e-mails and SMS, each on its contact's
        timeline). Each row: ``party_id``, ``contact_id`` (or ``None``), ``kind``
        (``email`` or ``sms``), ``subject``, ``at``, and optionally ``outcome`` and
        ``manager_id`` and ``source`` (a marketing channel's code, not checked: the
        caller's own). Returns how many were written."""
        from sqlalchemy import insert

        from ordercraft.plugins.crm.models import Interaction

        values = [{"party_id": row["party_id"], "contact_id": row.get("contact_id"),
                   "kind": row["kind"], "subject": str(row["subject"])[:200],
                   "at": row["at"], "created_at": row["at"],
                   "outcome": row.get("outcome", ""), "next_step": "",
                   "source": str(row.get("source") or "")[:50],
                   "manager_id": row.get("manager_id")} for row in rows]
        if values:
            # The table, not the ORM: thousands of rows skip the ORM's bulk bookkeeping.
            session.connection().execute(insert(Interaction.__table__), values)
        return len(values)


CLIENTS = ClientService()
DEALS = DealService()
GROUPS = GroupService()
INTERACTIONS = InteractionService()
