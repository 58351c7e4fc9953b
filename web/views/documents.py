"""A workflow document in the browser: its actions (buttons from the allowed
transitions) and its timeline, for any document type.

A plugin's page shows them with two lines::

    # view
    panel = document_panel(order)                      # from ordercraft.sdk.workflow
    return render_template("sales/order.html", order=order, panel=panel)

    {# template #}
    {% from "workflow/_macros.html" import transition_buttons, timeline %}
    {{ transition_buttons(panel) }}   {# forms posting to /documents/order/12/transitions/NAME #}
    {{ timeline(panel) }}             {# the latest entries, a link to the whole history #}

The buttons post here; the transition is made by the same service as the API's, and the
browser comes back to the page (``next``) with a notice of what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.routing import BuildError

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.i18n import gettext
from ordercraft.web.auth import login_required, safe_next
from ordercraft.web.extension import mark_failed, request_session
from ordercraft.web.pages import Pager, page_arguments

bp = Blueprint("documents", __name__, url_prefix="/documents")


@dataclass
class DocumentPanel:
    """What a document's page shows of its workflow."""

    document_type: str
    document_id: int
    title: str
    state: str
    state_label: str
    #: Transitions leaving the state: ``{"name", "label", "target", "allowed", "reason",
    #: "requires_reason", "style"}``.
    transitions: list[dict[str, Any]]
    #: The latest timeline entries, newest first.
    entries: list[dict[str, Any]]
    total_entries: int
    #: Where the forms send the browser back to.
    next_url: str

    @property
    def allowed(self) -> list[dict[str, Any]]:
        return [t for t in self.transitions if t["allowed"]]

    @property
    def refused(self) -> list[dict[str, Any]]:
        return [t for t in self.transitions if not t["allowed"]]

    @property
    def timeline_url(self) -> str:
        return url_for("documents.timeline", document_type=self.document_type,
                       document_id=self.document_id)

    def transition_url(self, name: str) -> str:
        return url_for("documents.transition", document_type=self.document_type,
                       document_id=self.document_id, name=name)

    @property
    def comment_url(self) -> str:
        return url_for("documents.comment", document_type=self.document_type,
                       document_id=self.document_id)


def document_url(document_type: str, document_id: int) -> str:
    """The document's own page when its plugin names one, else its timeline page."""
    from ordercraft.core.workflow.machines import session_machines

    machine = session_machines(request_session()).get(document_type)
    if machine is not None and machine.page_endpoint:
        try:
            return url_for(machine.page_endpoint, document_id=document_id)
        except BuildError:
            pass
    return url_for("documents.timeline", document_type=document_type, document_id=document_id)


def document_panel(document: Any, *, next_url: str | None = None,
                   timeline_limit: int = 10) -> DocumentPanel:
    """The actions and latest history of ``document`` for its page."""
    from ordercraft.core.workflow.documents import available_transitions, document_ref
    from ordercraft.core.workflow.machines import session_machines
    from ordercraft.core.workflow.timeline import document_timeline

    session = request_session()
    document_type, document_id = document_ref(document)
    machine = session_machines(session).machine(document_type)
    state = machine.state(document.state)
    recent = document_timeline(session, document_type, document_id, limit=timeline_limit,
                               newest_first=True, audit_entity=machine.audit_entity)
    return DocumentPanel(
        document_type=document_type, document_id=document_id,
        title=machine.describe(document), state=document.state,
        state_label=gettext(state.title) if state is not None else document.state,
        transitions=[_translated(o.as_dict()) for o in available_transitions(session, document)],
        entries=recent.items, total_entries=recent.total,
        next_url=next_url or request.full_path.rstrip("?"))


def _translated(transition: dict[str, Any]) -> dict[str, Any]:
    """A transition as the page shows it: its button in the reader's language (the API
    keeps the label as declared)."""
    return {**transition, "label": gettext(transition["label"])}


def _load(document_type: str, document_id: int) -> Any:
    from ordercraft.core.workflow.documents import open_document

    return open_document(request_session(), document_type, document_id)


@bp.get("/<document_type>/<int:document_id>/timeline")
@login_required
def timeline(document_type: str, document_id: int):
    from ordercraft.core.permissions import require_session_permission
    from ordercraft.core.workflow.timeline import document_timeline

    session = request_session()
    require_session_permission(session, "task.read")
    document = _load(document_type, document_id)
    panel = document_panel(document, next_url=request.full_path.rstrip("?"), timeline_limit=1)
    limit, offset = page_arguments(default_limit=50)
    found = document_timeline(session, document_type, document_id, limit=limit, offset=offset,
                              newest_first=True)
    pager = Pager(found.total, limit, offset, "documents.timeline",
                  {"document_type": document_type, "document_id": document_id})
    own_page = document_url(document_type, document_id)
    return render_template("workflow/timeline.html", panel=panel, entries=found.items,
                           pager=pager, own_page=None if own_page == request.path else own_page)


@bp.post("/<document_type>/<int:document_id>/transitions/<name>")
@login_required
def transition(document_type: str, document_id: int, name: str):
    from ordercraft.core.workflow.documents import transition as move
    from ordercraft.core.workflow.machines import session_machines

    document = _load(document_type, document_id)  # not readable: the 403 page, no notice
    back = safe_next(request.form.get("next") or document_url(document_type, document_id))
    try:
        result = move(request_session(), document, name,
                      reason=request.form.get("reason") or None)
    except OrdercraftError as exc:
        mark_failed()
        flash(exc.message, "error")
        return redirect(back, code=303)
    machine = session_machines(request_session()).machine(document_type)
    message = gettext("%(document)s %(id)s: %(source)s → %(target)s.",
                      document=document_type.replace("_", " ").capitalize(), id=document_id,
                      source=_state_title(machine, result.source),
                      target=_state_title(machine, result.target))
    if result.started_processes:
        message += " " + gettext("A process started.")
    flash(message, "success")
    return redirect(back, code=303)


def _state_title(machine: Any, name: str) -> str:
    state = machine.state(name)
    return gettext(state.title) if state is not None else name.replace("_", " ")


@bp.post("/<document_type>/<int:document_id>/comments")
@login_required
def comment(document_type: str, document_id: int):
    from ordercraft.core.workflow.documents import add_comment

    document = _load(document_type, document_id)
    back = safe_next(request.form.get("next") or document_url(document_type, document_id))
    try:
        add_comment(request_session(), document, request.form.get("text", ""))
    except OrdercraftError as exc:
        mark_failed()
        flash(exc.message, "error")
        return redirect(back, code=303)
    flash(gettext("The comment was added."), "success")
    return redirect(back, code=303)
