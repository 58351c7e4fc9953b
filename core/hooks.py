"""A typed wrapper over ``pm.hook``: one method per hook, so the rest of the code
never touches pluggy directly and type checkers see the contract."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import pluggy

from ordercraft.core.errors import OrdercraftError, PluginError

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from ordercraft.core.platform import Platform
    from ordercraft.core.registries import MenuItem


def _flatten(results: list[Any]) -> list[Any]:
    return [entry for result in results if result for entry in result]


class Hooks:
    def __init__(self, pm: pluggy.PluginManager, order: list[str]) -> None:
        self._pm = pm
        #: Enabled plugin names, each after the plugins it requires.
        self._order = order

    def _call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call one hook plugin by plugin in requirement order, naming the plugin on failure."""
        results = []
        for name in self._order:
            plugin = self._pm.get_plugin(name)
            function = getattr(plugin, hook_name, None)
            if function is None or not hasattr(function, "ordercraft_impl"):
                continue
            accepted = inspect.signature(function).parameters
            try:
                results.append((name, function(**{k: v for k, v in kwargs.items() if k in accepted})))
            except OrdercraftError:
                raise
            except Exception as exc:
                raise PluginError(f"plugin {name!r} failed in hook {hook_name!r}: "
                                  f"{type(exc).__name__}: {exc}") from exc
        return results

    # start-up
    def startup(self, platform: Platform) -> None:
        self._call_each("startup", platform=platform)

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
        return _flatten(self._pm.hook.menu_items())

    # demo data
    def demo_data(self, session: Session, platform: Platform) -> None:
        self._call_each("demo_data", session=session, platform=platform)

    # documents
    def document_posted(self, session: Session, document: Any) -> None:
        self._pm.hook.document_posted(session=session, document=document)

    def document_transition(self, session: Session, document: Any, transition: str,
                            source: str, target: str, user: Any) -> None:
        self._pm.hook.document_transition(session=session, document=document,
                                          transition=transition, source=source,
                                          target=target, user=user)
