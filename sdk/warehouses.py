"""Warehouses: the places stock is kept, each known by a short code (``MAIN``) that
stock postings, balances and orders use::

    from ordercraft.sdk import warehouses

    warehouses.create_warehouse(session, "MAIN", name="Main warehouse")
    warehouse = warehouses.get_warehouse(session, "MAIN")
    page = warehouses.list_warehouses(session, search="main", active=True)

Services check ``warehouse.read`` / ``warehouse.write``; ``warehouse_dict`` gives
JSON-safe values. A warehouse is never deleted (its moves stay): set ``active=False``.
"""

from ordercraft.core.services.warehouses import (
                                                 WAREHOUSE_FIELDS,
                                                 create_warehouse,
                                                 get_warehouse,
                                                 list_warehouses,
                                                 update_warehouse,
                                                 warehouse_dict,
)

__all__ = ["WAREHOUSE_FIELDS", "create_warehouse", "get_warehouse", "list_warehouses",
           "update_warehouse", "warehouse_dict"]
