"""Overhead rates (a work centre's on its operations, an order's on its materials) and
stocked stages (a stage's nodes received into stock, then issued to the final assembly),
with the cost breakdown adding up to the receipt; work centres and maps over the API.
Figures worked by hand from production_kit's stock."""

from decimal import Decimal

import pytest

import production_kit as kit


@pytest.fixture
def site(make_site):
    site = kit.build(make_site)
    kit.cli_json(site, "production centre add SOLD --name Soldering --cost-per-hour 40.00 "
                       "--overhead-pct 50 --json")
    kit.cli_json(site, 'production map add ROBOT-MAP --item ROBOT --stock-stage 1 '
                       '--op "SOLD cycle=30 stage=1 name=Solder_the_nodes" '
                       '--op "ASSY cycle=15 name=Final_assembly" --json')
    kit.cli_json(site, 'bom add ROBOT --line "NODE 1 phantom stage=1" --line "SCREW 10" '
                       '--routing ROBOT-MAP --version 2 --json')
    return site


def balance(site, sku):
    from ordercraft.core.stock import api as stock_api

    with site.session() as session:
        found = stock_api.balance(session, sku, "MAIN")
        return found.qty, found.value


def test_stocked_stage_and_overheads_by_hand(site):
    order = kit.cli_json(site, "production add ROBOT --qty 2 --material-overhead 10 --json")[
        "order"]
    assert order["stocked_stages"] == [1] and order["material_overhead_pct"] == "10"
    # the node is a line of its own; its parts are marked with it (9 screws: 2 x 4.2)
    assert [(c["item"], c["kind"], c["qty"], c["stage"], c["node"])
            for c in order["components"]] == [
        ("NODE", "node", "2", 1, None), ("CPU", "component", "2", 1, "NODE"),
        ("MB", "component", "2", 1, "NODE"), ("SCREW", "component", "9", 1, "NODE"),
        ("CABLE", "component", "1", 1, "NODE"), ("SCREW", "component", "20", 0, None)]
    released = kit.cli_json(site, "production release MO-00001 --json")["order"]
    assert "NODE" not in {row["item"] for row in released["availability"]}
    staged = kit.cli_json(site, "production report MO-00001 --stage 1 --json")["order"]
    # stage 1: CPU 2 x 60.00 + MB 2 x 71.00 + 9 screws 0.90 + 1 m cable 2.00 = 264.90,
    # + 10 % material overhead 26.49; soldering 2 x 30 min = 1 h x 40.00 = 40.00 + 50 %
    # overhead 20.00: the 2 nodes are received at 351.39 (175.695 each)
    assert [(p["purpose"], p["value"]) for p in staged["postings"]
            if p["purpose"] != "reservation"] == [
        ("stage_issue", "264.90"), ("stage_operations", "40.00"), ("node_receipt", "351.39"),
        ("stage_overhead", "46.49")]
    assert balance(site, "NODE") == (2, Decimal("351.39"))
    done = kit.cli_json(site, "production done MO-00001 --json")["order"]
    # nodes issued at 351.39, 20 screws 2.00 + 10 % 0.20, final assembly 2 x 15 min =
    # 0.5 h x 30.00 = 15.00: 368.59
    assert done["actual_cost"] == "368.59"
    assert done["breakdown"] == {"materials": "353.39", "stages": "0.00",
                                 "operations": "15.00", "overhead": "0.20",
                                 "byproducts": "0.00", "total": "368.59",
                                 "received": "368.59"}
    assert balance(site, "NODE") == (0, 0) and balance(site, "ROBOT") == (2, Decimal("368.59"))
    with site.session() as session:
        from ordercraft.core.stock import api as stock_api

        assert stock_api.verify(session).ok


def test_done_reports_a_stocked_stage_first_and_cancel_reverses_it(site):
    kit.cli_json(site, "production add ROBOT --qty 2 --material-overhead 10 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    done = kit.cli_json(site, "production done MO-00001 --json")["order"]
    assert done["actual_cost"] == "368.59"  # as reported stage by stage
    assert [p["purpose"] for p in done["postings"] if p["purpose"] in (
        "node_receipt", "node_issue")] == ["node_receipt", "node_issue"]
    kit.cli_json(site, "production cancel MO-00001 --json")
    assert balance(site, "NODE") == (0, 0) and balance(site, "ROBOT") == (0, 0)
    assert balance(site, "CPU") == (15, Decimal("920.00"))


def test_partial_completion_breakdown_adds_up(site):
    kit.cli_json(site, "production add ROBOT --qty 3 --material-overhead 7.5 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    kit.cli_json(site, "production report MO-00001 --stage 1 --json")
    part = kit.cli_json(site, "production done MO-00001 --qty 1 --json")["order"]
    rest = kit.cli_json(site, "production done MO-00001 --json")["order"]
    for body in (part, rest):
        parts = body["breakdown"]
        assert Decimal(parts["total"]) == Decimal(parts["received"]) == Decimal(
            body["actual_cost"])
        assert sum(Decimal(parts[key]) for key in ("materials", "stages", "operations",
                                                     "overhead", "byproducts")) == Decimal(
            parts["total"])
    assert balance(site, "NODE") == (0, 0)


def test_planned_cost_carries_the_overheads(site):
    cost = kit.cli_json(site, "bom cost ROBOT --qty 2 --json")["cost"]
    soldering = cost["operations"][0]
    assert (soldering["amount"], soldering["overhead_pct"], soldering["overhead"]) == (
        "40.00", "50", "20.00")
    assert all(m["overhead"] == "0.00" for m in cost["materials"])


def test_work_centres_and_maps_over_the_api(site):
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token()}"}
    centres = client.get("/api/v1/work-centres", headers=headers)
    assert [c["code"] for c in centres.json] == ["ASSY", "SOLD"]
    assert centres.json[1]["overhead_pct"] == "50"
    made = client.post("/api/v1/work-centres", headers=headers,
                       json={"code": "SOFT", "cost_per_hour": "25.00", "overhead_pct": "10"})
    assert made.status_code == 201 and made.json["name"] == "SOFT"
    again = client.post("/api/v1/work-centres", headers=headers, json={"code": "SOFT"})
    assert again.status_code == 409 and again.json["error"]["field"] == "code"
    routing = client.post("/api/v1/routings", headers=headers, json={
        "code": "KIT-MAP", "item": "ROBOT", "operations": [
            {"work_centre": "SOFT", "cycle_min": "6", "name": "Flash"}]})
    assert routing.status_code == 201, routing.json
    assert routing.json["operations"][0]["overhead_pct"] == "10"
    shown = client.get("/api/v1/routings/ROBOT-MAP", headers=headers).json
    assert shown["stocked_stages"] == [1] and shown["item"] == "ROBOT"
    assert [r["code"] for r in client.get("/api/v1/routings", headers=headers).json] == [
        "KIT-MAP", "NODE-MAP", "ROBOT-MAP"]
    missing = client.get("/api/v1/routings/NOPE", headers=headers)
    assert missing.status_code == 404
    bad = client.post("/api/v1/routings", headers=headers, json={
        "code": "BAD", "stocked_stages": [2], "operations": [{"work_centre": "SOFT"}]})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "stocked_stages"
    unknown = client.post("/api/v1/routings", headers=headers, json={
        "code": "BAD", "operations": [{"work_centre": "NOPE"}]})
    assert unknown.status_code == 404
    assert unknown.json["error"]["field"] == "operations[1].work_centre"
    spec = client.get("/api/v1/openapi.json", headers=headers).json
    assert {"/api/v1/work-centres", "/api/v1/routings", "/api/v1/routings/{code}"} <= set(
        spec["paths"])


def test_bad_overhead_rates_are_refused(site):
    for args, field in (("production centre add BAD --overhead-pct -5 --json", "overhead_pct"),
                        ("production add ROBOT --qty 1 --material-overhead lots --json",
                         "material_overhead_pct"),
                        ('production map add BAD --stock-stage 0 --op "ASSY cycle=5" --json',
                         "stocked_stages")):
        refused = kit.cli_json(site, args, code=2).json()
        assert refused["error"]["field"] == field, args
    assert kit.cli_json(site, "production list --json")["orders"] == []
