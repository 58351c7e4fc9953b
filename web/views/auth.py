"""Login and logout pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ordercraft.core.errors import AuthenticationFailed
from ordercraft.web.auth import current_user, log_in, log_out, safe_next
from ordercraft.web.extension import keep_changes, reads_first, request_session

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@reads_first  # checking a password (argon2) takes a while: it must not hold the write lock
def login():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(target)
        return render_template("login.html", name="", error=None, next=target)
    from ordercraft.core.services.logins import LoginThrottled
    from ordercraft.core.services.users import authenticate

    name = request.form.get("name", "").strip()
    try:
        user = authenticate(request_session(), name, request.form.get("password", ""),
                            address=request.remote_addr or "")
    except (AuthenticationFailed, LoginThrottled) as exc:
        keep_changes()  # the refusal counts, and is in the audit log
        page = render_template("login.html", name=name, error=exc.message, next=target)
        headers = {}
        if isinstance(exc, LoginThrottled):
            headers["Retry-After"] = str((exc.details or {}).get("retry_after", 1))
        return page, exc.http_status, headers
    log_in(user)
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    log_out()
    return redirect(url_for("auth.login"), code=303)
