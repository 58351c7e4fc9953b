"""The calculator worker process: it confines itself, then serves requests.

Started by :mod:`.worker` as ``python -s -P -B -m ordercraft.core.calc.child CONFIG`` with
an environment holding only a fixed hash seed, an empty working directory, its own
session (process group) and only three file descriptors: requests on 0, answers on 1,
``/dev/null`` on 2. Before it reads the first request it puts up its walls
(:mod:`.confine`: another user when started by root, no network, rlimits), closes
the interpreter's shared state to scripts (:func:`.sandbox.seal_interpreter`) and
reports ``ready`` with the walls that stand; then it opens ``/proc/self/statm``, the
one descriptor it adds, to report its memory.

Each request is answered with exactly one frame, which also carries the process's CPU
time and resident memory. Whatever happens while reading or serving a request,
``BaseException`` included, becomes an error answer; a request that could not even be
read (out of memory while decoding it) is answered and the worker exits, since its
input stream can no longer be trusted.
"""

from __future__ import annotations

import ast
import decimal
import hashlib
import json
import os
import resource
import sys
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordercraft.core.calc import sandbox
from ordercraft.core.calc.confine import ConfinementError, Identity, confine
from ordercraft.core.calc.errors import CalculatorError, clip
from ordercraft.core.calc.format import check_source, parse_calculator
from ordercraft.core.calc.protocol import FrameError, FrameReader, encode, write_all
from ordercraft.core.calc.sandbox import (
    RunState,
    compile_script,
    decimal_context,
    error_from_exception,
    normalise_result,
)

SCRIPT_CACHE = 64
CATALOG_CACHE = 8
MAX_LOOKUPS = 500


@dataclass
class Config:
    memory_mb: int = 512
    cpu_per_run: int = 3
    cpu_hard: int = 3600
    open_files: int = 32
    max_output: int = 64 * 1024
    max_result: int = 256 * 1024
    #: The user to become when started by root (empty: stay who it is).
    user: str = ""
    uid: int = -1
    gid: int = -1

    @classmethod
    def from_json(cls, text: str) -> Config:
        data = json.loads(text) if text else {}
        fields = cls.__dataclass_fields__
        values: dict[str, Any] = {k: str(v) if k == "user" else int(v)
                                  for k, v in data.items() if k in fields}
        return cls(**values)

    def identity(self) -> Identity | None:
        return Identity(self.user, self.uid, self.gid) if self.user else None

    def confine(self) -> dict[str, Any]:
        return confine(self.identity(), prepare_interpreter, memory_mb=self.memory_mb,
                       cpu_per_run=self.cpu_per_run, cpu_hard=self.cpu_hard,
                       open_files=self.open_files)


#: A formula calculator read once before the walls go up when the worker could not
#: import sympy afterwards: it loads every module reading and running formulas needs.
_WARM_UP = ('"""Warm-up"""\nparams = [param("x", "decimal", default=2)]\n'
            'formulas = [formula("total", "ceil(sqrt(x) * 3 / 2 + max(x, 1) ** 2 - abs(-x)) '
            'if x > 1 and not x == 3 else round(x, 2)")]\n')


def prepare_interpreter(lazy_imports: bool) -> None:
    """Load what runs need and close the interpreter's shared state
    (:func:`.sandbox.seal_interpreter`)."""
    if not lazy_imports:
        from ordercraft.core.calc.formula import FormulaProgram

        parsed = parse_calculator(_WARM_UP)
        FormulaProgram(parsed.formula_nodes).evaluate({"x": Decimal(2)}, lambda sku: Decimal(0))
    sandbox.seal_interpreter()


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
#: ``/proc/self/statm``, kept open (see :func:`open_memory_counter`).
_statm: int | None = None


def open_memory_counter() -> None:
    """Keep ``/proc/self/statm`` open: reading it through a descriptor costs a few
    microseconds, opening it for every answer several times that. (``getrusage``'s
    peak memory will not do: it includes the memory of the process that started this
    one, before ``exec``.)"""
    global _statm
    _statm = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)


def usage() -> tuple[float, int]:
    """CPU seconds (user and system) this process has used, and its resident memory in
    bytes."""
    resident = int(os.pread(_statm, 64, 0).split()[1]) * _PAGE_SIZE if _statm is not None else 0
    return time.process_time(), resident


def _catalog_entry(sku: str, data: Any) -> dict[str, Any] | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise CalculatorError(f"the catalog entry of {sku!r} is not a mapping",
                              code="invalid_result")
    try:
        price = Decimal(str(data.get("price")))
    except ArithmeticError:
        raise CalculatorError(f"the catalog price of {sku!r} is not a number",
                              code="invalid_result") from None
    attributes = data.get("attributes") or {}
    return {"sku": sku, "name": str(data.get("name") or sku), "unit": str(data.get("unit") or "pc"),
            "kind": str(data.get("kind") or ""), "price": price,
            "attributes": attributes if isinstance(attributes, dict) else {},
            "source": str(data.get("source") or "")}


@dataclass
class Prepared:
    spec: Any
    code: Any = None
    program: Any = None


class Server:
    """Answers requests: ``describe`` a calculator, ``run`` one, ``ping``."""

    def __init__(self, config: Config, reader: FrameReader, out_fd: int = 1) -> None:
        self.config = config
        self.reader = reader
        self.out_fd = out_fd
        self.scripts: OrderedDict[str, Prepared] = OrderedDict()
        self.catalogs: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def send(self, message: Any) -> None:
        write_all(self.out_fd, encode(message))

    # -------------------------------------------------------------- requests

    def handle(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict):
            raise CalculatorError("malformed request", code="worker_crashed")
        op = request.get("op")
        # A CPU budget per request, on top of what the process used so far; reading a
        # formula calculator loads sympy, so describing gets more.
        budget = self.config.cpu_per_run if op == "run" else max(self.config.cpu_per_run, 10)
        resource.setrlimit(resource.RLIMIT_CPU,
                           (min(int(usage()[0]) + budget + 1, self.config.cpu_hard),
                            self.config.cpu_hard))
        if op == "ping":
            return {"ok": True}
        if op == "describe":
            version, prepared = self.prepare(request.get("source"))
            return {"ok": True, "version": version, "spec": prepared.spec.to_dict()}
        if op == "run":
            return self.run(request)
        raise CalculatorError(f"unknown request {op!r}", code="worker_crashed")

    def prepare(self, source: Any) -> tuple[str, Prepared]:
        version = hashlib.sha256(check_source(source).encode("utf-8")).hexdigest()
        found = self.scripts.get(version)
        if found is not None:
            self.scripts.move_to_end(version)
            return version, found
        parsed = parse_calculator(source)
        if parsed.spec.kind == "script":
            # The declarations were read from the tree; running them each time is waste.
            parsed.tree.body = [node for node in parsed.tree.body if not (
                isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "params")]
            prepared = Prepared(parsed.spec, code=compile_script(parsed.tree))
        else:
            from ordercraft.core.calc.formula import FormulaProgram

            prepared = Prepared(parsed.spec, program=FormulaProgram(parsed.formula_nodes))
        self.scripts[version] = prepared
        if len(self.scripts) > SCRIPT_CACHE:
            self.scripts.popitem(last=False)
        return version, prepared

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        version = request.get("version")
        prepared = self.scripts.get(version) if isinstance(version, str) else None
        need = []
        if prepared is None:
            if "source" in request:
                computed, prepared = self.prepare(request["source"])
                if computed != version:
                    raise CalculatorError("the script does not match its version",
                                          code="worker_crashed")
            else:
                need.append("source")
        catalog = request.get("catalog") or {}
        entries: dict[str, Any] | None = None
        if catalog.get("token"):
            entries = self.catalogs.get(catalog["token"])
            if entries is None:
                if isinstance(catalog.get("entries"), dict):
                    entries = {sku: _catalog_entry(sku, data)
                               for sku, data in catalog["entries"].items()}
                    self.catalogs[catalog["token"]] = entries
                    if len(self.catalogs) > CATALOG_CACHE:
                        self.catalogs.popitem(last=False)
                else:
                    need.append("catalog")
            else:
                self.catalogs.move_to_end(catalog["token"])
        if need:
            return {"need": need}
        assert prepared is not None

        decimal.setcontext(decimal_context())
        params = self.typed_params(prepared.spec, request.get("params") or {})
        lookup = (entries.get if entries is not None else self.remote_lookup())
        return {"ok": True, "result": self.execute(prepared, params, lookup)}

    def remote_lookup(self) -> Any:
        """Catalog entries asked from the platform one sku at a time, during the run."""
        count = [0]

        def lookup(sku: str) -> dict[str, Any] | None:
            count[0] += 1
            if count[0] > MAX_LOOKUPS:
                raise CalculatorError(f"more than {MAX_LOOKUPS} catalog lookups in one run",
                                      code="script_error")
            self.send({"lookup": sku})
            answer = self.reader.read()
            if not isinstance(answer, dict) or not isinstance(answer.get("items"), dict):
                raise CalculatorError("malformed catalog answer", code="worker_crashed")
            return _catalog_entry(sku, answer["items"].get(sku))

        return lookup

    @staticmethod
    def typed_params(spec: Any, raw: Mapping[str, Any]) -> dict[str, Any]:
        typed: dict[str, Any] = {}
        for parameter in spec.params:
            value = raw.get(parameter.name, parameter.default)
            if parameter.type == "int":
                typed[parameter.name] = int(value)
            elif parameter.type == "decimal":
                typed[parameter.name] = Decimal(str(value))
            elif parameter.type == "bool":
                typed[parameter.name] = bool(value)
            else:
                typed[parameter.name] = str(value)
        return typed

    def execute(self, prepared: Prepared, params: dict[str, Any], lookup: Any
                ) -> dict[str, Any]:
        run = RunState(lookup, max_output=self.config.max_output)
        try:
            if prepared.code is not None:
                result = normalise_result(sandbox.run_script(prepared.code, params, run))
            else:
                result = self.formula_result(prepared, params, run)
        except BaseException as exc:  # noqa: BLE001 - the boundary: everything is an error
            raise error_from_exception(exc, run) from None
        result["output"] = "".join(run.output)
        # the platform knows the entries it gave; it records them itself
        result["catalog_used"] = list(run.used)
        return result

    @staticmethod
    def formula_result(prepared: Prepared, params: dict[str, Any], run: Any) -> dict[str, Any]:
        from ordercraft.core.calc.formula import display_value

        values = prepared.program.evaluate(params, lambda sku: run.entry(sku)["price"])
        shown: dict[str, Any] = {}
        lines = []
        for name, value, options in values:
            places = options["places"]
            if places is None and (options["line"] or name == "total"):
                places = 2
            shown[name] = display_value(value, places)
            if options["line"]:
                lines.append({"kind": options["line"], "name": options["label"], "sku": None,
                              "qty": 1, "unit": "pc", "unit_price": Decimal(shown[name])})
        result = normalise_result({"lines": lines, "total": Decimal(shown["total"])})
        result["formulas"] = shown
        return result


def error_answer(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, CalculatorError):
        body = exc.to_dict()
    elif isinstance(exc, MemoryError):
        body = {"code": "memory_limit", "message": "the calculator ran out of memory",
                "line": None}
    else:
        try:
            text = clip(f"{type(exc).__name__}: {exc}")
        except BaseException:  # noqa: BLE001
            text = type(exc).__name__
        body = {"code": "worker_crashed", "message": f"the worker failed: {text}", "line": None}
    return {"ok": False, "error": body}


def _encoded(answer: dict[str, Any]) -> bytes:
    """The answer as a frame, with what the process has used so far (the platform
    retires a worker whose memory grew past its threshold)."""
    answer["cpu"], answer["rss"] = usage()
    return encode(answer)


def serve(config: Config, walls: dict[str, Any]) -> None:
    reader = FrameReader(0)
    server = Server(config, reader)
    server.send({"ready": True, "pid": os.getpid(), "walls": walls})
    while True:
        try:
            request = reader.read()
        except FrameError:
            return  # the platform closed the pipe: nothing more to do
        except BaseException:  # noqa: BLE001 - out of memory reading or decoding a request
            # Where the next frame starts is unknown now: answer this one and stop; the
            # platform replaces a worker that reports memory_limit.
            write_all(1, _encoded({"ok": False, "error": {
                "code": "memory_limit", "line": None,
                "message": "the calculator worker ran out of memory reading the request"}}))
            return
        try:
            data = _encoded(server.handle(request))
            if len(data) > config.max_result:
                raise CalculatorError(f"the result is {len(data)} bytes; at most "
                                      f"{config.max_result} are allowed", code="result_limit")
        except BaseException as exc:  # noqa: BLE001 - exactly one answer per request
            data = _encoded(error_answer(exc))
        try:
            write_all(1, data)
        except FrameError:
            return


def main(argv: list[str]) -> None:
    config = Config.from_json(argv[1] if len(argv) > 1 else "")
    sys.dont_write_bytecode = True
    try:
        walls = config.confine()
    except (ConfinementError, OSError) as exc:
        # stderr is /dev/null: the reason goes where the platform reads
        write_all(1, encode({"ready": False, "error": clip(f"{type(exc).__name__}: {exc}")}))
        sys.exit(1)
    open_memory_counter()
    serve(config, walls)


if __name__ == "__main__":
    main(sys.argv)
