"""Base models of the JSON API: what a route accepts and what it answers.

The same pydantic models validate requests, shape responses and become the OpenAPI
document, so the document cannot drift from what the routes do. Decimals travel as
strings (``"12.50"``), dates and times as ISO 8601; timestamps, kept as naive UTC in
the database, are answered as RFC 3339 UTC (``"2024-03-05T09:00:00Z"``), which is what
the document's ``date-time`` format promises.
"""

from __future__ import annotations

import re
import types
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_serializer,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ordercraft.core.services.queries import MAX_OFFSET

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


#: What a number or a yes/no sent as text may look like. Python (and so pydantic) also
#: reads ``1_000``, ``١٢٣`` or ``yes``; the API's contract is plain ASCII digits and
#: ``true``/``false``, so anything else is refused rather than guessed.
_TEXT_FORMS: dict[type, tuple[re.Pattern[str], str]] = {
    bool: (re.compile(r"true|false"), "a boolean: true or false"),
    int: (re.compile(r"\s*[+-]?[0-9]+\s*"), "a whole number in ASCII digits"),
    Decimal: (re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*"),
              "a number in ASCII digits"),
    float: (re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*"),
            "a number in ASCII digits"),
}


def _scalar_type(annotation: Any) -> type | None:
    """``int`` for ``int``, ``int | None`` or ``list[int]``: the type a text value is
    converted to, when it is one of :data:`_TEXT_FORMS`."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list, tuple, set):
        if str in get_args(annotation):  # ``int | str``: text is a valid value as it is
            return None
        for argument in get_args(annotation):
            found = _scalar_type(argument)
            if found is not None:
                return found
        return None
    return annotation if annotation in _TEXT_FORMS else None


class InputModel(BaseModel):
    """A request body or query: unknown fields are refused (a typo is an error, not
    silence), text is stripped, numbers and booleans sent as text must be written plainly
    (ASCII digits; ``true``/``false``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _plain_numbers_and_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _scalar_type(cls.model_fields[info.field_name].annotation)  # type: ignore[index]
        if kind is None:
            return value
        pattern, expected = _TEXT_FORMS[kind]
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, str) and not pattern.fullmatch(item):
                raise PydanticCustomError("plain_text_value", "must be {expected}",
                                          {"expected": expected})
        return value


class OutputModel(BaseModel):
    """A response: built from ORM objects or dicts; extra attributes are ignored."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    # No return annotation: the OpenAPI document keeps each field's own schema.
    @field_serializer("*", mode="wrap", when_used="json")
    def _timestamps_in_utc(self, value: Any, handler: Any):  # noqa: ANN202
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.isoformat() + "Z"
        return handler(value)


class PageQuery(InputModel):
    """``?limit=&offset=`` of every list endpoint; derive a list's filters from it."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description=f"How many items to return (1-{MAX_LIMIT}).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET,
                        description=f"How many items to skip (0-{MAX_OFFSET}).")


class Page(OutputModel, Generic[T]):
    """One page of a list: ``{"items": [...], "total": N, "limit": L, "offset": O}``."""

    items: list[T]
    total: int = Field(description="How many items match, over all pages.")
    limit: int
    offset: int


#: JSON-schema keys that mark a model's custom fields; ``/api/v1/openapi.json`` replaces
#: the schema of such a member with the site's fields of that entity, read per request.
CUSTOM_FIELDS_SCHEMA = "x-ordercraft-custom-fields"
CUSTOM_FIELDS_MODE = "x-ordercraft-custom-fields-mode"
CUSTOM_FIELD_FILTERS = "x-ordercraft-custom-field-filters"


def custom_fields_member(entity: str, mode: str = "output") -> Any:
    """The ``custom_fields`` member of an entity's models: ``{name: value}``.

    ``mode`` is ``"output"`` (what the API answers), ``"create"`` (required fields are
    required) or ``"change"`` (the fields sent change; ``null`` clears one). The values
    are checked by the entity's service, like its other fields. Declare it as
    ``custom_fields: dict[str, Any] = custom_fields_member("order", "create")``.
    """
    description = ("The object's custom fields: {name: value} (decimals as strings, dates "
                   "YYYY-MM-DD)." if mode == "output" else
                   "Custom field values: {name: value} (decimals as strings, dates "
                   "YYYY-MM-DD; null clears a value).")
    return Field(default_factory=dict, description=description,
                 json_schema_extra={CUSTOM_FIELDS_SCHEMA: entity, CUSTOM_FIELDS_MODE: mode})


def custom_field_filters(entity: str) -> Any:
    """The custom field filters of a list query: ``?cf.NAME=value`` (each must match).
    Declare it as ``cf: dict[str, str] = custom_field_filters("order")``."""
    return Field(default_factory=dict, description="cf.NAME=value: only objects whose "
                                                   "custom field NAME has this value.",
                 json_schema_extra={CUSTOM_FIELD_FILTERS: entity})


def page(items: Sequence[Any], total: int, query: PageQuery) -> dict[str, Any]:
    """The body of a list response (validate it with ``response=Page[ItemOut]``)."""
    return {"items": list(items), "total": total, "limit": query.limit, "offset": query.offset}
