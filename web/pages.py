"""Helpers for HTML pages: forms that keep what was typed and show errors next to the
field (custom fields included), the pagination bar of a list, lists as CSV, and amounts
as people read them."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Response, request, url_for

from ordercraft.core.custom_fields import FILTER_PREFIX, KEY
from ordercraft.core.errors import OrdercraftError
from ordercraft.web.extension import mark_failed, request_session

#: Form status when a submitted form is shown again with its errors.
FORM_ERROR_STATUS = 422


@dataclass
class Form:
    """What the user typed (``values``) and what is wrong with it (``errors`` by field;
    ``""`` holds an error that belongs to no field)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    #: Input attributes by field (``maxlength``, ``min``, ``step``, ``inputmode``), derived
    #: from the rules the server checks (:meth:`with_rules`); the ``field`` macro adds them.
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)

    def with_rules(self, kind: str) -> Form:
        """Give the inputs the attributes of the rules of ``kind`` (``party``, ``stock``):
        the browser refuses what the server would, before the form is sent."""
        from ordercraft.core.services.fields import form_rules, input_attributes

        self.attributes.update(input_attributes(form_rules(kind)))
        return self

    @classmethod
    def from_request(cls, names: Iterable[str], entity: str | None = None) -> Form:
        """The submitted ``names``; with ``entity``, its custom fields too."""
        keys = [*names, *(custom_field_keys(entity) if entity else ())]
        return cls({name: request.form.get(name, "") for name in keys})

    @property
    def fields(self) -> dict[str, str]:
        """The built-in fields' values (custom fields left out)."""
        return {k: v for k, v in self.values.items() if not k.startswith(KEY + ".")}

    @property
    def custom_fields(self) -> dict[str, str]:
        """``{name: value}`` of the custom fields on the form."""
        prefix = KEY + "."
        return {k[len(prefix):]: v for k, v in self.values.items() if k.startswith(prefix)}

    def with_custom_fields(self, entity: str, values: Mapping[str, Any]) -> Form:
        """Fill in an object's custom field values (``{name: value}`` as JSON) to edit."""
        for key in custom_field_keys(entity):
            value = values.get(key[len(KEY) + 1:])
            self.values[key] = "" if value is None else (
                ("yes" if value else "no") if isinstance(value, bool) else str(value))
        return self

    @property
    def general_error(self) -> str | None:
        return self.errors.get("")

    def fail(self, exc: OrdercraftError) -> Form:
        """Record a refused operation; the request's transaction will roll back."""
        mark_failed()
        several = exc.details.get("errors") if isinstance(exc.details, dict) else None
        if isinstance(several, dict) and several:  # every mistake of the form at once
            for name, message in several.items():
                self._error(name, str(message))
        else:
            self._error(exc.field, exc.message)
        return self

    def _error(self, name: str | None, message: str) -> None:
        key = name if name in self.values else ""
        if key and message.startswith(f"{key}: "):
            message = message[len(key) + 2:]  # the field's label already says which field
        message = message[:1].upper() + message[1:]
        if key in self.errors and key == "":
            message = f"{self.errors[key]} {message}"
        self.errors[key] = message


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


def write_with_posted_run(write: Callable[[Any, dict[str, Any]], Any]) -> Any:
    """A calculator page's "Add to ..." section (proposals, orders): run again, and keep,
    the calculation the page showed (``ordercraft.sdk.calc.rerun_posted``, from the
    posted form; it takes a worker, so the request's reading transaction ends first),
    then ``write(session, run)`` in a short writing transaction as the same user, ``run``
    being the result's ``to_dict()``. Returns what ``write`` returns; errors propagate."""
    from ordercraft.core.calc.api import rerun_posted
    from ordercraft.web.extension import get_platform

    session = request_session()
    platform, user = get_platform(), session.info.get("user")
    session.rollback()
    run = rerun_posted(platform, request.form).to_dict()
    with platform.session(user) as writing:
        return write(writing, run)


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


def custom_field_keys(entity: str) -> list[str]:
    """The form keys (``custom_fields.<name>``) of the entity's custom fields."""
    return [d.key for d in custom_fields_of(entity)]


def custom_fields_of(entity: str) -> list[Any]:
    """The custom fields of ``entity`` on the request's site (templates: the global
    ``custom_fields_of``)."""
    from ordercraft.core.custom_fields import definitions

    return definitions(request_session(), entity)


def custom_values(obj: Any) -> dict[str, Any]:
    """An object's custom field values (templates: the global ``custom_values``)."""
    from ordercraft.core.custom_fields import values_of

    return values_of(obj)


def requested_filters() -> dict[str, str]:
    """``{name: value}`` of the list filters ``cf.<name>`` in the address."""
    from ordercraft.core.custom_fields import filters_from

    return filters_from(request.args)


def filter_arguments() -> dict[str, str]:
    """The ``cf.<name>`` filters in the address, for the pager's links."""
    return {k: v for k, v in request.args.items() if k.startswith(FILTER_PREFIX) and v}


#: The formats a list page exports to (``?format=csv`` or ``?format=xlsx``).
EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wants_csv() -> bool:
    """The list page was asked for as a download (``?format=csv`` or ``?format=xlsx``:
    its export links)."""
    return request.args.get("format") in EXPORT_FORMATS


def csv_url(fmt: str = "csv") -> str:
    """This list page's address as a CSV (or ``fmt="xlsx"``) export: every page, the
    same filters."""
    arguments = request.args.to_dict(flat=False)
    for key in ("offset", "limit"):
        arguments.pop(key, None)
    arguments["format"] = [fmt]
    return url_for(request.endpoint or "", **(request.view_args or {}), **arguments)


def csv_response(entity: str | None, fetch: Callable[[int, int], Any],
                 convert: Callable[[Any], dict[str, Any]], columns: Sequence[str],
                 filename: str) -> Response:
    """Every row of a list as a download in the format the address asks (CSV unless
    ``?format=xlsx``), a column per custom field of ``entity`` (``None``: no custom
    fields). ``fetch(limit, offset)`` returns a page of the list with the page's
    current filters; ``convert`` serialises one row to ``{column: value}``."""
    from ordercraft.core.services.export import audit_export, export_rows

    session = request_session()
    rows, header = export_rows(session, entity, fetch, convert, columns)
    audit_export(session, entity or filename, len(rows))
    return _download(rows, header, filename)


def export_response(rows: Iterable[Mapping[str, Any]], columns: Sequence[str],
                    filename: str) -> Response:
    """Rows already at hand (``{column: value}``) as a CSV or XLSX download, by the
    address's ``format``: for lists that are not a paginated service query. The export
    is audited under ``filename``."""
    from ordercraft.core.services.export import audit_export

    rows = list(rows)
    audit_export(request_session(), filename, len(rows))
    return _download(rows, columns, filename)


def _download(rows: Iterable[Mapping[str, Any]], columns: Sequence[str],
              filename: str) -> Response:
    from ordercraft.core.services.export import csv_text, xlsx_bytes

    if request.args.get("format") == "xlsx":
        return Response(xlsx_bytes(rows, columns, title=filename), mimetype=XLSX_TYPE,
                        headers={"Content-Disposition":
                                 f'attachment; filename="{filename}.xlsx"'})
    return Response(csv_text(rows, columns), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def init_app(app: Any) -> None:
    app.add_template_filter(amount_text, "amount")
    app.add_template_global(custom_fields_of, "custom_fields_of")
    app.add_template_global(custom_values, "custom_values")
    app.add_template_global(csv_url, "csv_url")
