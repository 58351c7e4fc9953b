"""The JSON API under ``/api/v1``: the route decorator, base models, pagination and the
generated OpenAPI document. How to add a route: docs/web.md."""

from ordercraft.web.api.models import (
                                       DEFAULT_LIMIT,
                                       MAX_LIMIT,
                                       InputModel,
                                       OutputModel,
                                       Page,
                                       PageQuery,
                                       page,
)
from ordercraft.web.api.routes import ApiSpec, api_route, require_api_user

API_PREFIX = "/api/v1"

__all__ = [
    "API_PREFIX", "ApiSpec", "DEFAULT_LIMIT", "InputModel", "MAX_LIMIT", "OutputModel", "Page",
    "PageQuery", "api_route", "page", "require_api_user",
]
