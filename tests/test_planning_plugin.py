"""planning as a plugin: ``mrp plan --scenario`` on the reference examples, a site's
``mrp run`` from its orders, stock, purchase orders and BOMs, firming, the API and page."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

import fake_production
import purchasing_kit as kit
import sales_kit

EXAMPLES = json.loads((Path(__file__).parent / "data" / "mrp_examples.json").read_text())


@pytest.fixture
def production_data():
    fake_production.reset()
    yield fake_production
    fake_production.reset()


@pytest.fixture
def planner(make_site):
    return make_site(plugins=["purchasing", "planning"])


def test_mrp_plan_works_the_reference_examples_exactly(planner, tmp_path):
    for number, example in enumerate(EXAMPLES):
        path = tmp_path / f"scenario{number}.json"
        path.write_text(json.dumps(example["scenario"]), encoding="utf-8")
        result = planner.cli(f"mrp plan --scenario {path} --json")
        assert result.exit_code == 0, result.output
        body = result.json()
        expected = example["expected"]
        assert body["ok"] is True and body["exceptions"] == []
        assert body["low_level_codes"] == expected["low_level_codes"]
        assert body["records"] == expected["records"], example["name"]
        assert [{name: order[name] for name in wanted} for order, wanted in
                zip(body["planned_orders"], expected["planned_orders"], strict=True)
                ] == expected["planned_orders"]


def test_a_yaml_scenario_plans_the_same_and_pegging_names_the_orders(planner, tmp_path):
    example = EXAMPLES[0]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(example["scenario"]), encoding="utf-8")
    body = planner.cli(f"mrp plan --scenario {path} --json").json()
    assert body["records"] == example["expected"]["records"]
    leg = next(o for o in body["planned_orders"] if o["item"] == "LEG")
    assert leg["pegging"] == [{"ref": "SO-2", "qty": "30"}]  # SO-1 took the stock
    written = tmp_path / "out.json"
    assert planner.cli(f"mrp plan --scenario {path} --output {written} --json").json()[
        "planned_orders_count"] == 3
    assert json.loads(written.read_text())["records"] == body["records"]


def test_a_bad_scenario_is_refused_naming_the_field(planner, tmp_path):
    scenario = json.loads(json.dumps(EXAMPLES[0]["scenario"]))
    scenario["items"][1]["lot_sizing"] = {"rule": "modifiers", "multiple": 0}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    result = planner.cli(f"mrp plan --scenario {path} --json")
    assert result.exit_code == 2
    assert result.json()["error"]["field"] == "items[1].lot_sizing.multiple"
    scenario = json.loads(json.dumps(EXAMPLES[0]["scenario"]))
    scenario["items"][0]["lead_time"] = -1
    path.write_text(json.dumps(scenario), encoding="utf-8")
    result = planner.cli(f"mrp plan --scenario {path} --json")
    assert result.exit_code == 2 and result.json()["error"]["field"] == "items[0].lead_time"
    path.write_text("{not json", encoding="utf-8")
    result = planner.cli(f"mrp plan --scenario {path} --json")
    assert result.exit_code == 2 and result.json()["error"]["field"] == "scenario"


def _robot_site(make_site, *, production=True):
    extra = [fake_production] if production else []
    site = kit.build(make_site, plugins=["crm", "sales", "purchasing", "planning"],
                     extra_plugins=extra)
    fake_production.BOMS["ROBOT-STD"] = [("CPU", Decimal(1), False),
                                         ("MAINBOARD", Decimal(1), False)]
    order_id = sales_kit.order(site, "ROBOT-STD:10", order_date=date(2026, 12, 1),
                               due_date=date(2026, 12, 21))
    sales_kit.move(site, order_id, "confirm")  # 6 reserved, 4 to make
    site.cli(f"po add '{kit.SUPPLIER_B}' --line CPU:2:41.20 --expected 2026-12-14 "
             "--date 2026-12-01")
    return site


def test_a_site_run_plans_from_orders_stock_purchases_and_boms(make_site, production_data):
    site = _robot_site(make_site)
    result = site.cli("mrp run --date 2026-12-07 --horizon 4w --bucket week --json")
    assert result.exit_code == 0, result.output
    body = result.json()
    assert body["low_level_codes"] == {"CPU": 1, "MAINBOARD": 1, "ROBOT-STD": 0}
    # The order is due on 2026-12-21: period 3 of weeks from 2026-12-07.
    assert body["records"]["ROBOT-STD"]["gross_requirements"] == {"3": "4"}
    assert body["records"]["CPU"]["scheduled_receipts"] == {"2": "2"}
    orders = {o["item"]: o for o in body["planned_orders"]}
    assert {item: (o["kind"], o["qty"], o["release_date"], o["due_date"], o["late"],
                   o["supplier"]) for item, o in orders.items()} == {
        "ROBOT-STD": ("make", "4", "2026-12-21", "2026-12-21", False, None),
        "CPU": ("buy", "2", "2026-12-14", "2026-12-21", False, kit.SUPPLIER_B),
        "MAINBOARD": ("buy", "4", "2026-12-07", "2026-12-21", False, kit.SUPPLIER_A)}
    assert orders["CPU"]["pegging"] == [{"ref": "SO-00001", "qty": "2"}]
    assert body["exceptions"] == []

    # The robot takes a week to make: the mainboards (10 days) are late.
    site.cli("mrp params ROBOT-STD --lead-time 7")
    late = site.cli("mrp run --date 2026-12-07 --horizon 4w --json").json()
    mainboard = next(o for o in late["planned_orders"] if o["item"] == "MAINBOARD")
    assert (mainboard["late"], mainboard["release_date"]) == (True, "2026-12-07")
    assert any(e["type"] == "late_release" and e["item"] == "MAINBOARD" for e in late["exceptions"])
    assert [run["id"] for run in site.cli("mrp list --json").json()["runs"]] == [2, 1]
    shown = site.cli("mrp show 1 --item CPU --json").json()
    assert list(shown["records"]) == ["CPU"] and len(shown["planned_orders"]) == 1

    # Firming: the CPU into a draft purchase order (the offer's minimum), the robot into
    # a production order.
    cpu = orders["CPU"]
    firmed = site.cli(f"mrp firm {cpu['id']} --json").json()["planned_order"]
    assert firmed["firmed_as"] == "PO-00002"
    po = site.cli("po show PO-00002 --json").json()["order"]
    assert (po["supplier"], po["state"], po["lines"][0]["qty"]) == (kit.SUPPLIER_B, "draft",
                                                                    "10")
    assert po["lines"][0]["sources"] == [{"ref": "SO-00001", "qty": "2"}]
    again = site.cli(f"mrp firm {cpu['id']} --json")
    assert again.exit_code == 2 and "firmed already" in again.json()["error"]["message"]
    robot = site.cli(f"mrp firm {orders['ROBOT-STD']['id']} --json").json()["planned_order"]
    assert robot["firmed_as"] == "MO-00001"
    assert fake_production.CREATED == [("ROBOT-STD", Decimal(4), date(2026, 12, 21),
                                        "MRP run 1, planned order "
                                        f"{orders['ROBOT-STD']['id']}")]


def test_a_day_bucket_run_counts_lead_times_in_the_sites_working_days(make_site,
                                                                       production_data):
    """Periods are working days: the weekend and the holiday on Friday 2026-12-18 are no
    periods, and an order is released its lead time in working days before its need.
    (A site's default calendar works every day, where this is counting calendar days.)"""
    site = _robot_site(make_site)
    assert site.cli("settings set working_days mon,tue,wed,thu,fri").exit_code == 0
    assert site.cli("settings set holidays 2026-12-18").exit_code == 0
    site.cli("mrp params ROBOT-STD --lead-time 2")
    site.cli("mrp params MAINBOARD --lead-time 4")
    site.cli("mrp forecast MAINBOARD --date 2026-12-12 --qty 5")   # a Saturday
    body = site.cli("mrp run --date 2026-12-06 --horizon 3w --bucket day --json").json()
    assert body["run"]["date"] == "2026-12-07"                       # the Sunday moves on
    # Working days from Monday 7: 7 8 9 10 11 | 14 15 16 17 (18 off) | 21 ...
    assert body["records"]["ROBOT-STD"]["gross_requirements"] == {"10": "4"}
    assert body["records"]["MAINBOARD"]["gross_requirements"] == {"5": "5", "8": "4"}
    orders = {(o["item"], o["due_date"]): o for o in body["planned_orders"]}
    robot = orders["ROBOT-STD", "2026-12-21"]
    assert (robot["release_date"], robot["late"]) == ("2026-12-16", False)  # Thu, Wed
    board = orders["MAINBOARD", "2026-12-16"]                       # 15, 14, 11, 10
    assert (board["release_date"], board["late"]) == ("2026-12-10", False)
    saturday = orders["MAINBOARD", "2026-12-11"]            # due the Friday before: 10 9 8 7
    assert (saturday["release_date"], saturday["late"]) == ("2026-12-07", False)

    weekly = site.cli("mrp run --date 2026-12-07 --horizon 4w --bucket week --json").json()
    robot = next(o for o in weekly["planned_orders"] if o["item"] == "ROBOT-STD")
    assert robot["release_date"] == "2026-12-14"   # 2 working days: a whole week earlier


def test_without_production_everything_is_bought(make_site):
    site = _robot_site(make_site, production=False)
    body = site.cli("mrp run --date 2026-12-07 --horizon 4w --json").json()
    assert [(o["item"], o["kind"]) for o in body["planned_orders"]] == [("ROBOT-STD", "buy")]
    assert [e["type"] for e in body["exceptions"]] == ["no_supplier"]
    refused = site.cli(f"mrp firm {body['planned_orders'][0]['id']} --json")
    assert refused.exit_code == 2 and refused.json()["error"]["code"] == "no_supplier"


def test_bad_planning_parameters_are_refused(make_site):
    site = kit.build(make_site, plugins=["purchasing", "planning"])
    for args, field in (("--lead-time -2", "lead_time"),
                        ("--lot-rule modifiers --lot-multiple 0", "lot_multiple"),
                        ("--lot-rule fixed_order_quantity", "lot_qty"),
                        ("--bucket-size 3", None)):
        result = site.cli(f"mrp params CPU {args} --json")
        assert result.exit_code == 2, args
        if field:
            assert result.json()["error"]["field"] == field
    bad = site.cli("mrp run --horizon soon --json")
    assert bad.exit_code == 2 and bad.json()["error"]["field"] == "horizon"


def test_runs_through_the_api_and_the_page(make_site, production_data):
    site = _robot_site(make_site)
    client = site.client("admin")
    made = client.post("/api/v1/mrp/runs", json={"horizon": "4w", "date": "2026-12-07"})
    assert made.status_code == 201, made.get_json()
    run_id = made.get_json()["run"]["id"]
    assert client.get("/api/v1/mrp/runs").get_json()["total"] == 1
    detail = client.get(f"/api/v1/mrp/runs/{run_id}?item=CPU").get_json()
    assert detail["planned_orders"][0]["pegging"] == [{"ref": "SO-00001", "qty": "2",
                                                      "reserve": None, "item": None}]
    assert "/api/v1/mrp/runs" in client.get("/api/v1/openapi.json").get_json()["paths"]
    page = client.get("/planning/").get_data(as_text=True)
    assert "SO-00001: 2" in page and "Gross requirements" in page
    firm = client.post(f"/api/v1/mrp/planned-orders/{detail['planned_orders'][0]['id']}/firm")
    assert firm.status_code == 200 and firm.get_json()["firmed_as"] == "PO-00002"


def test_a_run_of_a_site_with_nothing_to_plan_is_stored_empty(planner):
    """A site without items to plan: the run has no records (it was a 500, an INSERT of
    one row of defaults with no run_id)."""
    from sqlalchemy import func, select

    from ordercraft.plugins.planning.models import MrpRecord

    client = planner.client("admin")
    made = client.post("/api/v1/mrp/runs", json={})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["records"] == {} and body["planned_orders"] == []
    again = client.get(f"/api/v1/mrp/runs/{body['run']['id']}")
    assert again.status_code == 200 and again.get_json()["records"] == {}
    with planner.session() as session:
        assert session.scalar(select(func.count()).select_from(MrpRecord)) == 0


def test_forecast_lines_are_planned_like_orders(make_site):
    site = kit.build(make_site, plugins=["purchasing", "planning"])
    added = site.cli("mrp forecast MAINBOARD --date 2026-12-22 --qty 5 --json")
    assert added.exit_code == 0, added.output
    forecast_id = added.json()["forecast"]["id"]
    bad = site.cli("mrp forecast MAINBOARD --date 2026-12-22 --qty -1 --json")
    assert bad.exit_code == 2 and bad.json()["error"]["field"] == "qty"
    body = site.cli("mrp run --date 2026-12-07 --horizon 3w --json").json()
    [order] = body["planned_orders"]
    assert (order["item"], order["qty"], order["supplier"]) == ("MAINBOARD", "5",
                                                                kit.SUPPLIER_A)
    assert order["pegging"] == [{"ref": f"forecast {forecast_id}", "qty": "5"}]


def test_the_planning_site_nets_only_its_warehouses_and_firms_into_the_first(make_site):
    from ordercraft.core.stock import api as stock_api

    site = kit.build(make_site, plugins=["purchasing", "planning"])
    with site.session() as session:
        stock_api.receive(session, "MAINBOARD", "PARTS", 4, "70", date=date(2026, 12, 1))
    site.cli("mrp forecast MAINBOARD --date 2026-12-22 --qty 5 --json")
    everywhere = site.cli("mrp run --date 2026-12-07 --horizon 3w --json").json()
    assert [o["qty"] for o in everywhere["planned_orders"]] == ["1"]  # 4 in PARTS
    assert everywhere["run"]["parameters"]["warehouses"] == []
    site.cli("settings set planning_warehouses MAIN")
    main_only = site.cli("mrp run --date 2026-12-07 --horizon 3w --json").json()
    [order] = main_only["planned_orders"]
    assert order["qty"] == "5" and main_only["run"]["parameters"]["warehouses"] == ["MAIN"]
    po = site.cli(f"mrp firm {order['id']} --json").json()["planned_order"]["firmed_as"]
    with site.session() as session:
        from ordercraft.plugins.purchasing.orders import get_order
        from ordercraft.sdk.models import Warehouse

        assert session.get(Warehouse, get_order(session, po).warehouse_id).code == "MAIN"
    site.cli("settings set planning_warehouses NOWHERE")
    refused = site.cli("mrp run --date 2026-12-07 --json")
    assert refused.exit_code == 2
    assert refused.json()["error"]["field"] == "planning_warehouses"
