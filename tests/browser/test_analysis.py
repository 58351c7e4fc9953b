"""The owner's dashboard and the ABC-XYZ matrix in a real browser, on the demo's year of
sales: the charts are drawn, and the numbers in their tables are the API's."""

from __future__ import annotations

import re


def test_dashboard_and_matrix_numbers_are_the_apis(page, live_server, login, screenshot):
    login(page, "admin")
    widget = page.locator("[data-widget=analysis-revenue]")
    assert widget.locator("svg").count() == 1
    table = widget.locator("table").inner_text()
    assert re.search(r"Last month \(\d{4}-\d{2}\)\s+[\d,]+\.\d\d", table, re.IGNORECASE), table
    screenshot(page, "analysis-01-dashboard")

    page.click("nav >> text=Analysis")
    page.wait_for_url(re.compile(r".*/analysis/$"))
    assert page.locator("#matrix svg").count() == 1
    shown = {cell.get_attribute("data-cell"): (cell.get_attribute("data-count"),
                                               cell.get_attribute("data-value"))
             for cell in page.locator("#matrix-table td[data-cell]").all()}
    answer = page.request.get(live_server.path("/api/v1/analysis/abcxyz"))
    assert answer.ok, answer.text()
    cells = answer.json()["cells"]
    assert shown == {name: (str(cell["count"]), cell["value"]) for name, cell in cells.items()}
    assert sum(cell["count"] for cell in cells.values()) >= 4  # the demo's items sold
    totals = {row.get_attribute("data-class"): row.inner_text()
              for row in page.locator("#abc-totals td[data-class]").all()}
    abc = page.request.get(live_server.path("/api/v1/analysis/abc")).json()
    assert totals == abc["class_totals"]
    screenshot(page, "analysis-02-matrix")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.reload()
    box = page.locator("#matrix svg").bounding_box()
    assert box is not None and box["width"] <= 390
    screenshot(page, "analysis-03-matrix-phone")


def test_owners_figures_and_a_report_are_the_apis(page, live_server, login, screenshot):
    from datetime import date, timedelta
    from decimal import Decimal

    login(page, "admin")
    owner = page.locator("[data-widget=analysis-owner]")
    assert owner.locator("svg").count() == 1
    # text_content: the labels as written (the card's style may capitalise what shows)
    rows = {row.locator("th").text_content().strip(): row.locator("td").text_content().strip()
            for row in owner.locator("tbody tr").all()}
    today = date.today()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    month = page.request.get(live_server.path(
        f"/api/v1/analysis/reports/sales?date_from={first}&date_to={last}&by=month")).json()
    revenue = month["totals"].get("revenue", "0.00")
    label = f"Revenue this month ({first:%Y-%m})"
    assert Decimal(rows[label].replace(",", "")) == Decimal(revenue), (rows, month)
    margin = month["totals"].get("margin", "0.00")
    assert Decimal(rows["Gross margin this month"].split(" ")[0].replace(",", "")) == Decimal(
        margin)
    stock_value = page.request.get(live_server.path(
        "/api/v1/analysis/reports/stock_value?by=warehouse")).json()
    assert Decimal(rows["Stock value"].replace(",", "")) == Decimal(
        stock_value["totals"]["value"])
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.reload()
    box = page.locator("[data-widget=analysis-owner] svg").bounding_box()
    assert box is not None and box["width"] <= 390
    screenshot(page, "analysis-04-owner-phone")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.path("/reports"))
    page.click("text=Gross margin")
    page.wait_for_selector("#report-table")
    shown = {cell.get_attribute("data-total"): cell.text_content().strip()
             for cell in page.locator("#report-table tfoot th[data-total]").all()
             if cell.text_content().strip() and cell.get_attribute("data-total") != "key"}
    answer = page.request.get(live_server.path("/api/v1/analysis/reports/gross_margin")).json()
    assert shown == answer["totals"] and answer["rows"], (shown, answer["totals"])
    screenshot(page, "analysis-05-gross-margin")
