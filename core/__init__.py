"""Ordercraft's kernel: entities, stock ledger, workflow engine, calculator runtime,
plugin manager and the hook contract. Imports nothing from ``plugins`` or ``web``."""

__version__ = "0.1.0"
