"""Plugin discovery and loading.

Every plugin, bundled or third-party, is an entry point of the group
``ordercraft.plugins``: the entry point's name is the plugin's name and its value
a module. The module may declare ``plugin = PluginInfo(...)``; a module without
it still loads, described by its distribution's metadata.

Discovery reads entry points only; a disabled plugin's module is never imported
(a broken plugin can be switched off), except to read its migrations.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pluggy

from ordercraft.core import hookspecs
from ordercraft.core.errors import PluginError

ENTRY_POINT_GROUP = "ordercraft.plugins"


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin says about itself (``plugin = PluginInfo(...)`` in its module)."""

    name: str
    version: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()
    #: An essential plugin refuses to be disabled; ``essential`` holds the reason.
    essential: str | None = None


@dataclass
class InstalledPlugin:
    """A plugin found on this installation, loaded or not."""

    name: str
    module_name: str
    distribution: str | None = None
    version: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()
    builtin: bool = False
    essential: str | None = None
    enabled: bool = True
    module: ModuleType | None = None
    hooks: list[str] = field(default_factory=list)

    def load(self) -> ModuleType:
        """Import the module and read its ``PluginInfo``."""
        if self.module is None:
            try:
                self.module = importlib.import_module(self.module_name)
            except Exception as exc:  # a plugin's import error must name the plugin
                raise PluginError(
                    f"plugin {self.name!r} could not be imported from {self.module_name!r}: "
                    f"{type(exc).__name__}: {exc}") from exc
        self._read_info(self.module)
        return self.module

    def _read_info(self, module: Any) -> None:
        info = getattr(module, "plugin", None)
        if isinstance(info, PluginInfo):
            if info.name != self.name:
                raise PluginError(
                    f"plugin module {self.module_name!r} declares the name {info.name!r} but is "
                    f"installed as {self.name!r}")
            self.version = info.version or self.version
            self.description = info.description or self.description
            self.requires = tuple(info.requires)
            self.essential = info.essential

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "module": self.module_name,
            "distribution": self.distribution,
            "builtin": self.builtin,
            "enabled": self.enabled,
            "essential": self.essential is not None,
            "requires": list(self.requires),
            "hooks": list(self.hooks),
        }


def discover(only: Iterable[str] | None = None) -> list[InstalledPlugin]:
    """Installed plugins from entry points, without importing them."""
    from importlib.metadata import entry_points

    wanted = set(only) if only is not None else None
    found: dict[str, InstalledPlugin] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if wanted is not None and ep.name not in wanted:
            continue
        dist = ep.dist
        dist_name = dist.metadata["Name"] if dist is not None else None
        plugin = InstalledPlugin(
            name=ep.name,
            module_name=ep.value.split(":")[0],
            distribution=dist_name,
            version=dist.version if dist is not None else "",
            description=(dist.metadata.get("Summary") or "") if dist is not None else "",
            builtin=(dist_name or "").lower() == "ordercraft",
        )
        if ep.name in found:
            raise PluginError(
                f"plugin name {ep.name!r} is installed twice: by {found[ep.name].distribution!r} "
                f"and by {dist_name!r}")
        found[ep.name] = plugin
    if wanted is not None:
        missing = sorted(wanted - set(found))
        if missing:
            raise PluginError(f"plugin {missing[0]!r} is not installed")
    return sorted(found.values(), key=lambda p: p.name)


def plugin_from_module(module: ModuleType, name: str | None = None) -> InstalledPlugin:
    """An add-on given as a module object (a plugin under test that is not installed)."""
    info = getattr(module, "plugin", None)
    plugin_name = name or (info.name if isinstance(info, PluginInfo) else module.__name__)
    plugin = InstalledPlugin(name=plugin_name, module_name=module.__name__, module=module)
    plugin.load()
    return plugin


def dependency_order(plugins: Sequence[InstalledPlugin]) -> list[InstalledPlugin]:
    """Plugins sorted so that each comes after the plugins it requires."""
    by_name = {p.name: p for p in plugins}
    ordered: list[InstalledPlugin] = []
    state: dict[str, str] = {}

    def visit(plugin: InstalledPlugin, chain: tuple[str, ...]) -> None:
        if state.get(plugin.name) == "done":
            return
        if state.get(plugin.name) == "visiting":
            cycle = " -> ".join((*chain, plugin.name))
            raise PluginError(f"plugin requirements form a cycle: {cycle}")
        state[plugin.name] = "visiting"
        for required in plugin.requires:
            if required in by_name:
                visit(by_name[required], (*chain, plugin.name))
        state[plugin.name] = "done"
        ordered.append(plugin)

    for plugin in sorted(plugins, key=lambda p: p.name):
        visit(plugin, ())
    return ordered


def check_requirements(plugins: Sequence[InstalledPlugin]) -> None:
    """Every enabled plugin's requirements are installed and enabled."""
    by_name = {p.name: p for p in plugins}
    for plugin in plugins:
        if not plugin.enabled:
            continue
        for required in plugin.requires:
            other = by_name.get(required)
            if other is None:
                raise PluginError(
                    f"plugin {plugin.name!r} requires plugin {required!r}, which is not installed",
                    code="plugin_requirement_missing")
            if not other.enabled:
                raise PluginError(
                    f"plugin {plugin.name!r} requires plugin {required!r}, which is disabled "
                    f"(enable it with: ordercraft plugins enable {required})",
                    code="plugin_requirement_disabled")


def build_plugin_manager(plugins: Sequence[InstalledPlugin]) -> pluggy.PluginManager:
    """A fresh plugin manager holding the enabled plugins (never a global one)."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for plugin in dependency_order([p for p in plugins if p.enabled]):
        module = plugin.load()
        try:
            pm.register(module, name=plugin.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {plugin.name!r}: {exc}") from exc
    _check_pending(pm)
    for plugin in plugins:
        if plugin.enabled and plugin.module is not None:
            plugin.hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin.module) or [])
    return pm


def _check_pending(pm: pluggy.PluginManager) -> None:
    """A hook implementation that matches no hookspec (a misspelt name) is an error."""
    for plugin_name, module in pm.list_name_plugin():
        for caller in pm.get_hookcallers(module) or []:
            if caller.spec is None:
                raise PluginError(
                    f"plugin {plugin_name!r} implements hook {caller.name!r}, which is not a hook "
                    "of Ordercraft (misspelt?); the hooks are listed in docs/hooks.md",
                    code="unknown_hook")
    pm.check_pending()
