"""State machines of document types, declared as data and validated when registered.

A plugin that owns a document type (``deal``, ``order``, ``proposal``) registers its
machine from the hook ``register_state_machines(registry)``::

    from ordercraft.sdk import hookimpl
    from ordercraft.sdk.workflow import State, StateMachine, Transition

    @hookimpl
    def register_state_machines(registry):
        registry.add(StateMachine(
            document_type="deal", model=Deal, title_field="title",
            states=[State("lead", initial=True), State("qualified"), State("proposal"),
                    State("negotiation"), State("won", final=True), State("lost", final=True)],
            transitions=[
                Transition("qualify", "lead", "qualified"),
                ...
                Transition("lose", "*", "lost", requires_reason=True, style="danger"),
            ]))

Labels a person reads are marked with ``N_()`` (``State("won", N_("won"))``,
``Transition(..., label=N_("Send proposal"))``): they stay English here, in the API and in
the stored timeline, and the pages translate them where they show them.

Other plugins extend a registered transition from the same hook: ``registry.add_guard
("order", "confirm", check_credit)``, ``registry.add_action("order", "confirm",
create_purchase_requests)``, ``registry.add_transition("order", Transition(...))``.
Extensions are applied after every plugin has registered, whatever the plugin order;
an extension of a document type that no enabled plugin registers is left out (the
owner is disabled or not installed), while an unknown transition of a registered type
is an error at start-up.

A guard is a function ``(ctx: TransitionContext) -> str | None`` that returns why the
transition is refused (or ``None``); it must not change anything, because the buttons
of a page call it to decide what to show. An action is ``(ctx) -> None``; it runs
inside the transition's savepoint after the state changed, and raising an
:class:`~ordercraft.core.errors.OrdercraftError` refuses the transition as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ordercraft.core.errors import NotFound, PluginError
from ordercraft.core.registries import NAME_PATTERN, Registry, once_per_plugin_set

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.hooks import Hooks
    from ordercraft.core.platform import Platform

PERMISSION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_*]*)+$")
#: ``sources="*"``: every state that is not final (``cancel``, ``lose``).
ANY_STATE = "*"
#: The permission a transition needs unless it names another (or ``None``: anyone).
DEFAULT_PERMISSION = "document.transition"
BUTTON_STYLES = ("", "primary", "danger")


@dataclass
class TransitionContext:
    """What guards and actions receive about the transition being made."""

    session: Session
    document: Any
    machine: StateMachine
    transition: Transition
    source: str
    target: str
    #: The acting user; ``None`` is the system (a scheduled job, an automatic process step).
    user: Any
    now: datetime
    reason: str | None = None
    #: Extra input of the transition (``{"lines": [...]}`` for a partial shipment).
    data: dict[str, Any] = field(default_factory=dict)
    #: The process instance whose automatic step makes the transition, if any.
    process: Any = None

    @property
    def platform(self) -> Platform | None:
        return self.session.info.get("platform")


GuardFunction = Callable[[TransitionContext], "str | None"]
ActionFunction = Callable[[TransitionContext], None]


@dataclass(frozen=True)
class Guard:
    """A condition a transition must meet; ``check`` returns the refusal reason or ``None``."""

    check: GuardFunction
    name: str = ""
    plugin: str = ""


@dataclass(frozen=True)
class Action:
    """Work a transition does after the state changed (inside its savepoint)."""

    run: ActionFunction
    name: str = ""
    plugin: str = ""


def _as_guard(value: Guard | GuardFunction, plugin: str = "") -> Guard:
    if isinstance(value, Guard):
        return value
    if not callable(value):
        raise TypeError(f"a guard must be a function or a Guard, not {value!r}")
    return Guard(value, getattr(value, "__name__", repr(value)), plugin)


def _as_action(value: Action | ActionFunction, plugin: str = "") -> Action:
    if isinstance(value, Action):
        return value
    if not callable(value):
        raise TypeError(f"an action must be a function or an Action, not {value!r}")
    return Action(value, getattr(value, "__name__", repr(value)), plugin)


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class State:
    name: str
    label: str = ""
    initial: bool = False
    final: bool = False

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")


@dataclass(frozen=True)
class Transition:
    """A named move from one of ``sources`` to ``target``.

    :param sources: state names, one name, or ``"*"`` for every non-final state.
    :param permission: what the acting user needs (default ``document.transition``;
        ``None``: no permission).
    :param roles: if given, the user must hold one of these roles (admins always may).
    :param condition: a safe expression over the document's fields that must hold
        (``"total > 0 and client_id != null"``).
    :param guards: functions ``(ctx) -> str | None`` returning a refusal reason.
    :param actions: functions ``(ctx) -> None`` run after the state changed.
    :param requires_reason: the caller must say why (a lost deal, a cancelled order).
    :param style: how the button looks: ``""``, ``"primary"`` or ``"danger"``.
    """

    name: str
    sources: tuple[str, ...] | str | list[str]
    target: str
    label: str = ""
    permission: str | None = DEFAULT_PERMISSION
    roles: tuple[str, ...] | list[str] = ()
    condition: str | None = None
    guards: tuple[Guard, ...] | list[Guard | GuardFunction] = ()
    actions: tuple[Action, ...] | list[Action | ActionFunction] = ()
    requires_reason: bool = False
    style: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", _names(self.sources))
        object.__setattr__(self, "roles", _names(self.roles))
        object.__setattr__(self, "guards", tuple(_as_guard(g) for g in self.guards))
        object.__setattr__(self, "actions", tuple(_as_action(a) for a in self.actions))

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.title, "sources": list(self.sources),
                "target": self.target, "permission": self.permission, "roles": list(self.roles),
                "condition": self.condition, "requires_reason": self.requires_reason,
                "guards": [g.name for g in self.guards], "actions": [a.name for a in self.actions],
                "style": self.style}


@dataclass(frozen=True)
class StateMachine:
    """The states and transitions of one document type.

    :param document_type: the name documents of this type are known by (``order``);
        the model's ``__document_type__`` must say the same.
    :param model: the SQLAlchemy model (a :class:`~ordercraft.core.workflow.documents.
        WorkflowDocument`), so that ``order:12`` can be loaded.
    :param fields: computed fields (properties of the model) that conditions and task
        titles may read, besides the model's columns.
    :param title_field: the field that names a document in messages (``number``).
    :param audit_entity: the audit log's entity name for these documents (their
        ``__audit_entity__``); the timeline shows their audit entries.
    :param page_endpoint: the Flask endpoint of a document's page, called with
        ``document_id=<id>`` (``"sales.order"``); tasks and timelines link there (else to
        the generic timeline page).
    :param read_permission: what a user needs to see a document of this type, and so its
        timeline and its transitions (``"order.read"``); ``None``: anyone who may read
        tasks.
    :param write_permission: what a user needs, besides a transition's own permission, to
        move a document or comment on it (``"order.write"``); ``None``: no more than the
        transition's permission (comments need ``task.write``).
    :param record_area: the record-rule area of these documents (``"order"``): a user
        limited to their own (or their team's) records sees the timeline and
        transitions of those only; ``owner_field`` names the owner's user id.
    """

    document_type: str
    model: type
    states: tuple[State, ...] | list[State]
    transitions: tuple[Transition, ...] | list[Transition]
    label: str = ""
    fields: tuple[str, ...] | list[str] = ()
    title_field: str = "id"
    audit_entity: str | None = None
    page_endpoint: str | None = None
    read_permission: str | None = None
    write_permission: str | None = None
    record_area: str | None = None
    owner_field: str = "manager_id"

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", tuple(self.states))
        object.__setattr__(self, "transitions", tuple(self.transitions))
        object.__setattr__(self, "fields", tuple(self.fields))
        if self.audit_entity is None:
            object.__setattr__(self, "audit_entity",
                               getattr(self.model, "__audit_entity__", "") or self.document_type)

    # -------------------------------------------------------------- reading

    @property
    def title(self) -> str:
        return self.label or self.document_type.replace("_", " ")

    @property
    def state_names(self) -> list[str]:
        return [s.name for s in self.states]

    @property
    def initial_state(self) -> State:
        return next(s for s in self.states if s.initial)

    def state(self, name: str) -> State | None:
        return next((s for s in self.states if s.name == name), None)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def sources_of(self, transition: Transition) -> tuple[str, ...]:
        """The states ``transition`` leaves from, with ``"*"`` expanded."""
        if ANY_STATE in transition.sources:
            return tuple(s.name for s in self.states if not s.final)
        return transition.sources

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in self.sources_of(t)]

    @property
    def column_fields(self) -> tuple[str, ...]:
        from sqlalchemy import inspect

        return tuple(attr.key for attr in inspect(self.model).column_attrs)

    @property
    def expression_fields(self) -> frozenset[str]:
        """Names conditions and task titles may read."""
        return frozenset(self.column_fields) | frozenset(self.fields)

    def field_value(self, document: Any, name: str) -> Any:
        if name not in self.expression_fields:
            raise KeyError(name)
        return getattr(document, name)

    def describe(self, document: Any) -> str:
        """``order SO-0012``: how messages name a document."""
        value = getattr(document, self.title_field, None) or getattr(document, "id", None)
        return f"{self.document_type} {value}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "document_type": self.document_type, "label": self.title,
            "states": [{"name": s.name, "label": s.title, "initial": s.initial,
                        "final": s.final} for s in self.states],
            "transitions": [t.as_dict() for t in self.transitions],
            "fields": sorted(self.expression_fields),
            "read_permission": self.read_permission,
            "write_permission": self.write_permission,
        }


def validate_machine(machine: StateMachine) -> list[str]:
    """Everything wrong with ``machine``, each message naming the state or transition."""
    errors: list[str] = []
    if not isinstance(machine.document_type, str) or not NAME_PATTERN.match(machine.document_type):
        errors.append(f"document type {machine.document_type!r}: names are lower-case letters, "
                      "digits, '_' and '-', starting with a letter")
    errors += _model_errors(machine)
    for kind, permission in (("read", machine.read_permission),
                             ("write", machine.write_permission)):
        if permission is not None and not PERMISSION_PATTERN.match(str(permission)):
            errors.append(f"{kind}_permission {permission!r} is not of the form 'area.action'")
    names = [s.name for s in machine.states]
    if not names:
        errors.append("it has no states")
        return errors
    for state in machine.states:
        if not isinstance(state.name, str) or not NAME_PATTERN.match(state.name):
            errors.append(f"state {state.name!r}: names are lower-case letters, digits, '_' "
                          "and '-', starting with a letter")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        errors.append(f"state {duplicates[0]!r} is declared twice")
    initial = [s.name for s in machine.states if s.initial]
    if not initial:
        errors.append("no state is initial (mark one State(..., initial=True))")
    elif len(initial) > 1:
        errors.append(f"several states are initial: {', '.join(initial)} (exactly one may be)")
    if not any(s.final for s in machine.states):
        errors.append("no state is final (a document must be able to finish)")
    known = set(names)
    transition_names = [t.name for t in machine.transitions]
    for name in sorted({n for n in transition_names if transition_names.count(n) > 1}):
        errors.append(f"transition {name!r} is declared twice")
    for transition in machine.transitions:
        where = f"transition {transition.name!r}"
        if not isinstance(transition.name, str) or not NAME_PATTERN.match(transition.name):
            errors.append(f"{where}: names are lower-case letters, digits, '_' and '-', "
                          "starting with a letter")
        if not transition.sources:
            errors.append(f"{where} has no source state")
        for source in transition.sources:
            if source != ANY_STATE and source not in known:
                errors.append(f"{where} leaves from unknown state {source!r} (states: "
                              f"{', '.join(names)})")
            state = machine.state(source)
            if state is not None and state.final:
                errors.append(f"{where} leaves from final state {source!r}")
        if transition.target not in known:
            errors.append(f"{where} goes to unknown state {transition.target!r} (states: "
                          f"{', '.join(names)})")
        if transition.permission is not None and not PERMISSION_PATTERN.match(
                str(transition.permission)):
            errors.append(f"{where}: permission {transition.permission!r} is not of the form "
                          "'area.action'")
        if transition.style not in BUTTON_STYLES:
            errors.append(f"{where}: style {transition.style!r} is not one of "
                          f"{', '.join(repr(s) for s in BUTTON_STYLES)}")
        if transition.condition is not None and not errors:
            from ordercraft.core.workflow.expressions import ExpressionError, compile_expression

            try:
                compile_expression(transition.condition, fields=machine.expression_fields)
            except ExpressionError as exc:
                errors.append(f"{where}: {exc.message}")
    if errors:
        return errors
    reachable = _reachable(machine)
    for state in machine.states:
        if state.name not in reachable:
            errors.append(f"state {state.name!r} cannot be reached from the initial state "
                          f"{machine.initial_state.name!r}")
        elif not state.final and not machine.transitions_from(state.name):
            errors.append(f"state {state.name!r} is a dead end: it is not final and no "
                          "transition leaves it")
    return errors


def _model_errors(machine: StateMachine) -> list[str]:
    from sqlalchemy import inspect
    from sqlalchemy.exc import NoInspectionAvailable

    try:
        mapper = inspect(machine.model)
    except NoInspectionAvailable:
        return [f"model {machine.model!r} is not a mapped SQLAlchemy class"]
    errors = []
    if "state" not in mapper.column_attrs:
        errors.append(f"model {machine.model.__name__} has no 'state' column (derive it from "
                      "WorkflowDocument)")
    declared = getattr(machine.model, "__document_type__", None)
    if declared != machine.document_type:
        errors.append(f"model {machine.model.__name__} declares __document_type__ = "
                      f"{declared!r}, not {machine.document_type!r}")
    columns = {attr.key for attr in mapper.column_attrs}
    for name in machine.fields:
        if name in columns:
            continue
        if not hasattr(machine.model, name):
            errors.append(f"field {name!r} is neither a column nor an attribute of model "
                          f"{machine.model.__name__}")
    if machine.title_field not in columns and not hasattr(machine.model, machine.title_field):
        errors.append(f"title_field {machine.title_field!r} is not a field of model "
                      f"{machine.model.__name__}")
    return errors


def _reachable(machine: StateMachine) -> set[str]:
    seen = {machine.initial_state.name}
    frontier = [machine.initial_state.name]
    while frontier:
        state = frontier.pop()
        for transition in machine.transitions_from(state):
            if transition.target not in seen:
                seen.add(transition.target)
                frontier.append(transition.target)
    return seen


@dataclass
class _Extension:
    plugin: str
    document_type: str
    transition: str
    kind: str  # guard | action | transition
    value: Any


class StateMachineRegistry(Registry[StateMachine]):
    """The state machines of a site, filled by the hook ``register_state_machines``."""

    kind = "state machine"

    def __init__(self) -> None:
        super().__init__()
        self._extensions: list[_Extension] = []
        self._finished = False
        #: Extensions of document types no enabled plugin registers: ``(plugin, type)``.
        self.skipped: list[tuple[str, str]] = []

    def add(self, machine: StateMachine) -> StateMachine:  # type: ignore[override]
        """Register the machine of a document type (once per type)."""
        if not isinstance(machine, StateMachine):
            raise PluginError(f"plugin {self.current_plugin!r} registers {machine!r}, which is "
                              "not a StateMachine")
        self._refuse_if_finished()
        errors = validate_machine(machine)
        if errors:
            raise PluginError(
                f"plugin {self.current_plugin!r} registers state machine "
                f"{machine.document_type!r}: " + "; ".join(errors),
                code="bad_state_machine", details={"errors": errors})
        return super().add(machine.document_type, machine)

    def add_guard(self, document_type: str, transition: str, guard: Guard | GuardFunction,
                  name: str | None = None) -> None:
        """Add a guard to ``document_type``'s ``transition`` (registered by any plugin)."""
        self._refuse_if_finished()
        value = _as_guard(guard, self.current_plugin)
        value = replace(value, name=name or value.name, plugin=self.current_plugin)
        self._extensions.append(_Extension(self.current_plugin, document_type, transition,
                                           "guard", value))

    def add_action(self, document_type: str, transition: str, action: Action | ActionFunction,
                   name: str | None = None) -> None:
        """Add an action to ``document_type``'s ``transition``; it runs after the owner's."""
        self._refuse_if_finished()
        value = _as_action(action, self.current_plugin)
        value = replace(value, name=name or value.name, plugin=self.current_plugin)
        self._extensions.append(_Extension(self.current_plugin, document_type, transition,
                                           "action", value))

    def add_transition(self, document_type: str, transition: Transition) -> None:
        """Add a transition between existing states of another plugin's document type."""
        self._refuse_if_finished()
        if not isinstance(transition, Transition):
            raise PluginError(f"plugin {self.current_plugin!r} adds {transition!r} to "
                              f"{document_type!r}, which is not a Transition")
        self._extensions.append(_Extension(self.current_plugin, document_type, transition.name,
                                           "transition", transition))

    def _refuse_if_finished(self) -> None:
        if self._finished:
            raise PluginError("state machines can only be registered from the hook "
                              "'register_state_machines'")

    def finish(self) -> StateMachineRegistry:
        """Apply the extensions (transitions first, then guards and actions) and validate."""
        ordered = sorted(self._extensions, key=lambda e: e.kind != "transition")
        for extension in ordered:
            machine = self.get(extension.document_type)
            if machine is None:
                self.skipped.append((extension.plugin, extension.document_type))
                continue
            where = (f"plugin {extension.plugin!r} extends {extension.document_type!r} "
                     f"transition {extension.transition!r}")
            if extension.kind == "transition":
                if machine.transition(extension.transition) is not None:
                    raise PluginError(f"{where}: the transition already exists (registered by "
                                      f"plugin {self.owner(extension.document_type)!r})")
                updated = replace(machine, transitions=(*machine.transitions, extension.value))
            else:
                current = machine.transition(extension.transition)
                if current is None:
                    names = ", ".join(t.name for t in machine.transitions)
                    raise PluginError(f"{where}: {extension.document_type!r} has no such "
                                      f"transition (transitions: {names})")
                if extension.kind == "guard":
                    changed = replace(current, guards=(*current.guards, extension.value))
                else:
                    changed = replace(current, actions=(*current.actions, extension.value))
                updated = replace(machine, transitions=tuple(
                    changed if t.name == current.name else t for t in machine.transitions))
            errors = validate_machine(updated)
            if errors:
                raise PluginError(f"{where}: " + "; ".join(errors), code="bad_state_machine",
                                  details={"errors": errors})
            self._entries[extension.document_type] = updated
        self._finished = True
        return self

    def machine(self, document_type: str) -> StateMachine:
        """The machine of ``document_type``; :class:`NotFound` names the known types."""
        machine = self.get(document_type)
        if machine is None:
            known = ", ".join(sorted(self)) or "none"
            raise NotFound(f"document type {document_type!r} has no state machine on this site "
                           f"(document types: {known})", code="unknown_document_type",
                           field="document_type")
        return machine

    def machine_of(self, document: Any) -> StateMachine:
        document_type = getattr(document, "__document_type__", None)
        if document_type is None:
            raise NotFound(f"{type(document).__name__} is not a workflow document",
                           code="unknown_document_type")
        return self.machine(document_type)

    def load(self, session: Session, document_type: str, document_id: Any) -> Any:
        """The document ``document_type:document_id``; :class:`NotFound` when missing."""
        machine = self.machine(document_type)
        try:
            key = int(document_id)
        except (TypeError, ValueError):
            raise NotFound(f"{document_type} {document_id!r} does not exist (ids are numbers)",
                           field="document") from None
        document = session.get(machine.model, key)
        if document is None:
            raise NotFound(f"{document_type} {key} does not exist", field="document")
        return document


def state_machines(platform: Platform) -> StateMachineRegistry:
    """The site's state machines, built once per plugin set (rebuilt when plugins change)."""
    return _state_machines(platform.hooks)


@once_per_plugin_set
def _state_machines(hooks: Hooks) -> StateMachineRegistry:
    registry = StateMachineRegistry()
    hooks.register_state_machines(registry)
    registry.finish()
    return registry


def session_machines(session: Session) -> StateMachineRegistry:
    """The state machines of the site a session belongs to."""
    platform = session.info.get("platform")
    if platform is None:
        raise PluginError("this session was not opened by Platform.session(); the workflow "
                          "needs the site's plugins")
    return state_machines(platform)
