"""``ordercraft tasks ...``: list (mine, overdue, by document), show, add, start, check,
done, reassign, comment, cancel."""

from __future__ import annotations

from typing import Any

import click

from ordercraft.core.cli.acting import acting_session, user_option
from ordercraft.core.cli.common import emit, json_option
from ordercraft.core.cli.documents import load_document, parse_document_option
from ordercraft.core.cli.records import page_text, record_text, value_text

TASK_COLUMNS = ["id", "title", "assignee", "role", "deadline", "status", "flags"]


@click.group("tasks")
def tasks_group() -> None:
    """Tasks: list, show, add, start, check, done, reassign, comment, cancel."""


def _task_rows(document: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for task in document["tasks"]:
        flags = [f for f, on in (("overdue", task["overdue"]),
                                 ("escalated", bool(task["escalated_to"]))) if on]
        rows.append({**task, "flags": flags, "deadline": (task["deadline"] or "").replace(
            "T", " ") or None})
    return {**document, "tasks": rows}


@tasks_group.command("list")
@click.option("--mine", is_flag=True,
              help="Tasks for the user (--user or ORDERCRAFT_USER): assigned to them, open "
                   "tasks of their roles, and tasks escalated to them.")
@click.option("--assignee", metavar="NAME", help="Only tasks assigned to this user.")
@click.option("--role", metavar="ROLE", help="Only tasks for this role.")
@click.option("--overdue", is_flag=True, help="Only open tasks past their deadline.")
@click.option("--status", type=click.Choice(["open", "in_progress", "done", "cancelled", "all"]),
              default="open", show_default=True,
              help="open includes tasks in progress.")
@click.option("--document", metavar="TYPE:ID", help="Only tasks about this document.")
@click.option("--limit", metavar="N", help="At most N tasks (default 50, at most 1000).")
@click.option("--offset", metavar="N", help="Skip the first N tasks.")
@user_option
@json_option
def tasks_list(mine: bool, assignee: str | None, role: str | None, overdue: bool, status: str,
               document: str | None, limit: str | None, offset: str | None,
               user_name: str | None, as_json: bool) -> None:
    """List tasks, soonest deadline first (overdue ones first)."""
    from ordercraft.core.db import utcnow
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.services.users import get_user
    from ordercraft.core.workflow.tasks import list_tasks, task_dict

    if mine and not user_name:
        raise ValidationError("--mine needs a user: pass --user NAME or set ORDERCRAFT_USER",
                              field="user")
    ref = parse_document_option(document)
    now = utcnow()
    with acting_session(user_name) as session:
        page = list_tasks(session, mine=session.info["user"] if mine else None,
                          assignee=get_user(session, assignee) if assignee else None,
                          role=role, overdue=overdue, status=status, document=ref, now=now,
                          limit=limit, offset=offset)
        body = page.to_dict("tasks", lambda t: task_dict(t, now))
    emit(as_json, {"ok": True, **body},
         lambda: page_text(_task_rows(body), "tasks", TASK_COLUMNS))


@tasks_group.command("show")
@click.argument("task_id", metavar="ID")
@user_option
@json_option
def tasks_show(task_id: str, user_name: str | None, as_json: bool) -> None:
    """Show a task with its checklist, documents and history."""
    from ordercraft.core.db import utcnow
    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.tasks import get_task, task_dict

    now = utcnow()
    with acting_session(user_name) as session:
        require_session_permission(session, "task.read")
        body = task_dict(get_task(session, task_id), now, details=True, session=session)
    emit(as_json, {"ok": True, "task": body}, lambda: _task_text(body))


def _task_text(task: dict[str, Any]) -> str:
    keys = ["id", "title", "status", "assignee", "role", "deadline", "overdue", "escalated_to",
            "process_id", "created_at", "finished_at"]
    lines = [record_text(task, keys)]
    if task.get("description"):
        lines.append(f"\n{task['description']}")
    if task["documents"]:
        lines.append("\ndocuments: " + ", ".join(
            f"{d['document_type']}:{d['document_id']}" for d in task["documents"]))
    if task["checklist"]:
        lines.append("\nchecklist:")
        lines += [f"  {n}. [{'x' if item['done'] else ' '}] {item['text']}"
                  for n, item in enumerate(task["checklist"], start=1)]
    if task.get("history"):
        lines.append("\nhistory:")
        lines += [f"  {e['at'].replace('T', ' ')}  {value_text(e['user'])}  {e['text']}"
                  for e in task["history"]]
    return "\n".join(lines)


def _deadline(value: str | None, due_in: str | None) -> Any:
    from ordercraft.core.db import utcnow
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.services.fields import moment
    from ordercraft.core.workflow.schedule import parse_duration

    if value and due_in:
        raise ValidationError("deadline: give --deadline or --due-in, not both", field="deadline")
    if due_in:
        try:
            return utcnow() + parse_duration(due_in)
        except ValueError as exc:
            raise ValidationError(f"due-in: {exc}", field="due_in") from None
    return moment(value, field="deadline")


@tasks_group.command("add")
@click.argument("title")
@click.option("--assignee", metavar="NAME", help="The user who does it.")
@click.option("--role", metavar="ROLE", help="The role it is for (an assignee is chosen by "
              "--rule unless --assignee is given).")
@click.option("--rule", type=click.Choice(["least_loaded", "round_robin", "pool"]),
              default="least_loaded", show_default=True)
@click.option("--deadline", metavar="WHEN", help="e.g. '2024-05-02 17:00' (UTC).")
@click.option("--due-in", metavar="DURATION", help="e.g. 4h, 1d, 2w.")
@click.option("--check", "checklist", multiple=True, metavar="ITEM",
              help="A checklist item (repeat the option for several).")
@click.option("--document", "documents", multiple=True, metavar="TYPE:ID",
              help="A document it is about (repeat for several).")
@click.option("--description", default="", help="Longer text.")
@user_option
@json_option
def tasks_add(title: str, assignee: str | None, role: str | None, rule: str,
              deadline: str | None, due_in: str | None, checklist: tuple[str, ...],
              documents: tuple[str, ...], description: str, user_name: str | None,
              as_json: bool) -> None:
    """Add a task by hand."""
    from ordercraft.core.db import utcnow
    from ordercraft.core.workflow.tasks import create_task, task_dict

    when = _deadline(deadline, due_in)
    refs = [parse_document_option(d) for d in documents]
    now = utcnow()
    with acting_session(user_name) as session:
        docs = [load_document(session, ref) for ref in refs]
        task = create_task(session, title, assignee=assignee, role=role, rule=rule,
                           deadline=when, checklist=checklist, documents=docs,
                           description=description, now=now)
        body = task_dict(task, now)
    emit(as_json, {"ok": True, "task": body},
         f"added task {body['id']} for {body['assignee'] or 'role ' + str(body['role'])}")


def _emit_task(task: Any, as_json: bool, text: str) -> None:
    from ordercraft.core.db import utcnow
    from ordercraft.core.workflow.tasks import task_dict

    emit(as_json, {"ok": True, "task": task_dict(task, utcnow())}, text)


@tasks_group.command("start")
@click.argument("task_id", metavar="ID")
@user_option
@json_option
def tasks_start(task_id: str, user_name: str | None, as_json: bool) -> None:
    """Mark a task in progress (an unassigned task becomes yours)."""
    from ordercraft.core.workflow.tasks import start_task

    with acting_session(user_name) as session:
        task = start_task(session, task_id)
        _emit_task(task, as_json, f"task {task.id} is in progress")


@tasks_group.command("check")
@click.argument("task_id", metavar="ID")
@click.argument("items", nargs=-1, type=int, required=True)
@click.option("--undo", is_flag=True, help="Untick the items instead.")
@user_option
@json_option
def tasks_check(task_id: str, items: tuple[int, ...], undo: bool, user_name: str | None,
                as_json: bool) -> None:
    """Tick checklist ITEMS (numbers from 'tasks show') of a task."""
    from ordercraft.core.workflow.tasks import check_item

    with acting_session(user_name) as session:
        task = None
        for number in items:
            task = check_item(session, task_id, number, done=not undo)
        assert task is not None
        done = sum(1 for item in task.checklist if item.get("done"))
        _emit_task(task, as_json, f"task {task.id}: {done} of {len(task.checklist)} items ticked")


@tasks_group.command("done")
@click.argument("task_id", metavar="ID")
@click.option("--check-all", is_flag=True, help="Tick every checklist item too.")
@user_option
@json_option
def tasks_done(task_id: str, check_all: bool, user_name: str | None, as_json: bool) -> None:
    """Finish a task (a process task moves its process on)."""
    from ordercraft.core.workflow.tasks import complete_task

    with acting_session(user_name) as session:
        task = complete_task(session, task_id, check_all=check_all)
        _emit_task(task, as_json, f"task {task.id} is done")


@tasks_group.command("reassign")
@click.argument("task_id", metavar="ID")
@click.option("--to", "to", required=True, metavar="USER", help="The new assignee.")
@user_option
@json_option
def tasks_reassign(task_id: str, to: str, user_name: str | None, as_json: bool) -> None:
    """Give a task to another user."""
    from ordercraft.core.workflow.tasks import reassign_task

    with acting_session(user_name) as session:
        task = reassign_task(session, task_id, to)
        _emit_task(task, as_json, f"task {task.id} is assigned to {to}")


@tasks_group.command("comment")
@click.argument("task_id", metavar="ID")
@click.argument("text")
@user_option
@json_option
def tasks_comment(task_id: str, text: str, user_name: str | None, as_json: bool) -> None:
    """Comment on a task (the comment shows on its documents' timelines too)."""
    from ordercraft.core.workflow.tasks import comment_task

    with acting_session(user_name) as session:
        comment_id = comment_task(session, task_id, text)
    emit(as_json, {"ok": True, "task_id": int(task_id), "comment_id": comment_id},
         f"commented on task {task_id}")


@tasks_group.command("cancel")
@click.argument("task_id", metavar="ID")
@click.option("--reason", default="", help="Why (shown in the history).")
@user_option
@json_option
def tasks_cancel(task_id: str, reason: str, user_name: str | None, as_json: bool) -> None:
    """Cancel a task made by hand."""
    from ordercraft.core.workflow.tasks import cancel_task

    with acting_session(user_name) as session:
        task = cancel_task(session, task_id, reason=reason)
        _emit_task(task, as_json, f"task {task.id} is cancelled")
