"""``/api/v1/parties``: list (filters, pagination), read, create, update."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from ordercraft.core.services import parties
from ordercraft.web.api import (
    API_PREFIX,
    InputModel,
    OutputModel,
    Page,
    PageQuery,
    api_route,
    custom_field_filters,
    custom_fields_member,
    page,
)
from ordercraft.web.extension import request_session

bp = Blueprint("api_parties", __name__, url_prefix=API_PREFIX)

PartyKind = Literal["client", "supplier", "both"]


# --------------------------------------------------------------------------- the fields
# One schema per entity: these models are the party fields of every API route that
# reads or writes parties, the core's and plugins' (crm's clients derive from them,
# through ordercraft.sdk.web).


class PartyIn(InputModel):
    name: str = Field(min_length=1, max_length=200)
    kind: PartyKind = "client"
    tags: list[str] = Field(default_factory=list, description="Group tags, e.g. school.")
    source: str = Field("", max_length=50, description="How the party found us: "
                        "exhibition, seminar, ad, referral, web, ...")
    tax_id: str = Field("", max_length=50)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=200)
    address: str = Field("", max_length=2000)
    notes: str = Field("", max_length=10_000)
    manager: str = Field("", max_length=100, description="User name of the responsible "
                                                          "manager; empty for none.")
    custom_fields: dict[str, Any] = custom_fields_member("client", "create")


class PartyChanges(InputModel):
    """Only the fields sent change; an empty string clears a text field."""

    name: str | None = Field(None, min_length=1, max_length=200)
    kind: PartyKind | None = None
    tags: list[str] | None = Field(None, description="Replaces the tags.")
    source: str | None = Field(None, max_length=50)
    tax_id: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=2000)
    notes: str | None = Field(None, max_length=10_000)
    manager: str | None = Field(None, max_length=100)
    custom_fields: dict[str, Any] = custom_fields_member("client", "change")


class PartyFilters(PageQuery):
    """The filters every list of parties offers (a list adds its own)."""

    q: str | None = Field(None, max_length=200, description="Words that must each occur in "
                          "the name, tax id, phone, e-mail, a legal entity or a contact.")
    tag: list[str] = Field(default_factory=list, description="Every tag given must be present.")
    source: str | None = Field(None, max_length=50)
    manager: str | None = Field(None, max_length=100, description="A user name.")
    cf: dict[str, str] = custom_field_filters("client")


class PartyQuery(PartyFilters):
    kind: PartyKind | None = Field(None, description="'client' includes parties that are both.")


class PartyOut(OutputModel):
    id: int
    name: str
    kind: PartyKind
    tags: list[str]
    source: str
    tax_id: str
    phone: str
    email: str
    address: str
    notes: str
    manager: str | None
    created_at: datetime | None
    updated_at: datetime | None
    custom_fields: dict[str, Any] = custom_fields_member("client")


class LegalEntityIn(InputModel):
    name: str = Field(min_length=1, max_length=200)
    tax_id: str = Field("", max_length=50)
    registration_no: str = Field("", max_length=50)
    address: str = Field("", max_length=2000)
    bank_details: str = Field("", max_length=2000)
    valid_from: date | None = None
    valid_to: date | None = None


class LegalEntityOut(OutputModel):
    id: int
    name: str
    tax_id: str
    registration_no: str
    address: str
    bank_details: str
    valid_from: date | None
    valid_to: date | None


class ChannelIn(InputModel):
    kind: str = Field(min_length=1, max_length=30, description="phone, mobile, email, "
                                                                "telegram, whatsapp, ...")
    value: str = Field(min_length=1, max_length=200)


class Channel(OutputModel):
    kind: str = Field(description="phone, mobile, email, telegram, whatsapp, ...")
    value: str


class ContactIn(InputModel):
    name: str = Field(min_length=1, max_length=200)
    position: str = Field("", max_length=100)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=200)
    channels: list[ChannelIn] = Field(default_factory=list, description="Further phones, "
                                      "e-mails and messengers.")
    notes: str = Field("", max_length=10_000)
    custom_fields: dict[str, Any] = custom_fields_member("contact", "create")


class ContactChanges(InputModel):
    """Only the fields sent change."""

    name: str | None = Field(None, min_length=1, max_length=200)
    position: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=200)
    channels: list[ChannelIn] | None = Field(None, description="Replaces the channels.")
    notes: str | None = Field(None, max_length=10_000)
    custom_fields: dict[str, Any] = custom_fields_member("contact", "change")


class ContactOut(OutputModel):
    id: int
    party_id: int = Field(description="The party the contact belongs to.")
    name: str
    position: str
    phone: str
    email: str
    channels: list[Channel]
    notes: str
    custom_fields: dict[str, Any] = custom_fields_member("contact")


class PartyDetailOut(PartyOut):
    legal_entities: list[LegalEntityOut]
    contacts: list[ContactOut]


# --------------------------------------------------------------------------- routes


@api_route(bp, "/parties", permission="party.read", query=PartyQuery, response=Page[PartyOut])
def list_parties(query: PartyQuery):
    """List parties, filtered and paginated."""
    found = parties.list_parties(request_session(), search=query.q, kind=query.kind,
                                 tags=query.tag or None, source=query.source,
                                 manager=query.manager, custom_fields=query.cf,
                                 limit=query.limit, offset=query.offset)
    return page([parties.party_dict(p) for p in found.items], found.total, query)


@api_route(bp, "/parties/<int:party_id>", permission="party.read", response=PartyDetailOut,
           errors={404: "No party has this id."})
def get_party(party_id: int):
    """One party with its legal entities and contacts."""
    return parties.party_dict(parties.get_party(request_session(), party_id), details=True)


@api_route(bp, "/parties",
           permission="party.write",
           methods=["POST"], body=PartyIn, response=PartyDetailOut, status=201,
           errors={409: "A party with this name or tax id exists."})
def create_party(body: PartyIn):
    """Create a party."""
    party = parties.create_party(request_session(), **body.model_dump())
    return parties.party_dict(party, details=True)


@api_route(bp, "/parties/<int:party_id>",
           permission="party.write", methods=["PATCH"], body=PartyChanges,
           response=PartyDetailOut, errors={404: "No party has this id.",
                                            409: "A party with this name or tax id exists."})
def update_party(party_id: int, body: PartyChanges):
    """Change some fields of a party."""
    party = parties.update_party(request_session(), party_id,
                                 **body.model_dump(exclude_unset=True, exclude_none=True))
    return parties.party_dict(party, details=True)
