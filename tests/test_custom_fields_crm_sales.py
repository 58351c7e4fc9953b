"""Custom fields of the entities crm and sales register (deals, orders) and of clients and
contacts in crm's pages and API: required fields, the CLI, the API with its OpenAPI
document, pages and forms, list filters and CSV exports; a disabled plugin's entity
and its fields go away and come back."""

from __future__ import annotations

import pytest

import sales_kit as kit  # noqa: E402
from fields_kit import ok, rows, text  # noqa: E402


@pytest.fixture
def site(make_site):
    site = kit.build(make_site)
    ok(site, "field add order delivery_window --type choice --choices morning,afternoon "
             "--required --label 'Delivery window'")
    ok(site, "field add deal channel --type text")
    ok(site, "field add deal budget_approved --type bool")
    ok(site, "field add contact role --type text --required")
    ok(site, "field add client segment --type text")
    return site


@pytest.fixture
def api(site):
    client = site.app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {site.token()}"
    return client


def test_orders_from_the_command_line(site):
    refused = site.cli(f"order add --client '{kit.CLUB}' --line KIT:1")
    assert (refused.exit_code, refused.stderr.strip()) == (
        2, "error: custom_fields.delivery_window: a value is required (Delivery window)")
    assert ok(site, "order list --json")["total"] == 0
    first = ok(site, f"order add --client '{kit.CLUB}' --line KIT:1 "
                     "--field delivery_window=Morning --json")["order"]
    assert first["custom_fields"] == {"delivery_window": "morning"}
    ok(site, f"order add --client '{kit.SCHOOL}' --line KIT:2 --field delivery_window=afternoon")
    listed = ok(site, "order list --field delivery_window=morning --json")["orders"]
    assert [(o["number"], o["custom_fields"]) for o in listed] == [
        ("SO-00001", {"delivery_window": "morning"})]
    exported = rows(ok(site, "order list --csv"))
    assert [(r["number"], r["client"], r["cf.delivery_window"]) for r in exported] == [
        ("SO-00002", kit.SCHOOL, "afternoon"), ("SO-00001", kit.CLUB, "morning")]

    ok(site, f"order confirm {first['id']}")
    changed = ok(site, f"order update {first['id']} --field delivery_window=afternoon --json")
    assert changed["order"]["custom_fields"] == {"delivery_window": "afternoon"}
    assert "custom fields: delivery_window=afternoon" in ok(site, f"order show {first['id']}")
    refused = site.cli(f"order update {first['id']} --notes 'too late'")
    assert refused.exit_code == 2 and "only draft orders can be changed" in refused.stderr


def test_orders_in_the_api_and_its_document(site, api):
    created = api.post("/api/v1/orders", json={
        "client": kit.CLUB, "lines": [{"item": "KIT", "qty": "1"}],
        "custom_fields": {"delivery_window": "afternoon"}})
    assert created.status_code == 201, created.json
    assert created.json["custom_fields"] == {"delivery_window": "afternoon"}
    missing = api.post("/api/v1/orders", json={"client": kit.CLUB,
                                               "lines": [{"item": "KIT", "qty": "1"}]})
    assert missing.status_code == 400
    assert missing.json["error"]["field"] == "custom_fields.delivery_window"
    order_id = created.json["id"]
    assert api.post(f"/api/v1/orders/{order_id}/transitions/confirm", json={}).status_code == 200
    patched = api.patch(f"/api/v1/orders/{order_id}",
                        json={"custom_fields": {"delivery_window": "morning"}})
    assert patched.status_code == 200 and patched.json["state"] == "confirmed"
    listed = api.get("/api/v1/orders?cf.delivery_window=morning").json
    assert [(o["id"], o["custom_fields"]) for o in listed["items"]] == [
        (order_id, {"delivery_window": "morning"})]
    assert api.get("/api/v1/orders?cf.delivery_window=evening").status_code == 400

    schemas = api.get("/api/v1/openapi.json").json["components"]["schemas"]
    order_in = schemas["OrderIn"]
    assert order_in["properties"]["custom_fields"]["properties"]["delivery_window"]["enum"] == [
        "morning", "afternoon"]
    assert "custom_fields" in order_in["required"]
    assert list(schemas["DealOut"]["properties"]["custom_fields"]["properties"]) == [
        "channel", "budget_approved"]
    assert list(schemas["ClientIn"]["properties"]["custom_fields"]["properties"]) == ["segment"]
    assert schemas["ClientContactIn"]["properties"]["custom_fields"]["required"] == ["role"]


def test_orders_pages(site):
    browser = site.client(login="admin")
    form = {"client": kit.CLUB, "order_date": "2024-05-01", "due_date": "", "deal": "",
            "warehouse": "", "notes": "", "lines.0.item": "KIT", "lines.0.qty": "1",
            "lines.0.price": "", "lines.0.discount": "", "lines.0.tax_rate": ""}
    assert 'name="custom_fields.delivery_window"' in browser.get("/orders/new").get_data(
        as_text=True)
    refused = browser.post("/orders/new", data=form)
    assert refused.status_code == 422
    assert "A value is required (Delivery window)" in text(refused)
    created = browser.post("/orders/new", data={**form,
                                                "custom_fields.delivery_window": "morning"})
    assert created.status_code == 303
    assert "Delivery window morning" in text(browser.get(created.headers["Location"]))
    edit = browser.get(created.headers["Location"] + "/edit").get_data(as_text=True)
    assert '<option value="morning" selected>' in edit

    assert "SO-00001" in text(browser.get("/orders/?cf.delivery_window=morning"))
    assert "SO-00001" not in text(browser.get("/orders/?cf.delivery_window=afternoon"))
    export = browser.get("/orders/?cf.delivery_window=morning&format=csv")
    assert [(r["number"], r["cf.delivery_window"]) for r in
            rows(export.get_data(as_text=True))] == [("SO-00001", "morning")]


def test_deals(site, api):
    client_id = ok(site, f"party show '{kit.CLUB}' --json")["party"]["id"]
    created = api.post("/api/v1/deals", json={
        "client_id": client_id, "title": "Robots for the club",
        "custom_fields": {"channel": "fair", "budget_approved": True}})
    assert created.status_code == 201, created.json
    deal_id = created.json["id"]
    ok(site, f"deal add 'Kits' --client {client_id} --field channel=web")
    assert [d["title"] for d in api.get("/api/v1/deals?cf.budget_approved=true").json[
        "items"]] == ["Robots for the club"]
    assert [d["title"] for d in ok(site, "deal list --field channel=web --json")["deals"]] == [
        "Kits"]
    exported = rows(ok(site, "deal list --csv"))
    assert {(r["title"], r["cf.channel"], r["cf.budget_approved"]) for r in exported} == {
        ("Robots for the club", "fair", "true"), ("Kits", "web", "")}

    browser = site.client(login="admin")
    page = text(browser.get(f"/crm/deals/{deal_id}"))
    assert "Channel fair" in page and "Budget approved yes" in page
    edit = browser.get(f"/crm/deals/{deal_id}/edit").get_data(as_text=True)
    assert 'value="fair"' in edit and '<option value="yes" selected>' in edit
    saved = browser.post(f"/crm/deals/{deal_id}/edit", data={
        "client": str(client_id), "title": "Robots for the club", "amount": "0.00",
        "expected_close": "", "probability": "10", "source": "", "manager": "",
        "contact": "", "notes": "", "custom_fields.channel": "phone",
        "custom_fields.budget_approved": ""})
    assert saved.status_code == 303
    assert api.get(f"/api/v1/deals/{deal_id}").json["custom_fields"] == {"channel": "phone"}
    assert "Robots for the club" in text(browser.get("/crm/deals/?cf.channel=phone"))
    assert "Robots for the club" not in text(browser.get("/crm/deals/?cf.channel=web"))


def test_clients_and_contacts_in_crm(site, api):
    refused = api.post("/api/v1/clients", json={
        "name": "Harbour Academy", "custom_fields": {"segment": "school"},
        "contacts": [{"name": "Laura Mills"}]})
    assert refused.status_code == 400
    assert refused.json["error"]["field"] == "contacts.0.custom_fields.role"
    assert refused.json["error"]["message"] == ("contacts.0.custom_fields.role: a value is "
                                                "required (Role)")
    created = api.post("/api/v1/clients", json={
        "name": "Harbour Academy", "custom_fields": {"segment": "school"},
        "contacts": [{"name": "Laura Mills", "custom_fields": {"role": "head of science"}}]})
    assert created.status_code == 201, created.json
    assert created.json["custom_fields"] == {"segment": "school"}
    assert created.json["contacts"][0]["custom_fields"] == {"role": "head of science"}
    client_id = created.json["id"]
    contacts = api.get("/api/v1/contacts?cf.role=head of science").json["items"]
    assert [c["name"] for c in contacts] == ["Laura Mills"]
    assert [c["name"] for c in api.get("/api/v1/clients?cf.segment=school").json["items"]] == [
        "Harbour Academy"]

    browser = site.client(login="admin")
    refused = browser.post(f"/crm/clients/{client_id}/contacts/new",
                           data={"name": "Tom Hart", "position": "", "phone": "", "email": "",
                                 "channels": "", "notes": "", "custom_fields.role": ""})
    assert refused.status_code == 422 and "A value is required (Role)" in text(refused)
    browser.post(f"/crm/clients/{client_id}/contacts/new",
                 data={"name": "Tom Hart", "position": "", "phone": "", "email": "",
                       "channels": "", "notes": "", "custom_fields.role": "lab technician"})
    card = text(browser.get(f"/crm/clients/{client_id}"))
    assert "Segment school" in card
    assert "Role head of science" in card and "Role lab technician" in card
    edit = browser.get(f"/crm/clients/{client_id}/edit").get_data(as_text=True)
    assert 'name="custom_fields.segment" value="school"' in edit
    listed = text(browser.get("/crm/clients/?cf.segment=school"))
    assert "Harbour Academy" in listed and kit.CLUB not in listed
    export = browser.get("/crm/clients/?cf.segment=school&format=csv")
    assert [(r["name"], r["cf.segment"], r["open_deals"]) for r in
            rows(export.get_data(as_text=True))] == [("Harbour Academy", "school", "0")]


def test_a_disabled_plugins_entity_and_fields_go_away(site):
    ok(site, f"order add --client '{kit.CLUB}' --line KIT:1 --field delivery_window=morning")
    ok(site, "plugins disable sales")
    assert {f["entity"] for f in ok(site, "field list --json")["fields"]} == {
        "deal", "contact", "client"}
    refused = site.cli("field add order gate --type text")
    assert refused.exit_code == 2
    assert refused.stderr.strip() == ("error: entity: 'order' has no custom fields (entities: "
                                      "client, contact, deal, item)")
    ok(site, "plugins enable sales")
    assert ok(site, "order show 1 --json")["order"]["custom_fields"] == {
        "delivery_window": "morning"}
