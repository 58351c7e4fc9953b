"""The layering of DESIGN.md, enforced: the import contracts of pyproject.toml
(``[tool.importlinter]``) hold for the whole tree, and each contract fails, naming the
import, when a module breaks it."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACT_TYPES = {"forbidden": ForbiddenContract, "independence": IndependenceContract}


def test_the_import_contracts_are_kept():
    result = subprocess.run([str(LINT_IMPORTS), "--config", str(PYPROJECT), "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


@pytest.fixture(scope="module")
def layering():
    """The contracts of pyproject.toml and the import graph of the tree they guard."""
    options = read_configuration(str(PYPROJECT))
    session = options["session_options"]
    graph = grimp.build_graph(*session["root_packages"], cache_dir=None)
    contracts = {}
    for contract_options in options["contracts_options"]:
        kind = CONTRACT_TYPES[contract_options["type"]]
        contracts[contract_options["id"]] = kind(
            name=contract_options["name"], session_options=session,
            contract_options=contract_options)
    return graph, contracts


def _broken_imports(check) -> set[tuple[str, str]]:
    """``(importer, imported)`` of every direct import a failed check reports."""
    found = set()
    for chains in check.metadata["invalid_chains"]:
        for chain in chains["chains"]:
            for link in chain:
                found.add((link["importer"], link["imported"]))
    return found


@pytest.mark.parametrize("contract_id, importer, imported", [
    ("plugins-through-the-sdk", "ordercraft.plugins.crm.clients", "ordercraft.core.db"),
    ("plugins-through-the-sdk", "ordercraft.plugins.sales.views", "ordercraft.web.auth"),
    # A plugin's migrations are the plugin's code too: column types come from the SDK.
    ("plugins-through-the-sdk", "ordercraft.plugins.crm.migrations.versions.96cdfe76bde4_crm_tables",
     "ordercraft.core.types"),
    ("core-below-everything", "ordercraft.core.platform", "ordercraft.web.app"),
    ("core-below-everything", "ordercraft.core.demo", "ordercraft.plugins.sales.demo"),
    ("core-below-everything", "ordercraft.core.stock.api", "ordercraft.sdk.stock"),
    ("web-below-the-sdk", "ordercraft.web.views.main", "ordercraft.sdk.models"),
    ("sdk-knows-no-plugin", "ordercraft.sdk.demo", "ordercraft.plugins.crm.demo"),
    ("plugins-independent", "ordercraft.plugins.sales.orders", "ordercraft.plugins.crm.clients"),
])
def test_a_contract_fails_naming_the_import_that_breaks_it(layering, contract_id, importer,
                                                          imported):
    graph, contracts = layering
    contract = contracts[contract_id]
    assert contract.check(copy.deepcopy(graph), verbose=False).kept, "the tree keeps the contract"
    broken = copy.deepcopy(graph)
    broken.add_import(importer=importer, imported=imported, line_number=1,
                      line_contents=f"import {imported}")
    check = contract.check(broken, verbose=False)
    assert not check.kept
    if contract_id == "plugins-independent":
        assert any(importer in str(chain) and imported in str(chain)
                   for chain in check.metadata["invalid_chains"])
    else:
        assert (importer, imported) in _broken_imports(check)


def test_a_plugin_may_reach_the_core_through_the_sdk_only(layering):
    graph, contracts = layering
    # The SDK imports the core on a plugin's behalf: that is the door.
    assert graph.find_shortest_chain(importer="ordercraft.plugins.sales.orders",
                                     imported="ordercraft.core.services.queries") is not None
    assert contracts["plugins-through-the-sdk"].check(copy.deepcopy(graph), verbose=False).kept


def test_no_plugin_file_names_the_core_or_the_web():
    """The text of every file under plugins/ (migrations included): not even a string or a
    comment refers a reader to ``ordercraft.core`` or ``ordercraft.web``."""
    pattern = re.compile(r"ordercraft\.(core|web)")
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((ROOT / "plugins").rglob("*"))
             if path.is_file() and path.suffix in {".py", ".html", ".md", ".txt", ".toml"}
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert found == []


def test_no_test_file_changes_sys_path():
    """The tests' helper modules are found through pytest's ``pythonpath`` setting and
    tests/conftest.py; a test that needs a folder importable uses
    ``monkeypatch.syspath_prepend``, which is undone when the test ends."""
    changes = re.compile(r"sys\.path\.(insert|append|extend|remove)\(|sys\.path\s*=[^=]")
    found = [f"{path.relative_to(ROOT)}:{number}"
             for path in sorted((ROOT / "tests").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if changes.search(line)]
    assert found == []
