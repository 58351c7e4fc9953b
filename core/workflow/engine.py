"""Running processes: starting them, reaching steps, reacting to tasks and transitions.

Everything here runs inside the caller's transaction (finishing a task, making a
transition, a scheduler tick), so a process moves on together with the change that
moved it, or not at all.

The life of a step: *reached* (a row in ``process_steps``, status ``pending``), then,
once the steps in its ``after`` have finished (or can no longer be reached), *active*:
a task step creates its task, a wait step waits, a branch chooses, a transition step
moves the document. A finished step reaches the steps it leads to. A process with no
pending or active step left is completed. When its document reaches a final state
(delivered and closed, or cancelled), a process still running about it is cancelled
with its open tasks, unless the transition itself started it.

Work is queued per session and drained in a loop, so a transition made by a step that
resumes a wait in the same process does not recurse.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.core.db import utcnow
from ordercraft.core.errors import Conflict, NotFound, OrdercraftError, ValidationError
from ordercraft.core.models import User
from ordercraft.core.permissions import require
from ordercraft.core.workflow.documents import SESSION_USER, document_ref
from ordercraft.core.workflow.machines import TransitionContext, session_machines
from ordercraft.core.workflow.models import (
    OPEN_STATUSES,
    ProcessInstance,
    ProcessStep,
    ProcessTemplate,
    ProcessTrigger,
    Task,
)
from ordercraft.core.workflow.schedule import next_cron_time
from ordercraft.core.workflow.tasks import close_cancelled, new_task, pick_assignee
from ordercraft.core.workflow.template_compiler import PLACEHOLDER, ProcessDefinition, StepSpec
from ordercraft.core.workflow.template_store import current_template, definition_of
from ordercraft.core.workflow.timeline import record_event

#: Steps one operation may reach before the engine decides a process is looping.
MAX_STEPS_PER_OPERATION = 1000


@dataclass
class _Work:
    process: ProcessInstance
    step: str


class _Runner:
    """The session's queue of steps to reach, drained once per operation."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.queue: deque[_Work] = deque()
        self.touched: dict[int, ProcessInstance] = {}
        self.draining = False
        self.definitions: dict[int, ProcessDefinition] = {}

    def definition(self, process: ProcessInstance) -> ProcessDefinition:
        definition = self.definitions.get(process.template_id)
        if definition is None:
            definition = definition_of(self.session, process.template)
            self.definitions[process.template_id] = definition
        return definition

    def reach(self, process: ProcessInstance, step: str) -> None:
        self.queue.append(_Work(process, step))
        self.touched[process.id] = process

    def drain(self, now: datetime, user: Any) -> None:
        if self.draining:
            return  # the outer drain picks up what was queued
        self.draining = True
        try:
            reached = 0
            while True:
                while self.queue:
                    work = self.queue.popleft()
                    reached += 1
                    if reached > MAX_STEPS_PER_OPERATION:
                        raise Conflict(
                            f"process run {work.process.id} ({work.process.template_name}) "
                            f"reached more than {MAX_STEPS_PER_OPERATION} steps at once: its "
                            "template loops without waiting", code="process_loops")
                    if work.process.status == "running":
                        _reach(self, work.process, work.step, now, user)
                if not self._settle(now, user):
                    break
        finally:
            # After a failure the savepoint rolled back: nothing queued may survive it.
            self.draining = False
            self.queue.clear()
            self.touched.clear()

    def _settle(self, now: datetime, user: Any) -> bool:
        """Start pending joins that became ready; complete finished processes. Returns
        whether more work was queued."""
        queued = False
        for process in list(self.touched.values()):
            if process.status != "running":
                continue
            definition = self.definition(process)
            rows = _open_rows(self.session, process)
            for row in rows:
                if row.status == "pending" and _join_ready(definition, row, rows, self.session,
                                                           process):
                    _activate(self, process, definition, row, now, user)
                    queued = True
            if self.queue:
                queued = True
                continue
            if not _open_rows(self.session, process):
                process.status = "completed"
                process.finished_at = now
                record_event(self.session, "process_completed", now=now, user=user,
                             document=_subject(process), process_id=process.id,
                             text=f"Process '{definition.title}' completed")
        return queued


def _runner(session: Session) -> _Runner:
    runner = session.info.get("workflow_runner")
    if runner is None:
        runner = session.info["workflow_runner"] = _Runner(session)
    return runner


def _subject(process: ProcessInstance) -> tuple[str, int] | None:
    if process.document_type is None or process.document_id is None:
        return None
    return process.document_type, process.document_id


def _open_rows(session: Session, process: ProcessInstance) -> list[ProcessStep]:
    session.flush()
    return list(session.scalars(select(ProcessStep).where(
        ProcessStep.process_id == process.id,
        ProcessStep.status.in_(("pending", "active"))).order_by(ProcessStep.id)))


def _done_steps(session: Session, process: ProcessInstance) -> set[str]:
    return set(session.scalars(select(ProcessStep.step).where(
        ProcessStep.process_id == process.id, ProcessStep.status == "done")))


def _join_ready(definition: ProcessDefinition, row: ProcessStep, rows: list[ProcessStep],
                session: Session, process: ProcessInstance) -> bool:
    """A step's ``after`` is met when each step in it has finished in this run, or can no
    longer be reached from the steps still open (a branch went the other way)."""
    spec = definition.steps[row.step]
    if not spec.after:
        return True
    done = _done_steps(session, process)
    others = [r.step for r in rows if r.id != row.id]
    still_reachable = definition.reachable_from(others) if others else set()
    return all(step in done or step not in still_reachable for step in spec.after)


def _document(session: Session, process: ProcessInstance) -> Any:
    if process.document_type is None:
        return None
    return session_machines(session).load(session, process.document_type, process.document_id)


def _reach(runner: _Runner, process: ProcessInstance, step: str, now: datetime,
           user: Any) -> None:
    session = runner.session
    definition = runner.definition(process)
    rows = _open_rows(session, process)
    if any(r.step == step for r in rows):
        return  # reached twice (two paths lead here): it runs once
    spec = definition.steps[step]
    row = ProcessStep(process_id=process.id, step=step, kind=spec.kind, status="pending",
                      reached_at=now)
    session.add(row)
    session.flush()
    if _join_ready(definition, row, [*rows, row], session, process):
        _activate(runner, process, definition, row, now, user)


def _activate(runner: _Runner, process: ProcessInstance, definition: ProcessDefinition,
              row: ProcessStep, now: datetime, user: Any) -> None:
    session = runner.session
    spec = definition.steps[row.step]
    row.status = "active"
    if spec.kind == "task":
        _create_step_task(session, process, definition, spec, row, now, user)
    elif spec.kind == "wait":
        if spec.wait_state is not None and _document(session, process).state == spec.wait_state:
            _finish(runner, process, spec, row, now)
        else:
            row.wait_transition = spec.wait_transition
    elif spec.kind == "branch":
        document = _document(session, process)
        machine = session_machines(session).machine_of(document) if document is not None else None
        target = None
        for option in spec.branches:
            if option.condition is None or option.condition.test(
                    lambda name: machine.field_value(document, name)  # type: ignore[union-attr]
            ):
                target = option.target
                break
        row.outcome = target
        _finish(runner, process, spec, row, now, targets=(target,) if target else ())
    else:
        _move_document(runner, process, definition, spec, row, now)


def _move_document(runner: _Runner, process: ProcessInstance, definition: ProcessDefinition,
                   spec: StepSpec, row: ProcessStep, now: datetime) -> None:
    """A transition step: move the document, unless it is there already. A document
    that has moved on (its state no longer allows the transition: shipped in part by
    hand before production was started) is what the step's ``if_not_allowed`` says:
    ``skip`` (finish the step with a note on the document's timeline), ``wait`` (stay
    active; every later move of the document tries again) or ``fail`` (refuse the
    operation that reached the step)."""
    from ordercraft.core.workflow.documents import transition

    session = runner.session
    document = _document(session, process)
    machine = session_machines(session).machine_of(document)
    chosen = machine.transition(spec.transition or "")
    if chosen is None:
        raise Conflict(f"process {definition.name!r} step {spec.id!r}: "
                       f"{machine.document_type!r} has no transition {spec.transition!r} "
                       "any more", code="process_step_failed")
    if document.state == chosen.target:
        row.outcome = None
        _finish(runner, process, spec, row, now)
        return
    if document.state not in machine.sources_of(chosen) and spec.if_not_allowed != "fail":
        state = machine.state(document.state)
        where = state.title if state is not None else document.state
        if spec.if_not_allowed == "wait":
            if row.outcome != "waiting":
                row.outcome = "waiting"
                record_event(session, "process_step_waiting", now=now,
                             document=document_ref(document), process_id=process.id,
                             text=f"Process '{definition.title}' waits at step '{spec.label}': "
                                  f"{machine.describe(document)} is {where}, and "
                                  f"'{chosen.title}' is not possible from there yet",
                             data={"step": spec.id, "state": document.state})
            return
        row.outcome = "skipped"
        record_event(session, "process_step_skipped", now=now, document=document_ref(document),
                     process_id=process.id,
                     text=f"Process '{definition.title}' skipped step '{spec.label}': "
                          f"{machine.describe(document)} is already {where}, and "
                          f"'{chosen.title}' is not possible from there",
                     data={"step": spec.id, "state": document.state})
        _finish(runner, process, spec, row, now)
        return
    row.outcome = "moving"  # not retried by the move it makes itself
    try:
        transition(session, document, chosen.name, user=None, now=now, process=process)
    except OrdercraftError as exc:
        raise Conflict(f"process {definition.name!r} (run {process.id}) step "
                       f"{spec.id!r} could not move {machine.describe(document)}: "
                       f"{exc.message}", code="process_step_failed",
                       details={"step": spec.id, "process_id": process.id}) from exc
    row.outcome = None
    _finish(runner, process, spec, row, now)


def _finish(runner: _Runner, process: ProcessInstance, spec: StepSpec, row: ProcessStep,
            now: datetime, targets: tuple[str, ...] | None = None) -> None:
    row.status = "done"
    row.finished_at = now
    for target in spec.next if targets is None else targets:
        runner.reach(process, target)
    runner.touched[process.id] = process


def _fill(text: str, document: Any, machine: Any) -> str:
    if document is None or not text:
        return text

    def value(match: Any) -> str:
        found = machine.field_value(document, match.group(1))
        return "" if found is None else str(found)

    return PLACEHOLDER.sub(value, text)


def _create_step_task(session: Session, process: ProcessInstance, definition: ProcessDefinition,
                      spec: StepSpec, row: ProcessStep, now: datetime, user: Any) -> Task:
    task_spec = spec.task
    assert task_spec is not None
    document = _document(session, process)
    machine = session_machines(session).machine_of(document) if document is not None else None
    assignee, role = _assignee(session, task_spec, document, machine)
    deadline = None
    if task_spec.deadline:
        from ordercraft.core.calendar import working_calendar

        # "Due in 2 days" counts working days: the site's weekdays off and holidays skip.
        deadline = working_calendar(session).add_working_time(now, task_spec.deadline)
    remind_at = (deadline - task_spec.remind_before
                 if deadline is not None and task_spec.remind_before else None)
    return new_task(session, title=_fill(task_spec.title, document, machine), now=now,
                    assignee=assignee, role=role, deadline=deadline, remind_at=remind_at,
                    checklist=task_spec.checklist,
                    description=_fill(task_spec.description, document, machine),
                    documents=[_subject(process)] if _subject(process) else [], user=user,
                    process_id=process.id, step_id=row.id)


def _assignee(session: Session, spec: Any, document: Any,
              machine: Any) -> tuple[User | None, str | None]:
    """Who gets a step's task: the named user, the user in the document's field, or a holder
    of the role by the rule. Someone who left (inactive or deleted) is replaced by the role,
    else by the administrators' pool, so that a task never belongs to nobody."""
    if spec.assignee is not None:
        user = session.scalar(select(User).where(User.name == spec.assignee))
        if user is not None and user.active:
            return user, None
        return None, "admin"
    if spec.assignee_field is not None and document is not None:
        user_id = machine.field_value(document, spec.assignee_field)
        user = session.get(User, user_id) if user_id is not None else None
        if user is not None and user.active:
            return user, spec.role
    if spec.role is not None:
        return pick_assignee(session, spec.role, spec.rule), spec.role
    return None, "admin"


# ------------------------------------------------------------------ public services


def start_process(session: Session, name: str, *, document: Any = None,
                  user: Any = SESSION_USER, now: datetime | None = None,
                  trigger: str = "manual") -> ProcessInstance:
    """Start the current version of template ``name`` (about ``document`` when the template
    is about a document type). By hand it needs ``process.start`` and a ``manual`` trigger."""
    user = session.info.get("user") if user is SESSION_USER else user
    now = now or utcnow()
    template = current_template(session, name)
    definition = definition_of(session, template)
    if trigger == "manual":
        require(user, "process.start")
        if not definition.startable_by_hand:
            raise Conflict(f"process template {name!r} cannot be started by hand (its "
                           f"triggers: {', '.join(t.kind for t in definition.triggers)})",
                           code="not_manual")
    return _start(session, template, definition, document, user, now, trigger)


def _start(session: Session, template: ProcessTemplate, definition: ProcessDefinition,
           document: Any, user: Any, now: datetime, trigger: str) -> ProcessInstance:
    ref = None
    if definition.document_type is not None:
        if document is None:
            raise ValidationError(f"document: process template {definition.name!r} is about a "
                                  f"{definition.document_type}; give one (TYPE:ID)",
                                  field="document")
        ref = document_ref(document)
        if ref[0] != definition.document_type:
            raise ValidationError(f"document: process template {definition.name!r} is about a "
                                  f"{definition.document_type}, not a {ref[0]}",
                                  field="document")
    elif document is not None:
        raise ValidationError(f"document: process template {definition.name!r} is about no "
                              "document", field="document")
    with session.begin_nested():  # a start that fails leaves no half-started process
        process = ProcessInstance(template_id=template.id, template_name=template.name,
                                  status="running", document_type=ref[0] if ref else None,
                                  document_id=ref[1] if ref else None, trigger=trigger,
                                  started_at=now, started_by_id=getattr(user, "id", None))
        process.template = template
        session.add(process)
        session.flush()
        record_event(session, "process_started", now=now, user=user, document=ref,
                     process_id=process.id,
                     text=f"Process '{definition.title}' started ({trigger})",
                     data={"template": template.name, "version": template.version})
        runner = _runner(session)
        runner.definitions[template.id] = definition
        runner.reach(process, definition.entry)
        runner.drain(now, user)
    return process


def on_task_finished(session: Session, task: Task, *, now: datetime, user: Any) -> None:
    """A task of a process step is done: finish the step and move the process on."""
    row = session.get(ProcessStep, task.step_id)
    if row is None or row.status != "active":
        return
    process = session.get(ProcessInstance, row.process_id)
    if process is None or process.status != "running":
        return
    runner = _runner(session)
    spec = runner.definition(process).steps.get(row.step)
    if spec is None:
        return
    _finish(runner, process, spec, row, now)
    runner.drain(now, user)


def on_transition(session: Session, ctx: TransitionContext) -> list[int]:
    """A document moved: resume the steps waiting for it, start the templates this
    transition triggers, and stop its other processes when it reached a final state.
    Returns the ids of the processes started."""
    document_type, document_id = document_ref(ctx.document)
    runner = _runner(session)

    def running() -> set[int]:
        return set(session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.document_type == document_type,
            ProcessInstance.document_id == document_id, ProcessInstance.status == "running")))

    running_before = running()
    # A document without a running process has no step waiting for it (the common case:
    # one query, not two).
    waiting = session.execute(
        select(ProcessStep, ProcessInstance).join(
            ProcessInstance, ProcessInstance.id == ProcessStep.process_id).where(
            ProcessInstance.id.in_(running_before), ProcessStep.status == "active",
            ProcessStep.kind == "wait")).all() if running_before else []
    for row, process in waiting:
        spec = runner.definition(process).steps.get(row.step)
        if spec is None:
            continue
        if spec.wait_transition == ctx.transition.name or spec.wait_state == ctx.target:
            _finish(runner, process, spec, row, ctx.now)
    # Transition steps that wait for the document to allow their move try again.
    held = session.execute(
        select(ProcessStep, ProcessInstance).join(
            ProcessInstance, ProcessInstance.id == ProcessStep.process_id).where(
            ProcessInstance.id.in_(running_before), ProcessStep.status == "active",
            ProcessStep.kind == "transition", ProcessStep.outcome == "waiting")
    ).all() if running_before else []
    for row, process in held:
        spec = runner.definition(process).steps.get(row.step)
        if spec is not None:
            _move_document(runner, process, runner.definition(process), spec, row, ctx.now)
    if waiting or held:  # a finished or moved step may have finished its process
        running_before = running()
    started = _start_triggered(session, ctx, document_type, document_id)
    runner.drain(ctx.now, ctx.user)
    state = ctx.machine.state(ctx.target)
    # The process whose own step made this transition finishes by itself.
    running_before.discard(getattr(ctx.process, "id", None))
    if state is not None and state.final and running_before:
        for process in session.scalars(select(ProcessInstance).where(
                ProcessInstance.id.in_(running_before), ProcessInstance.status == "running")):
            _cancel(session, process, ctx.now, ctx.user,
                    f"{ctx.machine.describe(ctx.document)} reached the final state "
                    f"{ctx.target!r}")
    return started


def _start_triggered(session: Session, ctx: TransitionContext, document_type: str,
                     document_id: int) -> list[int]:
    triggers = session.scalars(select(ProcessTrigger).join(ProcessTemplate).where(
        ProcessTrigger.kind == "transition", ProcessTrigger.document_type == document_type,
        ProcessTrigger.transition == ctx.transition.name, ProcessTemplate.current.is_(True))
        .order_by(ProcessTrigger.template_id, ProcessTrigger.position)).all()
    started: list[int] = []
    seen: set[int] = set()
    for trigger in triggers:
        template = trigger.template
        if template.id in seen:
            continue
        definition = definition_of(session, template)
        spec = next((t for t in definition.triggers if t.position == trigger.position), None)
        if spec is None:
            continue
        if spec.when is not None and not spec.when.test(
                lambda name: ctx.machine.field_value(ctx.document, name)):
            continue
        seen.add(template.id)
        already = session.scalar(select(ProcessInstance.id).where(
            ProcessInstance.template_name == template.name,
            ProcessInstance.document_type == document_type,
            ProcessInstance.document_id == document_id,
            ProcessInstance.status == "running"))
        if already is not None:
            continue  # the document went back and forth: its run continues
        process = _start(session, template, definition, ctx.document, ctx.user, ctx.now,
                         "transition")
        started.append(process.id)
    return started


def _cancel(session: Session, process: ProcessInstance, now: datetime, user: Any,
            reason: str) -> None:
    process.status = "cancelled"
    process.finished_at = now
    for row in _open_rows(session, process):
        row.status = "cancelled"
        row.finished_at = now
    for task in session.scalars(select(Task).where(Task.process_id == process.id,
                                                   Task.status.in_(OPEN_STATUSES))):
        close_cancelled(session, task, now, user, reason)
    record_event(session, "process_cancelled", now=now, user=user, document=_subject(process),
                 process_id=process.id,
                 text=f"Process '{process.template_name}' cancelled: {reason}")
    session.flush()


def cancel_process(session: Session, process_id: Any, *, reason: str = "",
                   user: Any = SESSION_USER, now: datetime | None = None) -> ProcessInstance:
    """Stop a running process and cancel its open tasks (``process.start``)."""
    user = session.info.get("user") if user is SESSION_USER else user
    require(user, "process.start")
    process = get_process(session, process_id)
    if process.status != "running":
        raise Conflict(f"process run {process.id} is {process.status}", code="process_finished")
    by = f"by {user.name}" if user is not None else "by the system"
    _cancel(session, process, now or utcnow(), user, reason.strip() or f"cancelled {by}")
    return process


def get_process(session: Session, process_id: Any) -> ProcessInstance:
    try:
        key = int(process_id)
    except (TypeError, ValueError):
        raise ValidationError(f"process: {process_id!r} is not a process run number",
                              field="process") from None
    process = session.get(ProcessInstance, key)
    if process is None:
        raise NotFound(f"process run {key} does not exist", field="process")
    return process


def run_due_schedules(session: Session, now: datetime) -> list[int]:
    """Start the processes whose schedule came due (once, however many runs were missed);
    returns the ids started. Safe with several workers: each due trigger is taken once."""
    query = (select(ProcessTrigger).join(ProcessTemplate).where(
        ProcessTrigger.kind == "schedule", ProcessTrigger.next_run_at <= now,
        ProcessTemplate.current.is_(True)).order_by(ProcessTrigger.id))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=ProcessTrigger, skip_locked=True)
    started = []
    for trigger in session.scalars(query).unique().all():
        template = trigger.template
        definition = definition_of(session, template)
        spec = next(t for t in definition.triggers if t.position == trigger.position)
        process = _start(session, template, definition, None, None, now, "schedule")
        started.append(process.id)
        trigger.last_run_at = now
        trigger.next_run_at = next_cron_time(spec.cron or "", now, spec.timezone)
    session.flush()
    return started


def list_processes(session: Session, *, status: str | None = "running",
                   template: str | None = None, document: tuple[str, int] | None = None,
                   limit: Any = None, offset: Any = None) -> Any:
    """A page of process runs, newest first (``task.read``)."""
    from sqlalchemy import func

    from ordercraft.core.services.queries import Page, page_bounds

    require(session.info.get("user"), "task.read")
    limit, offset = page_bounds(limit, offset)
    conditions = []
    if status is not None:
        conditions.append(ProcessInstance.status == status)
    if template is not None:
        conditions.append(ProcessInstance.template_name == template)
    if document is not None:
        conditions += [ProcessInstance.document_type == document[0],
                       ProcessInstance.document_id == int(document[1])]
    total = session.scalar(select(func.count(ProcessInstance.id)).where(*conditions)) or 0
    rows = list(session.scalars(select(ProcessInstance).where(*conditions)
                                .order_by(ProcessInstance.id.desc()).limit(limit)
                                .offset(offset)))
    return Page(rows, int(total), limit, offset)


def process_dict(session: Session, process: ProcessInstance, *,
                 details: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": process.id, "template": process.template_name,
        "version": process.template.version, "status": process.status,
        "document": (f"{process.document_type}:{process.document_id}"
                     if process.document_type else None),
        "trigger": process.trigger, "started_at": process.started_at.isoformat(timespec="minutes"),
        "finished_at": process.finished_at.isoformat(timespec="minutes")
        if process.finished_at else None,
    }
    if details:
        tasks = {t.step_id: t for t in session.scalars(select(Task).where(
            Task.process_id == process.id))}
        body["steps"] = [{"step": row.step, "kind": row.kind, "status": row.status,
                          "reached_at": row.reached_at.isoformat(timespec="minutes"),
                          "finished_at": row.finished_at.isoformat(timespec="minutes")
                          if row.finished_at else None, "outcome": row.outcome,
                          "task_id": tasks[row.id].id if row.id in tasks else None}
                         for row in process.steps]
    return body
