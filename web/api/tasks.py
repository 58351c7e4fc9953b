"""``/api/v1/tasks``: list ("mine", overdue, filters), read, create, start, tick, done,
reassign, comment, cancel. The services decide who may do what."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field, field_validator

from ordercraft.core.db import utcnow
from ordercraft.core.services.fields import moment
from ordercraft.web.api import API_PREFIX, InputModel, OutputModel, Page, PageQuery, api_route, page
from ordercraft.web.api.workflow import TaskDetailOut, TaskOut
from ordercraft.web.extension import request_session

bp = Blueprint("api_tasks", __name__, url_prefix=API_PREFIX)

NOT_FOUND = {404: "No task has this id."}


class TaskQuery(PageQuery):
    scope: Literal["mine", "all"] = Field("mine", description="mine: assigned to the caller, "
                                          "open tasks of their roles and tasks escalated to "
                                          "them; all: everyone's.")
    overdue: bool = Field(False, description="Only open tasks past their deadline.")
    status: Literal["open", "in_progress", "done", "cancelled", "all"] = Field(
        "open", description="open includes the tasks in progress.")
    assignee: str | None = Field(None, max_length=100, description="A user name.")
    role: str | None = Field(None, max_length=50)
    document: str | None = Field(None, max_length=80, description="TYPE:ID, e.g. order:12.")


class TaskIn(InputModel):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=10_000)
    assignee: str | None = Field(None, max_length=100, description="A user name.")
    role: str | None = Field(None, max_length=50, description="The role it is for; without "
                             "an assignee, one is chosen by the rule.")
    rule: Literal["least_loaded", "round_robin", "pool"] = "least_loaded"
    deadline: datetime | None = Field(None, description="ISO 8601; without a zone, UTC.")
    checklist: list[str] = Field(default_factory=list)
    documents: list[str] = Field(default_factory=list, description="TYPE:ID of the documents "
                                 "it is about.")

    @field_validator("deadline", mode="before")
    @classmethod
    def _moment(cls, value: Any) -> datetime | None:
        # The parser the CLI and forms use: ISO 8601, converted to naive UTC.
        return moment(value, field="deadline")


class DoneIn(InputModel):
    check_all: bool = Field(False, description="Tick every checklist item too.")


class CheckIn(InputModel):
    done: bool = True


class ReassignIn(InputModel):
    to: str = Field(min_length=1, max_length=100, description="The new assignee's user name.")


class CommentIn(InputModel):
    text: str = Field(min_length=1, max_length=10_000)


class CancelIn(InputModel):
    reason: str = Field("", max_length=2000)


class CommentOut(OutputModel):
    id: int
    task_id: int


def _task(task: Any, details: bool = False) -> dict[str, Any]:
    from ordercraft.core.workflow.tasks import task_dict

    return task_dict(task, utcnow(), details=details, session=request_session())


def _documents(refs: list[str]) -> list[Any]:
    from ordercraft.core.workflow.documents import parse_document_ref
    from ordercraft.core.workflow.machines import session_machines

    session = request_session()
    machines = session_machines(session)
    return [machines.load(session, *parse_document_ref(ref)) for ref in refs]


@api_route(bp, "/tasks", permission="task.read", query=TaskQuery, response=Page[TaskOut])
def list_tasks(query: TaskQuery):
    """Tasks, soonest deadline first (overdue ones first); by default the caller's."""
    from ordercraft.core.services.users import get_user
    from ordercraft.core.workflow.documents import parse_document_ref
    from ordercraft.core.workflow.tasks import list_tasks as find

    session = request_session()
    found = find(session, mine=session.info["user"] if query.scope == "mine" else None,
                 assignee=get_user(session, query.assignee) if query.assignee else None,
                 role=query.role, overdue=query.overdue, status=query.status,
                 document=parse_document_ref(query.document) if query.document else None,
                 now=utcnow(), limit=query.limit, offset=query.offset)
    return page([_task(t) for t in found.items], found.total, query)


@api_route(bp, "/tasks/<int:task_id>",
           permission="task.read", response=TaskDetailOut, errors=NOT_FOUND)
def get_task(task_id: int):
    """One task with its description, process and history."""
    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.tasks import get_task as find

    require_session_permission(request_session(), "task.read")
    return _task(find(request_session(), task_id), details=True)


@api_route(bp, "/tasks",
           permission="task.write",
           methods=["POST"], body=TaskIn, response=TaskDetailOut, status=201,
           errors={404: "A user or document named does not exist."})
def create_task(body: TaskIn):
    """Create a task for a user or a role."""
    from ordercraft.core.workflow.tasks import create_task as create

    task = create(request_session(), body.title, assignee=body.assignee, role=body.role,
                  rule=body.rule, deadline=body.deadline, checklist=body.checklist,
                  documents=_documents(body.documents), description=body.description)
    return _task(task, details=True)


@api_route(bp, "/tasks/<int:task_id>/start",
           permission="task.write", methods=["POST"], response=TaskOut,
           errors={**NOT_FOUND, 403: "The caller may not work on this task.",
                   409: "The task is finished."})
def start_task(task_id: int):
    """Mark a task in progress (an unassigned task becomes the caller's)."""
    from ordercraft.core.workflow.tasks import start_task as start

    return _task(start(request_session(), task_id))


@api_route(bp, "/tasks/<int:task_id>/checklist/<int:number>",
           permission="task.write", methods=["POST"], body=CheckIn,
           response=TaskOut, errors={**NOT_FOUND, 403: "The caller may not work on this task.",
                                     409: "The task is finished."})
def check_item(task_id: int, number: int, body: CheckIn):
    """Tick (or untick) checklist item NUMBER (counted from 1)."""
    from ordercraft.core.workflow.tasks import check_item as check

    return _task(check(request_session(), task_id, number, body.done))


@api_route(bp, "/tasks/<int:task_id>/done",
           permission="task.write", methods=["POST"], body=DoneIn, response=TaskOut,
           errors={**NOT_FOUND, 403: "The caller may not work on this task.",
                   409: "The task is finished, has unticked checklist items, or its process "
                        "cannot move on."})
def done(task_id: int, body: DoneIn):
    """Finish a task; a process task moves its process on."""
    from ordercraft.core.workflow.tasks import complete_task

    return _task(complete_task(request_session(), task_id, check_all=body.check_all))


@api_route(bp, "/tasks/<int:task_id>/reassign",
           permission="task.write", methods=["POST"], body=ReassignIn,
           response=TaskOut, errors={**NOT_FOUND, 403: "The caller may not reassign it."})
def reassign(task_id: int, body: ReassignIn):
    """Give a task to another user."""
    from ordercraft.core.workflow.tasks import reassign_task

    return _task(reassign_task(request_session(), task_id, body.to))


@api_route(bp, "/tasks/<int:task_id>/comments",
           permission="task.write", methods=["POST"], body=CommentIn,
           response=CommentOut, status=201, errors=NOT_FOUND)
def comment(task_id: int, body: CommentIn):
    """Comment on a task (also shown on its documents' timelines)."""
    from ordercraft.core.workflow.tasks import comment_task

    return {"id": comment_task(request_session(), task_id, body.text), "task_id": task_id}


@api_route(bp, "/tasks/<int:task_id>/cancel",
           permission="task.write", methods=["POST"], body=CancelIn,
           response=TaskOut, errors={**NOT_FOUND, 403: "The caller may not cancel it.",
                                     409: "The task is finished or belongs to a process."})
def cancel(task_id: int, body: CancelIn):
    """Cancel a task made by hand."""
    from ordercraft.core.workflow.tasks import cancel_task

    return _task(cancel_task(request_session(), task_id, reason=body.reason))
