"""Where calculators come from: the bundled examples, plugins, the site, a file.

A calculator is identified by its name and, exactly, by its *version*: the SHA-256
of its source text. The bundled examples (``scripts_user/``) are registered first,
then every enabled plugin's through the ``register_calculators`` hook; the site's
own scripts (``ordercraft calc add``) live in the database (:mod:`.store`) and take
precedence over a bundled or plugin calculator of the same name.
"""

from __future__ import annotations

import hashlib
import re
import threading
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.calc.format import MAX_SOURCE
from ordercraft.core.registries import Registry

if TYPE_CHECKING:
    from ordercraft.core.platform import Platform

#: The examples shipped in ``scripts_user/`` (file name without ``.py``).
EXAMPLES = ("door", "robot", "shelf")
CALCULATOR_NAME = re.compile(r"^[a-z][a-z0-9_\-]{0,63}$")


def source_version(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CalculatorSource:
    """A calculator's source text and where it came from."""

    name: str
    source: str
    #: ``builtin``, ``plugin:<name>``, ``site`` or ``file``.
    origin: str
    path: str | None = None
    version: str = field(default="", compare=False)
    #: For site scripts: who uploaded the version and when.
    uploaded_by: str | None = None
    uploaded_at: Any = None

    def __post_init__(self) -> None:
        if not self.version:
            object.__setattr__(self, "version", source_version(self.source))


def read_source_file(path: str | Path) -> str:
    """A calculator file's text; too large or unreadable files are refused by name."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE * 4:
            raise CalculatorError(f"{path.name}: the file is {size} bytes; a calculator is at "
                                  f"most {MAX_SOURCE} characters", code="too_large")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CalculatorError(f"no calculator file {str(path)!r}", code="not_found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CalculatorError(f"cannot read {str(path)!r}: {exc}", code="not_found") from None


def name_from_path(path: str | Path) -> str:
    stem = re.sub(r"[^a-z0-9_\-]", "-", Path(path).stem.lower()).strip("-_") or "calculator"
    return stem if stem[0].isalpha() else f"calc-{stem}"[:64]


class CalculatorRegistry(Registry[CalculatorSource]):
    """Calculators contributed at start-up; each name once (a clash names both plugins)."""

    kind = "calculator"

    def add_source(self, name: str, source: str) -> CalculatorSource:
        """Register a calculator from its source text."""
        origin = "builtin" if self.current_plugin == "core" else f"plugin:{self.current_plugin}"
        return self.add(name, CalculatorSource(name=name, source=source, origin=origin))

    def add_file(self, path: str | Path, name: str | None = None) -> CalculatorSource:
        """Register a calculator file; its name defaults to the file name without ``.py``."""
        source = read_source_file(path)
        origin = "builtin" if self.current_plugin == "core" else f"plugin:{self.current_plugin}"
        name = name or name_from_path(path)
        return self.add(name, CalculatorSource(name=name, source=source, origin=origin,
                                               path=str(path)))


@lru_cache(maxsize=1)
def _example_sources() -> tuple[CalculatorSource, ...]:
    from importlib.resources import as_file, files

    root = files("ordercraft.scripts_user")
    sources = []
    for name in EXAMPLES:
        resource = root.joinpath(f"{name}.py")
        with as_file(resource) as path:
            sources.append(CalculatorSource(name=name, source=read_source_file(path),
                                            origin="builtin", path=str(path)))
    return tuple(sources)


def builtin_registry() -> CalculatorRegistry:
    """The bundled examples only (no site, no plugins)."""
    registry = CalculatorRegistry()
    for source in _example_sources():
        registry.add(source.name, source)
    return registry


_platform_registries: weakref.WeakKeyDictionary[Any, tuple[str, CalculatorRegistry]] = (
    weakref.WeakKeyDictionary())
_registries_lock = threading.Lock()


def platform_registry(platform: Platform) -> CalculatorRegistry:
    """The bundled examples and every enabled plugin's calculators, built once per plugin set."""
    with _registries_lock:
        cached = _platform_registries.get(platform)
        revision = platform.plugin_revision
        if cached is not None and cached[0] == revision:
            return cached[1]
        registry = builtin_registry()
        platform.hooks.register_calculators(registry)
        _platform_registries[platform] = (revision, registry)
        return registry
