"""``ordercraft proposal ...``, ``/api/v1/proposals``, the live configurator's page and
fragment, and sending the customer PDF through the outbox to a real SMTP server."""

import json

import pytest

import proposals_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def ok(site, args):
    result = site.cli(args)
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.json()


def test_cli_add_configure_price_send_accept(site, tmp_path):
    added = ok(site, ["proposal", "add", "--client", kit.SCHOOL, "--date", "2024-03-01",
                      "--valid-until", "2099-01-01", "--json"])["proposal"]
    assert (added["number"], added["state"], added["currency"]) == ("TCP-00001", "draft", "EUR")
    refused = site.cli("proposal configure TCP-00001 --template ROBOT-EDU --option processor=a4 "
                       "--option board=l --json")
    assert refused.exit_code == 2
    assert refused.json()["error"]["field"] == "options.board"
    check = ok(site, "proposal configure TCP-00001 --template ROBOT-EDU --option processor=a8 "
                     "--option board=l --option sensors.distance=4 --qty 10 --discount 5 "
                     "--tax 20 --check --json")["configuration"]
    assert (check["ok"], check["net"], check["margin_pct"]) == (True, "7094.60", "32.6")
    body = ok(site, "proposal configure TCP-00001 --template ROBOT-EDU --option processor=a8 "
                    "--option board=l --option sensors.distance=4 --qty 10 --discount 5 "
                    "--tax 20 --json")["proposal"]
    assert body["total"] == "8513.52" and body["groups"][0]["margin"] == "2314.60"
    ok(site, "proposal line TCP-00001 --text 'Training for two teachers included' --json")
    ok(site, "proposal schedule TCP-00001 --milestone Prepayment:30%:before_production "
             "--milestone Rest:70%:days_after:30 --json")
    priced = ok(site, "proposal price TCP-00001 --json")["proposal"]
    assert [m["amount"] for m in priced["milestones"]] == ["2554.06", "5959.46"]
    html = site.cli("proposal print TCP-00001 --form customer").output
    assert "Education robot" in html and "Ports: 16" in html and "2,500.00" not in html
    internal = site.cli("proposal print TCP-00001 --form internal").output
    assert "2,500.00" in internal and "2,314.60" in internal
    assert ok(site, "proposal send TCP-00001 --json")["proposal"]["sent_version"] == 1
    accepted = ok(site, "proposal accept TCP-00001 --json")["proposal"]
    assert (accepted["state"], accepted["order"]) == ("accepted", "SO-00001")
    order = ok(site, "order show SO-00001 --json")["order"]
    assert order["total"] == "8513.52"
    listed = ok(site, "proposal list --status accepted --json")
    assert [p["number"] for p in listed["proposals"]] == ["TCP-00001"]
    definition = tmp_path / "bad.json"
    definition.write_text(json.dumps({"groups": [{"key": "x", "options": []}]}))
    bad = site.cli(["proposal", "template", "add", "BAD", "--name", "Bad", "--definition",
                    str(definition), "--json"])
    assert bad.exit_code == 2 and bad.json()["error"]["field"] == "definition.groups.0"


def test_api_and_the_live_configurator_page(site):
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    created = client.post("/api/v1/proposals", headers=headers, json={
        "client": kit.SCHOOL, "date": "2024-03-01", "valid_until": "2099-01-01"})
    assert created.status_code == 201, created.json
    proposal_id = created.json["id"]
    bad = client.post(f"/api/v1/proposals/{proposal_id}/configurations", headers=headers,
                      json={"template": "ROBOT-EDU",
                            "options": {"processor": "a4", "board": "l"}})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "options.board"
    preview = client.post("/api/v1/proposal-templates/ROBOT-EDU/preview", headers=headers,
                          json={"options": {"processor": "a8", "board": "m"}, "qty": 2})
    assert preview.json["ok"] and preview.json["net"] == "1320.00"
    added = client.post(f"/api/v1/proposals/{proposal_id}/configurations", headers=headers,
                        json={"template": "ROBOT-EDU", "qty": 2,
                              "options": {"processor": "a8", "board": "m"}})
    assert added.status_code == 201, added.json
    line = client.post(f"/api/v1/proposals/{proposal_id}/lines", headers=headers,
                       json={"item": "KIT", "qty": "2", "optional": True})
    assert line.status_code == 201 and line.json["lines"][-1]["chosen"] is False
    ticked = client.patch(f"/api/v1/proposals/{proposal_id}/lines/4", headers=headers,
                          json={"chosen": True})
    assert ticked.json["subtotal"] == "1960.00"
    moves = client.get(f"/api/v1/proposals/{proposal_id}/transitions", headers=headers).json
    assert "send" in [t["name"] for t in moves["transitions"]]
    spec = client.get("/api/v1/openapi.json", headers=headers).json
    assert {"/api/v1/proposals", "/api/v1/proposals/{proposal_id}/configurations",
            "/api/v1/proposal-templates/{code}/preview",
            "/api/v1/proposals/{document_id}/transitions/{name}"} <= set(spec["paths"])

    browser = site.client(login="admin")
    page = browser.get(f"/proposals/{proposal_id}/configure/ROBOT-EDU")
    assert page.status_code == 200 and b"configurator.js" in page.data
    fragment = browser.post(f"/proposals/{proposal_id}/configure/ROBOT-EDU/preview",
                            data={"opt.processor": "a4", "opt.board": "l", "qty": "1",
                                  "csrf_token": _csrf(page.data)})
    assert b"board kind L needs processor A8" in fragment.data
    assert browser.get(f"/proposals/{proposal_id}").status_code == 200


def _csrf(html):
    import re

    found = re.search(rb'name="csrf_token" value="([^"]+)"', html)
    return found.group(1).decode() if found else ""


def test_send_mails_the_customer_pdf_and_records_it(site, smtp_server):
    from ordercraft.sdk.mail import send_due

    smtp_server.configure(site)
    ok(site, ["proposal", "add", "--client", kit.SCHOOL, "--valid-until", "2099-01-01", "--json"])
    ok(site, "proposal line TCP-00001 --item KIT --qty 5 --json")
    sent = ok(site, "proposal send TCP-00001 --to o.grant@future-engineers.example --json")
    assert sent["proposal"]["state"] == "sent"
    assert send_due(site.platform)
    [mail] = smtp_server.messages
    assert mail.recipients == ["o.grant@future-engineers.example"]
    assert "TCP-00001" in mail.subject
    [(name, kind, content)] = mail.attachments
    assert (name, kind, content[:5]) == ("customer-TCP-00001.pdf", "application/pdf", b"%PDF-")
    timeline = ok(site, "proposal timeline 1 --json")
    assert any("mailed to o.grant@future-engineers.example" in json.dumps(event)
               for event in timeline["entries"])


def test_every_way_of_sending_mails_the_customer_pdf(site, smtp_server):
    """The page's one Send button, ``proposal send``, the generic transition from the CLI
    and from the API: each checks the approval, keeps the version, mails the customer PDF
    through the outbox and notes it on the timeline."""
    from ordercraft.sdk.mail import send_due

    smtp_server.configure(site)
    with site.session() as session:
        from ordercraft.plugins.crm.clients import get_client

        get_client(session, kit.SCHOOL).email = "office@future-engineers.example"
    for _ in range(3):
        ok(site, ["proposal", "add", "--client", kit.SCHOOL, "--valid-until", "2099-01-01",
                  "--json"])
    for number in ("TCP-00001", "TCP-00002", "TCP-00003"):
        ok(site, f"proposal line {number} --item KIT --qty 2 --json")
    ok(site, "proposal line TCP-00003 --set 1 --discount 40 --json")

    refused = site.cli("proposal transition 3 send --json")
    assert refused.exit_code == 2 and "needs approval" in refused.json()["error"]["message"]
    moved = ok(site, "proposal transition 1 send --json")
    assert "sent" in json.dumps(moved)
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    api = client.post("/api/v1/proposals/2/transitions/send", headers=headers,
                      json={"data": {"to": "o.grant@future-engineers.example"}})
    assert api.status_code == 200, api.json
    unapproved = client.post("/api/v1/proposals/3/transitions/send", headers=headers,
                             json={})
    assert unapproved.status_code == 409 and "approval" in unapproved.json["error"]["message"]
    ok(site, "proposal transition 3 request_approval --json")
    ok(site, "proposal approve TCP-00003 --json")
    bad = client.post("/api/v1/proposals/3/transitions/send", headers=headers,
                      json={"data": {"to": "not an address"}})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "to"
    assert ok(site, "proposal show 3 --json")["proposal"]["state"] == "approved"

    browser = site.client(login="admin")
    page = browser.get("/proposals/3")
    assert page.data.count(b">Send<") == 1, "one Send button"
    assert b'value="office@future-engineers.example"' in page.data
    sent = browser.post("/proposals/3/send", data={"to": "",
                                                   "csrf_token": _csrf(page.data)})
    assert sent.status_code in (302, 303)
    assert b">Send<" not in browser.get("/proposals/3").data

    assert send_due(site.platform)
    mails = sorted(smtp_server.messages, key=lambda mail: mail.subject)
    assert [(m.recipients, m.attachments[0][0]) for m in mails] == [
        (["office@future-engineers.example"], "customer-TCP-00001.pdf"),
        (["o.grant@future-engineers.example"], "customer-TCP-00002.pdf"),
        (["office@future-engineers.example"], "customer-TCP-00003.pdf")]
    for number in (1, 2, 3):
        body = ok(site, f"proposal show {number} --json")["proposal"]
        assert (body["state"], body["sent_version"]) == ("sent", 1)
        timeline = json.dumps(ok(site, f"proposal timeline {number} --json")["entries"])
        assert "mailed to" in timeline and f"customer-TCP-0000{number}.pdf" in timeline
