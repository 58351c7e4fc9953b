"""The workflow in the browser and the JSON API: "My tasks", task pages and actions, the
template viewer, a plugin's document page with its transition buttons and timeline, and
/api/v1/tasks, /api/v1/processes and the transition routes plugins get from
``workflow_routes``."""


import pytest
import yaml
from flask import Blueprint, render_template_string

import workflow_kit as kit
from ordercraft.core.workflow.documents import transition
from ordercraft.core.workflow.processes import import_shipped
from ordercraft.core.workflow.tasks import create_task
from workflow_kit import T0

ORDER_PAGE = """{% extends "base.html" %}
{% from "workflow/_macros.html" import transition_buttons, timeline %}
{% block content %}<h1>Order {{ order.number }}</h1>
<section class="card">{{ transition_buttons(panel) }}</section>{{ timeline(panel) }}
{% endblock %}"""


def web_blueprints():
    from ordercraft.sdk.web import document_panel, login_required, request_session, workflow_routes

    pages = Blueprint("kit_pages", __name__, url_prefix="/kit")

    @pages.get("/orders/<int:document_id>")
    @login_required
    def order(document_id):
        found = request_session().get(kit.Order, document_id)
        return render_template_string(ORDER_PAGE, order=found, panel=document_panel(found))

    api = Blueprint("kit_api", __name__, url_prefix="/api/v1")
    workflow_routes(api, "orders", "order")
    return [pages, api]


@pytest.fixture
def shop(make_site):
    machines = lambda: [kit.order_machine(page_endpoint="kit_pages.order"),  # noqa: E731
                        kit.deal_machine()]
    site = make_site(extra_plugins=[kit.documents_plugin(machines=machines,
                                                         web_blueprints=web_blueprints)])
    site.staff = kit.add_staff(site, with_passwords=("eva", "director"))
    return site


def bearer(site, user):
    return {"Authorization": f"Bearer {site.token(user)}"}


def robot_order(site, **values):
    with site.session() as session:
        import_shipped(session, ["custom-robot-order"])
    order_id = kit.new_order(site, "SO-9", custom_count=2,
                             manager_id=site.user("mark").id, **values)
    with site.session(user=site.user("mark")) as session:
        transition(session, session.get(kit.Order, order_id), "confirm")
    return order_id


def test_my_tasks_page_puts_overdue_first(shop):
    with shop.session() as session:
        # Made in 2024 with a deadline an hour later: overdue by now.
        create_task(session, "Call the school back", assignee="eva", deadline=kit.at(1),
                    now=T0)
        create_task(session, "Someone else's", assignee="emil")
    robot_order(shop)
    client = shop.client(login="eva", password="password-1")
    page = client.get("/tasks/").get_data(as_text=True)
    assert "My tasks" in page and "1 of yours overdue" in page
    first = page.index("Call the school back")
    second = page.index("Price the custom robots of order SO-9")
    assert first < second and "Someone else" not in page
    assert 'class="overdue"' in page and "overdue by" in page
    assert 'href="/kit/orders/1">order SO-9</a>' in page  # the document's own page
    overdue = client.get("/tasks/?view=overdue").get_data(as_text=True)
    assert "Call the school back" in overdue and "Price the custom robots" not in overdue
    assert '<a href="/tasks/"' in client.get("/").get_data(as_text=True)  # the menu entry


def test_task_page_and_its_actions(shop):
    robot_order(shop)
    client = shop.client(login="eva", password="password-1")
    page = client.get("/tasks/1").get_data(as_text=True)
    assert "Run the robot calculator for every custom robot" in page
    assert 'action="/tasks/1/done"' in page and "Custom robot order" not in page
    refused = client.post("/tasks/1/done", follow_redirects=True).get_data(as_text=True)
    assert "task 1 has unticked checklist items" in refused
    for number in (1, 2, 3):
        assert client.post(f"/tasks/1/check/{number}").status_code == 303
    client.post("/tasks/1/comments", data={"text": "Priced at 1,840 each"})
    done = client.post("/tasks/1/done", follow_redirects=True).get_data(as_text=True)
    assert "Task 1 is done." in done and "Priced at 1,840 each" in done
    with shop.session() as session:
        from ordercraft.core.workflow.tasks import get_task

        assert get_task(session, 1).status == "done"
        assert get_task(session, 2).assignee.name == "mark"  # the process moved on


def test_reassign_form_only_for_those_who_may(shop):
    robot_order(shop)
    eva = shop.client(login="eva", password="password-1")
    assert 'action="/tasks/1/reassign"' not in eva.get("/tasks/1").get_data(as_text=True)
    refused = eva.post("/tasks/1/reassign", data={"to": "emil"}, follow_redirects=True)
    assert "may not reassign task 1" in refused.get_data(as_text=True)
    director = shop.client(login="director", password="password-1")
    assert 'action="/tasks/1/reassign"' in director.get("/tasks/1").get_data(as_text=True)
    director.post("/tasks/1/reassign", data={"to": "emil"})
    assert "emil" in director.get("/tasks/1").get_data(as_text=True)


def test_document_page_buttons_and_timeline(shop):
    order_id = kit.new_order(shop, manager_id=shop.user("mark").id)
    client = shop.client(login="admin")
    page = client.get(f"/kit/orders/{order_id}").get_data(as_text=True)
    assert f'action="/documents/order/{order_id}/transitions/confirm"' in page
    assert 'name="reason" required' in page  # cancel asks why
    assert f'name="next" value="/kit/orders/{order_id}"' in page
    moved = client.post(f"/documents/order/{order_id}/transitions/confirm",
                        data={"next": f"/kit/orders/{order_id}"})
    assert (moved.status_code, moved.headers["Location"]) == (303, f"/kit/orders/{order_id}")
    page = client.get(f"/kit/orders/{order_id}").get_data(as_text=True)
    assert "Order 1: draft → confirmed." in page and "confirmed the order (draft → confirmed)" in page
    refused = client.post(f"/documents/order/{order_id}/transitions/close",
                          follow_redirects=True).get_data(as_text=True)
    assert "is in state &#39;confirmed&#39;: &#39;close&#39; is not allowed from it" in refused
    client.post(f"/documents/order/{order_id}/comments", data={"text": "Client called"})
    history = client.get(f"/documents/order/{order_id}/timeline").get_data(as_text=True)
    assert "Client called" in history
    assert '<div class="wf-text">created</div>' in history  # the audit entry, in words
    assert f'href="/kit/orders/{order_id}">order SO-1</a>' in history


def test_buttons_follow_the_users_rights(shop):
    order_id = kit.new_order(shop)
    eva = shop.client(login="eva", password="password-1")
    page = eva.get(f"/kit/orders/{order_id}").get_data(as_text=True)
    assert "transitions/confirm" in page  # an economist may move orders
    with shop.session() as session:
        from ordercraft.core.services.users import create_user

        create_user(session, "sam", roles=["storekeeper"], password="password-2")
    sam = shop.client(login="sam", password="password-2")
    page = sam.get(f"/kit/orders/{order_id}").get_data(as_text=True)
    assert "transitions/confirm" not in page and "No action is open to you" in page
    assert "needs the permission &#39;document.transition&#39;" in page
    sam.post(f"/documents/order/{order_id}/transitions/confirm")
    with shop.session() as session:
        assert session.get(kit.Order, order_id).state == "draft"


def test_process_pages(shop):
    robot_order(shop)
    client = shop.client(login="admin")
    listing = client.get("/processes/").get_data(as_text=True)
    assert "Custom robot order" in listing and "transition confirm when custom_count" in listing
    viewer = client.get("/processes/custom-robot-order").get_data(as_text=True)
    for text in ("Price the custom robots of order {number}", "if <code>shortage_count &gt; 0"
                 "</code>", "deadline 1 d", "Moves the order with the transition ship",
                 "Start by hand"):
        assert text in viewer
    exported = client.get("/processes/custom-robot-order/export.yaml")
    assert yaml.safe_load(exported.data) == yaml.safe_load(
        kit.ROBOT_TEMPLATE.read_text())
    run = client.get("/processes/runs/1").get_data(as_text=True)
    assert "price" in run and "active" in run
    started = client.post("/processes/custom-robot-order/start", data={"document": "order:99"},
                          follow_redirects=True).get_data(as_text=True)
    assert "order 99 does not exist" in started


def test_tasks_api(shop):
    robot_order(shop)
    eva = bearer(shop, "eva")
    client = shop.app.test_client()
    mine = client.get("/api/v1/tasks", headers=eva).get_json()
    assert mine["total"] == 1 and mine["items"][0]["assignee"] == "eva"
    task_id = mine["items"][0]["id"]
    detail = client.get(f"/api/v1/tasks/{task_id}", headers=eva).get_json()
    assert detail["process"]["template"] == "custom-robot-order"
    assert [e["kind"] for e in detail["history"]] == ["task_created"]
    refused = client.post(f"/api/v1/tasks/{task_id}/done", json={}, headers=eva)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "checklist_incomplete"
    ticked = client.post(f"/api/v1/tasks/{task_id}/checklist/1", json={"done": True},
                         headers=eva).get_json()
    assert ticked["checklist"][0]["done"] is True
    assert client.post(f"/api/v1/tasks/{task_id}/comments", json={"text": "on it"},
                       headers=eva).status_code == 201
    other = client.post(f"/api/v1/tasks/{task_id}/done", json={"check_all": True},
                        headers=bearer(shop, "egor"))
    assert other.status_code == 403
    done = client.post(f"/api/v1/tasks/{task_id}/done", json={"check_all": True}, headers=eva)
    assert done.get_json()["status"] == "done"
    admin = bearer(shop, "admin")
    everyone = client.get("/api/v1/tasks?scope=all", headers=admin).get_json()
    assert [t["title"] for t in everyone["items"]] == [
        "Get the client's approval of the proposal for order SO-9"]
    moved = client.post(f"/api/v1/tasks/{everyone['items'][0]['id']}/reassign",
                        json={"to": "paula"}, headers=bearer(shop, "director"))
    assert moved.get_json()["assignee"] == "paula"
    created = client.post("/api/v1/tasks", headers=admin, json={
        "title": "Check the paint", "role": "engineer", "deadline": "2999-05-02T17:00:00+02:00",
        "checklist": ["Colour"], "documents": ["order:1"]})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["assignee"], body["deadline"], body["documents"]) == (
        "egor", "2999-05-02T15:00:00Z", [{"document_type": "order", "document_id": 1}])
    assert client.get("/api/v1/tasks?document=order:1&scope=all",
                      headers=admin).get_json()["total"] == 2
    bad = client.post("/api/v1/tasks", headers=admin, json={"title": "x", "colour": "red"})
    assert (bad.status_code, bad.get_json()["error"]["field"]) == (400, "colour")
    # The one parser of moments (the CLI's and the forms'): the same refusal everywhere.
    late = client.post("/api/v1/tasks", headers=admin, json={"title": "x", "role": "engineer",
                                                            "deadline": "2999-05-02 5pm"})
    assert (late.status_code, late.get_json()["error"]["message"]) == (
        400, "deadline: '2999-05-02 5pm' is not a date and time such as 2024-05-02 17:00 (UTC)")
    assert client.get("/api/v1/tasks/999", headers=admin).status_code == 404
    assert client.get("/api/v1/tasks").status_code == 401


def test_processes_api(shop):
    client = shop.app.test_client()
    admin = bearer(shop, "admin")
    text = kit.ROBOT_TEMPLATE.read_text()
    imported = client.post("/api/v1/processes", json={"text": text}, headers=admin)
    assert imported.status_code == 201
    assert imported.get_json() == {"name": "custom-robot-order", "version": 1, "created": True}
    again = client.post("/api/v1/processes", json={"template": yaml.safe_load(text)},
                        headers=admin)
    assert (again.status_code, again.get_json()["created"]) == (200, False)
    broken = yaml.safe_load(text)
    broken["steps"][2]["branch"][0]["if"] = "shortage_count >>> 0"
    refused = client.post("/api/v1/processes", json={"template": broken}, headers=admin)
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["code"] == "bad_template"
    assert error["details"]["errors"][0].startswith("step 'shortages' (#3): branch option #1")
    assert client.post("/api/v1/processes", json={"text": text},
                       headers=bearer(shop, "mark")).status_code == 403
    listed = client.get("/api/v1/processes", headers=admin).get_json()
    assert [(t["name"], t["steps"]) for t in listed] == [("custom-robot-order", 8)]
    detail = client.get("/api/v1/processes/custom-robot-order", headers=admin).get_json()
    assert detail["definition"] == yaml.safe_load(text)
    assert detail["steps"][2]["branch"] == [{"condition": "shortage_count > 0",
                                             "next": "purchase"},
                                            {"condition": None, "next": "start-production"}]
    order_id = kit.new_order(shop, manager_id=shop.user("mark").id)
    run = client.post("/api/v1/processes/custom-robot-order/runs",
                      json={"document": f"order:{order_id}"}, headers=bearer(shop, "mark"))
    assert run.status_code == 201
    run_id = run.get_json()["id"]
    runs = client.get("/api/v1/process-runs", headers=admin).get_json()
    assert runs["items"][0]["id"] == run_id
    assert client.get(f"/api/v1/process-runs/{run_id}", headers=admin).get_json()[
        "steps"][0]["step"] == "price"
    cancelled = client.post(f"/api/v1/process-runs/{run_id}/cancel", json={"reason": "test"},
                            headers=admin)
    assert cancelled.get_json()["status"] == "cancelled"
    assert client.get("/api/v1/processes/nope", headers=admin).status_code == 404


def test_transition_routes_of_a_plugin(shop):
    order_id = kit.new_order(shop, manager_id=shop.user("mark").id)
    client = shop.app.test_client()
    mark = bearer(shop, "mark")
    listed = client.get(f"/api/v1/orders/{order_id}/transitions", headers=mark).get_json()
    assert listed["state"] == "draft"
    assert [(t["name"], t["allowed"]) for t in listed["transitions"]] == [("confirm", True),
                                                                          ("cancel", True)]
    illegal = client.post(f"/api/v1/orders/{order_id}/transitions/ship", json={}, headers=mark)
    assert illegal.status_code == 409
    assert illegal.get_json()["error"]["details"]["allowed"] == ["confirm", "cancel"]
    forbidden = client.post(f"/api/v1/orders/{order_id}/transitions/confirm", json={},
                            headers=bearer(shop, "stas"))
    assert forbidden.status_code == 403
    no_reason = client.post(f"/api/v1/orders/{order_id}/transitions/cancel", json={},
                            headers=mark)
    assert (no_reason.status_code, no_reason.get_json()["error"]["field"]) == (400, "reason")
    moved = client.post(f"/api/v1/orders/{order_id}/transitions/confirm", json={},
                        headers=mark)
    assert (moved.status_code, moved.get_json()["target"]) == (200, "confirmed")
    assert client.post("/api/v1/orders/999/transitions/confirm", json={},
                       headers=mark).status_code == 404
    timeline = client.get(f"/api/v1/orders/{order_id}/timeline?newest_first=true",
                          headers=mark).get_json()
    texts = [e["text"] for e in timeline["items"]]
    assert "Confirm: draft → confirmed" in texts[:2]
    assert any(text.startswith("changed State: draft → confirmed") for text in texts[:2])
    assert {e["kind"] for e in timeline["items"]} >= {"transition", "audit_create"}
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/tasks", "/api/v1/tasks/{task_id}/done", "/api/v1/processes",
                 "/api/v1/process-runs/{run_id}",
                 "/api/v1/orders/{document_id}/transitions/{name}",
                 "/api/v1/orders/{document_id}/timeline"):
        assert path in spec["paths"], path
