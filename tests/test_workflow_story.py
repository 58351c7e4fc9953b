"""The demo story as a process, on a controlled clock: a robotics school's order with
custom robots goes from confirmation to shipment; overdue tasks escalate; the scheduler's
jobs are called directly with the time they should see."""

from datetime import timedelta

import pytest
from sqlalchemy import select

import workflow_kit as kit
from ordercraft.core import scheduler
from ordercraft.core.errors import Conflict
from ordercraft.core.services.users import get_user
from ordercraft.core.workflow import engine
from ordercraft.core.workflow.documents import transition
from ordercraft.core.workflow.models import ProcessInstance, ProcessTrigger, Task
from ordercraft.core.workflow.processes import import_shipped, import_template
from ordercraft.core.workflow.tasks import (
    check_item,
    complete_task,
    create_task,
    list_tasks,
    task_dict,
)
from ordercraft.core.workflow.timeline import document_timeline
from workflow_kit import T0, at

DAY = timedelta(days=1)


@pytest.fixture
def workshop(make_site):
    notes = []
    site = make_site(extra_plugins=[kit.documents_plugin(
        task_notification=lambda task, kind, recipient, now: notes.append(
            (task.id, kind, recipient.name, now)))])
    site.notes = notes
    kit.add_staff(site)
    with site.session() as session:
        import_shipped(session, ["custom-robot-order"], now=T0)
    return site


def confirm(site, order_id, now=T0, user="mark"):
    with site.session() as session:
        return transition(session, session.get(kit.Order, order_id), "confirm",
                          user=get_user(session, user), now=now)


def open_tasks(site, now):
    with site.session() as session:
        return [task_dict(t, now) for t in list_tasks(session, now=now).items]


def finish(site, task_id, user, now, check_all=False):
    with site.session() as session:
        complete_task(session, task_id, user=get_user(session, user), now=now,
                      check_all=check_all)


def order_state(site, order_id):
    with site.session() as session:
        return session.get(kit.Order, order_id).state


def the_one_task(site, now):
    tasks = [t for t in open_tasks(site, now) if t["process_id"] is not None]
    assert len(tasks) == 1, tasks
    return tasks[0]


def test_the_custom_robot_order_runs_end_to_end(workshop):
    site = workshop
    # Work already on people's plates decides who is least loaded.
    with site.session() as session:
        for name in ("eva", "director", "mark"):
            create_task(session, f"Earlier work of {name}", assignee=name, now=T0)
    order_id = kit.new_order(site, "SO-7", custom_count=4, shortage_count=2,
                             manager_id=site.user("mark").id)

    result = confirm(site, order_id)
    assert len(result.started_processes) == 1

    price = the_one_task(site, T0)
    assert (price["title"], price["assignee"], price["role"], price["deadline"]) == (
        "Price the custom robots of order SO-7", "emil", "economist", "2024-03-05T09:00")
    assert [item["text"] for item in price["checklist"]] == [
        "Run the robot calculator for every custom robot",
        "Build the proposal with margin, discount and payment schedule",
        "Prepare the short version for the client"]
    with pytest.raises(Conflict, match="unticked checklist items"):
        finish(site, price["id"], "emil", at(5))
    with site.session() as session:
        for number in (1, 2, 3):
            check_item(session, price["id"], number, user=get_user(session, "emil"), now=at(5))
    finish(site, price["id"], "emil", at(5))

    approval = the_one_task(site, at(5))
    assert (approval["title"], approval["assignee"], approval["deadline"]) == (
        "Get the client's approval of the proposal for order SO-7", "mark", "2024-03-07T14:00")
    finish(site, approval["id"], "mark", at(days=1))

    purchase = the_one_task(site, at(days=1))  # the order is short of processors
    assert (purchase["title"], purchase["assignee"], purchase["role"], purchase["deadline"]) == (
        "Purchase the shortages of order SO-7", "paula", "manager", "2024-03-10T09:00")
    assert order_state(site, order_id) == "confirmed"
    finish(site, purchase["id"], "paula", at(days=3))

    assert order_state(site, order_id) == "in_production"
    production = the_one_task(site, at(days=3))
    assert (production["title"], production["assignee"], production["role"],
            production["deadline"]) == ("Produce the custom robots of order SO-7", "egor",
                                        "engineer", "2024-03-17T09:00")
    assert [item["text"] for item in production["checklist"]] == ["Parts", "Nodes", "Robots",
                                                                   "Software"]
    finish(site, production["id"], "egor", at(days=9), check_all=True)

    shipment = the_one_task(site, at(days=9))
    assert (shipment["title"], shipment["assignee"], shipment["deadline"]) == (
        "Ship order SO-7", "stas", "2024-03-15T09:00")
    finish(site, shipment["id"], "stas", at(days=10))

    assert order_state(site, order_id) == "shipped"
    with site.session() as session:
        process = session.scalar(select(ProcessInstance))
        assert (process.status, process.finished_at) == ("completed", at(days=10))
        body = engine.process_dict(session, process, details=True)
        assert [(s["step"], s["status"]) for s in body["steps"]] == [
            ("price", "done"), ("approval", "done"), ("shortages", "done"),
            ("purchase", "done"), ("start-production", "done"), ("production", "done"),
            ("shipment", "done"), ("ship", "done")]
        assert body["steps"][2]["outcome"] == "purchase"
        timeline = [(e["kind"], e["user"], e["text"]) for e in document_timeline(
            session, "order", order_id, limit=100).items if e["source"] == "event"]
    assert timeline[0] == ("transition", "mark", "Confirm: draft → confirmed")
    assert timeline[1] == ("process_started", "mark",
                           "Process 'Custom robot order' started (transition)")
    assert ("transition", None, "Start production: confirmed → in production") in timeline
    assert timeline[-2:] == [("transition", None, "Ship: in production → shipped"),
                             ("process_completed", "stas", "Process 'Custom robot order' "
                                                           "completed")]
    assert [t for t in timeline if t[0] == "task_done"] == [
        ("task_done", "emil", "Task 'Price the custom robots of order SO-7' done"),
        ("task_done", "mark", "Task 'Get the client's approval of the proposal for order SO-7' "
                              "done"),
        ("task_done", "paula", "Task 'Purchase the shortages of order SO-7' done"),
        ("task_done", "egor", "Task 'Produce the custom robots of order SO-7' done"),
        ("task_done", "stas", "Task 'Ship order SO-7' done")]
    assert [(kind, who) for _task, kind, who, _now in site.notes if kind == "assigned"][3:] == [
        ("assigned", "emil"), ("assigned", "mark"), ("assigned", "paula"), ("assigned", "egor"),
        ("assigned", "stas")]


def test_overdue_tasks_escalate_to_the_assignee_manager(workshop):
    site = workshop
    order_id = kit.new_order(site, custom_count=1, manager_id=site.user("mark").id)
    confirm(site, order_id)
    price = the_one_task(site, T0)
    assert price["assignee"] == "eva"

    assert scheduler.reminders_job(site.platform, at(19)) == []
    assert scheduler.reminders_job(site.platform, at(20)) == [price["id"]]
    assert scheduler.reminders_job(site.platform, at(21)) == []  # once

    assert scheduler.escalate_overdue_job(site.platform, at(24)) == []  # due, not yet overdue
    assert scheduler.escalate_overdue_job(site.platform, at(24, ) + timedelta(minutes=1)) == [
        price["id"]]
    assert scheduler.escalate_overdue_job(site.platform, at(30)) == []  # once

    director = site.user("director")
    with site.session(user=director) as session:
        mine = [task_dict(t, at(30)) for t in list_tasks(session, mine=director,
                                                           now=at(30)).items]
        overdue = [t.id for t in list_tasks(session, overdue=True, now=at(30)).items]
    assert [(t["id"], t["assignee"], t["escalated_to"], t["overdue"]) for t in mine] == [
        (price["id"], "eva", "director", True)]
    assert overdue == [price["id"]]
    assert [(kind, who, now) for _t, kind, who, now in site.notes if kind != "assigned"] == [
        ("reminder", "eva", at(20)), ("escalated", "director", at(24) + timedelta(minutes=1))]
    with site.session() as session:
        texts = [e["text"] for e in document_timeline(session, "order", order_id).items
                 if e["kind"] in ("task_reminded", "task_escalated")]
    assert texts == [
        "Reminder to eva: task 'Price the custom robots of order SO-1' is due 2024-03-05 09:00",
        "Task 'Price the custom robots of order SO-1' is overdue (due 2024-03-05 09:00): "
        "escalated to director"]
    # The director may act on the escalated task: finish it for the economist.
    finish(site, price["id"], "director", at(31), check_all=True)
    assert the_one_task(site, at(31))["assignee"] == "mark"


def test_without_shortages_purchasing_is_skipped(workshop):
    site = workshop
    order_id = kit.new_order(site, custom_count=2, shortage_count=0,
                             manager_id=site.user("paula").id)
    confirm(site, order_id)
    finish(site, the_one_task(site, T0)["id"], "eva", at(1), check_all=True)
    approval = the_one_task(site, at(1))
    assert approval["assignee"] == "paula"  # the order's manager, from its field
    finish(site, approval["id"], "paula", at(2))
    assert the_one_task(site, at(2))["title"] == "Produce the custom robots of order SO-1"
    assert order_state(site, order_id) == "in_production"


def test_the_trigger_condition_decides(workshop):
    site = workshop
    standard = kit.new_order(site, custom_count=0)
    assert confirm(site, standard).started_processes == ()
    assert open_tasks(site, T0) == []


def test_cancelling_the_order_stops_its_process(workshop):
    site = workshop
    order_id = kit.new_order(site, custom_count=1)
    confirm(site, order_id)
    price = the_one_task(site, T0)
    with site.session() as session:
        transition(session, session.get(kit.Order, order_id), "cancel",
                   user=get_user(session, "mark"), reason="the school cancelled", now=at(2))
    with site.session() as session:
        process = session.scalar(select(ProcessInstance))
        assert process.status == "cancelled"
        assert session.get(Task, price["id"]).status == "cancelled"
        texts = [e["text"] for e in document_timeline(session, "order", order_id).items]
    assert ("Process 'custom-robot-order' cancelled: order SO-1 reached the final state "
            "'cancelled'") in texts


def test_a_step_the_document_no_longer_allows_is_skipped_with_a_note(workshop):
    site = workshop
    order_id = kit.new_order(site, custom_count=1, shortage_count=0)
    confirm(site, order_id)
    finish(site, the_one_task(site, T0)["id"], "eva", at(1), check_all=True)
    approval = the_one_task(site, at(1))
    with site.session() as session:  # shipped from stock by hand meanwhile
        transition(session, session.get(kit.Order, order_id), "ship", now=at(2))
    finish(site, approval["id"], "admin", at(3))  # the template says: skip
    assert the_one_task(site, at(3))["title"] == "Produce the custom robots of order SO-1"
    assert order_state(site, order_id) == "shipped"
    with site.session() as session:
        texts = [e["text"] for e in document_timeline(session, "order", order_id).items]
    assert ("Process 'Custom robot order' skipped step 'Start production': "
            "order SO-1 is already shipped, and 'Start production' is not "
            "possible from there") in texts


def _refusing(site):
    """The demo template whose start-production step refuses a moved-on order."""
    import yaml

    source = yaml.safe_load(kit.ROBOT_TEMPLATE.read_text())
    for step in source["steps"]:
        if step["id"] == "start-production":
            step["if_not_allowed"] = "fail"
    with site.session() as session:
        import_template(session, source, now=T0)


def test_a_step_the_document_refuses_refuses_finishing_the_task(workshop):
    site = workshop
    _refusing(site)
    order_id = kit.new_order(site, custom_count=1, shortage_count=0)
    confirm(site, order_id)
    finish(site, the_one_task(site, T0)["id"], "eva", at(1), check_all=True)
    approval = the_one_task(site, at(1))
    with site.session() as session:  # shipped from stock by hand meanwhile
        transition(session, session.get(kit.Order, order_id), "ship", now=at(2))
    with pytest.raises(Conflict) as error:
        finish(site, approval["id"], "admin", at(3))
    assert error.value.code == "process_step_failed"
    assert error.value.message.startswith(
        "process 'custom-robot-order' (run 1) step 'start-production' could not move order "
        "SO-1: order SO-1 is in state 'shipped': 'start_production' is not allowed from it")
    assert the_one_task(site, at(3))["id"] == approval["id"]  # nothing moved


def test_a_step_that_waits_moves_the_document_once_it_may(workshop):
    site = workshop
    source = {"name": "produce-when-possible", "title": "Produce when possible",
              "document_type": "order", "triggers": [{"manual": True}],
              "steps": [{"id": "start", "transition": "start_production",
                         "if_not_allowed": "wait"},
                        {"id": "build", "task": {"title": "Build {number}", "role": "engineer"}}]}
    with site.session() as session:
        import_template(session, source, now=T0)
    order_id = kit.new_order(site, custom_count=0)
    with site.session() as session:
        engine.start_process(session, "produce-when-possible",
                             document=session.get(kit.Order, order_id), now=T0)
    assert open_tasks(site, T0) == []  # a draft cannot start production: it waits
    assert order_state(site, order_id) == "draft"
    confirm(site, order_id, now=at(1))
    assert order_state(site, order_id) == "in_production"
    assert the_one_task(site, at(1))["title"] == "Build SO-1"
    with site.session() as session:
        texts = [e["text"] for e in document_timeline(session, "order", order_id).items]
    assert any(t.startswith("Process 'Produce when possible' waits at step") for t in texts)


JOIN = {
    "name": "invoice-and-deliver", "document_type": "order", "triggers": [{"manual": True}],
    "steps": [
        {"id": "invoice", "task": {"title": "Send the invoice", "role": "economist"},
         "next": ["wait-paid", "documents"]},
        {"id": "wait-paid", "wait": {"transition": "pay"}, "next": "deliver"},
        {"id": "documents", "task": {"title": "Prepare the delivery papers",
                                     "role": "storekeeper"}, "next": "deliver"},
        {"id": "deliver", "after": ["wait-paid", "documents"],
         "task": {"title": "Deliver order {number}", "role": "storekeeper", "deadline": "1d"}},
        {"id": "closed", "wait": {"state": "paid"}},
    ]}


def test_waits_forks_and_joins(make_site):
    site = make_site(extra_plugins=[kit.documents_plugin()])
    kit.add_staff(site)
    order_id = kit.new_order(site)
    with site.session() as session:
        import_template(session, JOIN)
        order = session.get(kit.Order, order_id)
        for name in ("confirm", "ship", "invoice"):
            transition(session, order, name, now=T0)
        engine.start_process(session, "invoice-and-deliver", document=order, now=T0)
    invoice = the_one_task(site, T0)
    finish(site, invoice["id"], "eva", at(1))
    titles = sorted(t["title"] for t in open_tasks(site, at(1)))
    assert titles == ["Prepare the delivery papers"]  # and the wait for the payment
    papers = the_one_task(site, at(1))
    finish(site, papers["id"], "stas", at(2))
    assert [t["title"] for t in open_tasks(site, at(2))] == []  # the join waits for "pay"
    with site.session() as session:
        transition(session, session.get(kit.Order, order_id), "pay", now=at(3))
    deliver = the_one_task(site, at(3))
    assert (deliver["title"], deliver["deadline"]) == ("Deliver order SO-1", "2024-03-05T12:00")
    finish(site, deliver["id"], "stas", at(4))
    with site.session() as session:
        process = session.scalar(select(ProcessInstance))
        body = engine.process_dict(session, process, details=True)
        # "closed" waited for a state the order was already past: it did not wait.
        assert process.status == "completed"
        assert [s["step"] for s in body["steps"]] == [
            "invoice", "wait-paid", "documents", "deliver", "closed"]


def test_manual_start_needs_a_manual_trigger_and_the_permission(workshop):
    site = workshop
    order_id = kit.new_order(site)
    with site.session(user=site.user("stas")) as session:
        with pytest.raises(Exception, match="it needs the permission 'process.start'"):
            engine.start_process(session, "custom-robot-order",
                                 document=session.get(kit.Order, order_id))
    with site.session() as session:
        import_template(session, {**JOIN, "triggers": [{"transition": "confirm"}]})
        with pytest.raises(Conflict, match="cannot be started by hand"):
            engine.start_process(session, "invoice-and-deliver",
                                 document=session.get(kit.Order, order_id))
        with pytest.raises(Exception, match="is about a order; give one"):
            engine.start_process(session, "custom-robot-order")


def test_scheduled_processes_start_when_due(site):
    with site.session() as session:
        import_shipped(session, ["weekly-stock-count"], now=T0)  # Monday 09:00
        from ordercraft.core.services.users import create_user

        create_user(session, "stas", roles=["storekeeper"])
    assert scheduler.scheduled_processes_job(site.platform, at(days=7) - timedelta(minutes=1)) \
        == []
    started = scheduler.scheduled_processes_job(site.platform, at(days=7))
    assert len(started) == 1
    assert scheduler.scheduled_processes_job(site.platform, at(days=7, hours=1)) == []
    # A worker that was down for three weeks starts one run, not three.
    assert len(scheduler.scheduled_processes_job(site.platform, at(days=35))) == 1
    with site.session() as session:
        trigger = session.scalar(select(ProcessTrigger))
        assert (trigger.last_run_at, trigger.next_run_at) == (at(days=35), at(days=42))
        tasks = list_tasks(session, now=at(days=35)).items
        assert [(t.title, t.assignee.name, t.deadline) for t in tasks] == [
            ("Count the stock of the main warehouse", "stas", at(days=7, hours=8)),
            ("Count the stock of the main warehouse", "stas", at(days=35, hours=8))]


def test_run_jobs_once_and_the_background_scheduler(workshop):
    site = workshop
    order_id = kit.new_order(site, custom_count=1)
    confirm(site, order_id)
    results = scheduler.run_jobs_once(site.platform, at(days=2))
    assert {name: len(ids) for name, ids in results.items()} == {
        "escalate-overdue": 1, "reminders": 1, "scheduled-processes": 0, "imports": 0,
        "send-mail": 0, "daily-backup": 0}
    running = scheduler.start(site.platform, interval=3600)
    try:
        assert running.running
        assert sorted(job["id"] for job in scheduler.describe(running)) == [
            "daily-backup", "escalate-overdue", "imports", "reminders", "scheduled-processes",
            "send-mail"]
    finally:
        running.shutdown()


def test_a_refused_task_stays_open_for_a_caller_that_goes_on(workshop):
    site = workshop
    _refusing(site)
    order_id = kit.new_order(site, custom_count=1, shortage_count=0)
    confirm(site, order_id)
    finish(site, the_one_task(site, T0)["id"], "eva", at(1), check_all=True)
    approval = the_one_task(site, at(1))
    with site.session() as session:
        transition(session, session.get(kit.Order, order_id), "ship", now=at(2))
        with pytest.raises(Conflict):
            complete_task(session, approval["id"], now=at(3))
        # The web page catches the refusal and commits the rest of its work.
        assert session.get(Task, approval["id"]).status == "open"
    assert the_one_task(site, at(3))["id"] == approval["id"]
    assert order_state(site, order_id) == "shipped"


def test_the_demo_seeds_tasks_templates_and_a_run(site):
    from ordercraft.core.services.users import create_user
    from ordercraft.core.workflow.demo import seed_workflow

    with site.session() as session:
        for name in ("manager", "engineer", "economist", "storekeeper"):
            create_user(session, name, roles=[name], manager="admin")
    with site.session() as session:
        assert seed_workflow(session) is True
    with site.session() as session:
        tasks = list_tasks(session, limit=100).items
        assert len(tasks) == 4
        overdue = [t for t in tasks if t.escalated_to is not None]
        assert [(t.assignee.name, t.escalated_to.name) for t in overdue] == [("manager",
                                                                               "admin")]
        runs = session.scalars(select(ProcessInstance)).all()
        assert [r.template_name for r in runs] == ["weekly-stock-count"]
