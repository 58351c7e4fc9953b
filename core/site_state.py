"""Which plugins are disabled on a site, read with the bare database driver.

The CLI reads this before it decides which plugin commands exist; going through
SQLAlchemy would cost half a second on every ``ordercraft --help``. The ORM side
(``core.models.PluginState``) writes the same two tables.
"""

from __future__ import annotations

import os
from typing import Any

STATE_SQL = "SELECT name FROM plugin_states WHERE enabled = {false}"
REVISION_SQL = "SELECT value FROM site_settings WHERE key = 'plugins_revision'"


def _sqlite_path(url: str) -> str | None:
    rest = url.split(":", 1)[1]
    if rest in ("", "//", "///:memory:") or "mode=memory" in rest:
        return None
    path = rest[3:] if rest.startswith("///") else rest.lstrip("/")
    return path.split("?", 1)[0]


def _query(cursor: Any, false: str) -> tuple[str, frozenset[str]]:
    try:
        cursor.execute(REVISION_SQL)
        row = cursor.fetchone()
        cursor.execute(STATE_SQL.format(false=false))
        disabled = frozenset(r[0] for r in cursor.fetchall())
    except Exception:  # a new site: the tables do not exist yet
        return "", frozenset()
    return (row[0] if row else ""), disabled


def read_plugin_state(url: str) -> tuple[str, frozenset[str]]:
    """``(revision, disabled plugin names)`` of the site at ``url``; empty for a new site."""
    if url.startswith("sqlite"):
        import sqlite3

        path = _sqlite_path(url)
        if path is None or not os.path.exists(path):
            return "", frozenset()
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return _query(connection.cursor(), "0")
        finally:
            connection.close()
    if url.startswith("postgres"):
        import psycopg

        conninfo = "postgresql://" + url.split("://", 1)[1]
        try:
            connection = psycopg.connect(conninfo, connect_timeout=10)
        except psycopg.OperationalError:
            return "", frozenset()
        try:
            with connection.cursor() as cursor:
                return _query(cursor, "false")
        finally:
            connection.close()
    return "", frozenset()


def read_plugin_state_on(connection: Any) -> tuple[str, frozenset[str]]:
    """The same, through an open SQLAlchemy connection (the running site's own)."""
    false = "0" if connection.dialect.name == "sqlite" else "false"
    raw = connection.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        return _query(cursor, false)
    finally:
        cursor.close()
