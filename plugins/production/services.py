"""The service production offers to other plugins (``plugin_service(session,
"production", "structure")``). It returns plain dataclasses with ``Decimal`` values, never
production's tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ComponentLine:
    """One line of an item's active BOM: ``qty`` of the component (in its base unit, scrap
    included) per one unit of the product in its base unit."""

    component_id: int
    component: str
    qty: Decimal
    kind: str
    phantom: bool
    scrap_pct: Decimal
    stage: int


@dataclass(frozen=True)
class Requirement:
    item_id: int
    item: str
    #: Still to consume (required less consumed).
    qty: Decimal
    consumed: Decimal
    #: Of ``qty``, what the order holds reserved in its warehouse now.
    reserved: Decimal = Decimal(0)


@dataclass(frozen=True)
class OpenOrder:
    number: str
    item_id: int
    item: str
    qty: Decimal
    qty_done: Decimal
    due_date: date | None
    state: str
    source: str
    components: list[Requirement] = field(default_factory=list)


class StructureService:
    """Product structure and production orders for other plugins (planning, purchasing):

    * ``bom_lines(session, item_id, on_date=None)`` -> ``list[ComponentLine]`` (empty when
      the item has no BOM on that date);
    * ``has_bom(session, item_id, on_date=None)`` -> ``bool``;
    * ``open_orders(session)`` -> ``list[OpenOrder]``: orders neither done nor cancelled,
      with what is still to consume of each component;
    * ``create_order(session, item_id, qty, due, source="planning", warehouse=None)`` ->
      the new draft order's number.
    """

    def bom_lines(self, session: Session, item_id: int,
                  on_date: date | None = None) -> list[ComponentLine]:
        from ordercraft.plugins.production.structure import StructureReader, decimal_of

        reader = StructureReader(session, on_date)
        lines = reader.lines_of(item_id)
        reader.load_items(line.component_id for line in lines)
        return [ComponentLine(line.component_id, reader.items[line.component_id].sku,
                              decimal_of(line.per_unit), line.kind, line.phantom,
                              line.scrap_pct, line.stage) for line in lines]

    def has_bom(self, session: Session, item_id: int, on_date: date | None = None) -> bool:
        from ordercraft.plugins.production.boms import has_bom

        return has_bom(session, item_id, on_date)

    def open_orders(self, session: Session) -> list[OpenOrder]:
        from ordercraft.plugins.production.orders import open_orders

        return open_orders(session)

    def create_order(self, session: Session, item_id: int, qty: Any, due: Any, *,
                     source: str = "planning", warehouse: Any = None) -> str:
        from ordercraft.plugins.production.orders import create_order
        from ordercraft.sdk.items import get_item_by_id

        item = get_item_by_id(session, item_id)
        return create_order(session, item.sku, qty, due_date=due, source=source,
                            warehouse=warehouse).number
