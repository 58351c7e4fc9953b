"""The analysis plugin over a site: sales' service ``facts`` summed in SQL, the commands
``ordercraft analysis abc|xyz|abcxyz|bcg`` over the site and over a file, the service
``analysis.classes``, and refusals naming the field."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import sales_kit as kit
from ordercraft.plugins.analysis import abc
from ordercraft.plugins.analysis.options import AbcOptions

REFERENCE = json.loads((Path(__file__).parent / "data" / "abc_xyz_examples.json").read_text())


def sold_site(make_site):
    """Three orders shipped in the first quarter of 2026, one of them half shipped."""
    site = kit.build(make_site, plugins=["crm", "sales", "analysis"])
    first = kit.order(site, "ROBOT-STD:2:1450", "KIT:3:320", order_date="2026-01-10")
    second = kit.order(site, "SENSOR:50:4", client=kit.CLUB, order_date="2026-02-01")
    third = kit.order(site, "ROBOT-STD:1:1450", "KIT:4:320", order_date="2026-02-15")
    for order_id in (first, second, third):
        kit.move(site, order_id, "confirm")
    kit.ship(site, first, ship_date="2026-01-15")
    kit.ship(site, second, ship_date="2026-02-10")
    kit.ship(site, third, [(2, 2)], ship_date="2026-02-20")
    kit.ship(site, third, [(1, 1)], ship_date="2026-03-05")
    return site


def test_sales_facts_are_the_shipped_lines(make_site):
    from sqlalchemy import func, select

    from ordercraft.sdk.plugins import plugin_service

    site = sold_site(make_site)
    with site.session() as session:
        lines = plugin_service(session, "sales", "facts").sales_lines(session).subquery()
        rows = session.execute(select(lines.c.date, lines.c.qty, lines.c.net_amount)
                               .order_by(lines.c.date, lines.c.qty)).all()
        total = session.scalar(select(func.sum(lines.c.net_amount)))
    assert [(str(day), qty.normalize(), amount) for day, qty, amount in rows] == [
        ("2026-01-15", 2, Decimal("2900.000000")), ("2026-01-15", 3, Decimal("960.000000")),
        ("2026-02-10", 50, Decimal("200.000000")),
        ("2026-02-20", 2, Decimal("640.000000")),  # half of the line's 1280
        ("2026-03-05", 1, Decimal("1450.000000"))]
    assert total == Decimal("6150.000000")


def test_abc_of_the_sites_sales_is_the_engines_over_the_sums(make_site):
    site = sold_site(make_site)
    result = site.cli("analysis abc --period 2026-Q1 --json")
    assert result.exit_code == 0, result.output
    document = result.json()
    expected = abc.analyse({"ROBOT-STD": Decimal("4350"), "KIT": Decimal("1600"),
                            "SENSOR": Decimal("200")}, AbcOptions()).document()
    assert [(i["key"], Decimal(i["value"]), i["share"], i["class"])
            for i in document["items"]] == [
        (i["key"], Decimal(i["value"]), i["share"], i["class"]) for i in expected["items"]]
    assert [i["class"] for i in document["items"]] == ["A", "C", "C"]
    assert document["source"] == {"sales": "shipped", "measure": "revenue", "by": "item",
                                  "from": "2026-01-01", "to": "2026-03-31",
                                  "bucket": "month"}
    by_client = site.cli("analysis abc --period 2026-Q1 --by client --measure orders "
                         "--json").json()
    assert [(i["key"], i["value"]) for i in by_client["items"]] == [
        (kit.SCHOOL, "2"), (kit.CLUB, "1")]
    text = site.cli("analysis abc --period 2026-Q1").output
    assert "ROBOT-STD" in text and "A: 4350  B: 0  C: 1800" in text


def test_xyz_and_the_matrix_over_months_with_gaps_as_zeros(make_site):
    site = sold_site(make_site)
    xyz = site.cli("analysis xyz --from 2026-01-01 --to 2026-03-31 --measure quantity "
                   "--json").json()
    series = {item["key"]: item["series"] for item in xyz["items"]}
    assert series == {"ROBOT-STD": ["2", "0", "1"], "KIT": ["3", "2", "0"],
                      "SENSOR": ["0", "50", "0"]}
    assert all(item["class"] == "Z" for item in xyz["items"])
    weeks = site.cli("analysis xyz --period 2026-01 --bucket week --json").json()
    # weeks are labelled by their Monday; the range's first week starts before it
    assert weeks["periods"] == ["2025-12-29", "2026-01-05", "2026-01-12", "2026-01-19",
                                "2026-01-26"]
    assert {i["key"]: i["series"][2] for i in weeks["items"]} == {"KIT": "960",
                                                                  "ROBOT-STD": "2900"}
    quarters = site.cli("analysis abcxyz --period 2026 --bucket quarter --json").json()
    assert {name: cell["count"] for name, cell in quarters["cells"].items() if cell["count"]
            } == {"AZ": 1, "CZ": 2}
    assert quarters["cells"]["CZ"]["value"] == "1800"


def test_bcg_compares_the_last_two_periods(make_site):
    site = sold_site(make_site)
    document = site.cli("analysis bcg --from 2026-02-01 --to 2026-03-31 --json").json()
    assert document["periods"] == {"previous": "2026-02", "current": "2026-03"}
    quadrants = {item["key"]: item["quadrant"] for item in document["items"]}
    # the robot sold nothing in February: new, so high growth; it is all March's sales
    assert quadrants == {"ROBOT-STD": "star", "KIT": "dog", "SENSOR": "dog"}


def test_the_classes_service(make_site):
    from datetime import date

    from ordercraft.sdk.items import get_item
    from ordercraft.sdk.plugins import plugin_service

    site = sold_site(make_site)
    with site.session() as session:
        classes = plugin_service(session, "analysis", "classes")
        ids = {sku: get_item(session, sku).id for sku in ("ROBOT-STD", "KIT", "SENSOR")}
        # the 12 whole months before April 2026: April 2025 to March 2026
        items = classes.item_classes(session, on=date(2026, 4, 1))
        clients = classes.client_classes(session, on=date(2026, 4, 1))
        assert classes.item_classes(session, on=date(2025, 4, 1)) == {}
    assert items == {ids["ROBOT-STD"]: "AZ", ids["KIT"]: "CZ", ids["SENSOR"]: "CZ"}
    # the school alone is 5950 / 6150 = 96.7 % of revenue: past both limits, so C under
    # the default boundary rule le (docs/analysis.md); the club with it
    assert sorted(clients.values()) == ["C", "C"] and len(clients) == 2


@pytest.mark.parametrize("example", [e for e in REFERENCE if e["kind"] == "abc"],
                         ids=lambda e: f"abc-{e['options'].get('boundary', 'le')}")
def test_reference_abc_examples_through_the_command(make_site, tmp_path, example):
    site = make_site(plugins=["analysis"])
    path = tmp_path / "lines.csv"
    path.write_text("key,value\n" + "".join(f"{key},{value}\n"
                                            for key, value in example["values"].items()))
    options = " ".join(f"--{name} {value}" for name, value in example["options"].items())
    document = site.cli(f"analysis abc --from-file {path} {options} --json").json()
    assert {item["key"]: item["class"] for item in document["items"]} == {
        key: row["class"] for key, row in example["expected"].items()}


@pytest.mark.parametrize(("arguments", "field"), [
    ("abc --a 1.5", "a"), ("abc --a 0.9 --b 0.8", "b"), ("xyz --x 0", "x"),
    ("abc --boundary near", "boundary"), ("abc --period 2026-13", "period"),
    ("abc --from 2026-03-01 --to 2026-01-01", "from"),
])
def test_bad_options_are_refused_naming_the_field(make_site, arguments, field):
    site = make_site(plugins=["crm", "sales", "analysis"])
    result = site.cli(f"analysis {arguments} --json")
    assert result.exit_code == 2, result.output
    assert result.json()["error"]["field"] == field


def test_a_bad_file_names_the_row_and_the_value(make_site, tmp_path):
    site = make_site(plugins=["analysis"])
    path = tmp_path / "lines.csv"
    path.write_text("key,value\nkit,12\nservo,n/a\n")
    result = site.cli(f"analysis abc --from-file {path} --json")
    assert result.exit_code == 2
    error = result.json()["error"]
    assert (error["field"], error["details"]) == ("value", {"row": 3, "column": "value"})
    missing = tmp_path / "nokey.csv"
    missing.write_text("item,value\nkit,1\n")
    assert site.cli(f"analysis abc --from-file {missing} --json").exit_code == 2


def test_site_analyses_need_sales(make_site):
    site = make_site(plugins=["analysis"])
    result = site.cli("analysis abc --json")
    assert result.exit_code == 2
    assert "sales" in result.json()["error"]["message"]


def test_the_api_answers_the_commands_documents(make_site):
    site = sold_site(make_site)
    client = site.client("admin")
    answer = client.get("/api/v1/analysis/abc?period=2026-Q1")
    assert answer.status_code == 200
    assert answer.get_json() == site.cli("analysis abc --period 2026-Q1 --json").json()
    matrix = client.get("/api/v1/analysis/abcxyz?date_from=2026-01-01&date_to=2026-03-31"
                        "&measure=quantity&sd=sample").get_json()
    assert matrix["source"]["measure"] == "quantity" and len(matrix["cells"]) == 9
    refused = client.get("/api/v1/analysis/abc?period=2026&a=0.9&b=0.5")
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "b"
    unknown = client.get("/api/v1/analysis/xyz?period=2026&colour=red")
    assert unknown.status_code == 400
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    paths = document["paths"]
    assert {"period", "date_from", "a", "boundary", "sd"} <= {
        parameter["name"] for parameter in paths["/api/v1/analysis/abc"]["get"]["parameters"]}
    assert {"/api/v1/analysis/abc", "/api/v1/analysis/xyz", "/api/v1/analysis/abcxyz",
            "/api/v1/analysis/bcg"} <= set(paths)


def test_the_pages_show_charts_with_their_numbers(make_site):
    site = sold_site(make_site)
    client = site.client("admin")
    page = client.get("/analysis/?period=2026-Q1").get_data(as_text=True)
    # The charts are drawn by the server: no script in the page's content (the layout's
    # own static ordercraft.js, of every page, is not the analysis's).
    content = page[page.index("<main"):]
    assert page.count("<svg") == 2 and "<script" not in content
    assert 'data-cell="AZ" data-count="1" data-value="4350"' in page
    assert 'data-class="C">1800<' in page and "70.73 %" in page
    refused = client.get("/analysis/?period=2026&a=2").get_data(as_text=True)
    assert "option a: &#39;2&#39; is not in (0, 1]" in refused
    bcg = client.get("/analysis/bcg?from=2026-02-01&to=2026-03-31").get_data(as_text=True)
    assert "<svg" in bcg and "question mark" in bcg
    assert client.get("/analysis/assets/analysis.css").status_code == 200


def test_hook_dashboard_widgets(make_site, caplog):
    """Plugins put widgets on the home page; one that fails is left out and logged."""
    from ordercraft.sdk import PluginInfo, hookimpl
    from ordercraft.sdk.plugins import DashboardWidget

    def widget_plugin(name, function):
        import types

        module = types.ModuleType(name)
        module.plugin = PluginInfo(name=name, version="1")
        module.dashboard_widgets = hookimpl(function)
        return module

    def broken(session, user):
        raise RuntimeError("the numbers are away")

    site = make_site(plugins=[], extra_plugins=[
        widget_plugin("broken", broken),
        widget_plugin("late", lambda user: [DashboardWidget(
            "Late tasks", rows=(("Today", "3"),), order=5, name="late")]),
        widget_plugin("odd", lambda: ["not a widget"])])
    page = site.client("admin").get("/").get_data(as_text=True)
    assert 'data-widget="late"' in page and "Late tasks" in page
    assert "<th scope=\"row\">Today</th><td class=\"num\">3</td>" in page
    assert "plugin 'broken' left out of the dashboard" in caplog.text
    assert "plugin 'odd' returned 'not a widget'" in caplog.text


def test_the_owners_dashboard_shows_revenue_by_month(make_site):
    from datetime import date

    from ordercraft.plugins.analysis.dashboard import widgets
    from ordercraft.sdk.users import get_user

    site = sold_site(make_site)
    with site.app.test_request_context(), site.session() as session:
        found = widgets(session, get_user(session, "admin"), today=date(2026, 3, 20))
    assert [(w.name, w.rows[:3]) for w in found if w.name == "analysis-revenue"] == [
        ("analysis-revenue", (
        ("This month (2026-03)", "1,450.00"), ("Last month (2026-02)", "840.00"),
        ("Change", "72.6 %")))]
    assert all(w.chart_svg.startswith("<svg") and "<script" not in w.chart_svg
               for w in found if w.name != "analysis-tasks")
    page = site.client("admin").get("/").get_data(as_text=True)
    assert 'data-widget="analysis-revenue"' in page


def test_hook_register_kpi_metrics(make_site):
    """A plugin adds a metric; analysis measures every manager with it, one query each."""
    import types

    from sqlalchemy import func, literal, select

    from ordercraft.sdk import PluginInfo, hookimpl
    from ordercraft.sdk.models import User

    def register_kpi_metrics(registry):
        registry.add("users_named_a", "Users whose name starts with a",
                     lambda session, start, end: select(User.id, literal(1)).where(
                         func.lower(User.name).like("a%")))

    partner = types.ModuleType("partner_kpis")
    partner.plugin = PluginInfo(name="partner_kpis", version="1", requires=("analysis",))
    partner.register_kpi_metrics = hookimpl(register_kpi_metrics)
    site = kit.build(make_site, plugins=["crm", "sales", "analysis"], extra_plugins=[partner])
    first = kit.order(site, "KIT:2:320", order_date="2026-01-10", manager="admin")
    kit.move(site, first, "confirm")
    kit.ship(site, first, ship_date="2026-01-15")
    document = site.cli("analysis metrics --period 2026-01 --json").json()
    found = {entry["name"]: entry for entry in document["metrics"]}
    assert list(found)[:4] == ["revenue_shipped", "orders_shipped", "lines_shipped",
                               "overdue_tasks"]  # analysis' own first, then by plugin
    assert set(found) == {"revenue_shipped", "orders_shipped", "lines_shipped",
                          "overdue_tasks", "deals_won", "deals_won_amount", "conversion",
                          "interactions", "gross_margin", "on_time_shipments",
                          "receivables_overdue", "users_named_a"}
    assert [found[name]["plugin"] for name in ("overdue_tasks", "deals_won", "gross_margin")
            ] == ["analysis", "crm", "sales"]
    assert found["revenue_shipped"]["values"] == {"admin": "640"}
    assert found["orders_shipped"]["values"] == {"admin": "1"}
    assert (found["users_named_a"]["plugin"], found["users_named_a"]["values"]) == (
        "partner_kpis", {"admin": "1"})
    refused = site.cli("analysis metrics --metric nothing --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "metric"


def test_metrics_by_item_group(make_site):
    """The metrics that add up over items are measured per catalogue group too."""
    site = sold_site(make_site)
    assert site.cli("item-group add robotics").exit_code == 0
    for sku in ("ROBOT-STD", "KIT"):
        assert site.cli(f"item update {sku} --group robotics").exit_code == 0
    document = site.cli("analysis metrics --period 2026-Q1 --by item-group --json").json()
    assert document["by"] == "item-group"
    found = {entry["name"]: entry["values"] for entry in document["metrics"]}
    # ROBOT-STD 4350 + KIT 1600 and SENSOR 200; margins 1650 + 850 and 75
    assert found == {"revenue_shipped": {"(no group)": "200", "robotics": "5950"},
                     "lines_shipped": {"(no group)": "1", "robotics": "4"},
                     "gross_margin": {"(no group)": "75", "robotics": "2500"}}
    text = site.cli("analysis metrics --period 2026-Q1 --by item-group --metric "
                    "gross_margin").output
    assert "robotics" in text and "2500" in text
    refused = site.cli("analysis metrics --by item-group --metric orders_shipped --json")
    assert refused.exit_code == 2 and "not measured by item group" in refused.json()[
        "error"]["message"]
    api = site.client("admin").get("/api/v1/analysis/metrics?period=2026-Q1&by=item-group"
                                   "&metric=revenue_shipped&metric=gross_margin")
    assert api.status_code == 200
    assert [entry["values"]["robotics"] for entry in api.get_json()["metrics"]] == [
        "5950", "2500"]
    by_manager = site.client("admin").get("/api/v1/analysis/metrics?period=2026-Q1"
                                          "&metric=revenue_shipped").get_json()
    # (these orders have no manager: nothing per manager)
    assert by_manager["by"] == "manager" and by_manager["metrics"][0]["values"] == {}
    assert site.client("admin").get("/api/v1/analysis/metrics?by=warehouse").status_code == 400


def test_a_metric_is_checked_when_registered(make_site):
    from ordercraft.plugins.analysis.metrics import MetricRegistry
    from ordercraft.sdk.errors import PluginError

    registry = MetricRegistry()
    registry.current_plugin = "partner"
    with pytest.raises(PluginError, match="unit 'euros'"):
        registry.add("margin", "Margin", lambda session, start, end: None, unit="euros")
    with pytest.raises(PluginError, match="without a compute function"):
        registry.add("margin", "Margin")
    with pytest.raises(PluginError, match="item_group goes with a per_item"):
        registry.add("units", "Units", lambda session, start, end: None,
                     dimensions=("manager", "item_group"))
    registry.add("margin", "Margin", lambda session, start, end: None, unit="money")
    with pytest.raises(PluginError, match="already registered by plugin 'partner'"):
        registry.add("margin", "Margin again", lambda session, start, end: None)


def test_a_saved_snapshot_is_the_sites_classification(make_site, tmp_path):
    from ordercraft.sdk.items import get_item
    from ordercraft.sdk.parties import get_party
    from ordercraft.sdk.plugins import plugin_service

    site = sold_site(make_site)
    saved = site.cli("analysis abcxyz --period 2026-Q1 --save --json").json()
    assert saved["ok"] and isinstance(saved["snapshot"], int)
    clients = site.cli("analysis abc --period 2026-Q1 --by client --a 0.97 --b 0.98 --save --json")
    assert clients.exit_code == 0, clients.output
    with site.session() as session:
        classes = plugin_service(session, "analysis", "classes")
        robot = get_item(session, "ROBOT-STD").id
        school = get_party(session, kit.SCHOOL).id
        assert classes.item_classes(session)[robot] == "AZ"
        assert classes.client_classes(session) == {school: "A",
                                                   get_party(session, kit.CLUB).id: "C"}
    # client groups: the crm rule abc_class reads the latest snapshot of clients
    group = site.cli(["crm", "group", "add", "A clients", "--rule", "abc_class = a",
                      "--json"])
    assert group.exit_code == 0, group.output
    shown = site.cli(["crm", "group", "show", "A clients", "--json"]).json()["group"]
    assert [row["name"] for row in shown["clients"]] == [kit.SCHOOL]

    path = tmp_path / "lines.csv"
    path.write_text("key,value\nkit,1\n")
    refused = site.cli(f"analysis abc --from-file {path} --save --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "save"
