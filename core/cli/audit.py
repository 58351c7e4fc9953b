"""``ordercraft audit [--entity item] [--id 7]``: who changed what, and when."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ordercraft.core.cli.common import emit, json_option, ready_platform

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def audited_entities() -> list[str]:
    """The entity names of every audited table (the core's and the loaded plugins'), and
    those whose services write their entries: the site settings, users' activation, API
    tokens and logins."""
    from ordercraft.core.db import Base
    from ordercraft.core.models.audit import Audited
    from ordercraft.core.services.users import AUDIT_ENTITIES
    from ordercraft.core.settings import AUDIT_ENTITY

    return sorted({AUDIT_ENTITY, *AUDIT_ENTITIES} | {
        mapper.class_.__audit_entity__ for mapper in Base.registry.mappers
        if issubclass(mapper.class_, Audited) and mapper.class_.__audit_entity__})


def resolve_id(session: Session, entity: str, key: str) -> str:
    """A record's id from what a user knows it by: an item's SKU, a warehouse's code,
    a party's name. A number is taken as the id itself."""
    if key.isascii() and key.isdigit():
        return key
    if entity == "item":
        from ordercraft.core.services.items import get_item

        return str(get_item(session, key).id)
    if entity == "warehouse":
        from ordercraft.core.services.warehouses import get_warehouse

        return str(get_warehouse(session, key).id)
    if entity == "party":
        from ordercraft.core.services.parties import get_party

        return str(get_party(session, key).id)
    return key


def _change_text(entry: dict[str, Any]) -> str:
    def show(value: Any) -> str:
        return "-" if value is None else repr(value) if isinstance(value, str) else str(value)

    parts = []
    for field, (before, after) in entry["changes"].items():
        if entry["action"] == "create":
            parts.append(f"{field}={show(after)}")
        elif entry["action"] == "delete":
            parts.append(f"{field}={show(before)}")
        else:
            parts.append(f"{field}: {show(before)} -> {show(after)}")
    return "; ".join(parts)


def _entries_text(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return "(no entries)"
    return "\n".join(
        f"#{e['id']} {e['at']} {e['user'] or 'system'} {e['action']} {e['entity']} "
        f"{e['entity_id']}: {_change_text(e)}" for e in entries)


@click.command("audit")
@click.option("--entity", help="Only this kind of record: item, party, warehouse, ...")
@click.option("--id", "key", metavar="ID",
              help="Only this record (needs --entity): its id, or an item's SKU, a "
                   "warehouse's code, a party's name.")
@click.option("--limit", default="50", metavar="N", show_default=True,
              help="At most N entries, newest first.")
@click.option("--before", "before_id", metavar="ENTRY",
              help="Only entries older than entry number ENTRY (the next page).")
@json_option
def audit_command(entity: str | None, key: str | None, limit: str, before_id: str | None,
                  as_json: bool) -> None:
    """Show the audit log, newest first: who changed which record, when, and the
    fields before and after."""
    from ordercraft.core.audit import audit_entries, audit_entry_dict
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.services import fields

    platform = ready_platform()
    known = audited_entities()
    if entity is not None and entity not in known:
        raise ValidationError(f"entity: {entity!r} is not audited (entities: "
                              f"{', '.join(known)})", field="entity")
    if key is not None and entity is None:
        raise ValidationError("id: --id needs --entity (which kind of record?)", field="id")
    count = fields.whole_number(limit, field="limit", minimum=1, maximum=1000)
    before = (fields.whole_number(before_id, field="before", minimum=1)
              if before_id is not None else None)
    with platform.session() as session:
        entity_id = resolve_id(session, entity, key) if key is not None and entity else None
        entries = [audit_entry_dict(e) for e in audit_entries(
            session, entity=entity, entity_id=entity_id, limit=count, before_id=before)]
    document: dict[str, Any] = {"ok": True, "entries": entries}
    if len(entries) == count:
        document["next_before"] = entries[-1]["id"]
    text = _entries_text(entries)
    if "next_before" in document:
        text += f"\n(older: --before {document['next_before']})"
    emit(as_json, document, text)
