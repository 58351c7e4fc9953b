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
from ordercraft.core.errors import Conflict, NotFound
from ordercraft.core.hooks import Hooks
from ordercraft.core.plugins import (InstalledPlugin, build_plugin_manager, check_requirements,
                                     dependency_order, discover, plugin_from_module)

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
    """

    def __init__(self, database_url: str | None = None, *, only: Iterable[str] | None = None,
                 extra_plugins: Iterable[ModuleType] = ()) -> None:
        self.database_url = resolve_database_url(database_url)
        self._only = list(only) if only is not None else None
        self._extra = list(extra_plugins)
        self._engine: Engine | None = None
        self._session_factory: sessionmaker[Session] | None = None
        self._lock = threading.RLock()
        self._models_loaded = False
        self.plugin_revision = ""
        self.plugins: list[InstalledPlugin] = []
        revision, disabled = site_state.read_plugin_state(self.database_url)
        self._load_plugins(revision, disabled)

    # ------------------------------------------------------------------ plugins

    def _load_plugins(self, revision: str, disabled: frozenset[str]) -> None:
        plugins = discover(self._only) + [plugin_from_module(m) for m in self._extra]
        by_name = {p.name: p for p in self.plugins}
        for plugin in plugins:
            previous = by_name.get(plugin.name)
            if previous is not None and previous.module is not None:
                plugin.module = previous.module
            plugin.enabled = plugin.name not in disabled
        check_requirements(plugins)
        pm = build_plugin_manager(plugins)
        self.plugins = plugins
        self.pm = pm
        self.hooks = Hooks(pm, [p.name for p in dependency_order(plugins) if p.enabled])
        self.plugin_revision = revision
        if self._models_loaded:
            self.hooks.register_models()

    def plugin(self, name: str) -> InstalledPlugin:
        for plugin in self.plugins:
            if plugin.name == name:
                return plugin
        raise NotFound(f"plugin {name!r} is not installed", field="name")

    def is_enabled(self, name: str) -> bool:
        return any(p.name == name and p.enabled for p in self.plugins)

    @property
    def enabled_plugins(self) -> list[InstalledPlugin]:
        return [p for p in dependency_order(self.plugins) if p.enabled]

    def refresh_plugins(self) -> bool:
        """Reload the plugin set if another process enabled or disabled a plugin.

        One small query; the web app calls it before each request and the worker on
        each tick, so a change takes effect everywhere without a restart.
        """
        with self.engine.connect() as connection:
            revision, disabled = site_state.read_plugin_state_on(connection)
            connection.rollback()
        if revision == self.plugin_revision:
            return False
        with self._lock:
            if revision != self.plugin_revision:
                self._load_plugins(revision, disabled)
                self.hooks.startup(self)
        return True

    def set_plugin_enabled(self, name: str, enabled: bool) -> InstalledPlugin:
        """Enable or disable a plugin on this site (persisted; every process follows)."""
        from ordercraft.core.models import PluginState, SiteSetting

        plugin = self.plugin(name)
        if not enabled:
            if plugin.essential:
                raise Conflict(f"plugin {name!r} cannot be disabled: {plugin.essential}",
                               code="plugin_essential", field="name")
            dependants = sorted(p.name for p in self.plugins if p.enabled and name in p.requires)
            if dependants:
                raise Conflict(
                    f"plugin {name!r} cannot be disabled: plugin {dependants[0]!r} requires it"
                    + (f" (also {', '.join(dependants[1:])})" if len(dependants) > 1 else ""),
                    code="plugin_required", field="name")
        else:
            plugin.load()
            missing = [r for r in plugin.requires if not self.is_enabled(r)]
            if missing:
                raise Conflict(
                    f"plugin {name!r} cannot be enabled: it requires plugin {missing[0]!r}, which "
                    "is " + ("disabled" if any(p.name == missing[0] for p in self.plugins)
                             else "not installed"),
                    code="plugin_requirement_missing", field="name")
        with self.session() as session:
            state = session.get(PluginState, name) or PluginState(name=name)
            state.enabled = enabled
            session.add(state)
            setting = session.get(SiteSetting, "plugins_revision") or SiteSetting(
                key="plugins_revision", value="0")
            setting.value = str(int(setting.value or "0") + 1)
            session.add(setting)
        self.refresh_plugins()
        return self.plugin(name)

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

            self.load_models()
            self._engine = make_engine(self.database_url)
        return self._engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        if self._session_factory is None:
            from ordercraft.core.audit import install_audit
            from ordercraft.core.db import make_session_factory

            self._session_factory = make_session_factory(self.engine)
            install_audit(self._session_factory)
        return self._session_factory

    @contextmanager
    def session(self, user: Any = None) -> Iterator[Session]:
        """One business operation: a session committed on success, rolled back on error.

        ``user`` (a ``User`` or ``None`` for the system) is recorded by the audit log and
        checked by services that need a permission.
        """
        from ordercraft.core.db import transaction

        with transaction(self.session_factory, user=user, platform=self) as session:
            yield session

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._session_factory = None
