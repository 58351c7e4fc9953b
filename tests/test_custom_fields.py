"""Custom fields of the core's entities (clients, contacts, items) and the hook through
which plugins register entities and declare fields: ``ordercraft field ...``, values
validated like built-in fields (nothing saved on a refusal), shown in pages and forms,
returned and accepted by the API (and listed in its OpenAPI document), filtered in
lists, exported in CSV and recorded by the audit log."""

from __future__ import annotations

import re
import types

import pytest

from fields_kit import ok, rows, text  # noqa: E402
from ordercraft.sdk import hookimpl

ITEM_FIELDS = [
    "field add item weight --type decimal --label 'Weight (kg)'",
    "field add item pieces --type int",
    "field add item launch --type date",
    "field add item fragile --type bool",
    "field add item colour --type choice --choices red,blue",
    "field add item code --type text",
]


@pytest.fixture
def shop(make_site):
    """Items with a custom field of every type; clients with a required segment."""
    site = make_site(plugins=[])
    for args in ITEM_FIELDS:
        ok(site, args)
    ok(site, "field add client segment --type choice --choices school,college,company "
             "--required")
    ok(site, "field add contact role --type text")
    return site


def catalogue_plugin():
    module = types.ModuleType("catalogue_addon")

    @hookimpl
    def register_custom_fields(registry):
        from ordercraft.core.models import Warehouse

        registry.entity("warehouse", Warehouse, "Warehouse")
        registry.field("item", "hazard", "choice", label="Hazard class",
                       choices=("none", "flammable"))

    module.register_custom_fields = register_custom_fields
    return module


def test_hook_register_custom_fields(make_site):
    site = make_site(plugins=[], extra_plugins=[catalogue_plugin()])
    listed = ok(site, "field list --json")["fields"]
    assert listed == [{"entity": "item", "name": "hazard", "type": "choice",
                       "label": "Hazard class", "choices": ["none", "flammable"],
                       "required": False, "owner": "catalogue_addon"}]
    added = ok(site, "field add warehouse dock --type text --json")["field"]
    assert added["entity"] == "warehouse" and added["owner"] == "site"
    item = ok(site, "item add CAN --name 'Paint can' --field hazard=FLAMMABLE --json")["item"]
    assert item["custom_fields"] == {"hazard": "flammable"}
    refused = site.cli("field remove item hazard")
    assert refused.exit_code == 2
    assert refused.stderr.strip() == ("error: name: field 'hazard' of item is declared by "
                                      "plugin 'catalogue_addon'; it goes when the plugin is "
                                      "disabled")

    ok(site, "plugins disable catalogue_addon")
    assert ok(site, "field list --json")["fields"] == []  # the warehouse entity went too
    assert ok(site, "item show CAN --json")["item"]["custom_fields"] == {}
    ok(site, "plugins enable catalogue_addon")
    assert ok(site, "item show CAN --json")["item"]["custom_fields"] == {"hazard": "flammable"}


def test_field_commands_check_what_they_are_given(shop):
    cases = [
        ("field add client tier --type choice", "error: choices: a choice field needs its "
                                                "choices (--choices a,b,c)"),
        ("field add client tier --type text --choices a,b", "error: choices: only a choice "
                                                            "field has choices, not a text field"),
        ("field add client tier --type choice --choices a,A", "error: choices: 'A' is given "
                                                              "twice"),
        ("field add client Tier --type text", "error: name: 'Tier' is not a field name "
                                              "(lower-case letters, digits and '_', starting "
                                              "with a letter, at most 50)"),
        ("field add client tier --type money", "error: type: 'money' is not one of text, int, "
                                               "decimal, date, bool, choice"),
        ("field add ghost tier --type text", "error: entity: 'ghost' has no custom fields "
                                             "(entities: client, contact, item)"),
        ("field add client segment --type text", "error: name: client already has a field "
                                                 "'segment'"),
        ("field remove client tier", "error: name: client has no field 'tier'"),
        ("field add deal stage2 --type text", "error: entity: 'deal' has no custom fields "
                                              "(entities: client, contact, item)"),
    ]
    for args, message in cases:
        result = shop.cli(args)
        assert (result.exit_code, result.stderr.strip()) == (2, message), args
    listed = ok(shop, "field list item --json")["fields"]
    assert [(f["name"], f["type"], f["label"]) for f in listed] == [
        ("weight", "decimal", "Weight (kg)"), ("pieces", "int", "Pieces"),
        ("launch", "date", "Launch"), ("fragile", "bool", "Fragile"),
        ("colour", "choice", "Colour"), ("code", "text", "Code")]
    assert re.search(r"client +segment +choice +Segment +school, college, company +yes +site",
                     ok(shop, "field list"))


def test_values_are_checked_like_built_in_fields_and_nothing_is_saved(shop):
    cases = [
        ("weight=abc", "custom_fields.weight: 'abc' is not a number"),
        ("weight=1.1234567", "custom_fields.weight: '1.1234567' has more than 6 decimal places"),
        ("pieces=1.5", "custom_fields.pieces: '1.5' is not a whole number"),
        ("launch=2024-13-01", "custom_fields.launch: '2024-13-01' is not a date (YYYY-MM-DD)"),
        ("launch=05.03.2024", "custom_fields.launch: '05.03.2024' is not a date (YYYY-MM-DD)"),
        ("fragile=perhaps", "custom_fields.fragile: 'perhaps' is not yes or no (true/false, "
                            "1/0)"),
        ("colour=green", "custom_fields.colour: 'green' is not one of red, blue"),
        ("code=" + "x" * 501, "custom_fields.code: '" + "x" * 57 + "...' is longer than 500 "
                              "characters"),
        ("size=3", "custom_fields.size: not a custom field of item (custom fields: weight, "
                   "pieces, launch, fragile, colour, code)"),
        ("weight", "custom_fields: 'weight' is not NAME=VALUE (--field "
                   "delivery_window=morning)"),
    ]
    for assignment, message in cases:
        result = shop.cli(["item", "add", "BOX", "--name", "Box", "--field", assignment,
                           "--json"])
        assert result.exit_code == 2, assignment
        assert result.json()["error"]["message"] == message
    assert ok(shop, "item list --json")["total"] == 0  # nothing half-saved

    refused = shop.cli("party add 'Robo School'")
    assert (refused.exit_code, refused.stderr.strip()) == (
        2, "error: custom_fields.segment: a value is required (Segment)")
    assert ok(shop, "party list --json")["total"] == 0
    ok(shop, "party add 'Robo School' --field segment=School")
    ok(shop, "party update 'Robo School' --phone '+44 20 7946 0011'")  # not given: kept
    cleared = shop.cli("party update 'Robo School' --field segment=")
    assert cleared.stderr.strip() == "error: custom_fields.segment: a value is required (Segment)"
    assert ok(shop, "party show 'Robo School' --json")["party"]["custom_fields"] == {
        "segment": "school"}


def test_decimals_are_exact_and_dates_iso_on_both_databases(shop):
    ok(shop, "item add A --name A --field weight=0.1 --field launch=2024-03-05 "
             "--field fragile=yes --field pieces=-7")
    ok(shop, "item add B --name B --field weight=123456789012.123456 --field pieces=0")
    listed = {i["sku"]: i["custom_fields"] for i in ok(shop, "item list --json")["items"]}
    assert listed == {"A": {"weight": "0.1", "pieces": -7, "launch": "2024-03-05",
                            "fragile": True},
                      "B": {"weight": "123456789012.123456", "pieces": 0}}
    ok(shop, "item update A --field weight=0.30 --field fragile= --field pieces=")
    assert ok(shop, "item show A --json")["item"]["custom_fields"] == {
        "weight": "0.3", "launch": "2024-03-05"}


def test_list_filters_in_the_cli_and_the_api(shop):
    ok(shop, "item add RED-1 --name One --field colour=red --field weight=1.50")
    ok(shop, "item add RED-2 --name Two --field colour=red --field fragile=true")
    ok(shop, "item add BLUE --name Three --field colour=blue --field weight=1.5")

    def skus(args):
        return [i["sku"] for i in ok(shop, args + " --json")["items"]]

    assert skus("item list --field colour=red") == ["RED-1", "RED-2"]
    assert skus("item list --field weight=1.5000") == ["BLUE", "RED-1"]
    assert skus("item list --field colour=RED --field weight=1.5") == ["RED-1"]
    assert skus("item list --field fragile=yes") == ["RED-2"]
    assert skus("item list --search one --field colour=red") == ["RED-1"]
    refused = shop.cli("item list --field colour=green")
    assert refused.stderr.strip() == "error: cf.colour: 'green' is not one of red, blue"

    api = shop.app.test_client()
    headers = {"Authorization": f"Bearer {shop.token()}"}
    found = api.get("/api/v1/items?cf.colour=red&cf.weight=1.5", headers=headers)
    assert found.status_code == 200
    assert [(i["sku"], i["custom_fields"]) for i in found.json["items"]] == [
        ("RED-1", {"weight": "1.5", "colour": "red"})]
    assert found.json["total"] == 1
    for query, field, message in [
            ("cf.size=3", "cf.size", "cf.size: not a custom field of item (custom fields: "
                                     "weight, pieces, launch, fragile, colour, code)"),
            ("cf.weight=heavy", "cf.weight", "cf.weight: 'heavy' is not a number"),
            ("colour=red", "colour", None)]:
        answer = api.get(f"/api/v1/items?{query}", headers=headers)
        assert answer.status_code == 400, query
        assert answer.json["error"]["field"] == field
        if message:
            assert answer.json["error"]["message"] == message


def test_the_api_returns_and_accepts_custom_fields(shop):
    api = shop.app.test_client()
    headers = {"Authorization": f"Bearer {shop.token()}"}
    created = api.post("/api/v1/items", headers=headers, json={
        "sku": "BOX", "name": "Box", "price": "9.50",
        "custom_fields": {"weight": "2.25", "pieces": 12, "launch": "2024-03-05",
                          "fragile": True, "colour": "Blue", "code": "B-1"}})
    assert created.status_code == 201, created.json
    assert created.json["custom_fields"] == {"weight": "2.25", "pieces": 12,
                                             "launch": "2024-03-05", "fragile": True,
                                             "colour": "blue", "code": "B-1"}
    item_id = created.json["id"]
    changed = api.patch(f"/api/v1/items/{item_id}", headers=headers,
                        json={"custom_fields": {"fragile": None, "pieces": "13"}})
    assert changed.status_code == 200
    assert changed.json["custom_fields"] == {"weight": "2.25", "pieces": 13,
                                             "launch": "2024-03-05", "colour": "blue",
                                             "code": "B-1"}
    assert api.get(f"/api/v1/items/{item_id}", headers=headers).json["custom_fields"] == \
        changed.json["custom_fields"]
    for body, field, message in [
            ({"weight": 2.5}, "custom_fields.weight", "custom_fields.weight: floats are not "
                                                      "accepted, pass 2.5 as a string"),
            ({"launch": "2024-03-05T10:00:00"}, "custom_fields.launch",
             "custom_fields.launch: '2024-03-05T10:00:00' is not a date (YYYY-MM-DD)"),
            ({"fragile": "sometimes"}, "custom_fields.fragile", None),
            ({"size": 1}, "custom_fields.size", None)]:
        answer = api.patch(f"/api/v1/items/{item_id}", headers=headers,
                           json={"custom_fields": body, "name": "Renamed"})
        assert answer.status_code == 400, body
        assert answer.json["error"]["field"] == field
        if message:
            assert answer.json["error"]["message"] == message
    assert api.get(f"/api/v1/items/{item_id}", headers=headers).json["name"] == "Box"

    party = api.post("/api/v1/parties", headers=headers, json={"name": "Robo School"})
    assert party.status_code == 400
    assert party.json["error"] == {"code": "required", "field": "custom_fields.segment",
                                   "message": "custom_fields.segment: a value is required "
                                              "(Segment)"}
    party = api.post("/api/v1/parties", headers=headers,
                     json={"name": "Robo School", "custom_fields": {"segment": "college"}})
    assert party.status_code == 201 and party.json["custom_fields"] == {"segment": "college"}
    listed = api.get("/api/v1/parties?cf.segment=college", headers=headers).json
    assert [p["name"] for p in listed["items"]] == ["Robo School"]
    assert api.get("/api/v1/parties?cf.segment=school", headers=headers).json["total"] == 0


def test_openapi_lists_the_sites_custom_fields(shop):
    document = shop.app.test_client().get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]
    item_in = schemas["ItemIn"]["properties"]["custom_fields"]
    assert item_in["additionalProperties"] is False
    assert item_in["properties"]["weight"] == {"type": "string", "format": "decimal",
                                               "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
                                               "title": "Weight (kg)"}
    assert item_in["properties"]["pieces"]["type"] == "integer"
    assert item_in["properties"]["launch"]["format"] == "date"
    assert item_in["properties"]["fragile"]["type"] == "boolean"
    assert item_in["properties"]["colour"]["enum"] == ["red", "blue"]
    changes = schemas["ItemChanges"]["properties"]["custom_fields"]["properties"]
    assert {"type": "null"} in changes["weight"]["anyOf"]
    party_in = schemas["PartyIn"]
    assert party_in["properties"]["custom_fields"]["required"] == ["segment"]
    assert "custom_fields" in party_in["required"]
    assert "required" not in schemas["PartyChanges"]["properties"]["custom_fields"]
    assert list(schemas["ContactOut"]["properties"]["custom_fields"]["properties"]) == ["role"]
    parameters = {p["name"]: p for p in
                  document["paths"]["/api/v1/items"]["get"]["parameters"]}
    assert parameters["cf.colour"]["schema"]["enum"] == ["red", "blue"]
    assert parameters["cf.launch"]["in"] == "query"
    assert "cf" not in parameters

    ok(shop, "field remove item colour")  # the document follows the site at once
    document = shop.app.test_client().get("/api/v1/openapi.json").json
    assert "colour" not in document["components"]["schemas"]["ItemIn"]["properties"][
        "custom_fields"]["properties"]


def test_csv_exports_have_a_column_per_custom_field(shop):
    ok(shop, "item add A --name 'Box, large' --field weight=0.1 --field colour=red")
    ok(shop, "item add B --name Bag --field fragile=no")
    exported = rows(ok(shop, "item list --csv"))
    assert [(r["sku"], r["name"], r["cf.weight"], r["cf.colour"], r["cf.fragile"])
            for r in exported] == [("A", "Box, large", "0.1", "red", ""),
                                   ("B", "Bag", "", "", "false")]
    header = ok(shop, "item list --csv").splitlines()[0]
    assert header.endswith(",cf.weight,cf.pieces,cf.launch,cf.fragile,cf.colour,cf.code")
    assert [r["sku"] for r in rows(ok(shop, "item list --csv --field colour=red"))] == ["A"]
    assert [r["sku"] for r in rows(ok(shop, "item list --csv --offset 1"))] == ["B"]

    for name in ("Alpha", "Beta", "Gamma"):
        ok(shop, f"party add {name} --field segment=school")
    ok(shop, "party contact add Alpha --name Ann --field role=buyer")
    assert [r["name"] for r in rows(ok(shop, "party list --csv --field segment=school"))] == [
        "Alpha", "Beta", "Gamma"]
    contacts = rows(ok(shop, "party contact list Alpha --csv"))
    assert [(r["name"], r["cf.role"]) for r in contacts] == [("Ann", "buyer")]

    browser = shop.client(login="admin")
    export = browser.get("/parties/?cf.segment=school&format=csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert 'filename="parties.csv"' in export.headers["Content-Disposition"]
    assert [(r["name"], r["cf.segment"]) for r in rows(export.get_data(as_text=True))] == [
        ("Alpha", "school"), ("Beta", "school"), ("Gamma", "school")]


def test_pages_show_the_fields_on_forms_pages_and_list_filters(shop):
    browser = shop.client(login="admin")
    form = browser.get("/parties/new")
    assert 'name="custom_fields.segment"' in form.get_data(as_text=True)
    refused = browser.post("/parties/new", data={"name": "Robo School", "kind": "client",
                                                 "custom_fields.segment": ""})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.search(r'id="e-custom_fields.segment">A value is required \(Segment\)', page)
    assert ok(shop, "party list --json")["total"] == 0
    created = browser.post("/parties/new", data={"name": "Robo School", "kind": "client",
                                                 "custom_fields.segment": "college"})
    assert created.status_code == 303
    party_url = created.headers["Location"]
    assert "Segment college" in text(browser.get(party_url))
    edit = browser.get(party_url + "/edit").get_data(as_text=True)
    assert re.search(r'<option value="college" selected>', edit)
    browser.post(party_url + "/edit", data={"name": "Robo School", "kind": "client",
                                            "custom_fields.segment": "school"})
    assert "Segment school" in text(browser.get(party_url))

    listed = browser.get("/parties/?cf.segment=college")
    assert "No party matches" in text(listed)
    assert 'name="cf.segment"' in listed.get_data(as_text=True)
    assert "Robo School" in text(browser.get("/parties/?cf.segment=school"))

    ok(shop, "item add BOX --name Box --field colour=red")
    assert "Colour red" in text(browser.get("/stock/items/BOX"))
    item_form = browser.get("/stock/items/BOX/edit")
    assert 'name="custom_fields.weight"' in item_form.get_data(as_text=True)
    values = {"name": "Box", "kind": "good", "unit": "pc", "unit_precision": "0",
              "valuation": "fifo", "price": "0", "description": "",
              "custom_fields.weight": "2,5", "custom_fields.colour": "blue"}
    bad = browser.post("/stock/items/BOX/edit", data=values)
    assert bad.status_code == 422 and "is not a number" in text(bad)
    saved = browser.post("/stock/items/BOX/edit", data={**values, "custom_fields.weight": "2.5"})
    assert saved.status_code == 303
    assert ok(shop, "item show BOX --json")["item"]["custom_fields"] == {"weight": "2.5",
                                                                         "colour": "blue"}


def test_the_audit_log_records_custom_field_changes_with_the_object(shop):
    ok(shop, "party add 'Robo School' --field segment=school --phone '+44 20 7946 0011'")
    ok(shop, "party update 'Robo School' --field segment=college --email a@robo.example")
    entries = ok(shop, "audit --entity party --json")["entries"]
    assert len(entries) == 2
    update, create = entries
    assert create["action"] == "create"
    assert create["changes"]["custom_fields.segment"] == [None, "school"]
    assert create["changes"]["phone"] == [None, "+44 20 7946 0011"]
    assert update["changes"] == {"email": ["", "a@robo.example"],
                                 "custom_fields.segment": ["school", "college"]}
    ok(shop, "party update 'Robo School' --field segment=college")  # no change: no entry
    ok(shop, "item add BOX --name Box")
    ok(shop, "item update BOX --field weight=2")  # only a custom field changed
    item_entries = ok(shop, "audit --entity item --json")["entries"]
    assert item_entries[0]["changes"] == {"custom_fields.weight": [None, "2"]}


def test_a_page_of_objects_reads_its_values_in_one_query(shop):
    from sqlalchemy import event

    from ordercraft.core.services import items

    for number in range(30):
        ok(shop, f"item add SKU-{number:02d} --name Item --field pieces={number} "
                 f"--field colour={'red' if number % 2 else 'blue'}")
    statements = []

    def count(_connection, _cursor, statement, *_args):
        if "custom_field_values" in statement:
            statements.append(statement)

    engine = shop.platform.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        with shop.session() as session:
            page = items.list_items(session, limit=30)
            documents = [items.item_dict(item) for item in page.items]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [d["custom_fields"]["pieces"] for d in documents] == list(range(30))
    assert len(statements) == 1


def test_values_of_a_deleted_object_go_with_it(shop):
    from sqlalchemy import func, select

    from ordercraft.core.models import CustomFieldValue
    from ordercraft.core.services import parties

    ok(shop, "party add Alpha --field segment=school")
    ok(shop, "party contact add Alpha --name Ann --field role=buyer")
    with shop.session() as session:
        contact = parties.list_contacts(session, "Alpha")[0]
        session.delete(contact)
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(CustomFieldValue)) == 1
    removed = ok(shop, "field remove client segment --json")
    assert removed["field"]["name"] == "segment"
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(CustomFieldValue)) == 0
