"""The typed calls of sales' own hooks (declared in :mod:`.hookspecs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import HookWrapper

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.plugins.sales.fulfilment import Shortage
    from ordercraft.plugins.sales.models import Order, Shipment


class SalesHooks(HookWrapper):
    """sales' hooks, one method each: ``SalesHooks.of(session).order_shortages(...)``."""

    def order_shortages(self, session: Session, order: Order, shortages: list[Shortage]) -> None:
        self.call_each("order_shortages", session=session, order=order, shortages=shortages)

    def shipment_serials(self, session: Session, order: Order, shipment: Shipment,
                         serials: dict[int, list[str]]) -> None:
        self.call_each("shipment_serials", session=session, order=order, shipment=shipment,
                       serials=serials)
