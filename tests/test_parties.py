"""Parties: clients and suppliers with tags, source and manager; their legal entities
(validity periods that must not overlap for one tax id) and contacts; search,
filters and pages; ``ordercraft party ...``."""

from __future__ import annotations

from datetime import date

import pytest

from ordercraft.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ordercraft.core.services import parties
from ordercraft.core.services.users import create_user


def add(site, name, **values):
    with site.session() as session:
        return parties.party_dict(parties.create_party(session, name, **values))


def names(site, **filters):
    with site.session() as session:
        return [p.name for p in parties.list_parties(session, **filters).items]


# --------------------------------------------------------------------------- parties


def test_create_with_tags_source_and_manager(site):
    with site.session() as session:
        create_user(session, "mia", roles=["manager"])
    created = add(site, "  Robo   School ", kind="client", tags="School, edu", source="website",
                  tax_id="7701234567", phone="+7 (912) 555-01-02", email="info@robo.school",
                  manager="mia")
    assert created["name"] == "Robo School"  # spaces collapsed
    assert created["tags"] == ["edu", "school"]
    assert (created["source"], created["manager"]) == ("website", "mia")
    with site.session() as session:
        assert parties.get_party(session, "ROBO SCHOOL").id == created["id"]
        assert parties.get_party(session, str(created["id"])).name == "Robo School"


def test_name_and_tax_id_are_unique(site):
    add(site, "Robo School", tax_id="7701")
    with pytest.raises(Conflict, match=r"party 'Robo School' already exists \(id \d+\)") as caught:
        add(site, "robo  SCHOOL")
    assert (caught.value.code, caught.value.field) == ("duplicate", "name")
    with pytest.raises(Conflict, match="tax_id: '7701' is already the tax id of party "
                                       "'Robo School'"):
        add(site, "Other", tax_id="7701")
    add(site, "Other")  # an empty tax id is not a duplicate
    add(site, "Third")


@pytest.mark.parametrize(("values", "message"), [
    ({"kind": "partner"}, "kind: 'partner' is not one of client, supplier, both"),
    ({"email": "nobody"}, "email: 'nobody' is not an e-mail address"),
    ({"phone": "n/a"}, "phone: 'n/a' is not a phone number"),
    ({"tags": ["ok", "not ok"]}, "tags: 'not ok' may hold only letters, digits"),
    ({"manager": "ghost"}, "manager: user 'ghost' does not exist"),
])
def test_bad_values_name_the_field(site, values, message):
    with pytest.raises((ValidationError, NotFound), match=message):
        add(site, "Robo School", **values)
    assert names(site) == []


def test_update_fields_tags_and_manager(site):
    with site.session() as session:
        create_user(session, "mia", roles=["manager"])
    created = add(site, "Robo School", tags=["school"], manager="mia")
    with site.session() as session:
        party = parties.update_party(session, created["id"], kind="both", add_tags=["vip"],
                                     remove_tags="school", phone="", manager="")
        assert (party.kind, party.tags, party.manager_id) == ("both", ["vip"], None)
        party = parties.update_party(session, "robo school", tags=["a", "b"], name="RoboSchool")
        assert (party.name, party.tags) == ("RoboSchool", ["a", "b"])
    add(site, "Steel Ltd")
    with site.session() as session, pytest.raises(Conflict, match="'Steel Ltd' already exists"):
        parties.update_party(session, "RoboSchool", name="STEEL LTD")


def test_list_filters_kind_tags_source_manager(site):
    with site.session() as session:
        create_user(session, "mia", roles=["manager"])
    add(site, "Robo School", kind="client", tags=["school", "edu"], source="website")
    add(site, "Steel Ltd", kind="supplier", tags=["metal"], manager="mia")
    add(site, "Both Co", kind="both", tags=["school"], source="Exhibition")
    assert names(site) == ["Both Co", "Robo School", "Steel Ltd"]
    assert names(site, kind="client") == ["Both Co", "Robo School"]
    assert names(site, kind="supplier") == ["Both Co", "Steel Ltd"]
    assert names(site, kind="both") == ["Both Co"]
    assert names(site, tags=["school"]) == ["Both Co", "Robo School"]
    assert names(site, tags=["school", "edu"]) == ["Robo School"]
    assert names(site, source="exhibition") == ["Both Co"]
    assert names(site, manager="mia") == ["Steel Ltd"]
    with site.session() as session:
        page = parties.list_parties(session, limit=2, offset=2)
        assert ([p.name for p in page.items], page.total) == (["Steel Ltd"], 3)


def test_search_finds_names_phones_legal_entities_and_contacts(site):
    robo = add(site, "Школа робототехники", phone="+7 (912) 555-01-02")
    add(site, "Steel Ltd", email="sales@steel.example")
    with site.session() as session:
        parties.add_legal_entity(session, robo["id"], name="ООО Робо", tax_id="7701234567")
        parties.add_contact(session, "Steel Ltd", name="Анна Петрова", phone="8 900 111 22 33")
    assert names(site, search="ШКОЛА") == ["Школа робототехники"]  # not only ASCII
    assert names(site, search="9125550102") == ["Школа робототехники"]  # digits of the phone
    assert names(site, search="912 555") == ["Школа робототехники"]
    assert names(site, search="ооо робо") == ["Школа робототехники"]
    assert names(site, search="77012") == ["Школа робототехники"]
    assert names(site, search="петрова") == ["Steel Ltd"]
    assert names(site, search="9001112233") == ["Steel Ltd"]
    assert names(site, search="STEEL.EXAMPLE") == ["Steel Ltd"]
    assert names(site, search="100%") == []


def test_unknown_party(site):
    with site.session() as session:
        with pytest.raises(NotFound, match="party 'Nobody' does not exist"):
            parties.get_party(session, "Nobody")
        with pytest.raises(NotFound, match="party with id 99 does not exist"):
            parties.get_party(session, 99)


def test_manager_may_write_parties_economist_may_only_read(site):
    with site.session() as session:
        create_user(session, "mia", roles=["manager"])
        create_user(session, "eve", roles=["economist"])
    with site.session(user=site.user("mia")) as session:
        parties.create_party(session, "Robo School")
    with site.session(user=site.user("eve")) as session:
        assert parties.get_party(session, "Robo School")
        with pytest.raises(PermissionDenied, match="'party.write'"):
            parties.update_party(session, "Robo School", notes="x")


# --------------------------------------------------------------------------- legal entities


def test_legal_entities_over_time(site):
    robo = add(site, "Robo School")
    other = add(site, "Other")
    with site.session() as session:
        first = parties.add_legal_entity(session, robo["id"], name="IP Ivanov", tax_id="123",
                                         valid_from="2023-01-01")
        # A second legal entity with another tax id may run alongside.
        parties.add_legal_entity(session, robo["id"], name="Robo LLC", tax_id="456")
        first_id = first.id
    with site.session() as session, pytest.raises(Conflict) as caught:
        parties.add_legal_entity(session, other["id"], name="IP Ivanov", tax_id="123",
                                 valid_from="2024-06-01")
    assert caught.value.code == "overlap"
    assert str(caught.value) == (
        "valid_from: tax id '123' from 2024-06-01 on overlaps legal entity 'IP Ivanov' "
        f"(id {first_id}, party 'Robo School'), valid from 2023-01-01 on; one tax id has one "
        "legal entity at a time (close the other with valid_to)")
    with site.session() as session:
        parties.update_legal_entity(session, first_id, valid_to="2024-05-31")
        parties.add_legal_entity(session, other["id"], name="IP Ivanov", tax_id="123",
                                 valid_from="2024-06-01")
        on_day = parties.list_legal_entities(session, robo["id"], on="2024-07-01")
        assert [e.name for e in on_day] == ["Robo LLC"]
        assert len(parties.list_legal_entities(session, robo["id"])) == 2
    with site.session() as session, pytest.raises(Conflict, match="overlaps"):
        parties.update_legal_entity(session, first_id, valid_to="")  # reopening it


def test_legal_entity_dates_are_checked(site):
    add(site, "Robo School")
    with site.session() as session:
        with pytest.raises(ValidationError, match="valid_from: '2024-13-01' is not a date"):
            parties.add_legal_entity(session, "Robo School", name="X", valid_from="2024-13-01")
        with pytest.raises(ValidationError, match="valid_to: '2023-12-31' is before valid_from "
                                                  "'2024-01-01'"):
            parties.add_legal_entity(session, "Robo School", name="X", valid_from="2024-01-01",
                                     valid_to="2023-12-31")
        entity = parties.add_legal_entity(session, "Robo School", name="X",
                                          valid_from=date(2024, 1, 1))
        assert entity.valid_from == date(2024, 1, 1)


# --------------------------------------------------------------------------- contacts


def test_contacts_with_channels(site):
    add(site, "Robo School")
    with site.session() as session:
        contact = parties.add_contact(session, "Robo School", name="Anna", position="Director",
                                      email="anna@robo.school",
                                      channels=["telegram=@anna", {"kind": "WhatsApp",
                                                                   "value": "+7 900 1"}])
        assert contact.channels == [{"kind": "telegram", "value": "@anna"},
                                    {"kind": "whatsapp", "value": "+7 900 1"}]
        with pytest.raises(ValidationError, match="channels: '@anna' is not KIND=VALUE"):
            parties.add_contact(session, "Robo School", name="Bob", channels=["@anna"])
        parties.update_contact(session, contact.id, position="Owner")
        assert [c.position for c in parties.list_contacts(session, "Robo School")] == ["Owner"]


# --------------------------------------------------------------------------- CLI


def test_cli_party_commands(site):
    added = site.cli("party add 'Robo School' --kind client --tag school --tag edu "
                     "--source website --tax-id 7701 --phone '+7 912 555 01 02' "
                     "--email info@robo.school --address 'Kazan' --manager admin --json")
    assert added.exit_code == 0, added.stderr
    party = added.json()["party"]
    assert (party["tags"], party["manager"]) == (["edu", "school"], "admin")
    assert site.cli("party add 'Steel Ltd' --kind supplier").output.startswith(
        "added party Steel Ltd (id ")

    listed = site.cli("party list --kind client --json").json()
    assert [p["name"] for p in listed["parties"]] == ["Robo School"]
    assert "Steel Ltd" in site.cli("party list --search steel").output
    assert site.cli("party list --tag school --tag edu --json").json()["total"] == 1

    entity = site.cli("party entity add 'robo school' --name 'Robo LLC' --tax-id 7701 "
                      "--valid-from 2024-01-01 --json")
    assert entity.exit_code == 0, entity.stderr
    entity_id = entity.json()["legal_entity"]["id"]
    contact = site.cli("party contact add 'Robo School' --name Anna --phone '+7 900 111 22 33' "
                       "--channel telegram=@anna --json")
    assert contact.json()["contact"]["channels"] == [{"kind": "telegram", "value": "@anna"}]

    shown = site.cli(f"party show {party['id']} --json").json()["party"]
    assert [e["name"] for e in shown["legal_entities"]] == ["Robo LLC"]
    assert [c["name"] for c in shown["contacts"]] == ["Anna"]
    text = site.cli("party show 'Robo School'").output
    assert "legal entities:" in text and "telegram: @anna" in text

    updated = site.cli("party update 'Robo School' --kind both --add-tag vip --remove-tag edu "
                       "--manager '' --json").json()["party"]
    assert (updated["kind"], updated["tags"], updated["manager"]) == (
        "both", ["school", "vip"], None)
    closed = site.cli(f"party entity update {entity_id} --valid-to 2024-12-31 --json")
    assert closed.json()["legal_entity"]["valid_to"] == "2024-12-31"
    assert site.cli("party entity list 'Robo School' --on 2025-01-01 --json").json()[
        "legal_entities"] == []
    assert len(site.cli("party contact list 'Robo School' --json").json()["contacts"]) == 1


def test_cli_party_errors(site):
    site.cli("party add 'Robo School' --tax-id 7701")
    cases = [
        ("party add 'ROBO SCHOOL'", "error: party 'Robo School' already exists (id 1)"),
        ("party add Other --tax-id 7701", "error: tax_id: '7701' is already the tax id of "
                                          "party 'Robo School' (id 1)"),
        ("party add Other --kind partner", "error: kind: 'partner' is not one of client, "
                                           "supplier, both"),
        ("party add Other --manager ghost", "error: manager: user 'ghost' does not exist"),
        ("party add Other --email nope", "error: email: 'nope' is not an e-mail address"),
        ("party show Nobody", "error: party 'Nobody' does not exist"),
        ("party update 42 --notes x", "error: party with id 42 does not exist"),
        ("party list --kind partner", "error: kind: 'partner' is not one of client, supplier, "
                                      "both"),
        ("party entity add 'Robo School' --name X --valid-from 01.02.2024",
         "error: valid_from: '01.02.2024' is not a date (YYYY-MM-DD)"),
        ("party entity add 'Robo School'", "error: name: must not be empty"),
        ("party entity update 99 --name X", "error: legal entity with id 99 does not exist"),
        ("party contact add 'Robo School' --name Anna --channel telegram",
         "error: channels: 'telegram' is not KIND=VALUE (e.g. telegram=@anna)"),
        ("party import nothing.txt", "error: file 'nothing.txt': no such file"),
    ]
    for args, message in cases:
        result = site.cli(args)
        assert (result.exit_code, result.stderr.strip()) == (2, message), args
    as_json = site.cli("party show Nobody --json")
    assert (as_json.exit_code, as_json.json()["error"]["code"]) == (2, "not_found")
