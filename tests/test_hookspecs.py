"""The hook contract documents and tests itself: every hookspec says when it is called,
what it receives and what it returns; docs/hooks.md is the generated reference; every
hook has a test of its own named ``test_hook_<name>``."""

from __future__ import annotations

import functools
import inspect
import re
from pathlib import Path

import pytest

from ordercraft.core import hookdoc, hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = hookdoc.collect()
HOOK_NAMES = [hook.name for hook in HOOKS]


def test_the_reference_finds_the_hooks():
    specs = [name for name, value in vars(hookspecs).items()
             if callable(value) and hasattr(value, f"{hookspecs.PROJECT_NAME}_spec")]
    assert sorted(HOOK_NAMES) == sorted(specs)
    assert {"startup", "register_models", "migrations_location", "cli_commands",
            "web_blueprints", "menu_items", "demo_data", "document_posted",
            "document_transition"} <= set(HOOK_NAMES)
    assert all(hook.section for hook in HOOKS), "a hookspec sits above the first section line"


@pytest.mark.parametrize("hook", HOOKS, ids=HOOK_NAMES)
def test_hookspec_docstring_says_when_what_and_returns(hook):
    doc = hook.doc
    assert re.search(r"\bcalled\b", doc, re.IGNORECASE), (
        f"the docstring of hook {hook.name!r} does not say when it is called")
    assert re.search(r"\breturns?\b", doc, re.IGNORECASE), (
        f"the docstring of hook {hook.name!r} does not say what it returns")
    parameters = inspect.signature(getattr(hookspecs, hook.name)).parameters
    for name in parameters:
        assert f"``{name}``" in doc or f":param {name}:" in doc, (
            f"the docstring of hook {hook.name!r} does not describe its argument {name!r} "
            f"(as ``{name}`` or ':param {name}:')")
    if hook.firstresult:
        assert "first non-None result" in doc, (
            f"hook {hook.name!r} is firstresult: its docstring must say it stops at the "
            "first non-None result")


@pytest.mark.parametrize("hook", HOOKS, ids=HOOK_NAMES)
def test_hookspec_is_fully_typed(hook):
    function = getattr(hookspecs, hook.name)
    annotations = function.__annotations__
    missing = [name for name in inspect.signature(function).parameters if name not in annotations]
    assert not missing, f"hook {hook.name!r} has untyped arguments: {missing}"
    assert "return" in annotations, f"hook {hook.name!r} has no return type"


def test_docs_hooks_md_is_the_generated_reference():
    path = ROOT / "docs" / "hooks.md"
    assert path.exists(), "docs/hooks.md is missing: run 'ordercraft plugins hooks --markdown > docs/hooks.md'"
    assert path.read_text(encoding="utf-8") == hookdoc.render_markdown(HOOKS), (
        "docs/hooks.md differs from the docstrings of core/hookspecs.py: regenerate it with "
        "'ordercraft plugins hooks --markdown > docs/hooks.md'")


@functools.cache
def _test_sources() -> str:
    return "\n".join(path.read_text(encoding="utf-8")
                     for path in sorted((ROOT / "tests").rglob("test_*.py")))


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_hook_has_its_own_test(name):
    pattern = re.compile(rf"^\s*def test_hook_{re.escape(name)}\(", re.MULTILINE)
    has_test = pattern.search(_test_sources()) is not None
    assert has_test, (
        f"hook {name!r} has no test: add 'def test_hook_{name}(...)' under tests/ that shows "
        "a plugin implementing it has an effect (make_site(extra_plugins=[module]))")


def test_cli_prints_the_reference(site):
    markdown = site.cli("plugins hooks --markdown")
    assert markdown.exit_code == 0
    assert markdown.output == hookdoc.render_markdown(HOOKS)
    listed = site.cli("plugins hooks --json").json()["hooks"]
    assert [hook["name"] for hook in listed] == HOOK_NAMES
    startup = listed[HOOK_NAMES.index("startup")]
    assert startup["signature"] == "startup(platform: Platform) -> None"
    assert startup["firstresult"] is False and startup["section"] == "start-up"
    text = site.cli("plugins hooks").output
    assert "startup(platform: Platform) -> None" in text and "== start-up ==" in text


def test_firstresult_is_shown_in_the_reference(tmp_path):
    import types

    import pluggy

    # A spec module of the same shape as hookspecs.py, with a firstresult hook.
    source = (
        '"""Specs."""\n'
        "# " + "-" * 20 + " pricing\n\n"
        "@spec(firstresult=True)\n"
        "def price_of(sku: str) -> str | None:\n"
        '    """Called to price ``sku``; stops at the first non-None result.\n\n'
        '    Return the price or None."""\n')
    path = tmp_path / "fake_specs.py"
    path.write_text(source)
    module = types.ModuleType("fake_specs")
    module.__file__ = str(path)
    module.__dict__["spec"] = pluggy.HookspecMarker("ordercraft")
    exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102
    hooks = hookdoc.collect(module)
    markdown = hookdoc.render_markdown(hooks, module)
    assert [(h.name, h.section, h.firstresult) for h in hooks] == [("price_of", "pricing", True)]
    assert hooks[0].signature == "price_of(sku: str) -> str | None"
    assert "*firstresult*: the call stops at the first non-None result." in markdown
