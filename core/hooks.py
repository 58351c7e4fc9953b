"""Typed wrappers over ``pm.hook``: one method per hook, so the rest of the code never
touches pluggy directly and type checkers see the contract.

:class:`HookWrapper` holds what every wrapper shares: calling one hook plugin by plugin,
in requirement order, naming the plugin when its code fails. :class:`Hooks` wraps the
core's hooks (``core/hookspecs.py``); a plugin that declares hooks of its own wraps them
the same way (``ordercraft.sdk.plugins.HookWrapper``), so that its callers are typed too.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pluggy

from ordercraft.core.errors import OrdercraftError, PluginFault

if TYPE_CHECKING:
    from datetime import datetime

    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from ordercraft.core.calc.registry import CalculatorRegistry
    from ordercraft.core.custom_fields import CustomFieldRegistry
    from ordercraft.core.models import User
    from ordercraft.core.permissions import PermissionRegistry
    from ordercraft.core.platform import Platform
    from ordercraft.core.plugins import HookspecRegistry
    from ordercraft.core.printing import PrintFormRegistry
    from ordercraft.core.registries import (
        DashboardWidget,
        HeaderItem,
        MenuItem,
        PageSection,
        ScheduledJob,
        ServiceRegistry,
    )
    from ordercraft.core.settings import SettingRegistry
    from ordercraft.core.workflow.documents import WorkflowDocument
    from ordercraft.core.workflow.machines import StateMachineRegistry
    from ordercraft.core.workflow.models import Task

W = TypeVar("W", bound="HookWrapper")
P = TypeVar("P")


class PluginRegistry(Protocol):
    """A contribution registry: it records which plugin adds each entry."""

    current_plugin: str


def site_hooks(source: Any) -> Hooks:
    """The hooks of the site of ``source``: a ``Platform`` or a session opened by
    ``Platform.session()``."""
    from ordercraft.core.platform import site_platform

    return site_platform(source).hooks

log = logging.getLogger(__name__)


def _flatten(results: list[Any]) -> list[Any]:
    return [entry for result in results if result for entry in result]


class HookWrapper:
    """Calls hooks plugin by plugin. Subclasses add one typed method per hook."""

    def __init__(self, pm: pluggy.PluginManager, order: list[str]) -> None:
        self._pm = pm
        #: Enabled plugin names, each after the plugins it requires.
        self._order = order

    @classmethod
    def of(cls: type[W], source: Any) -> W:
        """This wrapper over a site's hooks: ``source`` is a ``Platform``, a session
        opened by ``Platform.session()`` or another wrapper over the same hooks."""
        hooks = source if isinstance(source, HookWrapper) else site_hooks(source)
        if type(hooks) is cls:
            return hooks  # type: ignore[return-value]
        return cls(hooks._pm, hooks._order)

    def call_each(self, hook_name: str, *, firstresult: bool = False,
                  plugins: Collection[str] | None = None,
                  **kwargs: Any) -> list[tuple[str, Any]]:
        """Call one hook plugin by plugin, naming the plugin on failure.

        Implementations run in requirement order (a plugin after the plugins it
        requires; ``tryfirst``/``trylast`` implementations before/after the rest), each
        with only the arguments it declares. Returns ``(plugin name, result)`` for every
        non-None result; ``firstresult`` stops at the first one. ``plugins`` limits the
        call to those plugins. An ``OrdercraftError`` an implementation raises (a
        refusal) passes through; any other exception is the plugin's fault and becomes a
        :class:`~ordercraft.core.errors.PluginFault` naming the plugin and the hook.
        """
        caller = getattr(self._pm.hook, hook_name)
        rank = {name: index for index, name in enumerate(self._order)}
        impls = sorted(caller.get_hookimpls(), key=lambda impl: (
            0 if impl.tryfirst else 2 if impl.trylast else 1,
            rank.get(impl.plugin_name, len(rank))))
        results = []
        for impl in impls:
            if plugins is not None and impl.plugin_name not in plugins:
                continue
            arguments = {name: kwargs[name] for name in impl.argnames}
            try:
                result = impl.function(**arguments)
            except OrdercraftError:
                raise
            except Exception as exc:
                raise PluginFault(impl.plugin_name, hook_name, exc) from exc
            if result is not None:
                results.append((impl.plugin_name, result))
                if firstresult:
                    break
        return results

    def fill_registry(self, hook_name: str, registry: PluginRegistry, **kwargs: Any) -> None:
        """Call a contribution hook one plugin at a time with ``registry``, whose
        ``current_plugin`` names the plugin while it contributes (so that a clash names
        both plugins); ``current_plugin`` is ``"core"`` again afterwards."""
        try:
            for name in self._order:
                registry.current_plugin = name
                self.call_each(hook_name, registry=registry, plugins=[name], **kwargs)
        finally:
            registry.current_plugin = "core"

    def implemented(self, hook_name: str) -> bool:
        """Whether any enabled plugin implements ``hook_name``: a bulk path (posting
        thousands of stock documents) skips loading the objects it would pass."""
        return bool(getattr(self._pm.hook, hook_name).get_hookimpls())


class Hooks(HookWrapper):
    """The core's hooks, one method each, with the parameters of its hookspec (and, for
    the hooks the platform calls for some plugins only, ``plugins``)."""

    # plugins
    def add_hookspecs(self, registry: HookspecRegistry) -> None:
        # Called by the plugin loader while it builds the manager (see core.plugins).
        self.fill_registry("add_hookspecs", registry)

    def plugin_services(self, registry: ServiceRegistry) -> None:
        self.fill_registry("plugin_services", registry)

    # start-up
    def startup(self, platform: Platform, plugins: Collection[str] | None = None) -> None:
        self.call_each("startup", platform=platform, plugins=plugins)

    # schema
    def register_models(self) -> None:
        self.call_each("register_models")

    def migrations_location(self) -> list[tuple[str, str]]:
        """``(plugin name, folder)`` of every plugin with revisions."""
        return [(name, path) for name, path in self.call_each("migrations_location") if path]

    # permissions, settings and custom fields
    def register_permissions(self, registry: PermissionRegistry) -> None:
        self.fill_registry("register_permissions", registry)

    def register_settings(self, registry: SettingRegistry) -> None:
        self.fill_registry("register_settings", registry)

    def register_custom_fields(self, registry: CustomFieldRegistry) -> None:
        self.fill_registry("register_custom_fields", registry)

    # CLI
    def cli_commands(self) -> list[tuple[str, click.Command]]:
        return [(name, command) for name, commands in self.call_each("cli_commands")
                for command in (commands or [])]

    # web
    def web_blueprints(self) -> list[tuple[str, Blueprint]]:
        return [(name, bp) for name, blueprints in self.call_each("web_blueprints")
                for bp in (blueprints or [])]

    def menu_items(self) -> list[MenuItem]:
        return _flatten([items for _name, items in self.call_each("menu_items")])

    def page_header_items(self, session: Session, user: User) -> list[HeaderItem]:
        """Every enabled plugin's header items. A plugin that fails, or returns something
        else than header items, is logged and left out: a page must not break for a
        widget in its header."""
        from ordercraft.core.registries import HeaderItem

        return self._page_parts("page_header_items", HeaderItem, "the page header",
                               session=session, user=user)

    def dashboard_widgets(self, session: Session, user: User) -> list[DashboardWidget]:
        """Every enabled plugin's dashboard widgets for ``user``; a plugin that fails, or
        returns something else than widgets, is logged and left out."""
        from ordercraft.core.registries import DashboardWidget

        return self._page_parts("dashboard_widgets", DashboardWidget, "the dashboard",
                                session=session, user=user)

    def page_sections(self, session: Session, user: User, page: str,
                      obj: object) -> list[PageSection]:
        """Every enabled plugin's sections for ``page`` showing ``obj``; a plugin that
        fails, or returns something else than sections, is logged and left out."""
        from ordercraft.core.registries import PageSection

        return self._page_parts("page_sections", PageSection, f"the {page} page",
                                session=session, user=user, page=page, obj=obj)

    # background jobs
    def scheduled_jobs(self) -> list[ScheduledJob]:
        """Every enabled plugin's background jobs; something else than a job is logged
        and left out."""
        from ordercraft.core.registries import ScheduledJob

        found = []
        for name, jobs in self.call_each("scheduled_jobs"):
            for job in jobs or []:
                if isinstance(job, ScheduledJob):
                    found.append(job)
                else:
                    log.error("plugin %s: hook scheduled_jobs returned %r, not a "
                              "ScheduledJob; left out", name, job)
        return found

    def _page_parts(self, hook_name: str, kind: type[P], where: str, **kwargs: Any) -> list[P]:
        """The ``kind`` objects each plugin returns from a hook that draws part of a page
        (``where``), plugin by plugin, leaving out (and logging) a plugin that fails."""
        parts: list[P] = []
        for name in self._order:
            try:
                found = self.call_each(hook_name, plugins=[name], **kwargs)
            except Exception as exc:  # a PluginFault or a refusal: the page still renders
                log.error("plugin %r left out of %s: %s", name, where, exc)
                continue
            for entry in _flatten([result for _plugin, result in found]):
                if isinstance(entry, kind):
                    parts.append(entry)
                else:
                    log.error("plugin %r returned %r from %s, not a %s", name, entry,
                              hook_name, kind.__name__)
        return parts

    # demo data
    def demo_data(self, session: Session, platform: Platform,
                  plugins: Collection[str] | None = None) -> None:
        """``plugins`` limits seeding to those plugins (the ones not seeded yet)."""
        self.call_each("demo_data", session=session, platform=platform, plugins=plugins)

    # documents
    def document_posted(self, session: Session, document: object) -> None:
        self.call_each("document_posted", session=session, document=document)

    def document_transition(self, session: Session, document: WorkflowDocument,
                            transition: str, source: str, target: str,
                            user: User | None) -> None:
        self.call_each("document_transition", session=session, document=document,
                       transition=transition, source=source, target=target, user=user)

    # mail
    def mail_bounced(self, session: Session, addresses: list[str], reason: str,
                     message_id: int | None, source: str, about: str | None) -> None:
        self.call_each("mail_bounced", session=session, addresses=addresses, reason=reason,
                       message_id=message_id, source=source, about=about)

    # workflow
    def register_state_machines(self, registry: StateMachineRegistry) -> None:
        self.fill_registry("register_state_machines", registry)

    def task_notification(self, session: Session, task: Task, kind: str, recipient: User,
                          now: datetime) -> None:
        self.call_each("task_notification", session=session, task=task, kind=kind,
                       recipient=recipient, now=now)

    def process_templates(self) -> list[tuple[str, str]]:
        """``(plugin name, file path)`` of every template the plugins ship."""
        return [(name, str(path)) for name, paths in self.call_each("process_templates")
                for path in (paths or [])]

    # calculators
    def register_calculators(self, registry: CalculatorRegistry) -> None:
        self.fill_registry("register_calculators", registry)

    def catalog_lookup(self, session: Session, skus: list[str]
                       ) -> list[tuple[str, Mapping[str, Mapping[str, Any]]]]:
        """``(plugin name, {sku: entry})`` from every plugin that knows some of ``skus``."""
        return self.call_each("catalog_lookup", session=session, skus=skus)

    # print forms
    def print_forms(self, registry: PrintFormRegistry) -> None:
        self.fill_registry("print_forms", registry)
