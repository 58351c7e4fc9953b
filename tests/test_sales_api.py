"""``/api/v1/orders``: create, read, update (draft only), list with filters and pages,
transitions, shipments, print forms; 4xx errors name the field; the OpenAPI document
describes what the routes accept; disabling ``sales`` takes its API, pages and commands
away and leaves the rest working."""


import pytest

import sales_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


@pytest.fixture
def api(site):
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}

    class Api:
        def get(self, path, **kw):
            return client.get("/api/v1" + path, headers=headers, **kw)

        def post(self, path, body=None, **kw):
            return client.post("/api/v1" + path, json=body if body is not None else {},
                               headers=headers, **kw)

        def patch(self, path, body, **kw):
            return client.patch("/api/v1" + path, json=body, headers=headers, **kw)

    return Api()


ROBOT_SCHOOL_ORDER = {
    "client": kit.SCHOOL, "order_date": "2024-03-04", "due_date": "2024-04-01",
    "lines": [{"item": "ROBOT-STD", "qty": "10"},
              {"item": "KIT", "qty": 5, "discount": "10", "tax_rate": "20"},
              {"item": "ROBOT-CUSTOM", "qty": "4", "price": "2950.00"}],
}


def test_create_read_and_list(api):
    created = api.post("/orders", ROBOT_SCHOOL_ORDER)
    assert created.status_code == 201, created.json
    body = created.json
    assert (body["number"], body["state"], body["client"], body["legal_entity"]) == (
        "SO-00001", "draft", kit.SCHOOL, "Future Engineers Academy Trust")
    assert [(line["item"], line["qty"], line["price"], line["net"], line["tax"], line["total"])
            for line in body["lines"]] == [
        ("ROBOT-STD", "10", "1450.00", "14500.00", "0.00", "14500.00"),
        ("KIT", "5", "320.00", "1440.00", "288.00", "1728.00"),
        ("ROBOT-CUSTOM", "4", "2950.00", "11800.00", "0.00", "11800.00")]
    assert (body["subtotal"], body["tax_total"], body["total"]) == (
        "27740.00", "288.00", "28028.00")
    assert api.get(f"/orders/{body['id']}").json == body

    api.post("/orders", {"client": kit.CLUB, "order_date": "2024-03-06",
                         "lines": [{"item": "KIT", "qty": "1"}]})
    listed = api.get("/orders").json
    assert (listed["total"], [o["number"] for o in listed["items"]]) == (
        2, ["SO-00002", "SO-00001"])
    assert api.get("/orders?client=" + kit.CLUB).json["total"] == 1
    assert api.get("/orders?date_from=2024-03-05").json["items"][0]["client"] == kit.CLUB
    assert api.get("/orders?limit=1&offset=1").json["items"][0]["number"] == "SO-00001"
    assert api.get("/orders?status=draft&status=confirmed").json["total"] == 2
    assert api.get("/orders?status=paid").json["total"] == 0


def test_update_only_while_draft(api):
    order = api.post("/orders", ROBOT_SCHOOL_ORDER).json
    changed = api.patch(f"/orders/{order['id']}", {"notes": "Room 4",
                                                   "lines": [{"item": "KIT", "qty": "2"}]})
    assert changed.status_code == 200, changed.json
    assert (changed.json["notes"], [line["item"] for line in changed.json["lines"]],
            changed.json["total"]) == ("Room 4", ["KIT"], "640.00")
    assert api.post(f"/orders/{order['id']}/transitions/confirm").status_code == 200
    refused = api.patch(f"/orders/{order['id']}", {"notes": "later"})
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "not_draft"


def test_transitions_shipments_and_cancel(api, site):
    order = api.post("/orders", ROBOT_SCHOOL_ORDER).json
    path = f"/orders/{order['id']}"
    options = api.get(path + "/transitions").json
    assert [(t["name"], t["allowed"]) for t in options["transitions"]] == [
        ("confirm", True), ("cancel", True)]
    confirmed = api.post(path + "/transitions/confirm")
    assert confirmed.json["target"] == "confirmed"
    lines = api.get(path).json["lines"]
    assert [(line["reserved"], line["to_produce"], line["to_buy"]) for line in lines] == [
        ("6", "4", "0"), ("5", "0", "0"), ("0", "4", "0")]

    shipped = api.post(path + "/shipments", {"lines": [{"line": 1, "qty": "4"},
                                                       {"line": 2, "qty": "5"}],
                                             "date": "2024-03-10"})
    assert shipped.status_code == 201, shipped.json
    assert (shipped.json["shipment"]["number"], shipped.json["order"]["state"]) == (
        "SO-00001-1", "partially_shipped")
    assert [s["number"] for s in api.get(path + "/shipments").json] == ["SO-00001-1"]
    assert kit.balance(site, "ROBOT-STD") == ("2", "2")

    too_many = api.post(path + "/shipments", {"lines": [{"line": 2, "qty": "1"}]})
    assert too_many.status_code == 400
    assert too_many.json["error"]["field"] == "lines.0.qty"
    assert "has 0 pc left to ship" in too_many.json["error"]["message"]

    no_reason = api.post(path + "/transitions/cancel")
    assert (no_reason.status_code, no_reason.json["error"]["field"]) == (400, "reason")
    cancelled = api.post(path + "/transitions/cancel", {"reason": "postponed"})
    assert cancelled.json["target"] == "cancelled"
    assert kit.balance(site, "ROBOT-STD") == ("6", "0")
    assert api.get(path + "/shipments").json[0]["status"] == "cancelled"
    timeline = api.get(path + "/timeline").json
    assert [e["data"].get("transition") for e in timeline["items"] if e["kind"] == "transition"] \
        == ["confirm", "ship_part", "cancel"]


def test_illegal_transition_is_409_listing_the_allowed(api):
    order = api.post("/orders", ROBOT_SCHOOL_ORDER).json
    refused = api.post(f"/orders/{order['id']}/transitions/invoice")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "transition_not_allowed"
    assert refused.json["error"]["details"]["allowed"] == ["confirm", "cancel"]


@pytest.mark.parametrize("body,field,status", [
    ({"lines": []}, "client", 400),
    ({"client": kit.SCHOOL, "lines": [{"item": "KIT"}]}, "lines.0.qty", 400),
    ({"client": kit.SCHOOL, "lines": [{"item": "KIT", "qty": "-1"}]}, "lines.0.qty", 400),
    ({"client": kit.SCHOOL, "lines": [{"item": "KIT", "qty": "abc"}]}, "lines.0.qty", 400),
    ({"client": kit.SCHOOL, "lines": [{"item": "KIT", "qty": "1", "discount": "101"}]},
     "lines.0.discount", 400),
    ({"client": kit.SCHOOL, "lines": [{"item": "KIT", "qty": "1.5"}]}, "lines.0.qty", 400),
    ({"client": kit.SCHOOL, "lines": [{"item": "NOPE", "qty": "1"}]}, "lines.0.item", 404),
    ({"client": "Nobody", "lines": []}, "client", 404),
    ({"client": kit.SCHOOL, "colour": "red"}, "colour", 400),
    ({"client": kit.SCHOOL, "order_date": "someday"}, "order_date", 400),
    ({"client": kit.SCHOOL, "deal": 99}, "deal", 404),
])
def test_errors_are_4xx_naming_the_field(api, body, field, status):
    answer = api.post("/orders", body)
    assert answer.status_code == status, answer.json
    assert answer.json["error"]["field"] == field
    assert field.split(".")[-1] in answer.json["error"]["message"]
    assert api.get("/orders").json["total"] == 0


def test_print_forms_as_pdf_and_html(api):
    order = api.post("/orders", ROBOT_SCHOOL_ORDER).json
    forms = api.get(f"/orders/{order['id']}/forms").json
    assert [f["name"] for f in forms] == ["confirmation", "invoice", "delivery_note", "act"]
    pdf = api.get(forms[1]["pdf"].removeprefix("/api/v1"))
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
    assert pdf.data.startswith(b"%PDF")
    html = api.get(f"/orders/{order['id']}/forms/invoice.html")
    assert html.mimetype == "text/html" and b"INV-SO-00001" in html.data
    missing = api.get(f"/orders/{order['id']}/forms/receipt.pdf")
    assert (missing.status_code, missing.json["error"]["field"]) == (404, "form")


def test_suggestions_from_past_orders(api):
    for client, lines in [(kit.SCHOOL, ["KIT", "SENSOR"]), (kit.SCHOOL, ["KIT", "ROBOT-STD"]),
                          (kit.CLUB, ["KIT", "SENSOR"]), (kit.CLUB, ["PAINT"])]:
        api.post("/orders", {"client": client,
                             "lines": [{"item": sku, "qty": "1"} for sku in lines]})
    found = api.get("/orders/suggestions?client=" + kit.CLUB + "&item=KIT").json
    assert [(s["item"], s["orders"]) for s in found["client_favourites"]] == [
        ("PAINT", 1), ("SENSOR", 1)]
    assert [(s["item"], s["orders"]) for s in found["bought_together"]] == [
        ("SENSOR", 2), ("ROBOT-STD", 1)]


def test_openapi_describes_the_order_routes(site):
    client = site.app.test_client()
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert {"/api/v1/orders", "/api/v1/orders/{order_id}",
            "/api/v1/orders/{document_id}/transitions/{name}",
            "/api/v1/orders/{order_id}/shipments",
            "/api/v1/orders/{order_id}/forms/{form}.pdf",
            "/api/v1/orders/suggestions"} <= set(paths)
    pdf = paths["/api/v1/orders/{order_id}/forms/{form}.pdf"]["get"]["responses"]["200"]
    assert pdf["content"] == {"application/pdf": {"schema": {"type": "string",
                                                             "format": "binary"}}}
    body = paths["/api/v1/orders"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("OrderIn")
    from openapi_spec_validator import validate

    validate(document)


def test_disabling_sales_removes_its_pages_api_and_commands_only(site):
    browser = site.client(login="admin")
    assert browser.get("/orders/").status_code == 200
    assert b'href="/orders/"' in browser.get("/").data

    result = site.cli("plugins disable sales --json")
    assert result.exit_code == 0, result.output
    assert browser.get("/orders/").status_code == 404
    token = site.token("admin")
    answer = site.app.test_client().get("/api/v1/orders",
                                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
    paths = site.app.test_client().get("/api/v1/openapi.json").json["paths"]
    assert not [p for p in paths if p.startswith("/api/v1/orders")]
    assert b'href="/orders/"' not in browser.get("/").data
    assert site.cli("order list").exit_code == 2
    # crm and the core work on.
    assert browser.get("/parties/").status_code == 200
    from ordercraft.web.extension import blueprint_plugin

    crm_pages = [r.rule for r in site.app.url_map.iter_rules()
                 if "." in r.endpoint and "<" not in r.rule and "GET" in r.methods
                 and not r.rule.startswith("/api/")
                 and blueprint_plugin(site.app, r.endpoint.rsplit(".", 1)[0]) == "crm"]
    assert crm_pages
    for rule in crm_pages:
        assert browser.get(rule).status_code == 200, rule
    assert site.cli("party list --json").exit_code == 0

    assert site.cli("plugins enable sales --json").exit_code == 0
    assert browser.get("/orders/").status_code == 200
