"""The signed-in user's own page: their language and time zone, their open sessions and
API tokens, and changing their password (every signed-in user; see the route table's ``EVERY_USER``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.i18n import gettext
from ordercraft.core.services import sessions as session_service
from ordercraft.core.services import users as user_service
from ordercraft.web.auth import current_user, log_in, login_required
from ordercraft.web.extension import request_session
from ordercraft.web.pages import FORM_ERROR_STATUS, Form
from ordercraft.web.views.admin import TOKEN_LIFETIMES

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _page(form: Form | None = None, secret: tuple[str, str] | None = None,
          preferences: Form | None = None) -> str:
    db = request_session()
    user = current_user()
    assert user is not None
    if preferences is None:
        preferences = Form({"language": user.language or "", "time_zone": user.time_zone or ""})
    return render_template(
        "profile.html", person=user, form=form or Form(), preferences=preferences,
        sessions=session_service.list_sessions(db, user),
        tokens=[user_service.token_dict(t) for t in user_service.list_tokens(db, user.name)],
        lifetimes=TOKEN_LIFETIMES, secret=secret)


@bp.get("/")
@login_required
def index():
    return _page()


@bp.post("/password")
@login_required
def password():
    form = Form.from_request(("current_password", "password", "repeat"))
    user = current_user()
    assert user is not None
    if form.values["password"] != form.values["repeat"]:
        form.errors["repeat"] = "The two new passwords differ"
        return _page(form), FORM_ERROR_STATUS
    try:
        user_service.change_own_password(request_session(), user, form.values["current_password"],
                                         form.values["password"])
    except OrdercraftError as exc:
        form.fail(exc)
        return _page(Form(errors=form.errors)), FORM_ERROR_STATUS
    log_in(user)  # every session ended with the change: this browser gets a fresh one
    flash(gettext("Your password was changed; your other sessions ended and your API "
                  "tokens were revoked."), "success")
    return redirect(url_for("profile.index"), code=303)


@bp.post("/preferences")
@login_required
def preferences():
    form = Form.from_request(("language", "time_zone"))
    user = current_user()
    assert user is not None
    try:
        user_service.set_preferences(request_session(), user, language=form.values["language"],
                                     time_zone=form.values["time_zone"])
    except OrdercraftError as exc:
        form.fail(exc)
        return _page(preferences=form), FORM_ERROR_STATUS
    flash("Your language and time zone were saved.", "success")
    return redirect(url_for("profile.index"), code=303)


@bp.post("/tokens")
@login_required
def token_new():
    user = current_user()
    assert user is not None
    expires = request.form.get("expires", "")
    try:
        token = user_service.create_token(
            request_session(), user.name, request.form.get("name", "").strip(),
            expires=user_service.parse_duration(expires) if expires else None)
    except OrdercraftError as exc:
        form = Form({"name": request.form.get("name", "")}).fail(exc)
        return _page(form), FORM_ERROR_STATUS
    return _page(secret=("token", token))


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def token_revoke(token_id: int):
    user_service.revoke_token(request_session(), token_id)
    flash(gettext("The API token was revoked."), "success")
    return redirect(url_for("profile.index"), code=303)


@bp.post("/sessions/<int:session_id>/end")
@login_required
def session_end(session_id: int):
    session_service.end_session(request_session(), session_id)
    flash(gettext("The session was ended."), "success")
    return redirect(url_for("profile.index"), code=303)
