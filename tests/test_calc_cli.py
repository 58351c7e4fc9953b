"""``ordercraft calc``: the command-line contract, above all ``calc run --json``: exactly
one JSON document whatever the script does."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from calc_kit import calculator
from ordercraft.core.calc.catalog import example_items
from ordercraft.core.models import Item


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """The CLI without a site: calculators from files and the examples need none."""
    from ordercraft.core.platform import Platform
    from ordercraft.sdk.testing import Site

    platform = Platform(f"sqlite:///{tmp_path_factory.mktemp('nosite') / 'none.db'}", only=[])
    yield Site(platform)
    platform.dispose()


def one_document(result):
    """The whole stdout is one JSON document (json.loads refuses trailing data)."""
    assert result.stderr == ""
    return json.loads(result.output)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_the_site_catalog_needs_the_items(site):
    result = site.cli("calc run door --json")
    assert result.exit_code == 2
    error = one_document(result)["error"]
    assert error["code"] == "unknown_sku" and error["line"] is not None


def test_list_and_show(site):
    result = site.cli("calc list --json")
    assert result.exit_code == 0
    rows = one_document(result)["calculators"]
    assert [(r["name"], r["kind"], r["origin"]) for r in rows] == [
        ("door", "script", "builtin"), ("robot", "script", "builtin"),
        ("shelf", "formula", "builtin")]
    shown = one_document(site.cli("calc show door --json"))["calculator"]
    assert shown["title"] == "Interior door"
    assert [p["name"] for p in shown["params"]][:3] == ["height", "width", "thickness"]
    assert shown["params"][0]["min"] == 1900
    text = site.cli("calc show shelf")
    assert "area = length * depth / 10 ** 6" in text.output
    assert "Length: int, mm, min 200, max 2800; default 800" in text.output


def test_run_prints_the_result(site):
    result = site.cli("calc run door -p height=2100 -p material=oak --catalog examples --json")
    assert result.exit_code == 0, result.output
    document = one_document(result)
    assert document["ok"] is True
    assert document["result"]["total"] == "352.12"
    assert document["result"]["params"]["material"] == "oak"
    text = site.cli("calc run door --catalog examples")
    assert "total: 201.70" in text.output
    assert "Door panel, MDF, 40 mm" in text.output


def test_run_uses_the_site_catalog_and_stores_runs(site):
    with site.session() as session:
        for row in example_items():
            session.add(Item(**row))
    stored = one_document(site.cli("calc run robot -p nodes=6 --save --json"))["result"]
    assert stored["total"] == "1536.29" and stored["run_id"] == 1
    runs = one_document(site.cli("calc runs robot --json"))["runs"]
    assert [(r["id"], r["total"]) for r in runs] == [(1, "1536.29")]
    rerun = one_document(site.cli("calc rerun 1 --json"))
    assert rerun["reproduced"] is True and rerun["differences"] == []


@pytest.mark.parametrize(("args", "code", "field"), [
    ("calc run door -p height=3000 --catalog examples --json", "invalid", "height"),
    ("calc run door -p colour=red --catalog examples --json", "invalid", "colour"),
    ("calc run door -p height --catalog examples --json", "invalid", "param"),
    ("calc run nothing --catalog examples --json", "not_found", "name"),
    ("calc run door --catalog /no/such.json --json", "invalid", "catalog"),
    ("calc run door --json", "database_missing", None),
])
def test_refusals_are_one_json_document_with_exit_2(bare, args, code, field):
    result = bare.cli(args)
    assert result.exit_code == 2
    error = one_document(result)["error"]
    assert error["code"] == code
    assert error.get("field") == field
    assert "line" in error and error["message"]


SCRIPTS = {
    "flood": ('while True:\n    print("flood " * 100)', "output_limit"),
    "systemexit": ("raise SystemExit(0)", "script_error"),
    "exit": ("exit(0)", "script_error"),
    "loop": ("while True:\n    pass", "timeout"),
    "memory": ('x = "x" * 10**10', "memory_limit"),
    "escape": ('return getattr(price, "__globals__")', "forbidden"),
    "huge": ('return [line("x" * 10**6, 1, 1)]', "invalid_result"),
    "fails": ("return 1 / 0", "script_error"),
}


@pytest.mark.parametrize("name", SCRIPTS)
def test_whatever_the_script_does_run_json_prints_one_document(bare, tmp_path, name):
    body, code = SCRIPTS[name]
    path = write(tmp_path, f"{name}.py", calculator(body))
    result = bare.cli(["calc", "run", path, "--catalog", "examples", "--timeout", "0.7",
                       "--json"])
    assert result.exit_code == 2, result.output
    document = one_document(result)
    assert document["ok"] is False
    assert document["error"]["code"] == code
    assert set(document["error"]) >= {"code", "message", "line"}
    assert len(document["error"]["message"]) <= 500
    assert one_document(bare.cli("calc run door --catalog examples --json"))["ok"] is True


def _worker_pids():
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and (
                    b"ordercraft.core.calc.child" in cmdline):
                pids.append(int(entry.name))
    return pids


def _cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _kill_the_spinning_worker(pids, done):
    """Kill -9 the worker that runs the loop, once it has spun for 0.3 s of CPU."""
    baseline = {pid: _cpu_seconds(pid) for pid in pids}
    while not done.is_set():
        for pid, before in baseline.items():
            try:
                spinning = _cpu_seconds(pid) - before >= 0.3
            except OSError:
                continue
            if spinning:
                os.kill(pid, 9)
                return
        done.wait(0.05)


def test_a_crashed_worker_is_still_one_document(bare, tmp_path, monkeypatch):
    from ordercraft.core.calc import worker

    path = write(tmp_path, "spin.py", calculator("while True:\n    pass"))
    # one warm worker: the one killed is running the script, not starting
    pool = worker.WorkerPool(size=1)
    pool.warm()
    monkeypatch.setattr(worker, "_default_pool", pool)
    done = threading.Event()
    killer = threading.Thread(target=_kill_the_spinning_worker, args=(_worker_pids(), done))
    killer.start()
    result = bare.cli(["calc", "run", path, "--catalog", "examples", "--timeout", "60",
                       "--json"])
    done.set()
    killer.join()
    assert result.exit_code == 2
    error = one_document(result)["error"]
    assert error["code"] == "worker_crashed"
    assert "SIGKILL" in error["message"]
    assert one_document(bare.cli("calc run door --catalog examples --json"))["ok"] is True
    pool.close()


def test_text_mode_names_the_line(bare, tmp_path):
    path = write(tmp_path, "bad.py", calculator("x = 1\nreturn x / 0"))
    result = bare.cli(["calc", "run", path, "--catalog", "examples"])
    assert result.exit_code == 2
    assert result.stderr == "error: ZeroDivisionError: division by zero (line 10)\n"


def test_add_stores_versions(site, tmp_path):
    door = (Path(__file__).resolve().parents[1] / "scripts_user" / "door.py").read_text()
    path = write(tmp_path, "door_trade.py", door.replace('"""Interior door', '"""Trade door'))
    added = one_document(site.cli(["calc", "add", path, "--json"]))["calculator"]
    assert added["name"] == "door_trade" and added["created"] is True
    again = one_document(site.cli(["calc", "add", path, "--json"]))["calculator"]
    assert again["created"] is False and again["version"] == added["version"]
    shown = one_document(site.cli("calc show door_trade --json"))["calculator"]
    assert shown["origin"] == "site" and shown["title"] == "Trade door"
    assert [v["version"] for v in shown["versions"]] == [added["version"]]
    bad = write(tmp_path, "bad.py", '"""Bad"""\nparams = [param("x", "float")]\n'
                                    "def calculate(x):\n    return []\n")
    result = site.cli(["calc", "add", bad, "--json"])
    assert result.exit_code == 2
    assert one_document(result)["error"]["code"] == "format"
    listed = [r["name"] for r in one_document(site.cli("calc list --json"))["calculators"]]
    assert listed == ["door", "door_trade", "robot", "shelf"]


def test_list_without_a_site_shows_the_examples(bare):
    result = bare.cli("calc list")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()[2:]] == [
        "door", "robot", "shelf"]


def test_the_sdk_runs_calculators():
    from ordercraft.sdk import calc

    result = calc.run_calculator("door", {"width": 900}, catalog=calc.example_catalog())
    assert result.total > calc.run_calculator("door", catalog=calc.example_catalog()).total
    assert [p.name for p in calc.calculator_info("robot").spec.params][-1] == "paint_colour"


def test_busy_workers_are_a_refusal_with_exit_2(bare, monkeypatch):
    from ordercraft.core.calc import worker
    from ordercraft.core.calc.errors import CalculatorError
    from ordercraft.core.calc.registry import source_version

    pool = worker.WorkerPool(size=1, limits=worker.Limits(queue_timeout=0.2))
    monkeypatch.setattr(worker, "_default_pool", pool)
    loop = calculator("while True:\n    pass")

    def spin():
        with pytest.raises(CalculatorError):  # stopped when the pool closes
            pool.run(source_version(loop), loop, {}, timeout=60)

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        for _ in range(6000):
            if pool.in_progress() == 1:
                break
            spinner.join(0.02)
        result = bare.cli("calc run door --catalog examples --json")
        assert result.exit_code == 2
        error = one_document(result)["error"]
        assert error["code"] == "busy" and "could not start within 0.2 s" in error["message"]
    finally:
        pool.close()
        spinner.join()


def test_add_refuses_numbers_no_parameter_needs(site, tmp_path):
    """Every run of such a declaration used to fail with an internal error."""
    path = write(tmp_path, "tiny.py", calculator(
        "return []", params='param("x", "decimal", min="-1e29", step="1e-29", default=0)'))
    result = site.cli(["calc", "add", path, "--json"])
    assert result.exit_code == 2
    error = one_document(result)["error"]
    assert error["code"] == "format" and error["line"] == 6
    assert error["message"] == ("parameter 'x': min '-1e29' is out of range: at most 15 digits "
                                "before the decimal point")
    assert one_document(site.cli("calc list --json"))["calculators"][-1]["name"] == "shelf"
