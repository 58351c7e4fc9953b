"""The hooks crm offers to other plugins. crm adds them to the site's hooks when it is
registered (hook ``add_hookspecs``); a plugin implementing them lists ``crm`` in its
``requires``. crm calls them through :class:`~ordercraft.plugins.crm.hooks.CrmHooks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.plugins.crm.rules import ClientRuleRegistry


# --------------------------------------------------------------------------- client groups


@hookspec
def register_client_rules(registry: ClientRuleRegistry) -> None:
    """Contribute kinds of rules that select clients: client groups ("bought in the last
    90 days", "tag = school") and the report filters built on them.

    Called by the ``crm`` plugin once per plugin set, the first time the site evaluates
    or validates a client group (a client list filtered by group, the funnel report, a
    group saved), and again after plugins are enabled or disabled. Plugins are called in
    requirement order, after crm's own rule kinds (tag, source, manager, kind, ...) are
    registered.

    :param registry: crm's registry of rule kinds:
        ``registry.add(name, label, condition, value_type="number", choices=(),
        example="90")`` registers the rule kind ``name`` (``KIND = VALUE`` in a group's
        rules). ``condition(ctx)`` returns a SQL boolean expression over the core's
        ``Party`` (``ordercraft.sdk.models``; usually ``Party.id.in_(select(...))``) for
        the parsed value in ``ctx.value`` (an ``int`` for ``number``, the user's id for
        ``user``, else text), with ``ctx.session`` and ``ctx.now`` (naive UTC).
        ``value_type`` is ``text``, ``word`` (a lower-case label such as a tag),
        ``number`` (a whole number, 0 or more), ``user`` (a user name) or ``choice`` (one
        of ``choices``). A name already taken is a
        :class:`~ordercraft.sdk.errors.PluginError` naming both plugins.

    Return nothing.
    """


# --------------------------------------------------------------------------- sources


@hookspec
def check_source(session: Session, value: str, field: str) -> None:
    """Check a marketing source before crm stores it on a client, a deal or an
    interaction (a new or changed value; an empty one is not checked).

    Called by the ``crm`` plugin inside the operation's transaction, before anything is
    written. The ``marketing`` plugin refuses a value that is not a code of its list of
    channels. Raise :class:`~ordercraft.sdk.errors.ValidationError` naming ``field`` and
    the value to refuse it (nothing is saved); return nothing to accept it.

    :param session: the operation's session.
    :param value: the source as given, trimmed (``exhibition``).
    :param field: the field that carries it (``source``), for the error.
    """
