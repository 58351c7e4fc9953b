"""Errors as the user sees them: under ``/api`` always ``{"error": {"code", "message",
"field"?}}`` with the right status, on pages a friendly page. Never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from ordercraft.core.db import DISK_FULL_MESSAGE, disk_full
from ordercraft.core.errors import OrdercraftError, PluginFault
from ordercraft.web.auth import is_api_request
from ordercraft.web.extension import mark_failed

log = logging.getLogger(__name__)

#: Werkzeug's error names, as stable codes for the API.
HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large",
              415: "unsupported_media_type", 429: "too_many_requests", 503: "unavailable"}


def init_app(app: Flask) -> None:
    app.register_error_handler(OrdercraftError, handle_domain_error)
    app.register_error_handler(PluginFault, handle_plugin_fault)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_internal_error)


def error_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None
                   ) -> Response | tuple[str, int]:
    """The error as JSON for the API, as a page for the browser."""
    if is_api_request():
        response = jsonify({"error": body})
        response.status_code = status
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response
    return render_template("error.html", status=status, error=body), status


def handle_domain_error(exc: OrdercraftError) -> Any:
    mark_failed()
    status = exc.http_status
    if status >= 500:
        log.error("refused with a server-side error: %s", exc.message)
    headers = {"WWW-Authenticate": 'Bearer realm="ordercraft"'} if status == 401 else None
    return error_response(status, exc.to_dict(), headers)


def handle_plugin_fault(exc: PluginFault) -> Any:
    """A plugin's code failed in a hook: an internal fault (500), logged with its
    traceback; the answer names the plugin and the hook, not the plugin's exception."""
    mark_failed()
    log.error("%s", exc.message, exc_info=exc)
    return error_response(500, {"code": exc.code,
                                "message": f"an internal error occurred in plugin "
                                           f"{exc.plugin!r} (hook {exc.hook!r}); it has "
                                           "been logged",
                                "details": {"plugin": exc.plugin, "hook": exc.hook}})


def handle_http_error(exc: HTTPException) -> Any:
    if isinstance(exc, InternalServerError):
        return handle_internal_error(exc)
    mark_failed()
    status = exc.code or 500
    headers = {}
    allowed = exc.get_response().headers.get("Allow")
    if allowed:
        headers["Allow"] = allowed
    code = HTTP_CODES.get(status, "http_error")
    message = {404: "there is nothing at this address",
               405: "this address does not accept that method"}.get(status, exc.description or "")
    return error_response(status, {"code": code, "message": message}, headers)


def handle_internal_error(exc: InternalServerError) -> Any:
    """An unhandled exception: logged with its traceback (Flask does that), answered
    without one."""
    mark_failed()
    original = getattr(exc, "original_exception", None)
    if original is not None and disk_full(original):
        log.error("the database's disk is full")
        return error_response(503, {"code": "disk_full", "message": DISK_FULL_MESSAGE})
    if original is not None and _database_unavailable(original):
        return error_response(503, {"code": "database_unavailable",
                                    "message": "the database is busy or cannot be reached; "
                                               "try again in a moment"})
    return error_response(500, {"code": "internal",
                                "message": "an internal error occurred; it has been logged"})


def _database_unavailable(exc: BaseException) -> bool:
    """The database refused or lost the connection (a restart, a busy lock): through
    SQLAlchemy, or straight from the driver where the ledger talks to it directly."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, OperationalError | sqlite3.OperationalError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(exc, psycopg.OperationalError)
