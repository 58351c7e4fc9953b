"""Calculators' prices from the product matrix (hook ``catalog_lookup``): a part's price
is its best valid offer for one unit today, so a calculator prices with what buying it
costs now rather than the item's list price."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.purchasing.matrix import best_offers
from ordercraft.sdk.models import Item


def best_prices(session: Session, skus: list[str]) -> dict[str, dict[str, Any]]:
    ids = {sku: item_id for sku, item_id in
           session.execute(select(Item.sku, Item.id).where(Item.sku.in_(skus)))}
    if not ids:
        return {}
    chosen = best_offers(session, {item_id: Decimal(1) for item_id in ids.values()},
                         date.today())
    found = {}
    for sku, item_id in ids.items():
        offer = chosen[item_id]
        if offer is not None:
            found[sku] = {"price": offer.price,
                          "attributes": {"supplier": offer.supplier,
                                         "currency": offer.currency,
                                         "explanation": offer.explanation},
                          "source": f"purchasing:{offer.supplier}"}
    return found
