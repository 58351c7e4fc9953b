"""``api_route``: declare a JSON API route with the models it validates and answers.

::

    bp = Blueprint("api_parties", __name__, url_prefix="/api/v1")

    @api_route(bp, "/parties", methods=["POST"], body=PartyIn, response=PartyOut, status=201)
    def create_party(body: PartyIn):
        return parties.create_party(request_session(), **body.model_dump())

The wrapper authenticates the caller (bearer token or browser session), validates the
query string (``query=``, passed as ``query``) and the JSON body (``body=``, passed as
``body``), and renders what the view returns through the ``response`` model. The same
declaration feeds ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any, get_origin

import pydantic
from flask import Blueprint, Response, current_app, request

from ordercraft.core.errors import (
    QUOTE_LENGTH,
    AuthenticationFailed,
    OrdercraftError,
    ValidationError,
    quoted,
)

ViewFunction = Callable[..., Any]


class UnsupportedMediaType(OrdercraftError):
    code = "unsupported_media_type"
    http_status = 415


@dataclass
class ApiSpec:
    """What one API route accepts and answers (read by the OpenAPI generator)."""

    rule: str
    methods: tuple[str, ...]
    body: type[pydantic.BaseModel] | None = None
    query: type[pydantic.BaseModel] | None = None
    response: Any = None
    status: int = 200
    auth: bool = True
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    errors: dict[int, str] = field(default_factory=dict)
    #: What a success answers: JSON, or a file the view returns as a Response (a PDF).
    media_type: str = "application/json"
    #: The permission the caller needs (checked before the view; the services check
    #: their own too); ``None`` with ``auth``: any signed-in user.
    permission: str | None = None
    #: For a document's workflow routes: the document type, whose state machine names
    #: the permission (its ``read_permission``), checked when the document is opened.
    document_type: str | None = None

    @cached_property
    def response_adapter(self) -> pydantic.TypeAdapter[Any] | None:
        return pydantic.TypeAdapter(self.response) if self.response is not None else None


def api_route(bp: Blueprint, rule: str, *, methods: Iterable[str] = ("GET",),
              body: type[pydantic.BaseModel] | None = None,
              query: type[pydantic.BaseModel] | None = None, response: Any = None,
              status: int = 200, auth: bool = True, summary: str | None = None,
              tags: Iterable[str] | None = None, errors: dict[int, str] | None = None,
              endpoint: str | None = None, media_type: str = "application/json",
              permission: str | None = None, document_type: str | None = None
              ) -> Callable[[ViewFunction], ViewFunction]:
    """Register ``view`` on ``bp`` as a JSON API route.

    :param body: pydantic model of the JSON body; the view receives ``body=<instance>``.
    :param query: pydantic model of the query string; the view receives ``query=...``
        (derive list filters from :class:`~ordercraft.web.api.PageQuery`).
    :param response: model (or type such as ``Page[PartyOut]``) the result is validated
        and serialised with; ``None`` sends the view's return value as it is.
    :param status: the success status (201 for a creation, 204 for no content).
    :param auth: ``False`` for the few public routes (the API root, the OpenAPI document).
    :param errors: the error statuses the route documents, ``{404: "no such party"}``.
    :param media_type: the success response's type when it is not JSON
        (``"application/pdf"``): the view returns a Flask ``Response`` of that type.
    :param permission: the permission the caller needs (``"order.read"``), checked
        before the body is read: 403 naming it otherwise. Every authenticated route
        declares one, or the route x role test asks why not.
    :param document_type: a workflow document's routes: its state machine's permissions
        apply (checked by the workflow services when the document is opened).

    The view may return a model instance, an ORM object, a dict or list, a
    ``(value, status)`` pair or a Flask ``Response``.
    """
    method_tuple = tuple(m.upper() for m in methods)

    def decorator(view: ViewFunction) -> ViewFunction:
        doc = inspect.cleandoc(view.__doc__ or "")
        first, _, rest = doc.partition("\n")
        spec = ApiSpec(rule=rule, methods=method_tuple, body=body, query=query,
                       response=response, status=status, auth=auth,
                       summary=summary or first.strip(), description=rest.strip(),
                       tags=tuple(tags) if tags else (), errors=dict(errors or {}),
                       media_type=media_type, permission=permission,
                       document_type=document_type)

        @wraps(view)
        def wrapper(**path_args: Any) -> Any:
            if spec.auth:
                user = require_api_user()
                if spec.permission is not None:
                    from ordercraft.core.permissions import require

                    require(user, spec.permission)
            arguments = dict(path_args)
            if spec.query is not None:
                arguments["query"] = parse_query(spec.query)
            if spec.body is not None:
                arguments["body"] = parse_body(spec.body)
            return render_result(view(**arguments), spec)

        wrapper.api_spec = spec  # type: ignore[attr-defined]
        bp.add_url_rule(rule, endpoint or view.__name__, wrapper, methods=list(method_tuple))
        return view

    return decorator


def require_api_user() -> Any:
    from ordercraft.web.auth import current_user

    user = current_user()
    if user is None:
        raise AuthenticationFailed(
            "authentication required: send 'Authorization: Bearer <token>' (a token comes "
            "from 'ordercraft user token NAME') or log in with the browser")
    return user


def validation_error(exc: pydantic.ValidationError, *, where: str = "") -> ValidationError:
    """A pydantic error as the API's error: the first problem names field and value;
    every problem is in ``details.errors``. A value is quoted by a short prefix only: a
    rejected 15 MB text must not come back in the answer."""
    problems = []
    first_value: Any = None
    for error in exc.errors(include_url=False, include_context=False):
        location = ".".join(str(part) for part in error["loc"]) or where or "body"
        problem = {"field": location, "message": error["msg"]}
        value = error.get("input")
        if error["type"] != "missing" and isinstance(value, (str, int, float, bool)):
            problem["value"] = value[:QUOTE_LENGTH] if isinstance(value, str) else value
            if not problems:
                first_value = value
        problems.append(problem)
    first = problems[0]
    message = f"{first['field']}: {first['message']}"
    if "value" in first:
        message += f" (got {quoted(first_value)})"
    return ValidationError(message, field=first["field"], details={"errors": problems})


def _filters_member(model: type[pydantic.BaseModel]) -> str | None:
    """The member collecting ``cf.NAME`` arguments (``custom_field_filters``), if any."""
    from ordercraft.web.api.models import CUSTOM_FIELD_FILTERS

    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and CUSTOM_FIELD_FILTERS in extra:
            return name
    return None


def parse_query(model: type[pydantic.BaseModel]) -> pydantic.BaseModel:
    from ordercraft.core.custom_fields import FILTER_PREFIX

    data: dict[str, Any] = {}
    filters = _filters_member(model)
    for name in request.args:
        values = request.args.getlist(name)
        if filters is not None and name.startswith(FILTER_PREFIX):
            data.setdefault(filters, {})[name[len(FILTER_PREFIX):]] = values[-1]
            continue
        info = model.model_fields.get(name)
        is_list = info is not None and get_origin(info.annotation) in (list, tuple, set)
        data[name] = values if is_list else values[-1]
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise validation_error(exc, where="query") from None


def parse_body(model: type[pydantic.BaseModel]) -> pydantic.BaseModel:
    if not request.is_json:
        raise UnsupportedMediaType("the request body must be JSON (Content-Type: "
                                   "application/json)", field="body")
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationError("the request body is not valid JSON", code="invalid_json",
                              field="body")
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise validation_error(exc) from None


def render_result(result: Any, spec: ApiSpec) -> Response:
    if isinstance(result, Response):
        return result
    status = spec.status
    if isinstance(result, tuple):
        result, status = result
    if status == 204:
        return current_app.response_class(status=204)
    adapter = spec.response_adapter
    if adapter is None:
        payload = current_app.json.dumps(result)
    else:
        value = adapter.validate_python(result, from_attributes=True)
        payload = adapter.dump_json(value).decode()
    return current_app.response_class(payload, status=status, mimetype="application/json")
