"""Ordercraft SDK: the stable API for plugin and calculator authors.

Quickstart — a plugin is a module and an entry point::

    # my_addon/__init__.py
    from ordercraft.sdk import PluginInfo, hookimpl

    plugin = PluginInfo(name="my_addon", version="1.0", description="Adds a report",
                        requires=())

    @hookimpl
    def cli_commands():
        import click

        @click.command("hello")
        def hello():
            click.echo("hello from my_addon")

        return [hello]

    # pyproject.toml
    [project.entry-points."ordercraft.plugins"]
    my_addon = "my_addon"

After ``pip install .`` the plugin shows in ``ordercraft plugins list`` and its
command in ``ordercraft --help``. Test it with the fixtures of
``ordercraft.sdk.testing`` (loaded automatically by pytest)::

    def test_hello(make_site):
        site = make_site(plugins=["my_addon"])
        assert site.cli("hello").output == "hello from my_addon\\n"

A whole plugin (a table and its migration, a hook on posted documents, a page, an API
route, commands with ``ordercraft.sdk.cli``, tests) is built step by step in
docs/plugins.md.

Services take a SQLAlchemy session (``with platform.session(user) as session``)
and plain values, and raise ``OrdercraftError`` subclasses with a stable ``code``.
Everything listed in ``__all__`` is public; anything else may change.
"""

from __future__ import annotations

import importlib
from typing import Any

from ordercraft.core.errors import (
    Conflict,
    NotFound,
    OrdercraftError,
    PermissionDenied,
    ValidationError,
)
from ordercraft.core.hookspecs import hookimpl
from ordercraft.core.plugins import PluginInfo
from ordercraft.core.registries import MenuItem, Registry

#: Public names imported on first use (they pull in SQLAlchemy), so that a plugin's
#: ``from ordercraft.sdk import hookimpl`` stays cheap.
_LAZY: dict[str, str] = {
    "Platform": "ordercraft.core.platform:Platform",
    "Base": "ordercraft.core.db:Base",
    "utcnow": "ordercraft.core.db:utcnow",
    "Money": "ordercraft.core.types:Money",
    "Qty": "ordercraft.core.types:Qty",
    "ExactDecimal": "ordercraft.core.types:ExactDecimal",
    "to_decimal": "ordercraft.core.types:to_decimal",
    "Audited": "ordercraft.core.models.audit:Audited",
    "Party": "ordercraft.core.models:Party",
    "LegalEntity": "ordercraft.core.models:LegalEntity",
    "Contact": "ordercraft.core.models:Contact",
    "Item": "ordercraft.core.models:Item",
    "Warehouse": "ordercraft.core.models:Warehouse",
    "User": "ordercraft.core.models:User",
    "Role": "ordercraft.core.models:Role",
    "require_permission": "ordercraft.core.permissions:require",
    "has_permission": "ordercraft.core.permissions:has_permission",
    "parties": "ordercraft.core.services.parties",
    "items": "ordercraft.core.services.items",
    "warehouses": "ordercraft.core.services.warehouses",
    "stock": "ordercraft.core.stock.api",
    "StockDocument": "ordercraft.core.stock.models:StockDocument",
    "users": "ordercraft.core.services.users",
    "audit": "ordercraft.core.audit",
    "calc": "ordercraft.core.calc.api",
    "workflow": "ordercraft.sdk.workflow",
    "web": "ordercraft.web",
    "PrintForm": "ordercraft.core.printing:PrintForm",
}

__all__ = [
    "Conflict", "MenuItem", "NotFound", "OrdercraftError", "PermissionDenied", "PluginInfo",
    "Registry", "ValidationError", "hookimpl", *_LAZY,
]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'ordercraft.sdk' has no attribute {name!r}")
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, attribute) if attribute else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
