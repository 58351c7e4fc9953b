"""``ordercraft process ...``, ``ordercraft tasks ...`` and ``ordercraft worker``.

Commands act as the site's owner (the system) unless ``--user NAME`` (or the
environment variable ``ORDERCRAFT_USER``) names a user: then that user's permissions
apply, exactly as in the web app and the API, and the timeline records them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ordercraft.core.cli.common import dumps, emit, json_option, ready_platform
from ordercraft.core.cli.records import page_text, record_text, value_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

TASK_COLUMNS = ["id", "title", "assignee", "role", "deadline", "status", "flags"]
TEMPLATE_COLUMNS = ["name", "title", "version", "document_type", "triggers", "steps", "running"]
RUN_COLUMNS = ["id", "template", "version", "status", "document", "trigger", "started_at"]


def user_option(function: Any) -> Any:
    return click.option("--user", "user_name", metavar="NAME", envvar="ORDERCRAFT_USER",
                        help="Act as this user (default: ORDERCRAFT_USER, else the site's "
                             "owner).")(function)


@contextmanager
def acting_session(user_name: str | None) -> Iterator[Session]:
    """One transaction acting as ``user_name`` (or as the system)."""
    from ordercraft.core.services.users import get_user

    with ready_platform().session() as session:
        if user_name:
            session.info["user"] = get_user(session, user_name)
        yield session


def _document_option(value: str | None) -> tuple[str, int] | None:
    from ordercraft.core.workflow.documents import parse_document_ref

    return parse_document_ref(value) if value else None


def _load_document(session: Session, ref: tuple[str, int] | None) -> Any:
    if ref is None:
        return None
    from ordercraft.core.workflow.machines import session_machines

    return session_machines(session).load(session, *ref)


# ------------------------------------------------------------------ process


@click.group("process")
def process_group() -> None:
    """Business-process templates (list, import, export, show) and their runs."""


@process_group.command("list")
@user_option
@json_option
def process_list(user_name: str | None, as_json: bool) -> None:
    """List the process templates (current versions)."""
    from ordercraft.core.workflow.processes import list_templates

    with acting_session(user_name) as session:
        templates = list_templates(session)
    document = {"ok": True, "templates": templates, "total": len(templates), "offset": 0}
    emit(as_json, document, lambda: page_text(document, "templates", TEMPLATE_COLUMNS))


@process_group.command("shipped")
@json_option
def process_shipped(as_json: bool) -> None:
    """List the templates that come with Ordercraft and the site's plugins."""
    from ordercraft.core.workflow.processes import shipped_templates

    shipped = shipped_templates(ready_platform())
    rows = [{"name": name, "file": str(path)} for name, path in shipped.items()]
    emit(as_json, {"ok": True, "templates": rows},
         lambda: page_text({"templates": rows, "total": len(rows), "offset": 0}, "templates",
                           ["name", "file"]))


@process_group.command("import")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--shipped", "shipped_name", metavar="NAME",
              help="Import a shipped template (see: ordercraft process shipped).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]),
              help="The file's format (default: from its extension or content).")
@user_option
@json_option
def process_import(file: Path | None, shipped_name: str | None, fmt: str | None,
                   user_name: str | None, as_json: bool) -> None:
    """Import a template from FILE (YAML or JSON); a changed template gets a new version."""
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.workflow.processes import import_template, shipped_templates

    if (file is None) == (shipped_name is None):
        raise ValidationError("give a FILE or --shipped NAME (not both)", field="file")
    if shipped_name is not None:
        found = shipped_templates(ready_platform())
        if shipped_name not in found:
            raise ValidationError(f"shipped: no shipped template {shipped_name!r} (shipped: "
                                  f"{', '.join(found) or 'none'})", field="shipped")
        file = found[shipped_name]
    assert file is not None
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"file: cannot read {str(file)!r}: {exc.strerror or exc}",
                              field="file") from None
    if fmt is None and file.suffix.lower() in (".json", ".yaml", ".yml"):
        fmt = "json" if file.suffix.lower() == ".json" else "yaml"
    with acting_session(user_name) as session:
        result = import_template(session, text, fmt=fmt, origin=file.name)
        template = result.template
        summary = {"name": template.name, "version": template.version,
                   "title": template.title, "created": result.created}
    text_out = (f"imported process template {summary['name']} version {summary['version']}"
                if result.created else
                f"process template {summary['name']} is unchanged (version "
                f"{summary['version']})")
    emit(as_json, {"ok": True, "template": summary}, text_out)


@process_group.command("export")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True)
@click.option("--version", "version", type=int, metavar="N",
              help="An older version (default: the current one).")
@user_option
@json_option
def process_export(name: str, fmt: str, version: int | None, user_name: str | None,
                   as_json: bool) -> None:
    """Print the template NAME as YAML or JSON (import it again to restore it)."""
    from ordercraft.core.workflow.processes import export_template

    with acting_session(user_name) as session:
        text = export_template(session, name, fmt, version)
    if as_json:
        emit(True, {"ok": True, "name": name, "format": fmt, "text": text})
    else:
        click.echo(text, nl=False)


@process_group.command("show")
@click.argument("name")
@user_option
@json_option
def process_show(name: str, user_name: str | None, as_json: bool) -> None:
    """Show the template NAME with its triggers and steps."""
    from ordercraft.core.workflow.processes import template_details

    with acting_session(user_name) as session:
        details = template_details(session, name)
    emit(as_json, {"ok": True, "template": details}, lambda: _template_text(details))


def _template_text(details: dict[str, Any]) -> str:
    lines = [record_text(details, ["name", "title", "version", "document_type", "triggers",
                                   "running"])]
    if details.get("description"):
        lines.append(f"\n{details['description']}")
    if details.get("problem"):
        lines.append(f"\nproblem: {details['problem']}")
    lines.append("\nsteps:")
    for step in details["steps"]:
        head = f"  {step['position']}. {step['id']} [{step['kind']}] {step['label']}"
        lines.append(head)
        task = step.get("task")
        if task:
            who = task["assignee"] or " or ".join(filter(None, [
                task["assignee_field"] and f"field {task['assignee_field']}",
                task["role"] and f"role {task['role']} ({task['rule']})"]))
            deadline = f", deadline {task['deadline_hours']:g}h" if task["deadline_hours"] else ""
            lines.append(f"       for {who}{deadline}")
            for item in task["checklist"]:
                lines.append(f"       [ ] {item}")
        if step["kind"] == "branch":
            for option in step["branch"]:
                lines.append(f"       {'if ' + option['if'] if option['if'] else 'else'} -> "
                             f"{option['next']}")
        elif step["next"]:
            lines.append(f"       next: {', '.join(step['next'])}")
        if step["after"]:
            lines.append(f"       after: {', '.join(step['after'])}")
    return "\n".join(lines)


@process_group.command("start")
@click.argument("name")
@click.option("--document", metavar="TYPE:ID", help="The document it is about, e.g. order:12.")
@user_option
@json_option
def process_start(name: str, document: str | None, user_name: str | None,
                  as_json: bool) -> None:
    """Start the process NAME by hand."""
    from ordercraft.core.workflow.engine import process_dict, start_process

    ref = _document_option(document)
    with acting_session(user_name) as session:
        process = start_process(session, name, document=_load_document(session, ref))
        body = process_dict(session, process, details=True)
    emit(as_json, {"ok": True, "process": body},
         f"started process run {body['id']} of {name}"
         + (f" for {body['document']}" if body["document"] else ""))


@process_group.command("runs")
@click.option("--status", type=click.Choice(["running", "completed", "cancelled", "all"]),
              default="running", show_default=True)
@click.option("--template", metavar="NAME", help="Only runs of this template.")
@click.option("--document", metavar="TYPE:ID", help="Only runs about this document.")
@click.option("--limit", metavar="N", help="At most N runs (default 50).")
@click.option("--offset", metavar="N", help="Skip the first N runs.")
@user_option
@json_option
def process_runs(status: str, template: str | None, document: str | None, limit: str | None,
                 offset: str | None, user_name: str | None, as_json: bool) -> None:
    """List process runs, newest first."""
    from ordercraft.core.workflow.engine import list_processes, process_dict

    ref = _document_option(document)
    with acting_session(user_name) as session:
        page = list_processes(session, status=None if status == "all" else status,
                              template=template, document=ref, limit=limit, offset=offset)
        body = page.to_dict("runs", lambda p: process_dict(session, p))
    emit(as_json, {"ok": True, **body}, lambda: page_text(body, "runs", RUN_COLUMNS))


@process_group.command("status")
@click.argument("run_id", metavar="ID")
@user_option
@json_option
def process_status(run_id: str, user_name: str | None, as_json: bool) -> None:
    """Show a process run and its steps."""
    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.engine import get_process, process_dict

    with acting_session(user_name) as session:
        require_session_permission(session, "task.read")
        body = process_dict(session, get_process(session, run_id), details=True)

    def text() -> str:
        head = record_text(body, ["id", "template", "version", "status", "document", "trigger",
                                  "started_at", "finished_at"])
        rows = [{**step, "task": step["task_id"]} for step in body["steps"]]
        return head + "\n\n" + page_text({"steps": rows, "total": len(rows), "offset": 0},
                                         "steps", ["step", "kind", "status", "reached_at",
                                                   "finished_at", "outcome", "task"])

    emit(as_json, {"ok": True, "process": body}, text)


@process_group.command("cancel")
@click.argument("run_id", metavar="ID")
@click.option("--reason", default="", help="Why (shown on the timeline).")
@user_option
@json_option
def process_cancel(run_id: str, reason: str, user_name: str | None, as_json: bool) -> None:
    """Stop a running process and cancel its open tasks."""
    from ordercraft.core.workflow.engine import cancel_process, process_dict

    with acting_session(user_name) as session:
        body = process_dict(session, cancel_process(session, run_id, reason=reason))
    emit(as_json, {"ok": True, "process": body}, f"cancelled process run {body['id']}")


# ------------------------------------------------------------------ tasks


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
    ref = _document_option(document)
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
    from datetime import datetime, timezone

    from ordercraft.core.db import utcnow
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.workflow.processes import parse_duration

    if value and due_in:
        raise ValidationError("deadline: give --deadline or --due-in, not both", field="deadline")
    if due_in:
        try:
            return utcnow() + parse_duration(due_in)
        except ValueError as exc:
            raise ValidationError(f"due-in: {exc}", field="due_in") from None
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"deadline: {value!r} is not a date and time such as "
                              "2024-05-02 17:00 (UTC)", field="deadline") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


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
    refs = [_document_option(d) for d in documents]
    now = utcnow()
    with acting_session(user_name) as session:
        docs = [_load_document(session, ref) for ref in refs]
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


# ------------------------------------------------------------------ documents (for plugins)


def document_commands(document_type: str) -> list[click.Command]:
    """``transition``, ``transitions`` and ``timeline`` commands for a plugin's document
    group: ``order_group.add_command(c) for c in document_commands("order")`` gives
    ``ordercraft order transition 12 confirm``, ``order transitions 12``, ``order timeline 12``."""

    @click.command("transition")
    @click.argument("document_id", metavar="ID", type=int)
    @click.argument("name")
    @click.option("--reason", help="Why (required by some transitions, e.g. cancel).")
    @user_option
    @json_option
    def transition_command(document_id: int, name: str, reason: str | None,
                           user_name: str | None, as_json: bool) -> None:
        """Move the document ID by the transition NAME."""
        from ordercraft.core.workflow.documents import transition

        with acting_session(user_name) as session:
            document = _load_document(session, (document_type, document_id))
            result = transition(session, document, name, reason=reason)
        emit(as_json, {"ok": True, "transition": result.as_dict()},
             f"{document_type} {document_id}: {result.source} -> {result.target}")

    @click.command("transitions")
    @click.argument("document_id", metavar="ID", type=int)
    @user_option
    @json_option
    def transitions_command(document_id: int, user_name: str | None, as_json: bool) -> None:
        """The transitions that leave the document's state, and whether you may take them."""
        from ordercraft.core.workflow.documents import available_transitions

        with acting_session(user_name) as session:
            document = _load_document(session, (document_type, document_id))
            state = document.state
            options = [o.as_dict() for o in available_transitions(session, document)]
        rows = [{**o, "allowed": o["allowed"], "why not": o["reason"]} for o in options]
        emit(as_json, {"ok": True, "state": state, "transitions": options},
             lambda: f"state: {state}\n" + page_text(
                 {"transitions": rows, "total": len(rows), "offset": 0}, "transitions",
                 ["name", "target", "allowed", "why not"]))

    @click.command("timeline")
    @click.argument("document_id", metavar="ID", type=int)
    @click.option("--limit", metavar="N")
    @click.option("--offset", metavar="N")
    @click.option("--newest-first", is_flag=True)
    @user_option
    @json_option
    def timeline_command(document_id: int, limit: str | None, offset: str | None,
                         newest_first: bool, user_name: str | None, as_json: bool) -> None:
        """The document's history: transitions, tasks, comments, changes."""
        from ordercraft.core.permissions import require_session_permission
        from ordercraft.core.workflow.timeline import document_timeline

        with acting_session(user_name) as session:
            require_session_permission(session, "task.read")
            _load_document(session, (document_type, document_id))
            page = document_timeline(session, document_type, document_id, limit=limit,
                                     offset=offset, newest_first=newest_first)
        body = page.to_dict("entries", dict)
        emit(as_json, {"ok": True, **body}, lambda: page_text(
            {**body, "entries": [{**e, "at": e["at"].replace("T", " ")}
                                 for e in body["entries"]]},
            "entries", ["at", "user", "kind", "text"]))

    return [transition_command, transitions_command, timeline_command]


# ------------------------------------------------------------------ worker


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every job once and exit (for cron).")
@click.option("--interval", type=click.FloatRange(1, 86400), default=60, show_default=True,
              help="Seconds between two runs of each job.")
@json_option
def worker_command(once: bool, interval: float, as_json: bool) -> None:
    """Run the background jobs (escalations, reminders, scheduled processes) until stopped."""
    from ordercraft.core import scheduler

    platform = ready_platform()
    if once:
        results = scheduler.run_jobs_once(platform)
        emit(as_json, {"ok": True, "jobs": results},
             "\n".join(f"{name}: {len(ids)}" for name, ids in results.items()))
        return
    import logging
    import signal
    import sys
    import threading

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    stop = threading.Event()
    # Ctrl+C and SIGTERM end the wait below, whenever they come: no KeyboardInterrupt
    # half-way through a job.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    running = scheduler.start(platform, interval=interval)
    if as_json:
        click.echo(dumps({"ok": True, "jobs": scheduler.describe(running)}))
    else:
        click.echo(f"worker running: {', '.join(job.name for job in scheduler.JOBS)} every "
                   f"{interval:g}s (Ctrl+C to stop)")
    sys.stdout.flush()
    try:
        stop.wait()
    finally:
        running.shutdown()
    click.echo("worker stopped", err=True)
