"""The hook contract documents and tests itself: every hookspec — the core's and those the
bundled plugins declare — says when it is called, what it receives and what it returns;
docs/hooks.md is the generated reference; every hook has a test of its own named
``test_hook_<name>``; the typed wrappers that call the hooks match the specs."""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import typing
from pathlib import Path

import pytest

from ordercraft.core import hookdoc, hookspecs
from ordercraft.core.plugins import hookspec_names

ROOT = Path(__file__).resolve().parents[1]
HOOKS = hookdoc.collect_installed()
HOOK_NAMES = [hook.name for hook in HOOKS]
#: The bundled plugins' hookspec modules and their typed wrappers ("module:class").
PLUGIN_SPECS = {
    "crm": ("ordercraft.plugins.crm.hookspecs", "ordercraft.plugins.crm.hooks:CrmHooks"),
    "sales": ("ordercraft.plugins.sales.hookspecs", "ordercraft.plugins.sales.hooks:SalesHooks"),
    "analysis": ("ordercraft.plugins.analysis.hookspecs",
                 "ordercraft.plugins.analysis.hooks:AnalysisHooks"),
    "marketing": ("ordercraft.plugins.marketing.hookspecs",
                  "ordercraft.plugins.marketing.hooks:MarketingHooks"),
}


def _spec(hook: hookdoc.HookDoc):
    return getattr(importlib.import_module(hook.module), hook.name)


def test_the_reference_finds_the_hooks():
    core = [hook.name for hook in HOOKS if hook.owner == "core"]
    assert sorted(core) == sorted(hookspec_names(hookspecs))
    assert {"add_hookspecs", "plugin_services", "startup", "register_models",
            "migrations_location", "cli_commands", "web_blueprints", "menu_items",
            "demo_data", "document_posted", "document_transition"} <= set(core)
    for plugin, (module, _wrapper) in PLUGIN_SPECS.items():
        declared = [hook.name for hook in HOOKS if hook.owner == plugin]
        assert declared == hookspec_names(importlib.import_module(module))
        assert all(hook.module == module for hook in HOOKS if hook.owner == plugin)
    assert [h.name for h in HOOKS if h.owner == "crm"] == ["register_client_rules", "check_source"]
    assert [h.name for h in HOOKS if h.owner == "sales"] == ["order_shortages", "shipment_serials"]
    assert all(hook.section for hook in HOOKS), "a hookspec sits above the first section line"


@pytest.mark.parametrize("hook", HOOKS, ids=HOOK_NAMES)
def test_hookspec_docstring_says_when_what_and_returns(hook):
    doc = hook.doc
    assert re.search(r"\bcalled\b", doc, re.IGNORECASE), (
        f"the docstring of hook {hook.name!r} does not say when it is called")
    assert re.search(r"\breturns?\b", doc, re.IGNORECASE), (
        f"the docstring of hook {hook.name!r} does not say what it returns")
    parameters = inspect.signature(_spec(hook)).parameters
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
    function = _spec(hook)
    annotations = function.__annotations__
    missing = [name for name in inspect.signature(function).parameters if name not in annotations]
    assert not missing, f"hook {hook.name!r} has untyped arguments: {missing}"
    assert "return" in annotations, f"hook {hook.name!r} has no return type"
    # Real types, resolvable by a type checker: no Any for an argument.
    assert "Any" not in [annotations[name] for name in inspect.signature(function).parameters], (
        f"hook {hook.name!r} types an argument as Any: name the real type (imported under "
        "TYPE_CHECKING)")
    # Every annotation names a type that exists (the imports under TYPE_CHECKING resolve).
    namespace = {**vars(importlib.import_module(hook.module)),
                 **_type_checking_namespace(hook.module)}
    hints = typing.get_type_hints(function, namespace)
    assert set(hints) == set(annotations)


def _type_checking_namespace(module_name: str) -> dict[str, object]:
    """What a hookspec module imports under ``if TYPE_CHECKING:`` (for type checkers only:
    the module itself does not import it), imported here for real."""
    import ast

    tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
    namespace: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            block = ast.Module(body=[statement for statement in node.body
                                     if isinstance(statement, (ast.Import, ast.ImportFrom))],
                               type_ignores=[])
            exec(compile(block, module_name, "exec"), namespace)  # noqa: S102
    return namespace


def _wrapper_methods(wrapper: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(value) for name, value in vars(wrapper).items()
            if callable(value) and not name.startswith("_")}


@pytest.mark.parametrize("owner", ["core", *PLUGIN_SPECS])
def test_typed_wrapper_has_one_method_per_hook_with_its_parameters(owner):
    """``core/hooks.py``'s ``Hooks`` (and each plugin's wrapper) has one method per hook of
    its hookspec module, with the hook's parameters in the same order; only a
    ``plugins=None`` keyword may follow them (the hooks the platform calls for some
    plugins only)."""
    if owner == "core":
        from ordercraft.core.hooks import Hooks as wrapper
    else:
        module_name, _, cls = PLUGIN_SPECS[owner][1].partition(":")
        wrapper = getattr(importlib.import_module(module_name), cls)
    specs = {hook.name: _spec(hook) for hook in HOOKS if hook.owner == owner}
    methods = _wrapper_methods(wrapper)
    assert sorted(methods) == sorted(specs), (
        f"{wrapper.__name__} must have exactly one method per hook of {owner}")
    for name, spec in specs.items():
        expected = list(inspect.signature(spec).parameters)
        parameters = list(methods[name].parameters)[1:]  # without self
        extra = parameters[len(expected):]
        assert parameters[:len(expected)] == expected, (
            f"{wrapper.__name__}.{name}{methods[name]} differs from the hookspec "
            f"{name}{inspect.signature(spec)}")
        assert extra in ([], ["plugins"]), f"{wrapper.__name__}.{name} has extra parameters {extra}"
        for parameter in expected:
            assert (methods[name].parameters[parameter].annotation
                    == inspect.signature(spec).parameters[parameter].annotation), (
                f"{wrapper.__name__}.{name}: {parameter!r} is typed differently from the spec")


def test_docs_hooks_md_is_the_generated_reference():
    path = ROOT / "docs" / "hooks.md"
    assert path.exists(), "docs/hooks.md is missing: run 'ordercraft plugins hooks --markdown > docs/hooks.md'"
    assert path.read_text(encoding="utf-8") == hookdoc.render_markdown(HOOKS), (
        "docs/hooks.md differs from the docstrings of core/hookspecs.py and the plugins' "
        "hookspec modules: regenerate it with 'ordercraft plugins hooks --markdown > "
        "docs/hooks.md'")


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
    assert startup["plugin"] is None
    shortages = listed[HOOK_NAMES.index("order_shortages")]
    assert shortages["plugin"] == "sales" and shortages["section"] == "orders"
    assert shortages["signature"] == ("order_shortages(session: Session, order: Order, "
                                      "shortages: list[Shortage]) -> None")
    text = site.cli("plugins hooks").output
    assert "startup(platform: Platform) -> None" in text and "== start-up ==" in text
    assert "== Plugin crm: client groups ==" in text
    assert "## Plugin sales: orders" in markdown.output


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
