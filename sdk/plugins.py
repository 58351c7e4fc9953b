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

``HookWrapper.call_each`` calls the implementations plugin by plugin in requirement
order and names the plugin whose code fails; ``fill_registry`` hands a contribution
registry to one plugin at a time (``registry.current_plugin`` names it), so a
:class:`Registry` subclass can refuse a name two plugins claim, naming both.
"""

from typing import Any

from ordercraft.core.hooks import HookWrapper
from ordercraft.core.hookspecs import hookimpl, hookspec
from ordercraft.core.platform import Platform, site_platform
from ordercraft.core.plugins import HookspecRegistry, PluginInfo
from ordercraft.core.registries import (
    DashboardWidget,
    HeaderItem,
    MenuItem,
    Registry,
    ServiceRegistry,
    once_per_plugin_set,
)

__all__ = ["DashboardWidget", "HeaderItem", "HookWrapper", "HookspecRegistry", "MenuItem", "Platform", "PluginInfo",
           "Registry", "ServiceRegistry", "hookimpl", "hookspec", "once_per_plugin_set", "plugin_service",
           "site_platform"]


def plugin_service(source: object, plugin: str, name: str) -> Any:
    """Plugin ``plugin``'s service ``name`` on the site of ``source`` (a session opened
    by ``Platform.session()``, or the ``Platform``). The plugin must be enabled: list it
    in your ``requires``."""
    return site_platform(source).service(plugin, name)
