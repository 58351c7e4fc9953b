"""``GET /api/v1`` (what the API offers) and ``GET /api/v1/openapi.json``."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, url_for

from ordercraft.web.api import API_PREFIX, OutputModel, api_route
from ordercraft.web.api.openapi import api_routes, build_openapi, ordercraft_version

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)


class Resource(OutputModel):
    name: str
    url: str


class ApiRoot(OutputModel):
    name: str
    version: str
    openapi: str
    authentication: str
    resources: list[Resource]


@api_route(bp, "", response=ApiRoot, auth=False, tags=["api"])
def root():
    """What the API offers: its resources and where its OpenAPI document is."""
    names: dict[str, str] = {}
    for path, _endpoint, _spec in api_routes(current_app):
        rest = path[len(API_PREFIX):].strip("/")
        name = rest.split("/", 1)[0]
        if name and name != "openapi.json" and not name.startswith("{"):
            names.setdefault(name, f"{API_PREFIX}/{name}")
    return {
        "name": "Ordercraft API",
        "version": ordercraft_version(),
        "openapi": url_for("api.openapi"),
        "authentication": "Authorization: Bearer <token> (ordercraft user token NAME), "
                          "or the browser's login session",
        "resources": [{"name": n, "url": u} for n, u in sorted(names.items())],
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_openapi(current_app))
