"""The notifications pages: the list (all or unread), mark one or all read, and the
preferences form. Views parse input, call one service and render."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.plugins.notifications import service
from ordercraft.sdk import web
from ordercraft.sdk.i18n import _, lazy_gettext, ngettext

HERE = Path(__file__).parent

bp = Blueprint("notifications", __name__, url_prefix="/notifications",
               template_folder=str(HERE / "templates"))
#: Serves /notifications/assets/bell.svg and the pages' stylesheet.
assets = Blueprint("notifications_assets", __name__, url_prefix="/notifications/assets",
                   static_folder=str(HERE / "static"), static_url_path="")

#: The tabs of the list: (key, label).
VIEWS = [("all", lazy_gettext("All")), ("unread", lazy_gettext("Unread"))]


@bp.get("/")
@web.login_required
def index():
    view = "unread" if request.args.get("view") == "unread" else "all"
    limit, offset = web.page_arguments()
    session = web.request_session()
    user = web.current_user()
    found = service.list_notifications(session, user, unread=view == "unread", limit=limit,
                                       offset=offset)
    pager = web.Pager(found.total, limit, offset, "notifications.index", {"view": view})
    return render_template("notifications/list.html", found=found, pager=pager, view=view,
                           views=VIEWS, unread=service.unread_count(session, user))


@bp.post("/<int:notification_id>/read")
@web.login_required
def read(notification_id: int):
    service.mark_read(web.request_session(), web.current_user(), notification_id)
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("notifications.index"), code=303)


@bp.post("/read")
@web.login_required
def read_all():
    count = service.mark_all_read(web.request_session(), web.current_user())
    flash(ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.",
                   count), "success")
    return redirect(url_for("notifications.index"), code=303)


@bp.route("/preferences", methods=["GET", "POST"])
@web.login_required
def preferences():
    session = web.request_session()
    user = web.current_user()
    if request.method == "POST":
        changes = {kind: {"in_app": request.form.get(f"{kind}-in_app") == "on",
                          "email": request.form.get(f"{kind}-email") == "on"}
                   for kind in service.KINDS}
        service.set_preferences(session, user, changes)
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.preferences"), code=303)
    return render_template("notifications/preferences.html",
                           preferences=service.preferences(session, user),
                           has_email=bool(user.email))
