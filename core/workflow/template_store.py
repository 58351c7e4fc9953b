"""Storing process templates: the shipped ones, import (versioned), export and listing.

The database side of templates: each import of a changed definition becomes the
current version (earlier versions stay for the processes that run on them); a stored
template is compiled (:mod:`template_compiler`) against the site's current state
machines when it is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordercraft.core.errors import NotFound, ValidationError
from ordercraft.core.workflow.schedule import next_cron_time
from ordercraft.core.workflow.template_compiler import (
    ProcessDefinition,
    ValidationContext,
    compile_template,
    dump_template,
    parse_template_text,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.workflow.models import ProcessTemplate

SHIPPED = Path(__file__).parent / "templates"


def shipped_templates(platform: Any = None) -> dict[str, Path]:
    """Templates that come with Ordercraft and with the site's plugins (hook
    ``process_templates``): name -> file. A name shipped twice is a plugin error."""
    from ordercraft.core.errors import PluginError

    found = {path.stem: path for path in sorted(SHIPPED.glob("*.yaml"))}
    owners = dict.fromkeys(found, "core")
    if platform is not None:
        for plugin, raw in platform.hooks.process_templates():
            path = Path(raw)
            if path.stem in found:
                raise PluginError(f"plugin {plugin!r} ships process template {path.stem!r}, "
                                  f"already shipped by {owners[path.stem]!r}")
            if not path.is_file():
                raise PluginError(f"plugin {plugin!r} ships process template {str(path)!r}, "
                                  "which is not a file")
            found[path.stem] = path
            owners[path.stem] = plugin
    return found


# ------------------------------------------------------------------ the database side


def validation_context(session: Session) -> ValidationContext:
    from sqlalchemy import select

    from ordercraft.core.models import Role, User
    from ordercraft.core.permissions import ROLE_NAMES
    from ordercraft.core.workflow.machines import session_machines

    users = set(session.scalars(select(User.name).where(User.active.is_(True))))
    roles = set(session.scalars(select(Role.name))) | set(ROLE_NAMES)
    return ValidationContext(session_machines(session), users, roles)


def definition_of(session: Session, template: ProcessTemplate) -> ProcessDefinition:
    """A stored template, compiled against the site's current state machines."""
    from ordercraft.core.workflow.machines import session_machines

    return compile_template(template.definition, ValidationContext(session_machines(session)))


def current_template(session: Session, name: str) -> ProcessTemplate:
    from sqlalchemy import select

    from ordercraft.core.workflow.models import ProcessTemplate

    row = session.scalar(select(ProcessTemplate).where(ProcessTemplate.name == name,
                                                       ProcessTemplate.current.is_(True)))
    if row is None:
        names = list(session.scalars(select(ProcessTemplate.name)
                                     .where(ProcessTemplate.current.is_(True))
                                     .order_by(ProcessTemplate.name)))
        raise NotFound(f"process template {name!r} does not exist (templates: "
                       f"{', '.join(names) or 'none'})", code="unknown_template", field="name")
    return row


@dataclass(frozen=True)
class ImportResult:
    template: ProcessTemplate
    #: False when the same definition was already the current version.
    created: bool


def import_template(session: Session, source: str | dict[str, Any], *, fmt: str | None = None,
                    origin: str = "template", now: datetime | None = None,
                    user: Any = None) -> ImportResult:
    """Validate and store a template (a new version when the name exists and it changed).

    Needs the permission ``process.admin``. Raises :class:`TemplateError` pointing at the
    step when the template is not valid; nothing is stored then.
    """
    from sqlalchemy import delete, func, select, update

    from ordercraft.core.db import utcnow
    from ordercraft.core.permissions import require
    from ordercraft.core.workflow.models import ProcessTemplate, ProcessTrigger

    user = session.info.get("user") if user is None else user
    require(user, "process.admin")
    now = now or utcnow()
    data = parse_template_text(source, fmt, origin=origin) if isinstance(source, str) else source
    definition = compile_template(data, validation_context(session))
    existing = session.scalar(select(ProcessTemplate).where(
        ProcessTemplate.name == definition.name, ProcessTemplate.current.is_(True))
        .with_for_update())
    if existing is not None and existing.definition == data:
        return ImportResult(existing, created=False)
    version = (session.scalar(select(func.max(ProcessTemplate.version))
                              .where(ProcessTemplate.name == definition.name)) or 0) + 1
    if existing is not None:
        session.execute(update(ProcessTemplate).where(ProcessTemplate.name == definition.name)
                        .values(current=False))
        session.execute(delete(ProcessTrigger).where(ProcessTrigger.template_id == existing.id))
    row = ProcessTemplate(name=definition.name, version=version, title=definition.title,
                          document_type=definition.document_type, definition=data,
                          current=True, created_at=now,
                          created_by=getattr(user, "name", "") or "")
    session.add(row)
    session.flush()
    for trigger in definition.triggers:
        if trigger.kind == "transition":
            session.add(ProcessTrigger(template_id=row.id, position=trigger.position,
                                       kind="transition", document_type=definition.document_type,
                                       transition=trigger.transition))
        elif trigger.kind == "schedule":
            session.add(ProcessTrigger(template_id=row.id, position=trigger.position,
                                       kind="schedule", cron=trigger.cron,
                                       next_run_at=next_cron_time(trigger.cron or "", now,
                                                                  trigger.timezone)))
    session.flush()
    return ImportResult(row, created=True)


def import_shipped(session: Session, names: Iterable[str] | None = None, *,
                   now: datetime | None = None) -> tuple[list[ImportResult], list[str]]:
    """Import the shipped templates (all, or ``names``) whose document types exist on this
    site; returns the results and the messages of those left out (the demo uses it)."""
    from ordercraft.core.workflow.machines import session_machines

    shipped = shipped_templates(session.info.get("platform"))
    wanted = list(names) if names is not None else list(shipped)
    machines = session_machines(session)
    results, skipped = [], []
    for name in wanted:
        path = shipped.get(name)
        if path is None:
            raise NotFound(f"no shipped process template {name!r} (shipped: "
                           f"{', '.join(shipped) or 'none'})", field="name")
        data = parse_template_text(path.read_text(encoding="utf-8"), origin=path.name)
        document_type = data.get("document_type") if isinstance(data, dict) else None
        if document_type and document_type not in machines:
            skipped.append(f"{name}: needs document type {document_type!r}, which no enabled "
                           "plugin provides")
            continue
        results.append(import_template(session, data, origin=path.name, now=now))
    return results, skipped


def export_template(session: Session, name: str, fmt: str = "yaml",
                    version: int | None = None) -> str:
    """The template as YAML or JSON text (the current version, or ``version``)."""
    from sqlalchemy import select

    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.models import ProcessTemplate

    require_session_permission(session, "task.read")
    if version is None:
        row = current_template(session, name)
    else:
        row = session.scalar(select(ProcessTemplate).where(ProcessTemplate.name == name,
                                                           ProcessTemplate.version == version))
        if row is None:
            raise NotFound(f"process template {name!r} has no version {version}",
                           field="version")
    return dump_template(row.definition, fmt)


def list_templates(session: Session) -> list[dict[str, Any]]:
    """The current templates with how many runs of each are running (two queries)."""
    from sqlalchemy import func, select

    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.models import ProcessInstance, ProcessTemplate

    require_session_permission(session, "task.read")
    rows = list(session.scalars(select(ProcessTemplate).where(ProcessTemplate.current.is_(True))
                                .order_by(ProcessTemplate.name)))
    running = dict(session.execute(
        select(ProcessInstance.template_name, func.count())
        .where(ProcessInstance.status == "running")
        .group_by(ProcessInstance.template_name)).all())
    return [template_summary(row, running.get(row.name, 0)) for row in rows]


def template_summary(row: ProcessTemplate, running: int = 0) -> dict[str, Any]:
    data = row.definition
    return {"name": row.name, "title": row.title, "version": row.version,
            "document_type": row.document_type,
            "triggers": [_trigger_label(t) for t in data.get("triggers", [])],
            "steps": len(data.get("steps", [])), "running": running,
            "created_at": row.created_at.isoformat(timespec="seconds"),
            "created_by": row.created_by or None}


def _trigger_label(raw: Any) -> str:
    if raw == "manual" or (isinstance(raw, dict) and "manual" in raw):
        return "manual"
    if isinstance(raw, dict) and "transition" in raw:
        return f"transition {raw['transition']}" + (f" when {raw['when']}" if raw.get("when")
                                                     else "")
    if isinstance(raw, dict) and "schedule" in raw:
        from ordercraft.core.workflow.schedule import describe_cron

        return describe_cron(raw["schedule"]) + (f" ({raw['timezone']})"
                                                 if raw.get("timezone") else "")
    return str(raw)


def template_details(session: Session, name: str) -> dict[str, Any]:
    """A template with its compiled steps (the viewer and ``process show``)."""
    from sqlalchemy import func, select

    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.models import ProcessInstance

    require_session_permission(session, "task.read")
    row = current_template(session, name)
    running = session.scalar(select(func.count(ProcessInstance.id)).where(
        ProcessInstance.template_name == name, ProcessInstance.status == "running")) or 0
    summary = template_summary(row, running)
    try:
        definition = definition_of(session, row)
    except ValidationError as exc:
        # The template was valid when imported; a plugin it needs may be disabled since.
        return {**summary, "description": row.definition.get("description", ""),
                "problem": exc.message, "steps": [], "step_count": summary["steps"]}
    return {**summary, "description": definition.description, "problem": None,
            "step_count": summary["steps"],
            "trigger_specs": [t.as_dict() for t in definition.triggers],
            "steps": [s.as_dict() for s in definition.step_list()]}
