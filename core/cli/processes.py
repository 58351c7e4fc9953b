"""``ordercraft process ...``: business-process templates (list, shipped, import, export,
show) and their runs (start, runs, status, cancel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ordercraft.core.cli.acting import acting_session, user_option
from ordercraft.core.cli.common import emit, json_option, ready_platform
from ordercraft.core.cli.documents import load_document, parse_document_option
from ordercraft.core.cli.records import page_text, record_text

TEMPLATE_COLUMNS = ["name", "title", "version", "document_type", "triggers", "steps", "running"]
RUN_COLUMNS = ["id", "template", "version", "status", "document", "trigger", "started_at"]


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
    rows = [{"name": name, "file": str(path)} for name, path in sorted(shipped.items())]
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

    ref = parse_document_option(document)
    with acting_session(user_name) as session:
        process = start_process(session, name, document=load_document(session, ref))
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

    ref = parse_document_option(document)
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
