"""What a plugin is made of, and how plugins talk to each other.

A plugin is a module with ``plugin = PluginInfo(...)`` and functions marked
``@hookimpl`` named after the hooks they implement (docs/hooks.md)::

    from ordercraft.sdk.plugins import MenuItem, PluginInfo, hookimpl

    plugin = PluginInfo(name="quality", version="1.0", requires=("sales",))

    @hookimpl
    def menu_items():
        return [MenuItem("Quality", "quality.index", order=30, permission="stock.read")]

**Another plugin's services.** A plugin offers services through the hook
``plugin_services(registry)`` (``registry.add("clients", ClientService())``); another
plugin that lists it in ``requires`` calls them::

    clients = plugin_service(session, "crm", "clients")
    party = clients.get(session, "Robotics School No. 5")

Asking for a service of a plugin that is not enabled, or one it does not offer, is a
:class:`~ordercraft.sdk.errors.PluginError` saying which.

**Hooks of your own.** A plugin that lets others extend it declares hooks in its own
hookspec module, each a typed function with a full docstring marked ``@hookspec``,
adds them when it is registered, and calls them through a typed wrapper::

    # quality/hookspecs.py
    @hookspec
    def check_failed(session: Session, check: Check) -> None:
        \"\"\"Called when ... :param session: ... :param check: ... Return nothing.\"\"\"

    # quality/__init__.py
    @hookimpl
    def add_hookspecs(registry):
        from quality import hookspecs
        registry.add(hookspecs)

    # quality/hooks.py
    class QualityHooks(HookWrapper):
        def check_failed(self, session: Session, check: Check) -> None:
            self.call_each("check_failed", session=session, check=check)

    QualityHooks.of(session).check_failed(session, check)

**A plugin in one module.** A small add-on can leave the routine hooks to an
:class:`Addon`: it holds the plugin's ``PluginInfo``, its page and API blueprints, its
commands and menu entries, and implements ``migrations_location`` (``migrations/`` beside
the module), ``cli_commands``, ``web_blueprints`` and ``menu_items`` with them; the entry
point names the object (``notes = "notes:addon"``)::

    addon = Addon(PluginInfo(name="notes", version="1.0"), __name__)
    addon.menu("Notes")                            # links to the page view "notes.index"

    @addon.pages.get("/")                          # /notes/, templates from templates/
    def index(): ...

    @addon.command
    @click.command("note")
    def note(): ...

    @addon.hookimpl                                # any other hook, as a module would
    def demo_data(session): ...

``HookWrapper.call_each`` calls the implementations plugin by plugin in requirement
order and names the plugin whose code fails; ``fill_registry`` hands a contribution
registry to one plugin at a time (``registry.current_plugin`` names it), so a
:class:`Registry` subclass can refuse a name two plugins claim, naming both.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ordercraft.core.hooks import HookWrapper
from ordercraft.core.hookspecs import hookimpl, hookspec
from ordercraft.core.platform import Platform, site_platform
from ordercraft.core.plugins import HookspecRegistry, PluginInfo
from ordercraft.core.registries import (
    DashboardWidget,
    HeaderItem,
    MenuItem,
    PageSection,
    Registry,
    ScheduledJob,
    ServiceRegistry,
    once_per_plugin_set,
)

if TYPE_CHECKING:
    import click
    from flask import Blueprint

__all__ = ["Addon", "DashboardWidget", "HeaderItem", "HookWrapper", "HookspecRegistry", "MenuItem", "PageSection", "Platform", "PluginInfo",
           "Registry", "ScheduledJob", "ServiceRegistry", "hookimpl", "hookspec", "once_per_plugin_set", "plugin_service",
           "site_platform"]


def plugin_service(source: object, plugin: str, name: str) -> Any:
    """Plugin ``plugin``'s service ``name`` on the site of ``source`` (a session opened
    by ``Platform.session()``, or the ``Platform``). The plugin must be enabled: list it
    in your ``requires``."""
    return site_platform(source).service(plugin, name)


F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound="click.Command")


class Addon:
    """A plugin in one module: registered instead of the module (the entry point names
    it, ``notes = "notes:addon"``), it implements the routine hooks with what the module
    gives it, and any other hook the module marks with :meth:`hookimpl`.

    :param info: the plugin's name, version, description and requirements.
    :param import_name: the module's ``__name__``: the blueprints' templates (and the
        migrations) are looked for in folders beside it.

    The hooks it implements: ``migrations_location`` (the folder ``migrations`` beside
    the module, where ``ordercraft db revision --owner NAME`` writes), ``cli_commands``
    (what :meth:`command` was given), ``web_blueprints`` (:attr:`pages` and :attr:`api`,
    once used) and ``menu_items`` (what :meth:`menu` was given). A hook marked with
    :meth:`hookimpl` under one of those names replaces it.
    """

    def __init__(self, info: PluginInfo, import_name: str) -> None:
        self.plugin = info
        self.import_name = import_name
        # Stands in for its module where a plugin is known by its module's name.
        self.__name__ = import_name
        module_file = getattr(sys.modules.get(import_name), "__file__", None)
        #: The folder of the module: ``templates/`` and ``migrations/`` are looked for here.
        self.folder = Path(module_file).parent if module_file else Path.cwd()
        self._commands: list[click.Command] = []
        self._menu: list[MenuItem] = []
        self._blueprints: dict[str, Blueprint] = {}
        # The hooks are attributes of the object, where the plugin manager looks for them.
        self.migrations_location = hookimpl(lambda: str(self.folder / "migrations"))
        self.cli_commands = hookimpl(lambda: list(self._commands))
        self.web_blueprints = hookimpl(lambda: [bp for bp in self._blueprints.values()
                                                if bp.deferred_functions])  # with routes
        self.menu_items = hookimpl(lambda: list(self._menu))

    @property
    def pages(self) -> Blueprint:
        """The blueprint of the plugin's pages, named after the plugin (``url_for("notes.
        index")``), under ``/<name>``, with its templates in ``templates/``. Its pages need
        a signed-in user (an anonymous visitor is sent to the login page); a view that needs
        a permission adds ``ordercraft.sdk.web.permission_required``."""
        if "pages" not in self._blueprints:
            from flask import Blueprint

            from ordercraft.sdk.web import login_required

            pages = Blueprint(self.plugin.name, self.import_name,
                              url_prefix=f"/{self.plugin.name}", template_folder="templates",
                              root_path=str(self.folder))
            # Its pages are for signed-in users, as if each had @login_required.
            pages.before_request(login_required(lambda: None))
            self._blueprints["pages"] = pages
        return self._blueprints["pages"]

    @property
    def api(self) -> Blueprint:
        """The blueprint of the plugin's JSON API routes (``<name>_api``, under
        ``/api/v1``): declare them with ``ordercraft.sdk.web.api_route``."""
        if "api" not in self._blueprints:
            from ordercraft.sdk.web import api_blueprint

            self._blueprints["api"] = api_blueprint(f"{self.plugin.name}_api", self.import_name)
        return self._blueprints["api"]

    def command(self, command: C) -> C:
        """Add a click command (or group) to ``ordercraft``; usable as a decorator."""
        self._commands.append(command)
        return command

    def menu(self, label: str, endpoint: str = "index", *, order: int = 100,
             permission: str | None = None) -> MenuItem:
        """Add an entry to the main menu linking to the view ``endpoint`` of
        :attr:`pages` (or to any ``blueprint.view`` when it has a dot)."""
        target = endpoint if "." in endpoint else f"{self.plugin.name}.{endpoint}"
        item = MenuItem(label, target, order=order, permission=permission)
        self._menu.append(item)
        return item

    def hookimpl(self, function: F) -> F:
        """Implement the hook named like ``function`` (docs/hooks.md), as ``@hookimpl``
        does in a plugin module."""
        setattr(self, function.__name__, hookimpl(function))
        return function
