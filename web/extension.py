"""The site inside the Flask app: its platform, one transaction per request, and the
plugin switch (a disabled plugin's blueprints answer 404 until it is enabled again).

Per-app state lives in ``app.extensions``: ``"ordercraft"`` is the site's Platform,
``"ordercraft.blueprint_plugins"`` maps each plugin blueprint's name to its plugin.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, Response, abort, current_app, g, request

from ordercraft.core.db import write_if_free
from ordercraft.core.errors import PluginError

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from ordercraft.core.platform import Platform

log = logging.getLogger(__name__)

F = TypeVar("F")

EXTENSION = "ordercraft"
BLUEPRINT_PLUGINS = "ordercraft.blueprint_plugins"

#: Endpoints that need neither the plugin switch nor the database transaction.
_LIGHT_ENDPOINTS = {"static", "main.health"}


class Anonymous:
    """The acting principal of a request nobody is logged in to: no permissions.

    Never ``None``: to services ``None`` means the system itself, which may do anything.
    """

    id = None
    name = "anonymous"
    full_name = "Anonymous"
    role_names: list[str] = []
    permissions: frozenset[str] = frozenset()
    is_authenticated = False


ANONYMOUS = Anonymous()


class RequestTransaction:
    """The request's database session: ``platform.session()`` held open for the request,
    committed when the response is a success and rolled back otherwise."""

    def __init__(self, platform: Platform, *, writes: bool = True) -> None:
        self._stack = ExitStack()
        self.session: Session = self._stack.enter_context(
            platform.session(user=ANONYMOUS, writes=writes))
        self.failed = False
        self.keep = False
        self.engine = platform.engine
        #: Bookkeeping writes of a reading request, run after its transaction.
        self.touches: list[Any] = []

    def finish(self, success: bool) -> None:
        stack, self._stack = self._stack, None
        if stack is None:
            return
        if not success and not self.keep:
            self.session.rollback()
        stack.close()  # platform.session() commits (nothing left after a rollback) and closes
        for statement in self.touches:
            write_if_free(self.engine, statement)


class OrdercraftExtension:
    """Attaches a site to an app (``init_app`` style)."""

    def __init__(self, app: Flask | None = None, platform: Platform | None = None) -> None:
        if app is not None and platform is not None:
            self.init_app(app, platform)

    def init_app(self, app: Flask, platform: Platform) -> None:
        app.extensions[EXTENSION] = platform
        app.extensions[BLUEPRINT_PLUGINS] = {}
        app.before_request(_follow_plugin_switch)
        app.after_request(_finish_transaction)
        app.teardown_request(_discard_transaction)


def get_platform() -> Platform:
    """The Platform of the app handling this request."""
    return current_app.extensions[EXTENSION]


#: Methods whose requests only read: their transaction reads a snapshot (see ``writes``).
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_first(view: F) -> F:
    """Mark a view that does long work (runs a calculator, renders a PDF, parses a file)
    before it writes: its request session only reads, so the work holds no write lock,
    and what it stores it stores in a short transaction of its own (as
    ``calc.run_calculator(..., save=True)`` does). Put it below ``@bp.route``/``api_route``.
    """
    view._oc_reads_first = True  # type: ignore[attr-defined]
    return view


def request_writes() -> bool:
    """Whether this request's transaction may write: a POST, PUT, PATCH or DELETE that is
    not :func:`reads_first`. A GET reads a snapshot and never waits for a writer."""
    if request.method in READING_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "_oc_reads_first", False)


def request_session() -> Session:
    """The request's database session, acting as the logged-in user (or as nobody).

    Opened on first use; committed after the view when the response status is below 400,
    rolled back otherwise (a refused operation leaves nothing half-saved). A GET's session
    reads a snapshot (on SQLite it takes no write lock); see :func:`request_writes`.
    """
    transaction = g.get("_oc_transaction")
    if transaction is None:
        transaction = g._oc_transaction = RequestTransaction(get_platform(),
                                                             writes=request_writes())
        from ordercraft.web.auth import resolve_user

        user = resolve_user(transaction.session)
        g._oc_user = user
        transaction.session.info["user"] = user if user is not None else ANONYMOUS
    return transaction.session


def bookkeeping_touch() -> Callable[[Any], None] | None:
    """For a request that only reads: where the user's lookup leaves its bookkeeping
    ``UPDATE`` (a token's last use, a session's last activity), run after the request's
    transaction by :func:`ordercraft.core.db.write_if_free`, so that reading never
    waits for SQLite's write lock. ``None`` for a request that writes anyway."""
    transaction = g.get("_oc_transaction")
    if transaction is None or request_writes():
        return None
    return transaction.touches.append


def keep_changes() -> None:
    """Commit the request's transaction even though the response is a refusal (a refused
    login still counts against the account and is in the audit log)."""
    transaction = g.get("_oc_transaction")
    if transaction is not None:
        transaction.keep = True


def mark_failed() -> None:
    """Roll the request's transaction back even if the response is a success."""
    transaction = g.get("_oc_transaction")
    if transaction is not None:
        transaction.failed = True


def _follow_plugin_switch() -> None:
    if request.endpoint in _LIGHT_ENDPOINTS:
        return
    platform = get_platform()
    platform.refresh_plugins()
    blueprint = request.blueprint
    if blueprint:
        plugin = current_app.extensions[BLUEPRINT_PLUGINS].get(blueprint.split(".", 1)[0])
        if plugin is not None and not platform.is_enabled(plugin):
            abort(404)


def _finish_transaction(response: Response) -> Response:
    transaction = g.pop("_oc_transaction", None)
    if transaction is not None:
        transaction.finish(success=response.status_code < 400 and not transaction.failed)
    return response


def _discard_transaction(_exc: BaseException | None) -> None:
    # Reached with an open transaction only when the request failed before a response.
    transaction = g.pop("_oc_transaction", None)
    if transaction is not None:
        transaction.finish(success=False)


def blueprint_plugin(app: Flask, blueprint_name: str) -> str | None:
    """The plugin whose blueprint this is (``None`` for the core's)."""
    return app.extensions[BLUEPRINT_PLUGINS].get(blueprint_name.split(".", 1)[0])


def register_plugin_blueprints(app: Flask, platform: Platform) -> None:
    """Register the blueprints of every installed plugin, disabled ones included.

    Flask cannot add routes once it serves, so a plugin that is disabled now still has its
    blueprints registered; they answer 404 until the plugin is enabled (no restart).
    """
    owners: dict[str, str] = app.extensions[BLUEPRINT_PLUGINS]
    pairs: list[tuple[str, Blueprint]] = list(platform.hooks.web_blueprints())
    for plugin in platform.plugins:
        if not plugin.enabled:
            pairs.extend(_disabled_plugin_blueprints(plugin))
    for plugin_name, blueprint in pairs:
        if blueprint.name in app.blueprints or blueprint.name in owners:
            other = owners.get(blueprint.name, "core")
            raise PluginError(f"plugin {plugin_name!r} adds blueprint {blueprint.name!r}, "
                              f"which {'plugin ' + repr(other) if other != 'core' else 'the core'}"
                              " already has")
        try:
            app.register_blueprint(blueprint)
        except Exception as exc:  # a clash of URL rules or a bad blueprint names the plugin
            raise PluginError(f"plugin {plugin_name!r}: its blueprint {blueprint.name!r} could "
                              f"not be registered: {exc}") from exc
        owners[blueprint.name] = plugin_name


def _disabled_plugin_blueprints(plugin: Any) -> list[tuple[str, Blueprint]]:
    from ordercraft.core.hooks import Hooks
    from ordercraft.core.plugins import build_plugin_manager

    # A copy marked enabled, so the platform's own view of the plugin does not change.
    candidate = dataclasses.replace(plugin, enabled=True)
    try:
        hooks = Hooks(build_plugin_manager([candidate]), [candidate.name])
        return hooks.web_blueprints()
    except PluginError as exc:
        # A disabled plugin may be broken (that can be why it is disabled): the site runs
        # without its pages; enabling it later needs a restart of the web server.
        log.warning("pages of disabled plugin %r are not available: %s", plugin.name, exc)
        return []
