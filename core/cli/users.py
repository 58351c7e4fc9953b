"""``ordercraft user add|list|show|passwd|sessions|session-end|token|tokens|token-revoke|
deactivate|activate``."""

from __future__ import annotations

import secrets

import click

from ordercraft.core.cli.common import emit, json_option, ready_platform, table
from ordercraft.core.cli.records import record_text, value_text
from ordercraft.core.permissions import ROLE_NAMES

SHOW_KEYS = ["id", "name", "full_name", "email", "roles", "manager", "active", "language",
             "time_zone"]
LIST_COLUMNS = ["name", "full_name", "roles", "manager", "active"]


def _new_password() -> str:
    return secrets.token_urlsafe(12)


def _ask_password(name: str) -> str:
    # The prompt goes to stderr so that --json output stays one document.
    return click.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True,
                        err=True)


@click.group("user")
def user_group() -> None:
    """Users, their roles, passwords and API tokens."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, metavar="ROLE",
              help=f"A role (repeatable): {', '.join(ROLE_NAMES)}.")
@click.option("--password", metavar="PASSWORD",
              help="The password (else one is generated and printed once).")
@click.option("--prompt-password", is_flag=True, help="Ask for the password on the terminal.")
@click.option("--full-name", "full_name", default="", help="The person's full name.")
@click.option("--email", default="", help="Their e-mail address.")
@click.option("--manager", metavar="USER", help="Their manager (overdue tasks escalate there).")
@json_option
def user_add(name: str, roles: tuple[str, ...], password: str | None, prompt_password: bool,
             full_name: str, email: str, manager: str | None, as_json: bool) -> None:
    """Add the user NAME with one or more roles."""
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.services import users

    if not roles:
        raise ValidationError(f"role: give the user at least one --role ({', '.join(ROLE_NAMES)})",
                              field="role")
    if password is not None and prompt_password:
        raise ValidationError("password: give --password or --prompt-password, not both",
                              field="password")
    platform = ready_platform()
    generated = password is None and not prompt_password
    if prompt_password:
        password = _ask_password(name)
    elif generated:
        password = _new_password()
    with platform.session() as session:
        user = users.create_user(session, name, roles=roles, password=password,
                                 full_name=full_name, email=email, manager=manager)
        document = users.user_dict(user)
    result = {"ok": True, "user": document}
    text = f"added user {document['name']} (roles: {', '.join(document['roles'])})"
    if generated:
        result["password"] = password
        text += f"\npassword (shown once): {password}"
    emit(as_json, result, text)


@user_group.command("list")
@json_option
def user_list(as_json: bool) -> None:
    """List the users."""
    from ordercraft.core.services import users

    with ready_platform().session() as session:
        rows = [users.user_dict(user) for user in users.list_users(session)]
    emit(as_json, {"ok": True, "users": rows}, lambda: table(
        [{c: value_text(r.get(c)) for c in LIST_COLUMNS} for r in rows], LIST_COLUMNS))


@user_group.command("show")
@click.argument("name")
@json_option
def user_show(name: str, as_json: bool) -> None:
    """Show the user NAME."""
    from ordercraft.core.services import users

    with ready_platform().session() as session:
        document = users.user_dict(users.get_user(session, name))
    emit(as_json, {"ok": True, "user": document}, lambda: record_text(document, SHOW_KEYS))


@user_group.command("update")
@click.argument("name")
@click.option("--full-name", "full_name", help="The person's full name.")
@click.option("--email", help="Their e-mail address.")
@click.option("--manager", metavar="USER", help='Their manager ("" removes the manager).')
@click.option("--language", metavar="CODE",
              help='The interface language: en, id, fr, ar or mn ("" the site default).')
@click.option("--time-zone", "time_zone", metavar="ZONE",
              help='An IANA time zone such as Asia/Jakarta ("" the site default).')
@json_option
def user_update(name: str, full_name: str | None, email: str | None, manager: str | None,
                language: str | None, time_zone: str | None, as_json: bool) -> None:
    """Change the user NAME: the options given, the rest stays."""
    from ordercraft.core.services import users

    with ready_platform().session() as session:
        user = users.update_user(session, name, full_name=full_name, email=email,
                                 manager=manager, language=language, time_zone=time_zone)
        document = users.user_dict(user)
    emit(as_json, {"ok": True, "user": document},
         lambda: f"updated user {name}\n" + record_text(document, SHOW_KEYS))


@user_group.command("token")
@click.argument("name")
@click.option("--name", "--label", "label", default="", metavar="TEXT",
              help="What the token is for, e.g. 'accounting sync'.")
@click.option("--expires", metavar="DURATION",
              help="How long it works: 90d, 12h, 2w or 30m (default: until revoked).")
@json_option
def user_token(name: str, label: str, expires: str | None, as_json: bool) -> None:
    """Create an API token for NAME and print it (only this once)."""
    from ordercraft.core.services import users

    lifetime = users.parse_duration(expires) if expires is not None else None
    with ready_platform().session() as session:
        token = users.create_token(session, name, label=label, expires=lifetime)
        document = users.token_dict(users.list_tokens(session, name)[-1])
    text = f"API token for {name} (shown once, store it now):\n{token}"
    if document["expires_at"]:
        text += f"\nexpires {document['expires_at']}"
    emit(as_json, {"ok": True, "user": name, "token": token, "token_info": document}, text)


@user_group.command("tokens")
@click.argument("name")
@json_option
def user_tokens(name: str, as_json: bool) -> None:
    """List the API tokens of NAME: name, expiry, last use, revoked or not."""
    from ordercraft.core.services import users

    with ready_platform().session() as session:
        rows = [users.token_dict(row) for row in users.list_tokens(session, name)]
    columns = ["id", "name", "created_at", "expires_at", "last_used_at", "active",
               "revoked_reason"]
    emit(as_json, {"ok": True, "user": name, "tokens": rows}, lambda: table(
        [{c: value_text(r.get(c)) for c in columns} for r in rows], columns))


@user_group.command("token-revoke")
@click.argument("token_id", metavar="ID", type=int)
@json_option
def user_token_revoke(token_id: int, as_json: bool) -> None:
    """Revoke the API token ID (from 'user tokens NAME')."""
    from ordercraft.core.services import users

    with ready_platform().session() as session:
        document = users.token_dict(users.revoke_token(session, token_id))
    emit(as_json, {"ok": True, "token": document},
         f"revoked API token {token_id} of {document['user']}")


def _set_active(name: str, active: bool, as_json: bool) -> None:
    from ordercraft.core.services import users

    with ready_platform().session() as session:
        document = users.user_dict(users.set_active(session, name, active))
    emit(as_json, {"ok": True, "user": document},
         f"{'activated' if active else 'deactivated'} user {name}")


@user_group.command("deactivate")
@click.argument("name")
@json_option
def user_deactivate(name: str, as_json: bool) -> None:
    """Deactivate NAME: no login, no API token, no session; their history stays."""
    _set_active(name, False, as_json)


@user_group.command("activate")
@click.argument("name")
@json_option
def user_activate(name: str, as_json: bool) -> None:
    """Let the deactivated user NAME log in again (their old tokens stay revoked)."""
    _set_active(name, True, as_json)


@user_group.command("passwd")
@click.argument("name")
@click.option("--password", metavar="PASSWORD", help="The new password (else it is asked).")
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
@json_option
def user_passwd(name: str, password: str | None, generate: bool, as_json: bool) -> None:
    """Set the password of the user NAME."""
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.services import users

    if password is not None and generate:
        raise ValidationError("password: give --password or --generate, not both",
                              field="password")
    platform = ready_platform()
    with platform.session() as session:
        users.get_user(session, name)  # a typo is reported before asking for the password
    if generate:
        password = _new_password()
    elif password is None:
        password = _ask_password(name)
    with platform.session() as session:
        users.set_password(session, name, password)
    result: dict[str, object] = {"ok": True, "user": name}
    text = f"changed the password of {name}"
    if generate:
        result["password"] = password
        text += f"\npassword (shown once): {password}"
    emit(as_json, result, text)


@user_group.command("sessions")
@click.argument("name")
@click.option("--all", "include_ended", is_flag=True, help="Ended sessions too.")
@json_option
def user_sessions(name: str, include_ended: bool, as_json: bool) -> None:
    """List the browser sessions of NAME (open ones, newest first)."""
    from ordercraft.core.services import sessions, users

    with ready_platform().session() as session:
        user = users.get_user(session, name)
        rows = [sessions.session_dict(record) for record in
                sessions.list_sessions(session, user, include_ended=include_ended)]
    columns = ["id", "created_at", "last_seen_at", "expires_at", "address", "end_reason"]
    emit(as_json, {"ok": True, "user": name, "sessions": rows}, lambda: table(
        [{c: value_text(r.get(c)) for c in columns} for r in rows], columns))


@user_group.command("session-end")
@click.argument("session_id", metavar="ID", type=int)
@json_option
def user_session_end(session_id: int, as_json: bool) -> None:
    """End the browser session ID (its user must log in again)."""
    from ordercraft.core.services import sessions

    with ready_platform().session() as session:
        document = sessions.session_dict(sessions.end_session(session, session_id))
    emit(as_json, {"ok": True, "session": document},
         f"ended session {session_id} of {document['user']}")
