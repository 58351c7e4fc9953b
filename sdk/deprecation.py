"""How the SDK retires a name without breaking the plugins that use it.

A public name that is renamed, moved to another SDK module or removed keeps working for
one more minor version of the SDK: using it raises a :class:`DeprecationWarning` that
says what to use instead and in which version the old name goes (docs/sdk.md, "The
deprecation path"). A module's ``__getattr__`` serves its old names::

    _RETIRED = {"workflow_routes": Deprecated("ordercraft.sdk.web:workflow_routes",
                                              since="1.0", removed_in="1.1")}
    __getattr__ = deprecated_attributes(__name__, _RETIRED)

and :func:`warn_deprecated` warns about anything else retired (an argument, a
behaviour).

Run a plugin's tests with ``-W error::DeprecationWarning`` to find the names to change
before the next minor version.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Deprecated", "deprecated_attributes", "warn_deprecated"]


@dataclass(frozen=True)
class Deprecated:
    """A retired name: what replaces it (``"module:name"``, or ``""`` when nothing
    does), the SDK version that deprecated it and the one that removes it."""

    replacement: str
    since: str
    removed_in: str

    def load(self) -> Any:
        module_name, _, attribute = self.replacement.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attribute) if attribute else module

    @property
    def use_instead(self) -> str:
        module_name, _, attribute = self.replacement.partition(":")
        return f"{module_name}.{attribute}" if attribute else module_name


def warn_deprecated(old: str, new: str, *, since: str, removed_in: str,
                    stacklevel: int = 3) -> None:
    """Warn that ``old`` is deprecated: ``new`` replaces it, from ``removed_in`` on only
    ``new`` exists."""
    warnings.warn(f"{old} is deprecated since Ordercraft SDK {since} and goes in "
                  f"{removed_in}: use {new}", DeprecationWarning, stacklevel=stacklevel)


def deprecated_attributes(module_name: str,
                          retired: Mapping[str, Deprecated]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that serves the ``retired`` names with a warning."""

    def __getattr__(name: str) -> Any:
        entry = retired.get(name)
        if entry is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        warn_deprecated(f"{module_name}.{name}", entry.use_instead, since=entry.since,
                        removed_in=entry.removed_in)
        return entry.load()

    return __getattr__
