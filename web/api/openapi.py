"""The OpenAPI 3.1 document of the API, generated from the routes' own pydantic models.

Every route registered with ``api_route`` (core's and enabled plugins') is described:
path and path parameters from the Flask rule, query parameters and request body from
the models the route validates with, the response from the model it answers with.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pydantic
from flask import Flask
from pydantic.json_schema import GenerateJsonSchema

from ordercraft.web.api.routes import ApiSpec
from ordercraft.web.extension import blueprint_plugin

REF_TEMPLATE = "#/components/schemas/{model}"
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMAS = {
    "int": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "message": {"type": "string", "description": "What went wrong, naming the "
                                                             "field and the value."},
                "field": {"type": "string", "description": "The field at fault, if one is."},
                "details": {"type": "object"},
            },
        },
    },
}


def ordercraft_version() -> str:
    try:
        return version("ordercraft")
    except PackageNotFoundError:
        return "0"


def api_routes(app: Flask) -> list[tuple[str, str, ApiSpec]]:
    """``(OpenAPI path, endpoint, spec)`` of every API route that answers right now
    (routes of disabled plugins are left out)."""
    platform = app.extensions["ordercraft"]
    routes = []
    for rule in app.url_map.iter_rules():
        spec = getattr(app.view_functions.get(rule.endpoint), "api_spec", None)
        if spec is None:
            continue
        blueprint = rule.endpoint.rpartition(".")[0]
        plugin = blueprint_plugin(app, blueprint) if blueprint else None
        if plugin is not None and not platform.is_enabled(plugin):
            continue
        routes.append((_RULE_ARGUMENT.sub(r"{\g<name>}", rule.rule), rule.endpoint, spec))
    return sorted(routes, key=lambda r: (r[0], r[1]))


def build_openapi(app: Flask) -> dict[str, Any]:
    routes = api_routes(app)
    inputs: list[tuple[Any, str, Any]] = []
    for _path, endpoint, spec in routes:
        if spec.query is not None:
            inputs.append(((endpoint, "query"), "validation", _core_schema(spec.query)))
        if spec.body is not None:
            inputs.append(((endpoint, "body"), "validation", _core_schema(spec.body)))
        if spec.response is not None:
            inputs.append(((endpoint, "response"), "serialization", _core_schema(spec.response)))
    generator = GenerateJsonSchema(ref_template=REF_TEMPLATE)
    generated, definitions = generator.generate_definitions(inputs) if inputs else ({}, {})
    # Keyed ``((endpoint, part), mode)`` by pydantic; the mode is implied by the part.
    schemas = {key: schema for (key, _mode), schema in generated.items()}
    components: dict[str, Any] = dict(definitions)

    paths: dict[str, dict[str, Any]] = {}
    for path, endpoint, spec in routes:
        for method in spec.methods:
            if method in ("HEAD", "OPTIONS"):
                continue
            operation = _operation(path, endpoint, spec, schemas, components)
            paths.setdefault(path, {})[method.lower()] = operation
    components["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ordercraft API",
            "version": ordercraft_version(),
            "description": "JSON API of an Ordercraft site. Authenticate with "
                           "'Authorization: Bearer <token>' (ordercraft user token NAME). "
                           "Errors are {\"error\": {\"code\", \"message\", \"field\"?}}.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "ordercraft_session"},
            },
        },
    }


def _core_schema(annotation: Any) -> Any:
    return pydantic.TypeAdapter(annotation).core_schema


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref and ref.startswith("#/components/schemas/"):
        return components[ref.rsplit("/", 1)[1]]
    return schema


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string cannot say ``null``: an optional parameter is simply left out."""
    variants = schema.get("anyOf")
    if not variants:
        return schema
    rest = [v for v in variants if v != {"type": "null"}]
    if len(rest) == len(variants):
        return schema
    result = {k: v for k, v in schema.items() if k != "anyOf"}
    if result.get("default", 0) is None:
        del result["default"]
    if len(rest) == 1:
        result.update(rest[0])
    else:
        result["anyOf"] = rest
    return result


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(
                model="Error")}}}}


def _operation(path: str, endpoint: str, spec: ApiSpec, schemas: dict[Any, Any],
               components: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": spec.summary or endpoint,
        "tags": list(spec.tags) or [_default_tag(path)],
    }
    if spec.description:
        operation["description"] = spec.description
    parameters = []
    for match in _RULE_ARGUMENT.finditer(spec.rule):
        parameters.append({
            "name": match["name"], "in": "path", "required": True,
            "schema": dict(_CONVERTER_SCHEMAS.get(match["converter"] or "", {"type": "string"})),
        })
    if spec.query is not None:
        query_schema = _resolve(schemas[(endpoint, "query")], components)
        required = set(query_schema.get("required", ()))
        for name, property_schema in query_schema.get("properties", {}).items():
            property_schema = _without_null(property_schema)
            parameter = {"name": name, "in": "query", "required": name in required,
                         "schema": property_schema}
            if "description" in property_schema:
                parameter["description"] = property_schema["description"]
            if property_schema.get("type") == "array":
                parameter.update(style="form", explode=True)
            parameters.append(parameter)
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas[(endpoint, "body")]}},
        }
    responses: dict[str, Any] = {}
    if spec.status == 204:
        responses["204"] = {"description": "Done; no content."}
    else:
        success: dict[str, Any] = {"description": "Success."}
        if spec.media_type != "application/json":
            binary = not spec.media_type.startswith("text/")
            success["content"] = {spec.media_type: {"schema": {
                "type": "string", **({"format": "binary"} if binary else {})}}}
        elif spec.response is not None:
            success["content"] = {"application/json": {"schema": schemas[(endpoint,
                                                                           "response")]}}
        else:
            success["content"] = {"application/json": {"schema": {}}}
        responses[str(spec.status)] = success
    if spec.body is not None or spec.query is not None or parameters:
        responses["400"] = _error_response("Invalid input; the error names the field.")
    if spec.auth:
        responses["401"] = _error_response("Not authenticated.")
        responses["403"] = _error_response("The user lacks the permission.")
    for status, description in spec.errors.items():
        responses[str(status)] = _error_response(description)
    responses["default"] = _error_response("Any other error.")
    operation["responses"] = responses
    operation["security"] = ([{"bearerAuth": []}, {"cookieAuth": []}] if spec.auth else [])
    return operation


def _default_tag(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[2] if len(parts) > 2 else "api"
