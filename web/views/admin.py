"""Administration pages for people: users (roles, password, activation, sessions, API
tokens), roles with their permissions in a grid, and the audit log. Needs ``user.admin``;
the site's own settings are in :mod:`ordercraft.web.views.site_admin`."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ordercraft.core.errors import OrdercraftError, ValidationError
from ordercraft.core.i18n import gettext, ngettext
from ordercraft.core.services import roles as role_service
from ordercraft.core.services import sessions as session_service
from ordercraft.core.services import users as user_service
from ordercraft.web.auth import permission_required
from ordercraft.web.extension import mark_failed, request_session
from ordercraft.web.pages import FORM_ERROR_STATUS, Form, Pager, page_arguments

bp = Blueprint("admin", __name__, url_prefix="/admin")

USER_FIELDS = ("name", "full_name", "email", "password", "manager")
#: Token lifetimes offered on the pages (``parse_duration`` text; ``""``: until revoked).
TOKEN_LIFETIMES = (("30d", "30 days"), ("90d", "90 days"), ("365d", "1 year"),
                   ("", "Until revoked"))


def _role_names() -> list[str]:
    return sorted(user_service.ensure_roles(request_session()))


def _managers(exclude: str = "") -> list[tuple[str, str]]:
    return [("", "—")] + [(u.name, u.full_name or u.name)
                          for u in user_service.list_users(request_session())
                          if u.active and u.name != exclude]


def new_password() -> str:
    """A password to hand over once (the user changes it on their profile page)."""
    return secrets.token_urlsafe(12)


# --------------------------------------------------------------------------- users


@bp.get("/")
@permission_required("user.admin")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/users")
@permission_required("user.admin")
def users():
    everyone = user_service.list_users(request_session())
    show = request.args.get("show", "active")
    listed = [u for u in everyone if show == "all" or u.active == (show != "inactive")]
    return render_template("admin/users.html", users=listed, show=show,
                           counts={"active": sum(u.active for u in everyone),
                                   "inactive": sum(not u.active for u in everyone),
                                   "all": len(everyone)})


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("user.admin")
def user_new():
    if request.method == "GET":
        return _user_form(Form(), chosen=[])
    form = Form.from_request(USER_FIELDS)
    chosen = request.form.getlist("roles")
    generated = not form.values["password"]
    password = form.values["password"] or new_password()
    try:
        user = user_service.create_user(
            request_session(), form.values["name"].strip(), roles=chosen, password=password,
            full_name=form.values["full_name"], email=form.values["email"],
            manager=form.values["manager"] or None)
    except OrdercraftError as exc:
        return _user_form(form.fail(exc), chosen=chosen), FORM_ERROR_STATUS
    if generated:  # shown on this page only, never kept in the (signed, not secret) cookie
        return _user_page(user.name, secret=("password", password),
                          notice=f"User “{user.name}” was added.")
    flash(gettext("User “%(name)s” was added.", name=user.name), "success")
    return redirect(url_for("admin.user", name=user.name), code=303)


def _user_form(form: Form, chosen: list[str]) -> str:
    return render_template("admin/user_new.html", form=form.with_rules("user"),
                           role_names=_role_names(),
                           chosen=chosen, managers=_managers())


@bp.get("/users/<name>")
@permission_required("user.admin")
def user(name: str):
    return _user_page(name)


def _user_page(name: str, *, form: Form | None = None, chosen: list[str] | None = None,
               secret: tuple[str, str] | None = None, notice: str | None = None) -> str:
    """The user's page; ``secret`` (``("password"|"token", value)``) is shown once."""
    db = request_session()
    person = user_service.get_user(db, name)
    if form is None:
        form = Form({"full_name": person.full_name or "", "email": person.email or "",
                     "manager": person.manager.name if person.manager else "",
                     "language": person.language or "", "time_zone": person.time_zone or ""})
    return render_template(
        "admin/user.html", person=person, form=form.with_rules("user"),
        chosen=person.role_names if chosen is None else chosen, role_names=_role_names(),
        managers=_managers(exclude=person.name),
        sessions=session_service.list_sessions(db, person, include_ended=True, limit=20),
        tokens=[user_service.token_dict(t) for t in user_service.list_tokens(db, person.name)],
        lifetimes=TOKEN_LIFETIMES, secret=secret, notice=notice)


@bp.post("/users/<name>/edit")
@permission_required("user.admin")
def user_edit(name: str):
    form = Form.from_request(("full_name", "email", "manager", "language", "time_zone"))
    chosen = request.form.getlist("roles")
    try:
        user_service.update_user(request_session(), name, full_name=form.values["full_name"],
                                 email=form.values["email"], roles=chosen,
                                 manager=form.values["manager"],
                                 language=form.values["language"],
                                 time_zone=form.values["time_zone"])
    except OrdercraftError as exc:
        if exc.http_status == 404:
            raise
        form.fail(exc)
        if exc.field == "roles":
            form.errors[""] = exc.message
        return _user_page(name, form=form, chosen=chosen), FORM_ERROR_STATUS
    flash(gettext("The changes were saved."), "success")
    return redirect(url_for("admin.user", name=name), code=303)


@bp.post("/users/<name>/password")
@permission_required("user.admin")
def user_password(name: str):
    password = request.form.get("password", "")
    generated = not password
    if generated:
        password = new_password()
    try:
        user_service.set_password(request_session(), name, password)
    except ValidationError as exc:
        mark_failed()
        flash(exc.message, "error")
        return redirect(url_for("admin.user", name=name), code=303)
    notice = gettext("The password was reset; their sessions ended and their API tokens "
                     "were revoked.")
    if generated:
        return _user_page(name, secret=("password", password), notice=notice)
    flash(notice, "success")
    return redirect(url_for("admin.user", name=name), code=303)


@bp.post("/users/<name>/active")
@permission_required("user.admin")
def user_active(name: str):
    active = request.form.get("active") == "yes"
    user_service.set_active(request_session(), name, active)
    flash(gettext("User “%(name)s” was reactivated.", name=name) if active
          else gettext("User “%(name)s” was deactivated.", name=name), "success")
    return redirect(url_for("admin.user", name=name), code=303)


@bp.post("/users/<name>/sessions/end")
@permission_required("user.admin")
def user_sessions_end(name: str):
    person = user_service.get_user(request_session(), name)
    ended = session_service.end_user_sessions(request_session(), person.id,
                                              session_service.ENDED_BY_ADMIN)
    flash(ngettext("%(num)d session ended.", "%(num)d sessions ended.", ended), "success")
    return redirect(url_for("admin.user", name=name), code=303)


@bp.post("/sessions/<int:session_id>/end")
@permission_required("user.admin")
def session_end(session_id: int):
    record = session_service.end_session(request_session(), session_id)
    flash(gettext("The session was ended."), "success")
    return redirect(url_for("admin.user", name=record.user.name), code=303)


@bp.post("/users/<name>/tokens")
@permission_required("user.admin")
def token_new(name: str):
    label = request.form.get("name", "").strip()
    expires = request.form.get("expires", "")
    try:
        token = user_service.create_token(
            request_session(), name, label,
            expires=user_service.parse_duration(expires) if expires else None)
    except OrdercraftError as exc:
        if exc.http_status == 404:
            raise
        mark_failed()
        flash(exc.message, "error")
        return redirect(url_for("admin.user", name=name), code=303)
    return _user_page(name, secret=("token", token), notice="The API token was created.")


@bp.post("/tokens/<int:token_id>/revoke")
@permission_required("user.admin")
def token_revoke(token_id: int):
    row = user_service.revoke_token(request_session(), token_id)
    flash(gettext("The API token “%(name)s” was revoked.", name=row.label or row.id),
          "success")
    return redirect(url_for("admin.user", name=row.user.name), code=303)


# --------------------------------------------------------------------------- roles


def holds(granted: set[str], permission: str) -> str | None:
    """How a role holds ``permission``: ``"direct"``, by a wildcard (``"sales.*"``,
    ``"*"``), or ``None``."""
    if permission in granted:
        return "direct"
    area = permission.split(".", 1)[0]
    for wildcard in ("*", f"{area}.*"):
        if wildcard in granted:
            return wildcard
    return None


def permission_grid(db: Any) -> dict[str, Any]:
    """Roles as columns, permissions as rows grouped by the plugin declaring them."""
    all_roles = role_service.list_roles(db)
    permissions = role_service.list_permissions(db)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for permission in permissions:
        groups[permission["plugin"]].append(permission)
    held = {role["name"]: {p["name"] for p in role["permissions"]} for role in all_roles}
    cells = {(role["name"], p["name"]): holds(held[role["name"]], p["name"])
             for role in all_roles for p in permissions}
    ordered = sorted(groups.items(), key=lambda item: (item[0] != "core", item[0]))
    return {"roles": all_roles, "groups": ordered, "cells": cells}


@bp.get("/roles")
@permission_required("user.admin")
def roles():
    return render_template("admin/roles.html", form=Form(), **permission_grid(request_session()))


@bp.post("/roles")
@permission_required("user.admin")
def roles_save():
    """The grid as submitted: ``grant`` values ``role:permission`` of every ticked box,
    ``role`` the columns the page showed (a role added since is left alone); what changed
    is granted or revoked."""
    db = request_session()
    grid = permission_grid(db)
    ticked = set(request.form.getlist("grant"))
    shown = set(request.form.getlist("role"))
    changes = 0
    for role in grid["roles"]:
        name = role["name"]
        if name not in shown:
            continue
        granted, revoked = [], []
        for _plugin, permissions in grid["groups"]:
            for permission in permissions:
                state = grid["cells"][(name, permission["name"])]
                if state not in (None, "direct"):
                    continue  # held through a wildcard: the box is not editable
                wanted = f"{name}:{permission['name']}" in ticked
                if wanted and state is None:
                    granted.append(permission["name"])
                elif not wanted and state == "direct":
                    revoked.append(permission["name"])
        if granted:
            role_service.grant(db, name, granted)
        if revoked:
            role_service.revoke(db, name, revoked)
        changes += len(granted) + len(revoked)
    flash(ngettext("%(num)d permission change saved.", "%(num)d permission changes saved.",
                   changes) if changes else gettext("Nothing was changed."), "success")
    return redirect(url_for("admin.roles"), code=303)


@bp.post("/roles/new")
@permission_required("user.admin")
def role_new():
    form = Form.from_request(("name", "description"))
    try:
        role_service.add_role(request_session(), form.values["name"].strip(),
                              description=form.values["description"])
    except OrdercraftError as exc:
        form.fail(exc)
        return render_template("admin/roles.html", form=form,
                               **permission_grid(request_session())), FORM_ERROR_STATUS
    flash(gettext("Role “%(name)s” was added: tick its permissions below.",
                  name=form.values["name"].strip()), "success")
    return redirect(url_for("admin.roles"), code=303)


# --------------------------------------------------------------------------- audit

AUDIT_FILTERS = ("user", "entity", "entity_id", "action", "since", "until")


def day_bounds(since: str, until: str) -> tuple[datetime | None, datetime | None]:
    """``since``/``until`` days (``YYYY-MM-DD``, both included) as UTC bounds."""
    from ordercraft.core.services import fields

    start = fields.day(since or None, field="since")
    end = fields.day(until or None, field="until")
    return (datetime.combine(start, time()) if start else None,
            datetime.combine(end, time()) + timedelta(days=1) if end else None)


@bp.get("/audit")
@permission_required("user.admin")
def audit():
    from ordercraft.core.audit import audit_entry_dict, search_audit

    filters = {name: request.args.get(name, "").strip() for name in AUDIT_FILTERS}
    limit, offset = page_arguments(default_limit=50)
    error, entries, total = None, [], 0
    try:
        since, until = day_bounds(filters["since"], filters["until"])
        rows, total = search_audit(request_session(), user=filters["user"] or None,
                                   entity=filters["entity"] or None,
                                   entity_id=filters["entity_id"] or None,
                                   action=filters["action"] or None, since=since, until=until,
                                   limit=limit, offset=offset)
        entries = [audit_entry_dict(row) for row in rows]
    except ValidationError as exc:
        error = exc.message
    pager = Pager(total, limit, offset, "admin.audit",
                  {**filters, "limit": None if limit == 50 else limit})
    return render_template("admin/audit.html", entries=entries, pager=pager, filters=filters,
                           error=error, filtered=any(filters.values()),
                           actions=("create", "update", "delete", "login", "refused",
                                    "export"))
