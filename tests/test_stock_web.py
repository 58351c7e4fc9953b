"""Stock pages (warehouses, a warehouse's stock, an item's history, the receipt, issue,
transfer, write-off and count forms) and the JSON API under /api/v1/stock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordercraft.core.models import Item, Warehouse
from ordercraft.sdk import stock


@pytest.fixture
def shop(site):
    with site.session() as session:
        session.add_all([Item(sku="BOLT-M8", name="Bolt M8", valuation="fifo"),
                         Item(sku="OIL", name="Machine oil", valuation="average", unit="l",
                              unit_precision=3),
                         Warehouse(code="MAIN", name="Main store"),
                         Warehouse(code="SIDE", name="Workshop")])
        stock.receive(session, "BOLT-M8", "MAIN", 100, "0.50", date="2024-03-01", ref="PO-1")
        stock.receive(session, "BOLT-M8", "MAIN", 50, "0.60", date="2024-03-02")
        stock.issue(session, "BOLT-M8", "MAIN", 120, date="2024-03-03")
        stock.transfer(session, "BOLT-M8", "MAIN", "SIDE", 10, date="2024-03-04")
        stock.receive(session, "OIL", "SIDE", "2.5", "4.00", date="2024-03-01")
    return site


def _storekeeper(site):
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "kim", roles=["storekeeper"], password="storekeeper-pw")
    return site.client(login="kim", password="storekeeper-pw")


# --------------------------------------------------------------------------- pages


def test_warehouses_page_lists_value_and_items(shop):
    page = shop.client(login="admin").get("/stock/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "MAIN" in text and "Main store" in text
    assert "12.00" in text           # MAIN: 20 x 0.60
    assert "16.00" in text           # SIDE: 10 bolts x 0.60 + 2.5 l of oil x 4.00


def test_a_warehouse_page_shows_balances_available_and_value_paginated(shop):
    client = shop.client(login="admin")
    with shop.session() as session:
        stock.reserve(session, "BOLT-M8", "MAIN", 5, holder="SO-1")
        for n in range(30):
            session.add(Item(sku=f"NUT-{n:02d}", name=f"Nut {n}"))
        session.flush()
        stock.post(session, "receipt", [{"item": f"NUT-{n:02d}", "warehouse": "MAIN",
                                         "qty": 1, "unit_cost": "0.10"} for n in range(30)])
    text = client.get("/stock/warehouses/MAIN").get_data(as_text=True)
    assert "BOLT-M8" in text and "1–25 of 31" in text
    row = text[text.index("BOLT-M8"):text.index("</tr>", text.index("BOLT-M8"))]
    assert ">20 pc<" in row and ">5<" in row and ">15<" in row and ">€12.00<" in row
    second = client.get("/stock/warehouses/MAIN?offset=25").get_data(as_text=True)
    assert "26–31 of 31" in second and "BOLT-M8" not in second
    found = client.get("/stock/warehouses/MAIN?q=bolt").get_data(as_text=True)
    assert "BOLT-M8" in found and "NUT-01" not in found
    assert client.get("/stock/warehouses/NOWHERE").status_code == 404


def test_an_items_page_shows_its_movements_with_the_running_balance(shop):
    text = shop.client(login="admin").get("/stock/items/BOLT-M8").get_data(as_text=True)
    rows = text[text.index("<h2>Movements"):]
    # Newest first: the transfer's two halves, the issue, the receipts.
    assert rows.index("Mar 4, 2024") < rows.index("Mar 3, 2024") < rows.index("Mar 1, 2024")
    issue = rows[rows.index("Mar 3, 2024"):rows.index("</tr>", rows.index("Mar 3, 2024"))]
    assert "-120" in issue and "-€62.00" in issue and ">30<" in issue and ">€18.00<" in issue
    only_side = shop.client(login="admin").get("/stock/items/BOLT-M8?warehouse=SIDE")
    assert "Mar 3, 2024" not in only_side.get_data(as_text=True).split("<h2>Movements")[1]


def test_receipt_form_posts_and_goes_to_the_items_page(shop):
    client = _storekeeper(shop)
    form = client.get("/stock/receive?item=OIL")
    assert form.status_code == 200 and 'value="OIL"' in form.get_data(as_text=True)
    response = client.post("/stock/receive", data={
        "item": "OIL", "warehouse": "SIDE", "qty": "1.5", "unit_cost": "6.00",
        "date": "2024-03-05", "ref": "DN-9", "note": "top-up"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/stock/items/OIL")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Received 1.500 l of OIL in SIDE, value 9.00" in page
    with shop.session() as session:
        assert stock.balance(session, "OIL", "SIDE").value == Decimal("19.0000")


def test_transfer_write_off_and_count_forms(shop):
    client = _storekeeper(shop)

    def post(action, **data):
        response = client.post(f"/stock/{action}", data=data)
        if response.status_code != 303:
            return response.status_code, response.get_data(as_text=True)
        return 303, client.get(response.headers["Location"]).get_data(as_text=True)

    form = client.get("/stock/transfer?item=BOLT-M8&warehouse=MAIN").get_data(as_text=True)
    assert 'id="f-to"' in form and '<option value="MAIN" selected>' in form
    status, page = post("transfer", item="BOLT-M8", warehouse="MAIN", to="SIDE", qty="5")
    assert status == 303 and "Moved 5 pc of BOLT-M8 from MAIN to SIDE, value 3.00" in page
    status, page = post("transfer", item="BOLT-M8", warehouse="MAIN", to="MAIN", qty="1")
    assert status == 422 and "two different warehouses" in page[page.index('id="e-to"'):]

    status, page = post("write-off", item="OIL", warehouse="SIDE", qty="2", note="spilt")
    assert status == 303 and "Wrote off 2.000 l of OIL in SIDE, value 8.00" in page

    status, page = post("count", item="BOLT-M8", warehouse="MAIN", qty="15")
    assert status == 303 and "as in the books, nothing to post" in page
    status, page = post("count", item="BOLT-M8", warehouse="MAIN", qty="13")
    assert status == 303 and "(15 in the books): loss of 2 pc, value 1.20" in page
    status, page = post("count", item="BOLT-M8", warehouse="MAIN", qty="14", unit_cost="x")
    assert status == 422 and "is not a number" in page[page.index('id="e-unit_cost"'):]
    with shop.session() as session:
        assert stock.balance(session, "BOLT-M8", "MAIN").qty == 13
        assert stock.balance(session, "BOLT-M8", "SIDE").qty == 15
        assert stock.balance(session, "OIL", "SIDE").qty == Decimal("0.5")
        assert stock.verify(session).ok


def test_forms_show_errors_next_to_the_field_and_keep_the_input(shop):
    client = _storekeeper(shop)
    response = client.post("/stock/issue", data={"item": "BOLT-M8", "warehouse": "MAIN",
                                                 "qty": "25", "date": "", "ref": "SO-4"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    error = text[text.index('id="e-qty"'):text.index("</div>", text.index('id="e-qty"'))]
    assert "requested 25 pc, available 20 pc" in error
    assert 'value="25"' in text and 'value="SO-4"' in text
    assert '<option value="MAIN" selected>' in text
    cases = [({"item": "NOPE", "warehouse": "MAIN", "qty": "1", "unit_cost": "1"}, "item",
              "does not exist"),
             ({"item": "OIL", "warehouse": "MAIN", "qty": "1.0001", "unit_cost": "1"}, "qty",
              "3 decimal places"),
             ({"item": "OIL", "warehouse": "MAIN", "qty": "1", "unit_cost": "abc"}, "unit_cost",
              "is not a number"),
             ({"item": "OIL", "warehouse": "MAIN", "qty": "1", "unit_cost": "1",
               "date": "yesterday"}, "date", "is not a date")]
    for data, field, message in cases:
        response = client.post("/stock/receive", data=data)
        assert response.status_code == 422, data
        text = response.get_data(as_text=True)
        assert f'id="e-{field}"' in text, (field, text[:0])
        error = text[text.index(f'id="e-{field}"'):]
        assert message in error[:error.index("</div>")], (field, message)
    with shop.session() as session:   # nothing of the refused postings was saved
        assert stock.balance(session, "OIL", "MAIN").qty == 0
        assert stock.balance(session, "BOLT-M8", "MAIN").qty == 20


def test_posting_forms_need_the_permission(shop):
    from ordercraft.core.services.users import create_user

    with shop.session() as session:
        create_user(session, "eve", roles=["economist"], password="economist-pw")
    client = shop.client(login="eve", password="economist-pw")
    assert client.get("/stock/").status_code == 200        # reading is allowed
    response = client.post("/stock/receive", data={"item": "OIL", "warehouse": "SIDE",
                                                   "qty": "1", "unit_cost": "1"})
    assert response.status_code == 403  # the page itself needs it, before the form is read
    assert "stock.post" in response.get_data(as_text=True)
    assert shop.app.test_client().get("/stock/").status_code in (302, 303)


# --------------------------------------------------------------------------- API


@pytest.fixture
def api(shop):
    client = shop.app.test_client()
    headers = {"Authorization": f"Bearer {shop.token()}"}

    def call(method, path, **kwargs):
        return getattr(client, method)(path, headers=headers, **kwargs)
    return call


def test_api_balances(api):
    response = api("get", "/api/v1/stock/balances?warehouse=MAIN")
    assert response.status_code == 200
    assert response.json == {"items": [{
        "item": "BOLT-M8", "item_name": "Bolt M8", "warehouse": "MAIN", "unit": "pc",
        "valuation": "fifo", "qty": "20", "reserved": "0", "available": "20",
        "value": "12.0000", "unit_cost": "0.60"}], "total": 1, "limit": 50, "offset": 0}
    everything = api("get", "/api/v1/stock/balances?limit=1&offset=1").json
    assert everything["total"] == 3 and len(everything["items"]) == 1
    assert api("get", "/api/v1/stock/balances?item=NOPE").status_code == 404


def test_api_moves_with_running_balance(api):
    body = api("get", "/api/v1/stock/moves?item=BOLT-M8&warehouse=MAIN").json
    assert [(m["date"], m["qty"], m["value"], m["qty_after"], m["value_after"])
            for m in body["items"]] == [
        ("2024-03-01", "100", "50.0000", "100", "50.0000"),
        ("2024-03-02", "50", "30.0000", "150", "80.0000"),
        ("2024-03-03", "-120", "-62.0000", "30", "18.0000"),
        ("2024-03-04", "-10", "-6.0000", "20", "12.0000")]
    assert api("get", "/api/v1/stock/moves").status_code == 400     # item is required


def test_api_posts_and_cancels_documents(api):
    response = api("post", "/api/v1/stock/documents", json={
        "kind": "transfer", "date": "2024-03-06", "ref": "T-1",
        "lines": [{"item": "BOLT-M8", "warehouse": "MAIN", "to_warehouse": "SIDE",
                   "qty": "5"}]})
    assert response.status_code == 201, response.json
    document = response.json
    assert [(m["warehouse"], m["qty"], m["value"]) for m in document["moves"]] == [
        ("MAIN", "-5", "-3.0000"), ("SIDE", "5", "3.0000")]
    read = api("get", f"/api/v1/stock/documents/{document['id']}").json
    assert read["ref"] == "T-1" and read["status"] == "posted"
    cancelled = api("post", f"/api/v1/stock/documents/{document['id']}/cancel")
    assert cancelled.status_code == 201 and cancelled.json["kind"] == "reversal"
    assert cancelled.json["reversal_of"] == document["id"]
    read = api("get", f"/api/v1/stock/documents/{document['id']}").json
    assert read["status"] == "cancelled" and read["reversed_by"] == cancelled.json["id"]
    assert read["user"] == "admin" and read["posted_at"].endswith("Z")
    assert [m["unit_cost"] for m in read["moves"]] == ["0.60", "0.60"]
    again = api("post", f"/api/v1/stock/documents/{document['id']}/cancel")
    assert again.status_code == 409 and again.json["error"]["code"] == "not_cancellable"
    assert api("get", "/api/v1/stock/documents/999").status_code == 404


def test_api_refusals_are_json_errors(api):
    response = api("post", "/api/v1/stock/documents", json={
        "kind": "issue", "lines": [{"item": "BOLT-M8", "warehouse": "MAIN", "qty": "21"}]})
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "insufficient_stock" and error["field"] == "qty"
    assert "requested 21 pc, available 20 pc" in error["message"]
    response = api("post", "/api/v1/stock/documents", json={
        "kind": "receipt", "lines": [{"item": "OIL", "warehouse": "MAIN", "qty": 1.5,
                                      "unit_cost": "2"}]})
    assert response.status_code == 400 and "as strings" in response.json["error"]["message"]
    response = api("post", "/api/v1/stock/documents", json={"kind": "theft", "lines": []})
    assert response.status_code == 400
    response = api("post", "/api/v1/stock/documents", json={
        "kind": "receipt", "ref": "PO-1",
        "lines": [{"item": "OIL", "warehouse": "MAIN", "qty": "1", "unit_cost": "2"}]})
    assert response.status_code == 409 and response.json["error"]["code"] == "duplicate_ref"


def test_api_routes_are_in_the_openapi_document(shop):
    document = shop.app.test_client().get("/api/v1/openapi.json").json
    for path in ("/api/v1/stock/balances", "/api/v1/stock/moves", "/api/v1/stock/documents",
                 "/api/v1/stock/documents/{document_id}",
                 "/api/v1/stock/documents/{document_id}/cancel"):
        assert path in document["paths"], path
