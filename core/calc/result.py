"""The result of a calculator run, as the platform keeps it.

A worker's answer is plain JSON and is *checked* here before anything uses it:
the platform treats a worker as untrusted, so lengths, numbers and shapes are
verified and money becomes :class:`~decimal.Decimal` again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.calc.format import CalculatorSpec

MAX_LINES = 500
LINE_KINDS = frozenset({"part", "operation", "other"})


def _bad(what: str) -> CalculatorError:
    return CalculatorError(f"the worker's result is malformed: {what}", code="worker_crashed")


def _decimal(value: Any, what: str) -> Decimal:
    if type(value) is str and len(value) <= 60:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _bad(what) from None
        if number.is_finite() and number.adjusted() <= 24:
            return number
    raise _bad(what)


def _text(value: Any, what: str, limit: int, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if type(value) is str and len(value) <= limit:
        return value
    raise _bad(what)


def _line(index: int, raw: Any) -> Line:
    # [kind, name, sku, qty, unit, unit_price, amount], as the worker sends it
    if not (type(raw) is list and len(raw) == 7 and raw[0] in LINE_KINDS):
        raise _bad(f"line {index}")
    kind, name, sku, qty, unit, unit_price, amount = raw
    if not (type(name) is str and len(name) <= 200 and type(unit) is str and len(unit) <= 20
            and (sku is None or type(sku) is str and len(sku) <= 64)
            and type(qty) is str and type(unit_price) is str and type(amount) is str
            and len(qty) + len(unit_price) + len(amount) <= 180):
        raise _bad(f"line {index}")
    try:
        numbers = (Decimal(qty), Decimal(unit_price), Decimal(amount))
    except InvalidOperation:
        raise _bad(f"line {index}") from None
    for number in numbers:
        if not number.is_finite() or number.adjusted() > 24:
            raise _bad(f"line {index}")
    return Line(kind, name, sku, numbers[0], unit, numbers[1], numbers[2])


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Line(NamedTuple):
    """A breakdown line a proposal or a bill of materials can take over."""

    kind: str
    name: str
    sku: str | None
    qty: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "sku": self.sku, "qty": str(self.qty),
                "unit": self.unit, "unit_price": str(self.unit_price),
                "amount": str(self.amount)}


@dataclass(frozen=True)
class FormulaValue:
    """One formula of a formula calculator with the value it had in this run."""

    name: str
    label: str
    expression: str
    latex: str
    unit: str
    line: bool | str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "expression": self.expression,
                "latex": self.latex, "unit": self.unit, "line": self.line,
                "value": self.value}


@dataclass(frozen=True)
class CalcResult:
    """What a calculator computed, with everything needed to explain and repeat it."""

    calculator: str
    title: str
    version: str
    origin: str
    params: dict[str, Any]
    total: Decimal
    lines: tuple[Line, ...]
    details: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    output: str = ""
    formulas: tuple[FormulaValue, ...] = ()
    #: The catalog entries the run read (sku -> entry, prices as text).
    catalog: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "calculator": self.calculator, "title": self.title, "version": self.version,
            "origin": self.origin, "params": _plain(self.params), "total": str(self.total),
            "lines": [line.to_dict() for line in self.lines], "details": self.details,
            "notes": self.notes, "formulas": [f.to_dict() for f in self.formulas],
            "output": self.output, "catalog": self.catalog, "run_id": self.run_id,
        }

    @classmethod
    def from_worker(cls, data: Mapping[str, Any], *, calculator: str, origin: str,
                    version: str, spec: CalculatorSpec, params: dict[str, Any]) -> CalcResult:
        """Check a worker's answer and build the result."""
        if not isinstance(data, Mapping):
            raise _bad("not an object")
        raw_lines = data.get("lines")
        if not isinstance(raw_lines, list) or len(raw_lines) > MAX_LINES:
            raise _bad("lines")
        lines = [_line(index, raw) for index, raw in enumerate(raw_lines, 1)]
        details = data.get("details", {})
        if not isinstance(details, dict):
            raise _bad("details")
        formulas: list[FormulaValue] = []
        if spec.kind == "formula":
            values = data.get("formulas")
            if not isinstance(values, dict):
                raise _bad("formulas")
            for info in spec.formulas:
                value = values.get(info.name)
                if not isinstance(value, (str, Decimal, bool, int)) or (
                        isinstance(value, str) and len(value) > 200):
                    raise _bad(f"formula {info.name}")
                formulas.append(FormulaValue(
                    name=info.name, label=info.label, expression=info.expression,
                    latex=info.latex, unit=info.unit, line=info.line,
                    value=_plain(value)))
        catalog = data.get("catalog", {})
        if not isinstance(catalog, dict):
            raise _bad("catalog")
        return cls(
            calculator=calculator, title=spec.title, version=version, origin=origin,
            params=params, total=_decimal(data.get("total"), "total"), lines=tuple(lines),
            details=_plain(details), notes=_text(data.get("notes", ""), "notes", 2000) or "",
            output=_text(data.get("output", ""), "output", 1 << 20) or "",
            formulas=tuple(formulas), catalog=catalog)
