"""Documents that carry a state, and the one service that moves them.

A plugin's document model derives from :class:`WorkflowDocument` and names its type::

    class Order(WorkflowDocument, Audited, Base):
        __tablename__ = "sales_orders"
        __document_type__ = "order"
        __audit_entity__ = "order"
        id: Mapped[int] = mapped_column(primary_key=True)
        ...

A new document starts in its machine's initial state. Its state changes only through
:func:`transition`, which, inside the caller's transaction and a savepoint of its own:
locks the document's row, checks that the transition leaves the current state, checks
the guards (permission, roles, condition, guard functions, a reason where one is
required), sets the state, runs the actions, writes the timeline entry, calls the hook
``document_transition``, and lets running processes react (waiting steps resume,
templates triggered by this transition start). If anything raises, the savepoint rolls
back: the document keeps its state and nothing of the transition remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import DateTime, String, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from ordercraft.core.db import utcnow
from ordercraft.core.errors import (
    Conflict,
    NotFound,
    OrdercraftError,
    PermissionDenied,
    ValidationError,
)
from ordercraft.core.permissions import has_permission
from ordercraft.core.workflow.machines import (
    StateMachine,
    Transition,
    TransitionContext,
    session_machines,
)

if TYPE_CHECKING:
    from ordercraft.core.workflow.models import ProcessInstance

#: ``user=`` default of the services: the user the session acts for.
SESSION_USER: Any = object()


class WorkflowDocument:
    """Mixin for document models whose life is a state machine."""

    #: The document type its state machine is registered under (``order``).
    __document_type__: ClassVar[str] = ""

    state: Mapped[str] = mapped_column(String(50), index=True)
    state_changed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


@event.listens_for(WorkflowDocument, "before_insert", propagate=True)
def _start_in_initial_state(_mapper: Any, _connection: Any, target: Any) -> None:
    session = object_session(target)
    if session is None or session.info.get("platform") is None:
        if target.state is None:
            raise ValidationError(f"{type(target).__name__}: state is empty and the session "
                                  "does not know the site's state machines", field="state")
        return
    machine = session_machines(session).machine_of(target)
    if target.state is None:
        target.state = machine.initial_state.name
    elif machine.state(target.state) is None:
        raise ValidationError(f"{machine.document_type}: state {target.state!r} is not a state "
                              f"(states: {', '.join(machine.state_names)})", field="state")


def document_ref(document: Any) -> tuple[str, int]:
    """``("order", 12)`` for an order with id 12."""
    document_type = getattr(document, "__document_type__", "")
    if not document_type:
        raise ValidationError(f"{type(document).__name__} is not a workflow document",
                              field="document")
    identity = inspect(document).identity
    if identity is None:
        raise ValidationError(f"{document_type}: the document is not saved yet", field="document")
    return document_type, int(identity[0])


def parse_document_ref(text: str) -> tuple[str, int]:
    """``"order:12"`` -> ``("order", 12)``."""
    document_type, sep, raw_id = (text or "").partition(":")
    if not sep or not document_type or not raw_id.strip().isdigit():
        raise ValidationError(f"document: {text!r} is not of the form TYPE:ID (e.g. order:12)",
                              field="document")
    return document_type.strip(), int(raw_id)


def document_titles(session: Session, refs: Any) -> dict[tuple[str, int], str]:
    """How messages name each of the documents ``refs`` (``("order", 12)`` ->
    ``"order SO-0012"``), loading them with one query per document type. A document of
    an unknown type or that no longer exists is named by its type and id."""
    wanted: dict[str, set[int]] = {}
    for document_type, document_id in refs:
        wanted.setdefault(document_type, set()).add(int(document_id))
    machines = session_machines(session)
    titles: dict[tuple[str, int], str] = {}
    for document_type, ids in wanted.items():
        machine = machines.get(document_type)
        if machine is not None:
            for document in session.scalars(select(machine.model)
                                            .where(machine.model.id.in_(sorted(ids)))):
                titles[(document_type, document.id)] = machine.describe(document)
        for document_id in ids:
            titles.setdefault((document_type, document_id),
                              f"{document_type.replace('_', ' ')} {document_id}")
    return titles


@dataclass(frozen=True)
class TransitionResult:
    document_type: str
    document_id: int
    transition: str
    source: str
    target: str
    at: datetime
    #: Processes started because a template is triggered by this transition.
    started_processes: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"document_type": self.document_type, "document_id": self.document_id,
                "transition": self.transition, "source": self.source, "target": self.target,
                "at": self.at.isoformat(timespec="seconds"),
                "started_processes": list(self.started_processes)}


@dataclass(frozen=True)
class AvailableTransition:
    """A transition that leaves the document's current state, and whether the user may take it."""

    transition: Transition
    allowed: bool
    #: Why not, when not allowed.
    reason: str | None = None

    @property
    def name(self) -> str:
        return self.transition.name

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.transition.name, "label": self.transition.title,
                "target": self.transition.target, "allowed": self.allowed,
                "reason": self.reason, "requires_reason": self.transition.requires_reason,
                "style": self.transition.style}


def _user_label(user: Any) -> str:
    return "the system" if user is None else f"user {user.name!r}"


def check_transition(ctx: TransitionContext) -> OrdercraftError | None:
    """The refusal of ``ctx``'s transition by its guards, or ``None`` when it may go ahead.

    Permission and role failures are :class:`PermissionDenied`; a condition or a guard
    that does not hold is a :class:`Conflict` (code ``transition_refused``).
    """
    transition, machine = ctx.transition, ctx.machine
    what = f"{transition.name!r} {machine.describe(ctx.document)}"
    if transition.permission and not has_permission(ctx.user, transition.permission):
        return PermissionDenied(
            f"{_user_label(ctx.user)} may not {what}: it needs the permission "
            f"{transition.permission!r}", details={"permission": transition.permission})
    if transition.roles and ctx.user is not None and "*" not in ctx.user.permissions:
        if not set(transition.roles) & set(ctx.user.role_names):
            return PermissionDenied(
                f"{_user_label(ctx.user)} may not {what}: only the roles "
                f"{', '.join(transition.roles)} may", details={"roles": list(transition.roles)})
    if transition.condition:
        from ordercraft.core.workflow.expressions import cached_expression

        expression = cached_expression(transition.condition, machine.expression_fields)
        if not expression.test(lambda name: machine.field_value(ctx.document, name)):
            return Conflict(f"cannot {what}: the condition {transition.condition!r} does not "
                            "hold", code="transition_refused",
                            details={"condition": transition.condition})
    for guard in transition.guards:
        reason = guard.check(ctx)
        if reason:
            by = f" (guard {guard.name!r}" + (f" of plugin {guard.plugin!r})" if guard.plugin
                                               else ")")
            return Conflict(f"cannot {what}: {reason}{by}", code="transition_refused",
                            details={"guard": guard.name, "plugin": guard.plugin})
    return None


def require_document_access(session: Session, document_type: str, *, write: bool = False,
                            user: Any = SESSION_USER, document: Any = None) -> None:
    """Refuse a user who may not read (or, with ``write``, change) documents of
    ``document_type``: its machine's ``read_permission`` (and ``write_permission``), then
    the site's record rules for ``document`` when one is given.

    Every service that shows or moves a document through the workflow (its timeline, its
    transitions, its comments) calls this, so that a user denied the document itself is
    denied its history too.

    :raises PermissionDenied: naming the permission (or the rule) the user lacks.
    """
    from ordercraft.core.permissions import require

    user = session.info.get("user") if user is SESSION_USER else user
    if user is None:
        return
    machine = session_machines(session).machine(document_type)
    if machine.read_permission:
        require(user, machine.read_permission)
    if write and machine.write_permission:
        require(user, machine.write_permission)
    if document is not None and machine.record_area:
        from ordercraft.core.record_rules import require_record

        require_record(session, machine.record_area, getattr(document, machine.owner_field),
                       machine.describe(document))


def open_document(session: Session, document_type: str, document_id: Any, *,
                  write: bool = False) -> Any:
    """The document ``document_type:document_id`` for the session's user: loaded, after
    :func:`require_document_access` (404 for a missing one, 403 for one the user may not
    read, or change with ``write``)."""
    require_document_access(session, document_type, write=write)
    document = session_machines(session).load(session, document_type, document_id)
    require_document_access(session, document_type, write=write, document=document)
    return document


def available_transitions(session: Session, document: Any, *, user: Any = SESSION_USER,
                          now: datetime | None = None) -> list[AvailableTransition]:
    """The transitions leaving the document's state, each with whether ``user`` may take it
    (the buttons of a document's page). Guards run; nothing changes."""
    user = session.info.get("user") if user is SESSION_USER else user
    now = now or utcnow()
    machine = session_machines(session).machine_of(document)
    require_document_access(session, machine.document_type, user=user, document=document)
    result = []
    for transition in machine.transitions_from(document.state):
        ctx = TransitionContext(session, document, machine, transition, document.state,
                                transition.target, user, now)
        refusal = check_transition(ctx)
        result.append(AvailableTransition(transition, refusal is None,
                                          refusal.message if refusal else None))
    return result


def _lock(session: Session, machine: StateMachine, document: Any) -> None:
    """Take the document's row lock (PostgreSQL) and read its current state, so two clerks
    moving the same document at once cannot both succeed from the same state."""
    if inspect(document).identity is None:
        session.flush()
    _type, key = document_ref(document)
    model = machine.model
    current = session.execute(select(model.state).where(model.id == key)
                              .with_for_update()).scalar_one_or_none()
    if current is None:
        raise NotFound(f"{machine.document_type} {key} does not exist", field="document")
    if current != document.state:
        session.refresh(document)


def transition(session: Session, document: Any, name: str, *, user: Any = SESSION_USER,
               reason: str | None = None, data: dict[str, Any] | None = None,
               now: datetime | None = None,
               process: ProcessInstance | None = None) -> TransitionResult:
    """Move ``document`` by its transition ``name``, atomically, in the caller's transaction.

    :param user: the acting user (default: the session's user; ``None`` is the system,
        which holds every permission but still meets conditions and guard functions).
    :param reason: why (required by transitions with ``requires_reason``).
    :param data: extra input for guards and actions.
    :param now: the moment of the transition (naive UTC); tests pass a controlled clock.
    :param process: the process whose automatic step makes the transition.
    :raises Conflict: ``transition_not_allowed`` when the transition does not leave the
        current state (the message lists the allowed ones), ``transition_refused`` when a
        condition or guard does not hold.
    :raises PermissionDenied: the user lacks the transition's permission or role.
    """
    user = session.info.get("user") if user is SESSION_USER else user
    now = now or utcnow()
    machine = session_machines(session).machine_of(document)
    require_document_access(session, machine.document_type, write=True, user=user,
                            document=document)
    _lock(session, machine, document)
    source = document.state
    chosen = machine.transition(name)
    if chosen is None or source not in machine.sources_of(chosen):
        raise _not_allowed(session, machine, document, name, chosen, user, now)
    ctx = TransitionContext(session, document, machine, chosen, source, chosen.target, user, now,
                            reason=(reason or "").strip() or None, data=dict(data or {}),
                            process=process)
    refusal = check_transition(ctx)
    if refusal is not None:
        raise refusal
    if chosen.requires_reason and not ctx.reason:
        raise ValidationError(f"reason: {chosen.name!r} {machine.describe(document)} needs a "
                              "reason", field="reason")
    from ordercraft.core.workflow import engine
    from ordercraft.core.workflow.timeline import record_event

    document_type, document_id = document_ref(document)
    with session.begin_nested():
        document.state = chosen.target
        document.state_changed_at = now
        session.flush()
        for action in chosen.actions:
            action.run(ctx)
        text = (f"{chosen.title}: {machine.state(source).title} → "  # type: ignore[union-attr]
                f"{machine.state(chosen.target).title}")  # type: ignore[union-attr]
        if ctx.reason:
            text += f" ({ctx.reason})"
        record_event(session, "transition", now=now, user=user, document=(document_type,
                     document_id), process_id=getattr(process, "id", None), text=text,
                     data={"transition": chosen.name, "source": source,
                           "target": chosen.target, "reason": ctx.reason})
        platform = session.info["platform"]
        platform.hooks.document_transition(session=session, document=document,
                                           transition=chosen.name, source=source,
                                           target=chosen.target, user=user)
        started = engine.on_transition(session, ctx)
        session.flush()
    return TransitionResult(document_type, document_id, chosen.name, source, chosen.target, now,
                            tuple(started))


def _not_allowed(session: Session, machine: StateMachine, document: Any, name: str,
                 chosen: Transition | None, user: Any, now: datetime) -> OrdercraftError:
    options = available_transitions(session, document, user=user, now=now)
    allowed = [option.name for option in options if option.allowed]
    listed = ", ".join(allowed) if allowed else "none"
    state = document.state
    described = machine.describe(document)
    details = {"state": state, "allowed": allowed,
               "transitions": [t.name for t in machine.transitions]}
    if chosen is None:
        return NotFound(f"{described} has no transition {name!r} (its transitions: "
                        f"{', '.join(t.name for t in machine.transitions)}); allowed from "
                        f"state {state!r}: {listed}", code="unknown_transition",
                        field="transition", details=details)
    return Conflict(f"{described} is in state {state!r}: {name!r} is not allowed from it; "
                    f"allowed: {listed}", code="transition_not_allowed", field="transition",
                    details=details)


def add_comment(session: Session, document: Any, text: str, *, user: Any = SESSION_USER,
                now: datetime | None = None) -> int:
    """A comment on a document's timeline; returns the event id. The user needs
    ``task.write`` and the document's read and write permissions
    (:func:`require_document_access`)."""
    from ordercraft.core.permissions import require
    from ordercraft.core.workflow.timeline import record_event

    user = session.info.get("user") if user is SESSION_USER else user
    require(user, "task.write")
    document_type, _document_id = document_ref(document)
    require_document_access(session, document_type, write=True, user=user, document=document)
    text = (text or "").strip()
    if not text:
        raise ValidationError("text: a comment cannot be empty", field="text")
    event_row = record_event(session, "comment", now=now or utcnow(), user=user,
                             document=document_ref(document), text=text)
    return event_row.id
