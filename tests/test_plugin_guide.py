"""docs/plugins.md builds a whole plugin: its files are copied out of the page into a
package, the page's own test runs against it, and the migration commands it shows work."""

from __future__ import annotations

import importlib.util
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


def guide_files() -> dict[str, str]:
    files = {}
    for body in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        found = FILE_NAME.match(body.split("\n", 1)[0].strip())
        if found:
            files[found[1]] = body
    return files


@pytest.fixture
def guide_plugin(tmp_path: Path) -> Iterator[tuple[ModuleType, Path]]:
    root = tmp_path / "inspection-package"
    for name, text in guide_files().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("inspection"), root
    finally:
        sys.path.remove(str(root))
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
