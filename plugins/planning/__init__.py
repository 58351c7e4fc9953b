"""Material requirements planning.

``engine.plan(scenario)`` plans a scenario given as data (items with their stock and
planning parameters, bills of materials, independent demand, integer periods) and
returns the MRP records, the planned orders with their pegging and the exceptions.
The engine is pure computation over the standard library; docs/planning.md states
its formats and conventions.
"""

from __future__ import annotations

from ordercraft.sdk.plugins import PluginInfo

plugin = PluginInfo(
    name="planning",
    version="1.0",
    description="MRP: planned purchase and production orders with pegging, from all open "
                "demand.",
    requires=("purchasing",),
)
