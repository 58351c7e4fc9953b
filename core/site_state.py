"""Which plugins are disabled on a site, and the revision of that choice.

The CLI reads this before it decides which plugin commands exist, with the bare
database driver: going through SQLAlchemy would cost half a second on every
``ordercraft --help``. Running processes read it through their own connection
(:func:`read_plugin_state_on`) before each request or tick, and reload their
plugins when the revision changed. The ORM side (``core.models.PluginState`` and
``SiteSetting``) writes the same two tables.
"""

from __future__ import annotations

import os
from typing import Any

from ordercraft.core.config import sqlite_file_path
from ordercraft.core.errors import DatabaseMissing

STATE_SQL = "SELECT name FROM plugin_states WHERE enabled = {false}"
REVISION_SQL = "SELECT value FROM site_settings WHERE key = 'plugins_revision'"
REVISION_KEY = "plugins_revision"


def _is_missing_table(exc: BaseException) -> bool:
    """A new site: the tables do not exist yet (any other failure is an error)."""
    text = str(exc).lower()
    return "no such table" in text or type(exc).__name__ == "UndefinedTable"


def _query(cursor: Any, false: str) -> tuple[str, frozenset[str]]:
    try:
        cursor.execute(REVISION_SQL)
        row = cursor.fetchone()
        cursor.execute(STATE_SQL.format(false=false))
        disabled = frozenset(r[0] for r in cursor.fetchall())
    except Exception as exc:
        if _is_missing_table(exc):
            return "", frozenset()
        raise
    return (row[0] if row else ""), disabled


def read_plugin_state(url: str) -> tuple[str, frozenset[str]]:
    """``(revision, disabled plugin names)`` of the site at ``url``; empty for a new site.

    A database that cannot be reached reads as a new site: the command that needs it
    reports the failure itself, and ``--help`` keeps working.
    """
    if url.startswith("sqlite"):
        import sqlite3

        path = sqlite_file_path(url)
        if path is None or not os.path.exists(path):
            return "", frozenset()
        try:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            try:
                return _query(connection.cursor(), "0")
            finally:
                connection.close()
        except sqlite3.DatabaseError as exc:
            raise DatabaseMissing(f"cannot read the site's plugin settings from {path}: {exc}",
                                  code="database_unreadable") from exc
    if url.startswith("postgres"):
        return _read_with_psycopg("postgresql://" + url.split("://", 1)[1])
    return "", frozenset()


def _read_with_psycopg(conninfo: str) -> tuple[str, frozenset[str]]:
    import psycopg

    try:
        connection = psycopg.connect(conninfo, connect_timeout=10)
    except psycopg.OperationalError:
        return "", frozenset()
    try:
        with connection.cursor() as cursor:
            return _query(cursor, "false")
    finally:
        connection.close()


def read_plugin_state_on(connection: Any) -> tuple[str, frozenset[str]]:
    """The same, through an open SQLAlchemy connection (the running site's own).

    It uses the driver's cursor directly: a SQLAlchemy transaction on SQLite starts
    with ``BEGIN IMMEDIATE``, and a write lock on every request would serialise reads.
    """
    false = "0" if connection.dialect.name == "sqlite" else "false"
    raw = connection.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        return _query(cursor, false)
    finally:
        cursor.close()
        # PostgreSQL opened a transaction for the reads (or aborted one on a new site).
        raw.rollback()


def bump_revision(session: Any) -> str:
    """Give the plugin set a new revision in the session's transaction; every process
    that sees a revision other than its own reloads its plugins.

    A random token rather than a counter: two changes committed at the same moment
    still leave a revision that neither process has seen.
    """
    import secrets

    from ordercraft.core.models import SiteSetting

    setting = session.get(SiteSetting, REVISION_KEY, with_for_update=True)
    if setting is None:
        setting = SiteSetting(key=REVISION_KEY)
        session.add(setting)
    setting.value = secrets.token_hex(8)
    return setting.value
