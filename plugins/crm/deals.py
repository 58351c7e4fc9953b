"""Deals: creating, changing, listing and moving them through the funnel.

A deal's state changes only through the workflow (:func:`move_deal`, the API's
``POST /api/v1/deals/{id}/transitions/{name}``, the buttons of its page), never by
:func:`update_deal`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defaultload

from ordercraft.plugins.crm.funnel import STAGE_NAMES, STAGE_PROBABILITY, money
from ordercraft.plugins.crm.ids import is_number, record_id
from ordercraft.plugins.crm.models import Deal
from ordercraft.sdk import custom_fields as custom
from ordercraft.sdk import validation
from ordercraft.sdk.errors import NotFound, ValidationError
from ordercraft.sdk.models import Contact, Party, User
from ordercraft.sdk.permissions import (
    owner_condition,
    require_record,
    require_session_permission,
)
from ordercraft.sdk.queries import Page, contains_pattern, fold, fold_text, paginate, search_words

DEAL_FIELDS = ("title", "amount", "expected_close", "probability", "source", "notes",
               "manager", "contact")
SORTS = {"newest": (Deal.created_at.desc(), Deal.id.desc()),
         "expected_close": (Deal.expected_close.is_(None), Deal.expected_close, Deal.id),
         "amount": (Deal.amount.desc(), Deal.id.desc())}


#: What a list of deals shows of the client and the manager: not the client's tags, nor
#: the manager's roles (each would cost a query more).
LIST_OPTIONS = (defaultload(Deal.party).lazyload(Party.tag_rows),
                defaultload(Deal.manager).lazyload(User.roles))


def _clean(session: Session, party: Party, values: dict[str, Any]) -> dict[str, Any]:
    """Validate deal fields (``None`` = not given) into column values."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if key == "title":
            clean["title"] = " ".join(validation.text(value, field="title", max_length=200,
                                                      required=True).split())
        elif key == "amount":
            clean["amount"] = money(validation.decimal(value, field="amount", places=2,
                                                       minimum=Decimal("0")))
        elif key == "expected_close":
            clean["expected_close"] = validation.day(value, field="expected_close")
        elif key == "probability":
            clean["probability"] = validation.whole_number(value, field="probability", minimum=0,
                                                           maximum=100)
        elif key == "source":
            from ordercraft.plugins.crm.hooks import clean_source

            clean["source"] = clean_source(session, value)
        elif key == "notes":
            clean["notes"] = validation.text(value, field="notes", max_length=10_000,
                                             multiline=True)
        elif key == "manager":
            name = validation.text(value, field="manager", max_length=100)
            if name:
                from ordercraft.plugins.crm.clients import manager_id

                clean["manager_id"] = manager_id(session, name)
            else:
                clean["manager_id"] = None
        elif key == "contact":
            clean["contact_id"] = _contact_id(session, party, value)
        else:
            raise ValidationError(f"{key}: not a field of a deal (fields: "
                                  f"{', '.join(DEAL_FIELDS)})", field=key)
    return clean


def _contact_id(session: Session, party: Party, value: Any) -> int | None:
    """A contact of ``party`` by id or by name (any case); ``""`` for none."""
    if value is None or value in ("", 0):
        return None
    if is_number(value):
        contact = session.get(Contact, record_id(value, field="contact", what="contact"))
    else:
        name = " ".join(str(value).split())
        contact = session.scalar(select(Contact).where(
            Contact.party_id == party.id,
            fold(session, Contact.name) == fold_text(session, name)).limit(1))
    if contact is None or contact.party_id != party.id:
        raise NotFound(f"contact: {value!r} is not a contact of {party.name!r}",
                       field="contact")
    return contact.id


def create_deal(session: Session, client: int | str, title: str, *,
                amount: Any = None, expected_close: Any = None, probability: Any = None,
                source: str | None = None, notes: str | None = None,
                manager: str | None = None, contact: Any = None,
                custom_fields: Mapping[str, Any] | None = None) -> Deal:
    """A new deal with ``client`` (id or name), in the funnel's first stage.

    The manager defaults to the client's manager, the source to the client's source and
    the probability to the first stage's; ``custom_fields`` are its custom field values.
    """
    from ordercraft.plugins.crm.clients import get_client

    require_session_permission(session, "party.write")
    party = get_client(session, client)
    values = _clean(session, party, {
        "title": title if title is not None else "", "amount": amount,
        "expected_close": expected_close, "probability": probability, "source": source,
        "notes": notes, "manager": manager, "contact": contact})
    values.setdefault("manager_id", party.manager_id)
    values.setdefault("source", party.source)
    values.setdefault("probability", STAGE_PROBABILITY["lead"])
    deal = Deal(party_id=party.id, reached_rank=0, **values)
    session.add(deal)
    session.flush()
    custom.save_values(session, "deal", deal.id, custom_fields, creating=True)
    return deal


def get_deal(session: Session, deal_id: Any, *, for_update: bool = False) -> Deal:
    require_session_permission(session, "party.read")
    number = record_id(deal_id, field="deal", what="deal")
    query = select(Deal).where(Deal.id == number)
    if for_update:
        query = query.with_for_update(of=Deal)
    deal = session.scalar(query)
    if deal is None:
        raise NotFound(f"deal {number} does not exist", field="deal")
    require_record(session, "deal", deal.manager_id, f"deal {deal.id}")
    return deal


def find_deal(session: Session, client_id: int, ref: Any) -> Deal:
    """The client's deal ``ref``: an id, or a title (the newest deal not lost when two
    share it)."""
    text = str(ref).strip()
    if text.isdigit():
        return get_deal(session, text)
    require_session_permission(session, "party.read")
    found = list(session.scalars(select(Deal).where(Deal.party_id == client_id,
                                                    Deal.title == text)
                                 .order_by((Deal.state == "lost"), Deal.id.desc())))
    if not found:
        raise NotFound(f"deal: the client has no deal titled {text[:80]!r}", field="deal")
    require_record(session, "deal", found[0].manager_id, f"deal {found[0].id}")
    return found[0]


def latest_deal(session: Session, client_id: int) -> Deal | None:
    """The client's newest deal that is not lost (open or won), or ``None``."""
    require_session_permission(session, "party.read")
    return session.scalar(select(Deal).where(Deal.party_id == client_id, Deal.state != "lost")
                          .order_by(Deal.id.desc()).limit(1))


def update_deal(session: Session, deal_id: Any, *,
                custom_fields: Mapping[str, Any] | None = None, **changes: Any) -> Deal:
    """Change the given fields (``None`` = leave as is) and custom fields. ``state`` is not
    a field: a deal moves through :func:`move_deal`. A closed deal (won or lost) keeps its
    figures."""
    require_session_permission(session, "party.write")
    deal = get_deal(session, deal_id, for_update=True)
    if "state" in changes:
        raise ValidationError("state: a deal changes stage through its transitions (e.g. "
                              "POST /api/v1/deals/ID/transitions/qualify)", field="state")
    values = _clean(session, deal.party, changes)
    if not deal.is_open and set(values) & {"amount", "probability", "expected_close"}:
        raise ValidationError(f"deal {deal.id} is {deal.state}: its amount, probability and "
                              "expected date no longer change", field=sorted(
                                  set(values) & {"amount", "probability", "expected_close"})[0],
                              code="deal_closed")
    for key, value in values.items():
        setattr(deal, key, value)
    session.flush()
    custom.save_values(session, "deal", deal.id, custom_fields, creating=False)
    return deal


def move_deal(session: Session, deal_id: Any, transition: str, *,
              reason: str | None = None) -> Deal:
    """Move the deal by the funnel transition ``transition`` (``qualify``, ``propose``,
    ``negotiate``, ``win``, ``lose`` (needs ``reason``), ``requalify``)."""
    from ordercraft.sdk.workflow import transition as move

    deal = get_deal(session, deal_id)
    move(session, deal, transition, reason=reason)
    return deal


def list_deals(session: Session, *, client: int | str | None = None,
               states: Iterable[str] | str | None = None, manager: str | None = None,
               source: str | None = None, search: str | None = None,
               open_only: bool = False, sort: str = "newest",
               custom_fields: Mapping[str, Any] | None = None, limit: Any = None,
               offset: Any = None) -> Page[Deal]:
    """Deals, newest first (or by ``expected_close`` or ``amount``), filtered (custom
    fields: ``{name: value}``)."""
    from ordercraft.plugins.crm.clients import get_client, manager_id

    require_session_permission(session, "party.read")
    if sort not in SORTS:
        raise ValidationError(f"sort: {sort!r} is not one of {', '.join(SORTS)}", field="sort")
    query = select(Deal).options(*LIST_OPTIONS).order_by(*SORTS[sort])
    visible = owner_condition(session, "deal", Deal.manager_id)
    if visible is not None:
        query = query.where(visible)
    if client not in (None, ""):
        query = query.where(Deal.party_id == get_client(session, client).id)
    wanted = validation.words(states, field="state", max_length=20) if states else []
    for state in wanted:
        if state not in STAGE_NAMES:
            raise ValidationError(f"state: {state!r} is not one of {', '.join(STAGE_NAMES)}",
                                  field="state")
    if wanted:
        query = query.where(Deal.state.in_(wanted))
    if open_only:
        query = query.where(Deal.state.not_in(("won", "lost")))
    if manager:
        query = query.where(Deal.manager_id == manager_id(session, manager))
    if source:
        query = query.where(fold(session, Deal.source) == fold_text(
            session, validation.text(source, field="source", max_length=50)))
    for word in search_words(search):
        pattern = contains_pattern(fold_text(session, word))
        query = query.where(or_(fold(session, Deal.title).like(pattern, escape="\\"),
                                Deal.party_id.in_(select(Party.id).where(
                                    fold(session, Party.name).like(pattern, escape="\\")))))
    query = query.where(*custom.filter_conditions(session, "deal", Deal.id, custom_fields))
    return paginate(session, query, limit, offset)


def board(session: Session, *, manager: str | None = None, per_stage: int = 30,
          client_group: int | str | None = None) -> dict[str, dict[str, Any]]:
    """The open stages of the funnel with their totals (count, amount, weighted amount)
    and the first ``per_stage`` deals of each, soonest expected close first: one
    aggregate query and one query per stage."""
    from ordercraft.plugins.crm.clients import client_conditions, manager_id
    from ordercraft.plugins.crm.funnel import OPEN_STAGES

    require_session_permission(session, "party.read")
    conditions = []
    if manager:
        conditions.append(Deal.manager_id == manager_id(session, manager))
    if client_group not in (None, ""):
        conditions.append(Deal.party_id.in_(select(Party.id).where(
            *client_conditions(session, group=client_group))))
    columns: dict[str, dict[str, Any]] = {
        stage: {"count": 0, "amount": Decimal("0"), "weighted": Decimal("0"), "deals": []}
        for stage in OPEN_STAGES}
    weighted = func.sum(Deal.amount * Deal.probability)
    from sqlalchemy import type_coerce

    from ordercraft.sdk.models import Money

    for state, count, amount, weight in session.execute(
            select(Deal.state, func.count(Deal.id), func.sum(Deal.amount),
                   type_coerce(weighted, Money()))
            .where(Deal.state.in_(OPEN_STAGES), *conditions).group_by(Deal.state)):
        columns[state].update(count=int(count), amount=money(amount),
                              weighted=((weight or Decimal("0")) / 100).quantize(
                                  Decimal("0.01")))
    if any(column["count"] for column in columns.values()):
        # The first cards of every column in one query: numbered within their stage.
        place = func.row_number().over(partition_by=Deal.state,
                                       order_by=SORTS["expected_close"]).label("place")
        ranked = (select(Deal.id, place).where(Deal.state.in_(OPEN_STAGES), *conditions)
                  .subquery())
        shown = select(ranked.c.id).where(ranked.c.place <= per_stage)
        for deal in session.scalars(select(Deal).where(Deal.id.in_(shown))
                                    .options(*LIST_OPTIONS)
                                    .order_by(*SORTS["expected_close"])):
            columns[deal.state]["deals"].append(deal)
    return columns


def deal_dict(deal: Deal) -> dict[str, Any]:
    return {
        "id": deal.id, "title": deal.title, "state": deal.state,
        "client_id": deal.party_id, "client": deal.party.name if deal.party else None,
        "contact_id": deal.contact_id, "manager": deal.manager.name if deal.manager else None,
        "amount": money(deal.amount), "probability": deal.probability,
        "weighted_amount": deal.weighted_amount,
        "expected_close": deal.expected_close.isoformat() if deal.expected_close else None,
        "source": deal.source, "notes": deal.notes, "lost_reason": deal.lost_reason,
        "created_at": deal.created_at.isoformat(timespec="seconds"),
        "state_changed_at": deal.state_changed_at.isoformat(timespec="seconds")
        if deal.state_changed_at else None,
        "closed_at": deal.closed_at.isoformat(timespec="seconds") if deal.closed_at else None,
        "custom_fields": custom.values_of(deal),
    }
