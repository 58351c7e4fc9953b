"""Domain errors: each has a stable ``code`` and a message that names the thing.

The CLI prints them and exits 2; the JSON API answers 4xx with
``{"error": {"code", "message", "field"?}}``. Anything that is not an
``OrdercraftError`` is an internal fault.
"""

from __future__ import annotations

from typing import Any

#: The longest message an error carries; a message quoting a huge rejected value (a 15 MB
#: field) is cut to this, so an answer never echoes a big input back.
MAX_MESSAGE_LENGTH = 1000
#: How much of a rejected value an error quotes (see :func:`quoted`).
QUOTE_LENGTH = 80


def quoted(value: Any, limit: int = QUOTE_LENGTH) -> str:
    """``repr(value)``, at most ``limit`` characters: a short prefix of a long value and
    how long it was (``'aaaa...' (15000000 characters)``)."""
    if isinstance(value, (str, bytes)) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def clipped(message: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """``message`` cut to ``limit`` characters, saying so."""
    if len(message) <= limit:
        return message
    return f"{message[:limit]}... (cut; {len(message)} characters)"


class OrdercraftError(Exception):
    """A refused operation or a user's mistake. Never a bug."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        message = clipped(message)
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body

    def __str__(self) -> str:
        return self.message


class ValidationError(OrdercraftError):
    code = "invalid"
    http_status = 400


class NotFound(OrdercraftError):
    code = "not_found"
    http_status = 404


class Conflict(OrdercraftError):
    code = "conflict"
    http_status = 409


class PermissionDenied(OrdercraftError):
    code = "forbidden"
    http_status = 403


class AuthenticationFailed(OrdercraftError):
    code = "unauthenticated"
    http_status = 401


class PluginError(OrdercraftError):
    """A plugin is set up wrongly: a missing requirement, a misspelt hook, an import
    error, a name two plugins claim. Found at start-up and reported with the names
    involved (a crash of a plugin's code is a :class:`PluginFault`)."""

    code = "plugin_error"
    http_status = 500


class DatabaseMissing(OrdercraftError):
    code = "database_missing"
    http_status = 500


class PluginFault(Exception):
    """A plugin's code failed inside a hook: a bug in the plugin, not a refusal.

    Not an :class:`OrdercraftError`: it is an internal fault (the CLI exits 1, the web
    answers 500), never shown as the user's mistake. Its message names the plugin and
    the hook; ``__cause__`` is the plugin's own exception.
    """

    code = "plugin_failed"

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        self.plugin = plugin
        self.hook = hook
        self.message = (f"plugin {plugin!r} failed in hook {hook!r}: "
                        f"{type(error).__name__}: {error}")
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message,
                "details": {"plugin": self.plugin, "hook": self.hook}}
