"""Formula calculators: named formulas over the parameters, exact and explainable.

::

    formulas = [
        formula("area", "width * depth / 10**6", unit="m2", label="Board area"),
        formula("board", "count * area * price('board-oak-18')", line=True,
                label="Oak board"),
        formula("total", "board + count * price('cutting-service')"),
    ]

Each expression is parsed with :mod:`ast` and checked against a whitelist: numbers,
text, parameter names and earlier formulas, ``+ - * / // % **`` (an exponent is a
whole-number literal of at most 64), comparisons, ``and``/``or``/``not``,
``a if condition else b`` and the functions ``price``, ``min``, ``max``, ``abs``,
``ceil``, ``floor``, ``round``, ``sqrt``. Nothing else parses; user text never goes
to ``eval``, ``sympify`` or ``parse_expr``.

From the checked tree come two things:

* a *sympy* expression built node by node (``evaluate=False``, so it reads as the
  author wrote it), rendered once per script as LaTeX for proposals;
* a small code object, compiled once, that evaluates the formula with exact
  rational arithmetic (:class:`fractions.Fraction`) over the parameters and catalog
  prices; values leave as Decimal, rounded only at the end.

Both happen inside a calculator worker, under its time and memory limits.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from types import CodeType
from typing import TYPE_CHECKING, Any, cast

from ordercraft.core.calc.errors import CalculatorError

if TYPE_CHECKING:
    from ordercraft.core.calc.format import FormulaInfo, Parameter

MAX_FORMULAS = 100
MAX_EXPRESSION = 2000
MAX_NODES = 400
MAX_NESTING = 40
MAX_EXPONENT = 64
FORMULA_OPTIONS = frozenset({"label", "unit", "line", "places"})
LINE_KINDS = ("part", "operation", "other")

#: name -> (fewest, most) arguments
FUNCTIONS: dict[str, tuple[int, int]] = {
    "price": (1, 1), "min": (2, 20), "max": (2, 20), "abs": (1, 1), "ceil": (1, 1),
    "floor": (1, 1), "round": (1, 2), "sqrt": (1, 1),
}
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
               ast.Mod: "%", ast.FloorDiv: "//"}
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_EQUALITY = (ast.Eq, ast.NotEq)
_ALLOWED = ("numbers, text, parameters and earlier formulas, + - * / // % **, comparisons, "
            "and/or/not, 'a if condition else b', and the functions "
            + ", ".join(FUNCTIONS))


class _Fail(Exception):
    pass


def _param_type(parameter: Parameter) -> str:
    return {"int": "num", "decimal": "num", "bool": "bool"}.get(parameter.type, "str")


class _Checker:
    """Whitelist and type check of one expression: each node is num, str or bool."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names
        self.nodes = 0

    def check(self, node: ast.AST, depth: int = 0) -> str:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Fail(f"the expression has more than {MAX_NODES} parts")
        if depth > MAX_NESTING:
            raise _Fail(f"the expression is nested deeper than {MAX_NESTING} levels")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise _Fail(f"{type(node).__name__} is not allowed in formulas (allowed: "
                        f"{_ALLOWED})")
        return cast(str, method(node, depth + 1))

    def _Constant(self, node: ast.Constant, depth: int) -> str:
        value = node.value
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            if abs(value) > 10**30:
                raise _Fail(f"the number {value} is out of range")
            return "num"
        if isinstance(value, float):
            if not math.isfinite(value) or abs(value) > 1e30:
                raise _Fail(f"the number {value!r} is out of range")
            return "num"
        if isinstance(value, str):
            if len(value) > 100:
                raise _Fail("a text in a formula is longer than 100 characters")
            return "str"
        raise _Fail(f"{value!r} is not allowed in formulas")

    def _Name(self, node: ast.Name, depth: int) -> str:
        if node.id not in self.names:
            known = ", ".join(self.names) or "none"
            raise _Fail(f"unknown name {node.id!r} (parameters and earlier formulas: {known})")
        return self.names[node.id]

    def _BinOp(self, node: ast.BinOp, depth: int) -> str:
        if type(node.op) not in _ARITHMETIC:
            raise _Fail(f"the operator {type(node.op).__name__} is not allowed in formulas "
                        f"(allowed: {' '.join(_ARITHMETIC.values())})")
        left = self.check(node.left, depth)
        if isinstance(node.op, ast.Pow):
            exponent = _integer_literal(node.right)
            if exponent is None or abs(exponent) > MAX_EXPONENT:
                raise _Fail(f"an exponent must be a whole number from -{MAX_EXPONENT} to "
                            f"{MAX_EXPONENT} written in the formula")
            self.check(node.right, depth)
            right = "num"
        else:
            right = self.check(node.right, depth)
        if isinstance(node.op, ast.Add) and left == right == "str":
            return "str"
        if "str" in (left, right):
            raise _Fail(f"text cannot be used with {_ARITHMETIC[type(node.op)]} (only + joins "
                        "two texts)")
        return "num"

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> str:
        operand = self.check(node.operand, depth)
        if isinstance(node.op, ast.Not):
            if operand == "str":
                raise _Fail("'not' applies to conditions, not to text")
            return "bool"
        if isinstance(node.op, (ast.USub, ast.UAdd)) and operand != "str":
            return "num"
        raise _Fail(f"the operator {type(node.op).__name__} is not allowed in formulas")

    def _Compare(self, node: ast.Compare, depth: int) -> str:
        kinds = [self.check(node.left, depth)] + [self.check(c, depth) for c in node.comparators]
        for index, op in enumerate(node.ops):
            left, right = kinds[index], kinds[index + 1]
            if isinstance(op, _ORDERING):
                if "str" in (left, right):
                    raise _Fail("text can be compared only with == and !=")
            elif isinstance(op, _EQUALITY):
                if (left == "str") != (right == "str"):
                    raise _Fail("text can be compared only with text")
            else:
                raise _Fail(f"the comparison {type(op).__name__} is not allowed in formulas")
        return "bool"

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> str:
        for value in node.values:
            if self.check(value, depth) == "str":
                raise _Fail("and/or combine conditions, not text")
        return "bool"

    def _IfExp(self, node: ast.IfExp, depth: int) -> str:
        if self.check(node.test, depth) == "str":
            raise _Fail("the condition of 'a if condition else b' cannot be text")
        body, orelse = self.check(node.body, depth), self.check(node.orelse, depth)
        if (body == "str") != (orelse == "str"):
            raise _Fail("both branches of 'a if condition else b' must be numbers, or both text")
        return "str" if body == "str" else "num"

    def _Call(self, node: ast.Call, depth: int) -> str:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise _Fail(f"only these functions can be called in formulas: "
                        f"{', '.join(FUNCTIONS)}")
        name = node.func.id
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise _Fail(f"{name}() takes plain arguments")
        fewest, most = FUNCTIONS[name]
        if not fewest <= len(node.args) <= most:
            raise _Fail(f"{name}() takes {fewest}" + (f" to {most}" if most != fewest else "")
                        + " argument" + ("s" if most > 1 else ""))
        kinds = [self.check(a, depth) for a in node.args]
        if name == "price":
            if kinds[0] != "str":
                raise _Fail("price() takes a sku: text, or text joined with a parameter")
            return "num"
        if name == "round" and len(node.args) == 2:
            places = _integer_literal(node.args[1])
            if places is None or not 0 <= places <= 12:
                raise _Fail("round(x, places) takes places as a whole number from 0 to 12")
        if "str" in kinds:
            raise _Fail(f"{name}() takes numbers")
        return "num"


def _integer_literal(node: ast.AST) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _integer_literal(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _depth_ok(tree: ast.AST) -> bool:
    """Nesting measured without recursion (the checker recurses only below the cap)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING + 5:
            return False
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return True


def _parse(text: str) -> ast.Expression:
    """The expression's tree, within the length and nesting limits (else ``_Fail``)."""
    if len(text) > MAX_EXPRESSION:
        raise _Fail(f"the expression is longer than {MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise _Fail(f"syntax error: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise _Fail("the expression cannot be parsed") from None
    if not _depth_ok(tree):
        raise _Fail(f"the expression is nested deeper than {MAX_NESTING} levels")
    return tree


def _options(name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - FORMULA_OPTIONS)
    if unknown:
        raise _Fail(f"unknown option {unknown[0]!r} (options: {', '.join(sorted(FORMULA_OPTIONS))})")
    label = options.get("label") or name.replace("_", " ").capitalize()
    unit = options.get("unit") or ""
    if not isinstance(label, str) or len(label) > 100:
        raise _Fail("label must be text of at most 100 characters")
    if not isinstance(unit, str) or len(unit) > 20:
        raise _Fail("unit must be text of at most 20 characters")
    line = options.get("line", False)
    if line is True:
        line = "other"
    if line is not False and line not in LINE_KINDS:
        raise _Fail(f"line is True or one of {', '.join(LINE_KINDS)}")
    places = options.get("places")
    if places is not None and (isinstance(places, bool) or not isinstance(places, int)
                               or not 0 <= places <= 12):
        raise _Fail("places is a whole number from 0 to 12")
    return {"label": label, "unit": unit, "line": line, "places": places}


def read_formulas(entries: list[tuple[str, str, dict[str, Any], int]],
                  params: tuple[Parameter, ...]
                  ) -> tuple[tuple[FormulaInfo, ...], tuple[tuple[str, ast.expr, dict[str, Any], int], ...]]:
    """Check the declared formulas; return their descriptions and checked trees.

    ``entries`` are ``(name, expression text, options, line)`` in file order.
    """
    from ordercraft.core.calc.format import NAME_PATTERN, RESERVED_NAMES, FormulaInfo

    if not entries:
        raise CalculatorError("formulas is empty: declare at least the formula 'total'",
                              code="format")
    if len(entries) > MAX_FORMULAS:
        raise CalculatorError(f"at most {MAX_FORMULAS} formulas are allowed", code="format",
                              line=entries[MAX_FORMULAS][3])
    names: dict[str, str] = {p.name: _param_type(p) for p in params}
    infos: list[FormulaInfo] = []
    checked: list[tuple[str, ast.expr, dict[str, Any], int]] = []
    for name, text, options, lineno in entries:
        try:
            if not NAME_PATTERN.match(name) or (name in RESERVED_NAMES and name != "total"):
                raise _Fail("use lower-case letters, digits and '_', starting with a letter; "
                            "not a name the runtime reserves")
            if name in names:
                raise _Fail("the name is already a parameter or an earlier formula")
            opts = _options(name, options)
            tree = _parse(text)
            kind = _Checker(names).check(tree.body)
            if (name == "total" or opts["line"]) and kind != "num":
                raise _Fail("the total and line formulas must be numbers")
        except _Fail as exc:
            raise CalculatorError(f"formula {name!r}: {exc}", code="format",
                                  line=lineno) from None
        names[name] = kind
        latex = render_latex(tree.body, names)
        infos.append(FormulaInfo(name=name, expression=ast.unparse(tree.body), latex=latex,
                                 **opts))
        checked.append((name, tree.body, opts, lineno))
    if "total" not in names or names["total"] != "num" or checked[-1][0] != "total":
        raise CalculatorError("the last formula is the price: formula(\"total\", ...)",
                              code="format", line=entries[-1][3])
    return tuple(infos), tuple(checked)


# --------------------------------------------------------------------------- rendering


def render_latex(node: ast.expr, names: Mapping[str, str]) -> str:
    """LaTeX of a checked expression, via a sympy tree built without evaluation."""
    try:
        import sympy

        symbols: dict[str, Any] = {}
        expression = _to_sympy(sympy, node, symbols)
        symbol_names = {symbol: _latex_name(name) for name, symbol in symbols.items()}
        return cast(str, sympy.latex(expression, symbol_names=symbol_names, order="none"))
    except Exception:  # noqa: BLE001 - rendering must never make a valid formula fail
        return r"\text{" + _latex_escape(ast.unparse(node)) + "}"


def _latex_escape(text: str) -> str:
    for char, escaped in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("{", r"\{"),
                          ("}", r"\}"), ("#", r"\#"), ("$", r"\$"), ("%", r"\%"),
                          ("&", r"\&"), ("^", r"\^{}"), ("~", r"\~{}")):
        text = text.replace(char, escaped)
    return text


def _latex_name(name: str) -> str:
    return name if len(name) == 1 else r"\mathrm{" + _latex_escape(name) + "}"


def _to_sympy(sp: Any, node: ast.AST, symbols: dict[str, Any]) -> Any:
    def go(n: ast.AST) -> Any:
        return _to_sympy(sp, n, symbols)

    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return sp.true if value else sp.false
        if isinstance(value, str):
            return sp.Symbol(r"\text{``" + _latex_escape(value) + "''}")
        number = Decimal(str(value))  # a float as it was written
        if number == number.to_integral_value():
            return sp.Integer(int(number))
        return sp.Float(format(number.normalize(), "f"), max(15, len(str(number))))
    if isinstance(node, ast.Name):
        if node.id not in symbols:
            symbols[node.id] = sp.Symbol(node.id)
        return symbols[node.id]
    if isinstance(node, ast.BinOp):
        left, right = go(node.left), go(node.right)
        op = type(node.op)
        if op is ast.Add:
            return sp.Add(left, right, evaluate=False)
        if op is ast.Sub:
            return sp.Add(left, sp.Mul(-1, right, evaluate=False), evaluate=False)
        if op is ast.Mult:
            return sp.Mul(left, right, evaluate=False)
        if op is ast.Div:
            return sp.Mul(left, sp.Pow(right, -1, evaluate=False), evaluate=False)
        if op is ast.Pow:
            return sp.Pow(left, right, evaluate=False)
        if op is ast.Mod:
            return sp.Mod(left, right, evaluate=False)
        return sp.floor(sp.Mul(left, sp.Pow(right, -1, evaluate=False), evaluate=False),
                        evaluate=False)
    if isinstance(node, ast.UnaryOp):
        operand = go(node.operand)
        if isinstance(node.op, ast.USub):
            return sp.Mul(-1, operand, evaluate=False)
        if isinstance(node.op, ast.Not):
            return sp.Not(operand)
        return operand
    if isinstance(node, ast.Compare):
        relations = {ast.Lt: sp.StrictLessThan, ast.LtE: sp.LessThan,
                     ast.Gt: sp.StrictGreaterThan, ast.GtE: sp.GreaterThan,
                     ast.Eq: sp.Eq, ast.NotEq: sp.Ne}
        parts = [go(node.left)] + [go(c) for c in node.comparators]
        terms = [relations[type(op)](parts[i], parts[i + 1], evaluate=False)
                 for i, op in enumerate(node.ops)]
        return terms[0] if len(terms) == 1 else sp.And(*terms, evaluate=False)
    if isinstance(node, ast.BoolOp):
        combine = sp.And if isinstance(node.op, ast.And) else sp.Or
        return combine(*[go(v) for v in node.values], evaluate=False)
    if isinstance(node, ast.IfExp):
        return sp.Piecewise((go(node.body), go(node.test)), (go(node.orelse), True),
                            evaluate=False)
    if isinstance(node, ast.Call):
        name = node.func.id  # type: ignore[attr-defined]
        args = [go(a) for a in node.args]
        if name == "min":
            return sp.Min(*args, evaluate=False)
        if name == "max":
            return sp.Max(*args, evaluate=False)
        if name == "abs":
            return sp.Abs(args[0], evaluate=False)
        if name == "ceil":
            return sp.ceiling(args[0], evaluate=False)
        if name == "floor":
            return sp.floor(args[0], evaluate=False)
        if name == "sqrt":
            return sp.Pow(args[0], sp.Rational(1, 2), evaluate=False)
        return sp.Function(name)(*args)
    raise TypeError(type(node).__name__)


# --------------------------------------------------------------------------- evaluation


def _fraction(value: Any) -> Fraction:
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, (int, Decimal)):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    raise TypeError(f"not a number: {value!r}")


def _ceil(x: Fraction) -> Fraction:
    return Fraction(math.ceil(x))


def _floor(x: Fraction) -> Fraction:
    return Fraction(math.floor(x))


def _round(x: Fraction, places: Fraction = Fraction(0)) -> Fraction:
    quantum = Decimal(1).scaleb(-int(places))
    return Fraction(to_decimal(x, 40).quantize(quantum, rounding=ROUND_HALF_UP))


def _sqrt(x: Fraction) -> Fraction:
    if x < 0:
        raise ValueError("sqrt() of a negative number")
    with localcontext() as context:
        context.prec = 34
        return Fraction((Decimal(x.numerator) / Decimal(x.denominator)).sqrt())


def _floordiv(a: Fraction, b: Fraction) -> Fraction:
    return Fraction(a // b)


def to_decimal(value: Fraction, precision: int = 40) -> Decimal:
    with localcontext() as context:
        context.prec = precision
        return Decimal(value.numerator) / Decimal(value.denominator)


class _Compiler(ast.NodeTransformer):
    """Rewrite a checked expression for evaluation: numbers become Fraction constants,
    calls and ``//`` go to fixed functions."""

    def __init__(self, constants: dict[str, Any]) -> None:
        self.constants = constants

    def _constant(self, value: Any) -> ast.Name:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return ast.Name(name, ast.Load())

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            return node
        return ast.copy_location(self._constant(_fraction(node.value)), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        node.func = ast.Name(f"_f_{node.func.id}", ast.Load())  # type: ignore[attr-defined]
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.FloorDiv):
            call = ast.Call(ast.Name("_f_floordiv", ast.Load()), [node.left, node.right], [])
            return ast.copy_location(call, node)
        return node

    def _truth(self, node: ast.expr) -> ast.AST:
        # conditions become Fraction 0 or 1, so arithmetic on them stays exact
        self.generic_visit(node)
        return ast.copy_location(ast.Call(ast.Name("_f_truth", ast.Load()), [node], []), node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        return self._truth(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        return self._truth(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if isinstance(node.op, ast.Not):
            return self._truth(node)
        self.generic_visit(node)
        return node


class FormulaProgram:
    """The formulas of one calculator, compiled once and evaluated per run."""

    def __init__(self, checked: tuple[tuple[str, ast.expr, dict[str, Any], int], ...]) -> None:
        self.constants: dict[str, Any] = {}
        self.steps: list[tuple[str, CodeType, dict[str, Any], int]] = []
        for name, node, options, lineno in checked:
            tree = _Compiler(self.constants).visit(ast.Expression(body=_copy(node)))
            ast.fix_missing_locations(tree)
            code = compile(tree, f"<formula {name}>", "eval", dont_inherit=True)
            self.steps.append((name, code, options, lineno))

    def evaluate(self, params: Mapping[str, Any], price: Callable[[str], Decimal]
                 ) -> list[tuple[str, Any, dict[str, Any]]]:
        namespace: dict[str, Any] = dict(self.constants)
        namespace.update({
            "_f_price": lambda sku: Fraction(price(sku)), "_f_min": min, "_f_max": max,
            "_f_abs": abs, "_f_ceil": _ceil, "_f_floor": _floor, "_f_round": _round,
            "_f_sqrt": _sqrt, "_f_floordiv": _floordiv,
            "_f_truth": lambda condition: Fraction(1 if condition else 0),
        })
        for key, value in params.items():
            namespace[key] = value if isinstance(value, str) else _fraction(value)
        values = []
        for name, code, options, lineno in self.steps:
            try:
                value = eval(code, {"__builtins__": {}}, namespace)  # noqa: S307 - checked tree
            except ZeroDivisionError:
                raise CalculatorError(f"formula {name!r}: division by zero", code="script_error",
                                      line=lineno) from None
            except (ValueError, ArithmeticError, TypeError) as exc:
                raise CalculatorError(f"formula {name!r}: {exc}", code="script_error",
                                      line=lineno) from None
            namespace[name] = value
            values.append((name, value, options))
        return values


def _copy(node: ast.expr) -> ast.expr:
    return ast.parse(ast.unparse(node), mode="eval").body


def display_value(value: Any, places: int | None) -> Any:
    """A formula's value as plain data: numbers as exact-looking decimal text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return value
    number = to_decimal(_fraction(value) if not isinstance(value, Fraction) else value)
    if abs(number.adjusted()) > 30 and number != 0:
        raise CalculatorError(f"a formula value is out of range: {number:.3e}",
                              code="script_error")
    if places is not None:
        return format(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")
    rounded = number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).normalize()
    return format(rounded, "f")


# --------------------------------------------------------------------------- arithmetic only

#: The functions an arithmetic expression may call (no ``price``: no catalog here).
ARITHMETIC_FUNCTIONS = ("min", "max", "abs", "round")


class _ArithmeticChecker(_Checker):
    """The whitelist of :func:`arithmetic_expression`: numbers, the given names,
    ``+ - * /`` and ``**`` (whole-number literal exponents), unary ``-``/``+`` and
    ``min``, ``max``, ``abs``, ``round``. Text, comparisons, conditions and every other
    function are refused."""

    def __init__(self, names: Mapping[str, str], noun: str) -> None:
        super().__init__(names)
        self.noun = noun

    def check(self, node: ast.AST, depth: int = 0) -> str:
        if getattr(self, f"_{type(node).__name__}", None) is None:
            raise _Fail(f"{type(node).__name__} is not arithmetic (allowed: numbers, "
                        f"{self.noun}s, + - * / **, {', '.join(ARITHMETIC_FUNCTIONS)})")
        return super().check(node, depth)

    def _Name(self, node: ast.Name, depth: int) -> str:
        if node.id not in self.names:
            raise _Fail(f"unknown {self.noun} {node.id!r} (known: "
                        f"{', '.join(self.names) or 'none'})")
        return "num"

    def _Constant(self, node: ast.Constant, depth: int) -> str:
        if isinstance(node.value, (str, bool)):
            raise _Fail(f"{node.value!r} is not a number (only arithmetic is allowed)")
        return super()._Constant(node, depth)

    def _BinOp(self, node: ast.BinOp, depth: int) -> str:
        if isinstance(node.op, (ast.Mod, ast.FloorDiv)):
            raise _Fail(f"the operator {_ARITHMETIC[type(node.op)]} is not allowed "
                        "(allowed: + - * / **)")
        return super()._BinOp(node, depth)

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> str:
        if isinstance(node.op, ast.Not):
            raise _Fail("'not' is not arithmetic")
        return super()._UnaryOp(node, depth)

    def _Compare(self, node: ast.Compare, depth: int) -> str:
        raise _Fail("comparisons are not arithmetic")

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> str:
        raise _Fail("and/or are not arithmetic")

    def _IfExp(self, node: ast.IfExp, depth: int) -> str:
        raise _Fail("'a if condition else b' is not arithmetic")

    def _Call(self, node: ast.Call, depth: int) -> str:
        if not isinstance(node.func, ast.Name) or node.func.id not in ARITHMETIC_FUNCTIONS:
            raise _Fail(f"only these functions can be called: {', '.join(ARITHMETIC_FUNCTIONS)}")
        return super()._Call(node, depth)


class ArithmeticExpression:
    """A checked arithmetic expression over named numbers (see
    :func:`arithmetic_expression`): ``names`` it uses, ``text`` as normalised,
    ``latex`` (rendered by sympy) and ``evaluate(values)``."""

    def __init__(self, text: str, tree: ast.expr, names: tuple[str, ...]) -> None:
        self.text = text
        self.names = names
        self._tree = tree
        self._program = FormulaProgram((("value", tree, {}, 1),))

    @property
    def latex(self) -> str:
        return render_latex(self._tree, dict.fromkeys(self.names, "num"))

    def evaluate(self, values: Mapping[str, Any]) -> Decimal | None:
        """The value over ``values`` (name -> number; a missing name counts 0), exact
        until the end; ``None`` when it divides by zero."""
        params = {name: values.get(name) or 0 for name in self.names}
        try:
            ((_, value, _),) = self._program.evaluate(params, _no_price)
        except CalculatorError as exc:
            if "division by zero" in exc.message:
                return None
            raise
        return to_decimal(value, 34)


def _no_price(sku: str) -> Decimal:  # pragma: no cover - price() never passes the check
    raise CalculatorError("price() is not available here", code="format")


def arithmetic_expression(text: str, names: Any, *, field: str = "formula",
                          noun: str = "name") -> ArithmeticExpression:
    """Check ``text`` as arithmetic over ``names`` (the names it may use; a mapping's
    values, if any, are ignored; ``noun`` is what an unknown one is called in the
    message, ``"metric"`` say) and return it compiled. The same parser and whitelist
    as the formula calculators, narrowed to arithmetic: ``+ - * / **``, numbers, names,
    ``min max abs round``. Anything else, an unknown name or a syntax error is a
    :class:`CalculatorError` (code ``format``) whose ``field`` is ``field`` and whose
    message names the value."""
    allowed = {name: "num" for name in names}
    source = text if isinstance(text, str) else ""
    try:
        if not source.strip():
            raise _Fail("the expression is empty")
        tree = _parse(source)
        _ArithmeticChecker(allowed, noun).check(tree.body)
    except _Fail as exc:
        raise CalculatorError(f"{field}: {source!r}: {exc}", code="format",
                              field=field) from None
    used = tuple(dict.fromkeys(node.id for node in ast.walk(tree.body)
                               if isinstance(node, ast.Name) and node.id in allowed))
    return ArithmeticExpression(ast.unparse(tree.body), tree.body, used)
