"""The OpenAPI 3.1 document of the API, generated from the routes' own pydantic models.

Every route registered with ``api_route`` (core's and enabled plugins') is described:
path and path parameters from the Flask rule, query parameters and request body from
the models the route validates with, the response from the model it answers with, the
permission it needs (``x-permission`` and a line of its description) and every status
it can answer: its success, the ones its declaration lists (``errors=``) and the ones
the API answers for any route of its kind (see :func:`_responses`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pydantic
from flask import Flask
from pydantic.json_schema import GenerateJsonSchema

from ordercraft.web.api.models import CUSTOM_FIELD_FILTERS, CUSTOM_FIELDS_MODE, CUSTOM_FIELDS_SCHEMA
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


#: The JSON schema of a custom field's value, by type.
CUSTOM_FIELD_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string", "maxLength": 500},
    "int": {"type": "integer"},
    "decimal": {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
    "date": {"type": "string", "format": "date"},
    "bool": {"type": "boolean"},
    "choice": {"type": "string"},
}

FieldsOf = Callable[[str], list[Any]]
_REQUIRED_MEMBER = "x-ordercraft-required-member"


def _site_fields(entity: str) -> list[Any]:
    """The custom fields of ``entity`` on the request's site."""
    from ordercraft.core.custom_fields import definitions
    from ordercraft.core.errors import NotFound
    from ordercraft.web.extension import request_session

    try:
        return definitions(request_session(), entity)
    except NotFound:
        return []


def _field_schema(definition: Any, nullable: bool) -> dict[str, Any]:
    schema = dict(CUSTOM_FIELD_TYPES[definition.type], title=definition.label)
    if definition.choices:
        schema["enum"] = list(definition.choices)
    if nullable:
        return {"anyOf": [{k: v for k, v in schema.items() if k != "title"}, {"type": "null"}],
                "title": definition.label}
    return schema


def _fill_custom_fields(node: Any, fields_of: FieldsOf) -> None:
    """Replace every ``custom_fields`` member's schema by the site's fields (in place)."""
    if isinstance(node, list):
        for entry in node:
            _fill_custom_fields(entry, fields_of)
        return
    if not isinstance(node, dict):
        return
    entity = node.pop(CUSTOM_FIELDS_SCHEMA, None)
    if entity is not None:
        mode = node.pop(CUSTOM_FIELDS_MODE, "output")
        found = fields_of(entity)
        node.update(type="object", additionalProperties=False, properties={
            d.name: _field_schema(d, nullable=mode == "change") for d in found})
        required = [d.name for d in found if d.required and mode == "create"]
        if required:
            node["required"] = required
            node[_REQUIRED_MEMBER] = True
    for value in list(node.values()):
        _fill_custom_fields(value, fields_of)
    # A model whose custom fields include required ones requires its ``custom_fields``.
    for name, member in (node.get("properties") or {}).items():
        if isinstance(member, dict) and member.pop(_REQUIRED_MEMBER, False):
            if name not in node.setdefault("required", []):
                node["required"].append(name)


def build_openapi(app: Flask, fields_of: FieldsOf | None = None) -> dict[str, Any]:
    """The document; ``fields_of(entity)`` gives the custom fields each entity's members
    list (default: the request's site's)."""
    fields_of = fields_of or _site_fields
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
            operation = _operation(path, endpoint, spec, schemas, components, fields_of)
            _add_permission(operation, _required_permission(app, spec))
            paths.setdefault(path, {})[method.lower()] = operation
    _fill_custom_fields([components, paths], fields_of)
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


#: Methods that change something: they may meet a conflict with the site's data.
WRITING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _responses(spec: ApiSpec, has_parameters: bool) -> dict[str, Any]:
    """The error statuses a route can answer, by what it is, then its own ``errors``."""
    found: dict[str, Any] = {}
    if spec.body is not None or spec.query is not None or has_parameters:
        found["400"] = _error_response("Invalid input (a value, a number out of range, JSON "
                                       "nested too deep); the error names the field.")
    if spec.auth:
        found["401"] = _error_response("Not authenticated (no token, an expired or revoked "
                                       "one, an ended session).")
        found["403"] = _error_response("The user lacks the permission, or a record rule "
                                       "hides the object.")
    if "{" in spec.rule or "<" in spec.rule or spec.query is not None:
        found["404"] = _error_response("Nothing has this id or name (in the path, or named "
                                       "by a filter).")
    if WRITING & set(spec.methods):
        found["409"] = _error_response("Conflicts with the site's data (a duplicate, a state "
                                       "that does not allow it, stock that is not there).")
        found["422"] = _error_response("Understood but not possible (a stock balance past "
                                       "what its column holds, a calculator's error).")
    if spec.body is not None:
        found["413"] = _error_response("The request body is larger than the site accepts.")
        found["415"] = _error_response("The request body is not JSON.")
    found["500"] = _error_response("An internal fault (logged; the answer names no detail).")
    found["503"] = _error_response("The database is busy or cannot be reached; try again.")
    for status, description in spec.errors.items():
        found[str(status)] = _error_response(description)
    return found


def _filter_parameters(entity: str, fields_of: FieldsOf) -> list[dict[str, Any]]:
    from ordercraft.core.custom_fields import FILTER_PREFIX

    return [{"name": FILTER_PREFIX + d.name, "in": "query", "required": False,
             "schema": _field_schema(d, nullable=False),
             "description": f"Only objects whose custom field {d.label!r} has this value."}
            for d in fields_of(entity)]


def _operation(path: str, endpoint: str, spec: ApiSpec, schemas: dict[Any, Any],
               components: dict[str, Any], fields_of: FieldsOf) -> dict[str, Any]:
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
            if CUSTOM_FIELD_FILTERS in property_schema:
                parameters += _filter_parameters(property_schema[CUSTOM_FIELD_FILTERS],
                                                 fields_of)
                continue
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
    responses.update(_responses(spec, bool(parameters)))
    operation["responses"] = dict(sorted(responses.items()))
    operation["security"] = ([{"bearerAuth": []}, {"cookieAuth": []}] if spec.auth else [])
    return operation


def _required_permission(app: Flask, spec: ApiSpec) -> tuple[str | None, str]:
    """The permission a route needs and the sentence that says so."""
    if not spec.auth:
        return None, "Public: no authentication needed."
    if spec.document_type:
        from ordercraft.core.workflow.machines import state_machines

        try:
            machine = state_machines(app.extensions["ordercraft"]).machine(spec.document_type)
        except Exception:  # noqa: BLE001 - a document type of a disabled plugin
            return None, (f"Requires the read permission of the {spec.document_type} "
                          "documents' state machine.")
        return machine.read_permission, (
            f"Requires the permission `{machine.read_permission}` (the "
            f"{spec.document_type} documents' read permission); a change also needs the "
            "document's write permission or the transition's own.")
    if spec.permission:
        return spec.permission, f"Requires the permission `{spec.permission}`."
    return None, "Any signed-in user (what the user sees follows their record rules)."


def _add_permission(operation: dict[str, Any], required: tuple[str | None, str]) -> None:
    permission, sentence = required
    if permission is not None:
        operation["x-permission"] = permission
    description = operation.get("description", "")
    operation["description"] = f"{description}\n\n{sentence}" if description else sentence


def _default_tag(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[2] if len(parts) > 2 else "api"
