"""The page header's items from the plugins (``page_header_items``): a bell with its
unread count, ... — computed once per request, only for a logged-in user."""

from __future__ import annotations

import logging

from flask import Flask, g

from ordercraft.core.registries import HeaderItem

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["page_header_items"] = header_items


def header_items() -> list[HeaderItem]:
    """The items the current user sees, in order (an empty list for nobody)."""
    if "_oc_header" in g:
        return g._oc_header
    from ordercraft.web.auth import current_user
    from ordercraft.web.extension import get_platform, request_session

    items: list[HeaderItem] = []
    try:
        user = current_user()
        if user is not None:
            items = sorted(get_platform().hooks.page_header_items(request_session(), user),
                           key=lambda item: (item.order, item.label))
    except Exception:  # noqa: BLE001 - an error page must render even when the database is down
        log.exception("the page header's items could not be read")
    g._oc_header = items
    return items
