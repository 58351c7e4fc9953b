"""The main menu, built per request from the core's entries and the enabled plugins'
``menu_items``, showing only what the user may open."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, g, request, url_for
from werkzeug.routing import BuildError

from ordercraft.core.i18n import gettext
from ordercraft.core.permissions import has_permission
from ordercraft.core.registries import MenuItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str
    active: bool
    section: str


def init_app(app: Flask) -> None:
    app.jinja_env.globals["main_menu"] = menu_entries
    app.jinja_env.globals["menu_url"] = menu_url


def _visible_items(user: object) -> list[MenuItem]:
    """The entries the user may open, with replaced entries left out (an entry whose
    ``replaces`` names another's endpoint hides that one)."""
    from ordercraft.web.extension import get_platform
    from ordercraft.web.views import CORE_MENU

    items = [item for item in [*CORE_MENU, *get_platform().hooks.menu_items()]
             if not item.permission or has_permission(user, item.permission)]
    replaced = {item.replaces for item in items if item.replaces}
    return [item for item in items if item.endpoint not in replaced]


def menu_url(endpoint: str, **values: object) -> str:
    """The address of ``endpoint``, or of the menu entry replacing it for the current user
    (the Parties list's "Clients" link leads to crm's client list while crm is on)."""
    from ordercraft.web.auth import current_user

    user = current_user()
    if user is not None:
        for item in _visible_items(user):
            if item.replaces == endpoint:
                try:
                    return url_for(item.endpoint)
                except BuildError:
                    break
    return url_for(endpoint, **values)


def menu_entries() -> list[MenuEntry]:
    """The entries the current user sees, in menu order (computed once per request)."""
    if "_oc_menu" in g:
        return g._oc_menu
    from ordercraft.web.auth import current_user

    user = current_user()
    entries: list[MenuEntry] = []
    if user is not None:
        items = _visible_items(user)
        current_area = (request.endpoint or "").split(".", 1)[0]
        # Several entries of one area (Users, Audit log): the page's own entry is active.
        exact = any(item.endpoint == request.endpoint for item in items)
        for item in sorted(items, key=lambda i: (i.order, i.label)):
            try:
                url = url_for(item.endpoint)
            except BuildError:
                # A plugin naming an endpoint that does not exist must not break every page.
                log.warning("menu entry %r points to the unknown endpoint %r",
                            item.label, item.endpoint)
                continue
            areas = {item.endpoint.split(".", 1)[0]}
            if item.replaces:
                areas.add(item.replaces.split(".", 1)[0])
            active = (item.endpoint == request.endpoint if exact else
                      current_area in areas and current_area != "")
            # Labels are marked with N_() where they are declared and translated here, for
            # the user of this request.
            entries.append(MenuEntry(gettext(item.label), url, active,
                                     gettext(item.section) if item.section else item.section))
    g._oc_menu = entries
    return entries
