"""The whole contract between Ordercraft and its plugins.

Every hook is listed here with what it receives and what it returns, grouped by
the moment of the platform's life at which it is called: start-up, schema, CLI,
web, demo data, documents, workflow. ``docs/hooks.md`` is generated from these docstrings
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

    from ordercraft.core.calc.registry import CalculatorRegistry
    from ordercraft.core.platform import Platform
    from ordercraft.core.printing import PrintFormRegistry
    from ordercraft.core.registries import MenuItem, Registry
    from ordercraft.core.workflow.machines import StateMachineRegistry

PROJECT_NAME = "ordercraft"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --------------------------------------------------------------------------- start-up


@hookspec
def startup(platform: Platform) -> None:
    """Called once per process for each enabled plugin, after every enabled plugin is
    registered and checked, when the process starts using the site (a CLI command that
    opens the site, the web app, the background worker); for a plugin enabled while
    the process runs, when the process notices the change.

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

    Called by ``ordercraft db upgrade`` and ``ordercraft db status`` (and whenever the
    platform configures Alembic), for every installed plugin, disabled ones included: a
    disabled plugin keeps its tables and its revisions. The first revision of that
    folder carries ``branch_labels = ("<plugin name>",)`` and ``depends_on = ("core",)``,
    so each plugin has its own branch and ``ordercraft db upgrade`` brings every branch
    to its head; ``ordercraft db revision -m MESSAGE --owner <plugin name>`` writes such
    revisions there from the plugin's models (creating the folder). Return ``None`` (or
    do not implement the hook) when the plugin has no tables.
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
    after the plugins it requires), inside one transaction. Each plugin is seeded once
    per site: running ``ordercraft demo`` again calls only plugins enabled since.

    :param session: the demo's transaction; add rows to it, do not commit.
    :param platform: the site's :class:`~ordercraft.core.platform.Platform`.

    Return nothing.
    """


# --------------------------------------------------------------------------- documents


@hookspec
def document_posted(session: Session, document: Any) -> None:
    """A document was posted (a stock document, an order shipment, ...).

    Called inside the posting transaction, after the document's rows are written and
    before commit: raise an :class:`~ordercraft.core.errors.OrdercraftError` to refuse
    the posting as a whole.

    :param session: the posting's transaction (do not commit or roll back).
    :param document: the posted ORM object; read it, do not change it.

    Return nothing.
    """


@hookspec
def document_transition(session: Session, document: Any, transition: str, source: str,
                        target: str, user: Any) -> None:
    """A workflow transition moved ``document`` from state ``source`` to ``target``.

    Called inside the transition's transaction, after the state changed: raise an
    :class:`~ordercraft.core.errors.OrdercraftError` to refuse the transition as a whole.

    :param session: the transition's transaction (do not commit or roll back).
    :param document: the ORM object whose state changed.
    :param transition: the name of the transition taken.
    :param source: the state before.
    :param target: the state after.
    :param user: the acting user (or ``None`` for the system).

    Return nothing.
    """


# --------------------------------------------------------------------------- workflow


@hookspec
def register_state_machines(registry: StateMachineRegistry) -> None:
    """Register the state machines of the plugin's document types, and extend other
    plugins' machines.

    Called once per plugin set, the first time the site needs its state machines (a
    transition, a process template import, a page with workflow buttons), and again
    after plugins are enabled or disabled. Plugins are called in requirement order;
    extensions are applied after every plugin has been called, so their order does not
    matter.

    :param registry: a :class:`~ordercraft.core.workflow.machines.StateMachineRegistry`:

        * ``registry.add(StateMachine(document_type, model, states, transitions, ...))``
          registers a document type (once per type). The machine is validated at once:
          unknown states, no or several initial states, no final state, states that
          cannot be reached, dead ends, a model whose ``__document_type__`` differs.
        * ``registry.add_guard(document_type, transition, guard)`` adds a guard
          ``(ctx) -> str | None`` (the refusal reason, or ``None``) to another plugin's
          transition; ``registry.add_action(document_type, transition, action)`` adds
          an action ``(ctx) -> None`` run after the owner's actions;
          ``registry.add_transition(document_type, Transition(...))`` adds a transition
          between existing states. An extension of a document type that no enabled
          plugin registers is left out; an unknown transition is an error.

    A problem is a :class:`~ordercraft.core.errors.PluginError` naming the plugin and the
    document type. Return nothing.
    """


@hookspec
def task_notification(session: Session, task: Any, kind: str, recipient: Any,
                      now: Any) -> None:
    """Tell a person about a task: deliver it by mail, a messenger, a push message.

    Called inside the operation that caused it (so a delivery that must not be lost can
    write an outbox row in the same transaction): when a task is assigned to someone
    (created or reassigned), when its reminder time comes (the scheduler's reminder
    job), and when it is overdue and escalated to the assignee's manager (the
    escalation job). Not called when there is nobody to tell (a task left to a role).

    :param session: the operation's transaction (do not commit or roll back).
    :param task: the :class:`~ordercraft.core.workflow.models.Task`.
    :param kind: ``"assigned"``, ``"reminder"`` or ``"escalated"``.
    :param recipient: the :class:`~ordercraft.core.models.User` to tell.
    :param now: the moment (naive UTC datetime) the engine acts at.

    Return nothing. Raising refuses the operation as a whole, so a plugin that delivers
    through the network should queue the message rather than send it here.
    """


@hookspec
def process_templates() -> list[str]:
    """Business-process templates (YAML or JSON files) that the plugin ships.

    Called by ``ordercraft process import --shipped NAME`` and ``ordercraft process
    shipped`` (and by the demo) to find the templates an administrator may import;
    a template's name is its file name without the extension, and must not clash with
    the core's or another plugin's. Importing validates the template against the
    site's state machines, so a plugin's template may use its own document types.

    Return a list of absolute file paths.
    """


# --------------------------------------------------------------------------- calculators


@hookspec
def register_calculators(registry: CalculatorRegistry) -> None:
    """Contribute pricing calculators (script or formula files) to the site.

    Called once per plugin set, the first time the site needs its calculators
    (``ordercraft calc list``, a run, the calculator pages), and again after plugins are
    enabled or disabled. Plugins are called in requirement order, after the bundled
    examples are registered.

    :param registry: a :class:`~ordercraft.core.calc.registry.CalculatorRegistry`:
        ``registry.add_file(path, name=None)`` registers a calculator file (its name
        defaults to the file name without ``.py``); ``registry.add_source(name, text)``
        registers source text. A name is lower-case letters, digits, ``-`` and ``_``;
        a name already taken (by the examples or another plugin) is a
        :class:`~ordercraft.core.errors.PluginError` naming both plugins. The file is read
        and checked in a calculator worker when first used, like any other script. A
        script uploaded to the site under the same name takes precedence.

    Return nothing.
    """


@hookspec
def catalog_lookup(session: Session, skus: list[str]) -> dict[str, dict[str, Any]] | None:
    """Catalog entries that calculators read with ``price(sku)`` and ``item(sku)``.

    Called while a calculator runs on the site's catalog, each time the script asks
    for a sku it has not read yet in that run (``skus`` then holds that one sku; callers
    may pass several). Plugins are called in requirement order and the first plugin that
    returns a sku wins; skus no plugin returns are looked up in the items table (active
    items, their list price).

    :param session: the run's session (read only: do not write, commit or roll back).
    :param skus: the skus wanted.

    Return ``{sku: {"price": Decimal, "name": str, "unit": str, "kind": str,
    "attributes": dict}}`` for the skus the plugin knows (leave out the others; ``name``,
    ``unit``, ``kind`` — ``service`` makes it an operation line — and ``attributes`` are
    optional), or ``None``. The entries are copied into the run as
    plain data and kept with a stored run, so a price can be explained later.
    """



# --------------------------------------------------------------------------- reports


@hookspec
def register_client_rules(registry: Registry[Any]) -> None:
    """Contribute kinds of rules that select clients: client groups ("bought in the last
    90 days", "tag = school") and the report filters built on them.

    Called by the ``crm`` plugin once per plugin set, the first time the site evaluates
    or validates a client group (a client list filtered by group, the funnel report, a
    group saved), and again after plugins are enabled or disabled; only while ``crm`` is
    enabled. Plugins are called in requirement order, after crm's own rule kinds
    (tag, source, manager, kind, ...) are registered.

    :param registry: a ``ClientRuleRegistry`` of the crm plugin
        (``ordercraft.plugins.crm.rules``): ``registry.add(ClientRule(name, label,
        condition, value_type="number"))`` registers a rule kind; ``condition(ctx)``
        returns a SQL boolean expression over ``ordercraft.core.models.Party`` (usually
        ``Party.id.in_(select(...))``) for the parsed value in ``ctx.value``, with
        ``ctx.session`` and ``ctx.now`` (naive UTC). A name already taken is a
        :class:`~ordercraft.core.errors.PluginError` naming both plugins.

    Return nothing.
    """


# --------------------------------------------------------------------------- print forms


@hookspec
def print_forms(registry: PrintFormRegistry) -> None:
    """Contribute print forms (documents rendered from Jinja templates as HTML and PDF:
    an order confirmation, an invoice, a delivery note), or new forms for another
    plugin's document type.

    Called once per plugin set, the first time the site needs its print forms (a form
    printed or listed), and again after plugins are enabled or disabled. Plugins are
    called in requirement order.

    :param registry: a :class:`~ordercraft.core.printing.PrintFormRegistry`:
        ``registry.add(PrintForm(document_type, name, title, template, folder, context))``
        (``from ordercraft.sdk import PrintForm``) registers the form ``name`` of
        ``document_type`` (``"order"``, ``"proposal"``).
        ``template`` is a path relative to ``folder`` (``"sales/invoice.html"``), so a
        site overrides it by putting a file of the same relative path into its templates
        folder (site setting ``print_templates_dir`` or ``ORDERCRAFT_TEMPLATES_DIR``);
        templates may extend the shared layout ``"print/base.html"``. ``context`` is a
        function ``(session, document) -> dict`` giving the template its variables; a
        plugin adding a form to another plugin's document type reuses that plugin's
        context with ``registry.context_of(document_type)``. A (document type, name)
        pair taken already is a :class:`~ordercraft.core.errors.PluginError` naming both
        plugins.

    Return nothing.
    """


# --------------------------------------------------------------------------- sales


@hookspec
def order_shortages(session: Session, order: Any, shortages: list[Any]) -> None:
    """A customer order was confirmed and the stock does not cover all of it: the
    shortages are what production has to make and purchasing has to buy.

    Called by the ``sales`` plugin inside the transaction of the order's ``confirm``
    transition, after it reserved what the warehouse holds, only when something is
    short. Raising an :class:`~ordercraft.core.errors.OrdercraftError` refuses the
    confirmation as a whole (reservations included).

    :param session: the confirmation's transaction (do not commit or roll back).
    :param order: the ``ordercraft.plugins.sales.models.Order`` (read it; its lines
        already show ``reserved_qty``, ``to_produce_qty`` and ``to_buy_qty``).
    :param shortages: one ``ordercraft.plugins.sales.fulfilment.Shortage`` per short
        line, with ``order_id``, ``order_number``, ``line_id``, ``position``, ``item``
        (SKU), ``item_id``, ``item_name``, ``warehouse`` (code), ``qty`` (``Decimal``
        missing), ``action`` (``"produce"`` for assemblies, ``"buy"`` otherwise) and
        ``due_date`` (the order's, or ``None``).

    Return nothing.
    """
