"""State machines as data: validated when registered; extended by other plugins."""


import pytest

import workflow_kit as kit
from ordercraft.core.errors import PluginError
from ordercraft.core.workflow.machines import (
    State,
    StateMachine,
    StateMachineRegistry,
    Transition,
    state_machines,
    validate_machine,
)


def machine(states, transitions, **values):
    return StateMachine(**{"document_type": "order", "model": kit.Order, "states": states,
                           "transitions": transitions, **values})


LINE = [State("draft", initial=True), State("done", final=True)]


def test_the_kit_machines_are_valid():
    assert validate_machine(kit.order_machine()) == []
    assert validate_machine(kit.deal_machine()) == []


@pytest.mark.parametrize("states, transitions, problem", [
    (LINE, [Transition("finish", "draft", "dnoe")],
     "transition 'finish' goes to unknown state 'dnoe' (states: draft, done)"),
    (LINE, [Transition("finish", "drafts", "done")],
     "transition 'finish' leaves from unknown state 'drafts' (states: draft, done)"),
    ([State("draft"), State("done", final=True)], [Transition("finish", "draft", "done")],
     "no state is initial (mark one State(..., initial=True))"),
    ([State("draft", initial=True), State("other", initial=True), State("done", final=True)],
     [Transition("finish", ["draft", "other"], "done")],
     "several states are initial: draft, other (exactly one may be)"),
    ([State("draft", initial=True), State("done")], [Transition("finish", "draft", "done")],
     "no state is final (a document must be able to finish)"),
    ([*LINE, State("lost", final=True)], [Transition("finish", "draft", "done")],
     "state 'lost' cannot be reached from the initial state 'draft'"),
    ([*LINE, State("stuck")], [Transition("finish", "draft", "done"),
                               Transition("stick", "draft", "stuck")],
     "state 'stuck' is a dead end: it is not final and no transition leaves it"),
    (LINE, [Transition("finish", "draft", "done"), Transition("reopen", "done", "draft")],
     "transition 'reopen' leaves from final state 'done'"),
    (LINE, [Transition("finish", "draft", "done"), Transition("finish", "draft", "done")],
     "transition 'finish' is declared twice"),
    ([*LINE, State("draft")], [Transition("finish", "draft", "done")],
     "state 'draft' is declared twice"),
    (LINE, [Transition("finish", "draft", "done", condition="totl > 0")],
     "transition 'finish': condition 'totl > 0' reads unknown field 'totl'"),
    (LINE, [Transition("finish", "draft", "done", permission="confirm")],
     "transition 'finish': permission 'confirm' is not of the form 'area.action'"),
    (LINE, [Transition("Finish", "draft", "done")],
     "transition 'Finish': names are lower-case letters"),
])
def test_invalid_machines_are_explained(states, transitions, problem):
    errors = validate_machine(machine(states, transitions))
    assert any(error.startswith(problem) for error in errors), errors


def test_the_model_must_be_a_workflow_document_of_that_type():
    errors = validate_machine(machine(LINE, [Transition("finish", "draft", "done")],
                                      document_type="deal"))
    assert "model Order declares __document_type__ = 'order', not 'deal'" in errors
    errors = validate_machine(StateMachine("thing", kit.KitBase, LINE,
                                           [Transition("finish", "draft", "done")]))
    assert errors[0].startswith("model <class 'workflow_kit.KitBase'> is not a mapped")
    errors = validate_machine(machine(LINE, [Transition("finish", "draft", "done")],
                                      fields=["no_such_thing"], title_field="nope"))
    assert "field 'no_such_thing' is neither a column nor an attribute of model Order" in errors
    assert "title_field 'nope' is not a field of model Order" in errors


def test_any_state_source_means_every_state_that_is_not_final():
    order = kit.order_machine()
    cancel = order.transition("cancel")
    assert order.sources_of(cancel) == ("draft", "confirmed", "reserved", "in_production",
                                        "shipped", "invoiced", "paid")
    assert [t.name for t in order.transitions_from("shipped")] == ["invoice", "cancel"]
    assert [t.name for t in order.transitions_from("closed")] == []


def test_registry_refuses_an_invalid_machine_naming_the_plugin():
    registry = StateMachineRegistry()
    registry.current_plugin = "sales"
    with pytest.raises(PluginError) as error:
        registry.add(machine(LINE, [Transition("finish", "draft", "dnoe")]))
    assert error.value.message.startswith(
        "plugin 'sales' registers state machine 'order': transition 'finish' goes to unknown "
        "state 'dnoe'")
    assert error.value.code == "bad_state_machine"


def test_a_document_type_is_registered_once():
    registry = StateMachineRegistry()
    registry.current_plugin = "sales"
    registry.add(kit.order_machine())
    registry.current_plugin = "shop"
    with pytest.raises(PluginError, match="plugin 'shop' registers state machine 'order', "
                                          "already registered by plugin 'sales'"):
        registry.add(kit.order_machine())


def check_credit(ctx):
    return None


def notify_purchasing(ctx):
    pass


def test_extensions_apply_whatever_the_plugin_order():
    registry = StateMachineRegistry()
    registry.current_plugin = "purchasing"  # called before the owner of "order"
    registry.add_guard("order", "confirm", check_credit)
    registry.add_action("order", "confirm", notify_purchasing, name="purchase requests")
    registry.add_transition("order", Transition("hold", "confirmed", "draft"))
    registry.add_guard("invoice", "post", check_credit)  # nobody registers invoices here
    registry.current_plugin = "sales"
    registry.add(kit.order_machine())
    registry.finish()
    confirm = registry.machine("order").transition("confirm")
    assert [(g.name, g.plugin) for g in confirm.guards] == [("check_credit", "purchasing")]
    assert [(a.name, a.plugin) for a in confirm.actions] == [("purchase requests", "purchasing")]
    assert registry.machine("order").transition("hold").target == "draft"
    assert registry.skipped == [("purchasing", "invoice")]


def test_extending_an_unknown_transition_is_an_error():
    registry = StateMachineRegistry()
    registry.current_plugin = "sales"
    registry.add(kit.order_machine())
    registry.current_plugin = "purchasing"
    registry.add_action("order", "confrim", notify_purchasing)
    with pytest.raises(PluginError) as error:
        registry.finish()
    assert error.value.message == (
        "plugin 'purchasing' extends 'order' transition 'confrim': 'order' has no such "
        "transition (transitions: confirm, reserve, start_production, ship, invoice, pay, "
        "close, cancel)")


def test_an_added_transition_is_validated():
    registry = StateMachineRegistry()
    registry.add(kit.order_machine())
    registry.current_plugin = "returns"
    registry.add_transition("order", Transition("take_back", "closed", "draft"))
    with pytest.raises(PluginError, match="leaves from final state 'closed'"):
        registry.finish()


def test_registration_is_closed_after_start():
    registry = StateMachineRegistry().finish()
    with pytest.raises(PluginError, match="only be registered from the hook"):
        registry.add(kit.order_machine())


def test_hook_register_state_machines(make_site):
    guard_plugin = kit.plugin_module(
        "credit", register_state_machines=lambda registry: registry.add_guard(
            "order", "confirm", lambda ctx: "the client is over the credit limit",
            name="credit limit"))
    site = make_site(extra_plugins=[guard_plugin, kit.documents_plugin()])
    machines = state_machines(site.platform)
    assert sorted(machines) == ["deal", "order"]
    assert machines.owner("order") == "kitdocs"
    guard = machines.machine("order").transition("confirm").guards[0]
    assert (guard.name, guard.plugin) == ("credit limit", "credit")
    assert state_machines(site.platform) is machines  # built once per plugin set
    with pytest.raises(Exception, match="over the credit limit"):
        from ordercraft.core.workflow.documents import transition

        order_id = kit.new_order(site)
        with site.session() as session:
            transition(session, session.get(kit.Order, order_id), "confirm")


def test_unknown_document_type_names_the_known_ones(make_site):
    site = make_site(extra_plugins=[kit.documents_plugin()])
    with pytest.raises(Exception) as error:
        state_machines(site.platform).machine("invoice")
    assert error.value.message == ("document type 'invoice' has no state machine on this site "
                                   "(document types: deal, order)")
