"""Query helpers shared by the services: pages of a list, case-insensitive search."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from ordercraft.core.services import fields

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
#: The largest offset a list accepts: a bigger one names the field instead of overflowing
#: the database's 64-bit LIMIT/OFFSET (and no list holds more rows than ids can number).
MAX_OFFSET = 2**31 - 1
#: Keeps ``IN (...)`` lists well under SQLite's limit of bound parameters.
CHUNK = 500


@dataclass
class Page(Generic[T]):
    """One page of a list, with the size of the whole list."""

    items: list[T]
    total: int
    limit: int
    offset: int

    def to_dict(self, key: str, convert: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
        return {key: [convert(item) for item in self.items], "total": self.total,
                "limit": self.limit, "offset": self.offset}


def page_bounds(limit: Any, offset: Any) -> tuple[int, int]:
    limit = DEFAULT_LIMIT if limit is None or limit == "" else limit
    offset = 0 if offset is None or offset == "" else offset
    return (fields.whole_number(limit, field="limit", minimum=1, maximum=MAX_LIMIT),
            fields.whole_number(offset, field="offset", minimum=0, maximum=MAX_OFFSET))


def paginate(session: Session, query: Select[Any], limit: Any, offset: Any) -> Page[Any]:
    """Run ``query`` (which must be ordered) for one page; count the whole list."""
    limit, offset = page_bounds(limit, offset)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(session.scalars(query.limit(limit).offset(offset)))
    return Page(rows, int(total or 0), limit, offset)


def _casefold(value: str | None) -> str | None:
    return None if value is None else value.casefold()


def _digits(value: str | None) -> str | None:
    return None if value is None else "".join(c for c in value if c.isdigit())


_SQLITE_FUNCTIONS: dict[str, Callable[[str | None], str | None]] = {
    "ordercraft_casefold": _casefold,
    "ordercraft_digits": _digits,
}


def _sqlite_functions(session: Session) -> None:
    proxied = session.connection().connection
    # The pool keeps ``info`` for the life of the driver connection: register once.
    if not proxied.info.get("ordercraft_functions"):
        for name, function in _SQLITE_FUNCTIONS.items():
            proxied.driver_connection.create_function(  # type: ignore[union-attr]
                name, 1, function, deterministic=True)
        proxied.info["ordercraft_functions"] = True


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def fold(session: Session, expression: Any) -> ColumnElement[str]:
    """``expression`` in a case-insensitive form that knows more than ASCII.

    SQLite's ``lower()`` and ``LIKE`` fold only A-Z, so "иван" would not find "Иван";
    there a Python ``casefold`` is registered on the connection. PostgreSQL's ``lower``
    follows the database's locale.
    """
    if not _is_sqlite(session):
        return func.lower(expression)
    _sqlite_functions(session)
    return func.ordercraft_casefold(expression)


def digits(session: Session, expression: Any) -> ColumnElement[str]:
    """Only the digits of ``expression``: "+7 (912) 555-01-02" -> "79125550102"."""
    if not _is_sqlite(session):
        return func.regexp_replace(expression, "[^0-9]", "", "g")
    _sqlite_functions(session)
    return func.ordercraft_digits(expression)


def fold_text(session: Session, value: str) -> str:
    """The Python side of :func:`fold`, for the value compared with it."""
    return value.casefold() if _is_sqlite(session) else value.lower()


def contains_pattern(term: str) -> str:
    """A ``LIKE`` pattern matching ``term`` anywhere, with its wildcards escaped."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_words(term: Any) -> list[str]:
    raw = fields.text(term, field="search", max_length=200)
    return raw.split()


def chunks(values: Sequence[T] | Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
