"""Ordercraft's web application: pages for the browser and the JSON API.

``create_app(platform_or_url)`` assembles one Flask app for one site; nothing is
global, so a test can build as many apps as it has sites.

The names below are what a page or an API route needs (also for plugins:
``from ordercraft.sdk import web``). How to add a page or an API route: docs/web.md.
"""

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
from ordercraft.web.auth import current_user, login_required
from ordercraft.web.extension import get_platform, mark_failed, request_session
from ordercraft.web.pages import FORM_ERROR_STATUS, Form, Pager, page_arguments

__all__ = [
    "FORM_ERROR_STATUS", "Form", "InputModel", "OutputModel", "Page", "PageQuery", "Pager",
    "api_route", "create_app", "current_user", "get_platform", "login_required", "mark_failed",
    "page", "page_arguments", "request_session", "require_api_user",
]
