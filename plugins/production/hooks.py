"""The typed calls of production's own hooks (declared in :mod:`.hookspecs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import HookWrapper

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.plugins.production.models import ProductionOrder


class ProductionHooks(HookWrapper):
    """production's hooks, one method each: ``ProductionHooks.of(session).production_order_done(...)``."""

    def production_order_done(self, session: Session, order: ProductionOrder) -> None:
        self.call_each("production_order_done", session=session, order=order)
