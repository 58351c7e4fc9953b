"""A warm pool of calculator worker processes, seen from the platform.

The process layer of the sandbox. Each worker (:mod:`.child`) is started

* with an **environment holding only a fixed hash seed** (``PYTHONHASHSEED=0``: no
  database URL, no tokens; the same seed in every worker, so that iterating a set of
  strings gives the same order, and the same inputs the same price, whichever worker
  runs them), in an **empty read-only directory**, with **no inherited file
  descriptors** (``close_fds``) and in a **session of its own** (its own process
  group), so a kill reaches everything it might have started;
* then it confines itself before reading its first request (:mod:`.confine`): when the
  platform runs as root it becomes an unprivileged user (:attr:`Limits.worker_user`) in
  a network namespace of its own; a seccomp filter refuses sockets; rlimits bound
  address space, CPU time (per run and for its whole life), file size (0), open files
  and new processes (none).

The platform enforces a **wall-clock limit** per run (default 2 s): an in-process
alarm would not interrupt a C-level loop such as ``sum(range(10**15))``, and a
blocked process uses no CPU, so the pool kills the worker's whole process group
(``os.killpg``) when the deadline passes. A worker is **replaced** after a timeout, a
memory or CPU limit or a crash (the replacement starts at once, so the next request
finds a worker ready), and **recycled** between runs when its resident memory passed
:attr:`Limits.recycle_mb` or it reached its age limits; a run that merely failed (the
script raised, its result was refused) leaves an intact worker in the pool.

**Fair share**: one user has at most :attr:`Limits.per_user` runs in progress (and
always leaves one worker to the others); a run waits in a queue, in arrival order
among the users who may start one, for at most :attr:`Limits.queue_timeout` seconds,
then fails with :class:`~.errors.CalculatorBusy`. Everything that crosses the pipe is
plain JSON, checked on arrival; nothing is unpickled.

Speed: a worker compiles a script once per content hash and caches the code
object (fresh globals every run), and keeps catalog snapshots by token, so a warm
run costs one small frame each way.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ordercraft.core.calc.confine import ConfinementError, Identity, worker_identity
from ordercraft.core.calc.errors import (
    CalculatorBusy,
    CalculatorError,
    CalculatorSettingError,
    clip,
)
from ordercraft.core.calc.protocol import FrameError, FrameReader, FrameTimeout, encode, write_all

#: Codes a worker may report; anything else from a worker is treated as a crash.
WORKER_CODES = frozenset({
    "format", "syntax", "forbidden", "script_error", "unknown_sku", "invalid_result",
    "output_limit", "result_limit", "memory_limit", "too_large", "worker_crashed",
})


#: Failures after which the worker is still intact and stays in the pool: the script
#: raised, was refused an access, printed or returned too much or something invalid, or
#: the file did not load. A timeout, a memory or CPU limit or a crash replace it.
INTACT_AFTER = frozenset({
    "format", "syntax", "forbidden", "script_error", "unknown_sku", "invalid_result",
    "output_limit", "result_limit", "too_large",
})

#: Catalog lookups one run may ask the platform for (the worker stops at 500 itself).
MAX_LOOKUPS = 1000
#: The whole environment of a worker (see the module's docstring).
WORKER_ENVIRONMENT = {"PYTHONHASHSEED": "0"}
#: ``python -s -P``: no user site, nothing from the working directory on ``sys.path``;
#: not ``-I``, whose ``-E`` would ignore the hash seed (the environment holds nothing
#: else).
WORKER_COMMAND = (sys.executable, "-s", "-P", "-B", "-X", "utf8", "-m",
                  "ordercraft.core.calc.child")
#: Settings read from the environment by :meth:`Limits.from_environment`.
SETTINGS = {
    "ORDERCRAFT_CALC_WORKERS": "workers",
    "ORDERCRAFT_CALC_RUNS_PER_USER": "per_user",
    "ORDERCRAFT_CALC_QUEUE_SECONDS": "queue_timeout",
    "ORDERCRAFT_CALC_RECYCLE_MB": "recycle_mb",
    "ORDERCRAFT_CALC_WORKER_USER": "worker_user",
}

log = logging.getLogger("ordercraft.calc")


@dataclass(frozen=True)
class Limits:
    """Limits of one pool (defaults suit interactive pricing)."""

    #: Wall-clock seconds a run may take; the worker is killed after that.
    timeout: float = 2.0
    #: Reading a new calculator (parsing, compiling; a formula calculator's first
    #: rendering loads sympy into the worker).
    describe_timeout: float = 20.0
    #: Starting a worker: well under a second, unless the worker user cannot read the
    #: Python installation and it loads sympy before it drops privileges (several on a
    #: loaded machine).
    startup_timeout: float = 60.0
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
    #: A worker whose resident memory is above this after a run is replaced before
    #: the next one (the next user's run keeps its whole memory limit).
    recycle_mb: int = 128
    #: Workers in the pool (``None``: up to 4, one per CPU, and at least one more than
    #: ``per_user``).
    workers: int | None = None
    #: Runs one user may have in progress at once (never every worker of the pool).
    per_user: int = 2
    #: Seconds a run may wait for a worker before it fails with ``busy``.
    queue_timeout: float = 5.0
    #: The user workers run as when the platform runs as root (``None``: ``ordercraft-calc``
    #: if the system has it, else ``nobody``).
    worker_user: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Defaults, changed by the ``ORDERCRAFT_CALC_*`` variables (:data:`SETTINGS`)."""
        environ = os.environ if environ is None else environ
        kinds = {f.name: f.default for f in fields(cls)}
        values: dict[str, Any] = {}
        for variable, name in SETTINGS.items():
            text = environ.get(variable, "").strip()
            if not text:
                continue
            if name == "worker_user":
                values[name] = text
                continue
            convert = float if isinstance(kinds[name], float) else int
            try:
                number = convert(text)
            except ValueError:
                number = 0
            if not number > 0:
                raise CalculatorSettingError(f"{variable}: {text[:40]!r} is not a number above "
                                             "zero", field=variable)
            values[name] = number
        return cls(**values)

    def pool_size(self) -> int:
        return self.workers or max(min(4, os.cpu_count() or 2), self.per_user + 1)

    def child_config(self, identity: Identity | None) -> str:
        keys = ("memory_mb", "cpu_per_run", "cpu_hard", "open_files", "max_output",
                "max_result")
        data = asdict(self)
        config = {k: data[k] for k in keys}
        if identity is not None:
            config.update(user=identity.user, uid=identity.uid, gid=identity.gid)
        return json.dumps(config)


class Worker:
    """One worker process and its pipe."""

    def __init__(self, limits: Limits, workdir: str, identity: Identity | None) -> None:
        self.limits = limits
        self.identity = identity
        self.process = subprocess.Popen(
            [*WORKER_COMMAND, limits.child_config(identity)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=WORKER_ENVIRONMENT, cwd=workdir, close_fds=True, start_new_session=True,
            bufsize=0)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.write_fd = self.process.stdin.fileno()
        flags = fcntl.fcntl(self.write_fd, fcntl.F_GETFL)
        fcntl.fcntl(self.write_fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        self.reader = FrameReader(self.process.stdout.fileno())
        self.pid = self.process.pid
        self.started = time.monotonic()
        self.ready = False
        #: What the worker reported about its walls (:func:`.confine.confine`).
        self.walls: dict[str, Any] = {}
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
        if isinstance(hello, dict) and hello.get("ready") is False:
            reason = hello.get("error")
            raise CalculatorError(f"a calculator worker could not confine itself: "
                                  f"{clip(str(reason), 300)}", code="worker_crashed")
        if not isinstance(hello, dict) or hello.get("ready") is not True or not isinstance(
                hello.get("walls"), dict):
            raise CalculatorError("a calculator worker did not start properly",
                                  code="worker_crashed")
        self.walls = hello["walls"]
        if self.identity is not None:
            self.check_identity()
        self.ready = True

    def check_identity(self) -> None:
        """The kernel's word, not the worker's, that it no longer runs as root."""
        identity = self.identity
        if identity is None:
            return
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            status = ""
        ids = {line.split(":", 1)[0]: line.split()[1:] for line in status.splitlines()
               if line.startswith(("Uid:", "Gid:"))}
        expected = [[str(identity.uid)] * 4, [str(identity.gid)] * 4]
        if [ids.get("Uid"), ids.get("Gid")] != expected:
            raise CalculatorError(f"a calculator worker does not run as "
                                  f"{identity.user!r} (uid {identity.uid})",
                                  code="worker_crashed")

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

    def stop(self) -> None:
        """SIGKILL to the worker's process group."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self) -> None:
        self.stop()
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
    #: Workers killed and replaced by a fresh one, for any reason...
    replaced: int = 0
    #: ... and of those, the ones retired after a good run (memory past the threshold, age).
    recycled: int = 0
    runs: int = 0
    errors: int = 0
    timeouts: int = 0
    #: Runs that had to wait for a worker, and runs refused after the queue's deadline.
    queued: int = 0
    busy: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class _Ticket:
    """A request waiting for a worker, in arrival order."""

    __slots__ = ("owner", "waited", "worker")

    def __init__(self, owner: Hashable | None) -> None:
        self.owner = owner
        self.worker: Worker | None = None
        self.waited = False


class WorkerPool:
    """Warm calculator workers, at most ``size`` at a time; safe to share between threads.

    ``owner`` (a user's id; ``None`` for the process itself, as in the CLI or a script
    using the SDK) is who a request is for: one owner has at most :attr:`share` requests
    in progress.
    """

    def __init__(self, size: int | None = None, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.size = max(1, size or self.limits.pool_size())
        self.stats = PoolStats()
        self._workdir = tempfile.mkdtemp(prefix="ordercraft-calc-")
        os.chmod(self._workdir, 0o500)
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._count = 0
        self._running: Counter[Hashable] = Counter()
        self._queue: list[_Ticket] = []
        self._cond = threading.Condition()
        self._closed = False
        self._pid = os.getpid()
        self._identity: Identity | None = None
        self._walls_logged = False

    @property
    def share(self) -> int:
        """Requests one owner may have in progress: :attr:`Limits.per_user`, and never the
        whole pool (unless it has a single worker)."""
        return max(1, min(self.limits.per_user, self.size - 1))

    def in_progress(self, owner: Hashable | None = None) -> int:
        """Requests in progress: ``owner``'s, or all of them."""
        with self._cond:
            if owner is not None:
                return self._running[owner]
            return self._count - len(self._idle)

    # -------------------------------------------------------------- workers

    def _spawn(self) -> Worker:
        try:
            if self.stats.spawned == 0:
                self._identity = worker_identity(self.limits.worker_user)
            worker = Worker(self.limits, self._workdir, self._identity)
        except (OSError, ConfinementError) as exc:
            raise CalculatorError(f"cannot start a calculator worker: {exc}",
                                  code="worker_crashed") from None
        self.stats.spawned += 1
        return worker

    def _ready(self, worker: Worker) -> None:
        worker.wait_ready()
        if not self._walls_logged:
            self._walls_logged = True
            walls = worker.walls
            user = self._identity.user if self._identity else "the server's user"
            log.info("calculator workers run as %s (uid %s); network walls: %s", user,
                     walls.get("uid"), walls.get("network"))
            if walls.get("imports") == "preloaded":
                log.info("the calculator worker user cannot read the Python installation: "
                         "workers load sympy before they drop privileges (a slower start)")
            if walls.get("network") == "none":
                log.warning("calculator workers are not walled off the network: no network "
                            "namespace (that needs root) and no seccomp filter (libseccomp "
                            "is not installed)")

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
                self._ready(worker)
            except CalculatorError as exc:
                failure = exc
                self._retire(worker, replace=False)
                continue
            self._finish(worker, None, keep=True)
        if failure is not None:
            raise failure

    def _admit(self, ticket: _Ticket) -> bool:
        """Whether ``ticket`` may start now (under the lock): a worker is free, its owner
        is under their share, and no earlier request that may start is waiting."""
        if self._closed:
            raise CalculatorError("the calculator pool is closed", code="worker_crashed")
        if not self._idle and self._count >= self.size:
            return False
        share = self.share
        for waiting in self._queue:
            allowed = waiting.owner is None or self._running[waiting.owner] < share
            if waiting is ticket:
                if not allowed:
                    return False
                break
            if allowed:
                return False
        if ticket.owner is not None:
            self._running[ticket.owner] += 1
        if self._idle:
            ticket.worker = self._idle.pop()
            self._busy.add(ticket.worker)
        else:
            self._count += 1
        return True

    def _acquire(self, owner: Hashable | None) -> Worker:
        if os.getpid() != self._pid:
            raise CalculatorError("a calculator pool cannot be used across fork()",
                                  code="worker_crashed")
        deadline = time.monotonic() + self.limits.queue_timeout
        ticket = _Ticket(owner)
        with self._cond:
            self._queue.append(ticket)
            try:
                while not self._admit(ticket):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self.stats.busy += 1
                        raise self._busy_error(owner)
                    ticket.waited = True
                    self._cond.wait(remaining)
            finally:
                self._queue.remove(ticket)
                self.stats.queued += ticket.waited
                self._cond.notify_all()
        worker = ticket.worker
        try:
            if worker is None:
                worker = self._spawn()
                with self._cond:
                    self._busy.add(worker)
            self._ready(worker)
        except BaseException:
            if worker is None:
                with self._cond:
                    self._count -= 1
                self._finish(None, owner, keep=False)
            else:
                self._finish(worker, owner, keep=False, replace=False)
            raise
        return worker

    def _busy_error(self, owner: Hashable | None) -> CalculatorBusy:
        wait = f"{self.limits.queue_timeout:g} s"
        if owner is not None and self._running[owner] >= self.share:
            return CalculatorBusy(f"you already have {self._running[owner]} calculator runs in "
                                  f"progress, and this one could not start within {wait}; "
                                  "try again when one has finished")
        return CalculatorBusy(f"every calculator worker is busy and the run could not start "
                              f"within {wait}; try again in a moment")

    def _finish(self, worker: Worker | None, owner: Hashable | None, *, keep: bool,
                replace: bool = True) -> None:
        """A request is over: its owner may start another, and its worker goes back to
        the pool or is replaced."""
        with self._cond:
            if owner is not None:
                self._running[owner] -= 1
                if self._running[owner] <= 0:
                    del self._running[owner]
            if worker is not None:
                self._busy.discard(worker)
            if worker is not None and keep and not self._closed:
                self._idle.append(worker)
                worker = None
            self._cond.notify_all()
        if worker is not None:
            self._retire(worker, replace=replace and not keep)

    def _retire(self, worker: Worker, *, replace: bool = True) -> None:
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
            self._cond.notify_all()

    def close(self) -> None:
        """Stop every worker: idle ones now, and busy ones too (their runs end with
        ``worker_crashed``)."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            busy = list(self._busy)
            self._cond.notify_all()
        for worker in idle:
            worker.kill()
        for worker in busy:
            worker.stop()  # the thread waiting on its pipe sees it end and cleans up
        shutil.rmtree(self._workdir, ignore_errors=True)

    # -------------------------------------------------------------- requests

    def _reusable(self, worker: Worker, answer: dict[str, Any]) -> bool:
        """Whether the worker may serve another request after this answer: intact (a run
        that failed inside the script leaves it so) and within its memory and age."""
        error = answer.get("error")
        if answer.get("ok") is not True and not (
                isinstance(error, dict) and error.get("code") in INTACT_AFTER):
            return False
        try:
            worker.cpu = float(answer["cpu"])
            rss = int(answer["rss"])
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return False
        worker.runs += 1
        if (rss > self.limits.recycle_mb * 1024 * 1024 or worker.runs >= self.limits.max_runs
                or worker.cpu >= self.limits.max_cpu):
            self.stats.recycled += 1
            return False
        return True

    def _request(self, build: Callable[[Worker], dict[str, Any]], timeout: float,
                 on_lookup: Callable[[str], Any] | None = None,
                 resend: Callable[[Worker, dict[str, Any], list[str]], None] | None = None,
                 owner: Hashable | None = None) -> dict[str, Any]:
        worker = self._acquire(owner)
        keep = failed = False
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
            keep = self._reusable(worker, answer)
            if answer.get("ok") is True:
                return answer
            raise _worker_error(answer)
        except BaseException:
            failed = True
            raise
        finally:
            self.stats.errors += failed
            self._finish(worker, owner, keep=keep)

    def describe(self, source: str, *, owner: Hashable | None = None
                 ) -> tuple[str, dict[str, Any]]:
        """``(version, spec as plain data)`` of a calculator source, read in a worker."""
        answer = self._request(lambda worker: {"op": "describe", "source": source},
                               self.limits.describe_timeout, owner=owner)
        version, spec = answer.get("version"), answer.get("spec")
        if not isinstance(version, str) or not isinstance(spec, dict):
            raise CalculatorError("the worker's description is malformed", code="worker_crashed")
        return version, spec

    def run(self, version: str, source: str, params: Mapping[str, Any], *,
            catalog: Any = None, timeout: float | None = None,
            owner: Hashable | None = None) -> dict[str, Any]:
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
                               None if static is not None else on_lookup, resend, owner)
        self.stats.runs += 1
        result = answer.get("result")
        used = result.get("catalog_used") if isinstance(result, dict) else None
        if not isinstance(result, dict) or not isinstance(used, list):
            raise CalculatorError("the worker's result is malformed", code="worker_crashed")
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
    raw_code = body.get("code")
    code = raw_code if isinstance(raw_code, str) and raw_code in WORKER_CODES else "worker_crashed"
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
    """The process's shared pool (created on first use with the limits the
    ``ORDERCRAFT_CALC_*`` variables set, closed at exit)."""
    global _default_pool
    with _default_lock:
        if _default_pool is None or _default_pool._pid != os.getpid():
            _default_pool = WorkerPool(limits=Limits.from_environment())
            atexit.register(_default_pool.close)
        return _default_pool
