"""``ordercraft backup FILE`` and ``ordercraft restore FILE``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ordercraft.core.cli.common import (
    current_platform,
    display_url,
    emit,
    json_option,
    ready_platform,
)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@json_option
def backup_command(file: Path, force: bool, as_json: bool) -> None:
    """Write a consistent snapshot of the site to FILE, while the site runs.

    SQLite: a copy made with SQLite's online backup API (itself a SQLite file).
    PostgreSQL: a pg_dump archive (custom format) of the site's schema; needs pg_dump.
    """
    from ordercraft.core.backup import backup

    platform = ready_platform(start=False)
    result = backup(platform, file, overwrite=force)
    emit(as_json, {"ok": True, "file": str(result.path), "format": result.kind,
                   "bytes": result.bytes, "revisions": result.revisions,
                   "database": display_url(platform.database_url)},
         f"wrote a backup of {display_url(platform.database_url)} to {result.path} "
         f"({result.bytes} bytes, {result.kind})")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def restore_command(file: Path, yes: bool, as_json: bool) -> None:
    """Replace all of the site's data with the backup in FILE.

    The file must be an Ordercraft backup of the same kind of database (made by
    'ordercraft backup'). PostgreSQL needs pg_restore and psql; the restore runs in
    one transaction, so a failure leaves the site unchanged.
    """
    from ordercraft.core.backup import restore
    from ordercraft.core.errors import ValidationError

    platform = current_platform()
    url = display_url(platform.database_url)
    if not yes:
        if not sys.stdin.isatty():
            raise ValidationError(f"restore replaces all data of the site at {url}: pass --yes "
                                  "to confirm", code="confirmation_required", field="yes")
        click.confirm(f"Replace all data of the site at {url} with {file}?", abort=True)
    result = restore(platform, file)
    text = f"restored {url} from {result.path}"
    if result.pending:
        text += (f"\nthe backup predates {len(result.pending)} schema revision(s) of this "
                 "installation: run 'ordercraft db upgrade'")
    emit(as_json, {"ok": True, "file": str(result.path), "format": result.kind,
                   "revisions": result.revisions, "pending": result.pending,
                   "database": url}, text)
