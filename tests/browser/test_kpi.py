"""A manager's KPI card in a real browser, on the demo's year of sales: the trend chart
is drawn, and the numbers in the card are the API's."""

from __future__ import annotations

import re
from datetime import date


def _last_month() -> str:
    today = date.today()
    return f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"


def test_kpi_card_numbers_are_the_apis(page, live_server, login, screenshot):
    login(page, "manager")
    assert page.locator("[data-widget=kpi-mine]").count() == 1
    page.click("nav >> text=KPIs")
    page.wait_for_url(re.compile(r".*/kpi/$"))
    period = _last_month()
    page.goto(live_server.path(f"/kpi/?period={period}"))
    assert page.locator("#kpi-trend svg").count() == 1
    answer = page.request.get(live_server.path(f"/api/v1/kpi/card?period={period}"))
    assert answer.ok, answer.text()
    card = answer.json()
    assert card["manager"] == "manager" and len(card["kpis"]) >= 4
    assert page.locator("#kpi-score [data-score]").get_attribute("data-score") == card["score"]
    shown = {row.get_attribute("data-kpi"): row.locator("[data-kpi-score]").get_attribute(
        "data-kpi-score") for row in page.locator("#kpis tr[data-kpi]").all()}
    assert shown == {kpi["code"]: kpi["score"] for kpi in card["kpis"]}
    trend = {cell.get_attribute("data-period"): cell.inner_text()
             for cell in page.locator("#trend-table td[data-period]").all()}
    assert trend == {point["period"]: point["score"] for point in card["trend"]}
    assert card["trend"][-1]["score"] != "0.0000"  # the demo's history scores
    screenshot(page, "kpi-01-card")
    # someone else's card is refused to a manager
    assert page.request.get(live_server.path("/api/v1/kpi/card?manager=admin")).status == 403
