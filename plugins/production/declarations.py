"""What production declares to the site: its permissions and the roles that hold them by
default, and its settings. (An item's standard cost is a column of items.)"""

from __future__ import annotations

from typing import Any

#: Site setting: a customer order's "to produce" shortages become draft production orders.
FROM_SHORTAGES_SETTING = "production_orders_from_shortages"
#: Site setting: overhead on materials, percent of the components' value (orders made from
#: now on take it; planned costs use it).
MATERIAL_OVERHEAD_SETTING = "production_material_overhead_pct"


def permissions(registry: Any) -> None:
    registry.permission("bom.read", "Read BOMs",
                        "See bills of materials, technology maps and planned costs.")
    registry.permission("bom.write", "Edit BOMs",
                        "Add and import bills of materials, work centres and maps.")
    registry.permission("production.read", "Read production orders",
                        "See production orders, their components and postings.")
    registry.permission("production.write", "Run production",
                        "Add, release, report, complete and cancel production orders "
                        "(they post to the stock ledger).")
    registry.grant("manager", "bom.read", "production.read")
    registry.grant("storekeeper", "bom.read", "production.read", "production.write")
    registry.grant("economist", "bom.read", "bom.write", "production.read")


def settings(registry: Any) -> None:
    registry.setting(FROM_SHORTAGES_SETTING, "bool", "true", "Production orders from shortages",
                     "When a confirmed customer order lacks an item that has a BOM, add a "
                     "draft production order for what is short.")
    registry.setting(MATERIAL_OVERHEAD_SETTING, "decimal", "0", "Material overhead, percent",
                     "Overhead added to a production order's actual cost: this percent of "
                     "the value of the components it consumes (storage, handling). Orders "
                     "keep the rate they were made with.")
