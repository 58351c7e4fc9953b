"""Management reports: contributed by the plugins owning the data (hook
``register_reports``), with filters, totals and CSV/XLSX export, on the page, the command
and the API; a report goes with its plugin."""

from __future__ import annotations

import csv
import io

import sales_kit as kit
from test_analysis_plugin import sold_site


def test_sales_by_item_month_and_client_with_totals(make_site):
    site = sold_site(make_site)
    by_item = site.cli("analysis report sales --from 2026-01-01 --to 2026-03-31 --by item "
                       "--json").json()
    assert by_item["title"] == "Sales" and by_item["filters"]["by"] == "item"
    rows = {row["key"]: (row["qty"], row["revenue"], row["cost"], row["margin"],
                         row["margin_pct"]) for row in by_item["rows"]}
    assert rows == {"KIT": ("5", "1600.00", "750.00", "850.00", "53.1"),
                    "ROBOT-STD": ("3", "4350.00", "2700.00", "1650.00", "37.9"),
                    "SENSOR": ("50", "200.00", "125.00", "75.00", "37.5")}
    assert by_item["totals"] == {"lines": "5", "revenue": "6150.00", "cost": "3575.00",
                                 "margin": "2575.00"}
    # a range of days reads the shipped lines: the same sums
    days = site.cli("analysis report sales --from 2026-01-02 --to 2026-03-30 --by item "
                    "--json").json()
    assert days["totals"] == by_item["totals"]
    months = site.cli("analysis report sales --from 2026-01-01 --to 2026-12-31 --by month "
                      "--json").json()
    assert [(row["key"], row["revenue"]) for row in months["rows"]] == [
        ("2026-01", "3860.00"), ("2026-02", "840.00"), ("2026-03", "1450.00")]
    club = site.cli(f"analysis report sales --from 2026-01-01 --to 2026-03-31 --by item "
                    f"--client '{kit.CLUB}' --json").json()
    assert [(row["key"], row["revenue"]) for row in club["rows"]] == [("SENSOR", "200.00")]
    margin = site.cli("analysis report gross_margin --from 2026-01-01 --to 2026-03-31 "
                      "--json").json()
    assert [row["key"] for row in margin["rows"]] == ["ROBOT-STD", "KIT", "SENSOR"]
    text = site.cli("analysis report sales --from 2026-01-01 --to 2026-03-31 --by client")
    assert text.exit_code == 0 and kit.SCHOOL in text.output and "revenue: 6150.00" in text.output


def test_backlog_stock_value_slow_moving_and_receivables(make_site):
    site = sold_site(make_site)
    backlog = site.cli("analysis report backlog --on 2026-03-20 --json").json()
    assert [(row["client"], row["amount"]) for row in backlog["rows"]] == [
        (kit.SCHOOL, "640.00")]
    assert backlog["totals"] == {"amount": "640.00"}
    value = site.cli("analysis report stock_value --on 2026-01-31 --json").json()
    # received 6960 at cost in 2024; January shipped 2 robots (1800) and 3 kits (450)
    assert value["rows"] == [{"warehouse": "MAIN", "group": "(no group)", "item": "",
                              "qty": None, "items": "4", "value": "4710.00"}]
    items = site.cli("analysis report stock_value --on 2026-01-31 --by item --json").json()
    assert {row["item"]: row["qty"] for row in items["rows"]} == {
        "KIT": "5", "PAINT": "10", "ROBOT-STD": "4", "SENSOR": "100"}
    slow = site.cli("analysis report slow_moving --on 2026-03-31 --days 60 --json").json()
    # the kits and sensors went out in February, the robot in March; the paint never
    assert [(row["item"], row["last_out"]) for row in slow["rows"]] == [("PAINT", None)]
    aging = site.cli("analysis report receivables --json").json()
    assert aging["rows"] == [] and aging["report"] == "receivables"
    shortages = site.cli("analysis report shortages --json").json()
    assert shortages["rows"] == []


def test_exports_pages_api_and_bad_filters(make_site, tmp_path):
    from openpyxl import load_workbook

    site = sold_site(make_site)
    target = tmp_path / "sales.xlsx"
    written = site.cli(f"analysis report sales --from 2026-01-01 --to 2026-03-31 --by item "
                       f"-o {target} --json")
    assert written.exit_code == 0 and written.json()["rows"] == 3
    sheet = load_workbook(target).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][0].startswith("Month / client") and lines[-1][0] == "Total"
    assert float(lines[-1][3]) == 6150.0
    text = site.cli("analysis report sales --from 2026-01-01 --to 2026-03-31 --by item --csv")
    table = list(csv.reader(io.StringIO(text.output)))
    assert table[1][0] == "KIT" and table[-1][0] == "Total" and table[-1][3] == "6150.00"
    refused = site.cli("analysis report backlog --from 2026-01-01 --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "from"
    bad = site.cli("analysis report sales --by colour --json")
    assert bad.exit_code == 2 and bad.json()["error"]["field"] == "by"
    client = site.client("admin")
    listed = client.get("/api/v1/analysis/reports").get_json()
    assert {"sales", "gross_margin", "backlog", "shortages", "receivables", "stock_value",
            "slow_moving"} <= {report["name"] for report in listed["reports"]}
    api = client.get("/api/v1/analysis/reports/sales?date_from=2026-01-01"
                     "&date_to=2026-03-31&by=item").get_json()
    assert api == site.cli("analysis report sales --from 2026-01-01 --to 2026-03-31 "
                           "--by item --json").json()
    exported = client.get("/api/v1/analysis/reports/sales?date_from=2026-01-01"
                          "&date_to=2026-03-31&format=csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert client.get("/api/v1/analysis/reports/sales?days=0").status_code == 400
    assert client.get("/api/v1/analysis/reports/nothing").status_code == 404
    page = client.get("/reports/sales?from=2026-01-01&to=2026-03-31&by=item"
                      ).get_data(as_text=True)
    assert 'data-total="revenue">6150.00' in page and "Export XLSX" in page
    xlsx = client.get("/reports/sales?from=2026-01-01&to=2026-03-31&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    shown = client.get("/reports/sales?from=2026-03-01&to=2026-01-01")
    assert shown.status_code == 200 and "is after to" in shown.get_data(as_text=True)
    assert "Gross margin" in client.get("/reports/").get_data(as_text=True)


def test_hook_register_reports(make_site):
    """A plugin contributes a report; the reports of a plugin that is not enabled go."""
    import types

    from ordercraft.sdk import PluginInfo, hookimpl

    def register_reports(registry):
        registry.add("visits", "Visits", lambda session, filters: [
            {"day": filters.get("on"), "visits": 3}, {"day": None, "visits": 4}],
            columns=[("day", "Day", "date", False), ("visits", "Visits", "count", True)],
            filters=("on",))

    partner = types.ModuleType("visits")
    partner.plugin = PluginInfo(name="visits", version="1", requires=("analysis",))
    partner.register_reports = hookimpl(register_reports)
    site = make_site(plugins=["analysis"], extra_plugins=[partner])
    listed = site.cli("analysis reports --json").json()["reports"]
    assert [(r["name"], r["plugin"]) for r in listed] == [
        ("slow_moving", "analysis"), ("stock_value", "analysis"), ("visits", "visits")]
    document = site.cli("analysis report visits --on 2026-03-01 --json").json()
    assert document["rows"] == [{"day": "2026-03-01", "visits": "3"},
                                {"day": None, "visits": "4"}]
    assert document["totals"] == {"visits": "7"}
    gone = site.cli("analysis report sales --json")  # sales is not enabled on this site
    assert gone.exit_code != 0 and "not a report of this site" in gone.output


def test_production_contributes_its_output_and_variance(make_site):
    site = make_site(plugins=["production", "analysis"])
    listed = {r["name"]: r["plugin"] for r in site.cli("analysis reports --json").json()["reports"]}
    assert listed["production_variance"] == "production" and "sales" not in listed
    document = site.cli("analysis report production_variance --json").json()
    assert document["rows"] == [] and document["totals"] == {
        "orders": "0", "planned": "0", "actual": "0", "variance": "0"}
