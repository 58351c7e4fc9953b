"""crm's JSON API: clients (with the duplicate check), contacts, interactions and deals —
create, read, update, list with filters and pagination, the deal's workflow routes, and
4xx answers that name the field; all of it in /api/v1/openapi.json."""

from __future__ import annotations

import pytest

import crm_kit as kit


@pytest.fixture
def api(make_site):
    site = kit.build(make_site)
    client = site.client()
    headers = {"Authorization": f"Bearer {site.token('maria')}"}

    class Api:
        def __init__(self):
            self.site = site

        def get(self, url, status=200):
            response = client.get(url, headers=headers)
            assert response.status_code == status, response.get_data(as_text=True)
            return response.get_json()

        def send(self, method, url, body, status):
            response = client.open(url, method=method, json=body, headers=headers)
            assert response.status_code == status, response.get_data(as_text=True)
            return response.get_json()

        def post(self, url, body, status=201):
            return self.send("POST", url, body, status)

        def patch(self, url, body, status=200):
            return self.send("PATCH", url, body, status)

    return Api()


def test_clients_create_read_update_and_list_with_filters(api):
    created = api.post("/api/v1/clients", {
        "name": "Nova Robotics Club", "tags": ["club"], "source": "web", "manager": "tom",
        "phone": "+44 29 2018 0000",
        "contacts": [{"name": "Owen Davies", "email": "owen@nova.example",
                      "channels": [{"kind": "telegram", "value": "@owen"}]}],
        "legal_entities": [{"name": "Nova Club Ltd", "tax_id": "5500000001"}]})
    assert created["kind"] == "client" and created["manager"] == "tom"
    assert created["contacts"][0]["channels"] == [{"kind": "telegram", "value": "@owen"}]
    assert created["legal_entities"][0]["name"] == "Nova Club Ltd"
    assert (created["open_deals"], created["open_amount"], created["deals"]) == (0, "0.00", [])
    client_id = created["id"]
    changed = api.patch(f"/api/v1/clients/{client_id}", {"tags": ["club", "school"],
                                                         "address": "1 Bay Street"})
    assert changed["tags"] == ["club", "school"] and changed["address"] == "1 Bay Street"
    assert api.get(f"/api/v1/clients/{client_id}")["name"] == "Nova Robotics Club"

    everyone = api.get("/api/v1/clients?limit=2")
    assert (everyone["total"], everyone["limit"], len(everyone["items"])) == (4, 2, 2)
    assert [c["name"] for c in api.get("/api/v1/clients?limit=2&offset=2")["items"]] == [
        "Future Engineers School", "Nova Robotics Club"]
    schools = api.get("/api/v1/clients?tag=school&tag=club")
    assert [c["name"] for c in schools["items"]] == ["Nova Robotics Club"]
    assert [c["name"] for c in api.get("/api/v1/clients?source=exhibition&manager=maria")[
        "items"]] == ["Atlas Automation", "Future Engineers School"]
    assert [c["name"] for c in api.get("/api/v1/clients?q=owen")["items"]] == [
        "Nova Robotics Club"]
    with api.site.session() as session:
        from ordercraft.plugins.crm.groups import create_group

        group = create_group(session, "Schools", ["tag = school"])
    assert api.get(f"/api/v1/clients?group={group.id}")["total"] == 3
    assert api.get("/api/v1/clients?group=Schools")["total"] == 3
    assert api.get("/api/v1/clients?group=Nope", status=404)["error"]["field"] == "group"
    api.get("/api/v1/clients/9999", status=404)


def test_a_possible_duplicate_answers_409_with_the_matches_unless_confirmed(api):
    body = {"name": "Future Engineers Annex", "email": "OFFICE@future.example",
            "contacts": [{"name": "Olivia", "phone": "07700 900123"}]}
    error = api.post("/api/v1/clients", body, status=409)["error"]
    assert (error["code"], error["field"]) == ("possible_duplicate", "email")
    assert {(m["field"], m["party_name"]) for m in error["details"]["matches"]} == {
        ("email", "Future Engineers School"), ("phone", "Future Engineers School")}
    assert api.get("/api/v1/clients")["total"] == 3  # nothing saved
    created = api.post("/api/v1/clients", {**body, "confirm_duplicate": True})
    assert created["contacts"][0]["phone"] == "07700 900123"
    same_name = api.post("/api/v1/clients", {"name": "future engineers school"}, status=409)
    assert same_name["error"]["code"] == "duplicate"
    taken = api.patch(f"/api/v1/clients/{created['id']}", {"phone": "+44 20 7946 0100"},
                      status=409)
    assert taken["error"]["details"]["matches"][0]["party_name"] == "Bright Minds Academy"


@pytest.mark.parametrize("url, body, field", [
    ("/api/v1/clients", {"name": ""}, "name"),
    ("/api/v1/clients", {"name": "X", "email": "not-an-email"}, "email"),
    ("/api/v1/clients", {"name": "X", "kind": "supplier"}, "kind"),
    ("/api/v1/clients", {"name": "X", "colour": "red"}, "colour"),
    ("/api/v1/clients", {"name": "X", "contacts": [{"name": "A", "phone": "abc"}]},
     "contacts.0.phone"),
    ("/api/v1/deals", {"client_id": 1, "title": "X", "amount": "1.001"}, "amount"),
    ("/api/v1/deals", {"client_id": 1, "title": "X", "probability": 120}, "probability"),
    ("/api/v1/deals", {"client_id": 1, "title": "X", "amount": "lots"}, "amount"),
    ("/api/v1/interactions", {"client_id": 1, "kind": "fax", "subject": "x"}, "kind"),
    ("/api/v1/interactions", {"client_id": 1, "kind": "sms", "subject": "x",
                              "next_step": "Call", "next_step_due": "2001-01-01T10:00"},
     "next_step_due"),
    ("/api/v1/contacts", {"client_id": 1, "name": "A", "channels": [{"kind": "x y",
                                                                     "value": "1"}]},
     "channels"),
])
def test_invalid_input_answers_400_naming_the_field(api, url, body, field):
    error = api.post(url, body, status=400)["error"]
    assert error["field"] == field, error


def test_contacts_of_clients(api):
    added = api.post("/api/v1/contacts", {"client_id": 2, "name": "Mark Thompson",
                                          "phone": "+44 113 496 0000",
                                          "channels": [{"kind": "mobile",
                                                        "value": "+44 7700 900555"}]})
    assert added["party_id"] == 2
    changed = api.patch(f"/api/v1/contacts/{added['id']}", {"position": "Lab manager"})
    assert changed["position"] == "Lab manager"
    assert api.get(f"/api/v1/contacts/{added['id']}")["name"] == "Mark Thompson"
    assert [c["name"] for c in api.get("/api/v1/contacts?client=2")["items"]] == [
        "Hannah Lee", "Mark Thompson"]
    assert [c["name"] for c in api.get("/api/v1/contacts?q=olivia")["items"]] == [
        "Olivia Grant"]
    assert api.get("/api/v1/contacts?client=99", status=404)["error"]["field"] == "client"
    with api.site.session() as session:
        from ordercraft.core.services.parties import add_contact, create_party

        supplier = create_party(session, "Parts Ltd", kind="supplier")
        hidden = add_contact(session, supplier.id, name="Not A Client Contact").id
    api.get(f"/api/v1/contacts/{hidden}", status=404)


def test_interactions_create_read_update_and_list(api):
    deal = api.post("/api/v1/deals", {"client_id": 1, "title": "Robots", "amount": "100"})
    logged = api.post("/api/v1/interactions", {
        "client_id": 1, "kind": "outgoing_call", "subject": "Price list", "contact_id": 1,
        "deal_id": deal["id"], "next_step": "Send the offer",
        "next_step_due": "2099-03-01T10:00:00+01:00"})
    assert logged["manager"] == "maria" and logged["contact"] == "Olivia Grant"
    assert logged["next_step_due"] == "2099-03-01T09:00:00Z" and logged["task_id"]
    fixed = api.patch(f"/api/v1/interactions/{logged['id']}", {"outcome": "Wants 10",
                                                               "kind": "meeting"})
    assert (fixed["outcome"], fixed["kind"]) == ("Wants 10", "meeting")
    api.post("/api/v1/interactions", {"client_id": 2, "kind": "email", "subject": "Catalogue",
                                      "at": "2024-03-01T09:00:00"})
    assert [i["subject"] for i in api.get("/api/v1/interactions")["items"]] == [
        "Price list", "Catalogue"]
    assert [i["subject"] for i in api.get("/api/v1/interactions?to=2024-03-01")["items"]] == [
        "Catalogue"]
    assert [i["subject"] for i in api.get(f"/api/v1/interactions?deal={deal['id']}")[
        "items"]] == ["Price list"]
    assert api.get("/api/v1/interactions?kind=email&client=2")["total"] == 1
    assert api.get(f"/api/v1/interactions/{logged['id']}")["task_id"] == logged["task_id"]
    assert api.get("/api/v1/interactions?from=2024-02-30", status=400)["error"][
        "field"] == "from"
    api.get("/api/v1/interactions/424242", status=404)
    timeline = api.get("/api/v1/clients/1/timeline?limit=5")
    assert timeline["total"] > 5 and timeline["items"][0]["at"] >= timeline["items"][1]["at"]
    assert {"interaction", "deal", "audit", "event"} >= {e["source"] for e in
                                                          timeline["items"]}


def test_deals_create_read_update_list_and_move_through_transitions(api):
    created = api.post("/api/v1/deals", {"client_id": 1, "title": "Classroom robots",
                                         "amount": "14500.5", "expected_close": "2030-06-30",
                                         "contact_id": 1})
    assert created["state"] == "lead" and created["amount"] == "14500.50"
    assert (created["probability"], created["weighted_amount"]) == (10, "1450.05")
    deal_id = created["id"]
    api.post("/api/v1/deals", {"client_id": 2, "title": "Kits", "amount": "320"})
    api.post("/api/v1/deals", {"client_id": 3, "title": "Arms", "amount": "50"})
    changed = api.patch(f"/api/v1/deals/{deal_id}", {"amount": "15000", "probability": 15,
                                                     "expected_close": None})
    assert (changed["amount"], changed["probability"], changed["expected_close"]) == (
        "15000.00", 15, None)
    assert api.patch(f"/api/v1/deals/{deal_id}", {"state": "won"}, status=400)["error"][
        "field"] == "state"

    options = api.get(f"/api/v1/deals/{deal_id}/transitions")
    assert options["state"] == "lead"
    assert [t["name"] for t in options["transitions"]] == ["qualify", "lose"]
    moved = api.post(f"/api/v1/deals/{deal_id}/transitions/qualify", {}, status=200)
    assert (moved["source"], moved["target"]) == ("lead", "qualified")
    assert api.get(f"/api/v1/deals/{deal_id}")["probability"] == 25
    refused = api.post(f"/api/v1/deals/{deal_id}/transitions/win", {}, status=409)["error"]
    assert refused["code"] == "transition_not_allowed"
    assert refused["details"]["allowed"] == ["propose", "lose"]
    no_reason = api.post(f"/api/v1/deals/{deal_id}/transitions/lose", {}, status=400)
    assert no_reason["error"]["field"] == "reason"
    api.post(f"/api/v1/deals/{deal_id}/transitions/lose", {"reason": "Chose a rival"},
             status=200)
    lost = api.get(f"/api/v1/deals/{deal_id}")
    assert (lost["state"], lost["lost_reason"], lost["probability"]) == (
        "lost", "Chose a rival", 0)
    api.post("/api/v1/deals/99/transitions/qualify", {}, status=404)
    entries = api.get(f"/api/v1/deals/{deal_id}/timeline")["items"]
    assert [e["kind"] for e in entries if e["kind"] == "transition"] == ["transition"] * 2

    assert [d["title"] for d in api.get("/api/v1/deals?state=lead&sort=amount")["items"]] == [
        "Kits", "Arms"]
    assert api.get("/api/v1/deals?state=lost&state=lead")["total"] == 3
    assert [d["title"] for d in api.get("/api/v1/deals?open=true&manager=maria")["items"]] == [
        "Arms"]
    page = api.get("/api/v1/deals?limit=1&offset=1&sort=amount")
    assert (page["total"], [d["title"] for d in page["items"]]) == (3, ["Kits"])
    assert [d["title"] for d in api.get("/api/v1/deals?client=2")["items"]] == ["Kits"]
    assert api.get("/api/v1/deals?state=signed", status=400)["error"]["field"] == "state.0"
    assert api.get("/api/v1/deals?manager=ghost", status=404)["error"]["field"] == "manager"


def test_the_api_needs_a_token_and_the_permission(make_site):
    site = kit.build(make_site)
    client = site.client()
    assert client.get("/api/v1/deals").status_code == 401
    headers = {"Authorization": f"Bearer {site.token('sam')}"}
    response = client.post("/api/v1/deals", json={"client_id": 1, "title": "x"},
                           headers=headers)
    assert response.status_code == 403


def test_openapi_documents_the_crm_routes_as_they_are(api):
    from openapi_spec_validator import validate

    document = api.get("/api/v1/openapi.json")
    validate(document)
    paths = document["paths"]
    for path in ("/api/v1/clients", "/api/v1/clients/{client_id}",
                 "/api/v1/clients/{client_id}/timeline", "/api/v1/contacts",
                 "/api/v1/contacts/{contact_id}", "/api/v1/interactions",
                 "/api/v1/interactions/{interaction_id}", "/api/v1/deals",
                 "/api/v1/deals/{deal_id}", "/api/v1/deals/{document_id}/transitions",
                 "/api/v1/deals/{document_id}/transitions/{name}",
                 "/api/v1/deals/{document_id}/timeline"):
        assert path in paths, path
    assert set(paths["/api/v1/clients"]) == {"get", "post"}
    assert set(paths["/api/v1/deals/{deal_id}"]) == {"get", "patch"}
    post_client = paths["/api/v1/clients"]["post"]
    assert "409" in post_client["responses"] and "possible_duplicate" in post_client[
        "responses"]["409"]["description"]
    parameters = {p["name"]: p for p in paths["/api/v1/deals"]["get"]["parameters"]}
    assert parameters["state"]["schema"]["type"] == "array"
    assert parameters["state"]["schema"]["items"]["enum"] == [
        "lead", "qualified", "proposal", "negotiation", "won", "lost"]
    interaction_parameters = {p["name"] for p in
                              paths["/api/v1/interactions"]["get"]["parameters"]}
    assert {"from", "to", "client", "deal", "manager", "kind"} <= interaction_parameters
