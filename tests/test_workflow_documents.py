"""The transition service: guards and permissions in the service layer, refusals that
list what is allowed, atomicity, timeline entries, hooks, concurrency."""

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

import workflow_kit as kit
from ordercraft.core.errors import (
    Conflict,
    NotFound,
    OrdercraftError,
    PermissionDenied,
    ValidationError,
)
from ordercraft.core.services.users import get_user
from ordercraft.core.workflow.documents import (
    add_comment,
    available_transitions,
    parse_document_ref,
    transition,
)
from ordercraft.core.workflow.models import WorkflowEvent
from ordercraft.core.workflow.timeline import document_timeline


@pytest.fixture
def shop(make_site):
    site = make_site(extra_plugins=[kit.documents_plugin()])
    kit.add_staff(site)
    return site


def move(site, order_id, name, user=None, **kwargs):
    with site.session() as session:
        actor = get_user(session, user) if user else None
        return transition(session, session.get(kit.Order, order_id), name, user=actor,
                          now=kit.T0, **kwargs)


def state_of(site, order_id):
    with site.session() as session:
        return session.get(kit.Order, order_id).state


def test_a_new_document_starts_in_the_initial_state(shop):
    order_id = kit.new_order(shop)
    assert state_of(shop, order_id) == "draft"


def test_a_new_document_in_an_unknown_state_is_refused(shop):
    with pytest.raises(ValidationError, match=r"order: state 'lost' is not a state \(states: "
                                              "draft, confirmed"):
        kit.new_order(shop, state="lost")


def test_transition_moves_and_records(shop):
    order_id = kit.new_order(shop)
    result = move(shop, order_id, "confirm", user="mark")
    assert (result.source, result.target, result.transition) == ("draft", "confirmed", "confirm")
    assert state_of(shop, order_id) == "confirmed"
    with shop.session() as session:
        event = session.scalar(select(WorkflowEvent).where(WorkflowEvent.kind == "transition"))
        assert (event.document_type, event.document_id, event.user_name) == (
            "order", order_id, "mark")
        assert event.text == "Confirm: draft → confirmed"
        assert event.data == {"transition": "confirm", "source": "draft", "target": "confirmed"}
        assert session.get(kit.Order, order_id).state_changed_at == kit.T0


def test_an_illegal_transition_lists_the_allowed_ones(shop):
    order_id = kit.new_order(shop)
    with pytest.raises(Conflict) as error:
        move(shop, order_id, "ship", user="mark")
    assert error.value.code == "transition_not_allowed"
    assert error.value.message == ("order SO-1 is in state 'draft': 'ship' is not allowed from "
                                   "it; allowed: confirm, cancel")
    assert error.value.details["allowed"] == ["confirm", "cancel"]
    with pytest.raises(NotFound) as error:
        move(shop, order_id, "shipp")
    assert error.value.code == "unknown_transition"
    assert "order SO-1 has no transition 'shipp' (its transitions: confirm, reserve" in (
        error.value.message)
    assert error.value.message.endswith("allowed from state 'draft': confirm, cancel")


def test_allowed_ones_are_those_the_user_may_take(shop):
    order_id = kit.new_order(shop)
    with pytest.raises(PermissionDenied):
        move(shop, order_id, "confirm", user="stas")
    with pytest.raises(Conflict) as error:
        move(shop, order_id, "ship", user="stas")  # a storekeeper may not move orders at all
    assert error.value.message.endswith("allowed: none")


def test_permission_is_checked_in_the_service(shop):
    order_id = kit.new_order(shop)
    with pytest.raises(PermissionDenied) as error:
        move(shop, order_id, "confirm", user="stas")
    assert error.value.message == ("user 'stas' may not 'confirm' order SO-1: it needs the "
                                   "permission 'document.transition'")
    assert state_of(shop, order_id) == "draft"


def test_the_acting_user_defaults_to_the_session_user(shop):
    order_id = kit.new_order(shop)
    stas = shop.user("stas")
    with pytest.raises(PermissionDenied):
        with shop.session(user=stas) as session:
            transition(session, session.get(kit.Order, order_id), "confirm")


def test_role_guard(shop):
    order_id = kit.new_order(shop)
    for name in ("confirm", "ship"):
        move(shop, order_id, name, user="mark")
    with pytest.raises(PermissionDenied, match="only the roles economist may"):
        move(shop, order_id, "invoice", user="mark")
    move(shop, order_id, "invoice", user="eva")
    assert state_of(shop, order_id) == "invoiced"


def test_admins_and_the_system_pass_role_guards(shop):
    order_id = kit.new_order(shop)
    for name in ("confirm", "ship"):
        move(shop, order_id, name)
    move(shop, order_id, "invoice", user="admin")
    assert state_of(shop, order_id) == "invoiced"


def test_condition_guard(shop):
    order_id = kit.new_order(shop, total=Decimal("0"))
    with pytest.raises(Conflict) as error:
        move(shop, order_id, "confirm", user="mark")
    assert error.value.code == "transition_refused"
    assert error.value.message == ("cannot 'confirm' order SO-1: the condition 'total > 0' does "
                                   "not hold")


def test_a_reason_is_required_where_declared(shop):
    order_id = kit.new_order(shop)
    with pytest.raises(ValidationError) as error:
        move(shop, order_id, "cancel", user="mark", reason="  ")
    assert error.value.field == "reason"
    move(shop, order_id, "cancel", user="mark", reason="the school found the money elsewhere")
    with shop.session() as session:
        order = session.get(kit.Order, order_id)
        assert (order.state, order.lost_reason) == ("cancelled",
                                                    "the school found the money elsewhere")


def test_deal_funnel_lost_with_a_reason(shop):
    with shop.session() as session:
        deal = kit.Deal(title="Robotics school")
        session.add(deal)
        session.flush()
        deal_id = deal.id
    for name in ("qualify", "propose"):
        with shop.session() as session:
            transition(session, session.get(kit.Deal, deal_id), name, now=kit.T0)
    with shop.session() as session:
        deal = session.get(kit.Deal, deal_id)
        assert [o.name for o in available_transitions(session, deal)] == ["negotiate", "win",
                                                                           "lose"]
        transition(session, deal, "lose", reason="price too high", now=kit.T0)
    with shop.session() as session:
        deal = session.get(kit.Deal, deal_id)
        assert (deal.state, deal.lost_reason) == ("lost", "price too high")
        entries = document_timeline(session, "deal", deal_id).items
        assert entries[-1]["text"] == "Lose: proposal → lost (price too high)"


def failing_action(ctx):
    ctx.document.number = "CHANGED"
    raise Conflict("the warehouse refuses: no stock for line 2")


def test_an_action_that_raises_rolls_the_transition_back(make_site):
    def machines():
        machine = kit.order_machine()
        confirm = machine.transition("confirm")
        from dataclasses import replace

        return [replace(machine, transitions=tuple(
            replace(t, actions=(failing_action,)) if t is confirm else t
            for t in machine.transitions))]

    site = make_site(extra_plugins=[kit.documents_plugin(machines=machines)])
    order_id = kit.new_order(site)
    with site.session() as session:
        order = session.get(kit.Order, order_id)
        session.add(kit.Order(number="SO-2"))  # the caller's own work, before the transition
        with pytest.raises(Conflict, match="no stock for line 2"):
            transition(session, order, "confirm")
        # The caller caught the refusal: its transaction goes on, the transition left nothing.
        assert (order.state, order.number) == ("draft", "SO-1")
    with site.session() as session:
        assert [(o.number, o.state) for o in session.scalars(select(kit.Order)
                                                             .order_by(kit.Order.id))] == [
            ("SO-1", "draft"), ("SO-2", "draft")]
        assert session.scalar(select(WorkflowEvent.id)) is None


def test_hook_document_transition(make_site):
    seen = []

    def document_transition(document, transition, source, target, user):
        seen.append((document.number, transition, source, target, user))
        if document.number == "SO-REFUSED":
            raise Conflict("accounting is closed for this period")

    site = make_site(extra_plugins=[kit.documents_plugin(
        document_transition=document_transition)])
    order_id = kit.new_order(site)
    move(site, order_id, "confirm")
    assert seen == [("SO-1", "confirm", "draft", "confirmed", None)]
    refused = kit.new_order(site, number="SO-REFUSED")
    with pytest.raises(Conflict, match="accounting is closed"):
        move(site, refused, "confirm")
    assert state_of(site, refused) == "draft"


def test_a_guard_added_by_another_plugin_refuses_with_its_reason(make_site):
    def credit(ctx):
        if ctx.document.total > 1000:
            return f"the client's credit limit is 1000, the order is {ctx.document.total}"
        return None

    limits = kit.plugin_module("limits", register_state_machines=lambda registry:
                               registry.add_guard("order", "confirm", credit))
    site = make_site(extra_plugins=[kit.documents_plugin(), limits])
    big = kit.new_order(site, total=Decimal("5000"))
    with pytest.raises(Conflict) as error:
        move(site, big, "confirm")
    assert error.value.message == (
        "cannot 'confirm' order SO-1: the client's credit limit is 1000, the order is "
        "5000.000000 (guard 'credit' of plugin 'limits')")
    with site.session() as session:
        options = available_transitions(session, session.get(kit.Order, big), user=None)
        assert [(o.name, o.allowed) for o in options] == [("confirm", False), ("cancel", True)]


def test_available_transitions_explain_refusals(shop):
    order_id = kit.new_order(shop, total=Decimal("0"))
    with shop.session() as session:
        options = available_transitions(session, session.get(kit.Order, order_id),
                                        user=get_user(session, "stas"))
        assert [o.as_dict()["reason"] for o in options] == [
            "user 'stas' may not 'confirm' order SO-1: it needs the permission "
            "'document.transition'",
            "user 'stas' may not 'cancel' order SO-1: it needs the permission "
            "'document.transition'"]
        mark = get_user(session, "mark")
        options = available_transitions(session, session.get(kit.Order, order_id), user=mark)
        assert [o.as_dict() for o in options][1] == {
            "name": "cancel", "label": "Cancel", "target": "cancelled", "allowed": True,
            "reason": None, "requires_reason": True, "style": "danger"}


def test_a_stale_document_is_reread_before_it_moves(shop):
    from sqlalchemy import update

    order_id = kit.new_order(shop)
    with shop.session() as session:
        stale = session.get(kit.Order, order_id)
        # Changed behind the ORM's back, as another clerk's committed transaction would.
        session.execute(update(kit.Order).where(kit.Order.id == order_id)
                        .values(state="confirmed").execution_options(synchronize_session=False))
        assert stale.state == "draft"
        with pytest.raises(Conflict, match="is in state 'confirmed': 'confirm' is not allowed"):
            transition(session, stale, "confirm")


def test_two_clerks_confirming_at_once_only_one_succeeds(shop):
    order_id = kit.new_order(shop)
    barrier = threading.Barrier(2)
    outcomes = []

    def clerk():
        barrier.wait()
        try:
            move(shop, order_id, "confirm")
            outcomes.append("ok")
        except OrdercraftError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "transition_not_allowed"]
    with shop.session() as session:
        assert len(session.scalars(select(WorkflowEvent).where(
            WorkflowEvent.kind == "transition")).all()) == 1


def test_timeline_is_one_paginated_query_over_events_tasks_and_audit(shop):
    from sqlalchemy import event as sa_event

    from ordercraft.core.workflow.tasks import comment_task, create_task

    # The real clock throughout: audit entries are stamped when they are written.
    order_id = kit.new_order(shop)
    with shop.session() as session:
        order = session.get(kit.Order, order_id)
        transition(session, order, "confirm", user=get_user(session, "mark"))
    with shop.session() as session:
        order = session.get(kit.Order, order_id)
        add_comment(session, order, "The school wants it before September")
    with shop.session() as session:
        order = session.get(kit.Order, order_id)
        task = create_task(session, "Call the school", assignee="mark", documents=[order])
    with shop.session() as session:
        comment_task(session, task.id, "Called, no answer")
    statements = []
    engine = shop.platform.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        with shop.session() as session:
            page = document_timeline(session, "order", order_id, limit=3, offset=1)
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if "UNION ALL" in s]) == 1
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert page.total == 6
    with shop.session() as session:
        everything = document_timeline(session, "order", order_id).items
        newest = document_timeline(session, "order", order_id, newest_first=True, limit=1)
    kinds = [(e["source"], e["kind"]) for e in everything]
    assert sorted(kinds) == sorted([("audit", "audit_create"), ("audit", "audit_update"),
                                    ("event", "transition"), ("event", "comment"),
                                    ("event", "task_created"), ("event", "comment")])
    events = [e for e in everything if e["source"] == "event"]
    assert [e["text"] for e in events] == [
        "Confirm: draft → confirmed", "The school wants it before September",
        "Task 'Call the school' for mark", "Called, no answer"]
    assert [e["text"] for e in page.items] == [e["text"] for e in everything[1:4]]
    assert newest.items[0]["text"] == "Called, no answer"
    audit_update = next(e for e in everything if e["kind"] == "audit_update")
    assert audit_update["text"] == "changed State: draft → confirmed"  # its moment is the entry's
    with shop.session() as session:
        past_the_end = document_timeline(session, "order", order_id, offset=50)
    assert (past_the_end.items, past_the_end.total) == ([], 6)


def test_document_references():
    assert parse_document_ref("order:12") == ("order", 12)
    with pytest.raises(ValidationError, match="'order-12' is not of the form TYPE:ID"):
        parse_document_ref("order-12")
