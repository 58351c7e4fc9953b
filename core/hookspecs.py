"""The whole contract between Ordercraft and its plugins.

Every hook is listed here with what it receives and what it returns, grouped by
the moment of the platform's life at which it is called: start-up, schema, CLI,
web, demo data, documents. ``docs/hooks.md`` is generated from these docstrings
(``ordercraft plugins hooks --markdown``); a test fails when the two differ or
when a hook has no test of its own.

Rules every hook follows:

* A plugin implements a hook by defining a function of the same name decorated
  with ``ordercraft.sdk.hookimpl``; it may take only the arguments it uses.
* Hooks evolve by gaining arguments, never by being renamed.
* Unless a hook says "stops at the first non-None result", every implementation
  is called and the results are collected in a list (``None`` results dropped).
* Hooks that run inside a business operation receive its ``session``; they must
  not commit or roll back: the operation commits or rolls back as a whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # imported for type checkers only: keeps start-up fast
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from ordercraft.core.platform import Platform
    from ordercraft.core.registries import MenuItem

PROJECT_NAME = "ordercraft"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --------------------------------------------------------------------------- start-up


@hookspec
def startup(platform: Platform) -> None:
    """Called once per process after every enabled plugin is registered and checked.

    :param platform: the site's :class:`~ordercraft.core.platform.Platform` (database,
        settings, hooks). Keep a reference if the plugin needs it later.

    Return nothing. Raising here stops the start-up with an error that names the plugin.
    """


# --------------------------------------------------------------------------- schema


@hookspec
def register_models() -> None:
    """Called before the platform touches the database: import the modules that declare
    the plugin's tables (classes derived from ``ordercraft.sdk.Base``).

    Plugins keep their package ``__init__`` light (``ordercraft --help`` must stay fast)
    and import their models only here. Return nothing.
    """


@hookspec
def migrations_location() -> str | None:
    """Where the plugin's Alembic revisions live: an absolute folder path.

    The first revision of that folder carries ``branch_labels = ("<plugin name>",)`` and
    ``depends_on`` the core revision it needs, so each plugin has its own branch and
    ``ordercraft db upgrade`` brings every branch to its head. Return ``None`` (or do not
    implement the hook) when the plugin has no tables.
    """


# --------------------------------------------------------------------------- CLI


@hookspec
def cli_commands() -> list[click.Command]:
    """Commands (or groups) the plugin adds to ``ordercraft``.

    Called when the CLI starts. Return a list of ``click.Command`` objects; their names
    must not clash with core commands or other plugins' (a clash is an error at start).
    Import heavy libraries inside the command functions, not at module level.
    """


# --------------------------------------------------------------------------- web


@hookspec
def web_blueprints() -> list[Blueprint]:
    """Flask blueprints with the plugin's pages and JSON API routes.

    Called once by ``create_app``. Page blueprints choose their own ``url_prefix``; API
    routes belong under ``/api/v1/<plural noun>``. While the plugin is disabled its
    blueprints answer 404, and they come back when it is enabled, without a restart.
    Return a list of blueprints.
    """


@hookspec
def menu_items() -> list[MenuItem]:
    """Entries of the main menu.

    Called on each page render, only for enabled plugins. Return a list of
    :class:`~ordercraft.core.registries.MenuItem` (label, endpoint, order, and the
    permission a user needs to see it).
    """


# --------------------------------------------------------------------------- demo data


@hookspec
def demo_data(session: Session, platform: Platform) -> None:
    """Seed the plugin's part of the demo site (the robot workshop of DESIGN.md).

    Called by ``ordercraft demo`` after the core's own demo data (parties, items,
    warehouses, users) exists, in the order of plugin requirements (a plugin is seeded
    after the plugins it requires), inside one transaction. Return nothing.
    """


# --------------------------------------------------------------------------- documents


@hookspec
def document_posted(session: Session, document: Any) -> None:
    """A document was posted (a stock document, an order shipment, ...).

    Called inside the posting transaction, after the document's rows are written and
    before commit: raise an :class:`~ordercraft.core.errors.OrdercraftError` to refuse
    the posting as a whole. ``document`` is the posted ORM object; read it, do not
    change it. Return nothing.
    """


@hookspec
def document_transition(session: Session, document: Any, transition: str, source: str,
                        target: str, user: Any) -> None:
    """A workflow transition moved ``document`` from state ``source`` to ``target``.

    Called inside the transition's transaction, after the state changed: raise an
    :class:`~ordercraft.core.errors.OrdercraftError` to refuse the transition as a whole.
    ``user`` is the acting user (or ``None`` for the system). Return nothing.
    """
