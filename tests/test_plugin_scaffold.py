"""``ordercraft plugin new``: the add-on it writes installs with pip, passes its own tests,
and lives on a site: its migration makes its table, its page, API route and command
appear when it is enabled and go when it is disabled (its data stays), and it leaves
when it is uninstalled. One test runs the whole cycle (``pytest -m addon`` selects it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ordercraft.core.errors import Conflict, ValidationError
from ordercraft.core.scaffold import check_name, new_plugin
from ordercraft.sdk.testing import test_database_url

PROBE = (Path(__file__).parent / "addon_probe.py").read_text(encoding="utf-8")
NAME = "acme_notes"
PASSWORD = "long-enough-password"


#: Run on the site: what Alembic's autogenerate finds between the models and the schema
#: for the add-on's table.
SCHEMA_DIFFERENCES = f"""
import json, sys
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from ordercraft.sdk.models import Base
from ordercraft.sdk.plugins import Platform

platform = Platform(sys.argv[1])
platform.load_models()
with platform.engine.connect() as connection:
    context = MigrationContext.configure(connection, opts={{"compare_type": False}})
    found = compare_metadata(context, Base.metadata)
platform.dispose()
print(json.dumps([repr(d) for d in found if "{NAME}_entries" in repr(d)]))
"""


def _json(result) -> dict:
    return json.loads(result.stdout)


@pytest.mark.addon
@pytest.mark.slow
def test_a_new_add_on_installs_passes_its_tests_and_comes_and_goes_on_a_site(
        tmp_path, addon_environment):
    env = addon_environment
    made = _json(env.ordercraft("plugin", "new", NAME, "--dir", tmp_path, "--json"))
    project = Path(made["path"])
    assert project == tmp_path / NAME and "pyproject.toml" in made["files"]
    for path in project.rglob("*.py"):    # the add-on reaches Ordercraft through the SDK only
        imported = re.findall(r"^\s*(?:from|import) (ordercraft[\w.]*)", path.read_text(), re.M)
        assert all(m == "ordercraft.sdk" or m.startswith("ordercraft.sdk.") for m in imported), (
            path, imported)

    url, drop = test_database_url(tmp_path)
    try:
        db = ("--db", url)
        env.ordercraft(*db, "init", "--admin-password", PASSWORD)   # a site made before

        env.install(project)
        tested = env.pytest(project)
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert re.search(r"^4 passed", tested.stdout, re.M), tested.stdout

        pending = _json(env.ordercraft(*db, "db", "status", "--json"))["pending"]
        assert len(pending) == 1        # the add-on's first revision, on its own branch
        env.ordercraft(*db, "db", "upgrade")
        # The migration the scaffold writes is the one autogenerate would: no difference.
        assert json.loads(env.run_python(SCHEMA_DIFFERENCES, url).stdout) == []
        enabled = _json(env.ordercraft(*db, "plugins", "enable", NAME, "--json"))
        assert enabled["plugin"]["enabled"] and enabled["plugin"]["distribution"] == (
            "ordercraft-acme-notes")
        added = _json(env.ordercraft(*db, NAME, "add", "Spare parts", "--amount", "12.50",
                                     "--json"))
        assert added["entry"]["amount"] == "12.50"

        def probe() -> dict:
            return json.loads(env.run_python(PROBE, url, PASSWORD, f"/{NAME}/",
                                             f"/api/v1/{NAME}/entries", f"{NAME}_entries").stdout)

        shown = probe()
        assert shown["menu"] and shown["page"] == 200 and "Spare parts" in shown["page_text"]
        assert shown["api"] == 200 and shown["api_json"]["items"][0]["title"] == "Spare parts"
        assert shown["openapi"]

        env.ordercraft(*db, "plugins", "disable", NAME)
        gone = probe()
        assert (gone["menu"], gone["page"], gone["api"], gone["openapi"]) == (
            False, 404, 404, False)
        assert [row[1] for row in gone["rows"]] == ["Spare parts"]       # the data stays
        assert env.ordercraft(*db, NAME, "list", "--json", check=False).returncode == 2

        env.ordercraft(*db, "plugins", "enable", NAME)
        back = _json(env.ordercraft(*db, NAME, "list", "--json"))
        assert [entry["title"] for entry in back["entries"]] == ["Spare parts"]
        assert "Spare parts" in probe()["page_text"]

        env.uninstall("ordercraft-acme-notes")
        listed = _json(env.ordercraft(*db, "plugins", "list", "--json"))["plugins"]
        assert NAME not in [plugin["name"] for plugin in listed]
        assert env.ordercraft(*db, NAME, "list", check=False).returncode == 2
    finally:
        drop()


@pytest.mark.parametrize("name", ["Notes", "9lives", "class", "a", "notes-app", "json",
                                  "stock", "plugin", "serve", "crm"])
def test_a_name_that_cannot_name_an_add_on_is_refused(name):
    with pytest.raises(ValidationError) as refused:
        check_name(name)
    assert refused.value.field == "name" and repr(name) in refused.value.message


def test_nothing_is_overwritten(tmp_path):
    (tmp_path / "acme_notes").mkdir()
    with pytest.raises(Conflict, match="exists already"):
        new_plugin("acme_notes", tmp_path)
    assert list((tmp_path / "acme_notes").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["acme_notes"]
