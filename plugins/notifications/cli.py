"""``ordercraft notifications list|read|preferences``, for the acting user (``--user NAME``
or ``ORDERCRAFT_USER``). Every command takes ``--json``."""

from __future__ import annotations

from typing import Any

import click

from ordercraft.sdk.cli import acting_session, emit, json_option, table, user_option

COLUMNS = ["id", "kind", "text", "created_at", "read"]


@click.group("notifications")
def notifications_group() -> None:
    """Your notifications about tasks, and how you get them."""


def _rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "created_at": row["created_at"].strftime("%Y-%m-%d %H:%M"),
             "read": "yes" if row["read"] else ""} for row in items]


@notifications_group.command("list")
@click.option("--unread", is_flag=True, help="Only the unread ones.")
@click.option("--limit", metavar="N", help="At most N (default 50, at most 1000).")
@click.option("--offset", metavar="N", help="Skip the first N.")
@user_option
@json_option
def list_command(unread: bool, limit: str | None, offset: str | None, user_name: str | None,
                 as_json: bool) -> None:
    """List your notifications, newest first."""
    from ordercraft.plugins.notifications.service import list_notifications, notification_dict

    with acting_session(user_name) as session:
        found = list_notifications(session, session.info.get("user"), unread=unread,
                                   limit=limit, offset=offset)
        body = found.to_dict("notifications", notification_dict)
    emit(as_json, {"ok": True, **body},
         lambda: table(_rows(body["notifications"]), COLUMNS)
         + f"\n{len(body['notifications'])} of {body['total']}")


@notifications_group.command("read")
@click.argument("notification_ids", metavar="[ID]...", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Mark every unread one read.")
@user_option
@json_option
def read_command(notification_ids: tuple[str, ...], everything: bool, user_name: str | None,
                 as_json: bool) -> None:
    """Mark notifications read: the ones given, or --all."""
    from ordercraft.plugins.notifications.service import mark_all_read, mark_read
    from ordercraft.sdk import ValidationError

    if not notification_ids and not everything:
        raise ValidationError("id: give the notifications to mark read, or --all", field="id")
    with acting_session(user_name) as session:
        user = session.info.get("user")
        if everything:
            marked = mark_all_read(session, user)
        else:
            for key in notification_ids:
                mark_read(session, user, key)
            marked = len(notification_ids)
    emit(as_json, {"ok": True, "marked": marked}, f"{marked} marked read")


@notifications_group.command("preferences")
@click.option("--kind", type=click.Choice(["assigned", "reminder", "escalated"]),
              help="The kind to change.")
@click.option("--in-app/--no-in-app", "in_app", default=None, help="Told in the app.")
@click.option("--email/--no-email", "email", default=None, help="Told by e-mail.")
@user_option
@json_option
def preferences_command(kind: str | None, in_app: bool | None, email: bool | None,
                        user_name: str | None, as_json: bool) -> None:
    """Show what you are told about, or change one kind with --kind."""
    from ordercraft.plugins.notifications.service import preferences, set_preferences
    from ordercraft.sdk import ValidationError

    changes = {name: value for name, value in (("in_app", in_app), ("email", email))
               if value is not None}
    if changes and kind is None:
        raise ValidationError("kind: say which kind to change (--kind)", field="kind")
    with acting_session(user_name) as session:
        user = session.info.get("user")
        found = (set_preferences(session, user, {kind: changes}) if kind
                 else preferences(session, user))
        rows = [p.as_dict() for p in found]
    emit(as_json, {"ok": True, "preferences": rows},
         lambda: table([{**r, "in_app": "yes" if r["in_app"] else "no",
                         "email": "yes" if r["email"] else "no"} for r in rows],
                       ["kind", "in_app", "email", "label"]))
