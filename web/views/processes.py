"""Business processes in the browser: the templates, a template's steps as a flow, its
export, starting it by hand, and a run's progress."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.i18n import gettext
from ordercraft.web.auth import permission_required
from ordercraft.web.extension import mark_failed, request_session
from ordercraft.web.pages import Pager, page_arguments
from ordercraft.web.views.documents import document_url

bp = Blueprint("processes", __name__, url_prefix="/processes")


@bp.get("/")
@permission_required("task.read")
def index():
    from ordercraft.core.workflow.engine import list_processes, process_dict
    from ordercraft.core.workflow.processes import list_templates

    session = request_session()
    limit, offset = page_arguments()
    runs = list_processes(session, status="running", limit=limit, offset=offset)
    pager = Pager(runs.total, limit, offset, "processes.index", {})
    return render_template("processes/list.html", templates=list_templates(session),
                           runs=_run_rows([process_dict(session, p) for p in runs.items]),
                           pager=pager)


def _run_rows(runs: list[dict]) -> list[dict]:
    """Runs with a link to, and the name of, the document each is about."""
    from ordercraft.core.workflow.documents import document_titles, parse_document_ref

    refs = {run["id"]: parse_document_ref(run["document"]) for run in runs if run["document"]}
    titles = document_titles(request_session(), refs.values())
    for run in runs:
        ref = refs.get(run["id"])
        if ref is not None:
            run["document_url"] = document_url(*ref)
            run["document_title"] = titles[ref]
    return runs


@bp.get("/<name>")
@permission_required("task.read")
def detail(name: str):
    from ordercraft.core.workflow.processes import template_details

    return render_template("processes/detail.html",
                           template=template_details(request_session(), name))


@bp.get("/<name>/export.<any(yaml, json):fmt>")
@permission_required("task.read")
def export(name: str, fmt: str):
    from ordercraft.core.workflow.processes import export_template

    text = export_template(request_session(), name, fmt)
    mimetype = "application/json" if fmt == "json" else "application/yaml"
    return Response(text, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@bp.post("/<name>/start")
@permission_required("process.start")
def start(name: str):
    from ordercraft.core.workflow.documents import parse_document_ref
    from ordercraft.core.workflow.engine import start_process
    from ordercraft.core.workflow.machines import session_machines

    session = request_session()
    raw = request.form.get("document", "").strip()
    try:
        document = (session_machines(session).load(session, *parse_document_ref(raw))
                    if raw else None)
        process = start_process(session, name, document=document)
    except OrdercraftError as exc:
        mark_failed()
        flash(exc.message, "error")
        return redirect(url_for("processes.detail", name=name), code=303)
    flash(gettext("Process run %(id)s started.", id=process.id), "success")
    return redirect(url_for("processes.run", run_id=process.id), code=303)


@bp.get("/runs/<int:run_id>")
@permission_required("task.read")
def run(run_id: int):
    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.engine import get_process, process_dict

    session = request_session()
    require_session_permission(session, "task.read")
    body = _run_rows([process_dict(session, get_process(session, run_id), details=True)])[0]
    return render_template("processes/run.html", run=body)
