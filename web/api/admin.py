"""The administration in the JSON API: users with their sessions and API tokens
(``user.admin``), plugins, company settings and backups (``site.admin``), and the audit
log (``user.admin``). Roles and permissions are in :mod:`ordercraft.web.api.roles`; the
same actions as the Administration pages."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from flask import Blueprint, current_app, send_file
from pydantic import Field

from ordercraft.core.errors import ValidationError
from ordercraft.core.services import sessions as session_service
from ordercraft.core.services import users as user_service
from ordercraft.web.api import API_PREFIX, InputModel, OutputModel, Page, PageQuery, api_route, page
from ordercraft.web.extension import get_platform, reads_first, request_session

bp = Blueprint("api_admin", __name__, url_prefix=API_PREFIX)

NO_USER = {404: "No user has this name."}


# --------------------------------------------------------------------------- users


class UserOut(OutputModel):
    id: int
    name: str
    full_name: str
    email: str
    roles: list[str]
    active: bool
    manager: str | None
    language: str | None = Field(description="en, id, fr, ar or mn; null: the site's "
                                             "default_language.")
    time_zone: str | None = Field(description="An IANA time zone; null: the site's "
                                              "default_time_zone.")


class UserIn(InputModel):
    name: str = Field(min_length=1, max_length=100)
    full_name: str = Field("", max_length=200)
    email: str = Field("", max_length=200)
    roles: list[str] = Field(default_factory=list, description="Role names.")
    password: str | None = Field(None, min_length=8, max_length=200,
                                 description="Omitted: a password is generated and answered "
                                             "once, in 'password'.")
    manager: str | None = None


class UserCreatedOut(UserOut):
    password: str | None = Field(description="The generated password, answered only here "
                                             "(null when one was given).")


LANGUAGE_HELP = "en, id, fr, ar or mn; \"\": the site's default_language."
TIME_ZONE_HELP = "An IANA time zone such as Asia/Jakarta; \"\": the site's default_time_zone."


class UserChangeIn(InputModel):
    full_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=200)
    roles: list[str] | None = Field(None, description="The user's roles (replaces them).")
    manager: str | None = Field(None, description="A user name; \"\" removes the manager.")
    language: str | None = Field(None, max_length=10, description=LANGUAGE_HELP)
    time_zone: str | None = Field(None, max_length=64, description=TIME_ZONE_HELP)


class PreferencesIn(InputModel):
    language: str | None = Field(None, max_length=10, description=LANGUAGE_HELP)
    time_zone: str | None = Field(None, max_length=64, description=TIME_ZONE_HELP)


class PasswordIn(InputModel):
    password: str | None = Field(None, min_length=8, max_length=200,
                                 description="Omitted: a password is generated and answered "
                                             "once.")


class PasswordOut(OutputModel):
    user: str
    password: str | None = Field(description="The generated password (null when given).")


class SessionOut(OutputModel):
    id: int
    user: str
    created_at: str
    last_seen_at: str
    expires_at: str
    ended_at: str | None
    end_reason: str | None
    address: str
    user_agent: str
    active: bool


class TokenOut(OutputModel):
    id: int
    user: str
    name: str
    created_at: str | None
    expires_at: str | None
    last_used_at: str | None
    revoked: bool
    revoked_at: str | None
    revoked_reason: str | None
    expired: bool
    active: bool


class TokenIn(InputModel):
    name: str = Field("", max_length=100, description="What the token is for.")
    expires: str | None = Field(None, max_length=20, description="A lifetime such as 90d, 12h, "
                                                                 "2w or 30m; null: until "
                                                                 "revoked.")


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret, answered only here (it is not stored).")


class EndedOut(OutputModel):
    ended: int


def _password() -> str:
    from ordercraft.web.views.admin import new_password

    return new_password()


@api_route(bp, "/users", permission="user.admin", response=list[UserOut], tags=["users"])
def list_users() -> list[dict[str, Any]]:
    """Every user of the site with their roles (administrators)."""
    return [user_service.user_dict(u) for u in user_service.list_users(request_session())]


@api_route(bp, "/users", permission="user.admin", methods=["POST"], body=UserIn,
           response=UserCreatedOut, status=201, tags=["users"],
           errors={409: "A user has this name.", 400: "A field is not valid."})
def create_user(body: UserIn) -> dict[str, Any]:
    """Add a user with roles; without a password, one is generated and answered once."""
    password = body.password or _password()
    user = user_service.create_user(request_session(), body.name, roles=body.roles,
                                    password=password, full_name=body.full_name,
                                    email=body.email, manager=body.manager or None)
    return {**user_service.user_dict(user), "password": None if body.password else password}


@api_route(bp, "/users/<name>", permission="user.admin", response=UserOut, tags=["users"],
           errors=NO_USER)
def get_user(name: str) -> dict[str, Any]:
    """One user."""
    return user_service.user_dict(user_service.get_user(request_session(), name))


@api_route(bp, "/users/<name>", permission="user.admin", methods=["PATCH"], body=UserChangeIn,
           response=UserOut, tags=["users"], errors=NO_USER)
def change_user(name: str, body: UserChangeIn) -> dict[str, Any]:
    """Change a user's name, e-mail, roles, manager, language or time zone (the fields
    sent)."""
    user = user_service.update_user(request_session(), name, full_name=body.full_name,
                                    email=body.email, roles=body.roles, manager=body.manager,
                                    language=body.language, time_zone=body.time_zone)
    return user_service.user_dict(user)


@api_route(bp, "/users/<name>/password", permission="user.admin", methods=["POST"],
           body=PasswordIn, response=PasswordOut, tags=["users"], errors=NO_USER)
def reset_password(name: str, body: PasswordIn) -> dict[str, Any]:
    """Reset the password (generated when not given); the user's sessions end and their
    API tokens are revoked."""
    password = body.password or _password()
    user_service.set_password(request_session(), name, password)
    return {"user": name, "password": None if body.password else password}


@api_route(bp, "/users/<name>/deactivate", permission="user.admin", methods=["POST"],
           response=UserOut, tags=["users"],
           errors={**NO_USER, 409: "An administrator cannot deactivate themselves."})
def deactivate_user(name: str) -> dict[str, Any]:
    """Deactivate: no login; sessions end, API tokens are revoked; history stays."""
    return user_service.user_dict(user_service.set_active(request_session(), name, False))


@api_route(bp, "/users/<name>/activate", permission="user.admin", methods=["POST"],
           response=UserOut, tags=["users"], errors=NO_USER)
def activate_user(name: str) -> dict[str, Any]:
    """Reactivate a deactivated user (their revoked tokens stay revoked)."""
    return user_service.user_dict(user_service.set_active(request_session(), name, True))


@api_route(bp, "/users/<name>/sessions", permission="user.admin", response=list[SessionOut],
           tags=["users"], errors=NO_USER)
def user_sessions(name: str) -> list[dict[str, Any]]:
    """The user's browser sessions, newest first (the last 100, ended ones too)."""
    db = request_session()
    user = user_service.get_user(db, name)
    return [session_service.session_dict(s)
            for s in session_service.list_sessions(db, user, include_ended=True)]


@api_route(bp, "/users/<name>/sessions/end", permission="user.admin", methods=["POST"],
           response=EndedOut, tags=["users"], errors=NO_USER)
def end_user_sessions(name: str) -> dict[str, Any]:
    """End every open session of the user."""
    db = request_session()
    user = user_service.get_user(db, name)
    return {"ended": session_service.end_user_sessions(db, user.id,
                                                       session_service.ENDED_BY_ADMIN)}


@api_route(bp, "/sessions/<int:session_id>/end", permission="user.admin", methods=["POST"],
           response=SessionOut, tags=["users"], errors={404: "No such session."})
def end_session(session_id: int) -> dict[str, Any]:
    """End one session."""
    return session_service.session_dict(session_service.end_session(request_session(),
                                                                     session_id))


@api_route(bp, "/users/<name>/tokens", permission="user.admin", response=list[TokenOut],
           tags=["users"], errors=NO_USER)
def user_tokens(name: str) -> list[dict[str, Any]]:
    """The user's API tokens with their last use (revoked and expired ones too)."""
    return [user_service.token_dict(t)
            for t in user_service.list_tokens(request_session(), name)]


@api_route(bp, "/users/<name>/tokens", permission="user.admin", methods=["POST"], body=TokenIn,
           response=TokenCreatedOut, status=201, tags=["users"],
           errors={**NO_USER, 409: "The user is deactivated."})
def create_token(name: str, body: TokenIn) -> dict[str, Any]:
    """Issue an API token with a name and a lifetime; the secret is answered only here."""
    return _new_token(name, body)


def _new_token(name: str, body: TokenIn) -> dict[str, Any]:
    db = request_session()
    expires = user_service.parse_duration(body.expires) if body.expires else None
    secret = user_service.create_token(db, name, body.name, expires=expires)
    newest = user_service.list_tokens(db, name)[-1]
    return {**user_service.token_dict(newest), "token": secret}


@api_route(bp, "/tokens/<int:token_id>/revoke", permission="user.admin", methods=["POST"],
           response=TokenOut, tags=["users"], errors={404: "No such token."})
def revoke_token(token_id: int) -> dict[str, Any]:
    """Revoke an API token."""
    return user_service.token_dict(user_service.revoke_token(request_session(), token_id))


# --------------------------------------------------------------------------- plugins


class PluginOut(OutputModel):
    name: str
    version: str
    description: str
    builtin: bool
    enabled: bool
    loaded: bool
    essential: bool
    essential_reason: str | None
    requires: list[str]
    required_by: list[str]
    hooks: list[str] | None = Field(description="Hooks implemented (null: not loaded).")
    pages: list[str] = Field(description="The URL rules of its pages and API routes.")
    menu: list[str] = Field(description="Its main menu entries.")
    commands: list[str] = Field(description="Its CLI commands.")
    problem: str | None


def _plugin(name: str) -> dict[str, Any]:
    from ordercraft.web.views.site_admin import plugin_documents

    return next(p for p in plugin_documents(current_app) if p["name"] == name)


@api_route(bp, "/plugins", permission="site.admin", response=list[PluginOut], tags=["plugins"])
def list_plugins() -> list[dict[str, Any]]:
    """Installed plugins: version, state, requirements, and what each adds."""
    from ordercraft.web.views.site_admin import plugin_documents

    return plugin_documents(current_app)


def _switch(name: str, enabled: bool) -> dict[str, Any]:
    platform = get_platform()
    platform.plugin(name)
    platform.set_plugin_enabled(name, enabled)
    return _plugin(name)


@api_route(bp, "/plugins/<name>/enable", permission="site.admin", methods=["POST"],
           response=PluginOut, tags=["plugins"],
           errors={404: "No such plugin.", 409: "Its requirements are not enabled."})
@reads_first
def enable_plugin(name: str) -> dict[str, Any]:
    """Enable a plugin (the checks of 'ordercraft plugins enable')."""
    return _switch(name, True)


@api_route(bp, "/plugins/<name>/disable", permission="site.admin", methods=["POST"],
           response=PluginOut, tags=["plugins"],
           errors={404: "No such plugin.", 409: "Essential, or enabled plugins require it."})
@reads_first
def disable_plugin(name: str) -> dict[str, Any]:
    """Disable a plugin (the checks of 'ordercraft plugins disable'); its data stays."""
    return _switch(name, False)


# --------------------------------------------------------------------------- company


class CompanySettingOut(OutputModel):
    name: str
    label: str
    plugin: str
    value: str | None


class CompanyOut(OutputModel):
    settings: list[CompanySettingOut] = Field(description="Company details, currencies, "
                                                          "numbering series, working calendar.")
    has_logo: bool
    working_days: list[str]
    holidays: list[str]


class CompanyIn(InputModel):
    settings: dict[str, str] = Field(default_factory=dict, description="Setting name -> new "
                                                                       "value (any of the "
                                                                       "company settings).")


class LogoIn(InputModel):
    data: str | None = Field(description="The image (PNG, JPEG or GIF, at most 512 KB) in "
                                         "base64; null removes the logo.")


def _company() -> dict[str, Any]:
    from ordercraft.core.calendar import working_calendar
    from ordercraft.core.printing import company
    from ordercraft.core.settings import list_settings
    from ordercraft.web.views.site_admin import company_sections

    db = request_session()
    settings = [{"name": s["name"], "label": s["label"], "plugin": s["plugin"],
                 "value": None if s["value"] is None else str(s["value"])}
                for _title, group in company_sections(list_settings(db)) for s in group]
    return {"settings": settings, "has_logo": bool(company(db)["logo"]),
            **working_calendar(db).as_dict()}


@api_route(bp, "/admin/company", permission="site.admin", response=CompanyOut,
           tags=["administration"])
def get_company() -> dict[str, Any]:
    """The company settings used by print forms, money, numbering and deadlines."""
    return _company()


@api_route(bp, "/admin/company", permission="site.admin", methods=["PATCH"], body=CompanyIn,
           response=CompanyOut, tags=["administration"],
           errors={404: "Not a company setting.", 400: "A value is not valid."})
def change_company(body: CompanyIn) -> dict[str, Any]:
    """Change company settings (every value checked; all or nothing)."""
    from ordercraft.core.errors import NotFound
    from ordercraft.core.settings import list_settings, set_setting
    from ordercraft.web.views.site_admin import company_sections

    db = request_session()
    allowed = {s["name"] for _t, group in company_sections(list_settings(db)) for s in group}
    for name, value in body.settings.items():
        if name not in allowed:
            raise NotFound(f"settings: {name!r} is not a company setting (settings: "
                           f"{', '.join(sorted(allowed))})", field="settings")
        set_setting(db, name, value)
    return _company()


@api_route(bp, "/admin/company/logo", permission="site.admin", methods=["PUT"], body=LogoIn,
           response=CompanyOut, tags=["administration"],
           errors={400: "Not a PNG, JPEG or GIF image, or too large."})
def set_logo(body: LogoIn) -> dict[str, Any]:
    """Upload (or remove) the logo printed on the letterhead."""
    from ordercraft.core.printing import set_company_logo

    data = None
    if body.data is not None:
        try:
            data = base64.b64decode(body.data, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("data: not base64", field="data") from None
    set_company_logo(request_session(), data)
    return _company()


# --------------------------------------------------------------------------- backups


class BackupOut(OutputModel):
    name: str
    bytes: int
    made_at: str


class BackupsOut(OutputModel):
    folder: str
    daily: bool
    keep_days: int
    backups: list[BackupOut]


class ScheduleIn(InputModel):
    daily: bool | None = Field(None, description="Make a backup every day (ordercraft worker).")
    keep_days: int | None = Field(None, ge=1, le=100000, description="Remove backups older "
                                                                     "than this.")


def _backups() -> dict[str, Any]:
    from ordercraft.core.backup import backup_folder, list_backups
    from ordercraft.core.settings import get_setting

    platform = get_platform()
    db = request_session()
    return {"folder": str(backup_folder(platform)), "daily": get_setting(db, "backup_daily"),
            "keep_days": get_setting(db, "backup_keep_days"),
            "backups": [b.as_dict() for b in list_backups(platform)]}


@api_route(bp, "/admin/backups", permission="site.admin", response=BackupsOut,
           tags=["administration"])
def list_backups() -> dict[str, Any]:
    """The backup folder's backups (newest first) and the daily schedule."""
    return _backups()


@api_route(bp, "/admin/backups", permission="site.admin", methods=["POST"], response=BackupOut,
           status=201, tags=["administration"], errors={500: "The backup failed."})
@reads_first
def make_backup() -> dict[str, Any]:
    """Make a backup now into the backup folder."""
    from ordercraft.core.audit import record_change
    from ordercraft.core.backup import backup_file, backup_now
    from ordercraft.core.db import begin_writing

    platform = get_platform()
    result = backup_now(platform)
    db = request_session()
    begin_writing(db)
    record_change(db, "backup", result.path.name, {"bytes": [None, result.bytes]},
                  action="create")
    return backup_file(platform, result.path.name).as_dict()


@api_route(bp, "/admin/backups/<name>", permission="site.admin", tags=["administration"],
           media_type="application/octet-stream", errors={404: "No backup has this name."})
def download_backup(name: str) -> Any:
    """Download a backup file."""
    from ordercraft.core.backup import backup_file

    found = backup_file(get_platform(), name)
    return send_file(found.path, as_attachment=True, download_name=found.name,
                     mimetype="application/octet-stream")


@api_route(bp, "/admin/backups/schedule", permission="site.admin", methods=["PATCH"],
           body=ScheduleIn, response=BackupsOut, tags=["administration"])
def set_schedule(body: ScheduleIn) -> dict[str, Any]:
    """Turn the daily backup on or off and set how many days backups are kept."""
    from ordercraft.core.settings import set_setting

    db = request_session()
    if body.daily is not None:
        set_setting(db, "backup_daily", body.daily)
    if body.keep_days is not None:
        set_setting(db, "backup_keep_days", body.keep_days)
    return _backups()


# --------------------------------------------------------------------------- audit


class AuditQuery(PageQuery):
    user: str | None = Field(None, max_length=100, description="The acting user's name.")
    entity: str | None = Field(None, max_length=50, description="The object's kind (order, "
                                                                "login, user ...).")
    entity_id: str | None = Field(None, max_length=50)
    action: str | None = Field(None, max_length=10, description="create, update, delete, "
                                                                "login, refused, export ...")
    since: date | None = Field(None, description="From this day (UTC), included.")
    until: date | None = Field(None, description="To this day (UTC), included.")


class AuditOut(OutputModel):
    id: int
    at: str
    user: str | None
    entity: str
    entity_id: str
    action: str
    changes: dict[str, Any]


@api_route(bp, "/audit", permission="user.admin", query=AuditQuery, response=Page[AuditOut],
           tags=["administration"])
def search_audit(query: AuditQuery) -> dict[str, Any]:
    """Search the audit log (logins, refused logins and exports included), newest first."""
    from ordercraft.core.audit import audit_entry_dict
    from ordercraft.core.audit import search_audit as search
    from ordercraft.web.views.admin import day_bounds

    since, until = day_bounds(query.since.isoformat() if query.since else "",
                              query.until.isoformat() if query.until else "")
    rows, total = search(request_session(), user=query.user, entity=query.entity,
                         entity_id=query.entity_id, action=query.action, since=since,
                         until=until, limit=query.limit, offset=query.offset)
    return page([audit_entry_dict(r) for r in rows], total, query)


# --------------------------------------------------------------------------- me


class OwnPasswordIn(InputModel):
    current_password: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=200)


def _me() -> Any:
    from ordercraft.web.auth import current_user

    return current_user()


@api_route(bp, "/me", response=UserOut, tags=["me"])
def me() -> dict[str, Any]:
    """The signed-in user (any signed-in user)."""
    return user_service.user_dict(_me())


@api_route(bp, "/me", methods=["PATCH"], body=PreferencesIn, response=UserOut, tags=["me"],
           errors={400: "Not a language or not a time zone."})
def change_me(body: PreferencesIn) -> dict[str, Any]:
    """Change my language or time zone (the fields sent; \"\": the site's default)."""
    return user_service.user_dict(user_service.set_preferences(
        request_session(), _me(), language=body.language, time_zone=body.time_zone))


@api_route(bp, "/me/sessions", response=list[SessionOut], tags=["me"])
def my_sessions() -> list[dict[str, Any]]:
    """My open browser sessions, newest first."""
    return [session_service.session_dict(s)
            for s in session_service.list_sessions(request_session(), _me())]


@api_route(bp, "/me/sessions/<int:session_id>/end", methods=["POST"], response=SessionOut,
           tags=["me"], errors={404: "No such session.", 403: "Another user's session."})
def end_my_session(session_id: int) -> dict[str, Any]:
    """End one of my sessions."""
    return session_service.session_dict(session_service.end_session(request_session(),
                                                                    session_id))


@api_route(bp, "/me/tokens", response=list[TokenOut], tags=["me"])
def my_tokens() -> list[dict[str, Any]]:
    """My API tokens with their last use."""
    return [user_service.token_dict(t)
            for t in user_service.list_tokens(request_session(), _me().name)]


@api_route(bp, "/me/tokens", methods=["POST"], body=TokenIn, response=TokenCreatedOut,
           status=201, tags=["me"])
def create_my_token(body: TokenIn) -> dict[str, Any]:
    """Issue myself an API token; the secret is answered only here."""
    return _new_token(_me().name, body)


@api_route(bp, "/me/tokens/<int:token_id>/revoke", methods=["POST"], response=TokenOut,
           tags=["me"], errors={404: "No such token.", 403: "Another user's token."})
def revoke_my_token(token_id: int) -> dict[str, Any]:
    """Revoke one of my API tokens."""
    return user_service.token_dict(user_service.revoke_token(request_session(), token_id))


@api_route(bp, "/me/password", methods=["POST"], body=OwnPasswordIn, status=204, tags=["me"],
           errors={400: "The current password is wrong, or the new one too short."})
def change_my_password(body: OwnPasswordIn) -> Any:
    """Change my password (the current one is needed); my sessions end and my API tokens
    are revoked."""
    user_service.change_own_password(request_session(), _me(), body.current_password,
                                     body.password)
    return None, 204
