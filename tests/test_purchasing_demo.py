"""purchasing's and planning's part of the demo: the suppliers' price lists, a received
purchase order, and the story's order planned with its pegging."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo_site(make_site, monkeypatch):
    from ordercraft.core.demo import SEEDED_SETTING
    from ordercraft.core.models import SiteSetting

    monkeypatch.delenv("ORDERCRAFT_ADMIN_PASSWORD", raising=False)
    site = make_site(plugins=["crm", "sales", "purchasing", "planning"])
    with site.session() as session:
        session.add(SiteSetting(key=SEEDED_SETTING, value="[]"))
    return site


def test_the_demo_buyer_finds_offers_orders_and_a_plan(demo_site):
    first = demo_site.cli("demo --no-serve --json")
    assert first.exit_code == 0, first.output + first.stderr
    assert "plugin:purchasing" in first.json()["seeded"]
    best = demo_site.cli("matrix best CPU-A4 --qty 12 --json").json()["best"]
    assert best["supplier"] == "Siliconix Components"
    assert "ChipCore Electronics is cheaper (59.90) but expired" in best["explanation"]
    [order] = demo_site.cli("po list --json").json()["orders"]
    assert (order["supplier"], order["state"]) == ("BoardWorks Ltd", "received")
    again = demo_site.cli("demo --no-serve --json")
    assert again.exit_code == 0 and demo_site.cli("po list --json").json()["total"] == 1

    plan = demo_site.cli("mrp run --json").json()
    refs = {peg["ref"] for order in plan["planned_orders"] for peg in order["pegging"]}
    assert refs and all(ref.startswith("SO-") for ref in refs if ref)


def test_the_demo_plans_buys_by_email_receives_and_releases_the_production_order(
        make_site, monkeypatch, smtp_server):
    """DESIGN.md step 4 on the demo: the school's robots planned by MRP, the production
    order firmed from the plan, its missing parts requested from the shortages, ordered,
    e-mailed, received, and the production order released; then the same walk by the
    commands, for a further forecast."""
    from ordercraft.core.demo import SEEDED_SETTING
    from ordercraft.core.models import SiteSetting
    from ordercraft.sdk.mail import send_due

    monkeypatch.delenv("ORDERCRAFT_ADMIN_PASSWORD", raising=False)
    site = make_site(plugins=["crm", "sales", "production", "purchasing", "planning"])
    with site.session() as session:
        session.add(SiteSetting(key=SEEDED_SETTING, value="[]"))
    seeded = site.cli("demo --no-serve --json")
    assert seeded.exit_code == 0, seeded.output + seeded.stderr
    released = [o for o in site.cli("production list --json").json()["orders"]
                if o["source"].startswith("MRP run")]
    assert [o["state"] for o in released] == ["released"], released
    bought = [o for o in site.cli("po list --json").json()["orders"]
              if o["number"] != "PO-00001"]
    assert bought and all(o["state"] == "received" and o["sent_to"] for o in bought)
    [request] = site.cli("request list --json").json()["requests"]
    assert request["route"] == "shortages"
    runs = site.cli("mrp show --json").json()
    firmed = [o for o in runs["planned_orders"] if o["firmed_as"] == released[0]["number"]]
    assert firmed and firmed[0]["pegging"][0]["ref"].startswith("forecast")

    # The walk by the commands: a further forecast, planned, firmed, bought, released.
    smtp_server.configure(site)
    send_due(site.platform)
    delivered = {to for mail in smtp_server.messages for to in mail.recipients}
    assert {o["sent_to"] for o in bought} <= delivered
    site.cli("mrp forecast ROBOT-STD --date 2027-03-01 --qty 8 --json")
    plan = site.cli("mrp run --horizon 16w --json").json()
    [robots] = [o for o in plan["planned_orders"] if o["item"] == "ROBOT-STD"
                and any(peg["ref"] == "forecast 2" for peg in o["pegging"])]
    made = site.cli(f"mrp firm {robots['id']} --user admin --json").json()
    number = made["planned_order"]["firmed_as"]
    shortages = site.cli("request generate --route shortages --json").json()["request"]
    serving = [line["id"] for line in shortages["lines"] if line["supplier"]
               and any(source["ref"] == number for source in line["sources"])]
    assert serving, shortages["lines"]
    ids = " ".join(f"--line {line_id}" for line_id in serving)
    orders = site.cli(f"request order {ids} --warehouse PARTS --json").json()["orders"]
    for order in orders:
        sent = site.cli(f"po send {order['number']} --no-pdf --json").json()["order"]
        assert sent["sent_to"]
        assert site.cli(f"po receive {order['number']} --json").json()["order"]["state"] \
            == "received"
    send_due(site.platform)
    assert {o["sent_to"] for o in site.cli("po list --json").json()["orders"]
            if o["number"] in {x["number"] for x in orders}} <= {
        to for mail in smtp_server.messages for to in mail.recipients}
    moved = site.cli(f"production release {number} --user admin --json")
    assert moved.exit_code == 0, moved.output
    shown = site.cli(f"production show {number} --json").json()
    assert (shown.get("order") or shown)["state"] == "released"
