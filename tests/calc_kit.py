"""Helpers for the calculator tests: write a calculator in a few lines, run it."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ordercraft.core.calc.api import run_calculator
from ordercraft.core.calc.catalog import StaticCatalog, example_catalog
from ordercraft.core.calc.registry import CalculatorSource
from ordercraft.core.calc.worker import Limits, WorkerPool

CATALOG = StaticCatalog({
    "panel": {"name": "Panel", "unit": "m2", "price": "12.50", "attributes": {"grade": "A"}},
    "hinge": {"name": "Hinge", "price": "3.10"},
})


def calculator(body: str, *, params: str = "", header: str = "") -> str:
    """A script calculator whose ``calculate(**p)`` has ``body`` (indented for you)."""
    return (f'"""Test calculator\n\nWritten by a test.\n"""\n{textwrap.dedent(header)}\n'
            f"params = [{params}]\n\n"
            f"def calculate(**p):\n{textwrap.indent(textwrap.dedent(body), '    ')}\n")


BENIGN = calculator('return [line("Panel", 2, price("panel")), part("hinge", 3)]')
BENIGN_TOTAL = "34.30"


def source(text: str, name: str = "test") -> CalculatorSource:
    return CalculatorSource(name=name, source=text, origin="file")


def run(text: str, params: dict[str, Any] | None = None, *, pool: WorkerPool,
        catalog: Any = CATALOG, **kwargs: Any) -> Any:
    return run_calculator(source(text), params or {}, catalog=catalog, pool=pool, **kwargs)


def short_pool(timeout: float = 0.6, **limits: Any) -> WorkerPool:
    """A pool whose runs stop early: resource bombs need not take the default 2 s."""
    return WorkerPool(size=2, limits=Limits(timeout=timeout, **limits))


def cpu_ticks(pid: int) -> int:
    """User and system CPU time process ``pid`` has used, in clock ticks (0 once it is
    gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def wait_until(condition: Callable[[], Any], what: str, seconds: float = 60.0) -> Any:
    """Poll ``condition`` until it is true (returned) or fail after ``seconds``: tests wait
    for a state, never for a fixed time, so a busy machine only makes them slower."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, f"waited {seconds:g} s for {what}"
        time.sleep(0.01)
    return result


__all__ = ["BENIGN", "BENIGN_TOTAL", "CATALOG", "calculator", "cpu_ticks", "example_catalog",
           "run", "short_pool", "source", "wait_until"]
