"""The scenario format: reading a scenario given as data into checked, typed records.

``read_scenario(data)`` takes the mapping a JSON or YAML file holds and returns a
``Scenario`` or raises ``ScenarioError`` naming the field path (``items[3].lot_sizing.multiple``)
and the value at fault. docs/planning.md describes every field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from .quantities import EXACT, ZERO, ceil_div, text, to_decimal, within_bounds

PAST_DUE_POLICIES = ("clip_to_first_period", "delay_receipt")
SAFETY_STOCK_MODES = ("every_period", "at_events")
UNKNOWN_BOM_ITEMS = ("error", "plan_with_defaults")
LOT_RULES = ("lot_for_lot", "fixed_order_quantity", "modifiers")
MAX_PERIODS = 10_000
MAX_ITEM_PERIODS = 2_000_000  # each item keeps its rows per period: bounds the memory a plan takes


class ScenarioError(Exception):
    """A scenario the engine refuses: ``code`` is stable, ``field`` the path at fault.

    Shaped like Ordercraft's domain errors (``message``, ``code``, ``field``), so a
    caller turns it into one with ``ValidationError(e.message, code=e.code, field=e.field)``.
    """

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def to_dict(self) -> dict[str, str]:
        body = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class LotSizing:
    rule: str
    quantity: Decimal | None = None  # fixed_order_quantity
    minimum: Decimal | None = None  # modifiers
    maximum: Decimal | None = None
    multiple: Decimal | None = None


LOT_FOR_LOT = LotSizing("lot_for_lot")


@dataclass(frozen=True, slots=True)
class ItemParams:
    id: str
    lead_time: int
    on_hand: Decimal
    safety_stock: Decimal
    make: bool
    phantom: bool
    scheduled_receipts: Mapping[int, Decimal]
    lot_sizing: LotSizing
    grouping_window: int
    supplier: str | None
    supplier_given: bool  # False: the scenario does not model suppliers for this item


@dataclass(frozen=True, slots=True)
class BomLine:
    parent: str
    component: str
    qty_per: Decimal
    scrap_percent: Decimal


@dataclass(frozen=True, slots=True)
class Demand:
    item: str
    period: int
    qty: Decimal
    ref: str


@dataclass(frozen=True, slots=True)
class Scenario:
    first_period: int
    last_period: int
    past_due_policy: str
    safety_stock_mode: str
    items: tuple[ItemParams, ...]
    bom: tuple[BomLine, ...]
    independent_demand: tuple[Demand, ...]
    # Items a BOM line names without parameters, planned with the defaults
    # (``unknown_bom_items: plan_with_defaults``): id -> the field that first names it.
    defaulted_items: Mapping[str, str]


def read_scenario(data: object) -> Scenario:
    """Check a scenario given as data and return it typed; raise ``ScenarioError``."""
    with localcontext(EXACT):
        return _scenario(data)


def _scenario(data: object) -> Scenario:
    top = _Fields(data, "", ("first_period", "last_period", "past_due_policy", "safety_stock_mode",
                             "unknown_bom_items", "items", "bom", "independent_demand"))
    first = top.integer("first_period", required=True)
    last = top.integer("last_period", required=True)
    if last < first:
        raise ScenarioError(f"last_period: {last} is before first_period {first}",
                            code="invalid_horizon", field="last_period")
    if last - first + 1 > MAX_PERIODS:
        raise ScenarioError(f"last_period: the horizon {first}..{last} has "
                            f"{last - first + 1} periods; at most {MAX_PERIODS} are planned",
                            code="invalid_horizon", field="last_period")
    horizon = (first, last)
    policy = top.choice("past_due_policy", PAST_DUE_POLICIES)
    mode = top.choice("safety_stock_mode", SAFETY_STOCK_MODES)
    unknown_bom_items = top.choice("unknown_bom_items", UNKNOWN_BOM_ITEMS)

    bom_rows = [_bom_line(row, f"bom[{n}]") for n, row in enumerate(top.sequence("bom"))]
    with_components = {line.parent for line, _ in bom_rows}
    items: list[ItemParams] = []
    known: dict[str, str] = {}
    for n, row in enumerate(top.sequence("items")):
        path = f"items[{n}]"
        item = _item(row, path, horizon, with_components)
        if item.id in known:
            raise ScenarioError(f"{path}.id: item {item.id!r} is already {known[item.id]}",
                                code="duplicate", field=f"{path}.id")
        known[item.id] = path
        items.append(item)
    periods = last - first + 1
    if len(items) * periods > MAX_ITEM_PERIODS:
        raise ScenarioError(f"items: {len(items)} items over {periods} periods are more than "
                            f"{MAX_ITEM_PERIODS} item-periods; plan fewer items or periods",
                            code="too_large", field="items")

    defaulted: dict[str, str] = {}
    for line, path in bom_rows:
        for role in ("parent", "component"):
            item_id = getattr(line, role)
            if item_id in known:
                continue
            if unknown_bom_items == "error":
                raise ScenarioError(f"{path}.{role}: item {item_id!r} is not among the items",
                                    code="unknown_item", field=f"{path}.{role}")
            known[item_id] = f"{path}.{role}"
            defaulted[item_id] = f"{path}.{role}"
            items.append(ItemParams(id=item_id, lead_time=0, on_hand=ZERO, safety_stock=ZERO,
                                    make=item_id in with_components, phantom=False,
                                    scheduled_receipts={}, lot_sizing=LOT_FOR_LOT,
                                    grouping_window=1, supplier=None, supplier_given=False))

    demand = tuple(_demand(row, f"independent_demand[{n}]", horizon, known)
                   for n, row in enumerate(top.sequence("independent_demand")))
    return Scenario(first_period=first, last_period=last, past_due_policy=policy,
                    safety_stock_mode=mode, items=tuple(items),
                    bom=tuple(line for line, _ in bom_rows), independent_demand=demand,
                    defaulted_items=defaulted)


def _item(row: object, path: str, horizon: tuple[int, int],
          with_components: set[str]) -> ItemParams:
    fields = _Fields(row, path, ("id", "lead_time", "on_hand", "safety_stock", "make_or_buy",
                                 "phantom", "scheduled_receipts", "lot_sizing",
                                 "grouping_window", "supplier"))
    item_id = fields.identifier("id")
    lead_time = fields.integer("lead_time", default=0, minimum=0)
    safety_stock = fields.quantity("safety_stock", default=ZERO, minimum=ZERO)
    phantom = fields.boolean("phantom", default=False)
    make_or_buy = fields.choice("make_or_buy", ("make", "buy"),
                                default="make" if phantom or item_id in with_components else "buy")
    lot_sizing = _lot_sizing(fields.get("lot_sizing"), f"{path}.lot_sizing")
    grouping_window = fields.integer("grouping_window", default=1, minimum=1)
    if phantom:
        # A phantom is built inside its parent's order: it has no orders, lead time,
        # lot size or stock target of its own.
        for name, ok in (("make_or_buy", make_or_buy == "make"), ("lead_time", lead_time == 0),
                         ("safety_stock", not safety_stock),
                         ("lot_sizing", lot_sizing.rule == "lot_for_lot"),
                         ("grouping_window", grouping_window == 1)):
            if not ok:
                raise ScenarioError(
                    f"{path}.{name}: item {item_id!r} is a phantom, planned through its parents' "
                    f"orders; it cannot have {name} {_shown(fields.get(name))}",
                    code="invalid_phantom", field=f"{path}.{name}")
    supplier = fields.get("supplier")
    if supplier is not None and not (isinstance(supplier, str) and supplier.strip()):
        raise ScenarioError(f"{path}.supplier: {_shown(supplier)} is not a supplier name "
                            f"(a non-empty text or null)", code="invalid", field=f"{path}.supplier")
    return ItemParams(
        id=item_id, lead_time=lead_time,
        on_hand=fields.quantity("on_hand", default=ZERO, minimum=ZERO),
        safety_stock=safety_stock, make=make_or_buy == "make", phantom=phantom,
        scheduled_receipts=_scheduled_receipts(fields.get("scheduled_receipts"),
                                               f"{path}.scheduled_receipts", horizon),
        lot_sizing=lot_sizing, grouping_window=grouping_window,
        supplier=supplier, supplier_given="supplier" in fields.data)


def _lot_sizing(value: object, path: str) -> LotSizing:
    if value is None:
        return LOT_FOR_LOT
    rule = _Fields(value, path, ("rule", "quantity", "min", "max", "multiple")).choice(
        "rule", LOT_RULES, required=True)
    if rule == "lot_for_lot":
        _Fields(value, path, ("rule",))
        return LOT_FOR_LOT
    if rule == "fixed_order_quantity":
        fields = _Fields(value, path, ("rule", "quantity"))
        return LotSizing(rule, quantity=fields.quantity("quantity", required=True, positive=True))
    fields = _Fields(value, path, ("rule", "min", "max", "multiple"))
    minimum = fields.quantity("min", minimum=ZERO)
    maximum = fields.quantity("max", positive=True)
    multiple = fields.quantity("multiple", positive=True)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ScenarioError(f"{path}.min: {text(minimum)} is more than max {text(maximum)}",
                            code="invalid_lot_sizing", field=f"{path}.min")
    if multiple is not None and maximum is not None:
        smallest = multiple
        if minimum is not None and minimum > multiple:
            smallest = ceil_div(minimum, multiple) * multiple
        if smallest > maximum:
            raise ScenarioError(
                f"{path}.max: no multiple of {text(multiple)} is at least "
                f"{text(minimum or multiple)} and at most max {text(maximum)}",
                code="invalid_lot_sizing", field=f"{path}.max")
    return LotSizing(rule, minimum=minimum, maximum=maximum, multiple=multiple)


def _scheduled_receipts(value: object, path: str,
                        horizon: tuple[int, int]) -> dict[int, Decimal]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{path}: {_shown(value)} is not a mapping of period to quantity",
                            code="invalid", field=path)
    receipts: dict[int, Decimal] = {}
    for key, qty in value.items():
        period = _period_key(key, f"{path}.{key}", horizon)
        if period in receipts:
            raise ScenarioError(f"{path}.{key}: period {period} is given twice",
                                code="duplicate", field=f"{path}.{key}")
        receipts[period] = _quantity(qty, f"{path}.{key}", minimum=ZERO)
    return receipts


def _bom_line(row: object, path: str) -> tuple[BomLine, str]:
    fields = _Fields(row, path, ("parent", "component", "qty_per", "scrap_percent"))
    line = BomLine(parent=fields.identifier("parent"), component=fields.identifier("component"),
                   qty_per=fields.quantity("qty_per", required=True, positive=True),
                   scrap_percent=fields.quantity("scrap_percent", default=ZERO, minimum=ZERO))
    return line, path


def _demand(row: object, path: str, horizon: tuple[int, int], known: Mapping[str, str]) -> Demand:
    fields = _Fields(row, path, ("item", "period", "qty", "ref"))
    item = fields.identifier("item")
    if item not in known:
        raise ScenarioError(f"{path}.item: item {item!r} is not among the items",
                            code="unknown_item", field=f"{path}.item")
    period = fields.integer("period", required=True)
    _check_in_horizon(period, f"{path}.period", horizon)
    return Demand(item=item, period=period,
                  qty=fields.quantity("qty", required=True, minimum=ZERO),
                  ref=fields.identifier("ref"))


def _period_key(key: object, path: str, horizon: tuple[int, int]) -> int:
    period: int | None = None
    if isinstance(key, int) and not isinstance(key, bool):
        period = key
    elif isinstance(key, str):
        try:
            period = int(key.strip())
        except ValueError:
            period = None
    if period is None:
        raise ScenarioError(f"{path}: {_shown(key)} is not a period (a whole number)",
                            code="not_an_integer", field=path)
    _check_in_horizon(period, path, horizon)
    return period


def _check_in_horizon(period: int, path: str, horizon: tuple[int, int]) -> None:
    first, last = horizon
    if not first <= period <= last:
        raise ScenarioError(f"{path}: period {period} is outside the horizon {first}..{last}",
                            code="out_of_horizon", field=path)


def _quantity(value: object, path: str, *, minimum: Decimal | None = None,
              positive: bool = False) -> Decimal:
    number = to_decimal(value)
    if number is None:
        raise ScenarioError(f"{path}: {_shown(value)} is not a number",
                            code="not_a_number", field=path)
    if not within_bounds(number):
        raise ScenarioError(f"{path}: {_shown(value)} is out of range (at most 40 significant "
                            f"digits, between 1e-30 and 1e30)", code="out_of_range", field=path)
    if positive and number <= 0:
        raise ScenarioError(f"{path}: {_shown(value)} must be more than 0",
                            code="not_positive", field=path)
    if minimum is not None and number < minimum:
        raise ScenarioError(f"{path}: {_shown(value)} must be at least {text(minimum)}",
                            code="negative", field=path)
    return number


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else text(value) if isinstance(
        value, Decimal) else "null" if value is None else str(value)


class _Fields:
    """One mapping of the scenario at a field path, read field by field."""

    def __init__(self, data: object, path: str, allowed: tuple[str, ...]) -> None:
        where = path or "the scenario"
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{where}: {_shown(data)} is not a mapping of fields",
                                code="invalid", field=path or None)
        for key in data:
            if key not in allowed:
                raise ScenarioError(f"{self._at(path, key)}: unknown field {key!r} "
                                    f"(known: {', '.join(allowed)})",
                                    code="unknown_field", field=self._at(path, key))
        self.data = data
        self.path = path

    @staticmethod
    def _at(path: str, name: object) -> str:
        return f"{path}.{name}" if path else str(name)

    def field(self, name: str) -> str:
        return self._at(self.path, name)

    def get(self, name: str) -> Any:
        return self.data.get(name)

    def _required(self, name: str) -> Any:
        if self.data.get(name) is None:
            raise ScenarioError(f"{self.field(name)} is required", code="required",
                                field=self.field(name))
        return self.data[name]

    def integer(self, name: str, *, required: bool = False, default: int = 0,
                minimum: int | None = None) -> int:
        if not required and self.data.get(name) is None:
            return default
        value = self._required(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(f"{self.field(name)}: {_shown(value)} is not a whole number",
                                code="not_an_integer", field=self.field(name))
        if minimum is not None and value < minimum:
            raise ScenarioError(f"{self.field(name)}: {value} must be at least {minimum}",
                                code="negative" if minimum == 0 else "out_of_range",
                                field=self.field(name))
        return value

    def quantity(self, name: str, *, required: bool = False, default: Decimal | None = None,
                 minimum: Decimal | None = None, positive: bool = False) -> Any:
        if not required and self.data.get(name) is None:
            return default
        return _quantity(self._required(name), self.field(name), minimum=minimum,
                         positive=positive)

    def identifier(self, name: str) -> str:
        value = self._required(name)
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(f"{self.field(name)}: {_shown(value)} is not a non-empty text",
                                code="invalid", field=self.field(name))
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ScenarioError(f"{self.field(name)}: {_shown(value)} is not true or false",
                                code="invalid", field=self.field(name))
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, required: bool = False,
               default: str | None = None) -> str:
        if not required and self.data.get(name) is None:
            return default if default is not None else choices[0]
        value = self._required(name)
        if value not in choices:
            raise ScenarioError(f"{self.field(name)}: {_shown(value)} is not one of "
                                f"{', '.join(choices)}", code="invalid_choice",
                                field=self.field(name))
        return value

    def sequence(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None:
            return []
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
            raise ScenarioError(f"{self.field(name)}: {_shown(value)} is not a list",
                                code="invalid", field=self.field(name))
        return list(value)
