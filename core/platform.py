"""A site: its database, its plugins (a fresh plugin manager, never a global one)
and the typed hooks. The CLI, the web app, the background worker and the SDK's
test kit each build one.

Building a Platform does not import SQLAlchemy: ``ordercraft --help`` needs the
plugins' CLI commands but not the database layer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ordercraft.core import site_state
from ordercraft.core.config import resolve_database_url
from ordercraft.core.errors import Conflict, NotFound, PluginError
from ordercraft.core.hooks import Hooks
from ordercraft.core.plugins import (
    InstalledPlugin,
    dependency_order,
    discover,
    load_plugins,
    plugin_from_module,
    requirement_problem,
    select,
)
from ordercraft.core.registries import ServiceRegistry, once_per_plugin_set

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker


class Platform:
    """One Ordercraft site.

    :param database_url: SQLAlchemy URL; default ``ORDERCRAFT_DATABASE_URL`` or
        ``sqlite:///ordercraft.db``.
    :param only: load only these installed plugins (the test kit uses it); ``None``
        loads every installed plugin.
    :param extra_plugins: plugin modules that are not installed as entry points
        (an add-on under test).
    :param strict: a plugin that cannot load (missing requirement, import error,
        misspelt hook) is an error; with ``strict=False`` it is left out and its
        ``problem`` says why (``ordercraft plugins`` uses this to repair a site).
    """

    def __init__(self, database_url: str | None = None, *, only: Iterable[str] | None = None,
                 extra_plugins: Iterable[ModuleType] = (), strict: bool = True) -> None:
        self.database_url = resolve_database_url(database_url)
        self.strict = strict
        self._only = list(only) if only is not None else None
        self._extra = list(extra_plugins)
        self._engine: Engine | None = None
        self._session_factory: sessionmaker[Session] | None = None
        self._lock = threading.RLock()
        self._models_loaded = False
        #: Plugins whose ``startup`` ran in this process; ``None`` until :meth:`start`.
        self._started: set[str] | None = None
        self.plugin_revision = ""
        self.plugins: list[InstalledPlugin] = []
        revision, disabled = site_state.read_plugin_state(self.database_url)
        self._load_plugins(revision, disabled)

    # ------------------------------------------------------------------ plugins

    def _candidates(self, disabled: frozenset[str]) -> tuple[list[InstalledPlugin], set[str]]:
        """This site's plugins with their enabled flags, and the installed ones left out."""
        installed = discover()
        chosen = select(installed, self._only)
        extras = [plugin_from_module(m) for m in self._extra]
        names = {p.name for p in chosen}
        for extra in extras:
            if extra.name in names:
                raise Conflict(f"plugin {extra.name!r} is both installed and given as an extra "
                               "plugin module", code="plugin_duplicate")
        plugins = chosen + extras
        # A module is imported once per process; a reload keeps it.
        previous = {p.name: p for p in self.plugins}
        for plugin in plugins:
            earlier = previous.get(plugin.name)
            if earlier is not None and earlier.module is not None and plugin.module is None:
                plugin.module = earlier.module
            plugin.enabled = plugin.name not in disabled
        unselected = {p.name for p in installed} - {p.name for p in plugins}
        return plugins, unselected

    def _load_plugins(self, revision: str, disabled: frozenset[str]) -> None:
        plugins, unselected = self._candidates(disabled)
        pm, order = load_plugins(plugins, strict=self.strict, unselected=unselected)
        hooks = Hooks(pm, order)
        if self._models_loaded:
            hooks.register_models()
        with self._lock:
            self.plugins = plugins
            self._unselected = unselected
            self.pm = pm
            self.hooks = hooks
            self.plugin_revision = revision

    def start(self) -> None:
        """Run the ``startup`` hook of every enabled plugin that has not run it yet.

        The CLI (for commands that use the site), the web app and the worker call it
        once; later, :meth:`refresh_plugins` starts plugins enabled meanwhile.
        """
        with self._lock:
            if self._started is None:
                self._started = set()
            pending = [p.name for p in self.enabled_plugins if p.name not in self._started]
            # Marked first: a failing startup is reported once, not on every refresh.
            self._started.update(pending)
        if pending:
            self.hooks.startup(self, plugins=pending)

    def plugin(self, name: str) -> InstalledPlugin:
        for plugin in self.plugins:
            if plugin.name == name:
                return plugin
        installed = ", ".join(p.name for p in self.plugins) or "none"
        raise NotFound(f"plugin {name!r} is not installed (installed: {installed})",
                       code="plugin_not_installed", field="name")

    def is_enabled(self, name: str) -> bool:
        """Whether plugin ``name`` is enabled and loaded on this site now."""
        return any(p.name == name and p.enabled and p.problem is None for p in self.plugins)

    @property
    def enabled_plugins(self) -> list[InstalledPlugin]:
        """The loaded plugins, each after the plugins it requires."""
        return [p for p in dependency_order([p for p in self.plugins
                                             if p.enabled and p.problem is None])]

    def service(self, plugin: str, name: str) -> Any:
        """Plugin ``plugin``'s service ``name`` (offered through the hook
        ``plugin_services``). The plugin must be enabled on this site: a plugin that uses
        another's services lists it in ``requires``, so that it cannot run without it."""
        if not self.is_enabled(plugin):
            found = next((p for p in self.plugins if p.name == plugin), None)
            why = ("is not installed" if found is None else
                   "is disabled on this site" if not found.enabled else
                   f"cannot be loaded ({found.problem})")
            raise PluginError(f"plugin {plugin!r} {why}: its service {name!r} cannot be used "
                              f"(a plugin that needs it lists {plugin!r} in its requires)",
                              code="plugin_service_unavailable",
                              details={"plugin": plugin, "service": name})
        return _services(self.hooks).get(plugin, name)

    def refresh_plugins(self) -> bool:
        """Reload the plugin set if another process enabled or disabled a plugin.

        One small query; the web app calls it before each request and the worker on
        each tick, so a change takes effect everywhere without a restart. Returns
        whether the plugin set was reloaded.
        """
        with self.engine.connect() as connection:
            revision, disabled = site_state.read_plugin_state_on(connection)
        if revision == self.plugin_revision:
            return False
        with self._lock:
            if revision == self.plugin_revision:
                return False
            self._load_plugins(revision, disabled)
        if self._started is not None:
            self.start()
        return True

    def set_plugin_enabled(self, name: str, enabled: bool) -> InstalledPlugin:
        """Enable or disable a plugin on this site (persisted; every process follows).

        Refused (:class:`~ordercraft.core.errors.Conflict`) when disabling an essential
        plugin or one that enabled plugins require, and when enabling a plugin whose
        requirements are not enabled or that cannot load. A plugin enabled gives the roles
        the default grants it declares and stores its custom fields.
        """
        from ordercraft.core.db import utcnow
        from ordercraft.core.models import PluginState

        plugin = self.plugin(name)
        if not enabled:
            if plugin.essential:
                raise Conflict(f"plugin {name!r} is essential and cannot be disabled: "
                               f"{plugin.essential}", code="plugin_essential", field="name")
            dependants = sorted(p.name for p in self.plugins
                                if p.enabled and p.name != name and name in p.requires)
            if dependants:
                listed = ", ".join(repr(d) for d in dependants)
                raise Conflict(
                    f"plugin {name!r} cannot be disabled: enabled plugin"
                    f"{'s' if len(dependants) > 1 else ''} {listed} require"
                    f"{'' if len(dependants) > 1 else 's'} it (disable "
                    f"{'them' if len(dependants) > 1 else 'it'} first)",
                    code="plugin_required", field="name", details={"required_by": dependants})
        else:
            self._check_can_enable(plugin)
        with self.session() as session:
            state = session.get(PluginState, name, with_for_update=True) or PluginState(name=name)
            state.enabled = enabled
            state.changed_at = utcnow()
            session.add(state)
            site_state.bump_revision(session)
        self.refresh_plugins()
        if enabled:
            from ordercraft.core.site import apply_declarations

            # Its own transaction: the plugin's declarations come from the plugin set
            # that the change above created. Applying them again is harmless, so a
            # failure here is mended by enabling again or by 'ordercraft db upgrade'.
            with self.session() as session:
                apply_declarations(session)
        return self.plugin(name)

    def _check_can_enable(self, plugin: InstalledPlugin) -> None:
        """Load the plugin set as it would be with ``plugin`` enabled; refuse what fails."""
        from ordercraft.core.errors import PluginError

        disabled = frozenset(p.name for p in self.plugins if not p.enabled and p is not plugin)
        trial, unselected = self._candidates(disabled)
        candidate = next(p for p in trial if p.name == plugin.name)
        try:
            candidate.load()
        except PluginError as exc:
            raise Conflict(f"plugin {plugin.name!r} cannot be enabled: {exc.message}",
                           code="plugin_broken", field="name") from exc
        error = requirement_problem(candidate, {p.name: p for p in trial}, unselected)
        if error is not None:
            raise Conflict(f"plugin {plugin.name!r} cannot be enabled: {error.message}",
                           code="plugin_requirement_missing", field="name",
                           details=error.details)
        try:
            load_plugins(trial, strict=True, unselected=unselected)
        except PluginError as exc:
            raise Conflict(f"plugin {plugin.name!r} cannot be enabled: {exc.message}",
                           code="plugin_broken", field="name") from exc

    # ------------------------------------------------------------------ database

    def load_models(self) -> None:
        """Import the core's tables and every enabled plugin's."""
        if not self._models_loaded:
            import ordercraft.core.models  # noqa: F401  (registers the core tables)

            self.hooks.register_models()
            self._models_loaded = True

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from ordercraft.core.db import make_engine

            with self._lock:  # web threads may ask for it at the same moment
                if self._engine is None:
                    self.load_models()
                    self._engine = make_engine(self.database_url)
        return self._engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        if self._session_factory is None:
            from ordercraft.core.audit import install_audit
            from ordercraft.core.custom_fields import install_custom_fields
            from ordercraft.core.db import make_session_factory

            with self._lock:
                if self._session_factory is None:
                    factory = make_session_factory(self.engine)
                    install_audit(factory)
                    install_custom_fields(factory)
                    self._session_factory = factory
        return self._session_factory

    @contextmanager
    def session(self, user: Any = None, *, writes: bool = True) -> Iterator[Session]:
        """One business operation: a session committed on success, rolled back on error.

        ``user`` (a ``User`` or ``None`` for the system) is recorded by the audit log and
        checked by services that need a permission. ``writes=False`` for an operation that
        only reads: on SQLite it reads a snapshot and never takes the write lock (see
        :func:`ordercraft.core.db.transaction`).
        """
        from ordercraft.core.db import transaction

        with transaction(self.session_factory, writes=writes, user=user,
                         platform=self) as session:
            yield session

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._session_factory = None


def site_platform(source: object) -> Platform:
    """The site of ``source``: a session opened by :meth:`Platform.session` (it keeps its
    platform in ``session.info``), or the platform itself."""
    if isinstance(source, Platform):
        return source
    info = getattr(source, "info", None)
    platform = info.get("platform") if isinstance(info, dict) else None
    if not isinstance(platform, Platform):
        raise PluginError("this session was not opened by Platform.session(): the site's "
                          "plugins are not reachable from it")
    return platform


@once_per_plugin_set
def _services(hooks: Hooks) -> ServiceRegistry:
    registry = ServiceRegistry()
    hooks.plugin_services(registry)
    return registry
