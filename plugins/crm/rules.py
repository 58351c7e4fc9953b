"""Rules that select clients, evaluated in SQL.

A rule is ``KIND = VALUE`` (or ``KIND != VALUE`` for its opposite): ``tag = school``,
``source = exhibition``, ``manager = maria``, ``interacted_within_days = 30``. A rule kind
turns its value into a SQL condition over the core's ``parties`` table, so a group of
clients is one ``WHERE`` clause, whatever its size, and combines with any other filter
(the client list, the funnel report, a mailing).

Other plugins add rule kinds with crm's hook ``register_client_rules(registry)``
(:mod:`.hookspecs`), without importing crm; sales adds "bought in the last N days" that
way::

    @hookimpl
    def register_client_rules(registry):
        def bought(ctx):
            since = ctx.now - timedelta(days=ctx.value)
            return Party.id.in_(select(Order.party_id).where(Order.confirmed_at >= since))
        registry.add("bought_within_days", "Bought in the last N days", bought,
                     value_type="number", example="90")
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ordercraft.sdk.errors import PluginError, ValidationError
from ordercraft.sdk.plugins import (
    HookWrapper,
    Platform,
    Registry,
    once_per_plugin_set,
    site_platform,
)

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import Session

VALUE_TYPES = ("text", "word", "number", "user", "choice")
RULE_PATTERN = re.compile(
    r"^\s*(?P<kind>[A-Za-z][A-Za-z0-9_\-]*)\s*(?P<op>!=|=)\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class RuleContext:
    """What a rule's condition receives."""

    session: Session
    #: The parsed value: ``int`` for ``number``, the user's id for ``user``, else ``str``.
    value: Any
    #: The moment the rule is evaluated at (naive UTC).
    now: datetime


@dataclass(frozen=True)
class ClientRule:
    """A kind of rule.

    :param name: how rules name it (``tag``, ``bought_within_days``).
    :param label: what a person reads (``Tagged``, ``Bought in the last N days``).
    :param condition: ``(ctx: RuleContext) -> SQL boolean`` over ``Party``.
    :param value_type: ``text`` (any text), ``word`` (a lower-case label such as a tag),
        ``number`` (a whole number, 0 or more), ``user`` (a user name; the condition gets
        the user's id) or ``choice`` (one of ``choices``).
    :param choices: the values a ``choice`` rule accepts.
    :param example: a value shown in forms and help (``90``, ``school``).
    :param phrase: the rule as a sentence, ``{value}`` standing for its value
        (``contacted in the last {value} days``); ``negated``: its opposite (``not
        contacted in the last {value} days``). Without them a rule reads
        ``label: value`` and ``not label: value``.
    """

    name: str
    label: str
    condition: Callable[[RuleContext], ColumnElement[bool]]
    value_type: str = "text"
    choices: tuple[str, ...] = ()
    example: str = ""
    plugin: str = field(default="", compare=False)
    phrase: str = ""
    negated: str = ""

    def sentence(self, value: str, negate: bool = False) -> str:
        """The rule ``name (!)= value`` as a person says it."""
        if negate:
            text = self.negated or (f"not {self.phrase}" if self.phrase else
                                    f"not {self.label.lower()}: {{value}}")
        else:
            text = self.phrase or f"{self.label.lower()}: {{value}}"
        return text.replace("{value}", str(value))

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "value_type": self.value_type,
                "choices": list(self.choices), "example": self.example, "plugin": self.plugin}


@dataclass(frozen=True)
class Rule:
    """One rule of a group: a kind, a value, and whether it is negated (``!=``)."""

    kind: str
    value: str
    negate: bool = False

    @property
    def text(self) -> str:
        return f"{self.kind} {'!=' if self.negate else '='} {self.value}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "negate": self.negate, "value": self.value}


class ClientRuleRegistry(Registry[ClientRule]):
    """The rule kinds of a site, filled by crm and the hook ``register_client_rules``."""

    kind = "client rule"

    def add(self, name: str | ClientRule, label: str = "",  # type: ignore[override]
            condition: Callable[[RuleContext], ColumnElement[bool]] | None = None, *,
            value_type: str = "text", choices: Sequence[str] = (),
            example: str = "", phrase: str = "", negated: str = "") -> ClientRule:
        """Register the rule kind ``name`` (a :class:`ClientRule` is taken as well).

        :param label: what a person reads (``Bought in the last N days``).
        :param condition: ``(ctx) -> SQL boolean`` over ``Party`` for the value in
            ``ctx.value``, with ``ctx.session`` and ``ctx.now`` (naive UTC).
        :param value_type: ``text``, ``word``, ``number``, ``user`` or ``choice``.
        :param choices: the values a ``choice`` rule accepts.
        :param example: a value shown in forms and help (``90``).
        :param phrase: the rule as a sentence with ``{value}`` (``bought in the last
            {value} days``); ``negated``: its opposite (``not bought in the last {value}
            days``; default: ``not`` and the phrase).
        """
        if isinstance(name, ClientRule):
            rule = name
        else:
            rule = ClientRule(name, label, condition, value_type,  # type: ignore[arg-type]
                              tuple(choices), example, phrase=phrase, negated=negated)
        if rule.value_type not in VALUE_TYPES:
            raise PluginError(f"plugin {self.current_plugin!r} registers client rule "
                              f"{rule.name!r} with value_type {rule.value_type!r} (one of "
                              f"{', '.join(VALUE_TYPES)})")
        if rule.value_type == "choice" and not rule.choices:
            raise PluginError(f"plugin {self.current_plugin!r} registers client rule "
                              f"{rule.name!r} of value_type 'choice' without choices")
        if not callable(rule.condition):
            raise PluginError(f"plugin {self.current_plugin!r} registers client rule "
                              f"{rule.name!r} whose condition is not a function")
        stamped = ClientRule(rule.name, rule.label, rule.condition, rule.value_type,
                             tuple(rule.choices), rule.example, self.current_plugin,
                             rule.phrase, rule.negated)
        return super().add(rule.name, stamped)

    def rule(self, name: str, *, field: str = "rules") -> ClientRule:
        found = self.get(name)
        if found is None:
            raise ValidationError(f"{field}: {name!r} is not a kind of rule (kinds: "
                                  f"{', '.join(sorted(self))})", field=field)
        return found

    def describe(self) -> list[dict[str, Any]]:
        return [self[name].describe() for name in sorted(self)]

    def sentence(self, rule: Rule) -> str:
        """``rule`` as a sentence (``not contacted in the last 60 days``); a rule of a kind
        no longer registered (its plugin turned off) reads as its text."""
        kind = self.get(rule.kind)
        return kind.sentence(rule.value, rule.negate) if kind is not None else rule.text


# ------------------------------------------------------------------ the site's rule kinds


def client_rules(platform: Platform) -> ClientRuleRegistry:
    """The site's rule kinds, built once per plugin set (rebuilt when plugins change)."""
    return _client_rules(platform.hooks)


@once_per_plugin_set
def _client_rules(hooks: HookWrapper) -> ClientRuleRegistry:
    from ordercraft.plugins.crm.hooks import CrmHooks

    registry = ClientRuleRegistry()
    registry.current_plugin = "crm"
    add_builtin_rules(registry)
    CrmHooks.of(hooks).register_client_rules(registry)
    return registry


def session_rules(session: Session) -> ClientRuleRegistry:
    return client_rules(site_platform(session))


# ------------------------------------------------------------------ parsing and SQL


def parse_rule(text: Any, *, field: str = "rules") -> Rule:
    """``"tag = school"`` -> ``Rule("tag", "school")``; ``"tag != school"`` negates."""
    if isinstance(text, Rule):
        return text
    if isinstance(text, dict):
        unknown = set(text) - {"kind", "value", "negate"}
        if unknown or "kind" not in text:
            raise ValidationError(f"{field}: {text!r} is not a rule (kind, value, negate)",
                                  field=field)
        return Rule(str(text["kind"]).strip().lower(), str(text.get("value", "")).strip(),
                    bool(text.get("negate", False)))
    match = RULE_PATTERN.match(str(text or ""))
    if match is None:
        raise ValidationError(f"{field}: {text!r} is not a rule of the form KIND = VALUE "
                              "(e.g. tag = school) or KIND != VALUE", field=field)
    return Rule(match["kind"].lower(), match["value"], match["op"] == "!=")


def check_rule(session: Session, rule: Rule, *, field: str = "rules") -> Any:
    """The rule's value parsed for its kind; a bad value names the rule."""
    from ordercraft.sdk import validation

    kind = session_rules(session).rule(rule.kind, field=field)
    raw = rule.value
    where = f"{field}: rule {rule.text!r}"
    if raw == "":
        raise ValidationError(f"{where} has no value (e.g. {kind.name} = "
                              f"{kind.example or 'value'})", field=field)
    if kind.value_type == "number":
        if not re.fullmatch(r"[0-9]{1,6}", raw):
            raise ValidationError(f"{where}: {raw!r} is not a whole number of 0 or more",
                                  field=field)
        return int(raw)
    if kind.value_type == "choice":
        if raw.lower() not in kind.choices:
            raise ValidationError(f"{where}: {raw!r} is not one of {', '.join(kind.choices)}",
                                  field=field)
        return raw.lower()
    if kind.value_type == "word":
        try:
            return validation.word(raw, field=field, max_length=50)
        except ValidationError:
            raise ValidationError(f"{where}: {raw!r} may hold only letters, digits, '-' and "
                                  "'_'", field=field) from None
    if kind.value_type == "user":
        from sqlalchemy import select

        from ordercraft.sdk.models import User

        user_id = session.scalar(select(User.id).where(User.name == raw))
        if user_id is None:
            raise ValidationError(f"{where}: user {raw!r} does not exist", field=field)
        return user_id
    if len(raw) > 200:
        raise ValidationError(f"{where}: the value is longer than 200 characters", field=field)
    return raw


def rules_condition(session: Session, rules: Sequence[Rule], match: str = "all", *,
                    now: datetime | None = None, field: str = "rules") -> ColumnElement[bool]:
    """One SQL condition over ``Party`` for ``rules`` (``all`` of them, or ``any``)."""
    from sqlalchemy import and_, false, not_, or_, true

    from ordercraft.sdk.models import utcnow

    registry = session_rules(session)
    now = now or utcnow()
    conditions = []
    for rule in rules:
        value = check_rule(session, rule, field=field)
        condition = registry.rule(rule.kind, field=field).condition(
            RuleContext(session, value, now))
        conditions.append(not_(condition) if rule.negate else condition)
    if not conditions:
        return true() if match == "all" else false()
    return and_(*conditions) if match == "all" else or_(*conditions)


# ------------------------------------------------------------------ crm's own rule kinds


def _tag(ctx: RuleContext) -> Any:
    from sqlalchemy import exists

    from ordercraft.sdk.models import Party, PartyTag

    return exists().where(PartyTag.party_id == Party.id, PartyTag.tag == ctx.value)


def _source(ctx: RuleContext) -> Any:
    from ordercraft.sdk.models import Party
    from ordercraft.sdk.queries import fold, fold_text

    return fold(ctx.session, Party.source) == fold_text(ctx.session, ctx.value)


def _manager(ctx: RuleContext) -> Any:
    from ordercraft.sdk.models import Party

    return Party.manager_id == ctx.value


def _kind(ctx: RuleContext) -> Any:
    from ordercraft.sdk.models import Party

    return Party.kind == ctx.value


def _created_within(ctx: RuleContext) -> Any:
    from ordercraft.sdk.models import Party

    return Party.created_at >= ctx.now - timedelta(days=ctx.value)


def _interacted_within(ctx: RuleContext) -> Any:
    from sqlalchemy import select

    from ordercraft.plugins.crm.models import Interaction
    from ordercraft.sdk.models import Party

    since = ctx.now - timedelta(days=ctx.value)
    return Party.id.in_(select(Interaction.party_id).where(Interaction.at >= since))


def _deal_state(ctx: RuleContext) -> Any:
    from sqlalchemy import select

    from ordercraft.plugins.crm.models import Deal
    from ordercraft.sdk.models import Party

    return Party.id.in_(select(Deal.party_id).where(Deal.state == ctx.value))


def _open_deals(ctx: RuleContext) -> Any:
    from sqlalchemy import select

    from ordercraft.plugins.crm.funnel import CLOSED_STATES
    from ordercraft.plugins.crm.models import Deal
    from ordercraft.sdk.models import Party

    has_open = Party.id.in_(select(Deal.party_id).where(Deal.state.not_in(CLOSED_STATES)))
    return has_open if ctx.value == "yes" else ~has_open


def add_builtin_rules(registry: ClientRuleRegistry) -> None:
    from ordercraft.plugins.crm.funnel import STAGE_NAMES

    registry.add("tag", "Tagged", _tag, value_type="word", example="school",
                 phrase="tagged {value}")
    registry.add("source", "Came from (source)", _source, value_type="text",
                 example="exhibition", phrase="came from {value}",
                 negated="did not come from {value}")
    registry.add("manager", "Looked after by (user)", _manager, value_type="user",
                 example="manager", phrase="looked after by {value}")
    registry.add("kind", "Party kind", _kind, value_type="choice",
                 choices=("client", "supplier", "both"), example="client",
                 phrase="of kind {value}", negated="not of kind {value}")
    registry.add("created_within_days", "Added in the last N days", _created_within,
                 value_type="number", example="30", phrase="added in the last {value} days")
    registry.add("interacted_within_days", "Contacted in the last N days", _interacted_within,
                 value_type="number", example="30",
                 phrase="contacted in the last {value} days")
    registry.add("deal_state", "Has a deal in this stage", _deal_state, value_type="choice",
                 choices=STAGE_NAMES, example="negotiation",
                 phrase="has a deal in stage {value}", negated="has no deal in stage {value}")
    registry.add("open_deals", "Has open deals", _open_deals, value_type="choice",
                 choices=("yes", "no"), example="yes", phrase="open deals: {value}",
                 negated="open deals: not {value}")
