"""The SDK's public surface is pinned: every name of every ``ordercraft.sdk`` module's
``__all__``, with its signature (and, for a class, its public methods, fields and
columns), is written in ``tests/sdk_surface.txt``. Any change fails here with the diff;
a deliberate change updates the snapshot::

    ORDERCRAFT_UPDATE_SDK_SURFACE=1 python -m pytest tests/test_sdk_surface.py

and is weighed against the compatibility policy of docs/sdk.md (a minor version only
adds; a renamed or removed name goes through the deprecation path first).
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
import pkgutil
import re
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import ordercraft.sdk

SNAPSHOT = Path(__file__).with_name("sdk_surface.txt")
UPDATE = "ORDERCRAFT_UPDATE_SDK_SURFACE"
HEADER = """\
# The public surface of ordercraft.sdk (tests/test_sdk_surface.py compares it).
# Regenerate deliberately: ORDERCRAFT_UPDATE_SDK_SURFACE=1 python -m pytest tests/test_sdk_surface.py
"""
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def sdk_modules() -> list[ModuleType]:
    names = ["ordercraft.sdk"] + sorted(
        f"ordercraft.sdk.{info.name}" for info in pkgutil.iter_modules(ordercraft.sdk.__path__)
        if not info.name.startswith("_"))  # private helpers of the SDK's own modules
    return [importlib.import_module(name) for name in names]


def _signature(value: Any) -> str:
    try:
        text = str(inspect.signature(value))
    except (TypeError, ValueError):
        return "(...)"
    return _ADDRESS.sub("", text)


def _own_public_members(cls: type) -> list[tuple[str, Any]]:
    """Public attributes the class (or an Ordercraft base) defines itself."""
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("ordercraft."):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_"):
                found[name] = value
    return sorted(found.items())


def _describe_class(path: str, cls: type) -> list[str]:
    bases = ", ".join(base.__qualname__ for base in cls.__bases__)
    lines = [f"{path}: class({bases}){_signature(cls)}"]
    fields = getattr(cls, "model_fields", None)
    if isinstance(fields, dict):  # a pydantic model: its fields are its schema
        lines += [f"{path}.{name}: field {info.annotation!r}"
                  for name, info in fields.items()]
    table = getattr(cls, "__table__", None)
    if table is not None:  # a mapped model: its columns are what plugins query
        lines += [f"{path}.{column.name}: column {column.type!r}" for column in table.columns]
    for name, value in _own_public_members(cls):
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            lines.append(f"{path}.{name}: property")
        elif inspect.isfunction(value):
            lines.append(f"{path}.{name}{_signature(value)}")
    return lines


def describe(module: ModuleType, name: str, value: Any) -> list[str]:
    path = f"{module.__name__}.{name}"
    if inspect.ismodule(value):
        return [f"{path}: module {value.__name__}"]
    if inspect.isclass(value):
        return _describe_class(path, value)
    if callable(value):
        return [f"{path}{_signature(value)}"]
    return [f"{path} = {_ADDRESS.sub('', repr(value))}"]


def render_surface() -> str:
    lines = []
    for module in sdk_modules():
        for name in sorted(module.__all__):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a public name is never a deprecated one
                value = getattr(module, name)
            lines += describe(module, name, value)
    return HEADER + "\n".join(lines) + "\n"


def test_the_sdk_surface_is_the_snapshot():
    current = render_surface()
    if os.environ.get(UPDATE):
        SNAPSHOT.write_text(current, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    if current != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                            current.splitlines(keepends=True),
                                            "tests/sdk_surface.txt", "the SDK now"))
        pytest.fail("the public surface of ordercraft.sdk changed:\n\n" + diff + "\nIf the "
                    "change is deliberate (docs/sdk.md: what a minor version may change), "
                    f"update the snapshot: {UPDATE}=1 python -m pytest "
                    "tests/test_sdk_surface.py", pytrace=False)


@pytest.mark.parametrize("module", sdk_modules(), ids=lambda m: m.__name__)
def test_every_sdk_module_teaches_itself_and_lists_its_names(module):
    doc = inspect.getdoc(module) or ""
    assert len(doc.split()) >= 40, f"{module.__name__} needs a docstring that teaches it"
    assert "::" in doc or module.__name__.endswith(("errors", "testing")), (
        f"{module.__name__}'s docstring shows no example")
    assert isinstance(getattr(module, "__all__", None), list), f"{module.__name__} has no __all__"
    assert len(set(module.__all__)) == len(module.__all__), f"{module.__name__}: __all__ repeats"
    for name in module.__all__:
        assert hasattr(module, name), f"{module.__name__}.__all__ names {name!r}, which is missing"


def test_the_sdk_is_typed_for_checkers():
    package = Path(ordercraft.sdk.__file__).parent
    assert (package / "py.typed").is_file()
    # The top-level names a checker sees are the real ones (imported under TYPE_CHECKING).
    source = (package / "__init__.py").read_text(encoding="utf-8")
    for topic in ("models", "stock", "web", "workflow", "cli"):
        assert re.search(rf"^\s+from ordercraft\.sdk import \(.*\b{topic}\b", source,
                         re.MULTILINE | re.DOTALL), topic


def test_a_retired_name_keeps_working_for_one_minor_version_with_a_warning():
    from ordercraft.sdk import models
    from ordercraft.sdk.web import workflow_routes

    with pytest.warns(DeprecationWarning, match=r"ordercraft\.sdk\.Base is deprecated since "
                                                r"Ordercraft SDK 1\.0 and goes in 1\.1: use "
                                                r"ordercraft\.sdk\.models\.Base"):
        assert ordercraft.sdk.Base is models.Base
    from ordercraft.sdk import workflow

    with pytest.warns(DeprecationWarning, match="use ordercraft.sdk.web.workflow_routes"):
        assert workflow.workflow_routes is workflow_routes
    with pytest.raises(AttributeError, match="has no attribute 'Bsae'"):
        ordercraft.sdk.Bsae  # noqa: B018


def test_the_deprecation_helper(recwarn):
    from ordercraft.sdk.deprecation import Deprecated, deprecated_attributes, warn_deprecated

    getter = deprecated_attributes("ordercraft.sdk.example", {
        "old_total": Deprecated("ordercraft.sdk.queries:Page", since="1.2", removed_in="1.3")})
    from ordercraft.sdk.queries import Page

    assert getter("old_total") is Page
    warning = recwarn.pop(DeprecationWarning)
    assert str(warning.message) == ("ordercraft.sdk.example.old_total is deprecated since "
                                    "Ordercraft SDK 1.2 and goes in 1.3: use "
                                    "ordercraft.sdk.queries.Page")
    assert warning.filename == __file__  # the warning points at the caller's line
    with pytest.raises(AttributeError):
        getter("other")
    with pytest.warns(DeprecationWarning, match="the 'fmt' argument is deprecated"):
        warn_deprecated("the 'fmt' argument", "'format'", since="1.0", removed_in="1.1",
                        stacklevel=2)
