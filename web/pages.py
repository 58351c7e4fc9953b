"""Helpers for HTML pages: forms that keep what was typed and show errors next to the
field, the pagination bar of a list, and amounts as people read them."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import request, url_for

from ordercraft.core.errors import OrdercraftError
from ordercraft.web.extension import mark_failed

#: Form status when a submitted form is shown again with its errors.
FORM_ERROR_STATUS = 422


@dataclass
class Form:
    """What the user typed (``values``) and what is wrong with it (``errors`` by field;
    ``""`` holds an error that belongs to no field)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(cls, names: Iterable[str]) -> Form:
        return cls({name: request.form.get(name, "") for name in names})

    @property
    def general_error(self) -> str | None:
        return self.errors.get("")

    def fail(self, exc: OrdercraftError) -> Form:
        """Record a refused operation; the request's transaction will roll back."""
        mark_failed()
        key = exc.field if exc.field in self.values else ""
        message = exc.message
        if key and message.startswith(f"{key}: "):
            message = message[len(key) + 2:]  # the field's label already says which field
        self.errors[key] = message[:1].upper() + message[1:]
        return self


@dataclass
class Pager:
    """Numbers and links of one page of a list, for the ``pagination`` macro."""

    total: int
    limit: int
    offset: int
    endpoint: str
    arguments: dict[str, Any]

    @property
    def number(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit))

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.limit, self.total)

    def _url(self, offset: int) -> str:
        arguments = {k: v for k, v in self.arguments.items() if v not in (None, "")}
        if offset:
            arguments["offset"] = offset
        return url_for(self.endpoint, **arguments)

    @property
    def previous_url(self) -> str | None:
        return self._url(max(0, self.offset - self.limit)) if self.offset > 0 else None

    @property
    def next_url(self) -> str | None:
        return self._url(self.offset + self.limit) if self.offset + self.limit < self.total else None


def page_arguments(default_limit: int = 25, max_limit: int = 200) -> tuple[int, int]:
    """``limit`` and ``offset`` of a list page; nonsense in the address falls back to
    the defaults (a page never fails because of a hand-edited URL)."""
    def number(name: str, default: int, low: int, high: int) -> int:
        try:
            value = int(request.args.get(name, default))
        except ValueError:
            return default
        return min(max(value, low), high)

    return number("limit", default_limit, 1, max_limit), number("offset", 0, 0, 10**9)


def amount_text(value: Decimal | str | None, places: int = 2) -> str:
    """An amount for a page: thousands grouped, at least ``places`` decimals and every
    further one that is not zero, so nothing exact is hidden: ``14,981.00``,
    ``-31.00``, ``1,234.5678``. (The JSON API answers the exact decimal string.)"""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    exponent = number.normalize().as_tuple().exponent
    shown = max(places, -exponent) if isinstance(exponent, int) else places
    return f"{number:,.{shown}f}"


def init_app(app: Any) -> None:
    app.add_template_filter(amount_text, "amount")
