"""crm's JSON API: ``/api/v1/clients``, ``/api/v1/contacts``, ``/api/v1/interactions`` and
``/api/v1/deals`` (with the deal's workflow routes). Each route validates its input with
the models below, calls one service, and answers through its response model; the same
declarations make ``/api/v1/openapi.json``.

A new client that shares a tax id, phone or e-mail with an existing party is refused
with 409 ``possible_duplicate`` whose ``error.details.matches`` lists the parties, unless
the body says ``"confirm_duplicate": true``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from ordercraft.plugins.crm.ids import MAX_ID
from ordercraft.sdk.custom_fields import custom_field_filters, custom_fields_member
from ordercraft.sdk.web import (
    ContactChanges,
    ContactIn,
    ContactOut,
    InputModel,
    LegalEntityIn,
    LegalEntityOut,
    OutputModel,
    Page,
    PageQuery,
    PartyChanges,
    PartyFilters,
    PartyIn,
    PartyOut,
    api_blueprint,
    api_route,
    page,
    request_session,
    workflow_routes,
)

bp = api_blueprint("crm_api", __name__)

ClientKind = Literal["client", "both"]
InteractionKind = Literal["meeting", "incoming_call", "outgoing_call", "sms", "email"]
Stage = Literal["lead", "qualified", "proposal", "negotiation", "won", "lost"]
DUPLICATE = {409: "The client may already exist (error.code possible_duplicate; "
                  "error.details.matches lists the parties sharing a tax id, phone or "
                  "e-mail; send confirm_duplicate: true to create it anyway), or a party "
                  "has this very name or tax id (code duplicate)."}


# ------------------------------------------------------------------ models
# A client is a party: its fields come from the party models of the SDK (one schema per
# entity); crm narrows the kind and adds its own fields and figures.


class ClientIn(PartyIn):
    kind: ClientKind = "client"
    contacts: list[ContactIn] = Field(default_factory=list)
    legal_entities: list[LegalEntityIn] = Field(default_factory=list)
    confirm_duplicate: bool = Field(False, description="Create the client even though it "
                                    "shares a tax id, phone or e-mail with another party.")


class ClientChanges(PartyChanges):
    """Only the fields sent change; an empty string clears a text field."""

    kind: ClientKind | None = None
    confirm_duplicate: bool = False


class ClientQuery(PartyFilters):
    group: str | None = Field(None, max_length=100, description="A client group (id or name).")


class ClientOut(PartyOut):
    kind: ClientKind
    open_deals: int = Field(description="Deals neither won nor lost.")
    open_amount: Decimal = Field(description="Expected amount of the open deals.")
    last_interaction_at: datetime | None


class DealOut(OutputModel):
    id: int
    title: str
    state: Stage
    client_id: int
    client: str | None
    contact_id: int | None
    manager: str | None
    amount: Decimal
    probability: int = Field(description="Percent.")
    weighted_amount: Decimal = Field(description="amount × probability.")
    expected_close: date | None
    source: str
    notes: str
    lost_reason: str
    created_at: datetime
    state_changed_at: datetime | None
    closed_at: datetime | None
    custom_fields: dict[str, Any] = custom_fields_member("deal")


class ClientDetailOut(ClientOut):
    legal_entities: list[LegalEntityOut]
    contacts: list[ContactOut]
    deals: list[DealOut] = Field(description="The client's deals, newest first (at most 100).")


class ClientTimelineDocument(OutputModel):
    type: str
    id: int
    title: str | None


class ClientTimelineEntry(OutputModel):
    source: Literal["interaction", "deal", "event", "audit"]
    id: int
    at: datetime
    kind: str = Field(description="interaction_<kind>, deal_opened, transition, comment, "
                                  "task_created, task_done, ..., audit_create, audit_update.")
    user: str | None
    text: str
    document: ClientTimelineDocument | None = None
    task_id: int | None = None


class ClientContactIn(ContactIn):
    client_id: int = Field(ge=1, le=MAX_ID)


class ContactQuery(PageQuery):
    client: int | None = Field(None, ge=1, le=MAX_ID, description="Only this client's contacts.")
    q: str | None = Field(None, max_length=200)
    cf: dict[str, str] = custom_field_filters("contact")


class InteractionIn(InputModel):
    client_id: int = Field(ge=1, le=MAX_ID)
    kind: InteractionKind
    subject: str = Field(min_length=1, max_length=200)
    at: datetime | None = Field(None, description="When it happened (ISO 8601; without a "
                                "zone, UTC); default now.")
    outcome: str = Field("", max_length=10_000)
    contact_id: int | None = Field(None, ge=1, le=MAX_ID)
    deal_id: int | None = Field(None, ge=1, le=MAX_ID)
    manager: str | None = Field(None, max_length=100, description="Who spoke to the client "
                                "(default: the caller).")
    next_step: str | None = Field(None, max_length=250, description="What to do next: "
                                  "becomes a task.")
    next_step_due: datetime | None = Field(None, description="When the next step is due.")
    next_step_assignee: str | None = Field(None, max_length=100, description="Who does it "
                                           "(default: the manager).")
    source: str | None = Field(None, max_length=50, description="The marketing channel that "
                               "brought it about (a code of the channel list).")


class InteractionChanges(InputModel):
    kind: InteractionKind | None = None
    subject: str | None = Field(None, min_length=1, max_length=200)
    outcome: str | None = Field(None, max_length=10_000)
    contact_id: int | None = Field(None, ge=1, le=MAX_ID)
    source: str | None = Field(None, max_length=50)


class InteractionQuery(PageQuery):
    client: int | None = Field(None, ge=1, le=MAX_ID)
    deal: int | None = Field(None, ge=1, le=MAX_ID)
    manager: str | None = Field(None, max_length=100)
    kind: InteractionKind | None = None
    since: date | None = Field(None, alias="from", description="From this day.")
    until: date | None = Field(None, alias="to", description="Up to this day, inclusive.")


class InteractionOut(OutputModel):
    id: int
    client_id: int
    client: str | None
    kind: InteractionKind
    at: datetime
    subject: str
    outcome: str
    contact_id: int | None
    contact: str | None
    deal_id: int | None
    manager: str | None
    source: str = Field("", description="The marketing channel's code; empty when not told.")
    next_step: str
    next_step_due: datetime | None
    task_id: int | None = Field(description="The task the next step became.")


class DealIn(InputModel):
    client_id: int = Field(ge=1, le=MAX_ID)
    title: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(Decimal("0"), description="Expected amount (2 decimals).")
    expected_close: date | None = None
    probability: int | None = Field(None, ge=0, le=100, description="Default: the stage's.")
    source: str | None = Field(None, max_length=50, description="Default: the client's.")
    notes: str = Field("", max_length=10_000)
    manager: str | None = Field(None, max_length=100, description="Default: the client's.")
    contact_id: int | None = Field(None, ge=1, le=MAX_ID)
    custom_fields: dict[str, Any] = custom_fields_member("deal", "create")


class DealChanges(InputModel):
    """Only the fields sent change. The stage changes through transitions."""

    title: str | None = Field(None, min_length=1, max_length=200)
    amount: Decimal | None = None
    expected_close: date | None = None
    probability: int | None = Field(None, ge=0, le=100)
    source: str | None = Field(None, max_length=50)
    notes: str | None = Field(None, max_length=10_000)
    manager: str | None = Field(None, max_length=100)
    contact_id: int | None = Field(None, ge=1, le=MAX_ID)
    custom_fields: dict[str, Any] = custom_fields_member("deal", "change")


class DealQuery(PageQuery):
    client: int | None = Field(None, ge=1, le=MAX_ID)
    state: list[Stage] = Field(default_factory=list, description="Any of these stages.")
    open: bool = Field(False, description="Only deals neither won nor lost.")
    manager: str | None = Field(None, max_length=100)
    source: str | None = Field(None, max_length=50)
    q: str | None = Field(None, max_length=200, description="Words in the title or the "
                                                           "client's name.")
    sort: Literal["newest", "expected_close", "amount"] = "newest"
    cf: dict[str, str] = custom_field_filters("deal")


# ------------------------------------------------------------------ clients


@api_route(bp, "/clients", permission="party.read", query=ClientQuery, response=Page[ClientOut],
           errors={404: "No user or client group has this name."})
def list_clients(query: ClientQuery) -> dict[str, Any]:
    """List clients (parties of kind client or both) with their crm figures."""
    from ordercraft.plugins.crm import clients

    found = clients.list_clients(request_session(), search=query.q, tags=query.tag or None,
                                 source=query.source, manager=query.manager, group=query.group,
                                 custom_fields=query.cf, limit=query.limit, offset=query.offset)
    return page([clients.client_dict(row) for row in found.items], found.total, query)


@api_route(bp, "/clients/<int:client_id>", permission="party.read", response=ClientDetailOut,
           errors={404: "No client has this id."})
def get_client(client_id: int) -> dict[str, Any]:
    """One client with its legal entities, contacts and deals."""
    from ordercraft.plugins.crm import clients

    session = request_session()
    return clients.client_dict(clients.get_client(session, client_id), details=True,
                               session=session)


@api_route(bp, "/clients",
           permission="party.write", methods=["POST"], body=ClientIn, response=ClientDetailOut,
           status=201, errors=DUPLICATE)
def create_client(body: ClientIn) -> dict[str, Any]:
    """Create a client with its contacts and legal entities (checked for duplicates)."""
    from ordercraft.plugins.crm import clients

    session = request_session()
    values = body.model_dump()
    for contact in values["contacts"]:
        contact["channels"] = contact["channels"] or None
    client = clients.create_client(session, **values)
    return clients.client_dict(client, details=True, session=session)


@api_route(bp, "/clients/<int:client_id>",
           permission="party.write", methods=["PATCH"], body=ClientChanges,
           response=ClientDetailOut, errors={404: "No client has this id.", **DUPLICATE})
def update_client(client_id: int, body: ClientChanges) -> dict[str, Any]:
    """Change some fields of a client."""
    from ordercraft.plugins.crm import clients

    session = request_session()
    client = clients.update_client(session, client_id,
                                   **body.model_dump(exclude_unset=True, exclude_none=True))
    return clients.client_dict(client, details=True, session=session)


@api_route(bp, "/clients/<int:client_id>/timeline", permission="party.read", query=PageQuery,
           response=Page[ClientTimelineEntry], errors={404: "No client has this id."})
def client_timeline(client_id: int, query: PageQuery) -> dict[str, Any]:
    """The client's whole history, newest first: interactions, deals, their transitions
    and tasks, and changes of the data."""
    from ordercraft.plugins.crm import clients, timeline

    session = request_session()
    client = clients.get_client(session, client_id)
    found = timeline.client_timeline(session, client.id, limit=query.limit, offset=query.offset)
    return page(found.items, found.total, query)


# ------------------------------------------------------------------ contacts


@api_route(bp, "/contacts", permission="party.read", query=ContactQuery, response=Page[ContactOut],
           errors={404: "No client has this id."})
def list_contacts(query: ContactQuery) -> dict[str, Any]:
    """List the contacts of clients."""
    from ordercraft.plugins.crm import clients
    from ordercraft.sdk.parties import contact_dict

    found = clients.list_contacts(request_session(), client=query.client, search=query.q,
                                  custom_fields=query.cf, limit=query.limit,
                                  offset=query.offset)
    return page([contact_dict(c) for c in found.items], found.total, query)


@api_route(bp, "/contacts/<int:contact_id>", permission="party.read", response=ContactOut,
           errors={404: "No contact of a client has this id."})
def get_contact(contact_id: int) -> dict[str, Any]:
    """One contact."""
    from ordercraft.plugins.crm import clients
    from ordercraft.sdk.parties import contact_dict

    return contact_dict(clients.get_contact(request_session(), contact_id))


@api_route(bp, "/contacts",
           permission="party.write",
           methods=["POST"], body=ClientContactIn, response=ContactOut, status=201,
           errors={404: "No client has this id."})
def create_contact(body: ClientContactIn) -> dict[str, Any]:
    """Add a contact to a client."""
    from ordercraft.plugins.crm import clients
    from ordercraft.sdk.parties import contact_dict

    values = body.model_dump()
    client_id = values.pop("client_id")
    values["channels"] = values["channels"] or None
    return contact_dict(clients.add_contact(request_session(), client_id, **values))


@api_route(bp, "/contacts/<int:contact_id>",
           permission="party.write", methods=["PATCH"], body=ContactChanges,
           response=ContactOut, errors={404: "No contact of a client has this id."})
def update_contact(contact_id: int, body: ContactChanges) -> dict[str, Any]:
    """Change some fields of a contact."""
    from ordercraft.plugins.crm import clients
    from ordercraft.sdk.parties import contact_dict

    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return contact_dict(clients.update_contact(request_session(), contact_id, **changes))


# ------------------------------------------------------------------ interactions


@api_route(bp, "/interactions",
           permission="party.read", query=InteractionQuery, response=Page[InteractionOut],
           errors={404: "No client, deal or user has this id or name."})
def list_interactions(query: InteractionQuery) -> dict[str, Any]:
    """List interactions, newest first."""
    from ordercraft.plugins.crm import interactions

    found = interactions.list_interactions(
        request_session(), client=query.client, deal=query.deal, manager=query.manager,
        kind=query.kind, since=query.since, until=query.until, limit=query.limit,
        offset=query.offset)
    return page([interactions.interaction_dict(i) for i in found.items], found.total, query)


@api_route(bp, "/interactions/<int:interaction_id>",
           permission="party.read", response=InteractionOut,
           errors={404: "No interaction has this id."})
def get_interaction(interaction_id: int) -> dict[str, Any]:
    """One interaction."""
    from ordercraft.plugins.crm import interactions

    return interactions.interaction_dict(
        interactions.get_interaction(request_session(), interaction_id))


@api_route(bp, "/interactions",
           permission="party.write", methods=["POST"], body=InteractionIn, response=InteractionOut,
           status=201, errors={404: "No client, contact, deal or user has this id or name."})
def create_interaction(body: InteractionIn) -> dict[str, Any]:
    """Log an interaction; its next step becomes a task."""
    from ordercraft.plugins.crm import interactions

    values = body.model_dump()
    return interactions.interaction_dict(interactions.log_interaction(
        request_session(), values.pop("client_id"), contact=values.pop("contact_id"),
        deal=values.pop("deal_id"), **values))


@api_route(bp, "/interactions/<int:interaction_id>", permission="party.write", methods=["PATCH"],
           body=InteractionChanges, response=InteractionOut,
           errors={404: "No interaction has this id."})
def update_interaction(interaction_id: int, body: InteractionChanges) -> dict[str, Any]:
    """Correct the kind, subject, outcome or contact of an interaction."""
    from ordercraft.plugins.crm import interactions

    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "contact_id" in changes:
        changes["contact"] = changes.pop("contact_id")
    return interactions.interaction_dict(
        interactions.update_interaction(request_session(), interaction_id, **changes))


# ------------------------------------------------------------------ deals


@api_route(bp, "/deals", permission="party.read", query=DealQuery, response=Page[DealOut],
           errors={404: "No client or user has this id or name."})
def list_deals(query: DealQuery) -> dict[str, Any]:
    """List deals, filtered and paginated."""
    from ordercraft.plugins.crm import deals

    found = deals.list_deals(request_session(), client=query.client, states=query.state or None,
                             open_only=query.open, manager=query.manager, source=query.source,
                             search=query.q, sort=query.sort, custom_fields=query.cf,
                             limit=query.limit, offset=query.offset)
    return page([deals.deal_dict(d) for d in found.items], found.total, query)


@api_route(bp, "/deals/<int:deal_id>",
           permission="party.read", response=DealOut, errors={404: "No deal has this id."})
def get_deal(deal_id: int) -> dict[str, Any]:
    """One deal."""
    from ordercraft.plugins.crm import deals

    return deals.deal_dict(deals.get_deal(request_session(), deal_id))


@api_route(bp, "/deals",
           permission="party.write", methods=["POST"], body=DealIn, response=DealOut, status=201,
           errors={404: "No client, contact or user has this id or name."})
def create_deal(body: DealIn) -> dict[str, Any]:
    """Open a deal with a client, in the first stage of the funnel (lead)."""
    from ordercraft.plugins.crm import deals

    values = body.model_dump()
    deal = deals.create_deal(request_session(), values.pop("client_id"), values.pop("title"),
                             contact=values.pop("contact_id"), **values)
    return deals.deal_dict(deal)


@api_route(bp, "/deals/<int:deal_id>",
           permission="party.write", methods=["PATCH"], body=DealChanges, response=DealOut,
           errors={404: "No deal has this id."})
def update_deal(deal_id: int, body: DealChanges) -> dict[str, Any]:
    """Change some fields of a deal (its stage changes through transitions)."""
    from ordercraft.plugins.crm import deals

    changes = body.model_dump(exclude_unset=True)
    if "contact_id" in changes:
        changes["contact"] = changes.pop("contact_id") or ""
    if "expected_close" in changes and changes["expected_close"] is None:
        changes["expected_close"] = ""
    changes = {key: value for key, value in changes.items() if value is not None}
    return deals.deal_dict(deals.update_deal(request_session(), deal_id, **changes))


workflow_routes(bp, "deals", "deal")
