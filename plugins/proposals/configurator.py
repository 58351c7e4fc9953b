"""The configurator: product templates as declarative data, and the check of a chosen
configuration against them. Pure functions over plain data (no database), so a change in
the browser is checked in microseconds and the same rules serve the CLI and the API.

A template's definition::

    {"base": [{"item": "ROBOT-FRAME", "qty": 1}],
     "groups": [
        {"key": "processor", "title": "Processor", "select": "one",
         "options": [{"key": "a4", "item": "CPU-A4", "label": "A4, 4 cores",
                      "characteristics": {"Cores": "4"}},
                     {"key": "a8", "item": "CPU-A8", "label": "A8, 8 cores"}]},
        {"key": "sensors", "title": "Sensors", "select": "any", "min": 0, "max": 2,
         "options": [{"key": "distance", "item": "SENSOR", "max_qty": 8}]}],
     "rules": [
        {"if": "board.l", "requires": "processor.a8",
         "message": "board kind L needs processor A8"},
        {"if": "processor.a4", "excludes": "sensors.lidar"},
        {"max": 4, "of": "sensors", "per": "board"}]}

* ``select``: ``one`` (exactly one option; ``"min": 0`` makes the group optional),
  ``any`` (``min``..``max`` options, each with a quantity from 1 to its ``max_qty``).
* rules: ``requires`` / ``excludes`` between options (``group.option``), and
  ``max N of X per Y``: the quantity chosen of ``X`` (a group or an option) is at most
  N times the quantity of ``Y`` (at most N sensors per mainboard).

No variant is ever generated: a configuration is the chosen options with quantities,
priced when it is quoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

SELECT_KINDS = ("one", "any")


class DefinitionError(ValueError):
    """A template's definition that cannot be used, naming the place (``groups.1.key``)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


@dataclass(frozen=True)
class Problem:
    """One broken rule of a configuration: ``field`` names the group (``options.board``)."""

    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class ConfiguredLine:
    """A line a configuration yields: the item, its quantity per configured unit."""

    item: str
    qty: Decimal
    label: str
    group: str
    option: str
    characteristics: dict[str, str] = field(default_factory=dict)
    price: Decimal | None = None


@dataclass
class Checked:
    """A configuration checked: its lines, or the rules it breaks (never both)."""

    lines: list[ConfiguredLine]
    problems: list[Problem]
    selection: dict[str, dict[str, Decimal]]

    @property
    def ok(self) -> bool:
        return not self.problems


def _decimal(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DefinitionError(where, f"{value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise DefinitionError(where, f"{value!r} is not a quantity")
    return number


def check_definition(definition: Any) -> dict[str, Any]:
    """The definition, normalised (quantities as Decimal strings), or a
    :class:`DefinitionError` naming the first wrong place."""
    if not isinstance(definition, Mapping):
        raise DefinitionError("definition", "a template's definition is an object with "
                                            "base, groups and rules")
    unknown = sorted(set(definition) - {"base", "groups", "rules"})
    if unknown:
        raise DefinitionError(unknown[0], "not a part of a definition (base, groups, rules)")
    base = []
    for index, entry in enumerate(definition.get("base") or []):
        where = f"base.{index}"
        if not isinstance(entry, Mapping) or not entry.get("item"):
            raise DefinitionError(where, "a base line is {\"item\": SKU, \"qty\": N}")
        base.append({"item": str(entry["item"]), "qty": str(_decimal(entry.get("qty", 1),
                                                                      f"{where}.qty"))})
    groups = []
    names: set[str] = set()
    for index, group in enumerate(definition.get("groups") or []):
        where = f"groups.{index}"
        if not isinstance(group, Mapping) or not str(group.get("key") or "").strip():
            raise DefinitionError(where, "a group needs a key")
        key = str(group["key"]).strip()
        if key in names or "." in key:
            raise DefinitionError(f"{where}.key", f"{key!r} is used twice or holds a dot")
        names.add(key)
        select = group.get("select", "one")
        if select not in SELECT_KINDS:
            raise DefinitionError(f"{where}.select", f"{select!r} is not one of one, any")
        options = []
        keys: set[str] = set()
        for number, option in enumerate(group.get("options") or []):
            place = f"{where}.options.{number}"
            if not isinstance(option, Mapping) or not option.get("key") or not option.get("item"):
                raise DefinitionError(place, "an option needs a key and an item")
            okey = str(option["key"])
            if okey in keys:
                raise DefinitionError(f"{place}.key", f"{okey!r} is used twice")
            keys.add(okey)
            options.append({
                "key": okey, "item": str(option["item"]),
                "label": str(option.get("label") or okey),
                "qty": str(_decimal(option.get("qty", 1), f"{place}.qty")),
                "max_qty": str(_decimal(option.get("max_qty", 1), f"{place}.max_qty")),
                "price": (str(_decimal(option["price"], f"{place}.price"))
                          if option.get("price") not in (None, "") else None),
                "characteristics": {str(k): str(v) for k, v in
                                    (option.get("characteristics") or {}).items()}})
        if not options:
            raise DefinitionError(where, f"group {key!r} has no options")
        minimum = int(group.get("min", 1 if select == "one" else 0))
        maximum = int(group.get("max", 1 if select == "one" else len(options)))
        if not 0 <= minimum <= maximum or (select == "one" and maximum != 1):
            raise DefinitionError(where, f"min {minimum} / max {maximum} do not fit {select!r}")
        groups.append({"key": key, "title": str(group.get("title") or key), "select": select,
                       "min": minimum, "max": maximum, "options": options})
    known = {g["key"]: {o["key"] for o in g["options"]} for g in groups}

    def ref(value: Any, where: str, *, whole_group: bool = False) -> str:
        text = str(value or "")
        group_key, _, option = text.partition(".")
        if group_key not in known or (option and option not in known[group_key]) or (
                not option and not whole_group):
            raise DefinitionError(where, f"{text!r} names no {'group or ' if whole_group else ''}"
                                         "option (group.option)")
        return text

    rules = []
    for index, rule in enumerate(definition.get("rules") or []):
        where = f"rules.{index}"
        if not isinstance(rule, Mapping):
            raise DefinitionError(where, "a rule is an object")
        if "requires" in rule or "excludes" in rule:
            kind = "requires" if "requires" in rule else "excludes"
            rules.append({"if": ref(rule.get("if"), f"{where}.if"),
                          kind: ref(rule.get(kind), f"{where}.{kind}"),
                          "message": str(rule.get("message") or "")})
        elif "max" in rule:
            rules.append({"max": str(_decimal(rule["max"], f"{where}.max")),
                          "of": ref(rule.get("of"), f"{where}.of", whole_group=True),
                          "per": ref(rule.get("per"), f"{where}.per", whole_group=True),
                          "message": str(rule.get("message") or "")})
        else:
            raise DefinitionError(where, "a rule is requires, excludes or max ... per")
    return {"base": base, "groups": groups, "rules": rules}


def parse_selection(values: Sequence[str] | Mapping[str, Any]) -> dict[str, Any]:
    """``["processor=a8", "sensors.distance=2"]`` (the CLI's ``--option``) or a mapping
    ``{"processor": "a8", "sensors": {"distance": 2}}`` as one mapping."""
    if isinstance(values, Mapping):
        return dict(values)
    found: dict[str, Any] = {}
    for text in values:
        name, _, value = str(text).partition("=")
        group_key, _, option = name.strip().partition(".")
        if option:
            found.setdefault(group_key, {})
            if isinstance(found[group_key], dict):
                found[group_key][option] = value.strip() or "1"
        else:
            found[group_key] = value.strip()
    return found


def configure(definition: Mapping[str, Any], selection: Mapping[str, Any]) -> Checked:
    """Check ``selection`` against a normalised definition; every broken rule is reported
    (``field`` ``options.<group>``), with the lines when none is broken."""
    problems: list[Problem] = []
    chosen: dict[str, dict[str, Decimal]] = {}
    groups = {g["key"]: g for g in definition["groups"]}
    for name in selection:
        if name not in groups:
            problems.append(Problem(f"options.{name}", "unknown",
                                    f"{name!r} is not an option group of the template "
                                    f"(groups: {', '.join(groups)})"))
    for key, group in groups.items():
        raw = selection.get(key)
        options = {o["key"]: o for o in group["options"]}
        picked: dict[str, Decimal] = {}
        if isinstance(raw, Mapping):
            items = list(raw.items())
        elif raw in (None, ""):
            items = []
        else:
            items = [(part.strip(), "1") for part in str(raw).split(",") if part.strip()]
        for option, qty in items:
            if option not in options:
                problems.append(Problem(f"options.{key}", "unknown",
                                        f"{key}: {option!r} is not an option (options: "
                                        f"{', '.join(options)})"))
                continue
            try:
                amount = Decimal(str(qty))
            except (InvalidOperation, ValueError):
                amount = Decimal(-1)
            limit = Decimal(options[option]["max_qty"])
            if not amount.is_finite() or amount <= 0 or amount > limit or amount != amount.to_integral():
                problems.append(Problem(f"options.{key}", "quantity",
                                        f"{key}.{option}: {qty!r} is not a whole quantity "
                                        f"from 1 to {limit.normalize()}"))
                continue
            if amount:
                picked[option] = amount
        if not group["min"] <= len(picked) <= group["max"]:
            want = ("exactly one option" if group["select"] == "one" and group["min"] == 1
                    else f"{group['min']} to {group['max']} options")
            problems.append(Problem(f"options.{key}", "count",
                                    f"{group['title']}: choose {want}, not {len(picked)}"))
        chosen[key] = picked

    def qty_of(ref: str) -> Decimal:
        group_key, _, option = ref.partition(".")
        picked = chosen.get(group_key, {})
        if option:
            return picked.get(option, Decimal(0))
        return sum(picked.values(), Decimal(0))

    for rule in definition["rules"]:
        if "requires" in rule or "excludes" in rule:
            if not qty_of(rule["if"]):
                continue
            kind = "requires" if "requires" in rule else "excludes"
            other = rule[kind]
            broken = (not qty_of(other)) if kind == "requires" else bool(qty_of(other))
            if broken:
                text = rule["message"] or f"{rule['if']} {kind} {other}"
                problems.append(Problem(f"options.{rule['if'].partition('.')[0]}", kind, text))
        else:
            limit = Decimal(rule["max"]) * qty_of(rule["per"])
            if qty_of(rule["of"]) > limit:
                text = rule["message"] or (f"at most {Decimal(rule['max']).normalize()} of "
                                           f"{rule['of']} per {rule['per']}")
                problems.append(Problem(f"options.{rule['of'].partition('.')[0]}", "max",
                                        f"{text}: {qty_of(rule['of']).normalize()} chosen, "
                                        f"{limit.normalize()} allowed"))
    if problems:
        return Checked([], problems, chosen)
    lines = [ConfiguredLine(b["item"], Decimal(b["qty"]), "", "base", "")
             for b in definition["base"]]
    for key, group in groups.items():
        options = {o["key"]: o for o in group["options"]}
        for option, amount in chosen[key].items():
            spec = options[option]
            lines.append(ConfiguredLine(
                spec["item"], Decimal(spec["qty"]) * amount, f"{group['title']}: {spec['label']}",
                key, option, dict(spec["characteristics"]),
                Decimal(spec["price"]) if spec["price"] is not None else None))
    return Checked(lines, [], chosen)
