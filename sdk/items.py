"""Items: goods, components, assemblies and services, each with its unit (and the number
of decimal places a quantity of it may have), its valuation policy (``fifo`` or
``average``, see docs/stock.md), its list price and free ``attributes``::

    from ordercraft.sdk import items

    items.create_item(session, "HINGE", name="Hinge", kind="component", unit="pc")
    item = items.get_item(session, "HINGE")                    # by SKU
    qty = items.check_quantity(item, "2.5", field="qty")       # refuses 2.5 pieces
    items.update_item(session, "HINGE", attributes={**item.attributes, "made_to_order": True})

``item_group_names`` gives each item's catalogue group (for reports by item group).
Services check ``item.read`` / ``item.write``; ``item_dict`` gives JSON-safe values.
"""

from ordercraft.core.models.entities import ITEM_KINDS, VALUATIONS
from ordercraft.core.services.catalog import NO_GROUP, item_group_names
from ordercraft.core.services.items import (
                                            ITEM_FIELDS,
                                            check_quantity,
                                            clean_item_values,
                                            create_item,
                                            get_item,
                                            get_item_by_id,
                                            item_dict,
                                            items_by_sku,
                                            list_items,
                                            update_item,
)

__all__ = ["ITEM_FIELDS", "ITEM_KINDS", "NO_GROUP", "VALUATIONS", "check_quantity",
           "clean_item_values", "create_item", "get_item", "get_item_by_id", "item_dict",
           "item_group_names", "items_by_sku", "list_items", "update_item"]
