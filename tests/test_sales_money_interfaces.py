"""``ordercraft invoice|payment|receivables`` and ``/api/v1/invoices``, ``/payments``,
``/receivables``: the same figures as the services, errors naming the field (exit 2,
422/409), the routes in openapi.json."""

import pytest

import sales_kit as kit


@pytest.fixture
def site(make_site):
    site = kit.build(make_site)
    order_id = kit.order(site, "KIT:3::0:20", order_date="2024-03-04")   # 1152.00
    kit.move(site, order_id, "confirm")
    return site


def ok(site, args):
    result = site.cli(args)
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.json()


def test_cli_schedule_invoice_pay_and_receivables(site, tmp_path):
    schedule = ok(site, "order schedule SO-00001 --milestone Prepayment:25%:before_production "
                        "--milestone Rest:864.00:shipment --json")
    assert [(m["label"], m["amount"]) for m in schedule["milestones"]] == [
        ("Prepayment", "288.00"), ("Rest", "864.00")]
    invoice = ok(site, "invoice add --order SO-00001 --milestone 1 --date 2024-03-05 --json")
    assert (invoice["invoice"]["number"], invoice["invoice"]["total"],
            invoice["invoice"]["tax_total"]) == ("INV-00001", "288.00", "48.00")
    refused = site.cli(["payment", "add", "--client", kit.SCHOOL, "--amount", "300",
                        "--invoice", "INV-00001:288.01", "--json"])
    assert refused.exit_code == 2
    assert refused.json()["error"]["field"] == "allocations.0.amount"
    paid = ok(site, ["payment", "add", "--client", kit.SCHOOL, "--amount", "300.00",
                     "--date", "2024-03-06", "--invoice", "INV-00001", "--json"])
    assert (paid["payment"]["number"], paid["payment"]["unallocated"]) == ("PAY-00001", "12.00")
    assert ok(site, "invoice show INV-00001 --json")["invoice"]["state"] == "paid"
    report = ok(site, "receivables --as-of 2024-03-06 --json")
    assert (report["total"], report["credit"], report["balance"]) == ("0.00", "12.00", "-12.00")
    statement = tmp_path / "bank.csv"
    statement.write_text("date,amount,payer,reference\n2024-03-07,5.00,x,none\n")
    imported = ok(site, f"payment import {statement} --json")
    assert (imported["matched"], imported["applied"]) == (0, False)
    missing = site.cli("invoice show INV-09999 --json")
    assert missing.exit_code == 2 and missing.json()["error"]["field"] == "invoice"


def test_api_invoices_payments_receivables(site):
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    put = client.put("/api/v1/orders/1/payment-schedule", headers=headers, json={
        "milestones": [{"label": "All", "percent": "100", "trigger": "acceptance"}]})
    assert put.status_code == 200, put.json
    created = client.post("/api/v1/invoices", headers=headers,
                          json={"order": "SO-00001", "milestone": 1, "date": "2024-03-05"})
    assert created.status_code == 201, created.json
    assert (created.json["total"], created.json["open"]) == ("1152.00", "1152.00")
    invoice_id = created.json["id"]
    too_much = client.post("/api/v1/payments", headers=headers, json={
        "client": kit.SCHOOL, "amount": "2000.00",
        "allocations": [{"invoice": invoice_id, "amount": "1152.01"}]})
    assert too_much.status_code == 400
    assert too_much.json["error"]["field"] == "allocations.0.amount"
    payment = client.post("/api/v1/payments", headers=headers, json={
        "client": kit.SCHOOL, "amount": "1000.00", "date": "2024-03-06",
        "allocations": [{"invoice": "INV-00001"}]})
    assert payment.status_code == 201, payment.json
    assert client.get(f"/api/v1/invoices/{invoice_id}", headers=headers).json["state"] == \
        "partially_paid"
    aging = client.get("/api/v1/receivables?as_of=2024-04-01", headers=headers).json
    assert aging["buckets"]["1-30"] == "152.00" and aging["total"] == "152.00"
    cancel = client.post(f"/api/v1/invoices/{invoice_id}/transitions/cancel", headers=headers,
                         json={"reason": "wrong"})
    assert cancel.status_code == 409
    listed = client.get("/api/v1/invoices?status=partially_paid", headers=headers).json
    assert [i["number"] for i in listed["items"]] == ["INV-00001"]
    payments = client.get(f"/api/v1/payments?client={kit.SCHOOL}", headers=headers).json
    assert [(p["number"], p["amount"], p["allocations"][0]["invoice"])
            for p in payments["items"]] == [("PAY-00001", "1000.00", "INV-00001")]
    assert client.get("/api/v1/payments?unallocated=true", headers=headers).json["total"] == 0
    nobody = client.get("/api/v1/payments?client=Nobody", headers=headers)
    assert nobody.status_code == 404 and nobody.json["error"]["field"] == "client"
    spec = client.get("/api/v1/openapi.json", headers=headers).json
    for path in ("/api/v1/invoices", "/api/v1/payments", "/api/v1/receivables",
                 "/api/v1/payments/import", "/api/v1/invoices/{document_id}/transitions/{name}"):
        assert path in spec["paths"], path


def test_pages_issue_a_prepayment_and_record_a_payment(site):
    browser = site.client(login="admin")
    ok(site, "order schedule SO-00001 --milestone Prepayment:50%:before_production --json")
    page = browser.get("/orders/1")
    assert page.status_code == 200 and b"Issue prepayment invoice" in page.data
    issued = browser.post("/orders/1/invoices", data={"milestone": "1"})
    assert issued.status_code in (302, 303)
    invoice = browser.get(issued.headers["Location"])
    assert b"INV-00001" in invoice.data and b"576.00" in invoice.data
    refused = browser.post("/invoices/1/payments", data={"amount": "600", "allocate": "576.01"})
    assert refused.status_code == 422 and b"is more than the 576.00 open" in refused.data
    paid = browser.post("/invoices/1/payments", data={"amount": "600.00", "date": "2024-03-06"})
    assert paid.status_code in (302, 303)
    assert ok(site, "invoice show INV-00001 --json")["invoice"]["state"] == "paid"
    aging = browser.get("/receivables/?as_of=2024-03-06")
    assert aging.status_code == 200 and "-€24.00".encode() in aging.data   # 24.00 of credit
    assert browser.get("/invoices/").status_code == 200


def test_print_and_reminder_mail(site, smtp_server):
    from ordercraft.sdk.mail import send_due

    smtp_server.configure(site)
    ok(site, "order schedule SO-00001 --milestone All:100%:acceptance --json")
    ok(site, "invoice add --order SO-00001 --milestone 1 --date 2024-03-05 --json")
    html = site.cli("invoice print INV-00001").output
    assert "Prepayment invoice" in html and "€1,152.00" in html
    early = site.cli("invoice remind INV-00001 --to a@b.example --date 2024-03-19 --json")
    assert early.exit_code == 2 and early.json()["error"]["field"] == "invoice"
    reminded = ok(site, "invoice remind INV-00001 --to o.grant@future-engineers.example "
                        "--date 2024-04-01 --json")
    assert reminded["days_overdue"] == 13
    assert send_due(site.platform)
    [mail] = smtp_server.messages
    assert mail.subject == "Reminder: invoice INV-00001 is 13 days overdue"
    assert mail.attachments[0][0] == "document-INV-00001.pdf"


def test_the_bank_statements_review_screen(site):
    """Upload, review what each row matched, then record the matched payments; a row
    without a match is left for entry by hand, a bad file is refused naming it."""
    import io
    import re

    ok(site, "order schedule SO-00001 --milestone Prepayment:50%:acceptance --json")
    ok(site, "invoice add --order SO-00001 --milestone 1 --date 2024-03-05 --json")  # 576.00
    browser = site.client(login="admin")
    page = browser.get("/payments/import")
    assert page.status_code == 200 and b'id="statement-upload"' in page.data
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    text = ("date,amount,payer,reference\n2024-03-07,576.00,Future Engineers,INV-00001\n"
            "2024-03-07,99.00,Somebody,gift\n2024-03-08,-20.00,Bank,fee\n")
    review = browser.post("/payments/import", content_type="multipart/form-data", data={
        "csrf_token": csrf, "file": (io.BytesIO(text.encode()), "bank.csv")})
    assert review.status_code == 200
    rows = re.findall(rb"<tr class=\"[a-z]*\"><td>(\d+)</td>.*?</tr>", review.data, re.S)
    assert rows == [b"2", b"3"]                      # the bank's fee is not incoming money
    assert b"INV-00001" in review.data and b"no match: enter it by hand" in review.data
    assert ok(site, "invoice show INV-00001 --json")["invoice"]["state"] == "issued"
    applied = browser.post("/payments/import", data={"csrf_token": csrf, "apply": "yes",
                                                     "csv": text})
    assert applied.status_code == 200 and b"1 payment was recorded" in applied.data
    assert ok(site, "invoice show INV-00001 --json")["invoice"]["state"] == "paid"
    bad = browser.post("/payments/import", content_type="multipart/form-data", data={
        "csrf_token": csrf, "file": (io.BytesIO(b"when,how much\n1,2\n"), "bad.csv")})
    assert bad.status_code == 422 and b"the statement has no column" in bad.data
