"""The analysis engine stays pure: its modules import the standard library and each
other only (no platform, no database, no third-party library), so the same rules run
over a site's data and over a file, and the plugin around them stays a thin layer."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "plugins" / "analysis"
ENGINE = ("abc", "xyz", "matrix", "bcg", "series", "files", "options", "decimals", "errors")


def imported(module: Path) -> list[tuple[int, str]]:
    """``(level, name)`` of everything the module imports (level 1: relative)."""
    found = []
    for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += ([(node.level, node.module)] if node.module else
                      [(node.level, alias.name) for alias in node.names])
    return found


@pytest.mark.parametrize("name", ENGINE)
def test_the_engine_imports_only_the_standard_library(name):
    allowed = sys.stdlib_module_names | {"__future__"}
    outside = [found for level, found in imported(PACKAGE / f"{name}.py")
               if (found.split(".")[0] not in allowed if level == 0 else found not in ENGINE)]
    assert outside == [], f"{name}.py imports {outside}"
