"""``ordercraft init`` and ``ordercraft db ...``."""

from __future__ import annotations

import click

from ordercraft.core.cli.common import current_platform, display_url, emit, json_option


@click.command("init")
@click.option("--admin-password", envvar="ORDERCRAFT_ADMIN_PASSWORD", metavar="PASSWORD",
              help="Password of the first user, admin (else one is generated and printed once).")
@json_option
def init_command(admin_password: str | None, as_json: bool) -> None:
    """Create a new site: the schema and the first user, admin."""
    from ordercraft.core.site import initialise_site

    platform = current_platform()
    result = initialise_site(platform, admin_password)
    url = display_url(platform.database_url)
    if not result.created:
        emit(as_json, {"ok": True, "created": False, "database": url},
             f"the site at {url} already exists; nothing was changed")
        return
    document = {"ok": True, "created": True, "database": url, "admin": "admin"}
    if result.password_generated:
        document["admin_password"] = result.admin_password
    text = f"created the site at {url}; user: admin"
    if result.password_generated:
        text += f"\nadmin password (shown once): {result.admin_password}"
    emit(as_json, document, text)


@click.group("db")
def db_group() -> None:
    """Database schema: upgrade, status, revision."""


@db_group.command("upgrade")
@json_option
def db_upgrade(as_json: bool) -> None:
    """Bring the database to the newest schema (every plugin's branch included), give the
    roles the default permissions declared since (a revoked one stays revoked) and store
    the plugins' newly declared custom fields."""
    from ordercraft.core import schema
    from ordercraft.core.site import apply_declarations

    platform = current_platform()
    applied = schema.upgrade(platform)
    with platform.session() as session:
        apply_declarations(session)
    emit(as_json, {"ok": True, "applied": applied},
         f"upgraded: {', '.join(applied)}" if applied else "the schema is up to date")


@db_group.command("status")
@json_option
def db_status(as_json: bool) -> None:
    """Show whether the schema is initialised and up to date."""
    from ordercraft.core import schema

    platform = current_platform()
    initialised = schema.is_initialised(platform)
    pending = schema.pending_revisions(platform) if initialised else []
    emit(as_json, {"ok": True, "initialised": initialised, "pending": pending,
                   "database": display_url(platform.database_url)},
         ("not initialised (run: ordercraft init)" if not initialised else
          f"pending revisions: {', '.join(pending)}" if pending else "up to date"))


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes.")
@click.option("--owner", default="core", show_default=True,
              help="Whose tables: 'core' or a plugin's name.")
def db_revision(message: str, owner: str) -> None:
    """Autogenerate a migration from the models (for developers)."""
    from ordercraft.core import schema

    path = schema.new_revision(current_platform(), message, owner=owner)
    click.echo(f"wrote {path}")


@click.group("site")
def site_group() -> None:
    """The site itself: its secret key."""


@site_group.command("rotate-secret")
@json_option
def site_rotate_secret(as_json: bool) -> None:
    """Write a new secret key (the cookie signing key) and end every browser session.

    Restart the web processes afterwards so that all of them sign with the new key.
    """
    from ordercraft.core.secret_key import rotate_secret_key

    path = rotate_secret_key(current_platform())
    emit(as_json, {"ok": True, "key_file": str(path) if path else None},
         f"wrote a new secret key to {path}; every session has ended (restart the web "
         "processes)")
