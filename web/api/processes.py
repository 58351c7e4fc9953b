"""``/api/v1/processes`` (templates: list, read, import, start) and
``/api/v1/process-runs`` (runs: list, read, cancel)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field, model_validator

from ordercraft.web.api import API_PREFIX, InputModel, OutputModel, Page, PageQuery, api_route, page
from ordercraft.web.extension import request_session

bp = Blueprint("api_processes", __name__, url_prefix=API_PREFIX)

NO_TEMPLATE = {404: "No process template has this name."}
NO_RUN = {404: "No process run has this id."}


class TemplateOut(OutputModel):
    name: str
    title: str
    version: int
    document_type: str | None
    triggers: list[str]
    steps: int
    running: int
    created_at: datetime
    created_by: str | None


class TaskSpecOut(OutputModel):
    title: str
    description: str
    assignee: str | None
    role: str | None
    rule: str
    assignee_field: str | None
    deadline_hours: float | None
    remind_before_hours: float | None
    checklist: list[str]


class BranchOut(OutputModel):
    condition: str | None = Field(validation_alias="if", description="The option's "
                                  "condition ('if' in the template); null for the else option.")
    next: str


class WaitOut(OutputModel):
    transition: str | None
    state: str | None


class StepOut(OutputModel):
    id: str
    kind: Literal["task", "wait", "branch", "transition"]
    label: str
    position: int
    next: list[str]
    after: list[str]
    task: TaskSpecOut | None = None
    wait: WaitOut | None = None
    branch: list[BranchOut] | None = None
    transition: str | None = None


class TemplateDetailOut(OutputModel):
    name: str
    title: str
    version: int
    description: str
    document_type: str | None
    triggers: list[str]
    running: int
    problem: str | None = Field(description="Why the template cannot run now (a plugin it "
                                "needs is disabled), or null.")
    steps: list[StepOut]
    definition: dict[str, Any] = Field(description="The template as data: what export writes "
                                       "and import reads.")


class TemplateIn(InputModel):
    """Either the template as JSON (``template``) or its YAML/JSON text (``text``)."""

    template: dict[str, Any] | None = None
    text: str | None = Field(None, max_length=200_000)
    format: Literal["yaml", "json"] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> TemplateIn:
        if (self.template is None) == (self.text is None):
            raise ValueError("give either template (an object) or text (YAML or JSON)")
        return self


class ImportOut(OutputModel):
    name: str
    version: int
    created: bool


class StartIn(InputModel):
    document: str | None = Field(None, max_length=80, description="TYPE:ID of the document "
                                 "the process is about, e.g. order:12.")


class RunQuery(PageQuery):
    status: Literal["running", "completed", "cancelled", "all"] = "running"
    template: str | None = Field(None, max_length=100)
    document: str | None = Field(None, max_length=80, description="TYPE:ID")


class RunStepOut(OutputModel):
    step: str
    kind: str
    status: str
    reached_at: datetime
    finished_at: datetime | None
    outcome: str | None
    task_id: int | None


class RunOut(OutputModel):
    id: int
    template: str
    version: int
    status: Literal["running", "completed", "cancelled"]
    document: str | None
    trigger: str
    started_at: datetime
    finished_at: datetime | None


class RunDetailOut(RunOut):
    steps: list[RunStepOut]


class CancelIn(InputModel):
    reason: str = Field("", max_length=2000)


@api_route(bp, "/processes", permission="task.read", response=list[TemplateOut])
def list_templates():
    """The process templates (current versions) with their running counts."""
    from ordercraft.core.workflow.processes import list_templates as find

    return find(request_session())


@api_route(bp, "/processes/<name>",
           permission="task.read", response=TemplateDetailOut, errors=NO_TEMPLATE)
def get_template(name: str):
    """A template with its steps, and its definition as data."""
    from ordercraft.core.workflow.processes import current_template, template_details

    session = request_session()
    details = template_details(session, name)
    return {**details, "definition": current_template(session, name).definition}


@api_route(bp, "/processes",
           permission="process.admin",
           methods=["POST"], body=TemplateIn, response=ImportOut, status=201,
           errors={400: "The template is not valid: error.details.errors lists every problem, "
                        "each naming its step.", 403: "Importing needs process.admin."})
def import_template(body: TemplateIn):
    """Import a template (a changed one becomes a new version; 200 when unchanged)."""
    from ordercraft.core.workflow.processes import import_template as store

    source = body.template if body.template is not None else body.text
    result = store(request_session(), source, fmt=body.format)
    answer = {"name": result.template.name, "version": result.template.version,
              "created": result.created}
    return answer if result.created else (answer, 200)


@api_route(bp, "/processes/<name>/runs",
           permission="process.start", methods=["POST"], body=StartIn, response=RunDetailOut,
           status=201, errors={**NO_TEMPLATE, 403: "Starting needs process.start.",
                               409: "The template has no manual trigger."})
def start(name: str, body: StartIn):
    """Start a process by hand."""
    from ordercraft.core.workflow.documents import parse_document_ref
    from ordercraft.core.workflow.engine import process_dict, start_process
    from ordercraft.core.workflow.machines import session_machines

    session = request_session()
    document = None
    if body.document:
        document = session_machines(session).load(session, *parse_document_ref(body.document))
    return process_dict(session, start_process(session, name, document=document),
                        details=True)


@api_route(bp, "/process-runs", permission="task.read", query=RunQuery, response=Page[RunOut])
def list_runs(query: RunQuery):
    """Process runs, newest first."""
    from ordercraft.core.workflow.documents import parse_document_ref
    from ordercraft.core.workflow.engine import list_processes, process_dict

    session = request_session()
    found = list_processes(session, status=None if query.status == "all" else query.status,
                           template=query.template,
                           document=parse_document_ref(query.document) if query.document
                           else None, limit=query.limit, offset=query.offset)
    return page([process_dict(session, p) for p in found.items], found.total, query)


@api_route(bp, "/process-runs/<int:run_id>",
           permission="task.read", response=RunDetailOut, errors=NO_RUN)
def get_run(run_id: int):
    """A process run with its steps."""
    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.engine import get_process, process_dict

    session = request_session()
    require_session_permission(session, "task.read")
    return process_dict(session, get_process(session, run_id), details=True)


@api_route(bp, "/process-runs/<int:run_id>/cancel",
           permission="process.start", methods=["POST"], body=CancelIn,
           response=RunOut, errors={**NO_RUN, 409: "The run is finished."})
def cancel(run_id: int, body: CancelIn):
    """Stop a running process and cancel its open tasks."""
    from ordercraft.core.workflow.engine import cancel_process, process_dict

    session = request_session()
    return process_dict(session, cancel_process(session, run_id, reason=body.reason))
