"""The home page (a dashboard of the site) and ``GET /health`` for monitoring."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from ordercraft.web.auth import login_required
from ordercraft.web.extension import get_platform, request_session

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def index():
    from ordercraft.core.services.dashboard import site_summary
    from ordercraft.web.auth import current_user

    session = request_session()
    widgets = sorted(get_platform().hooks.dashboard_widgets(session, current_user()),
                     key=lambda widget: (widget.order, widget.title))
    return render_template("home.html", summary=site_summary(session), widgets=widgets)


@bp.get("/health")
def health():
    """``{"ok", "database", "version"}``: 200 when the database answers, else 503."""
    from ordercraft.core.services.health import check_database
    from ordercraft.web.api.openapi import ordercraft_version

    database = check_database(get_platform())
    body = {"ok": database.ok, "database": database.ok, "version": ordercraft_version()}
    if not database.ok:
        body["error"] = database.error
    response = jsonify(body)
    response.status_code = 200 if database.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
