"""Typed objects that contribution hooks return or fill in.

A registry validates what it is given, records which plugin contributed it and
refuses duplicates, so a clash is an error at start-up that names both plugins.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ordercraft.core.errors import PluginError

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_\-]*$")

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class MenuItem:
    """One entry of the main menu.

    :param replaces: the endpoint of another entry this one stands in for (a plugin's
        richer list taking the place of the core's: crm's Clients replaces the Parties
        list). The replaced entry is hidden for users who see this one, and this entry is
        shown as active on the replaced entry's pages too; the replaced pages keep their
        addresses.
    """

    label: str
    endpoint: str
    order: int = 100
    permission: str | None = None
    section: str = "main"
    replaces: str | None = None


@dataclass(frozen=True)
class HeaderItem:
    """An item of the page header, next to the user's name: a link with an optional count
    (the notifications bell with its unread count).

    :param label: what it is (``Notifications``): its tooltip and, for screen readers,
        its name; shown as its text when there is no icon.
    :param url: where a click leads.
    :param badge: a number shown on the item (``None`` or 0: no badge).
    :param icon: the URL of a small image (an SVG of the plugin's static files).
    :param order: items are shown by ascending order, then label.
    """

    label: str
    url: str
    badge: int | None = None
    icon: str | None = None
    order: int = 100


@dataclass(frozen=True)
class ScheduledJob:
    """A background job a plugin adds to the site's scheduler (hook ``scheduled_jobs``):
    ``ordercraft worker`` (and ``ordercraft serve``) runs it every interval, and
    ``ordercraft worker --once`` once, before the outbox's mail is sent.

    :param name: a stable name, unique on the site (``marketing-mailings``).
    :param function: ``function(platform, now) -> list of ids handled``; it opens its own
        short transaction(s) with ``platform.session()`` and takes the rows it handles
        under a row lock, so that several workers never handle one twice. ``now`` is a
        naive UTC datetime or ``None`` (the real clock).
    :param description: what it does, one line (shown by ``ordercraft worker --json``).
    """

    name: str
    function: Callable[..., list[int]]
    description: str = ""


@dataclass(frozen=True)
class PageSection:
    """A section a plugin adds to another part's page (hook ``page_sections``): the
    production section of an item card, a client's balance on the client card, the
    proposals and orders of a deal.

    :param title: the section's heading (``Bills of materials``).
    :param html: its body, already escaped (a ``markupsafe.Markup``, usually rendered
        from the plugin's own template with ``flask.render_template``).
    :param order: sections are shown by ascending order, then title.
    :param name: a stable name (``production-boms``): the page marks the section with
        it, so tests and styles can find it.
    """

    title: str
    html: str
    order: int = 100
    name: str = ""


@dataclass(frozen=True)
class DashboardWidget:
    """A card of the home page's dashboard: a figure or two, a chart, and its numbers as
    a table (every chart's numbers are readable without the picture).

    :param title: what it shows (``Revenue this month``).
    :param rows: the numbers as ``(label, value)`` text pairs, shown as a table under
        the chart (``("November 2026", "52 000.00")``); the first one is the headline.
    :param chart_svg: an SVG drawn on the server (no script, no external reference;
        ``ordercraft.plugins.analysis`` draws them with pygal), or ``None``.
    :param url: where the title leads (the full report), or ``None``.
    :param order: widgets are shown by ascending order, then title.
    :param name: a stable name for the widget (``analysis-revenue``): the page marks the
        card with it, so tests and styles can find it.
    """

    title: str
    rows: tuple[tuple[str, str], ...] = ()
    chart_svg: str | None = None
    url: str | None = None
    order: int = 100
    name: str = ""


class Registry(Generic[T]):
    """Named contributions from plugins, each name once."""

    kind = "entry"

    def __init__(self) -> None:
        self._entries: dict[str, T] = {}
        self._owners: dict[str, str] = {}
        self.current_plugin = "core"

    def add(self, name: str, entry: T) -> T:
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise PluginError(
                f"plugin {self.current_plugin!r} registers {self.kind} {name!r}: names are "
                "lower-case letters, digits, '_' and '-', starting with a letter")
        if name in self._entries:
            raise PluginError(
                f"plugin {self.current_plugin!r} registers {self.kind} {name!r}, already "
                f"registered by plugin {self._owners[name]!r}")
        self._entries[name] = entry
        self._owners[name] = self.current_plugin
        return entry

    def owner(self, name: str) -> str:
        return self._owners[name]

    def get(self, name: str) -> T | None:
        return self._entries.get(name)

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def __len__(self) -> int:
        return len(self._entries)


def once_per_plugin_set(build: Callable[[Any], R]) -> Callable[[Any], R]:
    """``build(hooks)`` runs once per plugin set and its result is kept while that set is
    in use: a platform's ``hooks`` object is replaced when a plugin is enabled or
    disabled, so what plugins contributed is then built again. Safe across threads."""
    built: weakref.WeakKeyDictionary[Any, R] = weakref.WeakKeyDictionary()
    lock = threading.Lock()

    @functools.wraps(build)
    def for_hooks(hooks: Any) -> R:
        found = built.get(hooks)
        if found is None:
            with lock:
                found = built.get(hooks)
                if found is None:
                    found = built[hooks] = build(hooks)
        return found

    return for_hooks


class ServiceRegistry:
    """What the hook ``plugin_services`` receives: ``registry.add(name, service)`` offers
    ``service`` (any object: an instance whose methods other plugins call) under
    ``name``, as a service of the plugin being called. Another plugin reaches it with
    ``ordercraft.sdk.plugins.plugin_service(session, plugin, name)``."""

    def __init__(self) -> None:
        self._services: dict[str, dict[str, object]] = {}
        self.current_plugin = "core"

    def add(self, name: str, service: object) -> object:
        plugin = self.current_plugin
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise PluginError(f"plugin {plugin!r} offers service {name!r}: names are lower-case "
                              "letters, digits, '_' and '-', starting with a letter")
        offered = self._services.setdefault(plugin, {})
        if name in offered:
            raise PluginError(f"plugin {plugin!r} offers service {name!r} twice")
        if service is None:
            raise PluginError(f"plugin {plugin!r} offers service {name!r} as None")
        offered[name] = service
        return service

    def names(self, plugin: str) -> list[str]:
        return sorted(self._services.get(plugin, {}))

    def get(self, plugin: str, name: str) -> object:
        """Plugin ``plugin``'s service ``name``; one it does not offer is a PluginError."""
        found = self._services.get(plugin, {}).get(name)
        if found is None:
            offered = ", ".join(self.names(plugin)) or "none"
            raise PluginError(f"plugin {plugin!r} offers no service {name!r} (it offers: "
                              f"{offered})", code="unknown_service",
                              details={"plugin": plugin, "service": name})
        return found
