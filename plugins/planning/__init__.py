"""Material requirements planning.

``engine.plan(scenario)`` plans a scenario given as data (items with their stock and
planning parameters, bills of materials, independent demand, integer periods) and
returns the MRP records, the planned orders with their pegging and the exceptions.
The engine is pure computation over the standard library; docs/planning.md states
its formats and conventions.
"""
