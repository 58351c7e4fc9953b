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
route, commands, tests) is built step by step in docs/plugins.md. The SDK is one module
per topic, each teaching itself in its docstring (the map: docs/sdk.md):

* ``plugins``: ``PluginInfo``, ``hookimpl``/``hookspec``, ``Addon`` (a plugin in one
  module), registries, other plugins' services, typed wrappers of a plugin's own hooks;
* ``errors``: ``OrdercraftError`` and its kinds, how a refusal reaches the user;
* ``models``: ``Base``, ``Money``/``Qty``, ``Audited``, the core's tables;
* ``parties``, ``items``, ``warehouses``, ``users``, ``stock``, ``audit``, ``calc``: the
  core's services, functions taking the operation's session;
* ``permissions``: permissions a plugin declares, checks inside services;
* ``settings``: site settings a plugin declares, typed and validated;
* ``custom_fields``: fields a site adds to clients, orders, items... without code;
* ``mail``: outgoing e-mail through the outbox, sent by the worker;
* ``i18n``: translating a plugin's own text, the user's language;
* ``queries``: pages of lists, case-insensitive search;
* ``validation``: input to typed values, errors naming the field;
* ``spreadsheets``: reading a CSV or XLSX file a user imports;
* ``workflow``: state machines, transitions, tasks, processes, timelines;
* ``printing``: print forms as HTML and PDF;
* ``signing``: signed tokens for links that work without signing in;
* ``web``: pages and JSON API routes; ``cli``: commands that behave like the core's;
* ``demo``: seeding a plugin's part of the demo site;
* ``testing``: pytest fixtures, a site with the plugins you choose;
* ``deprecation``: how a retired name keeps working for one minor version.

Services take a SQLAlchemy session (``with platform.session(user) as session``) and
plain values, and raise ``OrdercraftError`` subclasses with a stable ``code``. Every
name in a module's ``__all__`` is public and keeps working as docs/sdk.md promises
(``__version__`` is this API's version); anything else may change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ordercraft.sdk.deprecation import Deprecated, deprecated_attributes
from ordercraft.sdk.errors import (
    Conflict,
    NotFound,
    OrdercraftError,
    PermissionDenied,
    PluginError,
    ValidationError,
)
from ordercraft.sdk.plugins import HeaderItem, MenuItem, PluginInfo, hookimpl, hookspec

if TYPE_CHECKING:  # the topic modules load on first use: ``ordercraft --help`` stays fast
    from ordercraft.sdk import (
        audit,
        calc,
        calendar,
        cli,
        custom_fields,
        demo,
        i18n,
        items,
        mail,
        models,
        parties,
        permissions,
        printing,
        queries,
        settings,
        signing,
        spreadsheets,
        stock,
        testing,
        users,
        validation,
        warehouses,
        web,
        workflow,
    )

#: The version of the SDK's public API (docs/sdk.md: what a minor and a major version
#: may change); not the version of the ``ordercraft`` distribution.
__version__ = "1.0.0"

__all__ = [
    "Conflict", "HeaderItem", "MenuItem", "NotFound", "OrdercraftError", "PermissionDenied",
    "PluginError", "PluginInfo", "ValidationError", "__version__", "audit", "calc", "calendar",
    "cli",
    "custom_fields", "demo", "deprecation", "errors", "hookimpl", "hookspec", "i18n", "items",
    "mail", "models", "money", "parties", "permissions", "plugins", "printing", "queries",
    "settings", "signing",
    "spreadsheets", "stock", "testing", "users", "validation", "warehouses", "web", "workflow",
]

_TOPICS = frozenset({"audit", "calc", "calendar", "cli", "custom_fields", "demo", "i18n", "items",
                     "mail", "models", "money", "parties", "permissions", "printing", "queries", "settings",
                     "signing", "spreadsheets", "stock", "testing", "users", "validation", "warehouses", "web",
                     "workflow"})


def _moved(module: str, since: str = "1.0", removed_in: str = "1.1") -> Deprecated:
    return Deprecated(module, since=since, removed_in=removed_in)


#: Names this package had before the SDK was split into topic modules (1.0).
_RETIRED: dict[str, Deprecated] = {
    **{name: _moved(f"ordercraft.sdk.models:{name}") for name in (
        "Audited", "Base", "Contact", "ExactDecimal", "Item", "LegalEntity", "Money", "Party",
        "Qty", "Role", "User", "Warehouse", "to_decimal", "utcnow")},
    "Platform": _moved("ordercraft.sdk.plugins:Platform"),
    "Registry": _moved("ordercraft.sdk.plugins:Registry"),
    "PrintForm": _moved("ordercraft.sdk.printing:PrintForm"),
    "StockDocument": _moved("ordercraft.sdk.stock:StockDocument"),
    "has_permission": _moved("ordercraft.sdk.permissions:has_permission"),
    "require_permission": _moved("ordercraft.sdk.permissions:require_permission"),
}
_retired_attribute = deprecated_attributes(__name__, _RETIRED)


def __getattr__(name: str) -> Any:
    if name in _TOPICS:
        return importlib.import_module(f"{__name__}.{name}")
    return _retired_attribute(name)


def __dir__() -> list[str]:
    return sorted(__all__)
