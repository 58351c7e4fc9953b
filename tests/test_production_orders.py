"""Production orders post through the stock ledger: components reserved at release,
consumed at FIFO / average cost on completion (scrap written off), the output received at
actual cost; partial completion; cancel reverses every posting; refusals post nothing.
Figures worked by hand from production_kit's stock."""

from decimal import Decimal

import pytest
from sqlalchemy import select

import production_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def balance(site, sku):
    from ordercraft.core.stock import api as stock_api

    with site.session() as session:
        found = stock_api.balance(session, sku, "MAIN")
        return found.qty, found.value, found.reserved


def test_release_and_done_by_hand(site):
    order = kit.cli_json(site, "production add NODE --qty 8 --due 2024-03-01 --json")["order"]
    assert order["number"] == "MO-00001" and order["state"] == "draft"
    # 8 nodes: 8 CPU, 8 MB, 4.2 x 8 = 33.6 -> 34 screws (1.6 -> 2 of them scrap), 4 m cable
    assert [(c["item"], c["qty"], c["scrap_qty"]) for c in order["components"]] == [
        ("CPU", "8", "0"), ("MB", "8", "0"), ("SCREW", "34", "2"), ("CABLE", "4", "0")]
    released = kit.cli_json(site, "production release MO-00001 --json")["order"]
    assert released["state"] == "released"
    assert {row["item"]: row["status"] for row in released["availability"]} == {
        "CPU": "green", "MB": "green", "SCREW": "green", "CABLE": "green"}
    assert balance(site, "CPU")[2] == 8
    done = kit.cli_json(site, "production done MO-00001 --date 2024-02-01 --json")["order"]
    # CPU FIFO: 5 x 60.00 + 3 x 62.00 = 486.00; MB 8 x 71.00 = 568.00; screws issued
    # 32 x 0.10 = 3.20, written off 2 x 0.10 = 0.20; cable 4 x 2.00 = 8.00: 1,065.40.
    # Assembly: (30 + 8 x 15) min = 2.5 h x 30.00 = 75.00. Output 1,140.40 = 8 x 142.55.
    assert done["state"] == "done" and done["qty_done"] == "8"
    assert [(c["item"], c["consumed_value"]) for c in done["components"]] == [
        ("CPU", "486.00"), ("MB", "568.00"), ("SCREW", "3.40"), ("CABLE", "8.00")]
    assert done["actual_cost"] == "1140.40"
    assert {p["purpose"]: p["value"] for p in done["postings"]
            if p["purpose"] != "reservation"} == {
        "issue": "1065.20", "scrap": "0.20", "output": "1140.40", "operations": "75.00"}
    assert balance(site, "NODE") == (8, Decimal("1140.4000"), 0)
    assert balance(site, "CPU") == (7, Decimal("434.0000"), 0)
    assert balance(site, "SCREW")[0] == 1000 - 34
    with site.session() as session:
        from ordercraft.core.stock import api as stock_api

        assert stock_api.verify(session).ok


def test_partial_completion_six_of_ten(site):
    kit.cli_json(site, "production add NODE --qty 10 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    part = kit.cli_json(site, "production done MO-00001 --qty 6 --date 2024-02-01 --json")
    # 6 of 10: CPU 5 x 60 + 1 x 62 = 362.00; MB 426.00; screws 25 of 42 (1 of 2 scrap):
    # 2.40 + 0.10; cable 3 m 6.00; assembly 6/10 of (30 + 150) min = 1.8 h: 54.00 -> 850.50
    order = part["order"]
    assert (order["state"], order["qty_done"], order["actual_cost"]) == (
        "in_progress", "6", "850.50")
    rest = kit.cli_json(site, "production done MO-00001 --date 2024-02-02 --json")["order"]
    # the other 4: CPU 4 x 62 = 248.00; MB 284.00; screws 16 + 1 scrap: 1.70; cable 4.00;
    # assembly 90.00 - 54.00 = 36.00 -> 573.70 (4 x 143.425)
    assert (rest["state"], rest["qty_done"], rest["actual_cost"]) == ("done", "10", "1424.20")
    assert balance(site, "NODE") == (10, Decimal("1424.2000"), 0)


def test_cancel_reverses_every_posting(site):
    kit.cli_json(site, "production add NODE --qty 4 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    kit.cli_json(site, "production report MO-00001 --qty 2 --json")
    cancelled = kit.cli_json(site, "production cancel MO-00001 --json")["order"]
    assert cancelled["state"] == "cancelled"
    assert all(p["reversal_document"] for p in cancelled["postings"]
               if p["purpose"] in ("issue", "scrap", "output"))
    assert balance(site, "CPU") == (15, Decimal("920.0000"), 0)
    assert balance(site, "NODE") == (0, Decimal("0.0000"), 0)
    result = kit.cli_json(site, "production done MO-00001 --json", code=2)
    assert "cancelled" in result.output + result.stderr


def test_short_fifo_component_refuses_and_posts_nothing(site):
    kit.cli_json(site, "production add NODE --qty 20 --json")
    released = kit.cli_json(site, "production release MO-00001 --json")["order"]
    cpu = next(row for row in released["availability"] if row["item"] == "CPU")
    assert (cpu["status"], cpu["short"]) == ("red", "5")
    result = kit.cli_json(site, "production done MO-00001 --json", code=2)
    assert "CPU" in result.stderr + result.output
    assert balance(site, "MB")[0] == 10 and balance(site, "NODE")[0] == 0
    shown = kit.cli_json(site, "production show MO-00001 --json")["order"]
    assert shown["state"] == "released" and shown["qty_done"] == "0"


def test_bad_quantities(site):
    assert kit.cli_json(site, "production add ROBOT --qty 0 --json", code=2).json()[
        "error"]["field"] == "qty"
    assert kit.cli_json(site, "production add CPU --qty 1 --json", code=2).json()[
        "error"]["field"] == "item"
    kit.cli_json(site, "production add NODE --qty 2 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    error = kit.cli_json(site, "production done MO-00001 --qty 3 --json", code=2).json()
    assert "qty: 3 is more than the 2 left to produce on MO-00001" in error["error"]["message"]


def test_hook_production_order_done(make_site):
    from ordercraft.sdk import hookimpl

    seen = []

    class Listener:
        @hookimpl
        def production_order_done(self, session, order):
            seen.append((order.number, order.qty_done, order.actual_cost))

    import types

    module = types.ModuleType("listener")
    module.plugin = __import__("ordercraft.sdk", fromlist=["PluginInfo"]).PluginInfo(
        name="listener", version="1", requires=("production",))
    module.production_order_done = Listener.production_order_done.__get__(Listener())
    site = kit.build(lambda plugins: make_site(plugins=[*plugins], extra_plugins=[module]))
    kit.cli_json(site, "production add NODE --qty 1 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    kit.cli_json(site, "production done MO-00001 --json")
    # The order is done and received when the hook sees it (figures: the tests above).
    assert [number for number, _qty, _cost in seen] == ["MO-00001"]
    assert seen[0][1] == 1


def test_api_production_orders(site):
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    created = client.post("/api/v1/production-orders", headers=headers,
                          json={"item": "NODE", "qty": "2"})
    assert created.status_code == 201, created.json
    order_id = created.json["id"]
    moved = client.post(f"/api/v1/production-orders/{order_id}/transitions/release",
                        headers=headers, json={})
    assert moved.status_code == 200, moved.json
    done = client.post(f"/api/v1/production-orders/{order_id}/transitions/done",
                       headers=headers, json={})
    assert done.status_code == 200, done.json
    got = client.get(f"/api/v1/production-orders/{order_id}", headers=headers).json
    assert got["state"] == "done" and got["qty_done"] == "2"
    listed = client.get("/api/v1/production-orders?state=done", headers=headers).json
    assert [row["number"] for row in listed["items"]] == ["MO-00001"]
    bad = client.post("/api/v1/production-orders", headers=headers,
                      json={"item": "NODE", "qty": "-1"})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "qty"


def test_two_stage_order_reports_each_stage_once(site):
    kit.cli_json(site, "production centre add SOFT --name Software --cost-per-hour 40.00 --json")
    kit.cli_json(site, 'production map add ROBOT-MAP --item ROBOT '
                       '--op "ASSY setup=0 cycle=30 stage=1 name=Nodes" '
                       '--op "SOFT cycle=15 name=Install_software" --json')
    kit.cli_json(site, 'bom add ROBOT --line "CPU 1 stage=1" --line "MB 1 stage=1" '
                       '--line "SCREW 10" --routing ROBOT-MAP --version 2 --json')
    kit.cli_json(site, "production add ROBOT --qty 2 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    staged = kit.cli_json(site, "production report MO-00001 --stage 1 --json")["order"]
    # stage 1: CPU 2 x 60.00 + MB 2 x 71.00 = 262.00, posted on its own
    assert [(p["purpose"], p["value"]) for p in staged["postings"]][-1] == (
        "stage_issue", "262.00")
    assert balance(site, "CPU")[0] == 13 and balance(site, "SCREW")[0] == 1000
    again = kit.cli_json(site, "production report MO-00001 --stage 1 --json", code=2).json()
    assert again["error"]["field"] == "stage" and "reported already" in again["error"]["message"]
    done = kit.cli_json(site, "production done MO-00001 --json")["order"]
    # + 20 screws 2.00 + assembly 2 x 30 min = 1 h x 30.00 + software 2 x 15 min = 0.5 h x
    # 40.00 = 50.00: 314.00 for 2 robots (157.00 each)
    assert done["actual_cost"] == "314.00"
    assert balance(site, "ROBOT") == (2, Decimal("314.0000"), 0)


def test_shortages_of_a_customer_order_become_production_orders(make_site):
    """With sales enabled, confirming an order that lacks robots adds a draft production
    order for them (sales' hook order_shortages); items without a BOM are left to
    purchasing."""
    import sales_kit
    from ordercraft.core.services import items
    from ordercraft.plugins.production.boms import add_bom

    site = sales_kit.build(make_site, plugins=["crm", "sales", "production"])
    with site.session() as session:
        items.create_item(session, "CPU", name="Processor", kind="component")
        add_bom(session, "ROBOT-STD", [{"component": "CPU", "qty": 1}])
    order_id = sales_kit.order(site, "ROBOT-STD:10", "KIT:20", order_date="2024-03-04",
                               due_date="2024-04-01")
    sales_kit.move(site, order_id, "confirm")
    listed = kit.cli_json(site, "production list --json")["orders"]
    # 6 robots in stock: 4 to produce, due with the order; the kits have no BOM
    assert [(o["item"], o["qty"], o["due_date"], o["source"]) for o in listed] == [
        ("ROBOT-STD", "4", "2024-04-01", "order:SO-00001")]

    # a storekeeper (no order.write) produces them: the 4 robots are reserved for the
    # customer order's line at once, which has nothing left to produce
    from ordercraft.core.services.users import create_user
    from ordercraft.core.stock import api as stock_api
    from ordercraft.core.workflow.documents import transition
    from ordercraft.plugins.production.orders import get_order
    from ordercraft.plugins.sales.models import OrderLine

    with site.session() as session:
        create_user(session, "stan", roles=["storekeeper"], password="secret-password-1")
        stock_api.receive(session, "CPU", "MAIN", 4, "10.00")
    with site.session(site.user("stan")) as session:
        order = get_order(session, "MO-00001")
        transition(session, order, "release")
        transition(session, order, "done")
    with site.session() as session:
        line = session.scalars(select(OrderLine).where(OrderLine.order_id == order_id)
                               .order_by(OrderLine.id)).first()
        assert (line.reserved_qty, line.to_produce_qty) == (10, 0)
        robots = stock_api.balance(session, "ROBOT-STD", "MAIN")
        assert (robots.qty, robots.reserved) == (10, 10)
    # the customer order's page lists its production order (hook page_sections)
    page = site.client(login="admin").get(f"/orders/{order_id}").text
    assert '<section class="card page-section" data-section="production-orders">' in page
    assert ">MO-00001</a>" in page


def test_variance_per_order_and_per_item(site):
    kit.cli_json(site, "production add NODE --qty 8 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    done = kit.cli_json(site, "production done MO-00001 --json")["order"]
    # planned at standard costs: 8 x 62.00 + 8 x 71.00 + 34 x 0.10 + 4 x 2.00 = 1,075.40
    # + 75.00 assembly = 1,150.40; actual 1,140.40 (the older CPUs cost 60.00): -10.00
    assert done["cost"] == {"planned_total": "1150.40", "planned": "1150.40",
                            "actual": "1140.40", "variance": "-10.00"}
    rows = kit.cli_json(site, "production variance --json")["variances"]
    assert rows == [{"item": "NODE", "orders": 1, "qty": "8", "planned": "1150.40",
                     "actual": "1140.40", "variance": "-10.00"}]


def test_a_custom_robot_from_the_robot_calculator(make_site):
    """The custom robot priced by robot.py is produced from its own calculation: parts
    become the order's components (x the quantity), work becomes its operations."""
    from ordercraft.core.demo import seed_calculator_parts, seed_items, seed_warehouses

    site = make_site(plugins=["production"])
    with site.session() as session:
        seed_warehouses(session)
        seed_items(session)
        seed_calculator_parts(session)
    body = kit.cli_json(site, "production add ROBOT-CUSTOM --qty 4 --warehouse PARTS "
                              "--calculator robot --param nodes=6 --json")["order"]
    components = {c["item"]: c["qty"] for c in body["components"]}
    # a 300 x 250 x 200 mm case: 2 x (0.075 + 0.06 + 0.05) = 0.37 m2 of sheet per robot
    assert (components["SHEET-AL2"], components["CPU-A4"], components["SERVO-MG"],
            components["SCREW-M3"]) == ("1.48", "4", "24", "192")
    operations = {op["name"]: op["hours"] for op in body["operations"]}
    # assembly 2 + 0.75 x 6 + 0.5 x 1 = 7 h per robot
    assert operations["Assembly"] == "28" and body["source"] == "calculator:robot"
