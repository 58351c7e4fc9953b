"""What ``price(sku)`` and ``item(sku)`` read inside a calculator.

A catalog is plain data: ``{sku: {"name", "unit", "kind", "price", "attributes",
"source"}}`` (``kind`` is the item's: ``service`` makes ``part()`` an operation line).
No database handle, ORM object or platform object ever reaches a worker: the
platform copies the entries a run asks for into the run, and records them with
the result (so a stored run can be repeated with the very prices it saw).

* :class:`StaticCatalog` — a fixed snapshot (the examples' catalog, a JSON file, a
  stored run's prices). Workers keep it by its ``token`` (a hash of its content), so
  repeated runs send it once.
* :class:`LookupCatalog` — entries looked up on demand, one sku at a time, while
  the script runs (the site's catalog: plugin sources first, then the items table).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ordercraft.core.errors import ValidationError

MAX_ATTRIBUTES_BYTES = 16 * 1024


def _plain(value: Any, depth: int = 0) -> Any:
    if depth > 6:
        raise ValueError("attributes are nested too deeply")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def catalog_entry(sku: str, data: Mapping[str, Any], *, source: str = "") -> dict[str, Any]:
    """One entry as plain data (the price as exact decimal text); bad data names the sku."""
    from ordercraft.core.types import to_decimal

    if not isinstance(sku, str) or not sku or len(sku) > 64:
        raise ValidationError(f"catalog: {sku!r} is not a sku", field="sku")
    if not isinstance(data, Mapping):
        raise ValidationError(f"catalog entry {sku!r} is not a mapping", field=sku)
    if data.get("price") is None:
        raise ValidationError(f"catalog entry {sku!r} has no price", field=sku)
    price = to_decimal(data["price"], field=f"{sku}.price")
    try:
        attributes = _plain(data.get("attributes") or {})
    except ValueError as exc:
        raise ValidationError(f"catalog entry {sku!r}: {exc}", field=sku) from None
    if len(json.dumps(attributes)) > MAX_ATTRIBUTES_BYTES:
        raise ValidationError(f"catalog entry {sku!r}: attributes are too large", field=sku)
    return {"sku": sku, "name": str(data.get("name") or sku)[:200],
            "unit": str(data.get("unit") or "pc")[:20], "kind": str(data.get("kind") or "")[:20],
            "price": format(price, "f"), "attributes": attributes,
            "source": str(data.get("source") or source)[:50]}


class StaticCatalog:
    """An immutable snapshot of catalog entries."""

    def __init__(self, entries: Mapping[str, Mapping[str, Any]], *, source: str = "") -> None:
        self.entries: dict[str, dict[str, Any]] = {
            sku: catalog_entry(sku, data, source=source) for sku, data in entries.items()}
        canonical = json.dumps(self.entries, sort_keys=True, separators=(",", ":"))
        self.token = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]

    def lookup(self, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
        return {sku: self.entries[sku] for sku in skus if sku in self.entries}

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def from_json(cls, text: str, *, source: str = "file") -> StaticCatalog:
        try:
            data = json.loads(text, parse_float=Decimal)
        except ValueError as exc:
            raise ValidationError(f"catalog: not valid JSON: {exc}", field="catalog") from None
        if isinstance(data, Mapping) and isinstance(data.get("items"), Mapping):
            data = data["items"]
        if not isinstance(data, Mapping):
            raise ValidationError('catalog: expected {"sku": {"price": ...}, ...}',
                                  field="catalog")
        return cls(data, source=source)


class LookupCatalog:
    """Entries fetched on demand: ``lookup(skus) -> {sku: entry}`` (missing skus left out)."""

    def __init__(self, lookup: Callable[[list[str]], Mapping[str, Mapping[str, Any]]]) -> None:
        self._lookup = lookup

    def lookup(self, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = list(skus)
        found = self._lookup(wanted)
        return {sku: catalog_entry(sku, found[sku]) for sku in wanted if sku in found}


def as_catalog(catalog: Any) -> StaticCatalog | LookupCatalog | None:
    """Accept a catalog object, a plain ``{sku: entry}`` mapping, or ``None``."""
    if catalog is None or isinstance(catalog, (StaticCatalog, LookupCatalog)):
        return catalog
    if isinstance(catalog, Mapping):
        return StaticCatalog(catalog)
    if callable(getattr(catalog, "lookup", None)):
        return LookupCatalog(catalog.lookup)
    raise ValidationError(f"catalog: expected a mapping of sku to entry, not "
                          f"{type(catalog).__name__}", field="catalog")


@lru_cache(maxsize=1)
def example_catalog() -> StaticCatalog:
    """The catalog the example calculators are written against (``scripts_user/catalog.json``;
    the demo site creates items with the same skus and prices)."""
    from importlib.resources import files

    text = files("ordercraft.scripts_user").joinpath("catalog.json").read_text("utf-8")
    return StaticCatalog.from_json(text, source="examples")


def example_items() -> list[dict[str, Any]]:
    """The example catalog as item rows (sku, name, kind, unit, price, attributes), for a
    demo site: with these items the examples price the same on the site."""
    from importlib.resources import files

    text = files("ordercraft.scripts_user").joinpath("catalog.json").read_text("utf-8")
    rows = json.loads(text, parse_float=Decimal)
    return [{"sku": sku, "name": row["name"], "kind": row.get("kind", "component"),
             "unit": row.get("unit", "pc"), "price": Decimal(str(row["price"])),
             "attributes": row.get("attributes", {})} for sku, row in rows.items()]
