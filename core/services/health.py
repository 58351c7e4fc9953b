"""Is the site able to serve? (the web app's ``/health`` and monitoring)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ordercraft.core.platform import Platform


@dataclass(frozen=True)
class DatabaseHealth:
    ok: bool
    error: str | None = None


def check_database(platform: Platform) -> DatabaseHealth:
    """One ``SELECT 1`` outside any transaction (it takes no lock, even on SQLite)."""
    try:
        with platform.engine.connect() as connection:
            # The driver's cursor: SQLAlchemy would begin a transaction, and on SQLite
            # every transaction takes the write lock.
            cursor = connection.connection.dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
                cursor.fetchall()
            finally:
                cursor.close()
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, health reports it
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return DatabaseHealth(False, f"{type(exc).__name__}: {reason}")
    return DatabaseHealth(True)
