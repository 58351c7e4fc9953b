"""A warm pool of calculator worker processes, seen from the platform.

The process layer of the sandbox. Each worker (:mod:`.child`) is started

* with an **empty environment** (no database URL, no tokens, no ``PYTHON*``
  variables: ``python -I``), in an **empty temporary directory**, with **no inherited
  file descriptors** (``close_fds``) and in a **session of its own** (its own process
  group), so a kill reaches everything it might have started;
* under **rlimits** it sets before reading its first request: address space, CPU
  time (per run and for its whole life), file size 0, no core files, a handful of
  open files, no new processes.

The platform enforces a **wall-clock limit** per run (default 2 s): an in-process
alarm would not interrupt a C-level loop such as ``sum(range(10**15))``, and a
blocked process uses no CPU, so the pool kills the worker's whole process group
(``os.killpg``) when the deadline passes. A worker is **replaced after any error**,
limit breach or crash; the replacement starts at once, so the next request finds
a worker ready. Everything that crosses the pipe is plain JSON, checked on
arrival; nothing is unpickled.

Speed: a worker compiles a script once per content hash and caches the code
object (fresh globals every run), and keeps catalog snapshots by token, so a warm
run costs one small frame each way.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ordercraft.core.calc.errors import CalculatorError, clip
from ordercraft.core.calc.protocol import FrameError, FrameReader, FrameTimeout, encode, write_all

#: Codes a worker may report; anything else from a worker is treated as a crash.
WORKER_CODES = frozenset({
    "format", "syntax", "forbidden", "script_error", "unknown_sku", "invalid_result",
    "output_limit", "result_limit", "memory_limit", "too_large", "worker_crashed",
})


#: Catalog lookups one run may ask the platform for (the worker stops at 500 itself).
MAX_LOOKUPS = 1000


@dataclass(frozen=True)
class Limits:
    """Limits of one pool (defaults suit interactive pricing)."""

    #: Wall-clock seconds a run may take; the worker is killed after that.
    timeout: float = 2.0
    #: Reading a new calculator (parsing, compiling; a formula calculator's first
    #: rendering loads sympy into the worker).
    describe_timeout: float = 20.0
    startup_timeout: float = 20.0
    memory_mb: int = 512
    #: CPU seconds per run (a backstop behind the wall clock) and per worker life.
    cpu_per_run: int = 3
    cpu_hard: int = 3600
    open_files: int = 32
    max_output: int = 64 * 1024
    max_result: int = 256 * 1024
    #: A worker retires after this many runs or this much CPU time.
    max_runs: int = 50_000
    max_cpu: float = 1800.0

    def child_config(self) -> str:
        keys = ("memory_mb", "cpu_per_run", "cpu_hard", "open_files", "max_output",
                "max_result")
        data = asdict(self)
        return json.dumps({k: data[k] for k in keys})


class Worker:
    """One worker process and its pipe."""

    def __init__(self, limits: Limits, workdir: str) -> None:
        self.limits = limits
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", "-X", "utf8", "-m", "ordercraft.core.calc.child",
             limits.child_config()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={}, cwd=workdir, close_fds=True, start_new_session=True, bufsize=0)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.write_fd = self.process.stdin.fileno()
        flags = fcntl.fcntl(self.write_fd, fcntl.F_GETFL)
        fcntl.fcntl(self.write_fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        self.reader = FrameReader(self.process.stdout.fileno())
        self.pid = self.process.pid
        self.started = time.monotonic()
        self.ready = False
        self.runs = 0
        self.cpu = 0.0
        self.versions: set[str] = set()
        self.catalogs: set[str] = set()

    def wait_ready(self) -> None:
        if self.ready:
            return
        try:
            hello = self.reader.read(self.started + self.limits.startup_timeout)
        except FrameError as exc:
            raise CalculatorError(f"a calculator worker did not start: {exc}",
                                  code="worker_crashed") from None
        if not isinstance(hello, dict) or hello.get("ready") is not True:
            raise CalculatorError("a calculator worker did not start properly",
                                  code="worker_crashed")
        self.ready = True

    def exchange(self, request: bytes, timeout: float,
                 on_lookup: Callable[[str], Any] | None = None) -> dict[str, Any]:
        """Send one encoded request and return the worker's final answer (serving catalog
        lookups in between). Raises ``FrameTimeout``/``FrameError``."""
        deadline = time.monotonic() + timeout
        write_all(self.write_fd, request, deadline)
        lookups = 0
        while True:
            answer = self.reader.read(deadline)
            if not isinstance(answer, dict):
                raise FrameError("the worker answered with something that is not an object")
            sku = answer.get("lookup")
            if sku is None:
                return answer
            lookups += 1
            if on_lookup is None or not isinstance(sku, str) or not 0 < len(sku) <= 64 or (
                    lookups > MAX_LOOKUPS):
                raise FrameError("the worker asked for the catalog out of turn")
            started = time.monotonic()
            items = on_lookup(sku)
            # time spent in the platform's own lookup is not the script's
            deadline += time.monotonic() - started
            write_all(self.write_fd, encode({"items": items}), deadline)

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def exit_reason(self) -> str:
        """Why the process ended, if it did (for the error message)."""
        try:
            code = self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            name = signal.Signals(-code).name
            if -code == signal.SIGXCPU:
                return "it used up its CPU time (SIGXCPU)"
            return f"it was ended by {name}"
        return f"it exited with status {code}"


@dataclass
class PoolStats:
    spawned: int = 0
    replaced: int = 0
    runs: int = 0
    errors: int = 0
    timeouts: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class WorkerPool:
    """Warm calculator workers, at most ``size`` at a time; safe to share between threads."""

    def __init__(self, size: int | None = None, limits: Limits | None = None) -> None:
        self.size = max(1, size or min(4, os.cpu_count() or 2))
        self.limits = limits or Limits()
        self.stats = PoolStats()
        self._workdir = tempfile.mkdtemp(prefix="ordercraft-calc-")
        os.chmod(self._workdir, 0o500)
        self._idle: list[Worker] = []
        self._count = 0
        self._cond = threading.Condition()
        self._closed = False
        self._pid = os.getpid()

    # -------------------------------------------------------------- workers

    def _spawn(self) -> Worker:
        try:
            worker = Worker(self.limits, self._workdir)
        except OSError as exc:
            raise CalculatorError(f"cannot start a calculator worker: {exc}",
                                  code="worker_crashed") from None
        self.stats.spawned += 1
        return worker

    def warm(self, count: int | None = None) -> None:
        """Start workers now (up to ``count``, default the pool size) and wait for them."""
        started: list[None] = []
        with self._cond:
            while self._count < min(count or self.size, self.size):
                self._count += 1
                started.append(None)
        workers: list[Worker] = []
        failure: CalculatorError | None = None
        for _ in started:
            try:
                workers.append(self._spawn())
            except CalculatorError as exc:
                failure = exc
                with self._cond:
                    self._count -= 1
        for worker in workers:
            try:
                worker.wait_ready()
            except CalculatorError as exc:
                failure = exc
                self._discard(worker, replace=False)
                continue
            self._release(worker)
        if failure is not None:
            raise failure

    def _acquire(self, wait: float = 30.0) -> Worker:
        if os.getpid() != self._pid:
            raise CalculatorError("a calculator pool cannot be used across fork()",
                                  code="worker_crashed")
        deadline = time.monotonic() + wait
        worker: Worker | None
        with self._cond:
            while True:
                if self._closed:
                    raise CalculatorError("the calculator pool is closed", code="worker_crashed")
                if self._idle:
                    worker = self._idle.pop()
                    break
                if self._count < self.size:
                    self._count += 1
                    worker = None
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CalculatorError("all calculator workers are busy; try again",
                                          code="worker_crashed")
                self._cond.wait(remaining)
        if worker is None:
            try:
                worker = self._spawn()
            except BaseException:
                with self._cond:
                    self._count -= 1
                    self._cond.notify()
                raise
        try:
            worker.wait_ready()
        except CalculatorError:
            self._discard(worker, replace=False)
            raise
        return worker

    def _release(self, worker: Worker) -> None:
        with self._cond:
            if self._closed:
                worker.kill()
                self._count -= 1
                return
            self._idle.append(worker)
            self._cond.notify()

    def _discard(self, worker: Worker, *, replace: bool = True) -> None:
        """Kill a worker; start its replacement at once so the next run finds it warm."""
        worker.kill()
        replacement = None
        if replace and not self._closed:
            try:
                replacement = self._spawn()
                self.stats.replaced += 1
            except CalculatorError:
                replacement = None  # the next request starts one (and reports why not)
        with self._cond:
            if replacement is not None and not self._closed:
                self._idle.insert(0, replacement)
            else:
                self._count -= 1
                if replacement is not None:
                    replacement.kill()
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for worker in idle:
            worker.kill()
        shutil.rmtree(self._workdir, ignore_errors=True)

    # -------------------------------------------------------------- requests

    def _request(self, build: Callable[[Worker], dict[str, Any]], timeout: float,
                 on_lookup: Callable[[str], Any] | None = None,
                 resend: Callable[[Worker, dict[str, Any], list[str]], None] | None = None
                 ) -> dict[str, Any]:
        worker = self._acquire()
        healthy = False
        try:
            message = build(worker)
            request = _encoded(message)
            try:
                answer = worker.exchange(request, timeout, on_lookup)
                if "need" in answer and resend is not None:
                    need = answer["need"] if isinstance(answer["need"], list) else []
                    resend(worker, message, need)
                    answer = worker.exchange(_encoded(message), timeout, on_lookup)
            except FrameTimeout:
                self.stats.timeouts += 1
                raise CalculatorError(
                    f"the calculator did not finish within {timeout:g} s and was stopped",
                    code="timeout") from None
            except FrameError as exc:
                reason = worker.exit_reason()
                raise CalculatorError(f"the calculator worker stopped: {reason} ({exc})",
                                      code=_crash_code(worker)) from None
            if answer.get("ok") is True:
                cpu: Any = answer.get("cpu")
                try:
                    worker.cpu = float(cpu)
                except (TypeError, ValueError, ArithmeticError):
                    pass
                worker.runs += 1
                healthy = worker.runs < self.limits.max_runs and worker.cpu < self.limits.max_cpu
                return answer
            raise _worker_error(answer)
        finally:
            if healthy:
                self._release(worker)
            else:
                self.stats.errors += 1
                self._discard(worker)

    def describe(self, source: str) -> tuple[str, dict[str, Any]]:
        """``(version, spec as plain data)`` of a calculator source, read in a worker."""
        answer = self._request(lambda worker: {"op": "describe", "source": source},
                               self.limits.describe_timeout)
        version, spec = answer.get("version"), answer.get("spec")
        if not isinstance(version, str) or not isinstance(spec, dict):
            raise CalculatorError("the worker's description is malformed", code="worker_crashed")
        return version, spec

    def run(self, version: str, source: str, params: Mapping[str, Any], *,
            catalog: Any = None, timeout: float | None = None) -> dict[str, Any]:
        """Run a calculator; ``catalog`` is a :class:`~.catalog.StaticCatalog` (kept in the
        worker by token) or an object with ``lookup(skus) -> dict`` asked during the run.
        Returns the worker's result as plain data (checked by the caller)."""
        from ordercraft.core.calc.catalog import StaticCatalog

        static = catalog if isinstance(catalog, StaticCatalog) else None
        if catalog is None:
            static = StaticCatalog({})

        def build(worker: Worker) -> dict[str, Any]:
            message: dict[str, Any] = {"op": "run", "version": version,
                                       "params": dict(params)}
            if version not in worker.versions:
                message["source"] = source
                _remember(worker.versions, version)
            if static is not None:
                message["catalog"] = {"token": static.token}
                if static.token not in worker.catalogs:
                    message["catalog"]["entries"] = static.entries
                    _remember(worker.catalogs, static.token)
            return message

        def resend(worker: Worker, message: dict[str, Any], need: list[str]) -> None:
            if "source" in need:
                message["source"] = source
            if "catalog" in need and static is not None:
                message["catalog"]["entries"] = static.entries

        served: dict[str, Any] = {}

        def on_lookup(sku: str) -> Any:
            found = catalog.lookup([sku]).get(sku) if catalog is not None else None
            if found is not None:
                served[sku] = found
            return {sku: found}

        answer = self._request(build, timeout or self.limits.timeout,
                               None if static is not None else on_lookup, resend)
        self.stats.runs += 1
        result = answer.get("result")
        if not isinstance(result, dict) or not isinstance(result.get("catalog_used"), list):
            raise CalculatorError("the worker's result is malformed", code="worker_crashed")
        used = result["catalog_used"]
        # The entries the run read, from the platform's own data (not the worker's word).
        known = static.entries if static is not None else served
        result["catalog"] = {sku: dict(known[sku]) for sku in used
                             if isinstance(sku, str) and sku in known}
        return result


def _encoded(message: dict[str, Any]) -> bytes:
    try:
        return encode(message)
    except FrameError as exc:
        raise CalculatorError(f"the request is too large to send to a worker: {exc}",
                              code="too_large") from None


def _remember(known: set[str], key: str) -> None:
    if len(known) > 512:
        known.clear()
    known.add(key)


def _crash_code(worker: Worker) -> str:
    code = worker.process.returncode
    if code is not None and code < 0 and -code == signal.SIGXCPU:
        return "cpu_limit"
    return "worker_crashed"


def _worker_error(answer: dict[str, Any]) -> CalculatorError:
    body = answer.get("error")
    if not isinstance(body, dict):
        return CalculatorError("the worker's answer is malformed", code="worker_crashed")
    code = str(body["code"]) if body.get("code") in WORKER_CODES else "worker_crashed"
    message = body.get("message")
    line = body.get("line")
    details = body.get("details") if isinstance(body.get("details"), dict) else None
    if details is not None:
        details = {str(k)[:50]: clip(str(v), 200) for k, v in list(details.items())[:5]}
    return CalculatorError(clip(message) if isinstance(message, str) else code, code=code,
                           line=line if isinstance(line, int) and not isinstance(line, bool)
                           and 0 < line < 10**6 else None,
                           details=details)


_default_pool: WorkerPool | None = None
_default_lock = threading.Lock()


def default_pool() -> WorkerPool:
    """The process's shared pool (created on first use, closed at exit)."""
    global _default_pool
    with _default_lock:
        if _default_pool is None or _default_pool._pid != os.getpid():
            _default_pool = WorkerPool()
            atexit.register(_default_pool.close)
        return _default_pool
