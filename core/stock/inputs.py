"""What callers give the ledger, and its checking before anything is written.

A document is a :class:`DocumentSpec` of :class:`LineSpec` lines with raw values (as
typed on a command line, in a form or a CSV cell); :func:`check_documents` turns them
into checked lines naming resolved items and warehouses, or refuses with an error
naming the field, the value and, for an import, the line of the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any, TypeVar

from sqlalchemy import bindparam, join, select, true
from sqlalchemy.orm import Session

from ordercraft.core.errors import NotFound, OrdercraftError, ValidationError
from ordercraft.core.models import Item, Warehouse
from ordercraft.core.stock.errors import DuplicateReference
from ordercraft.core.types import MONEY_SCALE, QTY_SCALE, to_decimal

ZERO = Decimal(0)
CHUNK = 500
POSTABLE_KINDS = ("receipt", "issue", "transfer", "write_off", "count", "reservation",
                  "release")
MAX_INTEGER_DIGITS = 12  # NUMERIC(18, 6)


@dataclass(slots=True)
class LineSpec:
    """One line of a document as a caller gives it (raw values, checked on posting)."""

    item: Any
    warehouse: Any
    qty: Any = None
    unit_cost: Any = None
    #: Transfers: the warehouse that receives.
    to_warehouse: Any = None
    #: Reservations and releases: who holds the stock. Issues, write-offs, transfers:
    #: the reservation they use up.
    holder: str | None = None
    #: The line's number in an import file (errors name it).
    source_line: int | None = None


@dataclass(slots=True)
class DocumentSpec:
    kind: str
    lines: list[LineSpec]
    date: Any = None
    ref: str | None = None
    note: str = ""


@dataclass(slots=True)
class ItemInfo:
    id: int
    sku: str
    unit: str
    precision: int
    valuation: str
    kind: str

    def fmt(self, qty: Decimal) -> str:
        return str(qty.quantize(Decimal(1).scaleb(-self.precision)))

    def amount(self, qty: Decimal) -> str:
        return f"{self.fmt(qty)} {self.unit}"


@dataclass(slots=True)
class WarehouseInfo:
    id: int
    code: str
    active: bool


@dataclass(slots=True)
class Line:
    spec: LineSpec
    item: ItemInfo
    warehouse: WarehouseInfo
    qty: Decimal | None
    unit_cost: Decimal | None
    target: WarehouseInfo | None
    holder: str | None


@dataclass(slots=True)
class Doc:
    spec: DocumentSpec
    kind: str
    date: date
    ref: str | None
    lines: list[Line]
    id: int = 0
    details: dict[str, Any] = field(default_factory=dict)


Failure = TypeVar("Failure", bound=OrdercraftError)


def fail(line: Line | LineSpec | None, exc: Failure) -> Failure:
    """Prefix the error with the import line it comes from."""
    spec = line.spec if isinstance(line, Line) else line
    number = getattr(spec, "source_line", None)
    if number is not None and not exc.details.get("line"):
        exc.message = f"line {number}: {exc.message}"
        exc.args = (exc.message,)
        exc.details = {**exc.details, "line": number}
    return exc


def article(kind: str) -> str:
    """``an issue``, ``a receipt``, ``a write-off``."""
    name = kind.replace("_", "-")
    return ("an " if name[0] in "aeiou" else "a ") + name


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --------------------------------------------------------------------------- values


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}


def _classify(number: Decimal, places: int, precision: int) -> tuple[Decimal, str | None]:
    """The number, or what is wrong with it as a quantity or cost."""
    if not number.is_finite():
        return number, "not a finite number"
    if number.is_zero():
        return ZERO, None
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        return number, "too large"
    if number != number.quantize(_QUANTA[places]):
        return number, "places"
    if number < 0:
        return number, "negative"
    if precision < places and number != number.quantize(_QUANTA[precision]):
        return number, "precision"
    return number, None


@lru_cache(maxsize=16384)
def _classify_text(text: str, places: int, precision: int) -> tuple[Decimal | None, str | None]:
    # Files repeat the same few quantities and costs: each text is checked once.
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, "not a number"
    return _classify(number, places, precision)


def _checked(value: Any, field: str, places: int, precision: int) -> tuple[Decimal, str | None]:
    kind = type(value)
    if kind is str:
        number, problem = _classify_text(value.strip(), places, precision)
        if number is None:
            raise ValidationError(f"{field}: {value!r} is not a number", field=field)
        return number, problem
    if kind is not Decimal:
        value = Decimal(value) if kind is int else to_decimal(value, field=field)
    return _classify(value, places, precision)


def _shown(value: Any) -> str:
    """A value in a message as the user wrote it: '1.5', not Decimal('1.5')."""
    return repr(str(value)) if isinstance(value, Decimal) else repr(value)


def _refuse(field: str, value: Any, problem: str, what: str = "") -> ValidationError:
    label = f"{field} {_shown(value)}" + (f" {what}" if what else "")
    if problem == "places":
        return ValidationError(f"{label} has more than {QTY_SCALE} decimal places", field=field,
                               code="bad_precision")
    if problem == "negative":
        return ValidationError(f"{label} must not be negative", field=field)
    if problem == "too large":
        return ValidationError(f"{label} is too large", field=field)
    return ValidationError(f"{field}: {_shown(value)} is {problem}", field=field)


def check_qty(item: ItemInfo, value: Any, *, field: str = "qty",
              allow_zero: bool = False) -> Decimal:
    """A quantity of ``item``: positive (or zero when counting), at the unit's precision."""
    qty, problem = _checked(value, field, QTY_SCALE, item.precision)
    if problem == "precision":
        allowed = "whole numbers" if item.precision == 0 else f"{item.precision} decimal places"
        raise ValidationError(f"{field}: {_shown(value)} {item.unit} of item {item.sku!r} is not "
                              f"possible: its unit allows {allowed}", field=field,
                              code="bad_precision")
    if problem is not None:
        raise _refuse(field, value, problem, f"{item.unit} of {item.sku!r}")
    if not qty and not allow_zero:
        raise ValidationError(f"{field}: the quantity of {item.sku!r} must be more than zero",
                              field=field)
    return qty


def check_cost(value: Any, *, field: str = "unit_cost") -> Decimal:
    cost, problem = _checked(value, field, MONEY_SCALE, MONEY_SCALE)
    if problem is not None:
        raise _refuse(field, value, problem)
    return cost


def check_date(value: Any, *, field: str = "date") -> date:
    if value is None or value == "":
        return date.today()
    if isinstance(value, date):
        return value
    found = _day(str(value).strip())
    if found is None:
        raise ValidationError(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field)
    return found


@lru_cache(maxsize=4096)
def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


def check_ref(value: Any) -> str | None:
    if value is None:
        return None
    ref = str(value).strip()
    if not ref:
        return None
    if len(ref) > 100:
        raise ValidationError(f"ref: {ref[:20]!r}... is longer than 100 characters", field="ref")
    return ref


def check_holder(value: Any) -> str | None:
    if value is None:
        return None
    holder = str(value).strip()
    if len(holder) > 100:
        raise ValidationError(f"holder: {holder[:20]!r}... is longer than 100 characters",
                              field="holder")
    return holder or None


# --------------------------------------------------------------------------- items, warehouses


@cache
def _statement(name: str, one: bool) -> Any:
    """Lookups built once (SQLAlchemy reuses their compiled form); ``one``: for a single
    key, ``=`` rather than ``IN``."""
    items = select(Item.id, Item.sku, Item.unit, Item.unit_precision, Item.valuation, Item.kind)
    warehouses = select(Warehouse.id, Warehouse.code, Warehouse.active)
    if name == "item_and_warehouse":
        return (items.add_columns(Warehouse.id.label("warehouse_id"), Warehouse.code,
                                  Warehouse.active)
                .select_from(join(Item, Warehouse, true()))
                .where(Item.sku == bindparam("sku"), Warehouse.code == bindparam("code")))
    query, column = {"items_by_sku": (items, Item.sku), "items_by_id": (items, Item.id),
                     "warehouses_by_code": (warehouses, Warehouse.code),
                     "warehouses_by_id": (warehouses, Warehouse.id)}[name]
    if one:
        return query.where(column == bindparam("key"))
    return query.where(column.in_(bindparam("keys", expanding=True)))


def _rows(connection: Any, name: str, keys: list[Any]) -> Iterable[Any]:
    if len(keys) == 1:
        yield from connection.execute(_statement(name, True), {"key": keys[0]})
        return
    for chunk in chunks(sorted(keys)):
        yield from connection.execute(_statement(name, False), {"keys": list(chunk)})


class Catalog:
    """Items and warehouses named by SKU / code, id or object, fetched in bulk."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.items: dict[Any, ItemInfo] = {}
        self.warehouses: dict[Any, WarehouseInfo] = {}

    @staticmethod
    def _key(value: Any) -> Any:
        if isinstance(value, str):
            return value.strip()
        if hasattr(value, "id") and not isinstance(value, int):
            return int(value.id)
        return value

    def load(self, items: Iterable[Any], warehouses: Iterable[Any]) -> None:
        item_keys = {self._key(v) for v in set(items)} - set(self.items)
        warehouse_keys = {self._key(v) for v in set(warehouses) if v is not None} - set(
            self.warehouses)
        if self.session.new or self.session.dirty:
            # The reads below go to the connection, past the session's autoflush: an
            # item added earlier in the same transaction must be visible to them.
            self.session.flush()
        connection = self.session.connection()
        if len(item_keys) == 1 and len(warehouse_keys) == 1:
            # One line: one query for both (when either is missing, the queries below
            # find which).
            (sku,), (code,) = item_keys, warehouse_keys
            if isinstance(sku, str) and isinstance(code, str):
                row = connection.execute(_statement("item_and_warehouse", True),
                                         {"sku": sku, "code": code}).first()
                if row is not None:
                    info = ItemInfo(row.id, row.sku, row.unit, row.unit_precision or 0,
                                    row.valuation, row.kind)
                    self.items[info.sku] = self.items[info.id] = info
                    winfo = WarehouseInfo(row.warehouse_id, row.code, bool(row.active))
                    self.warehouses[winfo.code] = self.warehouses[winfo.id] = winfo
                    return
        for name, keys in (("items_by_sku", [k for k in item_keys if isinstance(k, str)]),
                           ("items_by_id", [k for k in item_keys if isinstance(k, int)])):
            for row in _rows(connection, name, keys):
                info = ItemInfo(row.id, row.sku, row.unit, row.unit_precision or 0,
                                row.valuation, row.kind)
                self.items[info.sku] = self.items[info.id] = info
        for name, keys in (("warehouses_by_code",
                            [k for k in warehouse_keys if isinstance(k, str)]),
                           ("warehouses_by_id", [k for k in warehouse_keys if isinstance(k, int)])):
            for row in _rows(connection, name, keys):
                winfo = WarehouseInfo(row.id, row.code, bool(row.active))
                self.warehouses[winfo.code] = self.warehouses[winfo.id] = winfo

    def add_rows(self, rows: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        """Rows read ahead: ``("item", (id, sku, unit, precision, valuation, kind))`` and
        ``("warehouse", (id, code, active))``."""
        for kind, row in rows:
            if kind == "item":
                info = ItemInfo(row[0], row[1], row[2], row[3] or 0, row[4], row[5])
                self.items[info.sku] = self.items[info.id] = info
            else:
                winfo = WarehouseInfo(row[0], row[1], bool(row[2]))
                self.warehouses[winfo.code] = self.warehouses[winfo.id] = winfo

    def item(self, value: Any, *, field: str = "item") -> ItemInfo:
        # An import asks for the same few thousand SKUs, mostly written without spaces.
        if type(value) is str:
            info = self.items.get(value)
            if info is not None:
                return info
        key = self._key(value)
        info = self.items.get(key)
        if info is None:
            self.load([value], [])
            info = self.items.get(key)
        if info is None:
            what = f"with id {key}" if isinstance(key, int) else repr(key)
            raise NotFound(f"item {what} does not exist", field=field)
        return info

    def warehouse(self, value: Any, *, field: str = "warehouse") -> WarehouseInfo:
        if type(value) is str:
            info = self.warehouses.get(value)
            if info is not None:
                return info
        key = self._key(value)
        info = self.warehouses.get(key)
        if info is None:
            self.load([], [value])
            info = self.warehouses.get(key)
        if info is None:
            what = f"with id {key}" if isinstance(key, int) else repr(key)
            raise NotFound(f"warehouse {what} does not exist", field=field)
        return info


# --------------------------------------------------------------------------- lines, documents


#: Numbers checked before, for :func:`check_line`: ``(kind, precision, qty, unit_cost)``
#: as written to ``(qty, unit_cost)`` as checked.
CheckedNumbers = dict[tuple[str, int, str, str | None], tuple[Decimal | None, Decimal | None]]


def check_line(catalog: Catalog, kind: str, spec: LineSpec,
               checked: CheckedNumbers | None = None) -> Line:
    """A line checked against the catalog. ``checked``: the numbers of earlier lines (a
    file repeats a few quantities and costs): a line without holder or target, into an
    active warehouse, whose quantity and cost were written alike for an item of the same
    precision in the same kind of document takes them as they were checked."""
    item = catalog.item(spec.item)
    if item.kind == "service":
        raise ValidationError(f"item {item.sku!r} is a service: it has no stock", field="item")
    warehouse = catalog.warehouse(spec.warehouse,
                                  field="from" if kind == "transfer" else "warehouse")
    key = None
    if (checked is not None and type(spec.qty) is str and spec.holder is None
            and spec.to_warehouse is None and warehouse.active
            and (spec.unit_cost is None or type(spec.unit_cost) is str)):
        key = (kind, item.precision, spec.qty, spec.unit_cost)
        known = checked.get(key)
        if known is not None:
            return Line(spec, item, warehouse, known[0], known[1], None, None)
    target = None
    unit_cost = None
    holder = check_holder(spec.holder)
    if kind == "release" and spec.qty in (None, ""):
        qty = None
    else:
        qty = check_qty(item, spec.qty, allow_zero=kind == "count")
    if kind == "receipt":
        if spec.unit_cost is None or spec.unit_cost == "":
            raise ValidationError(f"unit_cost: a receipt of {item.sku!r} needs a cost per unit",
                                  field="unit_cost")
        unit_cost = check_cost(spec.unit_cost)
    elif kind == "count":
        if spec.unit_cost not in (None, ""):
            unit_cost = check_cost(spec.unit_cost)
    elif spec.unit_cost not in (None, ""):
        raise ValidationError(f"unit_cost: only receipts and counts take a cost, not "
                              f"{kind.replace('_', '-')}s (their cost comes from the stock)",
                              field="unit_cost")
    if kind == "transfer":
        if spec.to_warehouse is None or spec.to_warehouse == "":
            raise ValidationError("to: a transfer needs the warehouse that receives", field="to")
        target = catalog.warehouse(spec.to_warehouse, field="to")
        if target.id == warehouse.id:
            raise ValidationError(f"to: a transfer of {item.sku!r} needs two different "
                                  f"warehouses, not {warehouse.code!r} twice", field="to")
    if kind in ("reservation", "release") and not holder:
        raise ValidationError(f"holder: a {kind} of {item.sku!r} needs the holder (the order or "
                              "job the stock is held for)", field="holder")
    if kind in ("receipt", "transfer", "count"):
        for place in (warehouse, target):
            if place is not None and not place.active:
                raise ValidationError(f"warehouse {place.code!r} is inactive: it takes no stock",
                                      field="warehouse")
    if qty and unit_cost and (qty * unit_cost).adjusted() >= MAX_INTEGER_DIGITS:
        raise ValidationError(f"the value of {qty} x {unit_cost} is too large", field="unit_cost")
    if key is not None and checked is not None:
        checked[key] = (qty, unit_cost)
    return Line(spec, item, warehouse, qty, unit_cost, target, holder)


def check_documents(session: Session, specs: Sequence[DocumentSpec],
                    catalog: Catalog) -> list[Doc]:
    """Check every document and line; the first problem raises, naming its line."""
    every_line = [line for spec in specs for line in spec.lines]
    places = {line.warehouse for line in every_line}
    places.update(line.to_warehouse for line in every_line if line.to_warehouse is not None)
    places.discard(None)
    places.discard("")
    catalog.load({line.item for line in every_line}, places)
    docs: list[Doc] = []
    refs: set[tuple[str, str]] = set()
    numbers: CheckedNumbers = {}
    for spec in specs:
        first = spec.lines[0] if spec.lines else None
        try:
            if spec.kind not in POSTABLE_KINDS:
                raise ValidationError(f"kind: {spec.kind!r} is not one of "
                                      f"{', '.join(POSTABLE_KINDS)}", field="kind")
            if not spec.lines:
                raise ValidationError(f"{article(spec.kind)} needs at least one line",
                                      field="lines")
            doc_date = check_date(spec.date)
            ref = check_ref(spec.ref)
        except OrdercraftError as exc:
            raise fail(first, exc) from None
        if ref is not None:
            if (spec.kind, ref) in refs:
                raise fail(first, DuplicateReference(
                    f"ref {ref!r} is given to two {spec.kind.replace('_', '-')} documents",
                    field="ref"))
            refs.add((spec.kind, ref))
        lines = []
        for line in spec.lines:
            try:
                lines.append(check_line(catalog, spec.kind, line, numbers))
            except OrdercraftError as exc:
                raise fail(line, exc) from None
        if spec.kind == "count":
            seen = set()
            for checked in lines:
                if (checked.item.id, checked.warehouse.id) in seen:
                    raise fail(checked, ValidationError(
                        f"item {checked.item.sku!r} is counted twice in warehouse "
                        f"{checked.warehouse.code!r} by one count", field="item"))
                seen.add((checked.item.id, checked.warehouse.id))
        docs.append(Doc(spec, spec.kind, doc_date, ref, lines))
    return docs
