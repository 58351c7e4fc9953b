"""Ordercraft's web application: pages for the browser and the JSON API.

``create_app(platform_or_url)`` assembles one Flask app for one site; nothing is
global, so a test can build as many apps as it has sites. ``ordercraft serve`` and
``ordercraft demo`` (:mod:`ordercraft.web.commands`) run it.

Importing this package loads neither Flask nor pydantic (``ordercraft --help`` reads
the short help of the web's commands): the names below come from their modules on
first use. Plugins reach them through ``ordercraft.sdk.web``; how to add a page or an
API route: docs/web.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ordercraft.web.api import (
        InputModel,
        OutputModel,
        Page,
        PageQuery,
        api_route,
        page,
        require_api_user,
    )
    from ordercraft.web.app import create_app
    from ordercraft.web.auth import current_user, login_required, permission_required
    from ordercraft.web.extension import get_platform, mark_failed, request_session
    from ordercraft.web.pages import FORM_ERROR_STATUS, Form, Pager, page_arguments

__all__ = [
    "FORM_ERROR_STATUS", "Form", "InputModel", "OutputModel", "Page", "PageQuery", "Pager",
    "api_route", "create_app", "current_user", "get_platform", "login_required", "mark_failed",
    "page", "page_arguments", "permission_required", "request_session", "require_api_user",
]

#: The module of each name above (the imports under TYPE_CHECKING, made on first use).
_HOMES = {
    "ordercraft.web.api": ("InputModel", "OutputModel", "Page", "PageQuery", "api_route", "page",
                           "require_api_user"),
    "ordercraft.web.app": ("create_app",),
    "ordercraft.web.auth": ("current_user", "login_required", "permission_required"),
    "ordercraft.web.extension": ("get_platform", "mark_failed", "request_session"),
    "ordercraft.web.pages": ("FORM_ERROR_STATUS", "Form", "Pager", "page_arguments"),
}


def __getattr__(name: str) -> Any:
    for module_name, names in _HOMES.items():
        if name in names:
            value = getattr(importlib.import_module(module_name), name)
            globals()[name] = value
            return value
    raise AttributeError(f"module 'ordercraft.web' has no attribute {name!r}")
