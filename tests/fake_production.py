"""A stand-in for the production plugin's service ``structure`` (CONTRACTS.md), for the
purchasing and planning tests: BOMs and open production orders given as data.

Set ``BOMS`` (SKU -> [(component SKU, qty per, phantom)]) and ``OPEN_ORDERS`` in a test
(the ``production_data`` fixture of the test files resets them); ``CREATED`` records
``create_order`` calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ordercraft.sdk.plugins import PluginInfo, ServiceRegistry, hookimpl

plugin = PluginInfo(name="production", version="0.0",
                    description="Test stand-in for production's structure service.")

BOMS: dict[str, list[tuple[str, Decimal, bool]]] = {}
OPEN_ORDERS: list[OpenOrder] = []
CREATED: list[tuple[str, Decimal, Any, str]] = []


@dataclass(frozen=True)
class ComponentLine:
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
    qty: Decimal
    consumed: Decimal
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


def reset() -> None:
    BOMS.clear()
    OPEN_ORDERS.clear()
    CREATED.clear()


def _ids(session: Any, skus: Any) -> dict[str, int]:
    from ordercraft.sdk.models import Item

    return {sku: item_id for sku, item_id in
            session.execute(select(Item.sku, Item.id).where(Item.sku.in_(list(skus))))}


def _sku(session: Any, item_id: int) -> str:
    from ordercraft.sdk.models import Item

    return session.scalar(select(Item.sku).where(Item.id == item_id))


class Structure:
    def bom_lines(self, session: Any, item_id: int, on_date: date | None = None
                  ) -> list[ComponentLine]:
        lines = BOMS.get(_sku(session, item_id), [])
        ids = _ids(session, [sku for sku, _, _ in lines])
        return [ComponentLine(ids[sku], sku, Decimal(qty), "component", phantom, Decimal(0), 1)
                for sku, qty, phantom in lines]

    def has_bom(self, session: Any, item_id: int, on_date: date | None = None) -> bool:
        return bool(BOMS.get(_sku(session, item_id)))

    def open_orders(self, session: Any) -> list[OpenOrder]:
        return list(OPEN_ORDERS)

    def create_order(self, session: Any, item_id: int, qty: Any, due: Any, *,
                     source: str = "planning", warehouse: Any = None) -> str:
        CREATED.append((_sku(session, item_id), Decimal(qty), due, source))
        return f"MO-{len(CREATED):05d}"


def open_order(session: Any, number: str, sku: str, qty: Any, due: date | None,
               components: dict[str, Any]) -> OpenOrder:
    """Add an open production order needing ``components`` (SKU -> qty still needed)."""
    ids = _ids(session, [sku, *components])
    order = OpenOrder(number, ids[sku], sku, Decimal(qty), Decimal(0), due, "released",
                      "test", [Requirement(ids[c], c, Decimal(q), Decimal(0))
                               for c, q in components.items()])
    OPEN_ORDERS.append(order)
    return order


@hookimpl
def plugin_services(registry: ServiceRegistry) -> None:
    registry.add("structure", Structure())
