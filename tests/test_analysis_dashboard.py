"""The home page's dashboard per role: the owner's figures (revenue, gross margin,
backlog, overdue receivables, stock value), a manager's pipeline (crm) and tasks due
today; charts with their numbers as a table."""

from __future__ import annotations

from datetime import date, datetime

import sales_kit as kit
from test_analysis_plugin import sold_site

MANAGER_PASSWORD = "maria-password-1"
BEFORE = datetime(2026, 3, 1)


def _with_manager(make_site):
    from ordercraft.core.services.users import create_user
    from ordercraft.core.workflow.tasks import create_task
    from ordercraft.plugins.crm.deals import create_deal

    site = sold_site(make_site)
    with site.session() as session:
        create_user(session, "maria", roles=["manager"], password=MANAGER_PASSWORD)
    with site.session() as session:
        create_deal(session, kit.SCHOOL, "Robotics classroom", amount="12000", manager="maria")
        create_deal(session, kit.CLUB, "Summer camp kits", amount="3000", manager="maria")
        create_task(session, "Call the school back", assignee="maria",
                    deadline=datetime(2026, 3, 20, 15, 0), now=BEFORE)
        create_task(session, "Send the price list", assignee="maria",
                    deadline=datetime(2026, 3, 19, 9, 0), now=BEFORE)
        create_task(session, "Next week", assignee="maria", deadline=datetime(2026, 3, 27), now=BEFORE)
    return site


def _widgets(site, login, today=date(2026, 3, 20)):
    from ordercraft.plugins.analysis.dashboard import widgets as analysis_widgets
    from ordercraft.plugins.crm.dashboard import widgets as crm_widgets
    from ordercraft.sdk.users import get_user

    with site.app.test_request_context(), site.session() as session:
        user = get_user(session, login)
        found = [*analysis_widgets(session, user, today=today), *crm_widgets(session, user)]
    return {widget.name: widget for widget in found}


def test_the_owner_sees_the_business_at_a_glance(make_site):
    site = _with_manager(make_site)
    owner = _widgets(site, "admin")["analysis-owner"]
    rows = dict(owner.rows)
    assert rows["Revenue this month (2026-03)"] == "1,450.00"
    assert rows["Revenue last month (2026-02)"] == "840.00"
    # March: a robot at 1450 that cost 900; February: 840 - 50 sensors at 2.50 - 2 kits at 150
    assert rows["Gross margin this month"] == "550.00 (37.9 %)"
    assert rows["Gross margin last month"] == "415.00 (49.4 %)"
    # the kits of February's order: 2 of 4 shipped
    assert (rows["Order backlog"], rows["Orders in the backlog"]) == ("640.00", "1")
    assert rows["Overdue receivables"] == "0.00"
    # received 6960 at cost, shipped 3 robots, 5 kits and 50 sensors (3575)
    assert rows["Stock value"] == "3,385.00"
    assert rows["2026-01: revenue / margin"] == "3,860.00 / 1,610.00"
    assert owner.chart_svg.startswith("<svg") and "<script" not in owner.chart_svg
    order = kit.order(site, "KIT:2:320", order_date="2026-03-18")
    kit.move(site, order, "confirm")
    rows = dict(_widgets(site, "admin")["analysis-owner"].rows)
    assert (rows["Order backlog"], rows["Orders in the backlog"]) == ("1,280.00", "2")


def test_a_manager_sees_their_pipeline_and_tasks_not_the_owners_figures(make_site):
    site = _with_manager(make_site)
    found = _widgets(site, "maria")
    assert "analysis-owner" not in found
    assert found["crm-pipeline"].rows[:3] == (("Open deals", "2 (15,000.00)"),
                                              ("Lead", "2 (15,000.00)"),
                                              ("Qualified", "0 (0.00)"))
    assert found["analysis-tasks"].rows == (
        ("Due today or overdue", "2"), ("Of them overdue", "1"),
        ("Send the price list", "3/19/26, 9:00\u202fAM"),
        ("Call the school back", "3/20/26, 3:00\u202fPM"))  # in the reader's zone (UTC here)
    assert "analysis-revenue" in found
    page = site.client("maria", MANAGER_PASSWORD).get("/").get_data(as_text=True)
    assert 'data-widget="crm-pipeline"' in page and 'data-widget="analysis-owner"' not in page
    owner_page = site.client("admin").get("/").get_data(as_text=True)
    assert 'data-widget="analysis-owner"' in owner_page
