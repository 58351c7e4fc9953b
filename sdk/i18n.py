"""Marking a plugin's text for translation.

Text a person reads (a flash message, a form label, an error shown on a page) goes
through these functions so the translation catalogues can find and translate it::

    from ordercraft.sdk.i18n import _, ngettext

    flash(_("Order %(number)s was saved.", number=order.number), "success")
    flash(ngettext("%(num)d notification marked read.",
                   "%(num)d notifications marked read.", count), "success")

Write whole sentences with named placeholders (``%(name)s``), never pieces glued
together, so a translator can put the words in their language's order. Text for the
command line and the JSON API stays in English and is not marked.

Inside a web request with Flask-Babel configured, the text is translated into the
user's language; elsewhere (the CLI, workers, tests without a request) it is only
formatted. Templates use the same ``_()`` and ``ngettext()`` directly.
"""
from __future__ import annotations

from typing import Any

__all__ = ["_", "gettext", "lazy_gettext", "ngettext"]


def _babel() -> Any:
    """Flask-Babel's module when it is installed and a request is being served."""
    try:
        import flask_babel  # type: ignore[import-not-found, unused-ignore]
        from flask import has_request_context
    except ImportError:
        return None
    return flask_babel if has_request_context() else None


def gettext(string: str, **variables: Any) -> str:
    """``string`` translated into the user's language, with ``%(name)s`` placeholders
    filled from ``variables``."""
    babel = _babel()
    if babel is not None:
        return str(babel.gettext(string, **variables))
    return string % variables if variables else string


_ = gettext


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for ``num``, translated; ``%(num)d`` is ``num``."""
    babel = _babel()
    if babel is not None:
        return str(babel.ngettext(singular, plural, num, **variables))
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


class LazyString:
    """Text translated when it is shown rather than when it is defined (for labels
    and choices declared at import time, before any request)."""

    __slots__ = ("_string", "_variables")

    def __init__(self, string: str, variables: dict[str, Any]) -> None:
        self._string = string
        self._variables = variables

    def __str__(self) -> str:
        return gettext(self._string, **self._variables)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"lazy_gettext({self._string!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == (str(other) if isinstance(other, (str, LazyString)) else other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __mod__(self, other: Any) -> str:
        formatted: str = str(self) % other
        return formatted

    def __len__(self) -> int:
        return len(str(self))


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """Like :func:`gettext`, but translated each time the text is shown."""
    return LazyString(string, variables)
