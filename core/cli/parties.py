"""``ordercraft party add|list|show|update|import`` and ``party entity ...``,
``party contact ...``. A party is named by its id or its name (any case)."""

from __future__ import annotations

from typing import Any

import click

from ordercraft.core.cli.common import emit, json_option, ready_platform, table
from ordercraft.core.cli.custom_fields import emit_csv, field_option, list_options
from ordercraft.core.cli.records import page_text, record_text, value_text

SHOW_KEYS = ["id", "name", "kind", "tags", "source", "tax_id", "phone", "email", "address",
             "manager", "notes", "created_at", "updated_at", "custom_fields"]
LIST_COLUMNS = ["id", "name", "kind", "tags", "phone", "email", "manager"]
ENTITY_COLUMNS = ["id", "name", "tax_id", "registration_no", "valid_from", "valid_to"]
CONTACT_COLUMNS = ["id", "name", "position", "phone", "email", "channels"]


def party_fields(function: Any) -> Any:
    """Options shared by ``add`` and ``update``; an empty value ("") clears a field."""
    options = [
        click.option("--kind", help="client, supplier or both (new parties: client)."),
        click.option("--source", help="How the party found us: website, exhibition, ..."),
        click.option("--tax-id", "tax_id", help="Tax identification number."),
        click.option("--phone"),
        click.option("--email"),
        click.option("--address"),
        click.option("--notes"),
        click.option("--manager", metavar="USER", help="The user who looks after the party."),
        field_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _rows_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def cell(row: dict[str, Any], column: str) -> str:
        if column == "channels":
            return ", ".join(f"{c['kind']}: {c['value']}" for c in row["channels"]) or "-"
        return value_text(row.get(column))

    return table([{c: cell(r, c) for c in columns} for r in rows], columns)


def _table_text(title: str, rows: list[dict[str, Any]], columns: list[str]) -> str:
    return f"\n\n{title}:\n" + _rows_text(rows, columns)


@click.group("party")
def party_group() -> None:
    """Clients and suppliers, their legal entities and contacts."""


@party_group.command("add")
@click.argument("name")
@party_fields
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A group tag (repeatable).")
@json_option
def party_add(name: str, tags: tuple[str, ...], as_json: bool, **values: Any) -> None:
    """Add the party NAME."""
    from ordercraft.core.services import parties

    with ready_platform().session() as session:
        document = parties.party_dict(parties.create_party(session, name, tags=tags, **values))
    emit(as_json, {"ok": True, "party": document},
         f"added party {document['name']} (id {document['id']}, {document['kind']})")


@party_group.command("list")
@click.option("--search", help="Words to find in names, tax ids, phones, e-mails, contacts.")
@click.option("--kind", help="client or supplier (both include parties that are both), or both.")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Only parties with this tag (repeatable: all of them).")
@click.option("--source", help="Only parties from this source.")
@click.option("--manager", metavar="USER", help="Only the parties this user looks after.")
@click.option("--limit", metavar="N", help="At most N parties (default 50, at most 1000).")
@click.option("--offset", metavar="N", help="Skip the first N parties.")
@list_options
@json_option
def party_list(as_json: bool, as_csv: bool, **filters: Any) -> None:
    """List parties by name."""
    from ordercraft.core.services import parties

    with ready_platform().session() as session:
        if as_csv:
            return emit_csv(session, "client", lambda **page: parties.list_parties(
                session, **page), parties.party_dict, SHOW_KEYS[:-1], filters)
        document = parties.list_parties(session, **filters).to_dict("parties",
                                                                     parties.party_dict)
    emit(as_json, {"ok": True, **document}, lambda: page_text(document, "parties", LIST_COLUMNS))


@party_group.command("show")
@click.argument("party")
@json_option
def party_show(party: str, as_json: bool) -> None:
    """Show a party (by id or name) with its legal entities and contacts."""
    from ordercraft.core.services import parties

    with ready_platform().session() as session:
        document = parties.party_dict(parties.get_party(session, party), details=True)
    emit(as_json, {"ok": True, "party": document}, lambda: (
        record_text(document, SHOW_KEYS)
        + _table_text("legal entities", document["legal_entities"], ENTITY_COLUMNS)
        + _table_text("contacts", document["contacts"], CONTACT_COLUMNS)))


@party_group.command("update")
@click.argument("party")
@click.option("--name", help="Rename the party.")
@party_fields
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Replace the tags with these (repeatable; --tag '' removes all).")
@click.option("--add-tag", "add_tags", multiple=True, metavar="TAG", help="Add a tag.")
@click.option("--remove-tag", "remove_tags", multiple=True, metavar="TAG", help="Remove a tag.")
@json_option
def party_update(party: str, tags: tuple[str, ...], as_json: bool, **values: Any) -> None:
    """Change fields of a party (by id or name); only the options given change."""
    from ordercraft.core.services import parties

    with ready_platform().session() as session:
        updated = parties.update_party(session, party, tags=tags or None, **values)
        document = parties.party_dict(updated)
    emit(as_json, {"ok": True, "party": document},
         f"updated party {document['name']} (id {document['id']})")


@party_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
def party_import(file: str, as_json: bool) -> None:
    """Add the parties of a CSV or XLSX file whose first row names the fields
    (name, kind, tags, source, tax_id, phone, email, address, notes, manager).
    All or nothing: the first bad row is reported and nothing is added."""
    from ordercraft.core.cli.common import ProgressBar
    from ordercraft.core.importing import import_parties

    bar = ProgressBar(file, quiet=as_json)
    try:
        with ready_platform().session(writes=False) as session:
            result = import_parties(session, file, bar)
    finally:
        bar.close()
    emit(as_json, {"ok": True, "entity": "party", "imported": result.count, "file": file},
         f"imported {result.count} parties from {file}")


# --------------------------------------------------------------------------- legal entities


@party_group.group("entity")
def entity_group() -> None:
    """The legal entities a party trades through, each valid for a period."""


def entity_fields(function: Any) -> Any:
    options = [
        click.option("--tax-id", "tax_id", help="Tax identification number."),
        click.option("--registration-no", "registration_no", help="Registration number."),
        click.option("--address", help="Legal address."),
        click.option("--bank-details", "bank_details", help="Bank account details."),
        click.option("--valid-from", "valid_from", metavar="YYYY-MM-DD",
                     help="First day it is valid (empty: always was)."),
        click.option("--valid-to", "valid_to", metavar="YYYY-MM-DD",
                     help="Last day it is valid (empty: still is)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@entity_group.command("add")
@click.argument("party")
@click.option("--name", help="Legal name (required).")
@entity_fields
@json_option
def entity_add(party: str, name: str | None, as_json: bool, **values: Any) -> None:
    """Add a legal entity to a party (by id or name)."""
    from ordercraft.core.services import parties

    with ready_platform().session() as session:
        entity = parties.add_legal_entity(session, party, name=name, **values)
        document = parties.legal_entity_dict(entity)
    emit(as_json, {"ok": True, "legal_entity": document},
         f"added legal entity {document['name']} (id {document['id']})")


@entity_group.command("list")
@click.argument("party")
@click.option("--on", metavar="YYYY-MM-DD", help="Only those valid on this day.")
@json_option
def entity_list(party: str, on: str | None, as_json: bool) -> None:
    """List a party's legal entities."""
    from ordercraft.core.services import parties

    with ready_platform().session() as session:
        rows = [parties.legal_entity_dict(e)
                for e in parties.list_legal_entities(session, party, on=on)]
    emit(as_json, {"ok": True, "legal_entities": rows}, lambda: _rows_text(rows, ENTITY_COLUMNS))


@entity_group.command("update")
@click.argument("entity_id", metavar="ID")
@click.option("--name", help="Legal name.")
@entity_fields
@json_option
def entity_update(entity_id: str, as_json: bool, **values: Any) -> None:
    """Change fields of the legal entity ID (e.g. --valid-to to close it)."""
    from ordercraft.core.services import parties

    with ready_platform().session() as session:
        document = parties.legal_entity_dict(
            parties.update_legal_entity(session, entity_id, **values))
    emit(as_json, {"ok": True, "legal_entity": document},
         f"updated legal entity {document['name']} (id {document['id']})")


# --------------------------------------------------------------------------- contacts


@party_group.group("contact")
def contact_group() -> None:
    """The people of a party."""


def contact_fields(function: Any) -> Any:
    options = [
        click.option("--position", help="Their job, e.g. purchasing manager."),
        click.option("--phone"),
        click.option("--email"),
        click.option("--channel", "channels", multiple=True, metavar="KIND=VALUE",
                     help="Another way to reach them, e.g. telegram=@anna (repeatable)."),
        click.option("--notes"),
        field_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


@contact_group.command("add")
@click.argument("party")
@click.option("--name", help="The person's name (required).")
@contact_fields
@json_option
def contact_add(party: str, name: str | None, channels: tuple[str, ...], as_json: bool,
                **values: Any) -> None:
    """Add a contact person to a party (by id or name)."""
    from ordercraft.core.services import parties

    with ready_platform().session() as session:
        contact = parties.add_contact(session, party, name=name, channels=list(channels),
                                      **values)
        document = parties.contact_dict(contact)
    emit(as_json, {"ok": True, "contact": document},
         f"added contact {document['name']} (id {document['id']})")


@contact_group.command("list")
@click.argument("party")
@list_options
@json_option
def contact_list(party: str, custom_fields: dict[str, str] | None, as_csv: bool,
                 as_json: bool) -> None:
    """List a party's contacts."""
    from ordercraft.core.custom_fields import csv_cells, csv_columns
    from ordercraft.core.services import parties
    from ordercraft.core.services.export import csv_text

    with ready_platform().session() as session:
        rows = [parties.contact_dict(c) for c in parties.list_contacts(
            session, party, custom_fields=custom_fields)]
        if as_csv:
            columns = ["id", *CONTACT_COLUMNS[1:], "notes", *csv_columns(session, "contact")]
            return click.echo(csv_text([{**r, **csv_cells(r), "channels": [
                f"{c['kind']}={c['value']}" for c in r["channels"]]} for r in rows], columns),
                nl=False)
    emit(as_json, {"ok": True, "contacts": rows}, lambda: _rows_text(rows, CONTACT_COLUMNS))


@contact_group.command("update")
@click.argument("contact_id", metavar="ID")
@click.option("--name", help="The person's name.")
@contact_fields
@json_option
def contact_update(contact_id: str, channels: tuple[str, ...], as_json: bool,
                   **values: Any) -> None:
    """Change fields of the contact ID (--channel replaces the channels)."""
    from ordercraft.core.services import parties

    with ready_platform().session() as session:
        contact = parties.update_contact(session, contact_id,
                                         channels=list(channels) if channels else None, **values)
        document = parties.contact_dict(contact)
    emit(as_json, {"ok": True, "contact": document},
         f"updated contact {document['name']} (id {document['id']})")
