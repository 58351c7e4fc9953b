"""The service pages: complaints (list, new, one complaint with its SLA, workflow buttons,
attachments, warranty parts and the article that solved it), the knowledge base (search,
article) and the reports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.i18n import _
from ordercraft.sdk.validation import input_attributes
from ordercraft.sdk.web import FORM_ERROR_STATUS, permission_required, request_session

bp = Blueprint("service", __name__, url_prefix="/service", template_folder="templates")


@bp.context_processor
def _rights() -> dict[str, Any]:
    from ordercraft.sdk.permissions import has_permission
    from ordercraft.sdk.web import current_user

    return {"can_write": has_permission(current_user(), "complaint.write")}


def _complaint_attributes() -> dict[str, dict[str, str]]:
    from ordercraft.plugins.service.complaints import COMPLAINT_RULES

    return input_attributes(COMPLAINT_RULES)


@bp.get("/complaints")
@permission_required("complaint.read")
def index():
    from ordercraft.plugins.service import complaints

    session = request_session()
    state = request.args.get("state", "").strip()
    rows = [complaints.complaint_dict(session, c)
            for c in complaints.list_complaints(session, state=state or None)]
    return render_template("service/list.html", rows=rows, state=state,
                           categories=complaints.CATEGORIES, attrs=_complaint_attributes())


@bp.post("/complaints")
@permission_required("complaint.write")
def create():
    from ordercraft.plugins.service import complaints

    session = request_session()
    form = request.form
    try:
        complaint = complaints.create_complaint(
            session, form.get("client", ""), description=form.get("description", ""),
            category=form.get("category", "defect"), priority=form.get("priority", "normal"),
            item=form.get("item") or None, serial=form.get("serial") or None,
            order_id=form.get("order") or None)
    except OrdercraftError as exc:
        session.rollback()
        rows = [complaints.complaint_dict(session, c)
                for c in complaints.list_complaints(session)]
        return render_template("service/list.html", rows=rows, state="", error=str(exc),
                               form=form, categories=complaints.CATEGORIES,
                               attrs=_complaint_attributes()), FORM_ERROR_STATUS
    return redirect(url_for("service.complaint", document_id=complaint.id))


def _complaint_page(document_id: int, *, error: str | None = None, status: int = 200) -> Any:
    from ordercraft.plugins.service import complaints
    from ordercraft.sdk.web import document_panel

    session = request_session()
    found = complaints.get_complaint(session, document_id)
    body = complaints.complaint_dict(session, found)
    query = request.args.get("q", "").strip()
    suggestions = complaints.search_articles(
        session, query or found.description[:60].split(".")[0], limit=5) if query else []
    return render_template("service/complaint.html", complaint=found, body=body,
                           panel=document_panel(found), error=error, query=query,
                           suggestions=suggestions,
                           attrs=input_attributes(complaints.PART_RULES)), status


@bp.get("/complaints/<int:document_id>")
@permission_required("complaint.read")
def complaint(document_id: int):
    return _complaint_page(document_id)


@bp.post("/complaints/<int:document_id>/attachments")
@permission_required("complaint.write")
def attach(document_id: int):
    from ordercraft.plugins.service import complaints

    session = request_session()
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise OrdercraftError("file: choose a file to attach")
        data = upload.stream.read(complaints.ATTACHMENT_MAX_BYTES + 1)
        complaints.add_attachment(session, document_id, upload.filename, data)
    except OrdercraftError as exc:
        session.rollback()
        return _complaint_page(document_id, error=str(exc), status=FORM_ERROR_STATUS)
    flash(_("File attached."))
    return redirect(url_for("service.complaint", document_id=document_id))


@bp.get("/complaints/<int:document_id>/attachments/<int:attachment_id>")
@permission_required("complaint.read")
def attachment(document_id: int, attachment_id: int):
    from ordercraft.plugins.service import complaints

    found = complaints.get_attachment(request_session(), document_id, attachment_id)
    return Response(found.data, mimetype=found.content_type, headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"',
        "X-Content-Type-Options": "nosniff"})


@bp.post("/complaints/<int:document_id>/parts")
@permission_required("complaint.write")
def part(document_id: int):
    from ordercraft.plugins.service import complaints

    session = request_session()
    form = request.form
    try:
        complaints.issue_part(session, document_id, form.get("item", ""), form.get("qty", ""),
                              warehouse=form.get("warehouse", ""))
    except OrdercraftError as exc:
        session.rollback()
        return _complaint_page(document_id, error=str(exc), status=FORM_ERROR_STATUS)
    flash(_("Part issued from stock."))
    return redirect(url_for("service.complaint", document_id=document_id))


@bp.post("/complaints/<int:document_id>/article")
@permission_required("complaint.write")
def solved_by(document_id: int):
    from ordercraft.plugins.service import complaints

    session = request_session()
    try:
        complaints.link_article(session, document_id, request.form.get("article", ""))
    except OrdercraftError as exc:
        session.rollback()
        return _complaint_page(document_id, error=str(exc), status=FORM_ERROR_STATUS)
    return redirect(url_for("service.complaint", document_id=document_id))


@bp.get("/articles")
@permission_required("article.read")
def articles():
    from ordercraft.plugins.service import complaints

    query = request.args.get("q", "").strip()
    try:
        found = complaints.search_articles(request_session(), query,
                                           category=request.args.get("category") or None)
        error = None
    except OrdercraftError as exc:
        found, error = [], str(exc)
    return render_template("service/articles.html", articles=found, query=query, error=error)


@bp.get("/articles/<int:article_id>")
@permission_required("article.read")
def article(article_id: int):
    from ordercraft.plugins.service import complaints

    return render_template("service/article.html",
                           article=complaints.get_article(request_session(), article_id))


@bp.get("/reports")
@permission_required("complaint.read")
def reports():
    from ordercraft.plugins.service import complaints

    session = request_session()
    by = request.args.get("by", "item")
    if by not in ("item", "category", "cause", "month"):
        by = "item"
    return render_template(
        "service/reports.html", by=by, rows=complaints.complaints_report(session, by),
        defects=complaints.defect_rates(session), sla=complaints.sla_compliance(session),
        teams=complaints.sla_compliance(session, by="team"),
        costs=complaints.warranty_costs(session))
