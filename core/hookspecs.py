"""The contract between Ordercraft's core and its plugins.

Every hook of the core is listed here with what it receives and what it returns, grouped
by the moment of the platform's life at which it is called: plugins, start-up, schema,
CLI, web, demo data, documents, workflow, calculators, print forms. A plugin that offers
hooks to other plugins declares them in a hookspec module of its own, added with the hook
``add_hookspecs`` (crm's ``register_client_rules``, sales' ``order_shortages``).
``docs/hooks.md`` is generated from these docstrings and the plugins'
(``ordercraft plugins hooks --markdown``); a test fails when the two differ or when a
hook has no test of its own.

Rules every hook follows:

* A plugin implements a hook by defining a function of the same name decorated
  with ``ordercraft.sdk.hookimpl``; it may take only the arguments it uses.
* Hooks evolve by gaining arguments, never by being renamed.
* Unless a hook says "stops at the first non-None result", every implementation
  is called and the results are collected in a list (``None`` results dropped).
* Hooks that run inside a business operation receive its ``session``; they must
  not commit or roll back: the operation commits or rolls back as a whole.
* An implementation refuses with an :class:`~ordercraft.core.errors.OrdercraftError`
  (the user sees it); any other exception is the plugin's fault: it becomes a
  :class:`~ordercraft.core.errors.PluginFault` naming the plugin and the hook, an
  internal error (exit code 1 on the command line, status 500 on the web).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # imported for type checkers only: keeps start-up fast
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

PROJECT_NAME = "ordercraft"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --------------------------------------------------------------------------- plugins


@hookspec
def add_hookspecs(registry: HookspecRegistry) -> None:
    """Declare the hooks this plugin offers to other plugins (as pytest's
    ``pytest_addhooks``).

    Called while the site's plugins are loaded, after every enabled plugin is registered
    and before implementations are checked against the hooks, plugin by plugin in
    requirement order; only for enabled plugins, so the hooks of a disabled plugin do
    not exist (a plugin implementing them lists that plugin in ``requires``, or marks
    its implementation ``@hookimpl(optionalhook=True)``).

    :param registry: ``registry.add(module)`` declares the functions of ``module``
        marked with ``ordercraft.sdk.hookspec`` (a ``hookspecs.py`` of the plugin, with
        the same typed signatures and full docstrings as this module) as hooks of this
        plugin. A hook name the core or another plugin declares already is a
        :class:`~ordercraft.core.errors.PluginError` naming both.

    The plugin calls its hooks through a typed wrapper built on
    ``ordercraft.sdk.plugins.HookWrapper``; ``docs/hooks.md`` lists them under the
    plugin. Return nothing.
    """


@hookspec
def plugin_services(registry: ServiceRegistry) -> None:
    """Offer the plugin's services to other plugins.

    Called once per plugin set, the first time a plugin asks for a service
    (``ordercraft.sdk.plugins.plugin_service(session, plugin, name)``), and again after
    plugins are enabled or disabled.

    :param registry: ``registry.add(name, service)`` offers ``service`` (an object whose
        methods take the operation's session, documented as the plugin's public API)
        under ``name``. Another plugin uses it only while this plugin is enabled, and
        declares the dependency in its ``requires``; asking for the service of a plugin
        that is not enabled, or for a name it does not offer, is a
        :class:`~ordercraft.core.errors.PluginError` that says so.

    Return nothing.
    """


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
    the plugin's tables (classes derived from ``ordercraft.sdk.models.Base``).

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


# ---------------------------------------- permissions, settings and custom fields


@hookspec
def register_permissions(registry: PermissionRegistry) -> None:
    """Declare the plugin's permissions, the roles it adds, and which roles hold which
    permissions by default.

    Called once per plugin set, the first time the site needs to know its permissions
    (creating the site, ``ordercraft db upgrade``, enabling a plugin, ``ordercraft role
    ...``, the roles API), and again after plugins are enabled or disabled. Only enabled
    plugins are called, in requirement order, after the core has declared its own
    permissions and the standard roles ``admin`` (every permission), ``manager``,
    ``engineer``, ``storekeeper`` and ``economist``. A disabled plugin's permissions are
    not grantable and not listed.

    :param registry: a :class:`~ordercraft.core.permissions.PermissionRegistry`:

        * ``registry.permission("order.ship", "Ship orders", "Post the shipments of
          confirmed orders.")`` declares a permission, named ``area.action``;
        * ``registry.role("dispatcher", "Ships orders")`` declares a role every site with
          the plugin gets;
        * ``registry.grant("storekeeper", "order.read", "order.ship")`` gives a role (a
          standard one or a declared one) permissions by default.
        * ``registry.record_area("order", "Customer orders")`` declares an area of owned
          records whose visibility a site limits per role to ``own``, ``team`` or
          ``all`` (``ordercraft role rule``); the plugin's services apply it with
          ``ordercraft.sdk.permissions.owner_condition`` and ``require_record``.

        A site receives each default grant once: when it is created, when ``ordercraft db
        upgrade`` meets a grant it has not received yet, or when the plugin is enabled. A
        grant the site revoked stays revoked; the site's own changes stay. A malformed or
        duplicate name, or a default grant of an undeclared permission or to an undeclared
        role, is a :class:`~ordercraft.core.errors.PluginError` naming the plugin.

    Return nothing.
    """


@hookspec
def register_settings(registry: SettingRegistry) -> None:
    """Declare the plugin's site settings: typed values with defaults that an
    administrator changes with ``ordercraft settings set NAME VALUE``.

    Called once per plugin set, the first time the site reads or lists a setting, and
    again after plugins are enabled or disabled; only enabled plugins are called, in
    requirement order, after the core's own settings (``print_templates_dir``,
    ``company_*``).

    :param registry: a :class:`~ordercraft.core.settings.SettingRegistry`:
        ``registry.setting(name, type, default, label, help, choices=(), check=None)``
        declares a setting; ``type`` is ``"str"``, ``"int"``, ``"decimal"``, ``"bool"``
        or ``"choice"`` (with ``choices``); ``check(value)`` may refuse a parsed value
        (raise :class:`~ordercraft.core.errors.ValidationError`) or return the value to
        store. A value set is checked against the declaration, and a refusal names the
        setting and the value. Services read the typed value with
        ``ordercraft.sdk.settings.get_setting(session, name)`` (the default when unset).
        A name taken already is a :class:`~ordercraft.core.errors.PluginError` naming both
        plugins.

    Return nothing.
    """


@hookspec
def register_custom_fields(registry: CustomFieldRegistry) -> None:
    """Register the plugin's entities that carry custom fields, and declare custom fields
    the plugin adds to any entity.

    Called once per plugin set, the first time the site needs its custom fields (an
    object read, written or listed, ``ordercraft field ...``, ``ordercraft db upgrade``),
    and again after plugins are enabled or disabled; only enabled plugins are called, in
    requirement order, after the core registered its entities ``client`` (parties),
    ``contact`` and ``item``.

    :param registry: a :class:`~ordercraft.core.custom_fields.CustomFieldRegistry`:

        * ``registry.entity("deal", Deal, "Deal")`` registers an entity: its name (what
          ``ordercraft field add ENTITY ...`` takes), its model (a table with an integer
          ``id``) and its label. The plugin's services then validate, store and read the
          values with ``ordercraft.sdk.custom_fields``.
        * ``registry.field("order", "delivery_window", "text", label="Delivery window",
          choices=(), required=False)`` declares a field like one an administrator adds,
          owned by the plugin: stored when the site is created or upgraded or the plugin
          enabled, hidden while the plugin is disabled, never removed by ``ordercraft field
          remove``. A field of an entity no enabled plugin registers is left out.

        A malformed or duplicate name is a :class:`~ordercraft.core.errors.PluginError`
        naming the plugin.

    Return nothing.
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
    permission a user needs to see it; ``replaces``: the endpoint of an entry it stands
    in for, as crm's Clients replaces the core's Parties).
    """


@hookspec
def page_header_items(session: Session, user: User) -> list[HeaderItem]:
    """Items the plugin puts into the header of every page, next to the signed-in user's
    name: a bell with the number of unread notifications, a running timer.

    Called while a page for the browser is rendered (the layout ``base.html``; not for
    API calls), once per request, only for enabled plugins and only when someone is
    logged in, inside the request's transaction: keep it to one cheap query. A plugin
    whose implementation raises, or returns something else than header items, is logged
    and left out: the page renders without its item.

    :param session: the request's session (read it; do not write, commit or roll back).
    :param user: the logged-in :class:`~ordercraft.core.models.User`.

    Return a list of :class:`~ordercraft.core.registries.HeaderItem` (``from
    ordercraft.sdk import HeaderItem``: label, url, badge, icon, order), or ``None``.
    """


@hookspec
def dashboard_widgets(session: Session, user: User) -> list[DashboardWidget]:
    """Cards the plugin puts on the home page's dashboard for this user: the owner's
    revenue this month against last month, a manager's KPIs, an ABC chart.

    Called when the home page is rendered, once per request, only for enabled plugins,
    inside the request's transaction. Show a widget only to users who may see its
    numbers (check ``ordercraft.sdk.permissions.has_permission``), so each role gets
    its own dashboard. Keep it to a few aggregate queries: the owner's dashboard has to
    answer quickly on a large site. A plugin whose implementation raises, or returns
    something else than widgets, is logged and left out: the page renders without it.

    :param session: the request's session (read it; do not write, commit or roll back).
    :param user: the logged-in :class:`~ordercraft.core.models.User`.

    Return a list of :class:`~ordercraft.core.registries.DashboardWidget` (``from
    ordercraft.sdk.plugins import DashboardWidget``: title, rows, chart_svg, url, order,
    name), or ``None``.
    """


@hookspec
def page_sections(session: Session, user: User, page: str, obj: object) -> list[PageSection]:
    """Sections the plugin adds to a page that belongs to the core or to another plugin:
    the item card's bills of materials and supplier prices, the client card's balance and
    serial-numbered units, a deal's proposals and orders.

    Called when such a page is rendered for the browser, once per request and page, only
    for enabled plugins, inside the request's transaction. ``page`` names the page:
    ``"item"`` (``obj`` an :class:`~ordercraft.core.models.Item`), ``"party"`` (a
    :class:`~ordercraft.core.models.Party`), ``"calculator"`` (a calculator's result
    page, ``obj`` the :class:`~ordercraft.core.calc.result.CalcResult`: its
    ``calculator``, ``params``, ``total``, ``run_id``), and the pages of bundled
    plugins, which pass their own object: ``"client"`` and ``"deal"`` (crm), ``"order"``
    (sales). Return
    nothing for pages you do not extend. Show a section only to users who may read it
    (check ``ordercraft.sdk.permissions.has_permission``). A plugin whose implementation
    raises, or returns something else than sections, is logged and left out: the page
    renders without its section.

    :param session: the request's session (read it; do not write, commit or roll back).
    :param user: the logged-in :class:`~ordercraft.core.models.User`.
    :param page: the page's name (see above).
    :param obj: the object the page shows.

    Return a list of :class:`~ordercraft.core.registries.PageSection` (``from
    ordercraft.sdk.plugins import PageSection``: title, html, order, name), or ``None``.
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
def document_posted(session: Session, document: object) -> None:
    """A document was posted (a stock document, an order shipment, ...).

    Called inside the posting transaction, after the document's rows are written and
    before commit: raise an :class:`~ordercraft.core.errors.OrdercraftError` to refuse
    the posting as a whole.

    :param session: the posting's transaction (do not commit or roll back).
    :param document: the posted ORM object; read it, do not change it.

    Return nothing.
    """


@hookspec
def document_transition(session: Session, document: WorkflowDocument, transition: str,
                        source: str, target: str, user: User | None) -> None:
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


# --------------------------------------------------------------------------- mail


@hookspec
def mail_bounced(session: Session, addresses: list[str], reason: str,
                 message_id: int | None, source: str, about: str | None) -> None:
    """Mail to ``addresses`` bounced: the SMTP server refused them for good (a 5xx answer
    to RCPT or DATA when the outbox sent a message), or a bounce report (a DSN) said so.

    Called by the outbox's sender in the transaction that records the message's result
    (the message is ``failed`` when every recipient was refused), and by a plugin that
    records a bounce report (``ordercraft.sdk.mail.report_bounce``). An exception rolls
    the recording back: write your own rows and raise nothing.

    :param session: the recording transaction (do not commit or roll back).
    :param addresses: the refused addresses, bare and lower-case
        (``maria@example.com``).
    :param reason: what the server or the report said (``550 5.1.1 no such user``).
    :param message_id: the outbox message's id, ``None`` when a report names none that
        this site sent.
    :param source: the message's ``source`` (``core`` or the plugin that queued it;
        ``report`` for a bounce report matching no message).
    :param about: what the message was about (``"mailing:3"``), or ``None``.

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
def task_notification(session: Session, task: Task, kind: str, recipient: User,
                      now: datetime) -> None:
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
def scheduled_jobs() -> list[ScheduledJob]:
    """Background jobs the plugin adds to the site's scheduler: a mailing's scheduled
    send, a nightly recount.

    Called when ``ordercraft worker`` or ``ordercraft serve`` starts its scheduler and on
    every ``ordercraft worker --once`` run, only for enabled plugins. The plugin's jobs run
    after the core's task jobs and before the outbox's mail job, so mail they queue goes
    out in the same run. A job that raises is logged and does not stop the others; a job
    whose name is already taken is logged and left out.

    Return a list of :class:`~ordercraft.core.registries.ScheduledJob` (``from
    ordercraft.sdk.plugins import ScheduledJob``: name, ``function(platform, now) ->
    ids``, description), or ``None``.
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
        (``from ordercraft.sdk.printing import PrintForm``) registers the form ``name`` of
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
