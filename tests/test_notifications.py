"""The notifications plugin: a task assigned, reminded or escalated is told to the person in
the app (the bell, the list) and by e-mail through the outbox, as each person chose; in
the browser, the JSON API and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from ordercraft.core import scheduler
from ordercraft.core.errors import ValidationError
from ordercraft.core.mail.models import OutboxMessage
from ordercraft.core.models import User
from ordercraft.core.services.users import create_user
from ordercraft.core.workflow.tasks import create_task
from ordercraft.plugins.notifications.models import Notification
from ordercraft.sdk.mail import send_due

T0 = datetime(2024, 3, 4, 9, 0)
PASSWORD = "password-1"


def at(hours: float = 0) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def office(make_site, smtp_server):
    """Director Diana manages Eva (economist, with a password to log in) and Mark (no
    e-mail address); mail goes to the test's SMTP server."""
    site = make_site(plugins=["notifications"])
    with site.session() as session:
        create_user(session, "diana", roles=["manager"], full_name="Diana Director",
                    email="diana@workshop.example", password=PASSWORD)
        create_user(session, "eva", roles=["economist"], full_name="Eva Economist",
                    email="eva@workshop.example", manager="diana", password=PASSWORD)
        create_user(session, "mark", roles=["manager"], manager="diana")
    smtp_server.configure(site, site_url="https://crm.workshop.example")
    site.smtp = smtp_server
    return site


def add_task(site, title="Quote the robot kits", assignee="eva", **values):
    with site.session() as session:
        return create_task(session, title, assignee=assignee, now=T0,
                           **{"deadline": at(48), "remind_at": at(24), **values}).id


def told(site, name):
    with site.session() as session:
        return [(n.kind, n.text, n.read_at is None) for n in session.scalars(
            select(Notification).join(User, User.id == Notification.user_id)
            .where(User.name == name).order_by(Notification.id))]


def mails(site):
    send_due(site.platform)
    return [(mail.recipients, mail.subject) for mail in site.smtp.messages]


def test_assigned_reminded_and_escalated_in_the_app_and_by_mail(office):
    site = office
    task_id = add_task(site)
    scheduler.reminders_job(site.platform, at(24))
    scheduler.escalate_overdue_job(site.platform, at(49))

    due = "due 2024-03-06 09:00 UTC"
    assert told(site, "eva") == [
        ("assigned", f"Task 'Quote the robot kits' is assigned to you ({due})", True),
        ("reminder", f"Reminder: task 'Quote the robot kits' ({due})", True)]
    assert told(site, "diana") == [
        ("escalated", f"Task 'Quote the robot kits' of Eva Economist is overdue ({due})", True)]
    assert mails(site) == [
        (["eva@workshop.example"], "New task for you: Quote the robot kits"),
        (["eva@workshop.example"], "Reminder: Quote the robot kits (due 2024-03-06 09:00 UTC)"),
        (["diana@workshop.example"], "Overdue: Quote the robot kits (Eva Economist)")]
    escalation = site.smtp.messages[2]
    assert escalation.message["To"] == "Diana Director <diana@workshop.example>"
    assert "of Eva Economist is overdue: it was due 2024-03-06 09:00 UTC" in escalation.text
    assert f"https://crm.workshop.example/tasks/{task_id}" in escalation.text
    assert f'href="https://crm.workshop.example/tasks/{task_id}"' in escalation.html
    listed = site.cli("mail list --json").json()["messages"]
    assert {(m["about"], m["source"]) for m in listed} == {(f"task:{task_id}", "notifications")}


def test_each_person_chooses_what_comes_how(office):
    site = office
    eva = site.cli("notifications preferences --user eva --json").json()["preferences"]
    assert [(p["kind"], p["in_app"], p["email"]) for p in eva] == [
        ("assigned", True, True), ("reminder", True, True), ("escalated", True, True)]
    assert site.cli("notifications preferences --user eva --kind assigned --no-in-app "
                    "--json").exit_code == 0
    assert site.cli("notifications preferences --user eva --kind reminder --no-email "
                    "--json").exit_code == 0
    add_task(site)
    add_task(site, "Count the kits", assignee="mark")  # no address: in the app only
    scheduler.reminders_job(site.platform, at(24))
    assert told(site, "eva") == [("reminder", "Reminder: task 'Quote the robot kits' "
                                              "(due 2024-03-06 09:00 UTC)", True)]
    assert [kind for kind, _text, _unread in told(site, "mark")] == ["assigned", "reminder"]
    assert mails(site) == [(["eva@workshop.example"], "New task for you: Quote the robot kits")]

    refused = site.cli("notifications preferences --user eva --email --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "kind"


def test_a_rolled_back_assignment_tells_nobody(office):
    site = office
    with pytest.raises(ValidationError), site.session() as session:
        create_task(session, "Quote the robot kits", assignee="eva", now=T0)
        raise ValidationError("documents: the operation is refused after the task was made",
                              field="documents")
    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert mails(site) == []


def bell(client) -> str:
    page = client.get("/tasks/")
    assert page.status_code == 200
    start = page.text.index('class="header-item" href="/notifications/"')
    return page.text[start:page.text.index("</a>", start)]


def test_the_bell_the_list_and_marking_read_in_the_browser(office):
    site = office
    for title in ("Quote the robot kits", "Check the paint stock", "Call the school"):
        add_task(site, title)
    diana_task = add_task(site, "Plan the week", assignee="diana")
    client = site.client(login="eva", password=PASSWORD)
    assert 'aria-label="Notifications: 3 unread (3)"' in bell(client)
    assert '<span class="header-badge">3</span>' in bell(client)
    assert "bell.svg" in bell(client)

    page = client.get("/notifications/")
    assert page.text.count('<li class="unread"') == 3
    assert "Task &#39;Call the school&#39; is assigned to you" in page.text
    with site.session() as session:
        ids = list(session.scalars(select(Notification.id).where(
            Notification.task_id != diana_task).order_by(Notification.id)))
        theirs = session.scalar(select(Notification.id).where(
            Notification.task_id == diana_task))
    read = client.post(f"/notifications/{ids[0]}/read", data={"next": "/notifications/"})
    assert read.status_code == 303 and read.headers["Location"] == "/notifications/"
    assert '<span class="header-badge">2</span>' in bell(client)
    assert client.get("/notifications/?view=unread").text.count('<li class="unread"') == 2
    assert client.post(f"/notifications/{theirs}/read").status_code == 404  # Diana's

    client.post("/notifications/read")
    assert "header-badge" not in bell(client)
    assert "Nothing unread." in client.get("/notifications/?view=unread").text

    form = client.get("/notifications/preferences")
    assert 'name="escalated-email" aria-label' in form.text
    saved = client.post("/notifications/preferences",
                        data={"assigned-in_app": "on", "reminder-in_app": "on",
                              "reminder-email": "on", "escalated-in_app": "on"})
    assert saved.status_code == 303
    prefs = site.cli("notifications preferences --user eva --json").json()["preferences"]
    assert [(p["kind"], p["email"]) for p in prefs] == [
        ("assigned", False), ("reminder", True), ("escalated", False)]


def test_the_api(office):
    site = office
    add_task(site)
    add_task(site, "Check the paint stock")
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('eva')}"}
    listed = client.get("/api/v1/notifications?unread=true&limit=1", headers=headers).json
    assert listed["total"] == 2 and listed["limit"] == 1
    newest = listed["items"][0]
    assert newest["kind"] == "assigned" and newest["read"] is False
    assert newest["created_at"] == "2024-03-04T09:00:00Z" and newest["document"] is None

    read = client.post(f"/api/v1/notifications/{newest['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json["read"] is True
    assert client.get("/api/v1/notifications?unread=true", headers=headers).json["total"] == 1
    assert client.post("/api/v1/notifications/read", headers=headers).json == {"marked": 1}
    other = {"Authorization": f"Bearer {site.token('diana')}"}
    missing = client.post(f"/api/v1/notifications/{newest['id']}/read", headers=other)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"

    changed = client.put("/api/v1/notifications/preferences", headers=headers,
                         json={"preferences": [{"kind": "reminder", "email": False}]})
    assert changed.status_code == 200
    assert changed.json["preferences"][1] == {"kind": "reminder", "in_app": True,
                                              "email": False, "label": changed.json[
                                                  "preferences"][1]["label"]}
    bad = client.put("/api/v1/notifications/preferences", headers=headers,
                     json={"preferences": [{"kind": "birthday", "email": False}]})
    assert bad.status_code == 400 and bad.json["error"]["field"].startswith("preferences")
    assert client.get("/api/v1/notifications").status_code == 401

    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/notifications", "/api/v1/notifications/{notification_id}/read",
            "/api/v1/notifications/read", "/api/v1/notifications/preferences"} <= set(paths)
    assert {"get", "put"} <= set(paths["/api/v1/notifications/preferences"])


def test_the_cli(office):
    site = office
    add_task(site)
    add_task(site, "Check the paint stock")
    listed = site.cli("notifications list --unread --user eva --json")
    assert listed.exit_code == 0, listed.output
    body = listed.json()
    assert body["total"] == 2
    assert body["notifications"][0]["text"].startswith("Task 'Check the paint stock'")
    first = body["notifications"][1]["id"]
    assert site.cli(f"notifications read {first} --user eva --json").json()["marked"] == 1
    assert site.cli("notifications list --unread --user eva --json").json()["total"] == 1
    assert "Check the paint stock" in site.cli("notifications list --user eva").output
    assert site.cli("notifications read --all --user eva --json").json()["marked"] == 1

    nobody = site.cli("notifications list --json")
    assert nobody.exit_code == 2 and nobody.json()["error"]["field"] == "user"
    theirs = site.cli(f"notifications read {first} --user diana --json")
    assert theirs.exit_code == 2 and theirs.json()["error"]["code"] == "not_found"
