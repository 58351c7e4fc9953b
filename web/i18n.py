"""The language of each request: Flask-Babel's locale, the core's catalogues.

The signed-in user's language (``User.language``, when the site has the column and the
user chose one), else the site setting ``default_language``, else English. The choice is
made before the view runs, so flash messages, form errors and templates all read it;
Flask-Babel's ``format_*`` functions follow the same locale.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from sqlalchemy.exc import SQLAlchemyError

from ordercraft.core import i18n
from ordercraft.web.extension import get_platform, request_session


def init_app(app: Flask) -> None:
    from flask_babel import Babel

    Babel(app, locale_selector=i18n.current_locale, default_locale=i18n.SOURCE_LANGUAGE)
    # The core's callables, not Flask-Babel's: one catalogue per site (core + enabled
    # plugins), read from the packages' .po files.
    i18n.install_gettext(app.jinja_env)
    app.before_request(_choose_language)
    app.teardown_request(_forget_language)
    app.context_processor(_page_language)


def request_language() -> str:
    """The language this request is answered in (see the module's docstring)."""
    from ordercraft.web.auth import current_user

    return i18n.language_of(request_session(), current_user())


def _choose_language() -> None:
    if request.endpoint == "static":
        return
    platform = get_platform()

    def choose() -> tuple[str, tuple[str, ...]]:
        try:
            language = request_language()
        except SQLAlchemyError:
            # The database is out of reach: the error page still needs its words.
            language = i18n.SOURCE_LANGUAGE
        return language, i18n.catalogue_folders(platform)

    g._oc_language = i18n.activate(choose)


def _forget_language(_exc: BaseException | None = None) -> None:
    token = g.pop("_oc_language", None)
    if token is not None:
        i18n.deactivate(token)


def _page_language() -> dict[str, Any]:
    language = i18n.current_locale()
    return {"page_language": language, "page_direction": i18n.text_direction(language),
            "languages": i18n.LANGUAGES}
