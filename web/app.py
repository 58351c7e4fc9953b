"""The app factory: one Flask app for one site, assembled explicitly.

Order of assembly: configuration, the site's secret key, the Ordercraft extension
(platform, request transaction, plugin switch), authentication and CSRF, error
handlers, the core blueprints, then every installed plugin's blueprints.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from ordercraft.core.platform import Platform
from ordercraft.core.secret_key import site_secret_key
from ordercraft.web import (
    auth,
    csrf,
    errors,
    formatting,
    header,
    humanize,
    i18n,
    menu,
    pages,
    sections,
    security,
)
from ordercraft.web.extension import OrdercraftExtension, register_plugin_blueprints
from ordercraft.web.json_provider import BoundedJSONProvider
from ordercraft.web.testing import OrdercraftTestClient
from ordercraft.web.views import CORE_BLUEPRINTS

#: The largest id the database holds (ids are INTEGER columns: 32 bits on PostgreSQL).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` up to the largest id: a larger number answers 404 like any id that
    names nothing, instead of overflowing the query."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(platform_or_url: Platform | str | None = None, *, testing: bool = False,
               config: dict[str, Any] | None = None) -> Flask:
    """Build the web app of one site.

    :param platform_or_url: the site's :class:`Platform`, or a database URL, or ``None``
        for ``ORDERCRAFT_DATABASE_URL`` / ``ordercraft.db``.
    :param testing: Flask's testing mode (exceptions propagate to the test).
    :param config: Flask configuration that overrides everything else.
    """
    platform = (platform_or_url if isinstance(platform_or_url, Platform)
                else Platform(platform_or_url))
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.json = BoundedJSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        TESTING=testing,
        SESSION_COOKIE_NAME="ordercraft_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The cookie lives as long as the longest session may (the server ends it
        # sooner: logout, idle timeout, the site's lifetime setting) and is not sent
        # again with a fresh expiry on every request.
        PERMANENT_SESSION_LIFETIME=timedelta(days=31),
        SESSION_REFRESH_EACH_REQUEST=False,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    app.json.sort_keys = False
    app.test_client_class = OrdercraftTestClient
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        # ORDERCRAFT_SECRET_KEY, else the key file beside the site (never the database).
        app.config["SECRET_KEY"] = site_secret_key(platform)

    platform.start()
    security.init_app(app)
    OrdercraftExtension(app, platform)
    auth.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    menu.init_app(app)
    header.init_app(app)
    sections.init_app(app)
    pages.init_app(app)
    formatting.init_app(app)
    humanize.init_app(app)
    errors.init_app(app)
    for target in CORE_BLUEPRINTS:
        module_name, _, attribute = target.partition(":")
        app.register_blueprint(getattr(importlib.import_module(module_name), attribute or "bp"))
    register_plugin_blueprints(app, platform)
    return app
