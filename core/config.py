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
