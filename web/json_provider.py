"""JSON read from requests, bounded: a document nested deeper than
:data:`MAX_JSON_DEPTH` is refused with 400 before any view sees it.

Python's parser recurses once per level, so a thousand ``[`` used to end in a
``RecursionError`` (an internal fault); no document the API accepts comes near the limit.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

from ordercraft.core.errors import ValidationError

#: The deepest nesting of arrays and objects a request body may have.
MAX_JSON_DEPTH = 64


class JsonTooDeep(ValidationError):
    code = "json_too_deep"


def nesting_depth(data: Any) -> int:
    """How deeply ``data``'s lists and dicts nest (a scalar is 0); iterative, so any depth
    is measured without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:
            pending.extend((child, depth) for child in children)
    return deepest


def _refuse() -> JsonTooDeep:
    return JsonTooDeep(f"the request body is nested more than {MAX_JSON_DEPTH} levels deep",
                       field="body")


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing documents nested too deeply."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            data = super().loads(s, **kwargs)
        except RecursionError:
            raise _refuse() from None
        if nesting_depth(data) > MAX_JSON_DEPTH:
            raise _refuse()
        return data
