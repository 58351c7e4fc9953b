"""The demo story's reminders and escalations reach people: the demo site (crm, sales,
notifications) runs the worker's jobs a day later than now; every reminder goes by mail
to the task's assignee and every escalation to the assignee's manager, through a real
SMTP server, and the bell shows each person their unread count."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from ordercraft.core import scheduler
from ordercraft.core.db import utcnow
from ordercraft.core.models import SiteSetting, User
from ordercraft.core.workflow.models import Task
from ordercraft.plugins.notifications.models import Notification


def test_the_demos_reminders_and_escalations_arrive_by_mail_and_in_the_bell(
        make_site, smtp_server):
    from ordercraft.core.demo import seed_demo

    site = make_site(plugins=["crm", "sales", "notifications"])
    with site.session() as session:
        session.add(SiteSetting(key="demo_seeded", value="[]"))  # a site the demo made
    seed_demo(site.platform, "admin-password")
    with site.session() as session:
        demo_mail = session.get(SiteSetting, "smtp_port").value, session.get(
            SiteSetting, "smtp_host").value
    assert demo_mail == ("1025", "localhost")  # README: the demo's mail stays on the machine
    smtp_server.configure(site)  # here: the test's own server

    # The assignments of the demo's tasks went out first.
    sent = scheduler.run_jobs_once(site.platform)["send-mail"]
    assert sent and len(smtp_server.messages) == len(sent)
    assert ("samuel.okafor@workshop.example",
            "New task for you: Count the stock of the main warehouse") in {
        (mail.recipients[0], mail.subject) for mail in smtp_server.messages}
    smtp_server.messages.clear()

    # A day later: the weekly count's reminder has come, and its deadline has passed.
    results = scheduler.run_jobs_once(site.platform, utcnow() + timedelta(days=1))
    assert results["reminders"] and results["escalate-overdue"]
    with site.session() as session:
        reminded = session.scalars(select(Task).where(Task.id.in_(results["reminders"])))
        expected = {(task.assignee.email, f"Reminder: {task.title}") for task in reminded
                    if task.assignee is not None and task.assignee.email}
        escalated = session.scalars(select(Task).where(
            Task.id.in_(results["escalate-overdue"])))
        expected |= {(task.escalated_to.email, f"Overdue: {task.title}") for task in escalated
                     if task.escalated_to is not None and task.escalated_to.email}
    received = {(mail.recipients[0], re.sub(r" \((due .*|[^()]*)\)$", "", mail.subject))
                for mail in smtp_server.messages}
    # A schedule that came due in that day (the weekly count, on Mondays) made new tasks.
    assert {subject for _to, subject in received - expected} <= {
        "New task for you: Count the stock of the main warehouse"}
    assert expected <= received
    assert len(smtp_server.messages) == len(results["send-mail"])
    assert {("samuel.okafor@workshop.example", "Reminder: Count the stock of the main warehouse"),
            ("owner@workshop.example", "Overdue: Count the stock of the main warehouse")
            } <= received

    for name, password in (("storekeeper", "storekeeper-demo"), ("admin", "admin-password")):
        with site.session() as session:
            unread = session.scalar(select(func.count(Notification.id))
                                    .join(User, User.id == Notification.user_id)
                                    .where(User.name == name, Notification.read_at.is_(None)))
        assert unread >= 2, name
        home = site.client(login=name, password=password).get("/").text
        assert f'<span class="header-badge">{unread}</span>' in home, name
        listed = site.client(login=name, password=password).get(
            "/notifications/?view=unread").text
        assert listed.count('<li class="unread"') == min(unread, 25)
    storekeeper = site.client(login="storekeeper", password="storekeeper-demo")
    assert "Reminder: task &#39;Count the stock of the main warehouse&#39;" in storekeeper.get(
        "/notifications/").text
