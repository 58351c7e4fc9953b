"""What the home page shows: the size of the site and what changed lately."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.core.models import Item, Party, User, Warehouse
from ordercraft.core.permissions import has_permission


@dataclass(frozen=True)
class RecentParty:
    id: int
    name: str
    kind: str
    created_at: datetime


@dataclass
class SiteSummary:
    """Counts the user may see (``None`` where a permission is missing)."""

    clients: int | None = None
    suppliers: int | None = None
    items: int | None = None
    warehouses: int | None = None
    users: int | None = None
    recent_parties: list[RecentParty] = field(default_factory=list)


def site_summary(session: Session, recent: int = 6) -> SiteSummary:
    user = session.info.get("user")
    summary = SiteSummary()
    if has_permission(user, "party.read"):
        kinds = dict(session.execute(select(Party.kind, func.count()).group_by(Party.kind)).all())
        summary.clients = kinds.get("client", 0) + kinds.get("both", 0)
        summary.suppliers = kinds.get("supplier", 0) + kinds.get("both", 0)
        summary.recent_parties = [
            RecentParty(*row) for row in session.execute(
                select(Party.id, Party.name, Party.kind, Party.created_at)
                .order_by(Party.created_at.desc(), Party.id.desc()).limit(recent))]
    if has_permission(user, "item.read"):
        summary.items = session.scalar(select(func.count()).select_from(Item)) or 0
        summary.warehouses = session.scalar(select(func.count()).select_from(Warehouse)) or 0
    if has_permission(user, "user.admin"):
        summary.users = session.scalar(select(func.count()).select_from(User)) or 0
    return summary
