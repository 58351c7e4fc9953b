"""The audit log: creations, changes and deletions with the fields before and after,
the acting user, and ``ordercraft audit``."""

from __future__ import annotations

from ordercraft.core.audit import audit_entries, audit_entry_dict
from ordercraft.core.services import items, parties
from ordercraft.core.services.users import create_user


def entries(site, entity, entity_id):
    with site.session() as session:
        return [audit_entry_dict(e) for e in audit_entries(session, entity=entity,
                                                           entity_id=str(entity_id))]


def test_create_update_delete_are_recorded_with_before_and_after(site):
    with site.session() as session:
        create_user(session, "sam", roles=["storekeeper"])
    with site.session(user=site.user("sam")) as session:
        item_id = items.create_item(session, "RB-1", name="Robot", price="9.50").id
    with site.session(user=site.user("admin")) as session:
        items.update_item(session, "RB-1", price="10", name="Robot v2", kind="good")
    with site.session() as session:
        session.delete(items.get_item(session, "RB-1"))

    deleted, updated, created = entries(site, "item", item_id)
    assert (created["action"], created["user"], created["entity_id"]) == (
        "create", "sam", str(item_id))
    assert created["changes"]["sku"] == [None, "RB-1"]
    assert created["changes"]["price"] == [None, "9.50"]
    assert (updated["action"], updated["user"]) == ("update", "admin")
    # Only what changed; the unchanged kind is absent.
    assert updated["changes"] == {"name": ["Robot", "Robot v2"],
                                  "price": ["9.500000", "10"]}
    assert (deleted["action"], deleted["user"]) == ("delete", None)
    assert deleted["changes"]["name"] == ["Robot v2", None]


def test_party_tags_are_part_of_the_party_entries(site):
    with site.session() as session:
        party_id = parties.create_party(session, "Robo School", tags=["school"]).id
    with site.session() as session:
        parties.update_party(session, party_id, add_tags=["vip"])
    with site.session() as session:
        parties.update_party(session, party_id, notes="Pays late", remove_tags=["vip"])
    notes_and_tags, tags_only, created = entries(site, "party", party_id)
    assert created["changes"]["tags"] == [None, ["school"]]
    assert created["changes"]["name"] == [None, "Robo School"]
    assert tags_only["changes"] == {"tags": [["school"], ["school", "vip"]]}
    assert notes_and_tags["changes"] == {"notes": ["", "Pays late"],
                                         "tags": [["school", "vip"], ["school"]]}


def test_cli_audit_of_one_item_by_id_or_sku(site):
    item_id = site.cli("item add RB-1 --name Robot --json").json()["item"]["id"]
    site.cli("item add RB-2 --name Other")
    site.cli("item update RB-1 --price 12.5")

    result = site.cli(f"audit --entity item --id {item_id} --json")
    assert result.exit_code == 0, result.stderr
    found = result.json()["entries"]
    assert [(e["action"], e["entity_id"]) for e in found] == [
        ("update", str(item_id)), ("create", str(item_id))]
    assert found[0]["changes"] == {"price": ["0.000000", "12.5"]}
    assert site.cli("audit --entity item --id RB-1 --json").json()["entries"] == found

    text = site.cli("audit --entity item --id RB-1").output.splitlines()
    assert text[0].endswith(f"system update item {item_id}: price: '0.000000' -> '12.5'")
    assert "sku='RB-1'" in text[1]


def test_cli_audit_filters_and_pages(site):
    site.cli("warehouse add MAIN --name Main")
    for n in range(3):
        site.cli(f"item add I-{n} --name Item")
    everything = site.cli("audit --json").json()["entries"]
    assert [e["entity"] for e in everything][:4] == ["item", "item", "item", "warehouse"]
    assert {e["entity"] for e in everything[4:]} == {"role"}  # made with the site
    first = site.cli("audit --entity item --limit 2 --json").json()
    assert len(first["entries"]) == 2
    rest = site.cli(f"audit --entity item --limit 2 --before {first['next_before']} --json")
    assert [e["entity_id"] for e in rest.json()["entries"]] == [
        everything[2]["entity_id"]]
    assert site.cli("audit --entity warehouse --id MAIN --json").json()["entries"][0][
        "changes"]["code"] == [None, "MAIN"]


def test_cli_audit_errors(site):
    unknown = site.cli("audit --entity items")
    assert unknown.exit_code == 2
    # Plugins add their own audited entities to the list; the core's are always there.
    assert unknown.stderr.startswith("error: entity: 'items' is not audited (entities: ")
    listed = unknown.stderr.split("(entities: ")[1].rstrip(")\n").split(", ")
    assert {"contact", "item", "legal_entity", "party", "warehouse"} <= set(listed)
    cases = [
        ("audit --id 7", "error: id: --id needs --entity (which kind of record?)"),
        ("audit --entity item --id NOPE", "error: item 'NOPE' does not exist"),
        ("audit --limit 0", "error: limit: '0' is out of range (allowed: from 1 to 1000)"),
    ]
    for args, message in cases:
        result = site.cli(args)
        assert (result.exit_code, result.stderr.strip()) == (2, message), args
    assert site.cli("audit --entity items --json").json()["error"]["field"] == "entity"
