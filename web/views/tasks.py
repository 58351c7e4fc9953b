"""Tasks in the browser: "My tasks" (overdue first), everyone's overdue tasks, a task's
page with its checklist, comments and history, and the actions on it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.core.db import utcnow
from ordercraft.core.errors import OrdercraftError
from ordercraft.core.i18n import gettext
from ordercraft.web.auth import current_user, permission_required
from ordercraft.web.extension import mark_failed, request_session
from ordercraft.web.formatting import datetime_filter
from ordercraft.web.pages import Pager, page_arguments
from ordercraft.web.views.documents import document_url

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

#: The tabs of the task list: (key, label).
VIEWS = [("mine", "My tasks"), ("overdue", "Overdue"), ("open", "All open"), ("done", "Done")]


def due_label(deadline: datetime | None, now: datetime, is_open: bool = True) -> str:
    """"overdue by 3 h", "in 2 d", "in 40 min"; the deadline itself for finished tasks."""
    if deadline is None:
        return "no deadline"
    if not is_open:
        return datetime_filter(deadline)
    delta = deadline - now
    late = delta < timedelta(0)
    span = abs(delta)
    if span >= timedelta(days=2):
        amount = f"{span.days} d"
    elif span >= timedelta(hours=1):
        amount = f"{int(span.total_seconds() // 3600)} h"
    else:
        amount = f"{max(int(span.total_seconds() // 60), 1)} min"
    return f"overdue by {amount}" if late else f"in {amount}"


def task_rows(tasks: list[Any], now: datetime) -> list[dict[str, Any]]:
    """Tasks as list rows, their documents named with one query per document type."""
    from ordercraft.core.workflow.documents import document_titles

    titles = document_titles(request_session(), [(link.document_type, link.document_id)
                                                 for task in tasks for link in task.links])
    return [task_row(task, now, titles) for task in tasks]


def task_row(task: Any, now: datetime,
             titles: dict[tuple[str, int], str] | None = None) -> dict[str, Any]:
    """A task as a list row: its data plus labels and links for the page."""
    from ordercraft.core.workflow.tasks import task_dict

    titles = titles or {}
    row = task_dict(task, now)
    items = row["checklist"]
    row["due_label"] = due_label(task.deadline, now, task.is_open)
    row["deadline_text"] = datetime_filter(task.deadline) if task.deadline else ""
    row["checklist_label"] = (f"{sum(1 for i in items if i['done'])}/{len(items)}"
                              if items else "")
    row["document_links"] = [
        {"label": titles.get((d["document_type"], d["document_id"]),
                             f"{d['document_type'].replace('_', ' ')} {d['document_id']}"),
         "url": document_url(d["document_type"], d["document_id"])} for d in row["documents"]]
    return row


@bp.get("/")
@permission_required("task.read")
def index():
    from ordercraft.core.workflow.tasks import list_tasks

    view = request.args.get("view", "mine")
    if view not in dict(VIEWS):
        view = "mine"
    limit, offset = page_arguments()
    session = request_session()
    now = utcnow()
    user = current_user()
    filters: dict[str, Any] = {
        "mine": {"mine": user}, "overdue": {"overdue": True}, "open": {},
        "done": {"status": "done"}}[view]
    found = list_tasks(session, now=now, limit=limit, offset=offset, **filters)
    overdue_mine = list_tasks(session, mine=user, overdue=True, now=now, limit=1).total
    pager = Pager(found.total, limit, offset, "tasks.index", {"view": view})
    return render_template("tasks/list.html", rows=task_rows(found.items, now),
                           pager=pager, view=view, views=VIEWS, overdue_mine=overdue_mine,
                           user_id=user.id if user else None)


@bp.get("/<int:task_id>")
@permission_required("task.read")
def detail(task_id: int):
    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.services.users import list_users
    from ordercraft.core.workflow.tasks import get_task, may_reassign, may_work_on, task_dict

    session = request_session()
    require_session_permission(session, "task.read")
    task = get_task(session, task_id)
    now = utcnow()
    user = current_user()
    body = task_dict(task, now, details=True, session=session)
    row = task_rows([task], now)[0]
    may_assign = user is not None and may_reassign(user, task)
    people = [u.name for u in list_users(session) if u.active] if may_assign else []
    return render_template("tasks/detail.html", task=body, row=row, now=now,
                           may_work=may_work_on(user, task) and task.is_open,
                           may_assign=may_assign and task.is_open, people=people)


def _act(task_id: int, action: Any, success: str) -> Any:
    """Run one task service from a form; come back to the task (or ``next``) with a notice."""
    from ordercraft.web.auth import safe_next

    back = safe_next(request.form.get("next") or url_for("tasks.detail", task_id=task_id))
    try:
        action(request_session())
    except OrdercraftError as exc:
        mark_failed()
        flash(exc.message, "error")
        return redirect(back, code=303)
    flash(success, "success")
    return redirect(back, code=303)


@bp.post("/<int:task_id>/done")
@permission_required("task.write")
def done(task_id: int):
    from ordercraft.core.workflow.tasks import complete_task

    check_all = request.form.get("check_all") == "1"
    return _act(task_id, lambda s: complete_task(s, task_id, check_all=check_all),
                gettext("Task %(id)s is done.", id=task_id))


@bp.post("/<int:task_id>/start")
@permission_required("task.write")
def start(task_id: int):
    from ordercraft.core.workflow.tasks import start_task

    return _act(task_id, lambda s: start_task(s, task_id), gettext("Task %(id)s is in progress.", id=task_id))


@bp.post("/<int:task_id>/check/<int:number>")
@permission_required("task.write")
def check(task_id: int, number: int):
    from ordercraft.core.workflow.tasks import check_item

    done_flag = request.form.get("done", "1") == "1"
    return _act(task_id, lambda s: check_item(s, task_id, number, done_flag),
                gettext("Ticked.") if done_flag else gettext("Unticked."))


@bp.post("/<int:task_id>/reassign")
@permission_required("task.write")
def reassign(task_id: int):
    from ordercraft.core.workflow.tasks import reassign_task

    to = request.form.get("to", "").strip()
    return _act(task_id, lambda s: reassign_task(s, task_id, to),
                gettext("Task %(id)s was given to %(person)s.", id=task_id, person=to))


@bp.post("/<int:task_id>/comments")
@permission_required("task.write")
def comment(task_id: int):
    from ordercraft.core.workflow.tasks import comment_task

    text = request.form.get("text", "")
    return _act(task_id, lambda s: comment_task(s, task_id, text), gettext("The comment was added."))
