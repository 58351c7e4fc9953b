"""The workflow in the JSON API: models shared by tasks, processes and documents, and
``workflow_routes`` — the transitions and timeline routes of a plugin's document type.

A plugin adds them to its API blueprint in one line::

    api_bp = Blueprint("sales_api", __name__, url_prefix="/api/v1")
    workflow_routes(api_bp, "orders", "order")

which gives, checked by the same services as everything else:

* ``GET  /api/v1/orders/{id}/transitions`` — the order's state and the transitions that
  leave it, each with whether the caller may take it and why not;
* ``POST /api/v1/orders/{id}/transitions/{name}`` — body ``{"reason": ..., "data": {...}}``
  (both optional); 409 ``transition_not_allowed`` lists the allowed ones in
  ``error.details.allowed``; 403 when the caller lacks the permission or role;
* ``GET  /api/v1/orders/{id}/timeline?limit=&offset=&newest_first=``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from ordercraft.web.api import InputModel, OutputModel, Page, PageQuery, api_route, page
from ordercraft.web.extension import request_session


class DocumentRef(OutputModel):
    document_type: str
    document_id: int


class ChecklistItem(OutputModel):
    text: str
    done: bool


class TimelineEntryOut(OutputModel):
    source: Literal["event", "audit"] = Field(description="event: the workflow's own "
                                              "record; audit: a change of the document's "
                                              "fields.")
    id: int
    at: datetime
    kind: str = Field(description="transition, comment, task_created, task_done, ..., "
                                  "or audit_create / audit_update / audit_delete.")
    user: str | None
    task_id: int | None
    process_id: int | None
    text: str
    data: dict[str, Any]


class TimelineQuery(PageQuery):
    newest_first: bool = Field(False, description="Newest entries first (default: oldest).")


class TaskOut(OutputModel):
    id: int
    title: str
    status: Literal["open", "in_progress", "done", "cancelled"]
    assignee: str | None
    role: str | None
    deadline: datetime | None
    overdue: bool
    escalated_to: str | None
    escalated_at: datetime | None
    checklist: list[ChecklistItem]
    documents: list[DocumentRef]
    process_id: int | None
    created_at: datetime
    finished_at: datetime | None


class ProcessRef(OutputModel):
    id: int
    template: str
    status: str


class TaskDetailOut(TaskOut):
    description: str
    remind_at: datetime | None
    process: ProcessRef | None
    history: list[TimelineEntryOut]


class TransitionIn(InputModel):
    reason: str | None = Field(None, max_length=2000, description="Why; required by "
                               "transitions that say requires_reason.")
    data: dict[str, Any] = Field(default_factory=dict, description="Extra input the "
                                 "document type's actions read (e.g. lines to ship).")


class TransitionOut(OutputModel):
    document_type: str
    document_id: int
    transition: str
    source: str
    target: str
    at: datetime
    started_processes: list[int]


class AvailableTransitionOut(OutputModel):
    name: str
    label: str
    target: str
    allowed: bool
    reason: str | None = Field(description="Why the caller may not take it.")
    requires_reason: bool
    style: str


class TransitionsOut(OutputModel):
    document_type: str
    document_id: int
    state: str
    transitions: list[AvailableTransitionOut]


def load_document(document_type: str, document_id: int) -> Any:
    """The document, for a caller allowed to read it (403 otherwise, 404 when missing)."""
    from ordercraft.core.workflow.documents import open_document

    return open_document(request_session(), document_type, document_id)


def transitions_body(document_type: str, document_id: int) -> dict[str, Any]:
    from ordercraft.core.workflow.documents import available_transitions

    document = load_document(document_type, document_id)
    return {"document_type": document_type, "document_id": document_id,
            "state": document.state,
            "transitions": [o.as_dict() for o in available_transitions(request_session(),
                                                                       document)]}


def make_transition(document_type: str, document_id: int, name: str,
                    body: TransitionIn) -> dict[str, Any]:
    from ordercraft.core.workflow.documents import transition

    document = load_document(document_type, document_id)
    return transition(request_session(), document, name, reason=body.reason,
                      data=body.data).as_dict()


def timeline_body(document_type: str, document_id: int, query: TimelineQuery) -> dict[str, Any]:
    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.timeline import document_timeline

    session = request_session()
    require_session_permission(session, "task.read")
    load_document(document_type, document_id)
    found = document_timeline(session, document_type, document_id, limit=query.limit,
                              offset=query.offset, newest_first=query.newest_first)
    return page(found.items, found.total, query)


def workflow_routes(bp: Blueprint, noun: str, document_type: str) -> None:
    """Add the transitions and timeline routes of ``document_type`` under ``/<noun>`` to
    ``bp`` (a blueprint with ``url_prefix="/api/v1"``)."""
    label = document_type.replace("_", " ")
    not_found = {404: f"No {label} has this id, or it has no such transition."}

    @api_route(bp, f"/{noun}/<int:document_id>/transitions", response=TransitionsOut,
               errors={404: f"No {label} has this id."}, endpoint=f"{noun}_transitions",
               document_type=document_type,
               summary=f"The {label}'s state and the transitions that leave it.")
    def list_transitions(document_id: int) -> dict[str, Any]:
        return transitions_body(document_type, document_id)

    @api_route(bp, f"/{noun}/<int:document_id>/transitions/<name>", methods=["POST"],
               body=TransitionIn, response=TransitionOut, endpoint=f"{noun}_transition",
               document_type=document_type,
               summary=f"Move the {label} by a transition.",
               errors={**not_found, 403: "The caller lacks the transition's permission or "
                                         "role.",
                       409: "Not allowed from the current state (error.details.allowed "
                            "lists what is), or a condition or guard refused it."})
    def post_transition(document_id: int, name: str, body: TransitionIn) -> dict[str, Any]:
        return make_transition(document_type, document_id, name, body)

    @api_route(bp, f"/{noun}/<int:document_id>/timeline", query=TimelineQuery,
               response=Page[TimelineEntryOut], errors={404: f"No {label} has this id."},
               endpoint=f"{noun}_timeline", document_type=document_type,
               summary=f"The {label}'s history: transitions, tasks, comments, changes.")
    def timeline(document_id: int, query: TimelineQuery) -> dict[str, Any]:
        return timeline_body(document_type, document_id, query)
