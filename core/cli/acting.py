"""Acting as a user on the command line: ``--user NAME`` and one transaction acting as
that user.

Commands act as the site's owner (the system) unless ``--user NAME`` (or the
environment variable ``ORDERCRAFT_USER``) names a user: then that user's permissions
apply, exactly as in the web app and the API, and the audit log and timelines record
them. Plugins' commands use the same two helpers (``ordercraft.sdk.cli``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from ordercraft.core.cli.common import ready_platform

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def user_option(function: Any) -> Any:
    """``--user NAME`` (default: ``ORDERCRAFT_USER``), passed as ``user_name``."""
    return click.option("--user", "user_name", metavar="NAME", envvar="ORDERCRAFT_USER",
                        help="Act as this user (default: ORDERCRAFT_USER, else the site's "
                             "owner).")(function)


@contextmanager
def acting_session(user_name: str | None) -> Iterator[Session]:
    """One transaction acting as ``user_name`` (or as the system)."""
    from ordercraft.core.services.users import get_user

    with ready_platform().session() as session:
        if user_name:
            session.info["user"] = get_user(session, user_name)
        yield session
