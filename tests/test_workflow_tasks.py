"""Tasks: assignment rules, who may work on a task, reassignment, comments, listings."""

from datetime import timedelta

import pytest

import workflow_kit as kit
from ordercraft.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ordercraft.core.services.users import get_user
from ordercraft.core.workflow.tasks import (
    cancel_task,
    comment_task,
    complete_task,
    create_task,
    get_task,
    list_tasks,
    pick_assignee,
    reassign_task,
    start_task,
    task_dict,
)
from ordercraft.core.workflow.timeline import document_timeline, task_history
from workflow_kit import T0, at


@pytest.fixture
def office(make_site):
    site = make_site(extra_plugins=[kit.documents_plugin()])
    kit.add_staff(site)
    return site


def add(site, title, now=T0, **values):
    with site.session() as session:
        return create_task(session, title, now=now, **values).id


def as_user(site, name, action, *args, **kwargs):
    with site.session() as session:
        user = get_user(session, name)
        session.info["user"] = user
        return action(session, *args, now=at(1), **kwargs)


def test_least_loaded_and_round_robin(office):
    add(office, "one", assignee="eva")
    with office.session() as session:
        assert pick_assignee(session, "economist").name == "emil"
        # round robin counts only tasks given for the role: nobody has one yet
        assert pick_assignee(session, "economist", "round_robin").name == "eva"
        assert pick_assignee(session, "economist", "pool") is None
        assert pick_assignee(session, "admin").name == "admin"
        assert pick_assignee(session, "nobody-has-it") is None
    given = [add(office, f"by rule {n}", role="economist", rule="round_robin")
             for n in range(3)]
    with office.session() as session:
        assert [get_task(session, i).assignee.name for i in given] == ["eva", "emil", "eva"]


def test_a_pool_task_is_for_anyone_with_the_role(office):
    task_id = add(office, "Check the incoming parcel", role="storekeeper", rule="pool",
                  deadline=at(days=1))
    with office.session() as session:
        stas = get_user(session, "stas")
        assert [t.id for t in list_tasks(session, mine=stas).items] == [task_id]
        assert list_tasks(session, mine=get_user(session, "eva")).items == []
    with pytest.raises(PermissionDenied, match="may not start task 1: it is for the role "
                                               "'storekeeper'"):
        as_user(office, "eva", start_task, task_id)
    task = as_user(office, "stas", start_task, task_id)
    assert (task.status, task.assignee.name) == ("in_progress", "stas")


def test_who_may_finish_a_task(office):
    task_id = add(office, "Call the school", assignee="mark")
    with pytest.raises(PermissionDenied) as error:
        as_user(office, "eva", complete_task, task_id)
    assert error.value.message == ("user 'eva' may not finish task 1: it is assigned to 'mark'")
    as_user(office, "director", complete_task, task_id)  # mark's manager
    with office.session() as session:
        task = get_task(session, task_id)
        assert (task.status, task.finished_at) == ("done", at(1))
    with pytest.raises(Conflict, match="task 1 is done: it cannot be finished"):
        as_user(office, "mark", complete_task, task_id)


def test_reassign(office):
    task_id = add(office, "Price the robots", assignee="eva", deadline=at(2))
    with pytest.raises(PermissionDenied, match="it needs the permission 'task.assign' or to "
                                               "manage its assignee"):
        as_user(office, "egor", reassign_task, task_id, "emil")
    with pytest.raises(NotFound, match="to: user 'emill' does not exist"):
        as_user(office, "director", reassign_task, task_id, "emill")
    task = as_user(office, "director", reassign_task, task_id, "emil")
    assert task.assignee.name == "emil"
    with office.session() as session:
        history = [e["text"] for e in task_history(session, task_id)]
    assert history == ["Task 'Price the robots' for eva, due 2024-03-04 11:00",
                       "Task 'Price the robots' reassigned from eva to emil"]


def test_comments_reach_the_documents_timeline(office):
    order_id = kit.new_order(office)
    with office.session() as session:
        order = session.get(kit.Order, order_id)
        task_id = create_task(session, "Agree the delivery date", assignee="mark",
                              documents=[order, ("deal", 99)], now=T0).id
    as_user(office, "mark", comment_task, task_id, "The school asks for 12 May")
    with pytest.raises(ValidationError, match="a comment cannot be empty"):
        as_user(office, "mark", comment_task, task_id, "   ")
    with office.session() as session:
        for ref in (("order", order_id), ("deal", 99)):
            texts = [e["text"] for e in document_timeline(session, *ref).items
                     if e["source"] == "event"]
            assert texts == ["Task 'Agree the delivery date' for mark",
                             "The school asks for 12 May"]
        assert [t.id for t in list_tasks(session, document=("order", order_id)).items] == [
            task_id]


def test_cancel(office):
    mine = add(office, "Tidy the store", assignee="stas")
    with pytest.raises(PermissionDenied):
        as_user(office, "stas", cancel_task, mine)
    as_user(office, "director", cancel_task, mine, reason="done by someone else")
    with office.session() as session:
        assert get_task(session, mine).status == "cancelled"


def test_listing_order_filters_and_pages(office):
    late = add(office, "late", assignee="mark", deadline=at(1))
    soon = add(office, "soon", assignee="mark", deadline=at(days=2))
    later = add(office, "no deadline", assignee="mark")
    other = add(office, "someone else's", assignee="paula", deadline=at(2))
    done = add(office, "finished", assignee="mark")
    with office.session() as session:
        complete_task(session, done, now=at(3))
        mark = get_user(session, "mark")
        now = at(5)
        assert [t.id for t in list_tasks(session, mine=mark, now=now).items] == [late, soon,
                                                                                  later]
        assert [t.id for t in list_tasks(session, overdue=True, now=now).items] == [late, other]
        assert [t.id for t in list_tasks(session, status="done", now=now).items] == [done]
        assert len(list_tasks(session, status="all").items) == 5
        page = list_tasks(session, mine=mark, now=now, limit=2, offset=1)
        assert ([t.id for t in page.items], page.total) == ([soon, later], 3)
        assert task_dict(get_task(session, late), now)["overdue"] is True
        with pytest.raises(ValidationError, match="status: 'closed' is not one of"):
            list_tasks(session, status="closed")
        with pytest.raises(ValidationError, match="limit"):
            list_tasks(session, limit=0)


def test_reading_tasks_needs_the_permission(make_site):
    from ordercraft.core.services.users import create_user

    site = make_site()
    with site.session() as session:
        create_user(session, "guest")
    with site.session(user=site.user("guest")) as session:
        with pytest.raises(PermissionDenied, match="it needs the permission 'task.read'"):
            list_tasks(session)


def test_task_input_is_checked(office):
    with pytest.raises(ValidationError, match="deadline: 2024-03-04 08:00:00 is in the past"):
        add(office, "x", assignee="mark", deadline=T0 - timedelta(hours=1))
    with pytest.raises(ValidationError, match="role: 'pilot' is not a role"):
        add(office, "x", role="pilot")
    with pytest.raises(ValidationError, match="give an assignee or a role"):
        add(office, "x")
    with pytest.raises(ValidationError, match="a task needs a title"):
        add(office, "  ", assignee="mark")
    with pytest.raises(ValidationError, match="task: 'abc' is not a task number"):
        with office.session() as session:
            get_task(session, "abc")


def test_hook_task_notification(make_site):
    told = []

    def task_notification(task, kind, recipient, now):
        told.append((task.title, kind, recipient.name, now))

    site = make_site(extra_plugins=[kit.plugin_module("mailer",
                                                      task_notification=task_notification)])
    kit.add_staff(site)
    task_id = add(site, "Quote the kits", assignee="eva", deadline=at(2),
                  remind_at=at(1))
    add(site, "Nobody in particular", role="economist", rule="pool")  # nobody to tell
    with site.session() as session:
        reassign_task(session, task_id, "emil", now=at(0.5))
    from ordercraft.core import scheduler

    scheduler.reminders_job(site.platform, at(1))
    scheduler.escalate_overdue_job(site.platform, at(3))
    assert told == [("Quote the kits", "assigned", "eva", T0),
                    ("Quote the kits", "assigned", "emil", at(0.5)),
                    ("Quote the kits", "reminder", "emil", at(1)),
                    ("Quote the kits", "escalated", "director", at(3))]
