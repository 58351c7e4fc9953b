"""The in-process layer of the sandbox: restricted compilation, guards, builtins.

This module runs inside a calculator worker process (see :mod:`.child`), never in
the platform's own process. It is one layer of several:

1. RestrictedPython rewrites the script: names and attributes starting with ``_``
   are refused at compile time, attribute and item access, iteration, writes,
   in-place operators and sequence unpacking go through the guards below. The
   policy additionally refuses classes, ``yield``, ``with``, ``global`` and bare
   ``except:``. Identifiers are NFKC-normalised by Python's parser before any check
   sees them, so full-width look-alikes of ``_`` are caught like ``_`` itself; there is
   no text filtering of the source.
2. The guards allow access by *type*: attributes and items only of plain data
   (numbers, text, lists, dicts, dates, Decimal) and of the module views below;
   exceptions show only ``args``; everything else (functions, types, frames,
   generators, iterators) has no reachable attributes at all. ``format`` and
   ``format_map`` are refused on every object.
3. Builtins are a curated dict copied for every run: no ``type``, ``vars``, ``dir``,
   ``globals``, ``locals``, raw ``getattr``, ``open``, ``eval``, ``exec``, ``compile``,
   ``setattr``, ``object``, ``super``, no ``__build_class__``. A script's ``import``
   statements are compiled into calls of the guard ``_import_``, which serves only
   ``math``, ``decimal`` and ``datetime``, each as a fresh read-only view of a few
   names, never a live module. ``__import__`` is left to the interpreter's own imports
   (``date.strftime`` asks for ``time``): it hands out ``time`` and ``_strptime`` and
   nothing else, and no script can call it. The helpers show only their names
   (``<function price>``).
4. A refused access is *sticky*: even if the script swallows the exception, the run
   ends as a ``forbidden`` error.
5. The interpreter's shared state is closed (:func:`seal_interpreter`, once per
   worker): the codec registry knows only utf-8, ascii and latin-1 and caches nothing
   else, warnings are ignored (no registries), and the caches ``strptime`` fills are
   emptied after a run that used them.

The process around it (another user, no network, rlimits, an environment holding
only the hash seed, the wall-clock kill, one run per worker at a time, replaced after a
limit breach) is the outer layer; see :mod:`.worker` and :mod:`.confine`.
"""

from __future__ import annotations

import ast
import builtins
import codecs
import datetime as _datetime
import decimal
import functools
import importlib
import math
import operator
import re
import sys
import warnings
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from types import CodeType, FrameType, FunctionType
from typing import Any, cast

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer

from ordercraft.core.calc.errors import CalculatorError, clip

FILENAME = "<calculator>"

MAX_LINES = 500
MAX_DETAILS = 200
MAX_DEPTH = 6
MAX_TEXT = 2000
MAX_SKU = 64
CENT = Decimal("0.01")
LINE_KINDS = ("part", "operation", "other")


def decimal_context() -> decimal.Context:
    """The arithmetic every run starts with (a new object each time: flags never carry
    over from one run to the next)."""
    return decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN, Emax=999_999,
                           Emin=-999_999, traps=[decimal.InvalidOperation,
                                                 decimal.DivisionByZero, decimal.Overflow])


# --------------------------------------------------------------------------- exceptions


class SandboxViolation(BaseException):
    """A refused access. A BaseException, so ``except Exception`` in a script does not
    swallow it (and the run is failed anyway: violations are recorded)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class OutputLimit(BaseException):
    """The script printed more than the run allows."""


class UnknownSku(LookupError):
    """``price()``/``item()`` asked for a sku the catalog does not have."""

    def __init__(self, sku: str) -> None:
        super().__init__(f"the catalog has no item with sku {sku!r}")
        self.sku = sku

    def __repr__(self) -> str:
        return f"LookupError({self.args[0]!r})"


# --------------------------------------------------------------------------- compile


class CalculatorPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, narrowed to what a pricing script needs."""

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.error(node, "classes are not available in calculators")

    def visit_Yield(self, node: ast.Yield) -> Any:
        self.error(node, "yield is not available in calculators (generator expressions are)")

    def visit_YieldFrom(self, node: ast.YieldFrom) -> Any:
        self.error(node, "yield is not available in calculators")

    def visit_With(self, node: ast.With) -> Any:
        self.error(node, "with statements are not available in calculators")

    def visit_Global(self, node: ast.Global) -> Any:
        self.error(node, "global statements are not available in calculators")

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        if node.type is None:
            self.error(node, "a bare 'except:' is not allowed: name the exceptions to catch")
        return super().visit_ExceptHandler(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr in _DENIED_NAMES:
            self.error(node, f'"{node.attr}" is not available in calculators')
        return super().visit_Attribute(node)

    # A script's imports call the guard ``_import_``, never ``__import__``: that one is
    # left to the interpreter's own imports (see Guards.internal_import).
    def visit_Import(self, node: ast.Import) -> Any:
        errors = len(self.errors)
        checked = super().visit_Import(node)
        if len(self.errors) > errors:
            return checked
        return [_located(ast.Assign(
            targets=[ast.Name(alias.asname or alias.name.partition(".")[0], ast.Store())],
            value=_guard_call("_import_", alias.name)), node) for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        errors = len(self.errors)
        checked = super().visit_ImportFrom(node)
        if len(self.errors) > errors:
            return checked
        names = [alias.name for alias in node.names]
        targets = ast.Tuple([ast.Name(alias.asname or alias.name, ast.Store())
                             for alias in node.names], ast.Store())
        return _located(ast.Assign(targets=[targets], value=_guard_call(
            "_import_", node.module or "", tuple(names), node.level)), node)


def _guard_call(guard: str, *args: Any) -> ast.Call:
    return ast.Call(ast.Name(guard, ast.Load()), [ast.Constant(a) for a in args], [])


def _located(new: ast.stmt, old: ast.stmt) -> ast.stmt:
    for node in ast.walk(new):
        ast.copy_location(node, old)
    return new


_ERROR_LINE = re.compile(r"^Line (\d+|None): (.*)$", re.S)


def compile_script(tree: ast.Module) -> CodeType:
    """Compile a parsed calculator under the restricted policy (the tree is rewritten)."""
    errors: list[str] = []
    try:
        CalculatorPolicy(errors, [], {}).visit(tree)
        if not errors:
            return compile(tree, FILENAME, "exec", dont_inherit=True)
    except (RecursionError, MemoryError) as exc:
        raise CalculatorError(f"the calculator is nested too deeply to compile "
                              f"({type(exc).__name__})", code="syntax") from None
    except (SyntaxError, ValueError) as exc:
        raise CalculatorError(f"the calculator cannot be compiled: {clip(str(exc), 200)}",
                              code="syntax", line=getattr(exc, "lineno", None)) from None
    match = _ERROR_LINE.match(errors[0])
    line = int(match.group(1)) if match and match.group(1).isdigit() else None
    message = match.group(2) if match else errors[0]
    raise CalculatorError(f"not allowed in a calculator: {message}", code="forbidden", line=line)


# --------------------------------------------------------------------------- module views


class ModuleView:
    """A read-only stand-in for a module: a fixed set of names, nothing else."""

    __slots__ = ("_view_name", "_members")

    def __init__(self, name: str, members: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_view_name", name)
        object.__setattr__(self, "_members", dict(members))

    def __getattr__(self, name: str) -> Any:
        members = object.__getattribute__(self, "_members")
        if name.startswith("_") or name not in members:
            raise AttributeError(f"module {self._view_name!r} has no attribute {name!r}")
        return members[name]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"module {self._view_name!r} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"module {self._view_name!r} is read-only")

    def __repr__(self) -> str:
        return f"<module {self._view_name!r}>"


_MATH_MEMBERS = {name: getattr(math, name) for name in dir(math) if not name.startswith("_")}
_DECIMAL_MEMBERS = {
    "Decimal": Decimal, "InvalidOperation": decimal.InvalidOperation,
    "DivisionByZero": decimal.DivisionByZero,
    **{name: getattr(decimal, name) for name in dir(decimal) if name.startswith("ROUND_")},
}
_DATETIME_MEMBERS = {"date": _datetime.date, "datetime": _datetime.datetime,
                     "timedelta": _datetime.timedelta}
IMPORTABLE: dict[str, Mapping[str, Any]] = {
    "math": _MATH_MEMBERS, "decimal": _DECIMAL_MEMBERS, "datetime": _DATETIME_MEMBERS,
}


# --------------------------------------------------------------------------- guards

#: Types whose public attributes a script may read. Exact types: subclasses (which a
#: script cannot define anyway) do not inherit the permission.
_OPEN_TYPES = frozenset({
    str, int, float, bool, Decimal, list, tuple, dict, set, frozenset, range, bytes,
    _datetime.date, _datetime.datetime, _datetime.timedelta,
    type(Decimal(1).as_tuple()), ModuleView,
})
_SUBSCRIPTABLE = frozenset({str, list, tuple, dict, range, bytes, type(Decimal(1).as_tuple())})
_WRITABLE = frozenset({list, dict})
_DENIED_NAMES = frozenset({"format", "format_map", "mro"}) | INSPECT_ATTRIBUTES
#: Class methods that read the clock, reachable from any date instance.
_CLOCK_NAMES = frozenset({"now", "today", "utcnow", "fromtimestamp", "utcfromtimestamp",
                          "astimezone", "timestamp"})
_DATE_TYPES = frozenset({_datetime.date, _datetime.datetime})
#: Attributes of the types themselves a script may use: constructors that read no clock.
_CLASS_ATTRIBUTES: dict[type, frozenset[str]] = {
    _datetime.datetime: frozenset({"strptime", "fromisoformat"}),
    _datetime.date: frozenset({"fromisoformat"})}
#: What the interpreter imports by itself while a script runs: ``date.strftime`` (and a
#: format spec such as ``f"{day:%d.%m.%Y}"``) asks for ``time``, ``strptime`` for
#: ``_strptime``. Loaded before any script runs (:func:`seal_interpreter`).
INTERNAL_MODULES = frozenset({"time", "_strptime"})

_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "<<=": operator.ilshift, ">>=": operator.irshift, "&=": operator.iand,
    "|=": operator.ior, "^=": operator.ixor,
}

_MISSING = object()


def _script_line() -> int | None:
    """The line of the innermost calculator frame on the stack."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == FILENAME:
            return frame.f_lineno
        frame = frame.f_back
    return None


def _type_name(value: Any) -> str:
    return type(value).__name__


class Guards:
    """The guard functions of one run; refusals are recorded on the run."""

    def __init__(self, run: RunState) -> None:
        self.run = run

    def refuse(self, message: str) -> SandboxViolation:
        violation = SandboxViolation(message, _script_line())
        if self.run.violation is None:
            self.run.violation = violation
        return violation

    def getattr(self, obj: Any, name: Any, default: Any = _MISSING) -> Any:
        if type(name) is not str:
            raise self.refuse("attribute names must be text")
        if name.startswith("_") or name in _DENIED_NAMES:
            raise self.refuse(f"attribute {name!r} is not available in calculators")
        if isinstance(obj, BaseException):
            if name != "args":
                raise self.refuse(f"exceptions show only their args, not {name!r}")
        elif type(obj) not in _OPEN_TYPES:
            if not (type(obj) is type and name in _CLASS_ATTRIBUTES.get(obj, ())):
                raise self.refuse(f"attributes of {_type_name(obj)} objects are not available "
                                  f"in calculators (asked for {name!r})")
        elif name in _CLOCK_NAMES and type(obj) in _DATE_TYPES:
            raise self.refuse(f"{name}() is not available: a calculator has no clock, so "
                              "that the same inputs always give the same price")
        if default is _MISSING:
            return getattr(obj, name)
        return getattr(obj, name, default)

    def hasattr(self, obj: Any, name: Any) -> bool:
        try:
            self.getattr(obj, name)
        except AttributeError:
            return False
        return True

    def getitem(self, obj: Any, key: Any) -> Any:
        if type(obj) not in _SUBSCRIPTABLE:
            raise self.refuse(f"{_type_name(obj)} objects cannot be indexed in calculators")
        return obj[key]

    def write(self, obj: Any) -> Any:
        if type(obj) not in _WRITABLE:
            raise self.refuse(f"{_type_name(obj)} objects cannot be changed in calculators")
        return obj

    @staticmethod
    def iterate(obj: Any) -> Any:
        return iter(obj)

    def inplace(self, op: str, target: Any, value: Any) -> Any:
        function = _INPLACE.get(op)
        if function is None:
            raise self.refuse(f"operator {op} is not available in calculators")
        return function(target, value)

    @staticmethod
    def apply(function: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    def unpack(self, it: Any, spec: Any, _getiter_: Any) -> Any:
        return guarded_unpack_sequence(it, spec, self.iterate)  # type: ignore[no-untyped-call]

    def iter_unpack(self, it: Any, spec: Any, _getiter_: Any) -> Any:
        return guarded_iter_unpack_sequence(  # type: ignore[no-untyped-call]
            it, spec, self.iterate)

    def import_(self, name: str, names: tuple[str, ...] | None = None, level: int = 0
                ) -> Any:
        """A script's ``import name`` (a module view) or ``from name import names`` (the
        values, in order); the policy compiles import statements into these calls."""
        if level != 0 or name not in IMPORTABLE:
            raise self.refuse(f"import of {name!r} is not allowed (calculators may import "
                              f"{', '.join(sorted(IMPORTABLE))})")
        members = IMPORTABLE[name]
        if names is None:
            return ModuleView(name, members)
        for wanted in names:
            if wanted not in members:
                raise self.refuse(f"{wanted!r} cannot be imported from {name}")
        return tuple(members[wanted] for wanted in names)

    def internal_import(self, name: Any, globals: Any = None, locals: Any = None,
                        fromlist: Any = (), level: int = 0) -> Any:
        """``__import__`` in a script's builtins. Only the interpreter calls it (a script's
        imports are compiled into :meth:`import_` and it cannot name ``__import__``);
        what it returns goes to C code such as ``datetime``'s, never to the script."""
        if level != 0 or name not in INTERNAL_MODULES:
            raise self.refuse(f"the calculator runtime cannot load {name!r}")
        return importlib.import_module(name)


class Helper(functools.partial):  # type: ignore[type-arg]
    """A function the runtime gives scripts, shown by its name alone (``<function
    price>``): neither the runtime's own names nor memory addresses reach what a script
    prints. A ``partial``, so that calling it costs next to nothing; the guards show no
    attribute of it."""

    shown: str

    def __repr__(self) -> str:
        return f"<function {self.shown}>"


def helper(name: str, function: Callable[..., Any]) -> Helper:
    made = Helper(function)
    made.shown = name
    return made


class Printer:
    """``print`` for scripts: text collected with a cap, never a real stream."""

    def __init__(self, run: RunState) -> None:
        self.run = run
        # what a script's ``print`` names (RestrictedPython compiles it to this attribute)
        self._call_print = helper("print", self.print)

    def __call__(self) -> str:
        """The text printed so far (RestrictedPython's ``printed``)."""
        return "".join(self.run.output)

    def print(self, *objects: Any, sep: Any = " ", end: Any = "\n", **kwargs: Any) -> None:
        if kwargs.keys() - {"flush"}:
            raise self.run.guards.refuse("print() takes only sep= and end= in calculators")
        sep = " " if sep is None else sep
        end = "\n" if end is None else end
        if type(sep) is not str or type(end) is not str:
            raise TypeError("sep and end must be text")
        self.run.write(sep.join(str(o) for o in objects) + end)

    def __repr__(self) -> str:
        return "<print>"


# --------------------------------------------------------------------------- the run


def to_decimal(value: Any, what: str) -> Decimal:
    if type(value) is Decimal:
        if not value.is_finite():
            raise ValueError(f"{what} is not a finite number: {value}")
        return value
    if type(value) is int:
        return Decimal(value)
    if type(value) is float:
        raise TypeError(f"{what} is a float ({value!r}); use D(...) for exact amounts")
    raise TypeError(f"{what} must be a number, not {_type_name(value)}")


def money(value: Any) -> Decimal:
    """Round an amount to cents, half up."""
    return to_decimal(value, "money()").quantize(CENT, rounding=ROUND_HALF_UP)


def make_decimal(value: Any = 0) -> Decimal:
    """``D("0.5")``, ``D(3)``; a float is taken by its shortest text (``D(0.1)`` is 0.1)."""
    if type(value) is float:
        return Decimal(repr(value))
    if type(value) not in (str, int, Decimal, bool):
        raise TypeError(f"D() takes text or a number, not {_type_name(value)}")
    return Decimal(value)


def _copy_plain(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError("catalog attributes are nested too deeply")
    if type(value) is dict:
        return {k: _copy_plain(v, depth + 1) for k, v in value.items()}
    if type(value) is list:
        return [_copy_plain(v, depth + 1) for v in value]
    return value


class RunState:
    """What one run may touch: its catalog, its output buffer, its refusals."""

    def __init__(self, lookup: Callable[[str], Mapping[str, Any] | None], *,
                 max_output: int) -> None:
        self.lookup = lookup
        self.max_output = max_output
        self.output: list[str] = []
        self.output_size = 0
        self.violation: SandboxViolation | None = None
        self.used: dict[str, Mapping[str, Any]] = {}
        self.guards = Guards(self)

    def write(self, text: str) -> None:
        self.output_size += len(text)
        if self.output_size > self.max_output:
            raise OutputLimit(f"the calculator printed more than {self.max_output} characters")
        self.output.append(text)

    def entry(self, sku: Any) -> Mapping[str, Any]:
        if type(sku) is not str:
            raise TypeError(f"a sku is text, not {_type_name(sku)}")
        found = self.used.get(sku)
        if found is None:
            if not 0 < len(sku) <= MAX_SKU:
                raise UnknownSku(clip(sku, MAX_SKU))
            found = self.lookup(sku)
            if found is None:
                raise UnknownSku(sku)
            self.used[sku] = found
        return found

    # The functions a script sees that read this run's catalog; built per run so nothing
    # in them outlives it.
    def helpers(self) -> dict[str, Any]:
        entry = self.entry

        def price(sku: str) -> Decimal:
            """The catalog price of one unit of ``sku``."""
            return cast(Decimal, entry(sku)["price"])

        def item(sku: str) -> dict[str, Any]:
            """The catalog entry of ``sku``: sku, name, unit, kind, price, attributes (a copy)."""
            return cast(dict[str, Any], _copy_plain(entry(sku)))

        def part(sku: str, qty: Any, *, name: str | None = None) -> dict[str, Any]:
            """A line for ``qty`` units of a catalog item at its catalog price (an operation
            line when the item is a service)."""
            found = entry(sku)
            return {"kind": "operation" if found["kind"] == "service" else "part",
                    "name": name or found["name"], "sku": sku, "qty": qty,
                    "unit": found["unit"], "unit_price": found["price"]}

        guards = self.guards
        return {**_STATIC_HELPERS, "price": helper("price", price),
                "item": helper("item", item), "part": helper("part", part),
                "getattr": helper("getattr", guards.getattr),
                "hasattr": helper("hasattr", guards.hasattr)}


def line(name: str, qty: Any, unit_price: Any, *, unit: str = "pc", sku: str | None = None,
         kind: str = "other") -> dict[str, Any]:
    """A breakdown line; its amount is qty × unit price rounded to cents."""
    return {"kind": kind, "name": name, "sku": sku, "qty": qty, "unit": unit,
            "unit_price": unit_price}


def work(name: str, hours: Any, rate: Any) -> dict[str, Any]:
    """A line for ``hours`` of an operation at ``rate`` per hour."""
    return {"kind": "operation", "name": name, "sku": None, "qty": hours, "unit": "h",
            "unit_price": rate}


def declaration(*args: Any, **kwargs: Any) -> None:
    """``param(...)``/``formula(...)``: read from the file without running it."""


_STATIC_HELPERS: dict[str, Any] = {
    "line": helper("line", line), "work": helper("work", work),
    "param": helper("param", declaration), "formula": helper("formula", declaration),
    "money": helper("money", money), "D": helper("D", make_decimal), "Decimal": Decimal,
}


_SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bin", "bool", "callable", "chr", "dict", "divmod", "enumerate",
    "filter", "float", "format", "frozenset", "hex", "int", "isinstance", "iter", "len", "list", "map",
    "max", "min", "next", "oct", "ord", "pow", "range", "repr", "reversed", "round", "set",
    "slice", "sorted", "str", "sum", "tuple", "zip",
    "ArithmeticError", "AssertionError", "AttributeError", "Exception", "IndexError",
    "KeyError", "LookupError", "NameError", "NotImplementedError", "OverflowError",
    "RuntimeError", "StopIteration", "TypeError", "ValueError", "ZeroDivisionError",
)
_BUILTINS_TEMPLATE: dict[str, Any] = {name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES}


def sandbox_globals(run: RunState) -> dict[str, Any]:
    """Fresh globals and builtins for one run."""
    guards = run.guards
    printer = Printer(run)
    names = dict(_BUILTINS_TEMPLATE)
    names.update(run.helpers())
    names.update({
        "_import_": guards.import_, "__import__": guards.internal_import,
        "_getattr_": guards.getattr, "_getitem_": guards.getitem, "_getiter_": guards.iterate,
        "_write_": guards.write, "_inplacevar_": guards.inplace, "_apply_": guards.apply,
        "_unpack_sequence_": guards.unpack, "_iter_unpack_sequence_": guards.iter_unpack,
        "_print_": lambda _getattr_=None: printer,
    })
    return {"__builtins__": names, "__name__": "calculator"}


def run_script(code: CodeType, params: Mapping[str, Any], run: RunState) -> Any:
    """Execute the compiled file in fresh globals, then ``calculate(**params)``."""
    namespace = sandbox_globals(run)
    try:
        exec(code, namespace)  # noqa: S102 - restricted code object, guarded namespace
        calculate = namespace.get("calculate")
        if type(calculate) is not FunctionType or calculate.__code__.co_filename != FILENAME:
            raise CalculatorError("calculate is not a function of the calculator",
                                  code="invalid_result")
        result = calculate(**params)
    finally:
        forget_parsed_formats()
    if run.violation is not None:
        raise run.violation
    return result


# --------------------------------------------------------------------------- the interpreter

#: The codecs a script may name (``text.encode("latin-1")``), with every alias Python
#: knows for them. See :func:`seal_interpreter`.
ALLOWED_CODECS = ("utf_8", "ascii", "latin_1")
_parsed_formats: dict[Any, Any] = {}


def _codec_names() -> frozenset[str]:
    from encodings.aliases import aliases

    return frozenset(ALLOWED_CODECS) | {alias for alias, codec in aliases.items()
                                        if codec in ALLOWED_CODECS}


def _allowed_codec(name: str) -> codecs.CodecInfo:
    """The only codec search function of a worker. The registry caches what a search
    function finds, and ``encodings`` caches what it does not find: with any name a
    script makes up (``"x".encode(f"no-such-{i}")``) both caches would grow for the
    worker's life. This one knows a fixed set of names and caches nothing."""
    if name in _CODEC_NAMES:
        import encodings

        found = encodings.search_function(name)
        if found is not None:
            return found
    raise LookupError(f"codec {clip(name, 60)!r} is not available in calculators "
                      "(utf-8, ascii and latin-1 are)")


_CODEC_NAMES = _codec_names()


def seal_interpreter() -> None:
    """Close what a worker's interpreter shares between runs, before the first run:
    the codec registry (see :func:`_allowed_codec`), warnings (ignored: no registry
    fills up), and load what the interpreter would import by itself during a run (the
    allowed codecs, :data:`INTERNAL_MODULES` with ``strptime``'s locale tables)."""
    global _parsed_formats
    import _strptime  # type: ignore[import-not-found]
    import encodings

    for name in INTERNAL_MODULES:
        importlib.import_module(name)
    _datetime.datetime.strptime("2000", "%Y")
    _parsed_formats = _strptime._regex_cache
    forget_parsed_formats()
    warnings.simplefilter("ignore")
    # unregistering also empties the registry's cache of what was found so far
    codecs.unregister(encodings.search_function)
    codecs.register(_allowed_codec)
    for name in ALLOWED_CODECS:
        codecs.lookup(name)  # their modules load now, while every file can be read


def forget_parsed_formats() -> None:
    """Empty the caches ``strptime`` fills (its compiled formats and ``re``'s), so that a
    run leaves them as the worker started."""
    if _parsed_formats:
        _parsed_formats.clear()
        re.purge()


# --------------------------------------------------------------------------- the result


class ResultError(Exception):
    pass


def _plain_value(value: Any, depth: int, budget: list[int]) -> Any:
    """Details: plain JSON-safe data, Decimals and floats as text."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ResultError(f"details hold more than {MAX_DETAILS} values")
    if depth > MAX_DEPTH:
        raise ResultError(f"details are nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None or kind is bool or kind is str and len(value) <= MAX_TEXT:
        return value
    if kind is int:
        if abs(value) > 10**30:
            raise ResultError("a number in details is out of range")
        return value
    if kind is Decimal:
        if not value.is_finite() or abs(value.adjusted()) > 30:
            raise ResultError("a number in details is out of range")
        return format(value, "f")
    if kind is float:
        if not math.isfinite(value):
            raise ResultError("a number in details is not finite")
        return repr(value)
    if kind in (list, tuple):
        return [_plain_value(v, depth + 1, budget) for v in value]
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str or len(key) > 100:
                raise ResultError("keys in details are text (at most 100 characters)")
            out[key] = _plain_value(item, depth + 1, budget)
        return out
    if kind is str:
        raise ResultError(f"a text in details is longer than {MAX_TEXT} characters")
    raise ResultError(f"details hold a {_type_name(value)}; use numbers, text, lists and dicts")


_FLAT_DETAILS = frozenset({Decimal, int, str})


def _plain_flat(value: Any) -> Any:
    kind = type(value)
    if kind is Decimal:
        if not value.is_finite() or abs(value.adjusted()) > 30:
            raise ResultError("a number in details is out of range")
        return _plain_decimal(value)
    if kind is int:
        if abs(value) > 10**30:
            raise ResultError("a number in details is out of range")
        return value
    if len(value) > MAX_TEXT:
        raise ResultError(f"a text in details is longer than {MAX_TEXT} characters")
    return value


def _text(value: Any, number: int, field: str, limit: int = 200) -> str:
    if type(value) is not str or not value.strip():
        raise ResultError(f"line {number}: {field} must be non-empty text")
    if len(value) > limit:
        raise ResultError(f"line {number}: {field} is longer than {limit} characters")
    return value


def _amount(value: Any, what: str) -> Decimal:
    kind = type(value)
    number: Decimal
    if kind is Decimal and value.is_finite():
        number = value
    elif kind is int:
        number = Decimal(value)
    elif kind is float:
        raise ResultError(f"{what} is a float ({value!r}); use D(...) for exact amounts")
    else:
        raise ResultError(f"{what} must be a finite number, not {value!r:.50}")
    if number.adjusted() > 18:
        raise ResultError(f"{what} is out of range: {number:.3e}")
    return number


def _plain_decimal(value: Decimal) -> str:
    text = str(value)
    return format(value, "f") if "E" in text else text


_LINE_KEYS = frozenset({"kind", "name", "sku", "qty", "unit", "unit_price"})
_NUMBER_TYPES = (int, Decimal)


def _line_error(number: int, entry: Any) -> ResultError:
    """The precise reason a line was refused (the fast path only says that it was)."""
    if type(entry) is not dict:
        return ResultError(f"line {number} must be made with line(), part() or work(), not a "
                           f"{_type_name(entry)}")
    extra = sorted(str(k)[:50] for k in set(entry) - _LINE_KEYS)
    if extra:
        return ResultError(f"line {number}: unknown key {extra[0]!r}")
    if entry.get("kind", "other") not in LINE_KINDS:
        return ResultError(f"line {number}: kind must be one of {', '.join(LINE_KINDS)}")
    try:
        _text(entry.get("name"), number, "name")
        if entry.get("sku") is not None:
            _text(entry["sku"], number, "sku", 64)
        _text(entry.get("unit", "pc"), number, "unit", 20)
        qty = _amount(entry.get("qty"), f"line {number}: qty")
        unit_price = _amount(entry.get("unit_price"), f"line {number}: unit_price")
        (qty * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
    except ResultError as exc:
        return exc
    except ArithmeticError:
        return ResultError(f"line {number}: the amount is out of range")
    return ResultError(f"line {number} is not valid")


def _line(number: int, entry: Any) -> tuple[list[Any], Decimal]:
    """One line as ``[kind, name, sku, qty, unit, unit_price, amount]`` and its amount.

    Written for the common case (a line made by the helpers); anything unusual goes to
    :func:`_line_error` for the message.
    """
    if type(entry) is not dict or not _LINE_KEYS.issuperset(entry):
        raise _line_error(number, entry)
    get = entry.get
    qty: Any
    unit_price: Any
    kind, name, sku = get("kind", "other"), get("name"), get("sku")
    unit, qty, unit_price = get("unit", "pc"), get("qty"), get("unit_price")
    if not (kind in LINE_KINDS
            and type(name) is str and 0 < len(name) <= 200 and not name.isspace()
            and (sku is None or type(sku) is str and 0 < len(sku) <= 64 and not sku.isspace())
            and type(unit) is str and 0 < len(unit) <= 20 and not unit.isspace()
            and type(qty) in _NUMBER_TYPES and type(unit_price) in _NUMBER_TYPES):
        raise _line_error(number, entry)
    qty = Decimal(qty) if type(qty) is int else qty
    unit_price = Decimal(unit_price) if type(unit_price) is int else unit_price
    if not (qty.is_finite() and unit_price.is_finite() and qty.adjusted() <= 18
            and unit_price.adjusted() <= 18):
        raise _line_error(number, entry)
    amount = (qty * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
    return [kind, name, sku, _plain_decimal(qty), unit, _plain_decimal(unit_price),
            str(amount)], amount


def normalise_result(value: Any) -> dict[str, Any]:
    """``calculate()``'s return value as plain data: lines with amounts, the total.

    Accepted: a list of lines, or a dict with ``lines`` and optionally ``total``,
    ``details`` (named intermediate values) and ``notes``.
    """
    if type(value) in (list, tuple):
        value = {"lines": value}
    if type(value) is not dict:
        raise ResultError(f"calculate() must return a dict or a list of lines, not "
                          f"{_type_name(value)}")
    unknown = sorted(str(k)[:50] for k in value if k not in ("lines", "total", "details",
                                                              "notes"))
    if unknown:
        raise ResultError(f"unknown key {unknown[0]!r} in the result (keys: lines, total, "
                          "details, notes)")
    lines_in = value.get("lines", [])
    if type(lines_in) not in (list, tuple):
        raise ResultError("lines must be a list")
    if len(lines_in) > MAX_LINES:
        raise ResultError(f"the result has more than {MAX_LINES} lines")
    lines = []
    total = Decimal(0)
    for number, entry in enumerate(lines_in, 1):
        line, amount = _line(number, entry)
        lines.append(line)
        total += amount
    if value.get("total") is not None:
        total = _amount(value["total"], "total")
    total = total.quantize(CENT, rounding=ROUND_HALF_UP)
    details = value.get("details")
    if details is None:
        details = {}
    elif type(details) is not dict:
        raise ResultError("details must be a dict of named values")
    elif len(details) <= MAX_DETAILS and all(
            type(k) is str and len(k) <= 100 and type(v) in _FLAT_DETAILS
            for k, v in details.items()):
        # the common case: a flat dict of numbers and short text
        details = {k: _plain_flat(v) for k, v in details.items()}
    else:
        details = _plain_value(details, 0, [MAX_DETAILS])
    notes = value.get("notes") or ""
    if type(notes) is not str or len(notes) > MAX_TEXT:
        raise ResultError(f"notes must be text of at most {MAX_TEXT} characters")
    return {"total": str(total), "lines": lines, "details": details, "notes": notes}


# --------------------------------------------------------------------------- errors


def error_line(exc: BaseException) -> int | None:
    line = getattr(exc, "line", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def error_from_exception(exc: BaseException, run: RunState | None = None) -> CalculatorError:
    """Any exception of a run as a :class:`CalculatorError` (code, message, line)."""
    if run is not None and run.violation is not None and not isinstance(exc, OutputLimit):
        exc = run.violation
    if isinstance(exc, CalculatorError):
        return exc
    line = error_line(exc)
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - the message itself may be hostile
        text = "(the message could not be shown)"
    if isinstance(exc, SandboxViolation):
        return CalculatorError(f"not allowed in a calculator: {exc.message}", code="forbidden",
                               line=exc.line or line)
    if isinstance(exc, OutputLimit):
        return CalculatorError(text, code="output_limit", line=line)
    if isinstance(exc, UnknownSku):
        return CalculatorError(f"unknown sku {exc.sku!r}: the catalog has no such item",
                               code="unknown_sku", line=line, details={"sku": exc.sku[:64]})
    if isinstance(exc, ResultError):
        return CalculatorError(f"invalid result: {text}", code="invalid_result", line=line)
    if isinstance(exc, MemoryError):
        return CalculatorError("the calculator ran out of memory", code="memory_limit",
                               line=line)
    if isinstance(exc, RecursionError):
        return CalculatorError("the calculator recursed too deeply", code="script_error",
                               line=line)
    return CalculatorError(f"{type(exc).__name__}: {text}" if text else type(exc).__name__,
                           code="script_error", line=line)
