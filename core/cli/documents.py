"""Workflow documents on the command line: the ``--document TYPE:ID`` option of the
process and task commands, and the ``transition``, ``transitions`` and ``timeline``
commands a plugin puts under its document group (``ordercraft.sdk.cli``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ordercraft.core.cli.acting import acting_session, user_option
from ordercraft.core.cli.common import emit, json_option
from ordercraft.core.cli.records import page_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def parse_document_option(value: str | None) -> tuple[str, int] | None:
    """A ``--document TYPE:ID`` value as ``(type, id)``, or ``None`` when not given."""
    from ordercraft.core.workflow.documents import parse_document_ref

    return parse_document_ref(value) if value else None


def load_document(session: Session, ref: tuple[str, int] | None) -> Any:
    """The workflow document ``ref`` names (``None`` for ``None``); a missing one is a
    ``NotFound`` naming it."""
    if ref is None:
        return None
    from ordercraft.core.workflow.machines import session_machines

    return session_machines(session).load(session, *ref)


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
            document = load_document(session, (document_type, document_id))
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
            document = load_document(session, (document_type, document_id))
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
            load_document(session, (document_type, document_id))
            page = document_timeline(session, document_type, document_id, limit=limit,
                                     offset=offset, newest_first=newest_first)
        body = page.to_dict("entries", dict)
        emit(as_json, {"ok": True, **body}, lambda: page_text(
            {**body, "entries": [{**e, "at": e["at"].replace("T", " ")}
                                 for e in body["entries"]]},
            "entries", ["at", "user", "kind", "text"]))

    return [transition_command, transitions_command, timeline_command]
