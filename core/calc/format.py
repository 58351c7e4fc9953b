"""The calculator file format: read a calculator's description without running it.

A calculator is one Python file::

    \"\"\"Interior door

    Prices a door leaf with its frame from the size, the material and the fittings.
    \"\"\"

    params = [
        param("height", "int", unit="mm", min=1800, max=2400, step=10, default=2000,
              help="Height of the leaf"),
        param("material", "choice", choices={"pine": "Pine", "oak": "Oak veneer"},
              default="pine"),
        param("glazing", "bool", default=False),
    ]

    def calculate(height, material, glazing):
        ...

The docstring's first line is the title and the rest the description. ``params``
declares the parameters; every value in a declaration is a literal, so the
declarations are read from the syntax tree (``ast``), never by executing the file.
Either a ``calculate`` function (a *script* calculator) or a ``formulas`` list (a
*formula* calculator, see :mod:`ordercraft.core.calc.formula`) computes the price.

The same declarations validate the values a user gives (:meth:`CalculatorSpec.validate`)
and generate the web form. The description crosses process boundaries as plain
JSON (:meth:`CalculatorSpec.to_dict` / :meth:`CalculatorSpec.from_dict`), and
``from_dict`` re-checks everything it is given.
"""

from __future__ import annotations

import ast
import decimal
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ordercraft.core.calc.errors import CalculatorError, clip
from ordercraft.core.errors import ValidationError

#: Largest calculator file accepted, in characters.
MAX_SOURCE = 64 * 1024
MAX_PARAMS = 60
MAX_CHOICES = 200
#: Longest text a parameter of type ``str`` accepts unless it declares ``max_length``.
DEFAULT_MAX_LENGTH = 200
#: Longest text any value may have before it is even parsed.
MAX_RAW_TEXT = 1000
#: The numbers of an int or decimal parameter (its min, max, step, choices, default and
#: the values given): at most 15 digits before the decimal point and 10 after it, far
#: more than sizes, quantities or prices need. Within them every check of a value
#: against its range and step is exact.
MAX_INTEGER_DIGITS = 15
MAX_PLACES = 10
#: Enough digits for any difference and remainder of numbers within those bounds;
#: a rounded result would be a bug, so it raises.
_EXACT = decimal.Context(prec=2 * (MAX_INTEGER_DIGITS + MAX_PLACES),
                         traps=[InvalidOperation, decimal.DivisionByZero, decimal.Inexact])

PARAM_TYPES = ("int", "decimal", "str", "bool", "choice")
PARAM_OPTIONS = frozenset({"unit", "min", "max", "step", "choices", "default", "help", "label",
                           "max_length"})
KINDS = ("script", "formula")

#: Names the sandbox provides to every calculator; a parameter may not hide them.
RESERVED_NAMES = frozenset({
    "param", "formula", "price", "item", "line", "part", "work", "money", "D", "Decimal",
    "math", "calculate", "params", "formulas", "total", "printed", "print",
})

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_INT_TEXT = re.compile(r"^[+-]?[0-9]+$")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0", ""})


def _format_error(message: str, node: ast.AST | None = None, *, line: int | None = None
                  ) -> CalculatorError:
    return CalculatorError(message, code="format",
                           line=getattr(node, "lineno", None) if line is None else line)


def _shown(value: Any) -> str:
    """A value as it appears in a message: its repr, cut short."""
    return clip(repr(value), 60)


def out_of_bounds(number: int | Decimal) -> str | None:
    """Why ``number`` is not a parameter's number (see :data:`MAX_INTEGER_DIGITS`), or
    ``None``."""
    if isinstance(number, Decimal) and not number.is_finite():
        return "is not a finite number"
    if abs(number) >= 10 ** MAX_INTEGER_DIGITS:
        return f"is out of range: at most {MAX_INTEGER_DIGITS} digits before the decimal point"
    if isinstance(number, Decimal):
        _sign, digits, exponent = number.as_tuple()
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        while places and digits and digits[-1] == 0:
            digits, places = digits[:-1], places - 1
        if places > MAX_PLACES:
            return f"has {places} decimal places; at most {MAX_PLACES} are allowed"
    return None


def _plain_number(value: Any) -> str:
    """A number as an author wrote it: ``2000``, ``0.5`` (no exponent, no trailing noise)."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text
    return str(value)


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Parameter:
    """One declared parameter. Values are ``int``, ``Decimal``, ``str`` or ``bool``."""

    name: str
    type: str
    label: str
    unit: str = ""
    help: str = ""
    min: int | Decimal | None = None
    max: int | Decimal | None = None
    step: int | Decimal | None = None
    #: ``((value, label), ...)``; ``None`` when the value is free.
    choices: tuple[tuple[Any, str], ...] | None = None
    default: Any = None
    max_length: int | None = None

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def choice_values(self) -> tuple[Any, ...]:
        return tuple(value for value, _label in self.choices or ())

    # -------------------------------------------------------------- values

    def _fail(self, message: str) -> ValidationError:
        return ValidationError(f"{self.name}: {message}", field=self.name)

    def _with_unit(self, value: Any) -> str:
        text = _plain_number(value) if not isinstance(value, str) else repr(value)
        return f"{text} {self.unit}" if self.unit else text

    def convert(self, raw: Any) -> Any:
        """The typed value of ``raw`` (text from a form or the CLI, or a JSON value),
        checked against the declaration; :class:`ValidationError` naming the field if not."""
        if isinstance(raw, str) and len(raw) > MAX_RAW_TEXT:
            raise self._fail(f"the value is {len(raw)} characters long; at most "
                             f"{MAX_RAW_TEXT} are accepted")
        value = self._typed(raw)
        if self.type in ("int", "decimal"):
            problem = out_of_bounds(value)
            if problem:
                raise self._fail(f"{_shown(raw)} {problem}")
        self._check(value)
        return value

    def _typed(self, raw: Any) -> Any:
        kind = self.type
        if kind == "int":
            number: int | Decimal
            if isinstance(raw, bool):
                raise self._fail(f"{_shown(raw)} is not a whole number")
            if isinstance(raw, int):
                number = raw
            elif isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
                # out of bounds before int(): 1E+999999 would have a million digits
                number = int(raw) if out_of_bounds(raw) is None else raw
            elif isinstance(raw, str) and _INT_TEXT.match(raw.strip()):
                number = int(raw.strip())
            else:
                raise self._fail(f"{_shown(raw)} is not a whole number")
            return number
        if kind == "decimal":
            if isinstance(raw, bool):
                raise self._fail(f"{_shown(raw)} is not a number")
            if isinstance(raw, float):
                raise self._fail(f"floats are not accepted, pass {_shown(raw)} as text")
            if isinstance(raw, (int, Decimal)):
                value = Decimal(raw)
            elif isinstance(raw, str):
                try:
                    value = Decimal(raw.strip().replace(",", "."))
                except InvalidOperation:
                    raise self._fail(f"{_shown(raw)} is not a number") from None
            else:
                raise self._fail(f"{_shown(raw)} is not a number")
            return value
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, int) and raw in (0, 1):
                return bool(raw)
            if isinstance(raw, str):
                text = raw.strip().lower()
                if text in _TRUE:
                    return True
                if text in _FALSE:
                    return False
            raise self._fail(f"{_shown(raw)} is not yes/no (true, false, 1, 0)")
        # str and choice
        if not isinstance(raw, str):
            raise self._fail(f"{_shown(raw)} is not text")
        return raw if kind == "str" else raw.strip()

    def _check(self, value: Any) -> None:
        if self.choices is not None:
            if value not in self.choice_values:
                allowed = ", ".join(_plain_number(v) if not isinstance(v, str) else repr(v)
                                    for v in self.choice_values[:20])
                raise self._fail(f"{self._with_unit(value)} is not one of the choices: {allowed}")
            return
        if self.type == "str":
            limit = self.max_length or DEFAULT_MAX_LENGTH
            if len(value) > limit:
                raise self._fail(f"the text is {len(value)} characters long; at most {limit} "
                                 "are accepted")
            return
        if self.type not in ("int", "decimal"):
            return
        if self.min is not None and value < self.min:
            raise self._fail(f"{self._with_unit(value)} is below the minimum "
                             f"{self._with_unit(self.min)}")
        if self.max is not None and value > self.max:
            raise self._fail(f"{self._with_unit(value)} is above the maximum "
                             f"{self._with_unit(self.max)}")
        if self.step is not None:
            base = self.min if self.min is not None else 0
            if isinstance(value, int):
                remainder = (value - base) % self.step
            else:
                remainder = _EXACT.remainder(_EXACT.subtract(value, base), self.step)
            if remainder != 0:
                origin = f" counted from {self._with_unit(base)}" if base else ""
                raise self._fail(f"{self._with_unit(value)} is not a multiple of "
                                 f"{self._with_unit(self.step)}{origin}")

    # -------------------------------------------------------------- plain data

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (decimals as text)."""
        def plain(value: Any) -> Any:
            return _plain_number(value) if isinstance(value, Decimal) else value

        return {
            "name": self.name, "type": self.type, "label": self.label, "unit": self.unit,
            "help": self.help, "min": plain(self.min), "max": plain(self.max),
            "step": plain(self.step),
            "choices": None if self.choices is None else [
                {"value": plain(value), "label": label} for value, label in self.choices],
            "default": plain(self.default), "required": self.required,
            "max_length": self.max_length,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parameter:
        if not isinstance(data, Mapping):
            raise _format_error("a parameter description is not a mapping")
        options = {key: data.get(key) for key in ("unit", "min", "max", "step", "default",
                                                   "help", "label", "max_length")
                   if data.get(key) not in (None, "")}
        choices = data.get("choices")
        if choices is not None:
            if not isinstance(choices, list):
                raise _format_error(f"parameter {data.get('name')!r}: choices are not a list")
            options["choices"] = [
                (c.get("value"), c.get("label")) if isinstance(c, Mapping) else c
                for c in choices]
        return declare_parameter(data.get("name"), data.get("type"), options)


def _number_option(name: str, kind: str, option: str, value: Any) -> int | Decimal:
    where = f"parameter {name!r}: {option}"
    if isinstance(value, bool):
        raise _format_error(f"{where} must be a number, not {value!r}")
    number: int | Decimal | None
    if kind == "int":
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and _INT_TEXT.match(value.strip()):
            number = int(value)
        else:
            raise _format_error(f"{where} must be a whole number, not {_shown(value)}")
    else:
        if isinstance(value, float):
            value = repr(value)
        try:
            number = Decimal(value) if isinstance(value, (int, str, Decimal)) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise _format_error(f"{where} must be a number, not {_shown(value)}")
    problem = out_of_bounds(number)
    if problem:
        raise _format_error(f"{where} {_shown(value)} {problem}")
    return number


def _text_option(name: str, option: str, value: Any, limit: int = 500) -> str:
    if not isinstance(value, str):
        raise _format_error(f"parameter {name!r}: {option} must be text, not {value!r}")
    if len(value) > limit:
        raise _format_error(f"parameter {name!r}: {option} is longer than {limit} characters")
    return value


def declare_parameter(name: Any, kind: Any, options: Mapping[str, Any]) -> Parameter:
    """Check one declaration and build the :class:`Parameter`; errors name the parameter."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or keyword.iskeyword(name):
        raise _format_error(f"parameter name {name!r}: use lower-case letters, digits and '_', "
                            "starting with a letter (at most 40)")
    if name in RESERVED_NAMES:
        raise _format_error(f"parameter name {name!r} is reserved for the calculator runtime")
    if kind not in PARAM_TYPES:
        raise _format_error(f"parameter {name!r}: type {kind!r} is not one of "
                            f"{', '.join(PARAM_TYPES)}")
    unknown = sorted(set(options) - PARAM_OPTIONS)
    if unknown:
        raise _format_error(f"parameter {name!r}: unknown option {unknown[0]!r} (options: "
                            f"{', '.join(sorted(PARAM_OPTIONS))})")
    fields: dict[str, Any] = {
        "unit": _text_option(name, "unit", options.get("unit", ""), 20),
        "help": _text_option(name, "help", options.get("help", "")),
        "label": _text_option(name, "label", options.get("label")
                              or name.replace("_", " ").capitalize(), 100),
    }
    numeric = kind in ("int", "decimal")
    for option in ("min", "max", "step"):
        if options.get(option) is not None:
            if not numeric:
                raise _format_error(f"parameter {name!r}: {option} applies to int and decimal "
                                    f"parameters, not to {kind}")
            fields[option] = _number_option(name, kind, option, options[option])
    if fields.get("step") is not None and fields["step"] <= 0:
        raise _format_error(f"parameter {name!r}: step must be above zero")
    if (fields.get("min") is not None and fields.get("max") is not None
            and fields["min"] > fields["max"]):
        raise _format_error(f"parameter {name!r}: min {_plain_number(fields['min'])} is above "
                            f"max {_plain_number(fields['max'])}")
    if options.get("max_length") is not None:
        limit = options["max_length"]
        if kind != "str" or isinstance(limit, bool) or not isinstance(limit, int) or not (
                0 < limit <= MAX_RAW_TEXT):
            raise _format_error(f"parameter {name!r}: max_length applies to str parameters and "
                                f"is a whole number from 1 to {MAX_RAW_TEXT}")
        fields["max_length"] = limit
    fields["choices"] = _choices(name, kind, options.get("choices"))
    parameter = Parameter(name=name, type=kind, **fields)
    default = options.get("default")
    if default is None:
        default = False if kind == "bool" else None
    if default is not None:
        if kind == "decimal" and isinstance(default, float):
            default = repr(default)
        try:
            default = parameter.convert(default)
        except ValidationError as exc:
            raise _format_error(f"parameter {name!r}: default {default!r} is not valid: "
                                f"{exc.message.split(': ', 1)[-1]}") from None
    return Parameter(name=name, type=kind, default=default, **fields)


def _choices(name: str, kind: str, raw: Any) -> tuple[tuple[Any, str], ...] | None:
    if raw is None:
        if kind == "choice":
            raise _format_error(f"parameter {name!r}: a choice parameter needs choices")
        return None
    if kind in ("bool", "str"):
        raise _format_error(f"parameter {name!r}: choices apply to choice, int and decimal "
                            f"parameters, not to {kind}")
    pairs: list[tuple[Any, Any]]
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif isinstance(raw, (list, tuple)):
        pairs = [tuple(c) if isinstance(c, (list, tuple)) and len(c) == 2 else (c, None)
                 for c in raw]
    else:
        raise _format_error(f"parameter {name!r}: choices must be a list or a dict")
    if not pairs or len(pairs) > MAX_CHOICES:
        raise _format_error(f"parameter {name!r}: give from 1 to {MAX_CHOICES} choices")
    result: list[tuple[Any, str]] = []
    for value, label in pairs:
        if kind == "choice":
            if not isinstance(value, str) or not value.strip() or len(value) > 100:
                raise _format_error(f"parameter {name!r}: choice {value!r} must be non-empty "
                                    "text (at most 100 characters)")
            value = value.strip()
        else:
            value = _number_option(name, kind, "choice", value)
        label = _plain_number(value) if label is None else _text_option(name, "choice label",
                                                                         label, 100)
        result.append((value, label))
    values = [value for value, _ in result]
    if len(set(values)) != len(values):
        raise _format_error(f"parameter {name!r}: the choices repeat a value")
    return tuple(result)


# --------------------------------------------------------------------------- the calculator


@dataclass(frozen=True)
class FormulaInfo:
    """How one formula of a formula calculator reads (its value comes with each result)."""

    name: str
    expression: str
    latex: str
    label: str
    unit: str = ""
    line: bool = False
    places: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "expression": self.expression, "latex": self.latex,
                "label": self.label, "unit": self.unit, "line": self.line,
                "places": self.places}


@dataclass(frozen=True)
class CalculatorSpec:
    """What a calculator declares: title, description, kind, parameters (and formulas)."""

    title: str
    description: str
    kind: str
    params: tuple[Parameter, ...]
    formulas: tuple[FormulaInfo, ...] = ()
    _by_name: dict[str, Parameter] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({p.name: p for p in self.params})

    def parameter(self, name: str) -> Parameter | None:
        return self._by_name.get(name)

    def validate(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values for every parameter (defaults filled in).

        Raises :class:`ValidationError` whose ``field`` names the first wrong parameter
        and whose ``details["errors"]`` maps every wrong parameter to its message.
        """
        errors: dict[str, str] = {}
        typed: dict[str, Any] = {}
        for name in values:
            if name not in self._by_name:
                known = ", ".join(self._by_name) or "none"
                errors[str(name)[:60]] = (f"{str(name)[:60]}: unknown parameter "
                                          f"(parameters: {known})")
        for parameter in self.params:
            raw = values.get(parameter.name)
            if raw is None or (isinstance(raw, str) and raw.strip() == ""
                               and parameter.type not in ("str", "bool")):
                if parameter.required:
                    errors[parameter.name] = f"{parameter.name}: a value is required"
                    continue
                typed[parameter.name] = parameter.default
                continue
            try:
                typed[parameter.name] = parameter.convert(raw)
            except ValidationError as exc:
                errors[parameter.name] = exc.message
        if errors:
            first = next(iter(errors))
            raise ValidationError(errors[first], field=first, details={"errors": errors})
        return typed

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "description": self.description, "kind": self.kind,
                "params": [p.to_dict() for p in self.params],
                "formulas": [f.to_dict() for f in self.formulas]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalculatorSpec:
        """Rebuild (and re-check) a description that crossed a process boundary."""
        if not isinstance(data, Mapping):
            raise _format_error("the calculator description is not a mapping")
        title, description = data.get("title"), data.get("description", "")
        kind = data.get("kind")
        if not isinstance(title, str) or not title or len(title) > 200:
            raise _format_error("the calculator has no title")
        if not isinstance(description, str) or len(description) > 10_000:
            raise _format_error("the calculator's description is not text")
        if kind not in KINDS:
            raise _format_error(f"unknown calculator kind {kind!r}")
        raw_params = data.get("params") or []
        raw_formulas = data.get("formulas") or []
        if not isinstance(raw_params, list) or len(raw_params) > MAX_PARAMS:
            raise _format_error("the parameters are not a list")
        if not isinstance(raw_formulas, list) or len(raw_formulas) > 200:
            raise _format_error("the formulas are not a list")
        params = tuple(Parameter.from_dict(p) for p in raw_params)
        _check_unique([p.name for p in params], "parameter")
        formulas = []
        for entry in raw_formulas:
            if not isinstance(entry, Mapping):
                raise _format_error("a formula description is not a mapping")
            texts: dict[str, Any] = {key: entry.get(key) for key in (
                "name", "expression", "latex", "label", "unit")}
            if not all(isinstance(v, str) and len(v) <= 5000 for v in texts.values()):
                raise _format_error("a formula description is not text")
            places = entry.get("places")
            if places is not None and (isinstance(places, bool) or not isinstance(places, int)
                                       or not 0 <= places <= 12):
                raise _format_error("a formula's places are not a whole number from 0 to 12")
            formulas.append(FormulaInfo(line=bool(entry.get("line")), places=places, **texts))
        return cls(title=title, description=description, kind=kind, params=params,
                   formulas=tuple(formulas))


def _check_unique(names: list[str], what: str, nodes: list[ast.AST] | None = None) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise _format_error(f"{what} {name!r} is declared twice",
                                nodes[index] if nodes else None)
        seen.add(name)


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class ParsedCalculator:
    """A calculator file read by :func:`parse_calculator`."""

    spec: CalculatorSpec
    tree: ast.Module
    #: For formula calculators: ``(name, expression node, options)`` in order.
    formula_nodes: tuple[tuple[str, ast.expr, dict[str, Any], int], ...] = ()


def check_source(source: Any) -> str:
    if not isinstance(source, str):
        raise CalculatorError("a calculator is Python source text", code="format")
    if len(source) > MAX_SOURCE:
        raise CalculatorError(f"the calculator is {len(source)} characters long; at most "
                              f"{MAX_SOURCE} are accepted", code="too_large")
    return source


def parse_tree(source: str, filename: str = "<calculator>") -> ast.Module:
    """The syntax tree, or a ``syntax`` error with its line. Deeply nested input that
    exhausts the parser is refused the same way."""
    check_source(source)
    try:
        return ast.parse(source, filename=filename, mode="exec")
    except SyntaxError as exc:
        raise CalculatorError(f"syntax error: {exc.msg}", code="syntax",
                              line=exc.lineno) from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        raise CalculatorError(f"the calculator cannot be parsed: {type(exc).__name__}: "
                              f"{clip(str(exc), 200)}", code="syntax") from None


def _literal(node: ast.AST, what: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise _format_error(f"{what} must be a literal value (a number, text, True/False, "
                            "a list or a dict)", node) from None


def _call_arguments(call: ast.AST, function: str, what: str) -> tuple[list[Any], dict[str, Any]]:
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == function):
        raise _format_error(f"each entry of {what} is a {function}(...) call", call)
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords):
        raise _format_error(f"{function}(...) takes plain arguments, not * or **", call)
    args = [_literal(a, f"an argument of {function}(...)") for a in call.args]
    kwargs: dict[str, Any] = {}
    for kw in call.keywords:
        assert kw.arg is not None  # ** was refused above
        if kw.arg in kwargs:
            raise _format_error(f"{function}(...): {kw.arg} is given twice", call)
        kwargs[kw.arg] = _literal(kw.value, f"{function}(..., {kw.arg}=...)")
    return args, kwargs


def _declared_list(tree: ast.Module, name: str) -> tuple[ast.Assign | None, list[ast.AST]]:
    found: ast.Assign | None = None
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id == name:
                if found is not None or not isinstance(node, ast.Assign) or len(
                        node.targets) != 1:
                    raise _format_error(f"{name} is assigned more than once", node)
                found = node
    if found is None:
        return None, []
    if not isinstance(found.value, (ast.List, ast.Tuple)):
        raise _format_error(f"{name} must be a list: {name} = [...]", found)
    return found, list(found.value.elts)


def _title_and_description(tree: ast.Module) -> tuple[str, str]:
    docstring = ast.get_docstring(tree, clean=True)
    if not docstring or not docstring.strip():
        raise _format_error("the calculator needs a docstring: its first line is the title",
                            line=1)
    lines = docstring.strip().splitlines()
    title = lines[0].strip()
    if len(title) > 200:
        raise _format_error("the title (the docstring's first line) is longer than 200 "
                            "characters", line=1)
    description = "\n".join(lines[1:]).strip()
    if len(description) > 10_000:
        raise _format_error("the description is longer than 10,000 characters", line=1)
    return title, description


def _parameters(tree: ast.Module) -> tuple[Parameter, ...]:
    _assign, entries = _declared_list(tree, "params")
    if len(entries) > MAX_PARAMS:
        raise _format_error(f"at most {MAX_PARAMS} parameters are allowed", _assign)
    params = []
    for entry in entries:
        args, kwargs = _call_arguments(entry, "param", "params")
        if len(args) != 2:
            raise _format_error('param(...) starts with the name and the type: '
                                'param("height", "int", ...)', entry)
        try:
            params.append(declare_parameter(args[0], args[1], kwargs))
        except CalculatorError as exc:
            exc.line = getattr(entry, "lineno", None)
            raise
    _check_unique([p.name for p in params], "parameter", list(entries))
    return tuple(params)


def _check_calculate(function: ast.FunctionDef, params: tuple[Parameter, ...]) -> None:
    arguments = function.args
    if arguments.posonlyargs:
        raise _format_error("calculate() takes its parameters by name: no '/' in its "
                            "signature", function)
    named = arguments.args + arguments.kwonlyargs
    accepted = {a.arg for a in named}
    declared = {p.name for p in params}
    if arguments.kwarg is None:
        missing = [p.name for p in params if p.name not in accepted]
        if missing:
            raise _format_error(f"calculate() does not take the declared parameter "
                                f"{missing[0]!r}: add it to its arguments (or **params)",
                                function)
    defaults = len(arguments.defaults)
    without_default = [a.arg for a in arguments.args[:len(arguments.args) - defaults]]
    without_default += [a.arg for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults)
                        if d is None]
    unknown = [name for name in without_default if name not in declared]
    if unknown:
        raise _format_error(f"calculate() takes {unknown[0]!r}, which is not a declared "
                            "parameter", function)


def parse_calculator(source: str, filename: str = "<calculator>") -> ParsedCalculator:
    """Read a calculator file: title, description, parameters and kind.

    Nothing in the file is executed. Raises :class:`CalculatorError` (code ``format``,
    ``syntax`` or ``too_large``) with the line of the problem.
    """
    tree = parse_tree(source, filename)
    title, description = _title_and_description(tree)
    params = _parameters(tree)
    calculate = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "calculate"]
    formulas_assign, formula_entries = _declared_list(tree, "formulas")
    if calculate and formulas_assign is not None:
        raise _format_error("a calculator has either a calculate() function or formulas, "
                            "not both", formulas_assign)
    if len(calculate) > 1:
        raise _format_error("calculate() is defined twice", calculate[1])
    if calculate:
        _check_calculate(calculate[0], params)
        spec = CalculatorSpec(title=title, description=description, kind="script",
                              params=params)
        return ParsedCalculator(spec=spec, tree=tree)
    if formulas_assign is None:
        raise _format_error("the calculator needs a calculate() function or a list of "
                            "formulas", line=1)
    for node in tree.body:
        allowed = (node is formulas_assign
                   or (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                       and node.targets[0].id == "params")
                   or (node is tree.body[0] and isinstance(node, ast.Expr)))
        if not allowed:
            raise _format_error("a formula calculator holds only its docstring, params and "
                                "formulas", node)
    nodes = []
    for entry in formula_entries:
        if not (isinstance(entry, ast.Call) and isinstance(entry.func, ast.Name)
                and entry.func.id == "formula"):
            raise _format_error("each entry of formulas is a formula(...) call", entry)
        args, kwargs = _call_arguments(entry, "formula", "formulas")
        if len(args) != 2 or not all(isinstance(a, str) for a in args):
            raise _format_error('formula(...) starts with the name and the expression text: '
                                'formula("area", "height * width / 10**6")', entry)
        nodes.append((args[0], args[1], kwargs, entry.lineno))
    from ordercraft.core.calc.formula import read_formulas

    infos, expressions = read_formulas(nodes, params)
    spec = CalculatorSpec(title=title, description=description, kind="formula",
                          params=params, formulas=infos)
    return ParsedCalculator(spec=spec, tree=tree, formula_nodes=expressions)
