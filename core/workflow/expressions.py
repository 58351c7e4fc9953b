"""Conditions written by administrators: a small, safe expression language.

Process templates branch on conditions such as ``total > 10000 and client_tag in
['school', 'dealer']``, and transitions may carry one as a guard. The text is parsed
with :mod:`ast` and only a whitelist of node types is accepted: comparisons (``==
!= < <= > >=``, ``in``, ``not in``), ``and``/``or``/``not``, arithmetic on numbers
(``+ - * / // %``, unary ``-``), field names, and literals (numbers, strings,
``true``/``false``/``null``, lists). Nothing else: no calls, attributes, subscripts,
power, lambdas or comprehensions, so an expression can neither reach Python objects
nor run for long. It is never passed to ``eval``.

Numbers are :class:`~decimal.Decimal` (``0.1 + 0.2 == 0.3`` holds), as money is.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, DivisionByZero, InvalidOperation
from functools import lru_cache
from typing import Any

from ordercraft.core.errors import ValidationError

MAX_LENGTH = 1000
MAX_NODES = 200

#: Names that are literals, not fields.
CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None,
                             "True": True, "False": False, "None": None}

ALLOWED_SUMMARY = ("comparisons (== != < <= > >= in, not in), and/or/not, arithmetic "
                   "(+ - * / // %), field names and literals")

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in",
}
_FORBIDDEN_NAMES: dict[type[ast.AST], str] = {
    ast.Call: "a function call", ast.Attribute: "an attribute ('.')",
    ast.Subscript: "a subscript ('[...]' after a value)", ast.Lambda: "a lambda",
    ast.IfExp: "an 'if ... else' expression", ast.Dict: "a dictionary",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension",
    ast.NamedExpr: "an assignment (':=')", ast.Starred: "'*'", ast.JoinedStr: "an f-string",
    ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield'",
}


class ExpressionError(ValidationError):
    """An expression that cannot be parsed, uses something not allowed, or fails."""

    code = "bad_expression"


@dataclass(frozen=True)
class Expression:
    """A parsed expression, checked against the whitelist; evaluate it with :meth:`evaluate`."""

    source: str
    tree: ast.Expression
    #: The field names it reads.
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, Any] | Callable[[str], Any]) -> Any:
        """The value of the expression; ``values`` maps (or is a function from) field names."""
        lookup = values.__getitem__ if isinstance(values, Mapping) else values
        return _Evaluator(self.source, lookup).visit(self.tree.body)

    def test(self, values: Mapping[str, Any] | Callable[[str], Any]) -> bool:
        """The expression read as a condition."""
        return bool(self.evaluate(values))

    def __str__(self) -> str:
        return self.source


def compile_expression(source: Any, *, fields: Iterable[str] | None = None,
                       what: str = "condition") -> Expression:
    """Parse and check ``source``.

    :param fields: the field names the expression may read; ``None`` accepts any name
        (checked when evaluated).
    :param what: how error messages call the expression (``"condition"``, ``"when"``).
    :raises ExpressionError: with a message naming the expression and the problem.
    """
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError(f"{what}: {source!r} is not an expression (a non-empty text is "
                              "needed)", field=what)
    text = source.strip()
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"{what}: the expression is {len(text)} characters long; at most "
                              f"{MAX_LENGTH} are allowed", field=what)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"{what} {text!r} is not a valid expression: "
                              f"{exc.msg}{where}", field=what) from None
    names: set[str] = set()
    count = 0
    for node in ast.walk(tree):
        count += 1
        _check_node(node, text, what)
        if isinstance(node, ast.Name) and node.id not in CONSTANTS:
            names.add(node.id)
    if count > MAX_NODES:
        raise ExpressionError(f"{what} {text!r} is too complex ({count} parts; at most "
                              f"{MAX_NODES})", field=what)
    if fields is not None:
        known = set(fields)
        unknown = sorted(names - known)
        if unknown:
            raise ExpressionError(
                f"{what} {text!r} reads unknown field {unknown[0]!r} (fields: "
                f"{', '.join(sorted(known)) or 'none'})", field=what,
                details={"unknown": unknown})
    return Expression(text, tree, frozenset(names))


@lru_cache(maxsize=1024)
def cached_expression(source: str, fields: frozenset[str] | None = None,
                      what: str = "condition") -> Expression:
    """:func:`compile_expression` remembered: guards run on every page with buttons."""
    return compile_expression(source, fields=fields, what=what)


def _check_node(node: ast.AST, text: str, what: str) -> None:
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
               ast.UAdd, ast.BinOp, ast.Compare, ast.Name, ast.Load, ast.Constant, ast.List,
               ast.Tuple, ast.Set, *_BINARY, *_COMPARE)
    if isinstance(node, allowed):
        if isinstance(node, ast.Constant) and not isinstance(node.value,
                                                             (str, int, float, bool, type(None))):
            raise ExpressionError(f"{what} {text!r}: literal {node.value!r} is not allowed",
                                  field=what)
        return
    label = next((name for kind, name in _FORBIDDEN_NAMES.items() if isinstance(node, kind)),
                 None)
    if label is None:
        if isinstance(node, ast.Pow):
            label = "'**'"
        elif isinstance(node, (ast.Is, ast.IsNot)):
            label = "'is' (use == or !=)"
        elif isinstance(node, (ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift,
                               ast.Invert, ast.MatMult)):
            label = "a bitwise operator (use and/or/not)"
        else:
            label = f"'{type(node).__name__}'"
    raise ExpressionError(f"{what} {text!r} uses {label}, which is not allowed (allowed: "
                          f"{ALLOWED_SUMMARY})", field=what)


def to_number(value: Any) -> Any:
    """Numbers become Decimal so arithmetic is exact; everything else is left as it is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, (date, datetime)):
        return "a date"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list"
    return type(value).__name__


class _Evaluator:
    def __init__(self, source: str, lookup: Callable[[str], Any]) -> None:
        self.source = source
        self.lookup = lookup

    def fail(self, message: str) -> ExpressionError:
        return ExpressionError(f"condition {self.source!r}: {message}", field="condition")

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            value = to_number(node.value)
            if isinstance(value, Decimal) and not value.is_finite():
                raise self.fail(f"{node.value!r} is not a finite number")
            return value
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            try:
                return to_number(self.lookup(node.id))
            except KeyError:
                raise self.fail(f"unknown field {node.id!r}") from None
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [self.visit(element) for element in node.elts]
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return all(bool(self.visit(value)) for value in node.values)
            return any(bool(self.visit(value)) for value in node.values)
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand)
            if isinstance(node.op, ast.Not):
                return not operand
            if not isinstance(operand, Decimal):
                raise self.fail(f"unary minus or plus needs a number, not {_describe(operand)}")
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            symbol = _SYMBOLS[type(node.op)]
            if not (isinstance(left, Decimal) and isinstance(right, Decimal)):
                raise self.fail(f"'{symbol}' needs two numbers, not {_describe(left)} and "
                                f"{_describe(right)}")
            try:
                return _BINARY[type(node.op)](left, right)
            except (DivisionByZero, InvalidOperation, ZeroDivisionError):
                raise self.fail(f"'{symbol}' by zero") from None
        if isinstance(node, ast.Compare):
            left = self.visit(node.left)
            for op, comparator in zip(node.ops, node.comparators):
                right = self.visit(comparator)
                if not self._compare(op, left, right):
                    return False
                left = right
            return True
        raise self.fail(f"'{type(node).__name__}' is not allowed")  # unreachable after checks

    def _compare(self, op: ast.cmpop, left: Any, right: Any) -> bool:
        symbol = _SYMBOLS[type(op)]
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, str):
                if not isinstance(left, str):
                    raise self.fail(f"'{symbol}' a text needs a text on the left, not "
                                    f"{_describe(left)}")
            elif not isinstance(right, (list, tuple, set, frozenset)):
                raise self.fail(f"'{symbol}' needs a list or a text on the right, not "
                                f"{_describe(right)}")
            else:
                right = [to_number(v) for v in right]
            return bool(_COMPARE[type(op)](left, right))
        if isinstance(op, (ast.Eq, ast.NotEq)):
            return bool(_COMPARE[type(op)](left, right))
        if left is None or right is None:
            # An empty field is neither greater nor smaller than anything.
            return False
        comparable = (isinstance(left, Decimal) and isinstance(right, Decimal)) or (
            isinstance(left, str) and isinstance(right, str)) or (
            isinstance(left, (date, datetime)) and type(left) is type(right))
        if not comparable:
            raise self.fail(f"cannot compare {_describe(left)} with {_describe(right)} "
                            f"using '{symbol}'")
        return bool(_COMPARE[type(op)](left, right))
