"""The worker pool: the same price in every worker, nothing left behind by a run, workers
recycled when they grew, exactly one answer per request, and a fair share of the workers
for every user."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from calc_kit import BENIGN, BENIGN_TOTAL, CATALOG, calculator, run, source  # noqa: E402
from ordercraft.core.calc.api import describe
from ordercraft.core.calc.errors import CalculatorBusy, CalculatorError
from ordercraft.core.calc.protocol import FrameError, FrameTimeout, encode
from ordercraft.core.calc.registry import source_version
from ordercraft.core.calc.worker import Limits, WorkerPool

#: The order of a set of strings depends on the interpreter's hash seed.
SET_ORDER = calculator("""
    woods = {"oak", "pine", "mdf", "birch", "ash", "beech", "maple", "walnut", "cherry",
             "teak", "elm", "alder", "larch", "spruce", "fir", "cedar", "poplar", "willow"}
    first = list(woods)[0]
    return {"lines": [line(first, 1, len(first))], "notes": " ".join(woods)}
    """)
LOOP = calculator("while True:\n    pass")


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("VmRSS:")))


def test_the_same_inputs_give_the_same_price_in_every_fresh_worker():
    results = set()
    for _ in range(3):
        pool = WorkerPool(size=1, limits=Limits(timeout=10))
        try:
            result = run(SET_ORDER, pool=pool)
            results.add((result.total, result.notes))
        finally:
            pool.close()
    assert len(results) == 1


def test_unknown_codec_names_leave_nothing_behind():
    """Each refused codec name used to stay in ``encodings._cache`` for the worker's life:
    runs that make up new names would eat the memory of the runs after them."""
    pool = WorkerPool(size=1, limits=Limits(timeout=20))
    text = calculator("""
        refused = 0
        for i in range(p["start"], p["start"] + 50000):
            try:
                "x".encode("made-up-codec-" + str(i))
            except LookupError:
                refused += 1
        return [line("refused", refused, 1)]
        """, params='param("start", "int", default=0)')
    try:
        sizes = []
        for start in range(0, 250000, 50000):
            assert run(text, {"start": start}, pool=pool).total == 50000
            sizes.append(rss_kib(pool._idle[0].pid))
        assert pool.stats.spawned == 1
        # cached, 200,000 more names would take about 25 MiB; freed memory that the
        # allocator keeps for a while accounts for a few
        assert max(sizes) - sizes[0] < 8 * 1024, sizes
    finally:
        pool.close()


def test_a_worker_whose_memory_is_past_the_threshold_is_replaced_between_runs():
    """Nothing a run makes outlives it, so the memory a worker holds after a run is what
    leaked into the process; past the threshold, the worker is not reused."""
    pool = WorkerPool(size=1, limits=Limits(timeout=10))
    try:
        for _ in range(3):
            run(calculator('block = "x" * (150 * 2**20)\nreturn [line("x", 1, 1)]'), pool=pool)
        assert pool.stats.spawned == 1 and pool.stats.recycled == 0  # all of it was freed
        resident = rss_kib(pool._idle[0].pid)
        pool.limits = Limits(timeout=10, recycle_mb=resident // 1024 + 2)
        run(BENIGN, pool=pool)
        assert pool.stats.recycled == 0
        first = pool._idle[0].pid
        # a run that fails in the script is checked the same way
        failing = calculator("raise ValueError('no')")
        describe(source(failing), pool=pool)  # read now: the next request is the run
        pool.limits = Limits(timeout=10, recycle_mb=resident // 1024 - 1)
        with pytest.raises(CalculatorError):
            run(failing, pool=pool)
        assert pool._idle[0].pid != first
        assert pool.stats.recycled == pool.stats.replaced == 1
        pool.limits = Limits(timeout=10)
        assert str(run(BENIGN, pool=pool).total) == BENIGN_TOTAL
        assert pool.stats.recycled == 1
    finally:
        pool.close()


def test_a_request_the_worker_cannot_hold_gets_exactly_one_answer():
    """Out of memory while decoding a request: one error answer, then the worker exits
    (where its next frame would start is unknown), and the pool goes on."""
    pool = WorkerPool(size=1, limits=Limits(timeout=30, memory_mb=160))
    try:
        pool.warm()
        worker = pool._acquire(None)
        # a 6 MB frame that decodes into two million dicts (well over 160 MB)
        answer = worker.exchange(encode({"op": "ping", "pad": [{}] * 2_000_000}), 60)
        assert answer["ok"] is False and answer["error"]["code"] == "memory_limit"
        assert "reading the request" in answer["error"]["message"]
        with pytest.raises(FrameError) as ended:
            worker.reader.read(time.monotonic() + 60)
        assert not isinstance(ended.value, FrameTimeout)
        assert worker.process.wait(timeout=60) == 0
        pool._finish(worker, None, keep=False)
        assert str(run(BENIGN, pool=pool).total) == BENIGN_TOTAL
    finally:
        pool.close()


# --------------------------------------------------------------------------- fair share


def start_runs(pool: WorkerPool, owner: str, count: int) -> tuple[list[threading.Thread],
                                                                 list[BaseException]]:
    errors: list[BaseException] = []

    def spin() -> None:
        try:
            pool.run(source_version(LOOP), LOOP, {}, catalog=CATALOG, timeout=60, owner=owner)
        except CalculatorError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=spin) for _ in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while pool.in_progress(owner) < count:
        assert time.monotonic() < deadline, "the runs did not start"
        time.sleep(0.02)
    return threads, errors


def run_as(pool: WorkerPool, owner: str) -> dict:
    return pool.run(source_version(BENIGN), BENIGN, {}, catalog=CATALOG, owner=owner)


def test_one_user_looping_cannot_make_another_wait():
    pool = WorkerPool(size=3, limits=Limits(per_user=2, queue_timeout=0.5))
    threads, errors = start_runs(pool, "a", 2)
    try:
        assert pool.share == 2 and pool.in_progress() == 2
        assert run_as(pool, "b")["total"] == BENIGN_TOTAL
        assert pool.stats.queued == 0  # b's run started at once, beside a's loops
        # a third run of a's waits for one of theirs, and gives up at the deadline
        with pytest.raises(CalculatorBusy) as caught:
            run_as(pool, "a")
        assert caught.value.code == "busy" and caught.value.http_status == 429
        assert "you already have 2 calculator runs in progress" in caught.value.message
        assert (pool.stats.queued, pool.stats.busy) == (1, 1)
        assert pool.in_progress("a") == 2 and pool.in_progress("b") == 0
    finally:
        pool.close()
        for thread in threads:
            thread.join()
    assert [error.code for error in errors] == ["worker_crashed"] * 2


def test_one_user_never_holds_every_worker():
    pool = WorkerPool(size=2, limits=Limits(per_user=5, queue_timeout=0.3))
    threads, _errors = start_runs(pool, "a", 1)
    try:
        assert pool.share == 1
        with pytest.raises(CalculatorBusy):
            run_as(pool, "a")
        assert run_as(pool, "b")["total"] == BENIGN_TOTAL
    finally:
        pool.close()
        for thread in threads:
            thread.join()


def test_a_full_pool_answers_busy_after_the_deadline():
    pool = WorkerPool(size=2, limits=Limits(per_user=1, queue_timeout=0.3))
    threads, _errors = start_runs(pool, "a", 1)
    more, _ = start_runs(pool, "b", 1)
    try:
        with pytest.raises(CalculatorBusy) as caught:
            run_as(pool, "c")
        assert "every calculator worker is busy" in caught.value.message
        assert "0.3 s" in caught.value.message
    finally:
        pool.close()
        for thread in threads + more:
            thread.join()


def test_the_settings_come_from_the_environment():
    limits = Limits.from_environment({
        "ORDERCRAFT_CALC_RUNS_PER_USER": "3", "ORDERCRAFT_CALC_QUEUE_SECONDS": "2.5",
        "ORDERCRAFT_CALC_RECYCLE_MB": "300", "ORDERCRAFT_CALC_WORKER_USER": "calc",
        "ORDERCRAFT_CALC_WORKERS": "6"})
    assert (limits.per_user, limits.queue_timeout, limits.recycle_mb, limits.worker_user,
            limits.pool_size()) == (3, 2.5, 300, "calc", 6)
    assert Limits.from_environment({}).pool_size() >= 3
    with pytest.raises(CalculatorError) as caught:
        Limits.from_environment({"ORDERCRAFT_CALC_QUEUE_SECONDS": "soon"})
    assert caught.value.code == "configuration" and caught.value.http_status == 500
    assert caught.value.field == "ORDERCRAFT_CALC_QUEUE_SECONDS"
    assert "'soon' is not a number above zero" in caught.value.message
