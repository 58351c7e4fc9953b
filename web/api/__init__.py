"""The JSON API under ``/api/v1``: the route decorator, base models, pagination and the
generated OpenAPI document. How to add a route: docs/web.md."""

from flask import Blueprint

from ordercraft.web.api.models import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InputModel,
    OutputModel,
    Page,
    PageQuery,
    custom_field_filters,
    custom_fields_member,
    page,
)
from ordercraft.web.api.routes import ApiSpec, api_route, require_api_user

API_PREFIX = "/api/v1"

__all__ = [
    "API_PREFIX", "ApiSpec", "DEFAULT_LIMIT", "InputModel", "MAX_LIMIT", "OutputModel", "Page",
    "PageQuery", "api_blueprint", "api_route", "custom_field_filters", "custom_fields_member",
    "page", "require_api_user",
]


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint for JSON API routes: its rules are under ``/api/v1``."""
    return Blueprint(name, import_name, url_prefix=API_PREFIX)
