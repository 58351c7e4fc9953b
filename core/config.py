"""Site configuration from the environment (kept free of heavy imports)."""

from __future__ import annotations

import os

DEFAULT_DATABASE_URL = "sqlite:///ordercraft.db"


def resolve_database_url(url: str | None = None) -> str:
    """``--db URL``, else ``ORDERCRAFT_DATABASE_URL``, else ``ordercraft.db`` in this folder."""
    return normalise_url(url or os.environ.get("ORDERCRAFT_DATABASE_URL") or DEFAULT_DATABASE_URL)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_file_path(url: str) -> str | None:
    """The file of a SQLite ``url`` (``None`` for other databases and in-memory ones)."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split(":", 1)[1]
    if rest in ("", "//", "///:memory:") or "mode=memory" in rest:
        return None
    path = rest[3:] if rest.startswith("///") else rest.lstrip("/")
    return path.split("?", 1)[0]
