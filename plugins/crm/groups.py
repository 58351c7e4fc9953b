"""Client groups: named, saved sets of rules (:mod:`.rules`) whose members are computed in
SQL each time the group is used, so a group is never out of date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.crm.ids import is_number, record_id
from ordercraft.plugins.crm.models import GROUP_MATCHES, ClientGroup
from ordercraft.plugins.crm.rules import Rule, check_rule, parse_rule, rules_condition
from ordercraft.sdk import validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.models import Party
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.queries import fold, fold_text


def _rules(session: Session, rules: Iterable[Any] | str) -> list[Rule]:
    """Rules from a list (of ``"kind = value"`` texts or dicts) or from text, one per line."""
    if isinstance(rules, str):
        rules = [line for line in rules.splitlines() if line.strip()]
    parsed = [parse_rule(rule) for rule in rules]
    if not parsed:
        raise ValidationError("rules: a group needs at least one rule (e.g. tag = school)",
                              field="rules")
    for rule in parsed:
        check_rule(session, rule)
    return parsed


def _name(session: Session, value: Any, exclude_id: int | None = None) -> str:
    name = " ".join(validation.text(value, field="name", max_length=100, required=True).split())
    query = select(ClientGroup.id).where(fold(session, ClientGroup.name) ==
                                         fold_text(session, name))
    if exclude_id is not None:
        query = query.where(ClientGroup.id != exclude_id)
    if session.scalar(query.limit(1)) is not None:
        raise Conflict(f"name: a client group called {name!r} already exists",
                       code="duplicate", field="name")
    return name


def create_group(session: Session, name: str, rules: Iterable[Any] | str, *,
                 match: str = "all", description: str | None = None) -> ClientGroup:
    """A client group; ``rules`` like ``["tag = school", "interacted_within_days = 90"]``;
    ``match`` ``all`` (every rule) or ``any`` (one is enough)."""
    require_session_permission(session, "party.write")
    group = ClientGroup(
        name=_name(session, name), rules=[r.as_dict() for r in _rules(session, rules)],
        match=validation.choice(match or "all", field="match", choices=GROUP_MATCHES),
        description=validation.text(description, field="description", max_length=2000,
                                    multiline=True))
    session.add(group)
    session.flush()
    return group


def update_group(session: Session, ref: int | str, *, name: str | None = None,
                 rules: Iterable[Any] | str | None = None, match: str | None = None,
                 description: str | None = None) -> ClientGroup:
    require_session_permission(session, "party.write")
    group = get_group(session, ref)
    if name is not None:
        group.name = _name(session, name, exclude_id=group.id)
    if rules is not None:
        group.rules = [r.as_dict() for r in _rules(session, rules)]
    if match is not None:
        group.match = validation.choice(match, field="match", choices=GROUP_MATCHES)
    if description is not None:
        group.description = validation.text(description, field="description", max_length=2000,
                                            multiline=True)
    session.flush()
    return group


def delete_group(session: Session, ref: int | str) -> None:
    require_session_permission(session, "party.write")
    session.delete(get_group(session, ref))
    session.flush()


def get_group(session: Session, ref: int | str) -> ClientGroup:
    """By id or by name (any case)."""
    require_session_permission(session, "party.read")
    if is_number(ref):
        number = record_id(ref, field="group", what="group: client group")
        group = session.get(ClientGroup, number)
        if group is None:
            raise NotFound(f"group: client group {number} does not exist", field="group")
        return group
    name = " ".join(str(ref).split())
    group = session.scalar(select(ClientGroup).where(
        fold(session, ClientGroup.name) == fold_text(session, name)).limit(1))
    if group is None:
        raise NotFound(f"group: client group {name!r} does not exist", field="group")
    return group


def list_groups(session: Session) -> list[ClientGroup]:
    require_session_permission(session, "party.read")
    return list(session.scalars(select(ClientGroup).order_by(fold(session, ClientGroup.name))))


def group_rules(group: ClientGroup) -> list[Rule]:
    return [parse_rule(rule) for rule in group.rules or []]


def group_condition(session: Session, group: ClientGroup, *,
                    now: datetime | None = None) -> Any:
    """The group as one SQL condition over ``Party``: use it in any query of parties."""
    return rules_condition(session, group_rules(group), group.match, now=now, field="group")


def group_member_ids(session: Session, group: ClientGroup) -> Any:
    """A select of the ids of the group's clients (for ``Party.id.in_(...)`` elsewhere)."""
    from ordercraft.plugins.crm.clients import CLIENT_KINDS

    return select(Party.id).where(Party.kind.in_(CLIENT_KINDS), group_condition(session, group))


def group_sizes(session: Session, groups: list[ClientGroup]) -> dict[int, int]:
    """How many clients each group holds now: one pass over the clients, one aggregate
    column per group."""
    from sqlalchemy import case

    from ordercraft.plugins.crm.clients import CLIENT_KINDS

    if not groups:
        return {}
    columns = [func.coalesce(func.sum(case((group_condition(session, group), 1), else_=0)), 0)
               for group in groups]
    counts = session.execute(select(*columns).where(Party.kind.in_(CLIENT_KINDS))).one()
    return {group.id: int(count) for group, count in zip(groups, counts)}


def group_dict(group: ClientGroup, size: int | None = None) -> dict[str, Any]:
    document = {"id": group.id, "name": group.name, "description": group.description,
                "match": group.match, "rules": [r.text for r in group_rules(group)],
                "created_at": group.created_at.isoformat(timespec="seconds")}
    if size is not None:
        document["size"] = size
    return document
