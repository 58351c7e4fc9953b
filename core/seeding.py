"""Helpers for the seeders of the demo site, the core's and the plugins' (hook
``demo_data``): find the story's people and client, act as a colleague, backdate what
the demo says happened months ago, receive the stock a story needs, set the site's
settings it relies on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.models import Party, User

#: The client of the demo's story (DESIGN.md): a robotics school ordering robots.
STORY_CLIENT = "Future Engineers Robotics School"


def demo_users(session: Session) -> dict[str, User]:
    """The site's users by name (the demo's colleagues: ``manager``, ``engineer``,
    ``economist``, ``storekeeper``, and ``admin``)."""
    from sqlalchemy import select

    from ordercraft.core.models import User

    return {user.name: user for user in session.scalars(select(User))}


def story_client(session: Session) -> Party | None:
    """The story's robotics school, when the core's demo parties are there."""
    from sqlalchemy import select

    from ordercraft.core.models import Party

    return session.scalar(select(Party).where(Party.name == STORY_CLIENT))


@contextmanager
def acting_as(session: Session, user: User | None) -> Iterator[Session]:
    """Within the block the operation acts as ``user`` (their permissions apply, the audit
    log and timelines name them); the previous acting user comes back afterwards."""
    previous = session.info.get("user")
    session.info["user"] = user
    try:
        yield session
    finally:
        session.info["user"] = previous


def date_creations(session: Session, model: Any, column: str = "created_at") -> None:
    """Date the audit log's creation entries of ``model``'s rows with the rows' own
    ``column``: the log dates a creation when it is written, the demo's rows were made
    "months ago"."""
    from sqlalchemy import String, cast, select, update

    from ordercraft.core.models import AuditEntry

    session.flush()
    when = select(getattr(model, column)).where(cast(model.id, String) == AuditEntry.entity_id)
    session.execute(update(AuditEntry).where(AuditEntry.entity == model.__audit_entity__,
                                             AuditEntry.action == "create")
                    .values(at=when.scalar_subquery()))


def default_settings(session: Session, values: Mapping[str, str]) -> None:
    """Set the site settings of ``values`` that the site has not set yet."""
    from ordercraft.core.models import SiteSetting

    for key, value in values.items():
        if session.get(SiteSetting, key) is None:
            session.add(SiteSetting(key=key, value=value))
    session.flush()


def receive_missing(session: Session, wanted: Mapping[str, Decimal], unit_costs: Mapping[str, Any],
                    *, warehouse: str, on: date, ref: str, note: str = "") -> None:
    """One receipt of what ``warehouse`` lacks of ``wanted`` (SKU -> quantity available
    for the story), at ``unit_costs`` (SKUs without a cost are left out), dated ``on``:
    the story finds its stock whatever else the site holds."""
    from ordercraft.core.stock import api as stock

    lines = []
    for sku, qty in sorted(wanted.items()):
        missing = qty - stock.balance(session, sku, warehouse).available
        if missing > 0 and sku in unit_costs:
            lines.append(stock.LineSpec(sku, warehouse, missing, unit_costs[sku]))
    if lines:
        stock.post(session, "receipt", lines, date=on, ref=ref, note=note)
