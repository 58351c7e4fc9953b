"""Calculator runs per second: door.py through the warm worker pool, and what it compares to.

Run: python tests/bench/bench_calc.py [RUNS]

Measured in one process, one after the other (RUNS runs each, default 5000):

* pool       ``run_calculator("door", params, catalog=example_catalog())``: parameter
             validation, a warm sandboxed worker, result checks (the SDK path).
* pool x2    the same from two threads at once (two workers).
* plain      door.py's ``calculate`` called in this process: normal builtins, no guards,
             no process boundary (the ceiling).
* bare pipe  a pre-forked child that answers each frame at once (the pipe round trip
             alone, same framing).
* compile    compiling door.py under the restricted policy and running it, per run, in
             this process (what every run would cost without the code cache).

and prints the ratios of the pool to the others, the CPU time one pool run costs
on each side of the pipe, and how long an infinite loop takes to be stopped and the
next run to be served.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from ordercraft.core.calc.api import find_calculator, run_calculator
from ordercraft.core.calc.catalog import example_catalog
from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.calc.format import parse_calculator
from ordercraft.core.calc.protocol import FrameReader, encode, write_all
from ordercraft.core.calc.sandbox import RunState, compile_script, normalise_result, run_script
from ordercraft.core.calc.worker import WorkerPool

PARAMS = {"height": "2100", "width": "900", "material": "oak", "glazing": "half",
          "hinges": "3"}
ECHO_CHILD = """
import os, sys
from ordercraft.core.calc.protocol import FrameReader, encode, write_all
reader = FrameReader(0)
while True:
    try:
        message = reader.read()
    except Exception:
        break
    write_all(1, encode({"ok": True, "result": message}))
"""


BATCHES = 10


def rate(function, runs: int) -> float:
    """Runs per second of the best of BATCHES batches (what the machine does when other
    processes leave it alone); the median goes to MEDIANS under the same label."""
    size = max(runs // BATCHES, 1)
    rates = []
    for _ in range(BATCHES):
        start = time.perf_counter()
        for _ in range(size):
            function()
        rates.append(size / (time.perf_counter() - start))
    rates.sort()
    MEDIANS.append(rates[len(rates) // 2])
    return rates[-1]


MEDIANS: list[float] = []


def bench_pool(pool: WorkerPool, runs: int) -> tuple[float, float, float]:
    catalog = example_catalog()

    def once():
        return run_calculator("door", PARAMS, catalog=catalog, pool=pool)

    for _ in range(200):
        once()
    worker = pool._idle[-1]
    cpu_parent = time.process_time()
    cpu_child = worker.cpu
    per_second = rate(once, runs)
    parent = (time.process_time() - cpu_parent) / runs
    child = (worker.cpu - cpu_child) / runs if pool._idle and pool._idle[-1] is worker else 0.0
    return per_second, parent, child


def bench_pool_threads(pool: WorkerPool, runs: int, threads: int = 2) -> float:
    catalog = example_catalog()
    pool.warm(threads)
    rates = []
    for _ in range(BATCHES // 2):
        size = max(runs // BATCHES, 1)

        def work(size: int = size) -> None:
            for _ in range(size):
                run_calculator("door", PARAMS, catalog=catalog, pool=pool)

        workers = [threading.Thread(target=work) for _ in range(threads)]
        start = time.perf_counter()
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        rates.append(size * threads / (time.perf_counter() - start))
    rates.sort()
    MEDIANS.append(rates[len(rates) // 2])
    return rates[-1]


def bench_pool_raw(pool: WorkerPool, runs: int) -> float:
    """``WorkerPool.run`` alone: no parameter validation, no result objects."""
    source = find_calculator("door")
    params = {k: v for k, v in parse_calculator(source.source).spec.validate(PARAMS).items()}
    plain = {k: str(v) if not isinstance(v, (int, bool, str)) else v for k, v in params.items()}
    catalog = example_catalog()
    return rate(lambda: pool.run(source.version, source.source, plain, catalog=catalog), runs)


def door_functions() -> tuple[str, dict, dict]:
    source = find_calculator("door")
    parsed = parse_calculator(source.source)
    params = parsed.spec.validate(PARAMS)
    entries = {sku: dict(entry, price=__import__("decimal").Decimal(entry["price"]))
               for sku, entry in example_catalog().entries.items()}
    return source.source, params, entries


def bench_plain(runs: int) -> float:
    text, params, entries = door_functions()
    run = RunState(entries.get, max_output=1 << 16)
    namespace = {"__name__": "door", **run.helpers()}
    exec(compile(text, "door.py", "exec"), namespace)  # noqa: S102 - our own example
    calculate = namespace["calculate"]
    return rate(lambda: calculate(**params), runs)


def bench_compile_per_run(runs: int) -> float:
    text, params, entries = door_functions()

    def once():
        code = compile_script(parse_calculator(text).tree)
        normalise_result(run_script(code, params, RunState(entries.get, max_output=1 << 16)))

    return rate(once, runs)


def bench_bare_pipe(runs: int) -> float:
    child = subprocess.Popen([sys.executable, "-c", ECHO_CHILD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, bufsize=0)
    reader = FrameReader(child.stdout.fileno())
    message = encode({"op": "run", "version": "0" * 64, "params": PARAMS,
                      "catalog": {"token": "0" * 32}})

    def once():
        write_all(child.stdin.fileno(), message)
        reader.read(time.monotonic() + 5)

    try:
        for _ in range(200):
            once()
        return rate(once, runs)
    finally:
        child.kill()
        child.wait()


def bench_timeout(pool: WorkerPool) -> tuple[float, float]:
    text = ('"""Loop"""\nparams = []\ndef calculate():\n    while True:\n        pass\n')
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-loop-{os.getpid()}.py"
    path.write_text(text)
    try:
        start = time.perf_counter()
        try:
            run_calculator(str(path), {}, pool=pool)
        except CalculatorError as exc:
            assert exc.code == "timeout", exc.to_dict()
        stopped = time.perf_counter() - start
        start = time.perf_counter()
        run_calculator("door", PARAMS, catalog=example_catalog(), pool=pool)
        return stopped, time.perf_counter() - start
    finally:
        path.unlink()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print(f"door.py, {runs} runs each, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    pool = WorkerPool(size=2)
    try:
        pool.warm(1)
        pooled, parent_cpu, child_cpu = bench_pool(pool, runs)
        raw = bench_pool_raw(pool, runs)
        threaded = bench_pool_threads(pool, runs)
        plain = bench_plain(runs * 10)
        bare = bench_bare_pipe(runs)
        compiled = bench_compile_per_run(max(runs // 10, 100))
        stopped, next_run = bench_timeout(pool)
    finally:
        pool.close()
    median = dict(zip(("pool", "raw", "x2", "plain", "bare", "compile"), MEDIANS))
    print(f"best of {BATCHES} batches (median in brackets)")
    print(f"pool        {pooled:8,.0f} runs/s ({median['pool']:,.0f})   CPU per run: "
          f"{parent_cpu * 1e6:.0f} us platform + {child_cpu * 1e6:.0f} us worker")
    print(f"pool.run    {raw:8,.0f} runs/s ({median['raw']:,.0f})   without validation and "
          "result objects")
    print(f"pool x2     {threaded:8,.0f} runs/s ({median['x2']:,.0f})   two threads, two workers")
    print(f"plain       {plain:8,.0f} runs/s ({median['plain']:,.0f})   "
          f"pool / plain   = {pooled / plain:.3f}")
    print(f"bare pipe   {bare:8,.0f} trips/s ({median['bare']:,.0f})   "
          f"pool / bare    = {pooled / bare:.2f}")
    print(f"compile     {compiled:8,.0f} runs/s ({median['compile']:,.0f})   "
          f"pool / compile = {pooled / compiled:.1f}")
    print(f"an infinite loop was stopped after {stopped:.2f} s (limit 2 s); the next run "
          f"took {next_run * 1000:.0f} ms")


if __name__ == "__main__":
    main()
