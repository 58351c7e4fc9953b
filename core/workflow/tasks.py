"""Tasks: who does what by when, about which documents.

A task is assigned to a user, or to a role (anyone holding it may pick it up while
nobody is assigned). Processes create most tasks; people create others by hand. Who may
work on a task (start, tick, finish): its assignee; anyone holding its role while it
is unassigned; the user it was escalated to; the assignee's manager; and users with
the permission ``task.assign`` (who may also reassign it). Every change lands on the
timelines of the documents the task links to.

Services take ``now`` (naive UTC) so that tests and the scheduler control the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ordercraft.core.db import utcnow
from ordercraft.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ordercraft.core.models import Role, User, user_roles
from ordercraft.core.permissions import has_permission, require
from ordercraft.core.services.queries import Page, page_bounds
from ordercraft.core.workflow.documents import SESSION_USER, document_ref
from ordercraft.core.workflow.models import OPEN_STATUSES, Task, TaskLink
from ordercraft.core.workflow.timeline import record_event

STATUS_FILTERS = ("open", "in_progress", "done", "cancelled", "all")
MAX_TITLE = 300


def _acting(session: Session, user: Any) -> Any:
    return session.info.get("user") if user is SESSION_USER else user


def _name(user: Any) -> str:
    return user.name if user is not None else "nobody"


def _notify(session: Session, task: Task, kind: str, recipient: User | None,
            now: datetime) -> None:
    platform = session.info.get("platform")
    if recipient is not None and platform is not None:
        platform.hooks.task_notification(session=session, task=task, kind=kind,
                                         recipient=recipient, now=now)


# ------------------------------------------------------------------ assignment


def pick_assignee(session: Session, role: str, rule: str = "least_loaded") -> User | None:
    """The active user holding ``role`` chosen by ``rule`` (``None`` when nobody holds it,
    or for ``pool``: the task stays with the role).

    ``least_loaded``: fewest open tasks, then the lowest id. ``round_robin``: the holder
    who was last given a task of this role longest ago (never first).
    """
    if rule == "pool":
        return None
    holders = (select(User.id).join(user_roles, user_roles.c.user_id == User.id)
               .join(Role, Role.id == user_roles.c.role_id)
               .where(Role.name == role, User.active.is_(True)))
    if rule == "least_loaded":
        load = func.count(Task.id)
        query = (select(User.id).outerjoin(Task, and_(Task.assignee_id == User.id,
                                                      Task.status.in_(OPEN_STATUSES)))
                 .where(User.id.in_(holders)).group_by(User.id).order_by(load, User.id).limit(1))
    elif rule == "round_robin":
        last = func.coalesce(func.max(Task.id), 0)
        query = (select(User.id).outerjoin(Task, and_(Task.assignee_id == User.id,
                                                      Task.role == role))
                 .where(User.id.in_(holders)).group_by(User.id).order_by(last, User.id).limit(1))
    else:
        raise ValidationError(f"rule: {rule!r} is not one of least_loaded, round_robin, pool",
                              field="rule")
    user_id = session.scalar(query)
    return session.get(User, user_id) if user_id is not None else None


def _user(session: Session, name: str, field: str = "assignee") -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"{field}: user {name!r} does not exist", field=field)
    if not user.active:
        raise ValidationError(f"{field}: user {name!r} is not active", field=field)
    return user


def _documents(documents: Iterable[Any]) -> list[tuple[str, int]]:
    refs: list[tuple[str, int]] = []
    for document in documents:
        if isinstance(document, tuple):
            ref = (str(document[0]), int(document[1]))
        else:
            ref = document_ref(document)
        if ref not in refs:
            refs.append(ref)
    return refs


def new_task(session: Session, *, title: str, now: datetime, assignee: User | None = None,
             role: str | None = None, deadline: datetime | None = None,
             remind_at: datetime | None = None, checklist: Sequence[str] = (),
             documents: Iterable[Any] = (), description: str = "", user: Any = None,
             process_id: int | None = None, step_id: int | None = None) -> Task:
    """Create a task without checking permissions (the callers do: a person's request, or a
    process the site's administrator set up)."""
    title = (title or "").strip()
    if not title:
        raise ValidationError("title: a task needs a title", field="title")
    if len(title) > MAX_TITLE:
        raise ValidationError(f"title: at most {MAX_TITLE} characters ({len(title)} given)",
                              field="title")
    if remind_at is not None and deadline is not None and remind_at > deadline:
        raise ValidationError("remind_at: the reminder comes after the deadline",
                              field="remind_at")
    task = Task(title=title, description=description or "", status="open", assignee=assignee,
                role=role, deadline=deadline, remind_at=remind_at,
                checklist=[{"text": str(item), "done": False} for item in checklist],
                created_at=now, created_by_id=getattr(user, "id", None), process_id=process_id,
                step_id=step_id)
    task.links = [TaskLink(document_type=t, document_id=i) for t, i in _documents(documents)]
    session.add(task)
    session.flush()
    who = assignee.name if assignee is not None else f"anyone with the role {role}"
    if assignee is not None and role:
        who += f" ({role})"
    due = f", due {deadline.isoformat(sep=' ', timespec='minutes')}" if deadline else ""
    record_event(session, "task_created", now=now, user=user, task_id=task.id,
                 process_id=process_id, text=f"Task '{task.title}' for {who}{due}",
                 data={"assignee": getattr(assignee, "name", None), "role": role,
                       "deadline": deadline.isoformat() if deadline else None})
    _notify(session, task, "assigned", assignee, now)
    return task


def create_task(session: Session, title: str, *, assignee: str | None = None,
                role: str | None = None, rule: str = "least_loaded",
                deadline: datetime | None = None, remind_at: datetime | None = None,
                checklist: Sequence[str] = (), documents: Iterable[Any] = (),
                description: str = "", user: Any = SESSION_USER,
                now: datetime | None = None) -> Task:
    """A task made by a person (``task.write``): for a user, or for a role (chosen by
    ``rule`` among its holders; ``pool`` leaves it to whoever picks it up)."""
    user = _acting(session, user)
    require(user, "task.write")
    now = now or utcnow()
    if assignee is None and role is None:
        raise ValidationError("assignee: give an assignee or a role", field="assignee")
    chosen = None
    if role is not None:
        if session.scalar(select(Role.id).where(Role.name == role)) is None:
            raise ValidationError(f"role: {role!r} is not a role", field="role")
    if assignee is not None:
        chosen = _user(session, assignee)
    elif role is not None:
        chosen = pick_assignee(session, role, rule)
    if deadline is not None and deadline < now:
        raise ValidationError(f"deadline: {deadline.isoformat(sep=' ')} is in the past",
                              field="deadline")
    return new_task(session, title=title, now=now, assignee=chosen, role=role,
                    deadline=deadline, remind_at=remind_at, checklist=checklist,
                    documents=documents, description=description, user=user)


# ------------------------------------------------------------------ reading


def get_task(session: Session, task_id: Any, *, for_update: bool = False) -> Task:
    try:
        key = int(task_id)
    except (TypeError, ValueError):
        raise ValidationError(f"task: {task_id!r} is not a task number", field="task") from None
    query = select(Task).where(Task.id == key)
    if for_update:
        query = query.with_for_update(of=Task)
    task = session.scalar(query)
    if task is None:
        raise NotFound(f"task {key} does not exist", field="task")
    return task


def list_tasks(session: Session, *, mine: User | None = None, assignee: User | None = None,
               role: str | None = None, overdue: bool = False, status: str = "open",
               document: tuple[str, int] | None = None, process_id: int | None = None,
               now: datetime | None = None, limit: Any = None,
               offset: Any = None) -> Page[Task]:
    """A page of tasks, soonest deadline first (so overdue ones come first), then those
    without a deadline. Needs ``task.read``.

    :param mine: the tasks ``mine`` should act on: assigned to them, unassigned tasks of
        their roles, and tasks escalated to them.
    :param status: ``open`` (open or in progress, the default), ``in_progress``, ``done``,
        ``cancelled`` or ``all``.
    :param overdue: only open tasks whose deadline has passed.
    """
    require(session.info.get("user"), "task.read")
    if status not in STATUS_FILTERS:
        raise ValidationError(f"status: {status!r} is not one of {', '.join(STATUS_FILTERS)}",
                              field="status")
    limit, offset = page_bounds(limit, offset)
    now = now or utcnow()
    conditions: list[Any] = []
    if overdue or status == "open":
        conditions.append(Task.status.in_(OPEN_STATUSES))
    elif status != "all":
        conditions.append(Task.status == status)
    if overdue:
        conditions.append(Task.deadline < now)
    if mine is not None:
        roles = mine.role_names
        conditions.append(or_(Task.assignee_id == mine.id, Task.escalated_to_id == mine.id,
                              and_(Task.assignee_id.is_(None), Task.role.in_(roles))))
    if assignee is not None:
        conditions.append(Task.assignee_id == assignee.id)
    if role is not None:
        conditions.append(Task.role == role)
    if document is not None:
        conditions.append(Task.id.in_(select(TaskLink.task_id).where(
            TaskLink.document_type == document[0], TaskLink.document_id == int(document[1]))))
    if process_id is not None:
        conditions.append(Task.process_id == process_id)
    if status in ("done", "cancelled"):
        order = (Task.finished_at.desc(), Task.id.desc())
    elif overdue:  # every row has a deadline
        order = (Task.deadline, Task.id)
    else:
        order = (Task.deadline.is_(None), Task.deadline, Task.id)
    total = session.scalar(select(func.count(Task.id)).where(*conditions)) or 0
    # The page's ids first, sorted on the narrow index rows; then those tasks whole, with
    # their people and links (three more queries whatever the page size).
    ids = list(session.scalars(select(Task.id).where(*conditions).order_by(*order)
                               .limit(limit).offset(offset)))
    # The people's roles are not needed to show a task: not loaded (one query less).
    people = (joinedload(Task.assignee).lazyload(User.roles),
              joinedload(Task.escalated_to).lazyload(User.roles))
    loaded = {task.id: task for task in session.scalars(
        select(Task).where(Task.id.in_(ids)).options(*people))} if ids else {}
    return Page([loaded[task_id] for task_id in ids], int(total), limit, offset)


def task_dict(task: Task, now: datetime, *, details: bool = False,
              session: Session | None = None) -> dict[str, Any]:
    """A task as plain data; ``details`` adds its history (needs ``session``)."""
    body: dict[str, Any] = {
        "id": task.id, "title": task.title, "status": task.status,
        "assignee": task.assignee.name if task.assignee else None, "role": task.role,
        "deadline": task.deadline.isoformat(timespec="minutes") if task.deadline else None,
        "overdue": task.is_overdue(now),
        "escalated_to": task.escalated_to.name if task.escalated_to else None,
        "escalated_at": task.escalated_at.isoformat(timespec="minutes")
        if task.escalated_at else None,
        "checklist": [dict(item) for item in task.checklist or []],
        "documents": [{"document_type": link.document_type, "document_id": link.document_id}
                      for link in task.links],
        "process_id": task.process_id,
        "created_at": task.created_at.isoformat(timespec="minutes"),
        "finished_at": task.finished_at.isoformat(timespec="minutes")
        if task.finished_at else None,
    }
    if details and session is not None:
        from ordercraft.core.workflow.timeline import task_history

        body["description"] = task.description
        body["remind_at"] = task.remind_at.isoformat(timespec="minutes") if task.remind_at else None
        body["process"] = ({"id": task.process.id, "template": task.process.template_name,
                            "status": task.process.status} if task.process else None)
        body["history"] = task_history(session, task.id)
    return body


# ------------------------------------------------------------------ working on a task


def may_work_on(user: Any, task: Task) -> bool:
    """Whether ``user`` may start, tick and finish ``task`` (``None``: the system may)."""
    if user is None:
        return True
    if not has_permission(user, "task.write"):
        return False
    if task.assignee_id == user.id or task.escalated_to_id == user.id:
        return True
    if task.assignee_id is None and task.role and task.role in user.role_names:
        return True
    if has_permission(user, "task.assign"):
        return True
    return task.assignee is not None and task.assignee.manager_id == user.id


def may_reassign(user: Any, task: Task) -> bool:
    """Whether ``user`` may give ``task`` to someone else."""
    if user is None:
        return True
    return has_permission(user, "task.assign") or (
        task.assignee is not None and task.assignee.manager_id == user.id)


def _require_work(user: Any, task: Task, verb: str) -> None:
    if not may_work_on(user, task):
        holder = (f"it is assigned to {task.assignee.name!r}" if task.assignee
                  else f"it is for the role {task.role!r}" if task.role else "it is unassigned")
        raise PermissionDenied(f"user {user.name!r} may not {verb} task {task.id}: {holder}")


def _require_open(task: Task, verb: str) -> None:
    if not task.is_open:
        raise Conflict(f"task {task.id} is {task.status.replace('_', ' ')}: it cannot be "
                       f"{verb}", code="task_closed", details={"status": task.status})


def start_task(session: Session, task_id: Any, *, user: Any = SESSION_USER,
               now: datetime | None = None) -> Task:
    """Mark a task in progress; an unassigned task is taken by the user who starts it."""
    user, now = _acting(session, user), now or utcnow()
    task = get_task(session, task_id, for_update=True)
    _require_work(user, task, "start")
    _require_open(task, "started")
    if task.status == "in_progress":
        return task
    task.status = "in_progress"
    task.started_at = now
    if task.assignee_id is None and user is not None:
        task.assignee = user
    record_event(session, "task_started", now=now, user=user, task_id=task.id,
                 process_id=task.process_id, text=f"Task '{task.title}' started")
    session.flush()
    return task


def check_item(session: Session, task_id: Any, number: int, done: bool = True, *,
               user: Any = SESSION_USER, now: datetime | None = None) -> Task:
    """Tick (or untick) checklist item ``number`` (counted from 1)."""
    user, now = _acting(session, user), now or utcnow()
    task = get_task(session, task_id, for_update=True)
    _require_work(user, task, "tick items of")
    _require_open(task, "changed")
    items = [dict(item) for item in task.checklist or []]
    if not 1 <= number <= len(items):
        raise ValidationError(f"item: task {task.id} has {len(items)} checklist item"
                              f"{'' if len(items) == 1 else 's'}; {number} is not one of them",
                              field="item")
    items[number - 1]["done"] = bool(done)
    task.checklist = items
    record_event(session, "task_checked", now=now, user=user, task_id=task.id,
                 process_id=task.process_id,
                 text=f"{'Ticked' if done else 'Unticked'}: {items[number - 1]['text']}",
                 data={"item": number, "done": bool(done)})
    session.flush()
    return task


def complete_task(session: Session, task_id: Any, *, user: Any = SESSION_USER,
                  now: datetime | None = None, check_all: bool = False) -> Task:
    """Finish a task. Refused while checklist items are unticked (unless ``check_all``).
    A process task moves its process on, inside the same transaction."""
    user, now = _acting(session, user), now or utcnow()
    task = get_task(session, task_id, for_update=True)
    _require_work(user, task, "finish")
    _require_open(task, "finished")
    items = [dict(item) for item in task.checklist or []]
    missing = [item["text"] for item in items if not item.get("done")]
    if missing and not check_all:
        raise Conflict(f"task {task.id} has unticked checklist items: "
                       + "; ".join(repr(text) for text in missing)
                       + " (tick them, or finish with check_all / --check-all)",
                       code="checklist_incomplete", details={"unticked": missing})
    # A savepoint: when the process refuses to move on, the task stays open, even for a
    # caller that catches the error and goes on with its transaction.
    with session.begin_nested():
        if missing:
            task.checklist = [{**item, "done": True} for item in items]
        task.status = "done"
        task.finished_at = now
        task.finished_by_id = getattr(user, "id", None)
        if task.assignee_id is None and user is not None:
            task.assignee = user
        late = task.deadline is not None and now > task.deadline
        record_event(session, "task_done", now=now, user=user, task_id=task.id,
                     process_id=task.process_id,
                     text=f"Task '{task.title}' done" + (" (late)" if late else ""),
                     data={"late": late or None})
        session.flush()
        if task.step_id is not None:
            from ordercraft.core.workflow import engine

            engine.on_task_finished(session, task, now=now, user=user)
    return task


def cancel_task(session: Session, task_id: Any, *, reason: str = "", user: Any = SESSION_USER,
                now: datetime | None = None) -> Task:
    """Cancel a task made by hand (``task.assign`` or its creator). A process's task is
    cancelled with its process."""
    user, now = _acting(session, user), now or utcnow()
    task = get_task(session, task_id, for_update=True)
    if user is not None and not (has_permission(user, "task.assign")
                                 or task.created_by_id == user.id):
        raise PermissionDenied(f"user {user.name!r} may not cancel task {task.id}: it needs "
                               "the permission 'task.assign' or to have made the task")
    _require_open(task, "cancelled")
    if task.step_id is not None:
        raise Conflict(f"task {task.id} belongs to process run {task.process_id}: cancel the "
                       f"process (ordercraft process cancel {task.process_id}) or finish the "
                       "task", code="task_of_process")
    close_cancelled(session, task, now, user, reason)
    return task


def close_cancelled(session: Session, task: Task, now: datetime, user: Any,
                    reason: str = "") -> None:
    """Mark a task cancelled (no permission check: its process or its canceller decided)."""
    task.status = "cancelled"
    task.finished_at = now
    task.finished_by_id = getattr(user, "id", None)
    record_event(session, "task_cancelled", now=now, user=user, task_id=task.id,
                 process_id=task.process_id,
                 text=f"Task '{task.title}' cancelled" + (f": {reason}" if reason else ""))


def reassign_task(session: Session, task_id: Any, to: str, *, user: Any = SESSION_USER,
                  now: datetime | None = None) -> Task:
    """Give a task to another user (``task.assign``, or the current assignee's manager)."""
    user, now = _acting(session, user), now or utcnow()
    task = get_task(session, task_id, for_update=True)
    if not may_reassign(user, task):
        raise PermissionDenied(f"user {user.name!r} may not reassign task {task.id}: it needs "
                               "the permission 'task.assign' or to manage its assignee")
    _require_open(task, "reassigned")
    new = _user(session, to, field="to")
    previous = task.assignee
    if previous is not None and previous.id == new.id:
        return task
    task.assignee = new
    # The new assignee starts afresh: an escalation was about the previous one.
    task.escalated_at = None
    task.escalated_to = None
    record_event(session, "task_reassigned", now=now, user=user, task_id=task.id,
                 process_id=task.process_id,
                 text=f"Task '{task.title}' reassigned from {_name(previous)} to {new.name}",
                 data={"from": getattr(previous, "name", None), "to": new.name})
    session.flush()
    _notify(session, task, "assigned", new, now)
    return task


def comment_task(session: Session, task_id: Any, text: str, *, user: Any = SESSION_USER,
                 now: datetime | None = None) -> int:
    """A comment on a task (and on the timelines of its documents); returns its id."""
    user, now = _acting(session, user), now or utcnow()
    require(user, "task.write")
    task = get_task(session, task_id)
    text = (text or "").strip()
    if not text:
        raise ValidationError("text: a comment cannot be empty", field="text")
    row = record_event(session, "comment", now=now, user=user, task_id=task.id,
                       process_id=task.process_id, text=text)
    session.flush()
    return row.id


# ------------------------------------------------------------------ timers


def _due(session: Session, condition: Any, limit: int) -> list[Task]:
    query = select(Task).where(Task.status.in_(OPEN_STATUSES), condition).order_by(Task.id)
    query = query.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Two workers never handle the same task; each takes the rows the other has not.
        query = query.with_for_update(of=Task, skip_locked=True)
    return list(session.scalars(query))


def escalate_overdue(session: Session, now: datetime, *, limit: int = 500) -> list[int]:
    """Escalate open tasks past their deadline to their assignee's manager, once each.

    A task without an assignee, or whose assignee has no manager, is marked escalated
    with nobody to tell (the timeline says so). Returns the ids escalated.
    """
    tasks = _due(session, and_(Task.deadline < now, Task.escalated_at.is_(None)), limit)
    manager_ids = {t.assignee.manager_id for t in tasks if t.assignee and t.assignee.manager_id}
    managers = {u.id: u for u in session.scalars(select(User).where(User.id.in_(manager_ids)))
                } if manager_ids else {}
    for task in tasks:
        manager = managers.get(task.assignee.manager_id) if task.assignee else None
        if manager is not None and not manager.active:
            manager = None
        task.escalated_at = now
        task.escalated_to = manager
        due = task.deadline.isoformat(sep=" ", timespec="minutes")  # type: ignore[union-attr]
        target = (f"escalated to {manager.name}" if manager else
                  "nobody to escalate to (" + (f"{task.assignee.name} has no manager)"
                                               if task.assignee else "no assignee)"))
        record_event(session, "task_escalated", now=now, task_id=task.id,
                     process_id=task.process_id,
                     text=f"Task '{task.title}' is overdue (due {due}): {target}",
                     data={"to": getattr(manager, "name", None),
                           "assignee": getattr(task.assignee, "name", None)})
        _notify(session, task, "escalated", manager, now)
    session.flush()
    return [task.id for task in tasks]


def send_reminders(session: Session, now: datetime, *, limit: int = 500) -> list[int]:
    """Remind assignees of tasks whose reminder time has come, once each."""
    tasks = _due(session, and_(Task.remind_at <= now, Task.reminded_at.is_(None)), limit)
    for task in tasks:
        task.reminded_at = now
        due = (task.deadline.isoformat(sep=" ", timespec="minutes") if task.deadline
               else "no deadline")
        record_event(session, "task_reminded", now=now, task_id=task.id,
                     process_id=task.process_id,
                     text=f"Reminder to {_name(task.assignee)}: task '{task.title}' is due {due}")
        _notify(session, task, "reminder", task.assignee, now)
    session.flush()
    return [task.id for task in tasks]
