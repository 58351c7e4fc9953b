"""purchasing's JSON API and pages."""

from __future__ import annotations

from datetime import date

import purchasing_kit as kit
import sales_kit


def test_the_matrix_through_the_api(make_site):
    site = kit.build(make_site, offers=False)
    client = site.client("admin")
    made = client.post("/api/v1/supplier-prices", json={
        "item": "CPU", "supplier": kit.SUPPLIER_B, "price": "41.20", "min_qty": "10",
        "multiple": "5", "lead_time_days": 7, "valid_to": "2027-03-31",
        "breaks": [{"min_qty": "50", "price": "40"}], "attributes": {"brand": "Intel"}})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["breaks"] == [{"min_qty": "50", "price": "40.00"}]
    refused = client.post("/api/v1/supplier-prices", json={
        "item": "CPU", "supplier": kit.SUPPLIER_B, "price": "1", "multiple": "0"})
    assert refused.status_code == 400  # the service's refusal (pydantic's would be 422)
    assert refused.get_json()["error"]["field"] == "multiple"
    best = client.get("/api/v1/supplier-prices/best?item=CPU&qty=12&date=2026-12-07")
    assert best.get_json()["order_qty"] == "15"
    bad = client.post("/api/v1/supplier-prices/import", json={
        "csv": "sku,supplier,price\nCPU,Alpha Components,1\nNOPE,Alpha Components,2\n"})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["details"]["rows"][0]["row"] == 3
    assert client.get("/api/v1/supplier-prices").get_json()["total"] == 1
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/supplier-prices", "/api/v1/purchase-requests",
                 "/api/v1/purchase-orders", "/api/v1/purchase-orders/{order_id}/receipts",
                 "/api/v1/purchase-orders/{document_id}/transitions/{name}"):
        assert path in paths, path


def test_requests_to_orders_to_receipts_through_the_api(make_site):
    site = kit.build(make_site)
    order_id = sales_kit.order(site, "KIT:12", "SENSOR:130", order_date=date(2026, 12, 1))
    sales_kit.move(site, order_id, "confirm")
    client = site.client("admin")
    request = client.post("/api/v1/purchase-requests",
                          json={"route": "shortages", "date": "2026-12-07"})
    assert request.status_code == 201, request.get_json()
    lines = {line["item"]: line for line in request.get_json()["lines"]}
    dropped = client.patch(f"/api/v1/purchase-requests/lines/{lines['KIT']['id']}",
                           json={"drop": True})
    assert dropped.get_json()["status"] == "dropped"
    orders = client.post(f"/api/v1/purchase-requests/{request.get_json()['id']}/orders",
                         json={})
    assert orders.status_code == 201
    [po] = orders.get_json()
    sent = client.post(f"/api/v1/purchase-orders/{po['id']}/send", json={"pdf": False})
    assert sent.get_json()["state"] == "sent"
    received = client.post(f"/api/v1/purchase-orders/{po['id']}/receipts",
                           json={"lines": [{"line": 1, "qty": "50"}], "date": "2026-12-10"})
    assert received.status_code == 201 and received.get_json()["state"] == "received"
    assert kit.balance(site, "SENSOR") == 150  # 100 on hand (reserved) + 50
    other = client.post("/api/v1/purchase-orders", json={
        "supplier": kit.SUPPLIER_B, "lines": [{"item": "CPU", "qty": "10"}]}).get_json()
    cancelled = client.post(f"/api/v1/purchase-orders/{other['id']}/transitions/cancel",
                            json={"reason": "not needed"})
    assert cancelled.status_code == 200, cancelled.get_json()
    refused = client.post(f"/api/v1/purchase-orders/{other['id']}/receipts", json={})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "not_receivable"


def test_the_pages_review_order_and_receive(make_site):
    site = kit.build(make_site)
    order_id = sales_kit.order(site, "SENSOR:130", order_date=date(2026, 12, 1))
    sales_kit.move(site, order_id, "confirm")
    client = site.client("admin")
    for url in ("/purchasing/", "/purchasing/matrix", "/purchasing/requests"):
        assert client.get(url).status_code == 200, url
    assert "Beta Electronics" in client.get("/purchasing/matrix").get_data(as_text=True)
    generated = client.post("/purchasing/requests", data={"route": "shortages"})
    assert generated.status_code == 303
    page = client.get(generated.headers["Location"]).get_data(as_text=True)
    assert "SO-00001 (30)" in page
    request_id = int(generated.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with site.session() as session:
        from ordercraft.plugins.purchasing.requests import get_request

        line = get_request(session, request_id).lines[0]
        line_id = line.id
    done = client.post(f"/purchasing/requests/{request_id}/review",
                       data={f"qty.{line_id}": "100", "order": "1"}, follow_redirects=True)
    assert "Purchase orders PO-00001 were created." in done.get_data(as_text=True)
    client.post("/purchasing/orders/1/send", data={})
    received = client.post("/purchasing/orders/1/receive",
                           data={"qty.1": "100", "extra_cost": "5"}, follow_redirects=True)
    text = received.get_data(as_text=True)
    assert "Receipt GR-00001 was posted." in text and "100 at €2.15" in text
    refused = client.post("/purchasing/orders/1/receive", data={"qty.1": "1"},
                          follow_redirects=True)
    assert "nothing can be received" in refused.get_data(as_text=True)


def test_the_generic_send_transition_mails_and_receipts_reserve_for_the_order(make_site,
                                                                               smtp_server):
    from ordercraft.sdk.mail import send_due

    site = kit.build(make_site)
    smtp_server.configure(site)
    order_id = sales_kit.order(site, "SENSOR:130", order_date=date(2026, 12, 1))
    sales_kit.move(site, order_id, "confirm")  # 100 reserved, 30 to buy
    client = site.client("admin")
    request = client.post("/api/v1/purchase-requests",
                          json={"route": "shortages", "date": "2026-12-07"}).get_json()
    [line] = request["lines"]
    assert line["sources"][0]["ref"].startswith("SO-")
    client.patch(f"/api/v1/purchase-requests/lines/{line['id']}",
                 json={"supplier": kit.SUPPLIER_A})
    [po] = client.post(f"/api/v1/purchase-requests/{request['id']}/orders",
                       json={}).get_json()
    sent = client.post(f"/api/v1/purchase-orders/{po['id']}/transitions/send", json={})
    assert sent.status_code == 200, sent.get_json()
    send_due(site.platform)
    [mail] = smtp_server.messages
    assert mail.recipients == ["sales@alpha.test"]
    assert [name for name, _, _ in mail.attachments] == [f"order-{po['number']}.pdf",
                                                        f"{po['number']}.csv"]
    received = client.post(f"/api/v1/purchase-orders/{po['id']}/receipts",
                           json={"date": "2026-12-10"})
    assert received.status_code == 201, received.get_json()
    [sensor] = sales_kit.lines(site, order_id)
    assert (sensor["reserved"], sensor["to_buy"]) == ("130", "0")


def test_the_item_card_section_shows_offers_best_offer_and_open_orders(make_site):
    from ordercraft.core.services.users import create_user, get_user
    from ordercraft.sdk import items

    site = kit.build(make_site)
    client = site.client("admin")
    made = client.post("/api/v1/purchase-orders", json={
        "supplier": kit.SUPPLIER_B, "lines": [{"item": "CPU", "qty": "12"}]}).get_json()
    hooks = site.platform.hooks

    def sections(session, user, page, obj):
        return [section for name, found in hooks.call_each(
            "page_sections", session=session, user=user, page=page, obj=obj)
            if name == "purchasing" for section in found]

    with site.session() as session:
        cpu = items.get_item(session, "CPU")
        admin = get_user(session, "admin")
        clerk = create_user(session, "clerk", roles=["engineer"], password="secret-password-1")
        [section] = sections(session, admin, "item", cpu)
        assert sections(session, admin, "party", cpu) == []
        assert sections(session, clerk, "item", cpu) == []
    assert section.name == "purchasing-suppliers"
    html = str(section.html)
    assert kit.SUPPLIER_A in html and kit.SUPPLIER_B in html and "not valid today" in html
    assert "Best offer:" in html and "41.20" in html
    assert made["number"] in html and "12" in html
