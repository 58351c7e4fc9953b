"""service: serial numbers and warranty, complaints through their SLA with a warranty
repair posting stock, attachments, the knowledge base's full-text search, reports, and
the refusals (field named, nothing saved)."""

from __future__ import annotations

import base64
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

import sales_kit
import service_kit as kit
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError

D = Decimal
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def _ship(site, *numbers, client=kit.SCHOOL, day=date(2025, 3, 31)):
    from ordercraft.plugins.service.complaints import ship_serials

    with site.session() as session:
        return [u.number for u in ship_serials(session, client, list(numbers),
                                               shipment="SH-1", ship_date=day)]


def test_working_time_follows_the_working_calendar():
    from ordercraft.plugins.service.sla import add_working_time, deadlines
    from ordercraft.sdk.calendar import WorkingCalendar

    week = WorkingCalendar.from_text("mon,tue,wed,thu,fri", "")
    friday = datetime(2026, 12, 4, 22, 0)
    assert add_working_time(week, friday, 4) == datetime(2026, 12, 7, 2, 0)
    saturday = datetime(2026, 12, 5, 9, 0)
    assert add_working_time(week, saturday, 8) == datetime(2026, 12, 7, 8, 0)
    assert deadlines(week, "urgent", datetime(2026, 12, 3, 12, 0)) == (
        datetime(2026, 12, 3, 16, 0), datetime(2026, 12, 4, 12, 0))
    # normal: 5 working days to resolve, a weekend in between
    assert deadlines(week, "normal", datetime(2026, 12, 4, 12, 0))[1] == datetime(
        2026, 12, 11, 12, 0)
    # a holiday is skipped like a weekend; a six-day week counts its Saturday
    christmas = WorkingCalendar.from_text("mon,tue,wed,thu,fri", "2026-12-25")
    assert add_working_time(christmas, datetime(2026, 12, 24, 22, 0), 4) == datetime(
        2026, 12, 28, 2, 0)
    six_days = WorkingCalendar.from_text("mon,tue,wed,thu,fri,sat", "")
    assert add_working_time(six_days, friday, 4) == datetime(2026, 12, 5, 2, 0)


def test_complaint_deadlines_come_from_the_site_calendar(site):
    from ordercraft.plugins.service.complaints import create_complaint
    from ordercraft.sdk.settings import set_setting

    with site.session() as session:
        set_setting(session, "working_days", "mon,tue,wed,thu,fri")
        set_setting(session, "holidays", "2026-12-07")
    with site.session() as session:
        complaint = create_complaint(session, kit.SCHOOL, description="No power",
                                     priority="urgent", now=datetime(2026, 12, 4, 22, 0))
        # Saturday, Sunday and the Monday holiday do not count
        assert complaint.response_due == datetime(2026, 12, 8, 2, 0)


def test_warranty_ends_a_period_after_shipment():
    from ordercraft.plugins.service.complaints import add_months

    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 31), 24) == date(2027, 3, 31)


def test_shipped_units_belong_to_the_client_and_show_on_the_card(site):
    from ordercraft.plugins.service.complaints import serial_dict, serials_of_client

    assert _ship(site, "RB-001", "RB-002") == ["RB-001", "RB-002"]
    with site.session() as session:
        from ordercraft.sdk.parties import get_party

        school = get_party(session, kit.SCHOOL)
        units = [serial_dict(session, u) for u in serials_of_client(session, school.id)]
        school_id = school.id
    assert [(u["number"], u["warranty_end"], u["shipment"]) for u in units] == [
        ("RB-001", date(2027, 3, 31), "SH-1"), ("RB-002", date(2027, 3, 31), "SH-1")]
    page = site.client(login="admin").get(f"/crm/clients/{school_id}").text
    assert 'data-section="service-units"' in page and "RB-002" in page
    assert "Mar 31, 2027" in page and 'data-section="service-kb"' in page


def test_a_unit_shipped_twice_is_refused_and_nothing_is_saved(site):
    from ordercraft.plugins.service.complaints import get_serial

    _ship(site, "RB-001")
    with pytest.raises(Conflict, match="serials.1: 'RB-001' was already shipped on 2025-03-31"):
        _ship(site, "RB-003", "RB-001", client=kit.CLUB)
    with site.session() as session:
        assert get_serial(session, "RB-003").party_id is None  # nothing recorded
    with pytest.raises(Conflict, match="serials.1: 'RB-004' was already shipped"):
        _ship(site, "RB-004", "RB-004")
    result = site.cli(["serial", "ship", "RB-001", "--client", kit.CLUB, "--json"])
    assert result.exit_code == 2 and "already shipped" in result.output
    response = site.client(login="admin").post(
        "/api/v1/serials/shipments", json={"client": kit.CLUB, "serials": ["RB-001"]})
    assert response.status_code == 409 and "already shipped" in response.get_json()["error"]["message"]


def test_registering_serials_refuses_bad_input(site):
    from ordercraft.plugins.service.complaints import register_serials

    with site.session() as session, pytest.raises(ValidationError, match="'KIT' is not serial"):
        register_serials(session, "KIT", ["K-1"])
    with site.session() as session, pytest.raises(Conflict, match="'RB-001' is already"):
        register_serials(session, "ROBOT-STD", ["RB-100", "RB-001"])
    with site.session() as session, pytest.raises(ValidationError, match="serials.1"):
        register_serials(session, "ROBOT-STD", ["RB-200", "RB-200"])
    result = site.cli(["serial", "register", "ROBOT-STD", "RB-100", "--ref", "GR-2", "--json"])
    assert result.exit_code == 0, result.output
    assert '"origin_ref": "GR-2"' in result.output


def test_sla_hours_run_on_the_sites_working_calendar():
    from ordercraft.plugins.service.sla import add_working_time, deadlines
    from ordercraft.sdk.calendar import WorkingCalendar

    calendar = WorkingCalendar.from_text("mon,tue,wed,thu,fri,sat", "2026-12-07")
    friday = datetime(2026, 12, 4, 22, 0)
    # Saturday is worked, Sunday is not, Monday is a holiday
    assert add_working_time(calendar, friday, 4) == datetime(2026, 12, 5, 2, 0)
    assert add_working_time(calendar, friday, 30) == datetime(2026, 12, 8, 4, 0)
    assert deadlines(calendar, "urgent", friday)[0] == datetime(2026, 12, 5, 2, 0)


def test_a_complaint_goes_through_its_sla_with_a_warranty_repair(site):
    from ordercraft.plugins.service import complaints
    from ordercraft.sdk.stock import balance
    from ordercraft.sdk.workflow import transition

    _ship(site, "RB-001", day=date.today())
    opened = datetime(2026, 12, 4, 10, 0)  # a Friday
    with site.session() as session:
        complaint = complaints.create_complaint(
            session, kit.SCHOOL, serial="RB-001", priority="high",
            description="The robot overheats and stops", now=opened)
        assert complaint.warranty and complaint.number == "CMP-00001"
        assert complaint.response_due == datetime(2026, 12, 4, 18, 0)
        assert complaint.resolution_due == datetime(2026, 12, 8, 10, 0)
        tasks = complaints.complaint_tasks(session, complaint)
        assert [(t.title, t.deadline, t.status) for t in tasks] == [
            ("Respond to complaint CMP-00001", complaint.response_due, "open")]
        transition(session, complaint, "accept", now=datetime(2026, 12, 4, 11, 0))
        transition(session, complaint, "start", now=datetime(2026, 12, 4, 12, 0))
        part = complaints.issue_part(session, complaint.id, "CPU-A8", 2, warehouse="PARTS",
                                     issue_date=date(2026, 12, 4))
        assert part.cost == D("196.00")
        transition(session, complaint, "resolve", now=datetime(2026, 12, 7, 9, 0))
        tasks = complaints.complaint_tasks(session, complaint)
        assert [(t.title, t.status) for t in tasks] == [
            ("Respond to complaint CMP-00001", "done"), ("Resolve complaint CMP-00001", "done")]
        body = complaints.complaint_dict(session, complaint)
        assert body["warranty_cost"] == D("196.00") and body["state"] == "resolved"
        assert str(balance(session, "CPU-A8", "PARTS").qty) in ("8", "8.000000")
        assert complaints.warranty_costs(session) == [
            {"item": "ROBOT-STD", "complaints": 1, "warranty_cost": D("196.00")}]
        assert complaints.sla_compliance(session, now=datetime(2026, 12, 9))[0] == {
            "priority": "high", "complaints": 1, "responded_in_time": 1,
            "resolved_in_time": 1, "late": 0, "compliance_pct": D("100.0")}


def test_rejecting_needs_a_reason_and_parts_need_an_open_complaint(site):
    from ordercraft.plugins.service import complaints
    from ordercraft.sdk.workflow import transition

    with site.session() as session:
        complaint = complaints.create_complaint(session, kit.CLUB, description="Scratched")
        with pytest.raises(ValidationError):
            transition(session, complaint, "reject")
        transition(session, complaint, "reject", reason="damaged in transport")
        assert complaint.state == "rejected" and complaint.reason == "damaged in transport"
        with pytest.raises(Conflict, match="is rejected"):
            complaints.issue_part(session, complaint.id, "CPU-A8", 1, warehouse="PARTS")


def test_complaint_input_is_checked(site):
    from ordercraft.plugins.service import complaints

    with site.session() as session:
        with pytest.raises(ValidationError, match="priority"):
            complaints.create_complaint(session, kit.SCHOOL, description="x", priority="asap")
        with pytest.raises(NotFound, match="'RB-999'"):
            complaints.create_complaint(session, kit.SCHOOL, description="x", serial="RB-999")
    _ship(site, "RB-002", client=kit.CLUB)
    with site.session() as session, pytest.raises(ValidationError, match="another client"):
        complaints.create_complaint(session, kit.SCHOOL, description="x", serial="RB-002")
    client = site.client(login="admin")
    response = client.post("/api/v1/complaints", json={"client": kit.SCHOOL,
                                                        "description": "x", "category": "?"})
    assert response.status_code == 400
    with site.session() as session:
        assert complaints.list_complaints(session) == []


def test_a_complaint_form_with_several_mistakes_lists_them_all_at_once(site):
    from ordercraft.plugins.service import complaints

    client = site.client(login="admin")
    page = client.get("/service/complaints").text
    assert 'name="description" required maxlength="10000"' in page
    assert 'name="serial" value="" maxlength="60"' in page
    sent = client.post("/service/complaints", data={
        "client": "Nobody Ltd", "category": "?", "priority": "asap", "serial": "RB-999",
        "item": "NO-SUCH", "description": ""})
    assert sent.status_code == 422
    for part in ("party 'Nobody Ltd' does not exist", "category: ", "priority: ",
                 "serial number 'RB-999' does not exist", "item", "describe the problem"):
        assert part in sent.text.replace("&#39;", "'"), part
    api = client.post("/api/v1/complaints", json={"client": kit.SCHOOL, "description": "",
                                                  "priority": "asap"})
    assert api.status_code == 400
    assert {e["field"] for e in api.get_json()["error"]["details"]["errors"]} == {
        "priority", "description"}
    with site.session() as session:
        assert complaints.list_complaints(session) == []
        complaint = complaints.create_complaint(session, kit.SCHOOL, description="Broken")
        from ordercraft.sdk.workflow import transition

        transition(session, complaint, "accept")
        with pytest.raises(ValidationError) as raised:
            complaints.issue_part(session, complaint.id, "NO-SUCH", "-1", warehouse="")
        assert set(raised.value.details["errors"]) == {"sku", "qty", "warehouse"}


def test_attachments_are_checked_and_served_to_readers_only(site):
    from ordercraft.core.services.users import create_user
    from ordercraft.plugins.service import complaints

    with site.session() as session:
        complaint_id = complaints.create_complaint(session, kit.SCHOOL, description="Noise").id
        create_user(session, "stranger", roles=[], password="stranger-password-1")
    client = site.client(login="admin")
    url = f"/api/v1/complaints/{complaint_id}/attachments"
    ok = client.post(url, json={"filename": "photo.png",
                                "content_base64": base64.b64encode(PNG).decode()})
    assert ok.status_code == 201, ok.text
    exe = client.post(url, json={"filename": "tool.exe", "content_base64": "TVo="})
    assert exe.status_code == 400 and "'tool.exe' is of a refused type" in exe.get_json()["error"]["message"]
    fake = client.post(url, json={"filename": "photo.png", "content_base64": "TVo="})
    assert fake.status_code == 400 and "is not a PNG file" in fake.get_json()["error"]["message"]
    with site.session() as session, pytest.raises(ValidationError, match="over the limit"):
        complaints.add_attachment(session, complaint_id, "big.txt", b"x" * 101, max_bytes=100)
    with site.session() as session:
        assert [a.filename for a in complaints.get_complaint(session, complaint_id)
                .attachments] == ["photo.png"]
        attachment_id = complaints.get_complaint(session, complaint_id).attachments[0].id
    page = f"/service/complaints/{complaint_id}/attachments/{attachment_id}"
    served = client.get(page)
    assert served.status_code == 200 and served.data == PNG
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    stranger = site.client(login="stranger", password="stranger-password-1")
    assert stranger.get(page).status_code == 403


def test_knowledge_base_search_and_the_article_that_solved_it(site):
    from ordercraft.plugins.service import complaints

    with site.session() as session:
        first = complaints.save_article(session, "Robot does not start after charging",
                                        "Reseat the battery connector.", category="power",
                                        tags="battery, charging")
        complaints.save_article(session, "Distance sensor reads zero",
                                "Clean the window and calibrate.", category="sensors")
        assert [a.title for a in complaints.search_articles(session, "batt")] == [
            first.title]
        assert [a.title for a in complaints.search_articles(session, "calibrate sensor")] == [
            "Distance sensor reads zero"]
        assert complaints.search_articles(session, "charging", category="sensors") == []
        assert complaints.search_articles(session, '"); drop --') == []
        complaints.save_article(session, "Robot does not boot", "Flash the firmware.",
                                article_id=first.id)
        assert complaints.search_articles(session, "battery") == []
        assert [a.id for a in complaints.search_articles(session, "boot")] == [first.id]
        complaint = complaints.create_complaint(session, kit.SCHOOL, description="No boot")
        complaints.link_article(session, complaint.id, first.id)
        complaint_id = complaint.id
    client = site.client(login="admin")
    found = client.get("/api/v1/articles?q=firmw").get_json()
    assert [a["title"] for a in found] == ["Robot does not boot"]
    assert client.get(f"/api/v1/complaints/{complaint_id}").get_json()["article"] == {
        "id": first.id, "title": "Robot does not boot"}
    changed = client.put(f"/api/v1/articles/{first.id}", json={
        "title": "Robot does not boot", "body": "Flash the firmware again.", "tags": ["usb"]})
    assert changed.status_code == 200 and changed.get_json()["tags"] == ["usb"]
    assert [a["id"] for a in client.get("/api/v1/articles?q=usb").get_json()] == [first.id]
    assert client.put("/api/v1/articles/9999", json={"title": "x"}).status_code == 404
    result = site.cli(["article", "search", "sensor", "--json"])
    assert result.exit_code == 0 and "Distance sensor reads zero" in result.output


def test_reports_by_item_category_and_defect_rate(site):
    import sales_kit
    from ordercraft.plugins.service import complaints

    order_id = sales_kit.order(site, "ROBOT-STD:4")
    sales_kit.move(site, order_id, "confirm")
    sales_kit.ship(site, order_id, serials={1: kit.UNITS[:4]})
    with site.session() as session:
        complaints.create_complaint(session, kit.SCHOOL, item="ROBOT-STD", description="a")
        complaints.create_complaint(session, kit.SCHOOL, item="KIT", category="delivery",
                                    description="b", cause="packaging")
        assert complaints.complaints_report(session, "item") == [
            {"item": "KIT", "complaints": 1}, {"item": "ROBOT-STD", "complaints": 1}]
        assert complaints.complaints_report(session, "cause") == [
            {"cause": None, "complaints": 1}, {"cause": "packaging", "complaints": 1}]
        assert complaints.defect_rates(session) == [
            {"item": "ROBOT-STD", "complaints": 1, "shipped": D(4), "defect_rate": D("0.25")}]
        month = date.today().isoformat()[:7]
        assert complaints.complaints_report(session, "month") == [
            {"month": month, "complaints": 2}]
    result = site.cli(["service-report", "defect-rates", "--json"])
    assert result.exit_code == 0 and '"defect_rate": "0.2500"' in result.output
    with site.session() as session, pytest.raises(ValidationError, match="by"):
        complaints.complaints_report(session, "colour")


def test_cli_and_pages(site):
    result = site.cli(["complaint", "add", "--client", kit.SCHOOL, "--description",
                       "Wheel squeaks", "--priority", "low", "--json"])
    assert result.exit_code == 0, result.output
    assert '"number": "CMP-00001"' in result.output
    refused = site.cli(["complaint", "add", "--client", kit.SCHOOL, "--description", "x",
                        "--priority", "asap"])
    assert refused.exit_code == 2 and "priority: 'asap'" in refused.stderr
    moved = site.cli(["complaint", "transition", "1", "accept", "--json"])
    assert moved.exit_code == 0, moved.output
    client = site.client(login="admin")
    page = client.get("/service/complaints/1").text
    assert "CMP-00001" in page and "Wheel squeaks" in page and 'data-section="sla"' in page
    assert client.get("/service/complaints").status_code == 200
    assert client.get("/service/reports").status_code == 200
    assert client.get("/service/articles?q=wheel").status_code == 200


def test_a_finished_production_order_numbers_its_units(site):
    from types import SimpleNamespace

    from ordercraft.plugins.service.complaints import list_serials
    from ordercraft.plugins.service.hooks import serials_for_production
    from ordercraft.sdk.items import get_item

    with site.session() as session:
        robot, kit_item = get_item(session, "ROBOT-STD"), get_item(session, "KIT")
        serials_for_production(session, SimpleNamespace(
            item_id=robot.id, qty=D(3), qty_done=D(2), number="MO-00001"))
        serials_for_production(session, SimpleNamespace(  # not serial-tracked: nothing
            item_id=kit_item.id, qty=D(1), qty_done=D(1), number="MO-00002"))
        made = [(s.number, s.origin, s.origin_ref) for s in list_serials(session)
                if s.number.startswith("MO-")]
    assert made == [("MO-00001-001", "produced", "MO-00001"),
                    ("MO-00001-002", "produced", "MO-00001")]


def test_a_complaint_about_an_order_names_an_existing_order(site):
    import sales_kit
    from ordercraft.plugins.service import complaints

    order_id = sales_kit.order(site, "KIT:1")
    with site.session() as session:
        assert complaints.create_complaint(session, kit.SCHOOL, description="Late",
                                           category="delivery", order_id=order_id).order_id
        with pytest.raises(NotFound):
            complaints.create_complaint(session, kit.SCHOOL, description="x", order_id=9999)


def test_sla_compliance_per_team(site):
    """A complaint's team is the kpi division of whoever holds its latest task."""
    from ordercraft.core.services.users import create_user
    from ordercraft.plugins.kpi.service import save_division
    from ordercraft.plugins.service import complaints
    from ordercraft.sdk.workflow import transition

    opened = datetime(2026, 12, 1, 9, 0)
    with site.session() as session:
        create_user(session, "lead", roles=["service"], password="lead-password-12")
        sam = create_user(session, "sam", roles=["service"], password="sam-password-123")
        olga = create_user(session, "olga", roles=["service"], password="olga-password-12")
        save_division(session, "svc", "Service desk", "sales", members=["sam"],
                      heads=["lead"])
        on_time = complaints.create_complaint(session, kit.SCHOOL, description="a", now=opened)
        late = complaints.create_complaint(session, kit.SCHOOL, description="b", now=opened)
        loner = complaints.create_complaint(session, kit.CLUB, description="c", now=opened)
        complaints.create_complaint(session, kit.CLUB, description="d", now=opened)
        for complaint in (on_time, late):
            complaints.complaint_tasks(session, complaint)[0].assignee_id = sam.id
        complaints.complaint_tasks(session, loner)[0].assignee_id = olga.id
        transition(session, on_time, "accept", now=datetime(2026, 12, 1, 10, 0))
        transition(session, on_time, "resolve", now=datetime(2026, 12, 2, 9, 0))
        for task in complaints.complaint_tasks(session, on_time):
            task.assignee_id = sam.id
        rows = complaints.sla_compliance(session, by="team", now=datetime(2026, 12, 31))
    assert [(r["team"], r["complaints"], r["resolved_in_time"], r["late"],
             r["compliance_pct"]) for r in rows] == [
        ("Service desk", 2, 1, 1, D("50.0")), ("no team", 1, 0, 1, D("0.0")),
        ("unassigned", 1, 0, 1, D("0.0"))]
    result = site.cli(["service-report", "sla-by-team", "--json"])
    assert result.exit_code == 0 and '"team": "Service desk"' in result.output


def test_an_overdue_response_is_escalated_by_the_engine(site):
    from ordercraft.core.workflow.tasks import escalate_overdue
    from ordercraft.plugins.service import complaints

    opened = datetime(2026, 12, 3, 9, 0)
    with site.session() as session:
        complaint = complaints.create_complaint(session, kit.SCHOOL, description="Dead",
                                                priority="urgent", now=opened)
        task = complaints.complaint_tasks(session, complaint)[0]
        assert task.deadline == datetime(2026, 12, 3, 13, 0) and task.role == "service"
        assert escalate_overdue(session, datetime(2026, 12, 3, 12, 0)) == []
        assert escalate_overdue(session, datetime(2026, 12, 3, 14, 0)) == [task.id]
        assert task.escalated_at == datetime(2026, 12, 3, 14, 0)


def test_hook_shipment_serials(site):
    """A sales shipment of a serial-tracked item takes its serial numbers (CLI, API, web
    form): required, as many as shipped, registered units in stock, not shipped before;
    anything else refuses the shipment whole."""
    from ordercraft.plugins.service.complaints import add_months
    from ordercraft.plugins.service.models import Serial

    _ship(site, "RB-006")
    order_id = sales_kit.order(site, "ROBOT-STD:2", "KIT:1")
    sales_kit.move(site, order_id, "confirm")
    before = sales_kit.state(site, order_id)
    for serials, field, says in (
            (None, "serials.1", "give the serial numbers of the 2 units shipped (0 given)"),
            ({1: ["RB-001"]}, "serials.1", "(1 given)"),
            ({1: ["RB-001", "RB-999"]}, "serials.1", "'RB-999' is not a registered unit"),
            ({1: ["RB-001", "RB-001"]}, "serials.1", "given twice"),
            ({1: ["RB-001", "RB-002"], 2: ["K-1"]}, "serials.2", "is not serial-tracked"),
            ({1: ["RB-001", "RB-006"]}, "serials.1", "already shipped"),
            ({7: ["RB-001"]}, "serials.7", "has no line 7")):
        with pytest.raises((ValidationError, Conflict), match=re.escape(says)) as refused:
            sales_kit.ship(site, order_id, serials=serials)
        assert refused.value.field.startswith(field.split(".")[0]), refused.value.field
    assert sales_kit.state(site, order_id) == before  # nothing shipped
    result = site.cli(["order", "ship", str(order_id), "--serials", "1:RB-001, RB-002",
                       "--json"])
    assert result.exit_code == 0, result.output
    with site.session() as session:
        from ordercraft.sdk.parties import get_party

        school = get_party(session, kit.SCHOOL)
        units = session.scalars(select(Serial).where(Serial.order_id == order_id)
                                .order_by(Serial.number)).all()
        assert [(u.number, u.party_id, u.shipment_ref, u.warranty_end) for u in units] == [
            (n, school.id, f"{units[0].shipment_ref}", add_months(date.today(), 24))
            for n in ("RB-001", "RB-002")]
        assert units[0].shipment_ref.endswith("-1")
    # The API and the web form take them too.
    second = sales_kit.order(site, "ROBOT-STD:1")
    sales_kit.move(site, second, "confirm")
    headers = {"Authorization": f"Bearer {site.token()}"}
    client = site.client()
    refused = client.post(f"/api/v1/orders/{second}/shipments", headers=headers, json={})
    assert refused.status_code in (400, 422) and refused.json["error"]["field"] == "serials.1"
    done = client.post(f"/api/v1/orders/{second}/shipments", headers=headers,
                       json={"serials": {"1": ["RB-003"]}})
    assert done.status_code == 201, done.json
    third = sales_kit.order(site, "ROBOT-STD:1")
    sales_kit.move(site, third, "confirm")
    browser = site.client(login="admin")
    page = browser.get(f"/orders/{third}")
    assert 'name="serials.1"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    wrong = browser.post(f"/orders/{third}/ship", data={
        "csrf_token": token, "ship.1": "1", "serials.1": "RB-001"})
    assert wrong.status_code == 422 and "already shipped" in wrong.text
    posted = browser.post(f"/orders/{third}/ship", data={
        "csrf_token": token, "ship.1": "1", "serials.1": "RB-004"})
    assert posted.status_code == 303
    with site.session() as session:
        assert session.scalar(select(Serial.order_id).where(Serial.number == "RB-004")) == third
