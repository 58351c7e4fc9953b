"""The kpi plugin: scoring rules, KPI definitions checked (unknown metric, anything but
arithmetic), a period's scores over a site's shipped sales through the CLI, the API and
the pages, who sees whose KPIs, exports, the dashboard widget."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

import sales_kit as kit
from ordercraft.plugins.kpi.scoring import Scale, weighted_sum
from ordercraft.sdk.testing import ADMIN_PASSWORD

D = Decimal


def test_scales():
    linear = Scale(D(1000), cap=D("1.2"))
    assert [linear.score(D(v)) for v in ("640", "1000", "5000", "-10")] == [
        D("0.64"), D(1), D("1.2"), D(0)]
    assert linear.score(None) == 0  # no data: the formula divided by zero
    lower = Scale(D(2), direction="lower", cap=D("1.5"))
    assert [lower.score(D(v)) for v in ("4", "2", "1", "0")] == [D("0.5"), D(1), D("1.5"),
                                                                 D("1.5")]
    bands = Scale(D(10), scale="bands", bands=((D("0.8"), D("0.5")), (D(1), D(1))))
    assert [bands.score(D(v)) for v in ("7", "8", "9.9", "10", "30")] == [
        D(0), D("0.5"), D("0.5"), D(1), D(1)]
    assert weighted_sum([(D("0.6"), D("0.64")), (D("0.4"), D("0.5"))]) == D("0.5840")


def test_arithmetic_expressions_refuse_everything_else():
    from ordercraft.sdk.calc import CalculatorError, arithmetic_expression

    expression = arithmetic_expression("gross_margin / max(revenue, 1) * 100",
                                       ["gross_margin", "revenue"], noun="metric")
    assert expression.names == ("gross_margin", "revenue")
    assert expression.evaluate({"gross_margin": D(340), "revenue": D(640)}) == D("53.125")
    assert arithmetic_expression("a / b", ["a", "b"]).evaluate({"a": 1}) is None
    assert "frac" in expression.latex
    for text, message in [("revenu * 2", "unknown metric 'revenu'"),
                          ("revenue if revenue else 1", "not arithmetic"),
                          ("revenue > 1", "comparisons are not arithmetic"),
                          ("__import__('os')", "only these functions"),
                          ("revenue.real", "Attribute is not arithmetic"),
                          ("'text'", "not a number"), ("revenue // 2", "not allowed"),
                          ("", "empty"), ("revenue +", "syntax error")]:
        with pytest.raises(CalculatorError, match=message) as caught:
            arithmetic_expression(text, ["revenue"], noun="metric")
        assert caught.value.field == "formula" and repr(text) in caught.value.message


def kpi_site(make_site):
    """maria (a manager) shipped 2 kits (640, cost 300), admin a robot (1450, cost 900)
    in November 2026; both in the sales division, admin its head."""
    from ordercraft.core.services.users import create_user

    site = kit.build(make_site, plugins=["crm", "sales", "analysis", "kpi"])
    with site.session() as session:
        create_user(session, "maria", roles=["manager"], password=ADMIN_PASSWORD)
        create_user(session, "ivan", roles=["engineer"], password=ADMIN_PASSWORD)
    mine = kit.order(site, "KIT:2:320", order_date="2026-11-02", manager="maria",
                     due_date="2026-11-05")
    theirs = kit.order(site, "ROBOT-STD:1:1450", order_date="2026-11-03", manager="admin")
    for order_id, day in ((mine, "2026-11-10"), (theirs, "2026-11-12")):
        kit.move(site, order_id, "confirm")
        kit.ship(site, order_id, ship_date=day)
    assert site.cli("kpi division sales --name Sales --kind sales --member maria "
                    "--head admin").exit_code == 0
    assert site.cli("kpi division production --name Production --kind production "
                    "--member ivan").exit_code == 0
    defined = site.cli(["kpi", "define", "revenue", "--formula", "revenue_shipped",
                        "--target", "1000", "--weight", "0.6", "--division", "sales",
                        "--label", "Revenue shipped", "--json"])
    assert defined.exit_code == 0, defined.output
    assert site.cli(["kpi", "define", "orders", "--formula", "orders_shipped", "--target",
                     "2", "--weight", "0.4", "--scale", "bands", "--bands", "0.5:0.5,1:1",
                     "--division", "sales"]).exit_code == 0
    return site


def test_metrics_of_the_plugins_and_a_period_score(make_site):
    site = kpi_site(make_site)
    metrics = {m["name"]: m for m in site.cli(
        "analysis metrics --period 2026-11 --json").json()["metrics"]}
    assert {"deals_won", "deals_won_amount", "conversion", "interactions", "gross_margin",
            "on_time_shipments", "receivables_overdue", "overdue_tasks"} <= set(metrics)
    assert metrics["gross_margin"]["plugin"] == "sales"
    assert metrics["gross_margin"]["values"] == {"maria": "340", "admin": "550"}
    assert metrics["on_time_shipments"]["values"] == {"maria": "0", "admin": "100"}

    result = site.cli("kpi score --period 2026-11 --json")
    assert result.exit_code == 0, result.output
    document = result.json()
    assert (document["from"], document["to"]) == ("2026-11-01", "2026-11-30")
    ranked = [(row["rank"], row["manager"], row["score"]) for row in document["managers"]]
    assert ranked == [(1, "admin", "0.9200"), (2, "maria", "0.5840")]
    maria = document["managers"][1]["kpis"]
    assert [(k["code"], k["actual"], k["achievement"], k["score"], k["weighted"])
            for k in maria] == [("orders", "1.00", "0.5000", "0.5000", "0.2000"),
                                ("revenue", "640.00", "0.6400", "0.6400", "0.3840")]
    # a month without sales scores 0; a division's ranking has its members only
    assert [r["score"] for r in site.cli("kpi score --period 2026-10 --json").json()[
        "managers"]] == ["0.0000", "0.0000"]
    production = site.cli("kpi score --period 2026-11 --division production --json").json()
    assert production["managers"] == []
    assert "admin" in site.cli("kpi score --period 2026-11").output


def test_bad_definitions_are_refused_and_nothing_saved(make_site):
    site = kpi_site(make_site)
    for args, field, words in [
            (["--formula", "revenue_shiped * 2"], "formula", "unknown metric 'revenue_shiped'"),
            (["--formula", "revenue_shipped if orders_shipped else 0"], "formula",
             "not arithmetic"),
            (["--formula", "open('x')"], "formula", "only these functions"),
            (["--formula", "revenue_shipped", "--target", "0"], "target", "above 0"),
            (["--formula", "revenue_shipped", "--direction", "up"], "direction", "'up'"),
            (["--formula", "revenue_shipped", "--scale", "bands", "--bands", "1:1,0.5:2"],
             "bands", "not above"),
            (["--formula", "revenue_shipped", "--division", "nowhere"], "division",
             "'nowhere'")]:
        argv = ["kpi", "define", "broken", "--target", "1", "--division", "sales", *args,
                "--json"]
        if "--target" in args:
            argv[4:6] = []
        if "--division" in args:
            argv[argv.index("--division"):argv.index("--division") + 2] = []
        result = site.cli(argv)
        assert result.exit_code == 2, (args, result.output)
        error = result.json()["error"]
        assert error["field"] == field and words in error["message"], error
    codes = [k["code"] for k in site.cli("kpi list --json").json()["kpis"]]
    assert codes == ["orders", "revenue"]
    assert site.cli("kpi score --period 2026-13 --json").json()["error"]["field"] == "period"


def test_api_pages_permissions_exports_and_widget(make_site, tmp_path):
    from openpyxl import load_workbook

    site = kpi_site(make_site)
    token = site.token("admin")
    headers = {"Authorization": f"Bearer {token}"}
    api = site.app.test_client()
    scores = api.get("/api/v1/kpi/scores?period=2026-11", headers=headers)
    assert scores.status_code == 200, scores.get_data(as_text=True)
    assert [r["score"] for r in scores.get_json()["managers"]] == ["0.9200", "0.5840"]
    refused = api.post("/api/v1/kpi/definitions", headers=headers, json={
        "code": "bad", "formula": "revenue_shipped and 1", "target": "1", "division": "sales"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["field"] == "formula"
    created = api.post("/api/v1/kpi/definitions", headers=headers, json={
        "code": "margin", "formula": "gross_margin", "target": "500", "weight": "0",
        "division": "sales"})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert [k["code"] for k in api.get("/api/v1/kpi/definitions",
                                       headers=headers).get_json()["kpis"]] == [
        "margin", "orders", "revenue"]
    card = api.get("/api/v1/kpi/card?period=2026-11&manager=maria", headers=headers).get_json()
    assert card["score"] == "0.5840" and len(card["trend"]) == 12
    assert card["trend"][-1] == {"period": "2026-11", "score": "0.5840", "actuals": {
        "margin": "340.00", "orders": "1.00", "revenue": "640.00"}}
    spec = api.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/kpi/scores", "/api/v1/kpi/card", "/api/v1/kpi/definitions",
            "/api/v1/kpi/divisions"} <= set(spec["paths"])

    # maria sees her own card, not admin's; admin (head, and admin) sees the division
    maria_headers = {"Authorization": f"Bearer {site.token('maria')}"}
    own = api.get("/api/v1/kpi/scores?period=2026-11", headers=maria_headers).get_json()
    assert [r["manager"] for r in own["managers"]] == ["maria"]
    assert api.get("/api/v1/kpi/card?manager=admin", headers=maria_headers).status_code == 403
    assert api.post("/api/v1/kpi/definitions", headers=maria_headers, json={
        "code": "x", "formula": "1", "target": "1", "division": "sales"}).status_code == 403
    assert api.get("/api/v1/kpi/scores", headers={
        "Authorization": f"Bearer {site.token('ivan')}"}).get_json()["managers"] == []
    # a KPI for a role applies to its holders, scored by bands
    by_role = api.post("/api/v1/kpi/definitions", headers=headers, json={
        "code": "tidy", "formula": "overdue_tasks + 1", "target": "1", "role": "engineer",
        "direction": "lower", "scale": "bands", "bands": [["0.5", "0.5"], ["1", "1"]]})
    assert by_role.status_code == 201, by_role.get_data(as_text=True)
    assert by_role.get_json()["kpi"]["bands"] == [["0.5", "0.5"], ["1", "1"]]
    ivan = api.get("/api/v1/kpi/scores?period=2026-11&manager=ivan",
                   headers=headers).get_json()["managers"]
    assert [(k["code"], k["actual"], k["score"]) for k in ivan[0]["kpis"]] == [
        ("tidy", "1.00", "1.0000")]
    division = api.post("/api/v1/kpi/divisions", headers=headers, json={
        "code": "store", "name": "Warehouse", "kind": "warehouse", "members": ["nobody"]})
    assert division.status_code == 404 and division.get_json()["error"]["field"] == "members"
    assert "store" not in [d["code"] for d in api.get(
        "/api/v1/kpi/divisions", headers=headers).get_json()["divisions"]]

    browser = site.client("maria")
    page = browser.get("/kpi/?period=2026-11").get_data(as_text=True)
    figure = page[page.index('<figure class="chart"'):page.index("</figure>")]
    assert 'data-score="0.5840"' in page and "<svg" in figure and "<script" not in figure
    assert 'data-widget="kpi-mine"' in browser.get("/").get_data(as_text=True)
    owner = site.client("admin")
    ranking = owner.get("/kpi/ranking?period=2026-11").get_data(as_text=True)
    assert ranking.index('data-manager="admin"') < ranking.index('data-manager="maria"')
    csv = owner.get("/kpi/export.csv?period=2026-11")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("period,rank,manager") and len(lines) == 8  # 1 + 3 + 3 + 1
    xlsx = owner.get("/kpi/export.xlsx?period=2026-11")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:3] == ["period", "rank",
                                                                        "manager"]
    assert sheet.max_row == 8
    exported = site.cli(["kpi", "export", "--period", "2026-11", "--format", "csv",
                         "--output", str(tmp_path / "kpi.csv"), "--json"])
    assert exported.exit_code == 0 and exported.json()["rows"] == 7, exported.output
    assert (tmp_path / "kpi.csv").read_text().splitlines() == lines


def test_metrics_of_crm_proposals_production_sales_and_tasks(make_site):
    """Each plugin's metric over rows of its own, summed per manager in SQL."""
    from datetime import date, datetime, timedelta

    from sqlalchemy import select

    from ordercraft.core.services.users import create_user
    from ordercraft.plugins.crm.clients import create_client
    from ordercraft.plugins.crm.deals import create_deal, move_deal
    from ordercraft.plugins.crm.interactions import log_interaction
    from ordercraft.plugins.production.models import ProductionOrder
    from ordercraft.plugins.proposals.models import ProposalVersion
    from ordercraft.plugins.proposals.proposals import create_proposal
    from ordercraft.plugins.sales.models import Invoice
    from ordercraft.sdk.models import Item, User, Warehouse
    from ordercraft.sdk.plugins import plugin_service
    from ordercraft.sdk.workflow import Task, WorkflowEvent

    site = kit.build(make_site, plugins=["crm", "sales", "proposals", "production",
                                         "analysis"])
    now = datetime.now().replace(microsecond=0)
    with site.session() as session:
        maria = create_user(session, "maria", roles=["manager"])
        create_client(session, "Atlas Automation", manager="maria")
        for amount, moves in (("1000", ("qualify", "propose", "win")),
                              ("500.50", ("qualify", "propose", "win")),
                              ("900", ("lose",))):
            deal = create_deal(session, "Atlas Automation", "Robots", amount=amount,
                               manager="maria")
            for name in moves:
                move_deal(session, deal.id, name, reason="price" if name == "lose" else None)
        for subject in ("Call", "Visit"):
            log_interaction(session, "Atlas Automation", kind="meeting", subject=subject,
                            manager="maria", at=now - timedelta(hours=2))
        session.add_all([
            Task(title="Late", assignee_id=maria.id, deadline=now - timedelta(hours=1),
                 created_at=now - timedelta(days=3)),
            Task(title="Done in time", assignee_id=maria.id, status="done",
                 deadline=now - timedelta(hours=1), finished_at=now - timedelta(hours=5),
                 created_at=now - timedelta(days=3))])
        proposal = create_proposal(session, "Atlas Automation", valid_until="2099-12-31")
        proposal.manager_id = maria.id
        session.add(ProposalVersion(proposal_id=proposal.id, version=1, sent_at=now))
        item = session.scalar(select(Item.id).where(Item.sku == "KIT"))
        warehouse = session.scalar(select(Warehouse.id))
        for number, due in (("PO-1", date.today() + timedelta(days=1)),
                            ("PO-2", date(2000, 1, 1))):
            order = ProductionOrder(number=number, item_id=item, warehouse_id=warehouse,
                                    qty=D(1), due_date=due, state="done",
                                    state_changed_at=now)
            session.add(order)
            session.flush()
            session.add(WorkflowEvent(at=now, kind="transition", user_id=maria.id,
                                      document_type="production_order",
                                      document_id=order.id))
    order_id = kit.order(site, "KIT:1:320", manager="maria", order_date="2000-01-10")
    with site.session() as session:
        session.add(Invoice(number="INV-1", kind="shipment", order_id=order_id,
                            party_id=kit_party(session), currency="EUR",
                            issue_date=date(2000, 2, 1), due_date=date(2000, 3, 1),
                            total=D(100), open_amount=D(60), state="issued"))
    with site.session() as session:
        values = plugin_service(session, "analysis", "metrics").values(
            session, ["deals_won", "deals_won_amount", "conversion", "interactions",
                      "overdue_tasks", "proposals_sent", "production_on_time",
                      "receivables_overdue"], date(2000, 1, 1), date.today())
        maria_id = session.scalar(select(User.id).where(User.name == "maria"))
    mine = {name: found.get(maria_id) for name, found in values.items()}
    assert mine["conversion"].quantize(D("0.01")) == D("66.67")
    del mine["conversion"]
    assert mine == {"deals_won": 2, "deals_won_amount": D("1500.50"), "interactions": 2,
                    "overdue_tasks": 1, "proposals_sent": 1, "production_on_time": 1,
                    "receivables_overdue": 60}


def kit_party(session):
    from sqlalchemy import select

    from ordercraft.sdk.models import Party

    return session.scalar(select(Party.id).where(Party.name == kit.SCHOOL))
