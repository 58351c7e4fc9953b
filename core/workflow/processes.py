"""Business-process templates as data: the format, its validation, import and export.

A template (YAML or JSON) describes a process an administrator can change without code::

    name: custom-robot-order            # lower-case, digits, '-' and '_'
    title: Custom robot order
    document_type: order                # what the process is about (optional)
    triggers:
      - transition: confirm             # starts when an order is confirmed...
        when: "custom_count > 0"        # ...and this condition holds
      - manual: true                    # may be started by hand
      - schedule: "0 9 * * 1"           # cron (document-less templates only)
    steps:
      - id: price
        task:
          title: "Price the custom robots of order {number}"
          role: economist               # or: assignee: anna / assignee_field: manager_id
          rule: least_loaded            # least_loaded | round_robin | pool
          deadline: 1d                  # w, d, h, m: "1d 4h"
          remind_before: 4h
          checklist: [Run the robot calculator, Build the proposal]
      - id: shortages
        branch:
          - if: "shortage_count > 0"
            next: purchase
          - else: production
      - id: paid
        wait: {transition: pay}         # or {state: paid}
      - id: ship
        transition: ship                # move the document (done as the system)

A step runs when it is reached: the first step when the process starts, then the
steps in ``next`` of a finished step (by default the step below it; ``next: []`` ends
that path; several names fork). ``after: [a, b]`` makes a step wait until those steps
have finished, when they can still be reached (a join). A branch takes the first
option whose ``if`` holds (``else`` otherwise; with neither the path ends). A cycle is
allowed when a branch inside it leads out and it contains a task or a wait.

Validation points at the step: ``step 'price' (#1): deadline '1x' is not a duration``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordercraft.core.errors import NotFound, ValidationError
from ordercraft.core.registries import NAME_PATTERN
from ordercraft.core.workflow.expressions import Expression, ExpressionError, compile_expression

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.workflow.machines import StateMachine, StateMachineRegistry
    from ordercraft.core.workflow.models import ProcessTemplate

STEP_KINDS = ("task", "wait", "branch", "transition")
ASSIGNMENT_RULES = ("least_loaded", "round_robin", "pool")
TRIGGER_KINDS = ("manual", "transition", "schedule")
MAX_STEPS = 200
SHIPPED = Path(__file__).parent / "templates"

_DURATION_PART = re.compile(r"(\d+)\s*([wdhm])")
_DURATION_WHOLE = re.compile(r"^\s*(\d+\s*[wdhm]\s*)+$")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

_TOP_KEYS = {"name", "title", "description", "document_type", "triggers", "steps"}
_STEP_KEYS = {"id", "title", "next", "after", *STEP_KINDS}
_TASK_KEYS = {"title", "description", "assignee", "role", "rule", "assignee_field", "deadline",
              "remind_before", "checklist"}
_TRIGGER_KEYS = {"manual": {"manual"}, "transition": {"transition", "when"},
                 "schedule": {"schedule", "timezone"}}


def parse_duration(value: Any) -> timedelta:
    """``"1d 4h"`` -> 28 hours. Units: w(eeks), d(ays), h(ours), m(inutes)."""
    if not isinstance(value, str) or not _DURATION_WHOLE.match(value):
        raise ValueError(f"{value!r} is not a duration (e.g. 30m, 4h, 1d, 2w, 1d 4h)")
    parts: dict[str, int] = {}
    for amount, unit in _DURATION_PART.findall(value):
        parts[_UNITS[unit]] = parts.get(_UNITS[unit], 0) + int(amount)
    result = timedelta(**parts)
    if result <= timedelta(0):
        raise ValueError(f"{value!r} is not a positive duration")
    return result


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _cron_weekdays(field: str) -> str:
    """A crontab weekday field (0 or 7 = Sunday, 1 = Monday) as APScheduler weekday names.

    APScheduler 3 counts weekdays from Monday = 0, so ``from_crontab("0 9 * * 1")`` would
    fire on Tuesdays; the field is expanded to names, the way cron reads it.
    """
    days: list[int] = []
    for part in field.lower().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, high = base.split("-", 1)
            first, last = _weekday_number(low), _weekday_number(high)
        else:
            first = _weekday_number(base)
            last = 6 if step_text else first
        if step < 1 or first > last:
            raise ValueError(f"weekday field {field!r} is not valid")
        days += [day % 7 for day in range(first, last + 1, step)]
    return ",".join(_WEEKDAYS[day] for day in sorted(set(days)))


def _weekday_number(text: str) -> int:
    if text in _WEEKDAYS:
        return _WEEKDAYS.index(text)
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    raise ValueError(f"{text!r} is not a weekday (0-7 or sun-sat)")


def next_cron_time(cron: str, after: datetime, tz: str | None = None) -> datetime:
    """The first moment of the crontab ``cron`` (5 fields: minute hour day month weekday)
    strictly after ``after`` (naive UTC in and out); ``tz`` is the zone the crontab's hours
    are in (default UTC). Unlike cron, a day of the month and a weekday given together must
    both match."""
    from apscheduler.triggers.cron import CronTrigger

    zone: Any = timezone.utc
    if tz:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"{cron!r} has {len(fields)} fields, not 5")
    minute, hour, day, month, weekday = fields
    trigger = CronTrigger(minute=minute, hour=hour, day=day, month=month,
                          day_of_week=_cron_weekdays(weekday), timezone=zone)
    start = after.replace(tzinfo=timezone.utc) + timedelta(seconds=1)
    moment = trigger.get_next_fire_time(None, start)
    if moment is None:
        raise ValueError(f"{cron!r} never fires")
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


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


def shipped_templates(platform: Any = None) -> dict[str, Path]:
    """Templates that come with Ordercraft and with the site's plugins (hook
    ``process_templates``): name -> file. A name shipped twice is a plugin error."""
    from ordercraft.core.errors import PluginError

    found = {path.stem: path for path in sorted(SHIPPED.glob("*.yaml"))}
    owners = dict.fromkeys(found, "core")
    if platform is not None:
        for plugin, raw in platform.hooks.process_templates():
            path = Path(raw)
            if path.stem in found:
                raise PluginError(f"plugin {plugin!r} ships process template {path.stem!r}, "
                                  f"already shipped by {owners[path.stem]!r}")
            if not path.is_file():
                raise PluginError(f"plugin {plugin!r} ships process template {str(path)!r}, "
                                  "which is not a file")
            found[path.stem] = path
            owners[path.stem] = plugin
    return found


# ------------------------------------------------------------------ the database side


def validation_context(session: Session) -> ValidationContext:
    from sqlalchemy import select

    from ordercraft.core.models import Role, User
    from ordercraft.core.permissions import ROLE_NAMES
    from ordercraft.core.workflow.machines import session_machines

    users = set(session.scalars(select(User.name).where(User.active.is_(True))))
    roles = set(session.scalars(select(Role.name))) | set(ROLE_NAMES)
    return ValidationContext(session_machines(session), users, roles)


def definition_of(session: Session, template: ProcessTemplate) -> ProcessDefinition:
    """A stored template, compiled against the site's current state machines."""
    from ordercraft.core.workflow.machines import session_machines

    return compile_template(template.definition, ValidationContext(session_machines(session)))


def current_template(session: Session, name: str) -> ProcessTemplate:
    from sqlalchemy import select

    from ordercraft.core.workflow.models import ProcessTemplate

    row = session.scalar(select(ProcessTemplate).where(ProcessTemplate.name == name,
                                                       ProcessTemplate.current.is_(True)))
    if row is None:
        names = list(session.scalars(select(ProcessTemplate.name)
                                     .where(ProcessTemplate.current.is_(True))
                                     .order_by(ProcessTemplate.name)))
        raise NotFound(f"process template {name!r} does not exist (templates: "
                       f"{', '.join(names) or 'none'})", code="unknown_template", field="name")
    return row


@dataclass(frozen=True)
class ImportResult:
    template: ProcessTemplate
    #: False when the same definition was already the current version.
    created: bool


def import_template(session: Session, source: str | dict[str, Any], *, fmt: str | None = None,
                    origin: str = "template", now: datetime | None = None,
                    user: Any = None) -> ImportResult:
    """Validate and store a template (a new version when the name exists and it changed).

    Needs the permission ``process.admin``. Raises :class:`TemplateError` pointing at the
    step when the template is not valid; nothing is stored then.
    """
    from sqlalchemy import delete, func, select, update

    from ordercraft.core.db import utcnow
    from ordercraft.core.permissions import require
    from ordercraft.core.workflow.models import ProcessTemplate, ProcessTrigger

    user = session.info.get("user") if user is None else user
    require(user, "process.admin")
    now = now or utcnow()
    data = parse_template_text(source, fmt, origin=origin) if isinstance(source, str) else source
    definition = compile_template(data, validation_context(session))
    existing = session.scalar(select(ProcessTemplate).where(
        ProcessTemplate.name == definition.name, ProcessTemplate.current.is_(True))
        .with_for_update())
    if existing is not None and existing.definition == data:
        return ImportResult(existing, created=False)
    version = (session.scalar(select(func.max(ProcessTemplate.version))
                              .where(ProcessTemplate.name == definition.name)) or 0) + 1
    if existing is not None:
        session.execute(update(ProcessTemplate).where(ProcessTemplate.name == definition.name)
                        .values(current=False))
        session.execute(delete(ProcessTrigger).where(ProcessTrigger.template_id == existing.id))
    row = ProcessTemplate(name=definition.name, version=version, title=definition.title,
                          document_type=definition.document_type, definition=data,
                          current=True, created_at=now,
                          created_by=getattr(user, "name", "") or "")
    session.add(row)
    session.flush()
    for trigger in definition.triggers:
        if trigger.kind == "transition":
            session.add(ProcessTrigger(template_id=row.id, position=trigger.position,
                                       kind="transition", document_type=definition.document_type,
                                       transition=trigger.transition))
        elif trigger.kind == "schedule":
            session.add(ProcessTrigger(template_id=row.id, position=trigger.position,
                                       kind="schedule", cron=trigger.cron,
                                       next_run_at=next_cron_time(trigger.cron or "", now,
                                                                  trigger.timezone)))
    session.flush()
    return ImportResult(row, created=True)


def import_shipped(session: Session, names: Iterable[str] | None = None, *,
                   now: datetime | None = None) -> tuple[list[ImportResult], list[str]]:
    """Import the shipped templates (all, or ``names``) whose document types exist on this
    site; returns the results and the messages of those left out (the demo uses it)."""
    from ordercraft.core.workflow.machines import session_machines

    shipped = shipped_templates(session.info.get("platform"))
    wanted = list(names) if names is not None else list(shipped)
    machines = session_machines(session)
    results, skipped = [], []
    for name in wanted:
        path = shipped.get(name)
        if path is None:
            raise NotFound(f"no shipped process template {name!r} (shipped: "
                           f"{', '.join(shipped) or 'none'})", field="name")
        data = parse_template_text(path.read_text(encoding="utf-8"), origin=path.name)
        document_type = data.get("document_type") if isinstance(data, dict) else None
        if document_type and document_type not in machines:
            skipped.append(f"{name}: needs document type {document_type!r}, which no enabled "
                           "plugin provides")
            continue
        results.append(import_template(session, data, origin=path.name, now=now))
    return results, skipped


def export_template(session: Session, name: str, fmt: str = "yaml",
                    version: int | None = None) -> str:
    """The template as YAML or JSON text (the current version, or ``version``)."""
    from sqlalchemy import select

    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.models import ProcessTemplate

    require_session_permission(session, "task.read")
    if version is None:
        row = current_template(session, name)
    else:
        row = session.scalar(select(ProcessTemplate).where(ProcessTemplate.name == name,
                                                           ProcessTemplate.version == version))
        if row is None:
            raise NotFound(f"process template {name!r} has no version {version}",
                           field="version")
    return dump_template(row.definition, fmt)


def list_templates(session: Session) -> list[dict[str, Any]]:
    """The current templates with how many runs of each are running (two queries)."""
    from sqlalchemy import func, select

    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.models import ProcessInstance, ProcessTemplate

    require_session_permission(session, "task.read")
    rows = list(session.scalars(select(ProcessTemplate).where(ProcessTemplate.current.is_(True))
                                .order_by(ProcessTemplate.name)))
    running = dict(session.execute(
        select(ProcessInstance.template_name, func.count())
        .where(ProcessInstance.status == "running")
        .group_by(ProcessInstance.template_name)).all())
    return [template_summary(row, running.get(row.name, 0)) for row in rows]


def template_summary(row: ProcessTemplate, running: int = 0) -> dict[str, Any]:
    data = row.definition
    return {"name": row.name, "title": row.title, "version": row.version,
            "document_type": row.document_type,
            "triggers": [_trigger_label(t) for t in data.get("triggers", [])],
            "steps": len(data.get("steps", [])), "running": running,
            "created_at": row.created_at.isoformat(timespec="seconds"),
            "created_by": row.created_by or None}


def _trigger_label(raw: Any) -> str:
    if raw == "manual" or (isinstance(raw, dict) and "manual" in raw):
        return "manual"
    if isinstance(raw, dict) and "transition" in raw:
        return f"transition {raw['transition']}" + (f" when {raw['when']}" if raw.get("when")
                                                     else "")
    if isinstance(raw, dict) and "schedule" in raw:
        return f"schedule {raw['schedule']}" + (f" ({raw['timezone']})" if raw.get("timezone")
                                                 else "")
    return str(raw)


def template_details(session: Session, name: str) -> dict[str, Any]:
    """A template with its compiled steps (the viewer and ``process show``)."""
    from sqlalchemy import func, select

    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.models import ProcessInstance

    require_session_permission(session, "task.read")
    row = current_template(session, name)
    running = session.scalar(select(func.count(ProcessInstance.id)).where(
        ProcessInstance.template_name == name, ProcessInstance.status == "running")) or 0
    summary = template_summary(row, running)
    try:
        definition = definition_of(session, row)
    except ValidationError as exc:
        # The template was valid when imported; a plugin it needs may be disabled since.
        return {**summary, "description": row.definition.get("description", ""),
                "problem": exc.message, "steps": [], "step_count": summary["steps"]}
    return {**summary, "description": definition.description, "problem": None,
            "step_count": summary["steps"],
            "trigger_specs": [t.as_dict() for t in definition.triggers],
            "steps": [s.as_dict() for s in definition.step_list()]}
