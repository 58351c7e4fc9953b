"""Interactions with clients — meetings, calls, SMS, e-mails — and their next steps.

A next step becomes a task of the workflow engine (for the manager, by its due time),
linked to the deal when the interaction is about one; the client's timeline shows the
task's whole life.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defaultload

from ordercraft.plugins.crm.hooks import clean_source
from ordercraft.plugins.crm.ids import record_id
from ordercraft.plugins.crm.models import INTERACTION_KINDS, INTERACTION_LABELS, Interaction
from ordercraft.sdk import validation
from ordercraft.sdk.errors import NotFound, ValidationError
from ordercraft.sdk.models import Contact, Party, User, utcnow
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.queries import Page, paginate

#: A next step given as a date alone is due at this time of that day (UTC).
DEFAULT_DUE_TIME = time(17, 0)
#: How far ahead of now an interaction may be dated (clocks differ a little).
FUTURE_TOLERANCE = timedelta(hours=12)


def _contact(session: Session, party: Party, value: Any) -> Contact | None:
    from ordercraft.plugins.crm.deals import _contact_id

    contact_id = _contact_id(session, party, value)
    return session.get(Contact, contact_id) if contact_id else None


def _user(session: Session, name: Any, field: str) -> User | None:
    name = validation.text(name, field=field, max_length=100)
    if not name:
        return None
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"{field}: user {name!r} does not exist", field=field)
    return user


def log_interaction(session: Session, client: int | str, *, kind: str, subject: str,
                    at: Any = None, outcome: str | None = None, contact: Any = None,
                    deal: Any = None, manager: str | None = None,
                    next_step: str | None = None, next_step_due: Any = None,
                    next_step_assignee: str | None = None, source: str | None = None,
                    now: datetime | None = None) -> Interaction:
    """Record an interaction with ``client`` (id or name); a ``next_step`` becomes a task.

    :param kind: ``meeting``, ``incoming_call``, ``outgoing_call``, ``sms`` or ``email``.
    :param at: when it happened (default now; not in the future).
    :param contact: the client's contact spoken to (id or name).
    :param deal: the deal it was about (id; a deal of this client).
    :param manager: who spoke to the client (user name; default the acting user, else the
        client's manager).
    :param source: the marketing channel that brought it about (a code of marketing's
        list, checked through the hook ``check_source``).
    :param next_step: what to do next; becomes a task for ``next_step_assignee`` (default
        the manager) due ``next_step_due`` (a date alone means 17:00 UTC that day).
    """
    from ordercraft.plugins.crm.clients import get_client

    require_session_permission(session, "party.write")
    now = now or utcnow()
    party = get_client(session, client)
    kind = validation.choice(kind, field="kind", choices=INTERACTION_KINDS)
    subject = " ".join(validation.text(subject, field="subject", max_length=200,
                                       required=True).split())
    when = validation.moment(at, field="at") or now
    if when > now + FUTURE_TOLERANCE:
        raise ValidationError(f"at: {when.isoformat(sep=' ', timespec='minutes')} is in the "
                              "future; log what happened, and plan what comes as the next "
                              "step", field="at")
    outcome = validation.text(outcome, field="outcome", max_length=10_000, multiline=True)
    channel = clean_source(session, source)
    who = _user(session, manager, "manager")
    if who is None:
        acting = session.info.get("user")
        who = acting if isinstance(acting, User) else party.manager
    linked_deal = None
    if deal not in (None, "", 0):
        from ordercraft.plugins.crm.deals import get_deal

        linked_deal = get_deal(session, deal)
        if linked_deal.party_id != party.id:
            raise ValidationError(f"deal: deal {linked_deal.id} ({linked_deal.title!r}) is a "
                                  f"deal of {linked_deal.party.name!r}, not of {party.name!r}",
                                  field="deal")
    step = " ".join(validation.text(next_step, field="next_step", max_length=250).split())
    due = validation.moment(next_step_due, field="next_step_due", day_time=DEFAULT_DUE_TIME)
    if due is not None and not step:
        raise ValidationError("next_step: say what the next step is, or leave its due date "
                              "empty", field="next_step")
    if due is not None and due < now:
        raise ValidationError(f"next_step_due: {due.isoformat(sep=' ', timespec='minutes')} "
                              "is in the past", field="next_step_due")
    interaction = Interaction(
        party_id=party.id, kind=kind, at=when, subject=subject, outcome=outcome,
        contact=_contact(session, party, contact), deal=linked_deal,
        manager_id=who.id if who else None, next_step=step, next_step_due=due,
        source=channel)
    if step:
        assignee = _user(session, next_step_assignee, "next_step_assignee") or who
        if assignee is None:
            raise ValidationError("next_step_assignee: nobody to give the next step to (the "
                                  "client has no manager): name a user",
                                  field="next_step_assignee")
        # The task first, so the interaction is written once, already pointing at it.
        interaction.task_id = _next_step_task(session, interaction, party, assignee, now).id
    session.add(interaction)
    session.flush()
    return interaction


def _next_step_task(session: Session, interaction: Interaction, party: Party,
                    assignee: User, now: datetime) -> Any:
    from ordercraft.sdk.workflow import create_task

    label = INTERACTION_LABELS[interaction.kind].lower()
    title = f"{interaction.next_step} — {party.name}"
    description = (f"Next step after the {label} “{interaction.subject}” with {party.name} "
                   f"on {interaction.at.isoformat(sep=' ', timespec='minutes')} UTC.")
    if interaction.outcome:
        description += f"\nOutcome: {interaction.outcome}"
    documents = [interaction.deal] if interaction.deal is not None else []
    return create_task(session, title[:300], assignee=assignee.name,
                       deadline=interaction.next_step_due, documents=documents,
                       description=description, now=now)


def get_interaction(session: Session, interaction_id: Any) -> Interaction:
    require_session_permission(session, "party.read")
    number = record_id(interaction_id, field="interaction", what="interaction")
    interaction = session.get(Interaction, number)
    if interaction is None:
        raise NotFound(f"interaction {number} does not exist", field="interaction")
    return interaction


def update_interaction(session: Session, interaction_id: Any, *, subject: str | None = None,
                       outcome: str | None = None, kind: str | None = None,
                       contact: Any = None, source: str | None = None) -> Interaction:
    """Correct what was recorded (``None`` = leave as is). The date, the client and the
    next step stay: a next step already is a task, changed on the task itself."""
    require_session_permission(session, "party.write")
    interaction = get_interaction(session, interaction_id)
    if subject is not None:
        interaction.subject = " ".join(validation.text(subject, field="subject", max_length=200,
                                                       required=True).split())
    if outcome is not None:
        interaction.outcome = validation.text(outcome, field="outcome", max_length=10_000,
                                              multiline=True)
    if kind is not None:
        interaction.kind = validation.choice(kind, field="kind", choices=INTERACTION_KINDS)
    if contact is not None:
        interaction.contact = _contact(session, interaction.party, contact)
    if source is not None and source != interaction.source:
        interaction.source = clean_source(session, source)
    session.flush()
    return interaction


def list_interactions(session: Session, *, client: int | str | None = None,
                      deal: Any = None, manager: str | None = None, kind: str | None = None,
                      since: Any = None, until: Any = None, limit: Any = None,
                      offset: Any = None) -> Page[Interaction]:
    """Interactions, newest first; ``since``/``until`` are dates (inclusive)."""
    from ordercraft.plugins.crm.clients import get_client, manager_id

    require_session_permission(session, "party.read")
    query = (select(Interaction).options(defaultload(Interaction.party).lazyload(Party.tag_rows),
                                         defaultload(Interaction.manager).lazyload(User.roles))
             .order_by(Interaction.at.desc(), Interaction.id.desc()))
    if client not in (None, ""):
        query = query.where(Interaction.party_id == get_client(session, client).id)
    if deal not in (None, ""):
        query = query.where(Interaction.deal_id == record_id(deal, field="deal", what="deal"))
    if manager:
        query = query.where(Interaction.manager_id == manager_id(session, manager))
    if kind:
        query = query.where(Interaction.kind == validation.choice(kind, field="kind",
                                                                  choices=INTERACTION_KINDS))
    first = validation.day(since, field="from")
    last = validation.day(until, field="to")
    if first and last and last < first:
        raise ValidationError(f"to: {last.isoformat()} is before from ({first.isoformat()})",
                              field="to")
    if first:
        query = query.where(Interaction.at >= datetime.combine(first, time.min))
    if last:
        query = query.where(Interaction.at < datetime.combine(last + timedelta(days=1),
                                                              time.min))
    return paginate(session, query, limit, offset)


def interaction_dict(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.id, "client_id": interaction.party_id,
        "client": interaction.party.name if interaction.party else None,
        "kind": interaction.kind, "at": interaction.at.isoformat(timespec="seconds"),
        "subject": interaction.subject, "outcome": interaction.outcome,
        "contact_id": interaction.contact_id,
        "contact": interaction.contact.name if interaction.contact else None,
        "deal_id": interaction.deal_id,
        "manager": interaction.manager.name if interaction.manager else None,
        "next_step": interaction.next_step,
        "next_step_due": interaction.next_step_due.isoformat(timespec="seconds")
        if interaction.next_step_due else None,
        "task_id": interaction.task_id, "source": interaction.source,
    }
