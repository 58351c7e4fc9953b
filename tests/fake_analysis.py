"""A stand-in for the analysis plugin's service ``classes`` (CONTRACTS.md): set
``ITEM_CLASSES`` (SKU -> "AX", ...) in a test."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ordercraft.sdk.plugins import PluginInfo, ServiceRegistry, hookimpl

plugin = PluginInfo(name="analysis", version="0.0",
                    description="Test stand-in for analysis' classes service.")

ITEM_CLASSES: dict[str, str] = {}


class Classes:
    def item_classes(self, session: Any) -> dict[int, str]:
        from ordercraft.sdk.models import Item

        rows = session.execute(select(Item.sku, Item.id).where(Item.sku.in_(list(ITEM_CLASSES))))
        return {item_id: ITEM_CLASSES[sku] for sku, item_id in rows}

    def client_classes(self, session: Any) -> dict[int, str]:
        return {}


@hookimpl
def plugin_services(registry: ServiceRegistry) -> None:
    registry.add("classes", Classes())
