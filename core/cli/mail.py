"""``ordercraft mail ...``: the outbox (list, show, retry), the SMTP settings and a test
message. Messages are sent by ``ordercraft worker``; docs/mail.md."""

from __future__ import annotations

import click

from ordercraft.core.cli.acting import acting_session, user_option
from ordercraft.core.cli.common import emit, json_option
from ordercraft.core.cli.records import page_text, record_text

MESSAGE_COLUMNS = ["id", "state", "to", "subject", "attempts", "when", "last_error"]
MESSAGE_FIELDS = ["id", "state", "to", "cc", "subject", "about", "source", "queued_by",
                  "created_at", "attempts", "next_attempt_at", "sent_at", "last_error",
                  "message_id", "attachments"]
SETTING_FIELDS = ["host", "port", "security", "user", "ca_file", "sender", "max_attempts",
                  "site_url", "ready", "password_set"]


@click.group("mail")
def mail_group() -> None:
    """Outgoing mail: the outbox, the SMTP settings, a test message."""


@mail_group.command("list")
@click.option("--state", type=click.Choice(["queued", "sending", "sent", "failed"]),
              help="Only messages in this state.")
@click.option("--about", metavar="TYPE:ID", help="Only messages about this object "
              "(order:12, task:7).")
@click.option("--limit", metavar="N", help="At most N messages (default 50, at most 1000).")
@click.option("--offset", metavar="N", help="Skip the first N messages.")
@user_option
@json_option
def mail_list(state: str | None, about: str | None, limit: str | None, offset: str | None,
              user_name: str | None, as_json: bool) -> None:
    """List the outbox, newest first."""
    from ordercraft.core.mail.outbox import list_messages, message_dict

    with acting_session(user_name) as session:
        body = list_messages(session, state=state, about=about, limit=limit,
                             offset=offset).to_dict("messages", message_dict)

    def text() -> str:
        rows = [{**row, "to": ", ".join(row["to"]),
                 "when": row["sent_at"] or row["next_attempt_at"] or ""}
                for row in body["messages"]]
        return page_text({**body, "messages": rows}, "messages", MESSAGE_COLUMNS)

    emit(as_json, {"ok": True, **body}, text)


@mail_group.command("show")
@click.argument("message_id", metavar="ID")
@user_option
@json_option
def mail_show(message_id: str, user_name: str | None, as_json: bool) -> None:
    """One message: its state, attempts, last error, body and attachments."""
    from ordercraft.core.mail.outbox import get_message, message_dict

    with acting_session(user_name) as session:
        body = message_dict(get_message(session, message_id), details=True)

    def text() -> str:
        names = [f"{a['filename']} ({a['content_type']}, {a['size']:,} bytes)"
                 for a in body["attachments"]]
        return (record_text({**body, "attachments": names}, MESSAGE_FIELDS)
                + "\n\n" + body["text"])

    emit(as_json, {"ok": True, "message": body}, text)


@mail_group.command("retry")
@click.argument("message_id", metavar="ID")
@user_option
@json_option
def mail_retry(message_id: str, user_name: str | None, as_json: bool) -> None:
    """Queue a failed message again (sent by the worker's next round)."""
    from ordercraft.core.mail.outbox import message_dict, retry_message

    with acting_session(user_name) as session:
        body = message_dict(retry_message(session, message_id))
    emit(as_json, {"ok": True, "message": body},
         f"message {body['id']} is queued again (due {body['next_attempt_at']})")


@mail_group.command("settings")
@click.option("--host", help="The SMTP server ('' to stop sending).")
@click.option("--port", help="Its port (25; 587 for STARTTLS, 465 for SSL).")
@click.option("--security", type=click.Choice(["none", "starttls", "ssl"]))
@click.option("--smtp-user", "smtp_user", help="The SMTP login ('' for none); the password "
              "comes from ORDERCRAFT_SMTP_PASSWORD.")
@click.option("--ca-file", help="CA certificates to trust instead of the system's ('' to "
              "reset).")
@click.option("--from", "sender", help="The From address.")
@click.option("--max-attempts", help="Attempts before a message is failed (default 8).")
@click.option("--site-url", help="Where people open the site, for links in mails.")
@user_option
@json_option
def mail_settings(host: str | None, port: str | None, security: str | None,
                  smtp_user: str | None, ca_file: str | None, sender: str | None,
                  max_attempts: str | None, site_url: str | None, user_name: str | None,
                  as_json: bool) -> None:
    """Show the SMTP settings, or change those given."""
    from ordercraft.core.mail.settings import read_settings, update_settings
    from ordercraft.core.permissions import require_session_permission

    changes = {"host": host, "port": port, "security": security, "user": smtp_user,
               "ca_file": ca_file, "sender": sender, "max_attempts": max_attempts,
               "site_url": site_url}
    with acting_session(user_name) as session:
        if any(value is not None for value in changes.values()):
            settings = update_settings(session, **changes)
        else:
            require_session_permission(session, "mail.read")
            settings = read_settings(session)
    body = settings.as_dict()
    emit(as_json, {"ok": True, "settings": body}, lambda: record_text(body, SETTING_FIELDS))


@mail_group.command("test")
@click.option("--to", "to", required=True, metavar="ADDRESS", help="Who gets the message.")
@user_option
@json_option
def mail_test(to: str, user_name: str | None, as_json: bool) -> None:
    """Queue a test message (``ordercraft worker --once`` sends it)."""
    from ordercraft.core.mail.outbox import message_dict, queue_mail
    from ordercraft.core.mail.templates import render_mail
    from ordercraft.core.permissions import require_session_permission

    with acting_session(user_name) as session:
        require_session_permission(session, "mail.manage")
        user = session.info.get("user")
        content = render_mail(session, "mail/test",
                              {"requested_by": user.name if user is not None else "the site"})
        body = message_dict(queue_mail(session, to=to, content=content))
    emit(as_json, {"ok": True, "message": body},
         f"message {body['id']} to {', '.join(body['to'])} is queued")
