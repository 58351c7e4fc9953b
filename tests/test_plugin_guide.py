"""docs/plugins.md builds a whole plugin: its files are copied out of the page into a
package, the page's own test runs against it, and the migration commands it shows work."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import inspect as sa_inspect

from ordercraft.core.db import Base
from ordercraft.core.platform import Platform
from ordercraft.sdk.testing import Site, test_database_url

#: Each test imports the guide's package afresh, declaring its model class again.
pytestmark = pytest.mark.filterwarnings(
    "ignore:This declarative base already contains a class with the same class name")

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
BLOCK = re.compile(r"```\w+\n(.*?)```", re.S)
#: The first line of a block that is a file: "# path" or "{# path #}".
FILE_NAME = re.compile(r"^(?:#|\{#)\s*([\w./-]+\.(?:py|toml|html))\s*(?:#\})?$")


#: The files of the 40-line add-on at the top of the page sit in this folder.
ADDON = "notes-addon/"


def page_files() -> dict[str, str]:
    files = {}
    for body in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        found = FILE_NAME.match(body.split("\n", 1)[0].strip())
        if found:
            files[found[1]] = body
    return files


def guide_files() -> dict[str, str]:
    """The files of the step-by-step plugin, inspection."""
    return {name: text for name, text in page_files().items() if not name.startswith(ADDON)}


def addon_files() -> dict[str, str]:
    """The files of the 40-line add-on, notes, relative to its project folder."""
    return {name.removeprefix(ADDON): text for name, text in page_files().items()
            if name.startswith(ADDON)}


@pytest.fixture
def guide_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[tuple[ModuleType, Path]]:
    root = tmp_path / "inspection-package"
    for name, text in guide_files().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(root)     # taken off again when the test ends
    try:
        yield importlib.import_module("inspection"), root
    finally:
        for name in [m for m in sys.modules if m == "inspection" or m.startswith("inspection.")]:
            del sys.modules[name]
        table = Base.metadata.tables.get("inspection_checks")
        if table is not None:
            Base.metadata.remove(table)


def test_the_guide_has_every_file_of_the_plugin():
    assert set(guide_files()) == {
        "pyproject.toml", "inspection/__init__.py", "inspection/models.py",
        "inspection/checks.py", "inspection/commands.py", "inspection/web.py",
        "inspection/templates/inspection/list.html", "tests/test_inspection.py"}
    project = tomllib.loads(guide_files()["pyproject.toml"])
    assert project["project"]["entry-points"]["ordercraft.plugins"] == {
        "inspection": "inspection"}


def test_the_guides_plugin_imports_nothing_of_ordercraft_but_the_sdk():
    for name, text in guide_files().items():
        if name.endswith(".py"):
            imported = re.findall(r"^\s*(?:from|import) (ordercraft[\w.]*)", text, re.M)
            assert all(module == "ordercraft.sdk" or module.startswith("ordercraft.sdk.")
                       for module in imported), (name, imported)


def test_the_guides_own_test_passes(guide_plugin, make_site):
    module, root = guide_plugin
    spec = importlib.util.spec_from_file_location("guide_test_inspection",
                                                  root / "tests" / "test_inspection.py")
    guide_test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guide_test)

    def make_installed_site(plugins):
        # Installed with pip, the plugin would be found by its entry point; here it is
        # handed over as a module.
        assert plugins == ["inspection"]
        return make_site(plugins=[], extra_plugins=[module])

    guide_test.test_a_received_component_waits_for_inspection(make_installed_site)


def test_the_guides_migration_commands(guide_plugin, tmp_path):
    module, root = guide_plugin
    platforms = []
    try:
        for name in ("author", "customer"):
            (tmp_path / name).mkdir()
            url, drop = test_database_url(tmp_path / name)
            platform = Platform(url, only=[], extra_plugins=[module])
            platforms.append((platform, drop))
            site = Site(platform)
            created = site.cli("init --admin-password long-enough-password")
            assert created.exit_code == 0, created.stderr
            if name == "author":     # writes the plugin's first revision
                made = site.cli(["db", "revision", "-m", "inspection checks",
                                 "--owner", "inspection"])
                assert made.exit_code == 0, made.stderr
                assert len(list((root / "inspection" / "migrations").glob("*.py"))) == 1
        # The customer's site got the table from the revision when it was created.
        with platforms[1][0].engine.connect() as connection:
            assert sa_inspect(connection).has_table("inspection_checks")
        customer = Site(platforms[1][0])
        assert customer.cli("db status --json").json()["pending"] == []
        assert customer.cli("inspection list --json").json() == {"ok": True, "checks": []}
    finally:
        for platform, drop in platforms:
            platform.dispose()
            drop()


# --------------------------------------------------------------- the 40-line add-on


def python_lines(text: str) -> list[str]:
    """The lines that count: not blank, not only a comment (docstrings count)."""
    return [line for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_the_add_on_in_40_lines_has_at_most_40_lines_of_python():
    files = addon_files()
    assert set(files) == {"pyproject.toml", "notes/__init__.py",
                          "notes/templates/notes/index.html"}
    python = [line for name, text in files.items() if name.endswith(".py")
              for line in python_lines(text)]
    assert len(python) <= 40, len(python)
    code = files["notes/__init__.py"]
    for part in ("(Base):", "@addon.pages.get(", "@web.api_route(", "@addon.command",
                 "@addon.hookimpl"):     # a table, a page, an API route, a command, a hook
        assert part in code, part
    imported = re.findall(r"^\s*(?:from|import) (ordercraft[\w.]*)", code, re.M)
    assert imported and all(m.startswith("ordercraft.sdk") for m in imported), imported


@pytest.mark.addon
@pytest.mark.slow
def test_the_add_on_in_40_lines_works_installed(tmp_path, addon_environment):
    """Built from the page, installed in editable mode as the page says, its migration
    written by ``db revision``; on a site made from that revision every part works."""
    env = addon_environment
    project = tmp_path / "notes-addon"
    for name, text in addon_files().items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    probe_script = (Path(__file__).parent / "addon_probe.py").read_text(encoding="utf-8")
    env.install(project, editable=True)
    databases = []
    try:
        for name in ("author", "customer"):
            (tmp_path / name).mkdir()
            databases.append(test_database_url(tmp_path / name))
        author, customer = (("--db", url) for url, _drop in databases)
        env.ordercraft(*author, "init", "--admin-password", "long-enough-password")
        env.ordercraft(*author, "db", "revision", "-m", "notes", "--owner", "notes")
        revisions = list((project / "notes" / "migrations").glob("*.py"))
        assert len(revisions) == 1 and "notes_notes" in revisions[0].read_text()

        env.ordercraft(*customer, "init", "--admin-password", "long-enough-password")
        written = json.loads(env.ordercraft(*customer, "note", "Order more mainboards",
                                            "--json").stdout)
        assert written == {"ok": True, "id": 1}
        seen = json.loads(env.run_python(probe_script, databases[1][0], "long-enough-password",
                                         "/notes/", "/api/v1/notes", "notes_notes").stdout)
        assert seen["menu"] and seen["page"] == 200 and "Order more mainboards" in seen["page_text"]
        assert seen["api"] == 200 and seen["api_json"] == [{"id": 1, "text": "Order more mainboards"}]
        assert seen["openapi"] and seen["rows"] == [[1, "Order more mainboards"]]
    finally:
        env.uninstall("ordercraft-notes")
        for _url, drop in databases:
            drop()
