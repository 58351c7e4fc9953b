"""A typed wrapper over ``pm.hook``: one method per hook, so the rest of the code
never touches pluggy directly and type checkers see the contract."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import pluggy

from ordercraft.core.errors import OrdercraftError, PluginError

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from ordercraft.core.calc.registry import CalculatorRegistry
    from ordercraft.core.platform import Platform
    from ordercraft.core.printing import PrintFormRegistry
    from ordercraft.core.registries import MenuItem, Registry
    from ordercraft.core.workflow.machines import StateMachineRegistry


def _flatten(results: list[Any]) -> list[Any]:
    return [entry for result in results if result for entry in result]


class Hooks:
    def __init__(self, pm: pluggy.PluginManager, order: list[str]) -> None:
        self._pm = pm
        #: Enabled plugin names, each after the plugins it requires.
        self._order = order

    def _call_each(self, hook_name: str, *, firstresult: bool = False,
                   plugins: Collection[str] | None = None,
                   **kwargs: Any) -> list[tuple[str, Any]]:
        """Call one hook plugin by plugin, naming the plugin on failure.

        Implementations run in requirement order (a plugin after the plugins it
        requires; ``tryfirst``/``trylast`` implementations before/after the rest), each
        with only the arguments it declares. Returns ``(plugin name, result)`` for every
        non-None result; ``firstresult`` stops at the first one. ``plugins`` limits the
        call to those plugins.
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
                raise PluginError(f"plugin {impl.plugin_name!r} failed in hook {hook_name!r}: "
                                  f"{type(exc).__name__}: {exc}",
                                  details={"plugin": impl.plugin_name, "hook": hook_name}) from exc
            if result is not None:
                results.append((impl.plugin_name, result))
                if firstresult:
                    break
        return results

    # start-up
    def startup(self, platform: Platform, plugins: Collection[str] | None = None) -> None:
        self._call_each("startup", platform=platform, plugins=plugins)

    # schema
    def register_models(self) -> None:
        self._call_each("register_models")

    def migrations_locations(self) -> list[tuple[str, str]]:
        return [(name, path) for name, path in self._call_each("migrations_location") if path]

    # CLI
    def cli_commands(self) -> list[tuple[str, click.Command]]:
        return [(name, command) for name, commands in self._call_each("cli_commands")
                for command in (commands or [])]

    # web
    def web_blueprints(self) -> list[tuple[str, Blueprint]]:
        return [(name, bp) for name, blueprints in self._call_each("web_blueprints")
                for bp in (blueprints or [])]

    def menu_items(self) -> list[MenuItem]:
        return _flatten([items for _name, items in self._call_each("menu_items")])

    # demo data
    def demo_data(self, session: Session, platform: Platform,
                  plugins: Collection[str] | None = None) -> None:
        """``plugins`` limits seeding to those plugins (the ones not seeded yet)."""
        self._call_each("demo_data", session=session, platform=platform, plugins=plugins)

    # documents
    def document_posted(self, session: Session, document: Any) -> None:
        self._call_each("document_posted", session=session, document=document)

    def implemented(self, hook_name: str) -> bool:
        """Whether any enabled plugin implements ``hook_name``: a bulk path (posting
        thousands of stock documents) skips loading the objects it would pass."""
        return bool(getattr(self._pm.hook, hook_name).get_hookimpls())

    def document_transition(self, session: Session, document: Any, transition: str,
                            source: str, target: str, user: Any) -> None:
        self._call_each("document_transition", session=session, document=document,
                        transition=transition, source=source, target=target, user=user)

    # workflow
    def register_state_machines(self, registry: StateMachineRegistry) -> None:
        # One plugin at a time, so the registry records who registered what.
        for name in self._order:
            registry.current_plugin = name
            self._call_each("register_state_machines", registry=registry, plugins=[name])
        registry.current_plugin = "core"

    def task_notification(self, session: Session, task: Any, kind: str, recipient: Any,
                          now: Any) -> None:
        self._call_each("task_notification", session=session, task=task, kind=kind,
                        recipient=recipient, now=now)

    def process_templates(self) -> list[tuple[str, str]]:
        """``(plugin name, file path)`` of every template the plugins ship."""
        return [(name, str(path)) for name, paths in self._call_each("process_templates")
                for path in (paths or [])]

    # calculators
    def register_calculators(self, registry: CalculatorRegistry) -> None:
        # One plugin at a time, so the registry records who registered what.
        for name in self._order:
            registry.current_plugin = name
            self._call_each("register_calculators", registry=registry, plugins=[name])
        registry.current_plugin = "core"

    def catalog_lookup(self, session: Session, skus: list[str]) -> list[tuple[str, Any]]:
        """``(plugin name, {sku: entry})`` from every plugin that knows some of ``skus``."""
        return self._call_each("catalog_lookup", session=session, skus=skus)

    # reports
    def register_client_rules(self, registry: Registry[Any]) -> None:
        # One plugin at a time, so the registry records who registered what.
        for name in self._order:
            registry.current_plugin = name
            self._call_each("register_client_rules", registry=registry, plugins=[name])
        registry.current_plugin = "core"

    # print forms
    def print_forms(self, registry: PrintFormRegistry) -> None:
        # One plugin at a time, so the registry records who registered what.
        for name in self._order:
            registry.current_plugin = name
            self._call_each("print_forms", registry=registry, plugins=[name])
        registry.current_plugin = "core"

    # sales
    def order_shortages(self, session: Session, order: Any, shortages: list[Any]) -> None:
        self._call_each("order_shortages", session=session, order=order, shortages=shortages)
