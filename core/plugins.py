"""Plugin discovery and loading.

Every plugin, bundled or third-party, is an entry point of the group
``ordercraft.plugins``: the entry point's name is the plugin's name and its value
a module (or ``module:attribute``). The module may declare
``plugin = PluginInfo(...)``; a module without it still loads, described by its
distribution's metadata.

Discovery reads entry points only; a disabled plugin's module is never imported
(a broken plugin can be switched off), except to read its migrations.

Loading checks everything a plugin can get wrong before any hook runs: an import
error, a requirement that is missing or disabled, a cycle of requirements, a hook
implementation whose name or arguments match no hook (of the core, or one a plugin it
requires declares with ``add_hookspecs``). Each is a
:class:`~ordercraft.core.errors.PluginError` that names the plugin.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pluggy

from ordercraft.core import hookspecs
from ordercraft.core.errors import PluginError

ENTRY_POINT_GROUP = "ordercraft.plugins"
BUILTIN_DISTRIBUTION = "ordercraft"
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin says about itself (``plugin = PluginInfo(...)`` in its module)."""

    name: str
    version: str = ""
    description: str = ""
    #: Names of the plugins this one needs; they are loaded (and their hooks called) first.
    requires: tuple[str, ...] = ()
    #: An essential plugin refuses to be disabled; ``essential`` holds the reason.
    essential: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not NAME_PATTERN.match(self.name):
            raise PluginError(f"PluginInfo name {self.name!r} is not a valid plugin name "
                              "(letters, digits, '_' and '-')")
        # requires="crm" would otherwise become ("c", "r", "m").
        requires = (self.requires,) if isinstance(self.requires, str) else tuple(self.requires)
        for required in requires:
            if not isinstance(required, str) or not required:
                raise PluginError(f"plugin {self.name!r} lists {required!r} in requires; "
                                  "requires holds plugin names")
        object.__setattr__(self, "requires", requires)


@dataclass
class InstalledPlugin:
    """A plugin found on this installation, loaded or not."""

    name: str
    module_name: str
    #: ``module:attribute`` entry points register the attribute, not the module.
    attribute: str = ""
    distribution: str | None = None
    version: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()
    builtin: bool = False
    essential: str | None = None
    enabled: bool = True
    #: The object registered with pluggy (the module, usually); ``None`` until imported.
    module: Any = None
    #: Hooks implemented; known once the plugin is loaded.
    hooks: list[str] = field(default_factory=list)
    #: Why an enabled plugin is not loaded (only when loading is not strict).
    problem: str | None = None

    def load(self) -> Any:
        """Import the plugin's object and read its ``PluginInfo``."""
        if self.module is None:
            try:
                target: Any = importlib.import_module(self.module_name)
                for part in filter(None, self.attribute.split(".")):
                    target = getattr(target, part)
            except Exception as exc:  # a plugin's import error must name the plugin
                raise PluginError(
                    f"plugin {self.name!r} could not be imported from {self.module_name!r}: "
                    f"{type(exc).__name__}: {exc}", code="plugin_import_failed") from exc
            self.module = target
        self._read_info(self.module)
        return self.module

    @property
    def loaded(self) -> bool:
        return self.module is not None

    def _read_info(self, module: Any) -> None:
        info = getattr(module, "plugin", None)
        if isinstance(info, PluginInfo):
            if info.name != self.name:
                raise PluginError(
                    f"plugin module {self.module_name!r} declares the name {info.name!r} but is "
                    f"installed as {self.name!r}", code="plugin_name_mismatch")
            self.version = info.version or self.version
            self.description = info.description or self.description
            self.requires = tuple(info.requires)
            self.essential = info.essential

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "module": self.module_name + (f":{self.attribute}" if self.attribute else ""),
            "distribution": self.distribution,
            "builtin": self.builtin,
            "enabled": self.enabled,
            "loaded": self.loaded and self.enabled and self.problem is None,
            "essential": self.essential is not None,
            "essential_reason": self.essential,
            "requires": list(self.requires),
            # A disabled plugin is never imported, so its hooks are unknown.
            "hooks": list(self.hooks) if self.enabled and self.problem is None else None,
            "problem": self.problem,
        }


def discover() -> list[InstalledPlugin]:
    """Every installed plugin, from entry points, without importing any of them."""
    from importlib.metadata import entry_points

    found: dict[str, InstalledPlugin] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        dist_name = dist.metadata["Name"] if dist is not None else None
        module_name, _, attribute = ep.value.partition(":")
        plugin = InstalledPlugin(
            name=ep.name,
            module_name=module_name.strip(),
            attribute=attribute.strip(),
            distribution=dist_name,
            version=dist.version if dist is not None else "",
            description=(dist.metadata.get("Summary") or "") if dist is not None else "",
            builtin=(dist_name or "").lower() == BUILTIN_DISTRIBUTION,
        )
        if ep.name in found:
            raise PluginError(
                f"plugin name {ep.name!r} is installed twice: by {found[ep.name].distribution!r} "
                f"and by {dist_name!r}", code="plugin_duplicate")
        found[ep.name] = plugin
    return sorted(found.values(), key=lambda p: p.name)


def select(plugins: Sequence[InstalledPlugin], only: Iterable[str] | None) -> list[InstalledPlugin]:
    """The plugins named in ``only`` (all of them when ``None``); an unknown name is an error."""
    if only is None:
        return list(plugins)
    wanted = list(only)
    names = {p.name for p in plugins}
    missing = [name for name in wanted if name not in names]
    if missing:
        raise PluginError(f"plugin {missing[0]!r} is not installed (installed: "
                          f"{', '.join(sorted(names)) or 'none'})", code="plugin_not_installed")
    return [p for p in plugins if p.name in set(wanted)]


def plugin_from_module(module: ModuleType, name: str | None = None) -> InstalledPlugin:
    """An add-on given as a module object (a plugin under test that is not installed)."""
    info = getattr(module, "plugin", None)
    plugin_name = name or (info.name if isinstance(info, PluginInfo) else module.__name__)
    plugin = InstalledPlugin(name=plugin_name, module_name=module.__name__, module=module)
    plugin.load()
    return plugin


def dependency_order(plugins: Sequence[InstalledPlugin]) -> list[InstalledPlugin]:
    """Plugins sorted so that each comes after the plugins it requires (else by name)."""
    by_name = {p.name: p for p in plugins}
    ordered: list[InstalledPlugin] = []
    state: dict[str, str] = {}

    def visit(plugin: InstalledPlugin, chain: tuple[str, ...]) -> None:
        if state.get(plugin.name) == "done":
            return
        if state.get(plugin.name) == "visiting":
            cycle = [*chain[chain.index(plugin.name):], plugin.name]
            raise PluginError(f"plugin requirements form a cycle: {' -> '.join(cycle)}",
                              code="plugin_requirement_cycle", details={"cycle": cycle})
        state[plugin.name] = "visiting"
        for required in plugin.requires:
            if required in by_name:
                visit(by_name[required], (*chain, plugin.name))
        state[plugin.name] = "done"
        ordered.append(plugin)

    for plugin in sorted(plugins, key=lambda p: p.name):
        visit(plugin, ())
    return ordered


def requirement_problem(plugin: InstalledPlugin, by_name: dict[str, InstalledPlugin],
                        unselected: Collection[str] = ()) -> PluginError | None:
    """Why ``plugin`` cannot run with the plugins in ``by_name``, or ``None``."""
    for required in plugin.requires:
        other = by_name.get(required)
        if other is None:
            where = ("installed but not among the plugins this site was built with"
                     if required in unselected else "not installed")
            return PluginError(
                f"plugin {plugin.name!r} requires plugin {required!r}, which is {where}",
                code="plugin_requirement_missing", details={"plugin": plugin.name,
                                                            "requires": required})
        if not other.enabled:
            return PluginError(
                f"plugin {plugin.name!r} requires plugin {required!r}, which is disabled "
                f"(enable it with: ordercraft plugins enable {required})",
                code="plugin_requirement_disabled", details={"plugin": plugin.name,
                                                             "requires": required})
        if other.problem is not None:
            return PluginError(
                f"plugin {plugin.name!r} requires plugin {required!r}, which cannot be "
                f"loaded: {other.problem}", code="plugin_requirement_broken",
                details={"plugin": plugin.name, "requires": required})
    return None


def load_plugins(plugins: Sequence[InstalledPlugin], *, strict: bool = True,
                 unselected: Collection[str] = ()) -> tuple[PluginManager, list[str]]:
    """Import the enabled plugins, check them and register them with a fresh plugin manager.

    Returns the manager and the names of the loaded plugins, each after the plugins it
    requires. ``strict`` raises the first problem; otherwise a plugin with a problem is
    left out and its ``problem`` says why (``ordercraft plugins`` uses this to repair a
    site whose plugins cannot all load).
    """
    for plugin in plugins:
        plugin.problem = None
        plugin.hooks = []
    for plugin in plugins:
        if plugin.enabled:
            _attempt(plugin, plugin.load, strict)
    by_name = {p.name: p for p in plugins}
    if not strict:
        # Each plugin's hooks checked with only the plugins it requires (whose hookspecs
        # it may implement), so that one misspelt hook leaves out only its plugin
        # (strict loading finds the same errors below, all at once).
        checked: set[str] = set()
        for plugin in plugins:
            _check_alone(plugin, by_name, checked, ())
    while True:
        # A plugin left out takes the plugins that require it along: repeat until stable.
        changed = True
        while changed:
            changed = False
            for plugin in plugins:
                if plugin.enabled and plugin.problem is None:
                    error = requirement_problem(plugin, by_name, unselected)
                    if error is not None:
                        if strict:
                            raise error
                        plugin.problem = error.message
                        changed = True
        runnable = [p for p in plugins if p.enabled and p.problem is None]
        try:
            ordered = dependency_order(runnable)
            break
        except PluginError as exc:
            if strict:
                raise
            for plugin in runnable:
                if plugin.name in exc.details["cycle"]:
                    plugin.problem = exc.message
    pm = build_plugin_manager(ordered)
    for plugin in ordered:
        plugin.hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin.module) or [])
    return pm, [p.name for p in ordered]


def _requirements(plugin: InstalledPlugin, by_name: dict[str, InstalledPlugin],
                  chain: tuple[str, ...] = ()) -> list[InstalledPlugin]:
    """The enabled plugins ``plugin`` requires, directly or not, each before its own."""
    found: list[InstalledPlugin] = []
    for name in plugin.requires:
        other = by_name.get(name)
        if other is None or not other.enabled or name in chain:
            continue
        for required in [*_requirements(other, by_name, (*chain, plugin.name)), other]:
            if required not in found:
                found.append(required)
    return found


def _check_alone(plugin: InstalledPlugin, by_name: dict[str, InstalledPlugin],
                 checked: set[str], chain: tuple[str, ...]) -> None:
    if plugin.name in checked or plugin.name in chain or not plugin.enabled:
        return
    required = _requirements(plugin, by_name)
    for other in required:
        _check_alone(other, by_name, checked, (*chain, plugin.name))
    checked.add(plugin.name)
    # A broken requirement is reported as such by requirement_problem.
    if plugin.problem is None and all(other.problem is None for other in required):
        _attempt(plugin, lambda: build_plugin_manager([*required, plugin]), strict=False)


def _attempt(plugin: InstalledPlugin, action: Any, strict: bool) -> None:
    try:
        action()
    except PluginError as exc:
        if strict:
            raise
        plugin.problem = exc.message


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, knowing which hookspec module each hook comes from: the core's
    ``core/hookspecs.py``, or a module a plugin added with the hook ``add_hookspecs``."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        #: ``(owner, module)``: ``"core"`` or the name of the plugin that added it.
        self.spec_modules: list[tuple[str, ModuleType]] = [("core", hookspecs)]


def hookspec_names(module: ModuleType) -> list[str]:
    """The hooks a module declares (functions marked with ``hookspec``), in file order."""
    marker = f"{hookspecs.PROJECT_NAME}_spec"
    return [name for name, value in vars(module).items()
            if callable(value) and hasattr(value, marker)]


class HookspecRegistry:
    """What the hook ``add_hookspecs`` receives: ``registry.add(module)`` declares the
    hooks of ``module`` (its functions marked with ``ordercraft.sdk.hookspec``) as hooks
    of the plugin being registered, which other plugins may then implement."""

    def __init__(self, pm: PluginManager) -> None:
        self._pm = pm
        self.current_plugin = "core"

    def add(self, module: ModuleType) -> None:
        plugin = self.current_plugin
        if not isinstance(module, ModuleType):
            raise PluginError(f"plugin {plugin!r} adds hookspecs from {module!r}, which is not "
                              "a module", code="plugin_invalid_hookspec")
        names = hookspec_names(module)
        if not names:
            raise PluginError(f"plugin {plugin!r} adds hookspecs from module "
                              f"{module.__name__!r}, which declares none (mark them with "
                              "ordercraft.sdk.hookspec)", code="plugin_invalid_hookspec")
        owners = {name: owner for owner, spec_module in self._pm.spec_modules
                  for name in hookspec_names(spec_module)}
        for name in names:
            if name in owners:
                owner = "the core" if owners[name] == "core" else f"plugin {owners[name]!r}"
                raise PluginError(f"plugin {plugin!r} declares hook {name!r}, which {owner} "
                                  "declares already", code="plugin_duplicate_hook",
                                  details={"plugin": plugin, "hook": name})
        try:
            self._pm.add_hookspecs(module)
        except pluggy.PluginValidationError as exc:  # an implementation that does not fit
            raise PluginError(f"plugin {self._pm.get_name(exc.plugin)!r}: {exc} (the hook is "
                              f"declared by plugin {plugin!r})",
                              code="plugin_invalid_hook") from exc
        self._pm.spec_modules.append((plugin, module))


def build_plugin_manager(plugins: Sequence[InstalledPlugin]) -> PluginManager:
    """A fresh plugin manager holding ``plugins`` (never a global one), all checked.

    ``plugins`` come in requirement order; after all are registered, each plugin's
    ``add_hookspecs`` declares its own hooks (as pytest's ``pytest_addhooks``), then
    every implementation must match a hook of the core or of a plugin.
    """
    from ordercraft.core.hooks import Hooks

    pm = PluginManager()
    for plugin in plugins:
        module = plugin.load()
        if pm.is_registered(module):
            raise PluginError(f"plugin {plugin.name!r} is the same object as plugin "
                              f"{pm.get_name(module)!r}", code="plugin_duplicate")
        try:
            pm.register(module, name=plugin.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {plugin.name!r}: {exc}",
                              code="plugin_invalid_hook") from exc
        _refuse_wrappers(pm, plugin.name, module)
    Hooks(pm, [p.name for p in plugins]).add_hookspecs(HookspecRegistry(pm))
    check_pending(pm)
    return pm


def _refuse_wrappers(pm: pluggy.PluginManager, name: str, module: Any) -> None:
    # Ordercraft calls each implementation itself, in requirement order, to name the
    # plugin on failure; a wrapper would silently not wrap anything.
    for caller in pm.get_hookcallers(module) or []:
        for impl in caller.get_hookimpls():
            if impl.plugin is module and (impl.hookwrapper or impl.wrapper):
                raise PluginError(
                    f"plugin {name!r} implements hook {caller.name!r} as a wrapper; Ordercraft "
                    "hooks take plain implementations", code="plugin_invalid_hook")


def check_pending(pm: pluggy.PluginManager) -> None:
    """A hook implementation that matches no hookspec (a misspelt name) is an error.

    The same check as pluggy's ``check_pending``, with a message that names the plugin
    and the hook. Implementations marked ``optionalhook=True`` are allowed to match
    nothing (a plugin written for a newer Ordercraft).
    """
    for caller in pm.hook.__dict__.values():
        if not isinstance(caller, pluggy.HookCaller) or caller.spec is not None:
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} implements hook {caller.name!r}, which is not "
                    "a hook of Ordercraft or of a plugin it requires (misspelt? a hook of "
                    "another plugin needs that plugin in 'requires', or "
                    "@hookimpl(optionalhook=True)); the hooks are listed in docs/hooks.md "
                    "and by 'ordercraft plugins hooks'", code="unknown_hook",
                    details={"plugin": impl.plugin_name, "hook": caller.name})
    pm.check_pending()
