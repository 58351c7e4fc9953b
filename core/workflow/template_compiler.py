"""Compiling process templates: data (from YAML or JSON) to a checked definition.

Pure: no database, no files. What a compiled template may refer to (state machines,
users, roles) comes in a :class:`ValidationContext`; every problem is collected and
reported with the step it is in. The format itself is described in
:mod:`ordercraft.core.workflow.processes`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ordercraft.core.errors import ValidationError
from ordercraft.core.registries import NAME_PATTERN
from ordercraft.core.workflow.expressions import Expression, ExpressionError, compile_expression
from ordercraft.core.workflow.schedule import next_cron_time, parse_duration

if TYPE_CHECKING:
    from ordercraft.core.workflow.machines import StateMachine, StateMachineRegistry

STEP_KINDS = ("task", "wait", "branch", "transition")
ASSIGNMENT_RULES = ("least_loaded", "round_robin", "pool")
TRIGGER_KINDS = ("manual", "transition", "schedule")
MAX_STEPS = 200
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_TOP_KEYS = {"name", "title", "description", "document_type", "triggers", "steps"}
_STEP_KEYS = {"id", "title", "next", "after", "if_not_allowed", *STEP_KINDS}
#: What a transition step does when its document has moved on to a state the transition
#: does not start from (``if_not_allowed``): note it on the timeline and go on (default),
#: wait until a later move allows it, or refuse the operation that reached the step.
IF_NOT_ALLOWED = ("skip", "wait", "fail")
_TASK_KEYS = {"title", "description", "assignee", "role", "rule", "assignee_field", "deadline",
              "remind_before", "checklist"}
_TRIGGER_KEYS = {"manual": {"manual"}, "transition": {"transition", "when"},
                 "schedule": {"schedule", "timezone"}}


# ------------------------------------------------------------------ compiled form


@dataclass(frozen=True)
class TaskSpec:
    title: str
    description: str = ""
    assignee: str | None = None
    role: str | None = None
    rule: str = "least_loaded"
    assignee_field: str | None = None
    deadline: timedelta | None = None
    remind_before: timedelta | None = None
    checklist: tuple[str, ...] = ()


@dataclass(frozen=True)
class BranchOption:
    condition: Expression | None  # None: the else option
    target: str


@dataclass(frozen=True)
class StepSpec:
    id: str
    kind: str
    position: int
    title: str = ""
    next: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    task: TaskSpec | None = None
    wait_transition: str | None = None
    wait_state: str | None = None
    branches: tuple[BranchOption, ...] = ()
    transition: str | None = None
    if_not_allowed: str = "skip"

    @property
    def label(self) -> str:
        if self.title:
            return self.title
        if self.task is not None:
            return self.task.title
        if self.kind == "wait":
            return (f"wait for {self.wait_transition}" if self.wait_transition
                    else f"wait for state {self.wait_state}")
        if self.kind == "transition":
            return f"move the document: {self.transition}"
        return "branch"

    def targets(self) -> tuple[str, ...]:
        """The steps this one may lead to."""
        if self.kind == "branch":
            return tuple(option.target for option in self.branches)
        return self.next

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "kind": self.kind, "label": self.label,
                                "position": self.position, "next": list(self.next),
                                "after": list(self.after)}
        if self.task is not None:
            task = self.task
            body["task"] = {
                "title": task.title, "description": task.description,
                "assignee": task.assignee, "role": task.role, "rule": task.rule,
                "assignee_field": task.assignee_field,
                "deadline_hours": _hours(task.deadline),
                "remind_before_hours": _hours(task.remind_before),
                "checklist": list(task.checklist)}
        if self.kind == "wait":
            body["wait"] = {"transition": self.wait_transition, "state": self.wait_state}
        if self.kind == "branch":
            body["branch"] = [{"if": o.condition.source if o.condition else None,
                               "next": o.target} for o in self.branches]
        if self.kind == "transition":
            body["transition"] = self.transition
            body["if_not_allowed"] = self.if_not_allowed
        return body


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 3600


@dataclass(frozen=True)
class TriggerSpec:
    kind: str
    position: int
    transition: str | None = None
    when: Expression | None = None
    cron: str | None = None
    timezone: str | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.kind == "manual":
            return {"kind": "manual"}
        if self.kind == "transition":
            return {"kind": "transition", "transition": self.transition,
                    "when": self.when.source if self.when else None}
        return {"kind": "schedule", "schedule": self.cron, "timezone": self.timezone}


@dataclass(frozen=True)
class ProcessDefinition:
    name: str
    title: str
    description: str
    document_type: str | None
    triggers: tuple[TriggerSpec, ...]
    steps: dict[str, StepSpec]
    order: tuple[str, ...]
    #: The template as given (what export writes).
    source: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def entry(self) -> str:
        return self.order[0]

    @property
    def startable_by_hand(self) -> bool:
        return any(t.kind == "manual" for t in self.triggers)

    def step_list(self) -> list[StepSpec]:
        return [self.steps[step_id] for step_id in self.order]

    def reachable_from(self, starts: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        frontier = list(starts)
        while frontier:
            step_id = frontier.pop()
            if step_id in seen:
                continue
            seen.add(step_id)
            frontier.extend(self.steps[step_id].targets())
        return seen


@dataclass
class TemplateProblem:
    message: str
    step: str | None = None
    position: int | None = None

    def __str__(self) -> str:
        if self.step is None:
            return self.message
        where = f"step {self.step!r}" if self.step else "step"
        if self.position is not None:
            where += f" (#{self.position})"
        return f"{where}: {self.message}"


class TemplateError(ValidationError):
    code = "bad_template"


class _Collector:
    def __init__(self) -> None:
        self.problems: list[TemplateProblem] = []

    def add(self, message: str, step: str | None = None, position: int | None = None) -> None:
        self.problems.append(TemplateProblem(message, step, position))


@dataclass
class ValidationContext:
    """What the template is checked against: the site's state machines, users and roles.
    ``None`` for users/roles skips those checks (compiling a stored template)."""

    machines: StateMachineRegistry
    users: set[str] | None = None
    roles: set[str] | None = None


def compile_template(data: Any, context: ValidationContext) -> ProcessDefinition:
    """Check ``data`` (a parsed template) and compile it.

    :raises TemplateError: listing every problem (``details["errors"]``), the message
        naming the template and the first problem's step.
    """
    collector = _Collector()
    definition = _compile(data, context, collector)
    if collector.problems or definition is None:
        name = data.get("name") if isinstance(data, dict) else None
        first = collector.problems[0] if collector.problems else TemplateProblem("is not valid")
        more = len(collector.problems) - 1
        label = f"process template {name!r}" if isinstance(name, str) else "process template"
        message = f"{label}: {first}" + (f" (and {more} more problem{'s' if more > 1 else ''})"
                                         if more > 0 else "")
        raise TemplateError(message, field=first.step and f"steps.{first.step}" or "template",
                            details={"errors": [str(p) for p in collector.problems]})
    return definition


def _text(value: Any, default: str = "") -> str:
    return value.strip() if isinstance(value, str) else default


def _compile(data: Any, context: ValidationContext,
             out: _Collector) -> ProcessDefinition | None:
    if not isinstance(data, dict):
        out.add("a template is a mapping with name, title, triggers and steps")
        return None
    for key in sorted(set(data) - _TOP_KEYS):
        out.add(f"unknown key {key!r} (keys: {', '.join(sorted(_TOP_KEYS))})")
    name = data.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        out.add(f"name {name!r}: names are lower-case letters, digits, '_' and '-', starting "
                "with a letter")
    title = _text(data.get("title")) or (name if isinstance(name, str) else "")
    document_type = data.get("document_type")
    machine: StateMachine | None = None
    if document_type is not None:
        machine = context.machines.get(document_type) if isinstance(document_type, str) else None
        if machine is None:
            known = ", ".join(sorted(context.machines)) or "none"
            out.add(f"document_type {document_type!r} has no state machine on this site "
                    f"(document types: {known}; is the plugin that provides it enabled?)")
            return None
    fields = machine.expression_fields if machine is not None else frozenset()
    triggers = _triggers(data.get("triggers"), machine, fields, out)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        out.add("steps: a template needs a list of at least one step")
        return None
    if len(raw_steps) > MAX_STEPS:
        out.add(f"steps: {len(raw_steps)} steps; at most {MAX_STEPS} are allowed")
        return None
    ids = [s.get("id") if isinstance(s, dict) else None for s in raw_steps]
    steps: dict[str, StepSpec] = {}
    order: list[str] = []
    for position, raw in enumerate(raw_steps, start=1):
        following = ids[position] if position < len(ids) else None
        step = _step(raw, position, following, ids, machine, fields, context, out)
        if step is None:
            continue
        if step.id in steps:
            out.add("the id is used by another step too", step.id, position)
            continue
        steps[step.id] = step
        order.append(step.id)
    if out.problems or not order:
        return None
    definition = ProcessDefinition(name, title, _text(data.get("description")), document_type,
                                   tuple(triggers), steps, tuple(order), source=data)
    _check_graph(definition, out)
    return definition if not out.problems else None


def _triggers(raw: Any, machine: StateMachine | None, fields: frozenset[str],
              out: _Collector) -> list[TriggerSpec]:
    if not isinstance(raw, list) or not raw:
        out.add("triggers: a template needs at least one trigger (manual, transition or "
                "schedule)")
        return []
    result = []
    for position, item in enumerate(raw, start=1):
        where = f"trigger #{position}"
        if item == "manual":
            item = {"manual": True}
        kinds = [k for k in TRIGGER_KINDS if isinstance(item, dict) and k in item]
        if len(kinds) != 1:
            out.add(f"{where}: give exactly one of manual, transition, schedule")
            continue
        kind = kinds[0]
        for key in sorted(set(item) - _TRIGGER_KEYS[kind]):
            out.add(f"{where}: unknown key {key!r} for a {kind} trigger")
        if kind == "manual":
            if item["manual"] is not True:
                out.add(f"{where}: manual must be true")
                continue
            result.append(TriggerSpec("manual", position))
        elif kind == "transition":
            name = item["transition"]
            if machine is None:
                out.add(f"{where}: a transition trigger needs the template's document_type")
                continue
            if machine.transition(name) is None:
                out.add(f"{where}: {machine.document_type!r} has no transition {name!r} "
                        f"(transitions: {', '.join(t.name for t in machine.transitions)})")
                continue
            when = None
            if item.get("when") is not None:
                try:
                    when = compile_expression(item["when"], fields=fields, what="when")
                except ExpressionError as exc:
                    out.add(f"{where}: {exc.message}")
                    continue
            result.append(TriggerSpec("transition", position, transition=name, when=when))
        else:
            cron, tz = item["schedule"], item.get("timezone")
            if machine is not None:
                out.add(f"{where}: a schedule starts processes about no document; this "
                        "template is about a document_type")
                continue
            try:
                next_cron_time(str(cron), datetime(2000, 1, 1), tz)
            except Exception as exc:  # noqa: BLE001 - APScheduler and zoneinfo raise several kinds
                out.add(f"{where}: schedule {cron!r}"
                        + (f" in timezone {tz!r}" if tz else "")
                        + f" is not a valid crontab (minute hour day month weekday): {exc}")
                continue
            result.append(TriggerSpec("schedule", position, cron=str(cron), timezone=tz))
    return result


def _names_list(value: Any, what: str, step: str, position: int,
                out: _Collector) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    out.add(f"{what} must be a step id or a list of step ids, not {value!r}", step, position)
    return None


def _step(raw: Any, position: int, following: Any, ids: list[Any],
          machine: StateMachine | None, fields: frozenset[str], context: ValidationContext,
          out: _Collector) -> StepSpec | None:
    if not isinstance(raw, dict):
        out.add("a step is a mapping with an id and one of task, wait, branch, transition",
                "", position)
        return None
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not NAME_PATTERN.match(step_id):
        out.add(f"id {step_id!r}: ids are lower-case letters, digits, '_' and '-', starting "
                "with a letter", "", position)
        return None
    problems_before = len(out.problems)
    for key in sorted(set(raw) - _STEP_KEYS):
        out.add(f"unknown key {key!r} (keys: {', '.join(sorted(_STEP_KEYS))})", step_id,
                position)
    kinds = [k for k in STEP_KINDS if k in raw]
    if len(kinds) != 1:
        out.add("give exactly one of task, wait, branch, transition"
                + (f" (it has {', '.join(kinds)})" if kinds else ""), step_id, position)
        return None
    kind = kinds[0]
    known_ids = {i for i in ids if isinstance(i, str)}
    if "next" in raw:
        if kind == "branch":
            out.add("a branch chooses its next step in its options; remove 'next'", step_id,
                    position)
        next_steps = _names_list(raw["next"], "next", step_id, position, out) or ()
    else:
        next_steps = (following,) if isinstance(following, str) and kind != "branch" else ()
    after = _names_list(raw.get("after", []), "after", step_id, position, out) or ()
    for target in (*next_steps, *after):
        if target not in known_ids:
            out.add(f"step {target!r} does not exist (steps: "
                    f"{', '.join(i for i in ids if isinstance(i, str))})", step_id, position)
    if step_id in after:
        out.add("a step cannot wait for itself in 'after'", step_id, position)
    spec = StepSpec(step_id, kind, position, _text(raw.get("title")), tuple(next_steps),
                    tuple(after))
    if kind == "task":
        task = _task(raw["task"], step_id, position, machine, fields, context, out)
        spec = replace(spec, task=task)
    elif kind == "wait":
        spec = _wait(raw["wait"], spec, machine, out)
    elif kind == "branch":
        spec = _branch(raw["branch"], spec, known_ids, fields, out)
    else:
        name = raw["transition"]
        if machine is None:
            out.add("a transition step needs the template's document_type", step_id, position)
        elif not isinstance(name, str) or machine.transition(name) is None:
            out.add(f"{machine.document_type!r} has no transition {name!r} (transitions: "
                    f"{', '.join(t.name for t in machine.transitions)})", step_id, position)
        spec = replace(spec, transition=name)
    if "if_not_allowed" in raw:
        choice = raw["if_not_allowed"]
        if kind != "transition":
            out.add("if_not_allowed belongs to a transition step", step_id, position)
        elif choice not in IF_NOT_ALLOWED:
            out.add(f"if_not_allowed must be one of {', '.join(IF_NOT_ALLOWED)}, not "
                    f"{choice!r}", step_id, position)
        else:
            spec = replace(spec, if_not_allowed=choice)
    return spec if len(out.problems) == problems_before else None


def _task(raw: Any, step: str, position: int, machine: StateMachine | None,
          fields: frozenset[str], context: ValidationContext,
          out: _Collector) -> TaskSpec | None:
    if not isinstance(raw, dict):
        out.add("task must be a mapping with at least a title", step, position)
        return None
    for key in sorted(set(raw) - _TASK_KEYS):
        out.add(f"task: unknown key {key!r} (keys: {', '.join(sorted(_TASK_KEYS))})", step,
                position)
    title = _text(raw.get("title"))
    if not title:
        out.add("task: title is required", step, position)
    _check_placeholders(title, "task title", step, position, machine, fields, out)
    description = _text(raw.get("description"))
    _check_placeholders(description, "task description", step, position, machine, fields, out)
    assignee, role, assignee_field = raw.get("assignee"), raw.get("role"), raw.get(
        "assignee_field")
    rule = raw.get("rule", "least_loaded")
    if assignee is None and role is None and assignee_field is None:
        out.add("task: say who does it: assignee (a user), role, or assignee_field (a "
                "document field holding a user)", step, position)
    if assignee is not None and (role is not None or assignee_field is not None):
        out.add("task: give either assignee, or role and/or assignee_field", step, position)
    if assignee is not None and context.users is not None and assignee not in context.users:
        out.add(f"task: assignee {assignee!r} is not a user", step, position)
    if role is not None and context.roles is not None and role not in context.roles:
        out.add(f"task: role {role!r} is not a role (roles: "
                f"{', '.join(sorted(context.roles))})", step, position)
    if assignee_field is not None:
        if machine is None:
            out.add("task: assignee_field needs the template's document_type", step, position)
        elif assignee_field not in fields:
            out.add(f"task: assignee_field {assignee_field!r} is not a field of "
                    f"{machine.document_type!r} (fields: {', '.join(sorted(fields))})", step,
                    position)
    if rule not in ASSIGNMENT_RULES:
        out.add(f"task: rule {rule!r} is not one of {', '.join(ASSIGNMENT_RULES)}", step,
                position)
    elif "rule" in raw and role is None:
        out.add("task: rule applies to a role; give the role", step, position)
    deadline = remind = None
    for key in ("deadline", "remind_before"):
        if raw.get(key) is None:
            continue
        try:
            value = parse_duration(raw[key])
        except ValueError as exc:
            out.add(f"task: {key} {exc}", step, position)
            continue
        if key == "deadline":
            deadline = value
        else:
            remind = value
    if remind is not None and deadline is None and raw.get("deadline") is None:
        out.add("task: remind_before needs a deadline", step, position)
    elif remind is not None and deadline is not None and remind >= deadline:
        out.add(f"task: remind_before {raw['remind_before']!r} is not shorter than the deadline "
                f"{raw['deadline']!r}", step, position)
    checklist = raw.get("checklist", [])
    if not isinstance(checklist, list) or not all(
            isinstance(i, str) and i.strip() for i in checklist):
        out.add("task: checklist must be a list of non-empty texts", step, position)
        checklist = []
    return TaskSpec(title, description, assignee, role, rule, assignee_field, deadline, remind,
                    tuple(i.strip() for i in checklist))


def _check_placeholders(text: str, what: str, step: str, position: int,
                        machine: StateMachine | None, fields: frozenset[str],
                        out: _Collector) -> None:
    for name in PLACEHOLDER.findall(text):
        if machine is None:
            out.add(f"{what}: {{{name}}} names a document field, but the template is about no "
                    "document", step, position)
        elif name not in fields:
            out.add(f"{what}: {{{name}}} is not a field of {machine.document_type!r} "
                    f"(fields: {', '.join(sorted(fields))})", step, position)


def _wait(raw: Any, spec: StepSpec, machine: StateMachine | None, out: _Collector) -> StepSpec:
    step, position = spec.id, spec.position
    if machine is None:
        out.add("a wait step waits for the template's document; give document_type", step,
                position)
        return spec
    if not isinstance(raw, dict) or len(set(raw) & {"transition", "state"}) != 1 or set(raw) - {
            "transition", "state"}:
        out.add("wait must be {transition: NAME} or {state: NAME}", step, position)
        return spec
    if "transition" in raw:
        name = raw["transition"]
        if machine.transition(name) is None:
            out.add(f"wait: {machine.document_type!r} has no transition {name!r} (transitions: "
                    f"{', '.join(t.name for t in machine.transitions)})", step, position)
        return replace(spec, wait_transition=name)
    state = raw["state"]
    if machine.state(state) is None:
        out.add(f"wait: {machine.document_type!r} has no state {state!r} (states: "
                f"{', '.join(machine.state_names)})", step, position)
    return replace(spec, wait_state=state)


def _branch(raw: Any, spec: StepSpec, known_ids: set[str], fields: frozenset[str],
            out: _Collector) -> StepSpec:
    step, position = spec.id, spec.position
    if not isinstance(raw, list) or not raw:
        out.add("branch must be a list of options: {if: CONDITION, next: STEP} ..., "
                "{else: STEP}", step, position)
        return spec
    options = []
    for number, option in enumerate(raw, start=1):
        where = f"branch option #{number}"
        if isinstance(option, dict) and set(option) == {"else"}:
            if number != len(raw):
                out.add(f"{where}: 'else' must be the last option", step, position)
            target = option["else"]
            condition = None
        elif isinstance(option, dict) and set(option) == {"if", "next"}:
            target = option["next"]
            try:
                condition = compile_expression(option["if"], fields=fields, what="if")
            except ExpressionError as exc:
                out.add(f"{where}: {exc.message}", step, position)
                continue
        else:
            out.add(f"{where}: an option is {{if: CONDITION, next: STEP}} or {{else: STEP}}",
                    step, position)
            continue
        if target not in known_ids:
            out.add(f"{where}: step {target!r} does not exist", step, position)
            continue
        options.append(BranchOption(condition, target))
    return replace(spec, branches=tuple(options))


def _check_graph(definition: ProcessDefinition, out: _Collector) -> None:
    for component in _cycles(definition):
        members = [s for s in definition.step_list() if s.id in component]
        path = " -> ".join(s.id for s in members)
        first = members[0]
        exits = any(
            step.kind == "branch" and (
                any(o.target not in component for o in step.branches)
                or all(o.condition is not None for o in step.branches))
            for step in members)
        if not exits:
            out.add(f"steps {path} form a cycle with no exit: add a branch inside it that "
                    "leads out of it", first.id, first.position)
        elif not any(step.kind in ("task", "wait") for step in members):
            out.add(f"steps {path} form a cycle with no task or wait in it: it would loop at "
                    "once", first.id, first.position)
    reachable = definition.reachable_from([definition.entry])
    for step in definition.step_list():
        if step.id not in reachable:
            out.add(f"is never reached from the first step {definition.entry!r} (no 'next' or "
                    "branch leads to it)", step.id, step.position)


def _cycles(definition: ProcessDefinition) -> list[set[str]]:
    """Strongly connected components that contain a cycle (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in definition.steps[node].targets():
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in definition.steps[node].targets():
                found.append(component)

    for step_id in definition.order:
        if step_id not in index:
            visit(step_id)
    return found


# ------------------------------------------------------------------ text formats


def parse_template_text(text: str, fmt: str | None = None, *, origin: str = "template") -> Any:
    """YAML or JSON text -> data. ``fmt`` is ``yaml``, ``json`` or ``None`` (JSON if the
    text starts with '{', else YAML)."""
    import yaml

    if fmt is None:
        fmt = "json" if text.lstrip().startswith("{") else "yaml"
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"{origin}: not valid JSON: {exc.msg} at line {exc.lineno} "
                                f"column {exc.colno}", field="template") from None
    if fmt != "yaml":
        raise ValidationError(f"format: {fmt!r} is not yaml or json", field="format")
    try:
        data = yaml.load(text, Loader=_loader_without_aliases())  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise TemplateError(f"{origin}: not valid YAML{where}: {problem}",
                            field="template") from None
    # YAML reads 2024-05-01 as a date; a template is stored as JSON, so only JSON's values.
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise TemplateError(f"{origin}: {exc}; quote such values (e.g. title: '2024-05-01')",
                            field="template") from None
    return data


def _loader_without_aliases() -> type:
    """PyYAML's safe loader refusing aliases (``*name``): a template never needs them, and
    a few lines of nested aliases ("billion laughs") expand to billions of nodes."""
    import yaml

    class NoAliasSafeLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"aliases (*{event.anchor}) are not accepted; write the "
                    "value out", event.start_mark)
            return super().compose_node(parent, index)

    return NoAliasSafeLoader


def dump_template(data: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt != "yaml":
        raise ValidationError(f"format: {fmt!r} is not yaml or json", field="format")
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
