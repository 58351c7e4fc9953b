"""The attack suite: known RestrictedPython and safe-eval escapes against the sandbox.

Every attack must fail cleanly (a CalculatorError with a code and, where it makes
sense, the script line), and the pool must serve the next benign run at once.
"""

from __future__ import annotations

import os
import select
import threading
import time
from pathlib import Path

import pytest

from calc_kit import BENIGN, BENIGN_TOTAL, calculator, cpu_ticks, run, short_pool, wait_until
from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.calc.worker import Limits, WorkerPool

FORBIDDEN = {"forbidden"}
ERROR = {"script_error"}


@pytest.fixture(scope="module")
def pool():
    pool = short_pool(timeout=0.8)
    pool.warm()
    yield pool
    pool.close()


def attack(name, body, codes, *, header="", raw=None, match=None):
    text = raw if raw is not None else calculator(body, header=header)
    return pytest.param(text, codes, match, id=name)


ATTACKS = [
    # ------------------------------------------------------------ format strings
    attack("str.format attribute", 'x = "{0.__class__}".format(1)', FORBIDDEN, match="format"),
    attack("str.format via getattr", 'x = getattr("{0.__class__}", "format")(1)', FORBIDDEN),
    attack("str.format unbound", 'x = getattr(str, "format")("{0.__class__}", 1)', FORBIDDEN),
    attack("format_map", 'x = "{a.__class__}".format_map({"a": 1})', FORBIDDEN),
    attack("format_map via getattr", 'x = getattr("{a}", "format_" + "map")({"a": 1})',
           FORBIDDEN),
    attack("string.Formatter", "import string\nf = string.Formatter()", FORBIDDEN,
           match="import of 'string'"),
    attack("string.Formatter format call", 'import string\nx = string.Formatter().format("{0}", 1)',
           FORBIDDEN),
    attack("from string import Formatter", "from string import Formatter", FORBIDDEN),
    attack("f-string attribute", 'x = f"{(1).__class__!r}"', FORBIDDEN),
    attack("f-string conversion of getattr", 'x = f"{getattr(1, \'__class__\')!a:>40}"',
           FORBIDDEN),
    attack("format spec does no lookups", 'x = format(1, "{0.__class__}")', ERROR,
           match="ValueError"),
    # ------------------------------------------------------------ frames and generators
    attack("generator gi_frame", "g = (x for x in [1])\nf = g.gi_frame", FORBIDDEN,
           match="gi_frame"),
    attack("frame walking", "g = (x for x in [1])\nf = g.gi_frame.f_back.f_globals", FORBIDDEN),
    attack("generator gi_frame via getattr", 'g = (x for x in [1])\nf = getattr(g, "gi_" + "frame")',
           FORBIDDEN),
    attack("generator gi_code", 'g = (x for x in [1])\nc = getattr(g, "gi_code")', FORBIDDEN),
    attack("generator send/throw", 'g = (x for x in [1])\ns = getattr(g, "send")', FORBIDDEN,
           match="generator"),
    attack("yield-based generators", "def g():\n    yield 1\nreturn list(g())", FORBIDDEN,
           match="yield"),
    attack("traceback via exception", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
           "    t = e.__traceback__.tb_frame", FORBIDDEN),
    attack("traceback via getattr", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
           '    t = getattr(e, "__traceback__")', FORBIDDEN),
    attack("tb_frame by name", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
           '    t = getattr(e, "with_traceback")', FORBIDDEN, match="args"),
    attack("AttributeError.obj leak", "try:\n    [].nothing\nexcept AttributeError as e:\n"
           "    o = e.obj", FORBIDDEN, match="args"),
    attack("exception context chain", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
           '    c = getattr(e, "__context__")', FORBIDDEN),
    attack("frame of a function", 'def f():\n    pass\nc = getattr(f, "__code__")', FORBIDDEN),
    # ------------------------------------------------------------ class hierarchy walking
    attack("__subclasses__", "s = ().__class__.__bases__[0].__subclasses__()", FORBIDDEN),
    attack("__subclasses__ via getattr",
           'o = getattr(getattr((), "__class__"), "__base__")', FORBIDDEN),
    attack("__mro__", 'm = getattr(int, "__mro__")', FORBIDDEN),
    attack("mro()", "m = int.mro()", FORBIDDEN),
    attack("type()", "t = type(1)", ERROR, match="NameError"),
    attack("type() three arguments", 't = type("A", (), {})', ERROR, match="NameError"),
    attack("class statement", "class A:\n    pass", FORBIDDEN, match="classes"),
    attack("function __globals__", "g = price.__globals__", FORBIDDEN),
    attack("function __globals__ via getattr", 'g = getattr(price, "__glob" + "als__")',
           FORBIDDEN),
    attack("func_globals (Python 2 name)", 'g = getattr(price, "func_globals")', FORBIDDEN),
    attack("closure cells", 'c = getattr(price, "__closure__")', FORBIDDEN),
    attack("__builtins__ name", "b = __builtins__", FORBIDDEN),
    attack("builtins through a builtin's __self__", 'b = getattr(len, "__self__")', FORBIDDEN),
    attack("bound method __self__", 'b = getattr("".join, "__self__")', FORBIDDEN),
    attack("guard function internals", 'r = getattr(getattr, "run")', FORBIDDEN),
    attack("vars/dir/globals/locals", "v = vars()", ERROR, match="NameError"),
    attack("globals()", "g = globals()", ERROR, match="NameError"),
    attack("dir()", "d = dir(price)", ERROR, match="NameError"),
    attack("open()", 'f = open("/etc/passwd")', ERROR, match="NameError"),
    attack("eval()", 'x = eval("1")', FORBIDDEN, match="Eval"),
    attack("exec()", 'exec("x = 1")', FORBIDDEN, match="Exec"),
    attack("compile()", 'c = compile("1", "x", "eval")', ERROR, match="NameError"),
    attack("setattr()", 'setattr(price, "x", 1)', ERROR, match="NameError"),
    attack("object()", "o = object()", ERROR, match="NameError"),
    # ------------------------------------------------------------ imports, every route
    attack("import os", "import os", FORBIDDEN, match="import of 'os'"),
    attack("import sys", "import sys", FORBIDDEN),
    attack("import subprocess", "import subprocess", FORBIDDEN),
    attack("import os.path", "import os.path", FORBIDDEN),
    attack("from os import system", "from os import system", FORBIDDEN),
    attack("import importlib", "import importlib", FORBIDDEN),
    attack("import time (sleep)", "import time\ntime.sleep(10)", FORBIDDEN),
    attack("__import__ call", 'os = __import__("os")', FORBIDDEN),
    attack("relative import", "from . import door", FORBIDDEN),
    attack("star import", "from math import *", FORBIDDEN),
    attack("math.__loader__", "import math\nl = math.__loader__", FORBIDDEN),
    attack("from math import __loader__", "from math import __loader__", FORBIDDEN),
    attack("from math import underscore name via alias", "from math import sqrt as _s",
           FORBIDDEN),
    attack("math __spec__ via getattr", 'import math\ns = getattr(math, "__spec__")',
           FORBIDDEN),
    attack("decimal module internals", "import decimal\nc = decimal.getcontext()", ERROR,
           match="AttributeError"),
    attack("from decimal import getcontext", "from decimal import getcontext", FORBIDDEN),
    attack("from decimal import sys", "from decimal import sys", FORBIDDEN),
    attack("datetime module's sys", "import datetime\ns = datetime.sys", ERROR,
           match="AttributeError"),
    attack("module view internals", 'import math\nm = getattr(math, "_members")', FORBIDDEN),
    # ------------------------------------------------------------ reaching modules from objects
    attack("Decimal class module", 'm = getattr(D(1), "__class__")', FORBIDDEN),
    attack("Decimal class methods", "f = Decimal.from_float(0.5)", FORBIDDEN,
           match="type objects"),
    attack("str type attribute", 'f = str.maketrans("a", "b")', FORBIDDEN),
    attack("date.today via the type", "import datetime\nd = datetime.date.today()", FORBIDDEN),
    attack("the clock through an instance",
           "import datetime\nd = datetime.date(2024, 1, 2).today()", FORBIDDEN, match="no clock"),
    attack("struct_time attributes",
           "import datetime\nt = datetime.date(2024, 1, 2).timetuple().tm_year", FORBIDDEN),
    attack("int real __class__", 'c = getattr((1).real, "__class__")', FORBIDDEN),
    attack("dict view mapping", "m = {}.keys().mapping", FORBIDDEN, match="dict_keys"),
    attack("iterator attributes", 'i = getattr(iter([1]), "__reduce__")', FORBIDDEN),
    # ------------------------------------------------------------ unicode look-alikes
    # NFKC turns these into __class__, __builtins__, __import__, eval: the checks see that
    attack("full-width letters in a dunder attribute", "c = (1).__\uff43\uff4c\uff41\uff53\uff53__",
           FORBIDDEN, match="__class__"),
    attack("full-width letters in a dunder name", "b = __\uff42uiltins__", FORBIDDEN,
           match="__builtins__"),
    attack("bold letters in __import__", 'o = __\U0001d422mport__("os")', FORBIDDEN),
    attack("full-width eval", 'x = \uff45\uff56\uff41\uff4c("1")', FORBIDDEN, match="Eval"),
    attack("full-width underscore cannot start a name", "b = \uff3f\uff3fbuiltins\uff3f\uff3f",
           {"syntax"}),
    attack("mathematical letters for getattr",
           'c = \U0001d420\U0001d41e\U0001d42d\U0001d41a\U0001d42d\U0001d42d\U0001d42b'
           '(1, "__class__")', FORBIDDEN),
    attack("look-alike string is not normalised at runtime",
           'c = getattr(1, "\uff3f\uff3fclass\uff3f\uff3f")', ERROR, match="AttributeError"),
    # ------------------------------------------------------------ tampering and writes
    attack("write to a module", "import math\nmath.pi = 3", FORBIDDEN, match="changed"),
    attack("delete from a module", "import math\ndel math.pi", FORBIDDEN),
    attack("write to a function", "price.cache = {}", FORBIDDEN),
    attack("item assignment on a string", 'x = "abc"\nx[0] = "z"', FORBIDDEN),
    attack("write to Decimal", "D.x = 1", FORBIDDEN),
    attack("print to a file object", 'print("x", file=[])', FORBIDDEN),
    attack("swallowed violation still fails",
           'try:\n    getattr(1, "__class__")\nfinally:\n    return []', FORBIDDEN),
    attack("violation caught by a broad except",
           'try:\n    getattr(1, "__class__")\nexcept Exception:\n    pass\nreturn []', FORBIDDEN),
    attack("bare except", "try:\n    pass\nexcept:\n    pass", FORBIDDEN, match="bare"),
    attack("except* (exception groups)", "try:\n    pass\nexcept* ValueError:\n    pass",
           FORBIDDEN, match="TryStar"),
    attack("match statement", "match 1:\n    case _:\n        pass", FORBIDDEN),
    attack("async function", "async def f():\n    pass", FORBIDDEN),
    attack("global statement", "global price", FORBIDDEN),
    attack("with statement", "with price:\n    pass", FORBIDDEN),
    attack("SystemExit", "raise SystemExit(0)", ERROR, match="NameError"),
    attack("KeyboardInterrupt", "raise KeyboardInterrupt", ERROR, match="NameError"),
    attack("BaseException handler", "try:\n    1 / 0\nexcept BaseException:\n    pass",
           ERROR, match="NameError"),
    # ------------------------------------------------------------ resource bombs
    attack("infinite loop", "while True:\n    pass", {"timeout"}),
    attack("C-level loop", "return sum(range(10**15))", {"timeout"}),
    attack("huge string", 'x = "x" * 10**10', {"memory_limit"}),
    attack("huge list", "x = [0] * 10**10", {"memory_limit"}),
    attack("huge int", "x = 10**10**8", {"timeout"}),
    attack("huge int to text", "x = str(10**5000)", ERROR, match="ValueError"),
    attack("deep recursion", "def f(n):\n    return f(n + 1)\nf(0)", ERROR, match="recursed"),
    attack("output flood", 'while True:\n    print("x" * 1000)', {"output_limit"}),
    attack("one huge print", 'print("x" * 10**7)', {"output_limit"}),
    attack("result too large", 'return {"lines": [], "details": {str(i): "x" * 2000 '
           "for i in range(200)}}", {"result_limit", "invalid_result"}),
    attack("self-referencing result", 'd = {}\nd["d"] = d\nreturn {"lines": [], "details": d}',
           {"invalid_result"}),
    attack("float money", 'return [line("x", 1, 0.1)]', {"invalid_result"}, match="float"),
    attack("huge exception message", 'raise ValueError("x" * 10**6)', ERROR),
    attack("module-level infinite loop", "return []", {"timeout"},
           header="while True:\n    pass\n"),
    attack("compiler recursion", "", {"syntax", "worker_crashed"},
           raw='"""Deep"""\nparams = []\ndef calculate():\n    return ' + "-" * 30000 + "1\n"),
    attack("parser nesting", "", {"syntax"},
           raw='"""Deep"""\nparams = []\ndef calculate():\n    return ' + "(" * 5000 + "1"
               + ")" * 5000 + "\n"),
    attack("source too large", "", {"too_large"}, raw='"""Big"""\n' + "#" * 70000),
]


@pytest.mark.parametrize(("text", "codes", "match"), ATTACKS)
def test_attack_fails_cleanly_and_the_next_run_succeeds(pool, text, codes, match):
    with pytest.raises(CalculatorError) as caught:
        run(text, pool=pool)
    error = caught.value
    assert error.code in codes, error.to_dict()
    assert len(error.message) <= 500
    if match:
        assert match in error.message, error.message
    if error.code in ("forbidden", "script_error") and "NameError" not in error.message:
        assert error.line is not None, error.to_dict()
    assert str(run(BENIGN, pool=pool).total) == BENIGN_TOTAL


def test_errors_name_the_script_line(pool):
    text = calculator("x = 1\ny = 2\nz = x / 0")
    with pytest.raises(CalculatorError) as caught:
        run(text, pool=pool)
    assert caught.value.code == "script_error"
    assert caught.value.message == "ZeroDivisionError: division by zero"
    # the body starts after the docstring (4 lines), a blank, params, blank and the def
    assert caught.value.line == text.splitlines().index("    z = x / 0") + 1


def test_an_unknown_sku_names_the_sku(pool):
    with pytest.raises(CalculatorError) as caught:
        run(calculator('return [part("panel-teak", 1)]'), pool=pool)
    assert caught.value.code == "unknown_sku"
    assert "'panel-teak'" in caught.value.message
    assert caught.value.details == {"sku": "panel-teak"}


def test_a_script_may_catch_a_missing_sku(pool):
    text = calculator('try:\n    p = price("nope")\nexcept LookupError:\n    p = D("1.5")\n'
                      'return [line("x", 2, p)]')
    assert str(run(text, pool=pool).total) == "3.00"


# --------------------------------------------------------------------------- state leaks


def _single_worker_pool() -> WorkerPool:
    pool = short_pool(timeout=1.0)
    pool.size = 1
    return pool


def test_no_state_survives_between_runs():
    pool = _single_worker_pool()
    try:
        keeper = calculator("""
            seen = counter(1)
            print("seen", seen)
            return [line("x", seen, 1)]
            """, header="""
            store = []
            def counter(n):
                store.append(n)
                return len(store)
            """)
        first = run(keeper, pool=pool)
        second = run(keeper, pool=pool)
        assert first.total == second.total == 1
        assert second.output == "seen 1\n"
        pid = pool._idle[0].pid
        # shadowing builtins in one run leaves the next run's builtins alone
        run(calculator("return []", header="len = lambda x: 42\nsorted = None\n"), pool=pool)
        assert str(run(calculator("return [line('x', len([1, 2]), 1)]"), pool=pool).total) == (
            "2.00")
        # catalog entries handed to a run are copies
        run(calculator('item("panel")["price"] = D(0)\nreturn []'), pool=pool)
        assert run(calculator('return [line("x", 1, item("panel")["price"])]'),
                   pool=pool).total == run(calculator('return [part("panel", 1)]'),
                                            pool=pool).total
        # the decimal context is new each run: precision and rounding cannot be changed,
        # and a run's flags do not carry over
        text = calculator('return [line("x", 1, D(2) / 3)]')
        assert str(run(text, pool=pool).lines[0].unit_price) == "0.6666666666666666666666666667"
        # all of these ran in the same warm worker
        assert pool._idle[0].pid == pid
    finally:
        pool.close()


def test_a_failing_run_keeps_its_intact_worker():
    """A script that raises, is refused an access or returns a wrong result fails alone:
    its worker is intact and serves the next run (no respawn)."""
    pool = _single_worker_pool()
    try:
        run(BENIGN, pool=pool)
        first = pool._idle[0].pid
        for body in ("raise ValueError('no')", "return 5", 'return [part("nope", 1)]',
                     'x = getattr(1, "__class__")', 'print("x" * 10**6)'):
            with pytest.raises(CalculatorError):
                run(calculator(body), pool=pool)
        assert pool._idle[0].pid == first
        assert (pool.stats.spawned, pool.stats.replaced, pool.stats.errors) == (1, 0, 5)
        assert str(run(BENIGN, pool=pool).total) == BENIGN_TOTAL
    finally:
        pool.close()


@pytest.mark.parametrize(("body", "code"), [("while True:\n    pass", "timeout"),
                                            ('x = "x" * 10**9', "memory_limit")])
def test_a_limit_breach_replaces_the_worker(body, code):
    pool = _single_worker_pool()
    try:
        run(BENIGN, pool=pool)
        first = pool._idle[0].pid
        with pytest.raises(CalculatorError) as caught:
            run(calculator(body), pool=pool)
        assert caught.value.code == code
        assert pool._idle[0].pid != first and pool.stats.replaced == 1
        assert not Path(f"/proc/{first}").exists() or "zombie" in Path(
            f"/proc/{first}/status").read_text().lower()
        assert str(run(BENIGN, pool=pool).total) == BENIGN_TOTAL
    finally:
        pool.close()


# --------------------------------------------------------------------------- the process layer


def test_a_replacement_left_idle_past_the_start_up_limit_still_serves():
    """A worker started to replace a stopped one is checked when it is first handed out,
    which may be long after its start-up limit: its greeting is waiting by then."""
    pool = _single_worker_pool()
    try:
        with pytest.raises(CalculatorError):  # stopped by the 1 s limit: replaced at once
            run(calculator("while True:\n    pass"), pool=pool)
        replacement = pool._idle[0]
        assert not replacement.ready
        select.select([replacement.reader.fd], [], [], 60)  # it has greeted
        replacement.started -= 3600  # as if it had waited an hour
        assert str(run(BENIGN, pool=pool).total) == BENIGN_TOTAL
        assert pool._idle[0] is replacement
    finally:
        pool.close()


def test_worker_process_is_isolated():
    pool = _single_worker_pool()
    try:
        pool.warm()
        pid = pool._idle[0].pid
        proc = Path(f"/proc/{pid}")
        # nothing but the hash seed that makes set order the same in every worker
        assert (proc / "environ").read_bytes() == b"PYTHONHASHSEED=0\x00"
        assert sorted(os.listdir(proc / "fd")) == ["0", "1", "2", "3"]
        assert os.readlink(proc / "fd" / "2") == "/dev/null"
        assert os.readlink(proc / "fd" / "3") == f"/proc/{pid}/statm"
        cwd = os.readlink(proc / "cwd")
        assert os.listdir(cwd) == []
        assert os.stat(cwd).st_mode & 0o777 == 0o500
        assert os.getpgid(pid) == pid and os.getsid(pid) == pid
        limits = {line[:26].strip(): line[26:].split()
                  for line in (proc / "limits").read_text().splitlines()[1:]}
        assert limits["Max file size"][:2] == ["0", "0"]
        assert limits["Max core file size"][:2] == ["0", "0"]
        assert limits["Max open files"][:2] == ["32", "32"]
        assert int(limits["Max address space"][0]) == 512 * 1024 * 1024
        assert limits["Max processes"][:2] == ["0", "0"]
        assert limits["Max cpu time"][1] == "3600"
        assert int(limits["Max cpu time"][0]) <= 10
    finally:
        pool.close()


def test_an_infinite_loop_stops_within_the_default_limit_and_the_pool_serves_right_after():
    pool = WorkerPool(size=1)
    try:
        pool.warm()
        started = time.monotonic()
        with pytest.raises(CalculatorError) as caught:
            run(calculator("while True:\n    pass"), pool=pool)
        # Stopped by the wall clock (however busy the machine, never before the limit).
        assert caught.value.code == "timeout"
        assert "2 s" in caught.value.message and pool.limits.timeout == 2.0
        assert time.monotonic() - started >= 2.0
        # Served right after: the stopped worker's replacement was started with the kill,
        # so the next run finds it warm and no worker is started for it.
        assert (pool.stats.spawned, pool.stats.replaced, len(pool._idle)) == (2, 1, 1)
        assert str(run(BENIGN, pool=pool).total) == BENIGN_TOTAL
        assert pool.stats.spawned == 2
    finally:
        pool.close()


def test_a_killed_worker_is_an_error_not_a_crash():
    # A wall-clock limit no busy machine reaches: the kill is what ends the run.
    pool = WorkerPool(size=1, limits=Limits(timeout=120.0))
    try:
        pool.warm()
        pid = pool._idle[0].pid
        idle = cpu_ticks(pid)
        finished = threading.Event()

        def kill_once_spinning() -> None:
            wait_until(lambda: finished.is_set() or cpu_ticks(pid) >= idle + 20,
                       "the worker to spin in the script")
            if not finished.is_set():
                os.kill(pid, 9)

        killer = threading.Thread(target=kill_once_spinning)
        killer.start()
        try:
            with pytest.raises(CalculatorError) as caught:
                run(calculator("while True:\n    pass"), pool=pool)
        finally:
            finished.set()
            killer.join()
        assert caught.value.code == "worker_crashed"
        assert "SIGKILL" in caught.value.message
        assert str(run(BENIGN, pool=pool).total) == BENIGN_TOTAL
    finally:
        pool.close()


def test_the_cpu_limit_stops_a_worker_the_wall_clock_does_not():
    # The wall-clock limit is far above what the CPU limit allows even on a machine busy
    # with other work (a process there gets a fraction of a core): the CPU limit, set in
    # the worker, ends the run, and the kernel's SIGXCPU says so.
    pool = WorkerPool(size=1, limits=Limits(timeout=120.0, cpu_per_run=1))
    try:
        pool.warm()
        pid = pool._idle[0].pid
        with pytest.raises(CalculatorError) as caught:
            run(calculator("while True:\n    pass"), pool=pool)
        assert caught.value.code == "cpu_limit"
        assert "SIGXCPU" in caught.value.message
        assert pool.stats.timeouts == 0
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(
            f"/proc/{pid}/status").read_text().lower()
    finally:
        pool.close()


def test_the_boundary_turns_every_base_exception_into_an_error(monkeypatch):
    """SystemExit and KeyboardInterrupt cannot be raised by a script (not in its builtins);
    if anything raised them inside the worker, the answer is still an error."""
    from ordercraft.core.calc import child, sandbox

    server = child.Server(child.Config(), reader=None)
    _version, prepared = server.prepare(BENIGN)
    for exc in (SystemExit(0), KeyboardInterrupt(), GeneratorExit(), MemoryError()):
        def explode(*args, exc=exc):
            raise exc
        monkeypatch.setattr(sandbox, "run_script", explode)
        with pytest.raises(CalculatorError) as caught:
            server.execute(prepared, {}, {}.get)
        assert caught.value.code in ("script_error", "memory_limit")
        answer = child.error_answer(caught.value)
        assert answer["ok"] is False and answer["error"]["code"] == caught.value.code


def test_a_hostile_worker_answer_is_refused():
    """The platform checks what a worker says: a forged huge frame or a result of the
    wrong shape is an error, never trusted data."""
    from ordercraft.core.calc.protocol import HEADER, FrameError, FrameReader

    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, HEADER.pack(1 << 30))
        with pytest.raises(FrameError, match="above the limit"):
            FrameReader(read_fd).read(time.monotonic() + 1)
    finally:
        os.close(read_fd)
        os.close(write_fd)
    from ordercraft.core.calc.format import parse_calculator
    from ordercraft.core.calc.result import CalcResult

    spec = parse_calculator(BENIGN).spec
    for forged in ({"total": "1e999999", "lines": []}, {"total": "1", "lines": [{"kind": "x"}]},
                   {"total": "NaN", "lines": []}, {"total": "1", "lines": "x"}):
        with pytest.raises(CalculatorError) as caught:
            CalcResult.from_worker(forged, calculator="t", origin="file", version="v",
                                   spec=spec, params={})
        assert caught.value.code == "worker_crashed"


@pytest.mark.parametrize(("body", "message"), [
    ("return 5", "calculate() must return a dict or a list of lines, not int"),
    ('return {"lines": [], "price": 1}', "unknown key 'price' in the result"),
    ('return [{"name": "x", "qty": 1}]', "line 1: unit_price must be a finite number, not None"),
    ('return [line("", 1, 1)]', "line 1: name must be non-empty text"),
    ('return [line("x", "1", 1)]', "line 1: qty must be a finite number, not '1'"),
    ('return [line("x", 1, 1, kind="gift")]', "line 1: kind must be one of part, operation, other"),
    ('l = line("x", 1, 1)\nl["colour"] = "red"\nreturn [l]', "line 1: unknown key 'colour'"),
    ('return [line("x", 1, 1), line("y", D("1e30"), 1)]', "line 2: qty is out of range"),
    ("return [5]", "line 1 must be made with line(), part() or work(), not a int"),
    ('return {"lines": [], "details": {"f": len}}',
     "details hold a builtin_function_or_method"),
    ('return {"lines": [], "notes": 5}', "notes must be text"),
    ('return {"lines": [], "total": "12"}', "total must be a finite number"),
])
def test_result_mistakes_are_named(pool, body, message):
    with pytest.raises(CalculatorError) as caught:
        run(calculator(body), pool=pool)
    assert caught.value.code == "invalid_result"
    assert message in caught.value.message, caught.value.message


def test_a_result_can_set_its_total_and_details(pool):
    text = calculator('lines = [line("x", 3, D("0.335"))]\n'
                      'return {"lines": lines, "total": D("1.005"), "notes": "rounded",\n'
                      '        "details": {"area": D("1.50"), "rows": [1, 2, {"a": D("1E+3")}]}}')
    result = run(text, pool=pool)
    assert str(result.lines[0].amount) == "1.01"     # 1.005 rounded half up to cents
    assert str(result.total) == "1.01"
    assert result.details == {"area": "1.50", "rows": [1, 2, {"a": "1000"}]}
    assert result.notes == "rounded"


def test_a_long_sku_is_simply_unknown(pool):
    with pytest.raises(CalculatorError) as caught:
        run(calculator('return [line("x", 1, price("s" * 100000))]'), pool=pool)
    assert caught.value.code == "unknown_sku"
    assert len(caught.value.message) < 200


# --------------------------------------------------------------------------- what scripts see


def test_helpers_show_their_names_only(pool):
    """No internal class name, closure name or memory address reaches a script's output."""
    text = calculator("""
        shown = [repr(h) for h in (price, item, line, part, work, money, D, getattr, hasattr,
                                   print, param, formula)]
        print(*shown, sep=", ")
        try:
            price("nothing")
        except LookupError as e:
            print(repr(e))
        return []
        """)
    output = run(text, pool=pool).output
    assert output == (
        "<function price>, <function item>, <function line>, <function part>, "
        "<function work>, <function money>, <function D>, <function getattr>, "
        "<function hasattr>, <function print>, <function param>, <function formula>\n"
        "LookupError(\"the catalog has no item with sku 'nothing'\")\n")
    with pytest.raises(CalculatorError) as caught:
        run(calculator('f = getattr(price, "func")'), pool=pool)
    assert caught.value.code == "forbidden"


def test_dates_format_and_parse(pool):
    text = calculator("""
        import datetime
        from datetime import date
        day = date(2024, 3, 5)
        moment = datetime.datetime.strptime("2024-02-03 10:11", "%Y-%m-%d %H:%M")
        again = moment.strptime("05.03.2024", "%d.%m.%Y")
        print(day.strftime("%d.%m.%Y"), f"{day:%Y/%m/%d}", format(moment, "%H:%M"),
              moment.isoformat(), again.date() == day, date.fromisoformat("2024-12-31"))
        return []
        """)
    assert run(text, pool=pool).output == (
        "05.03.2024 2024/03/05 10:11 2024-02-03T10:11:00 True 2024-12-31\n")
    with pytest.raises(CalculatorError) as caught:
        run(calculator('import datetime\nx = datetime.datetime.strptime("x", "%Y")'), pool=pool)
    assert caught.value.code == "script_error" and "ValueError" in caught.value.message
    # the clock stays out of reach through the class as through an instance
    with pytest.raises(CalculatorError) as caught:
        run(calculator("import datetime\nx = datetime.datetime.now()"), pool=pool)
    assert caught.value.code == "forbidden"


def test_codecs_are_utf8_ascii_and_latin1(pool):
    text = calculator("""
        print("é".encode("latin-1"), "é".encode("UTF8"), b"ok".decode("us-ascii"),
              str(b"\\xe9", "iso-8859-1"), "x".encode("ascii", "strict"))
        for name in ("cp1251", "utf-7", "rot13", "no such codec"):
            try:
                "x".encode(name)
            except LookupError as e:
                print(e)
        return []
        """)
    lines = run(text, pool=pool).output.splitlines()
    assert lines[0] == "b'\\xe9' b'\\xc3\\xa9' ok é b'x'"
    assert lines[1:] == [
        f"codec {name!r} is not available in calculators (utf-8, ascii and latin-1 are)"
        for name in ("cp1251", "utf_7", "rot13", "no_such_codec")]
