"""Proposals: the configurator's rules, pricing with costs from the ledger and margins
worked by hand, approval of a big discount, versions, acceptance into an order with the
payment schedule and the deal won, and the refusals (field named, nothing saved).

The configured group (10 education robots with A8, board L and 4 sensors each, 5 % off,
tax 20 %)::

    FRAME    10 x 400.00 - 5 %   net 3800.00  tax 760.00   cost 10 x 250.00 = 2500.00
    CPU-A8   10 x 150.00 - 5 %   net 1425.00  tax 285.00   cost 10 x  98.00 =  980.00
    MB-L     10 x 180.00 - 5 %   net 1710.00  tax 342.00   cost 10 x 120.00 = 1200.00
    SENSOR   40 x   4.20 - 5 %   net  159.60  tax  31.92   cost 40 x   2.50 =  100.00
    group                        net 7094.60  tax 1418.92  total 8513.52   cost 4780.00
    margin 2314.60 = 32.6 % of the net (32.625...)
"""

from decimal import Decimal

import pytest

import proposals_kit as kit
from ordercraft.sdk.errors import Conflict, ValidationError

D = Decimal
ROBOTS = ["processor=a8", "board=l", "sensors.distance=4"]


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def test_configurator_rules_are_data_and_name_what_breaks():
    from ordercraft.plugins.proposals.configurator import check_definition, configure

    definition = check_definition(kit.DEFINITION)
    good = configure(definition, {"processor": "a8", "board": "l", "sensors": {"distance": 4}})
    assert good.ok
    assert [(line.item, line.qty) for line in good.lines] == [
        ("FRAME", 1), ("CPU-A8", 1), ("MB-L", 1), ("SENSOR", 4)]
    bad = configure(definition, {"processor": "a4", "board": "l",
                                 "sensors": {"distance": 5}})
    assert [(p.field, p.rule, p.message) for p in bad.problems] == [
        ("options.board", "requires", "board kind L needs processor A8"),
        ("options.sensors", "max", "at most 4 of sensors per board: 5 chosen, 4 allowed")]
    missing = configure(definition, {"board": "m"})
    assert [(p.field, p.message) for p in missing.problems] == [
        ("options.processor", "Processor: choose exactly one option, not 0")]


def test_configured_group_priced_with_ledger_costs_and_margin(site):
    from ordercraft.plugins.proposals import proposals

    proposal_id = kit.proposal(site)
    with site.session() as session:
        proposals.configure(session, proposal_id, "ROBOT-EDU", ROBOTS, qty=10, discount=5,
                            tax_rate=20)
        body = proposals.proposal_dict(proposals.get_proposal(session, proposal_id))
    assert [(line["item"], line["qty"], line["net"], line["tax"], line["cost"])
            for line in body["lines"]] == [
        ("FRAME", D(10), D("3800.00"), D("760.00"), D("2500.00")),
        ("CPU-A8", D(10), D("1425.00"), D("285.00"), D("980.00")),
        ("MB-L", D(10), D("1710.00"), D("342.00"), D("1200.00")),
        ("SENSOR", D(40), D("159.60"), D("31.92"), D("100.00"))]
    [group] = body["groups"]
    assert (group["net"], group["tax"], group["total"], group["cost"], group["margin"],
            group["margin_pct"]) == (D("7094.60"), D("1418.92"), D("8513.52"), D("4780.00"),
                                     D("2314.60"), D("32.6"))
    assert (body["subtotal"], body["total"], body["margin_pct"]) == (
        D("7094.60"), D("8513.52"), D("32.6"))
    assert body["lines"][2]["characteristics"] == {"Ports": "16"}


def test_incompatible_configuration_saves_nothing(site):
    from ordercraft.plugins.proposals import proposals

    proposal_id = kit.proposal(site)
    with pytest.raises(ValidationError) as refused, site.session() as session:
        proposals.configure(session, proposal_id, "ROBOT-EDU",
                            ["processor=a4", "board=l"], qty=10)
    assert refused.value.field == "options.board"
    assert refused.value.message == "options.board: board kind L needs processor A8"
    with site.session() as session:
        assert proposals.get_proposal(session, proposal_id).lines == []


def test_lines_round_per_line_half_up_and_calculator_runs_are_kept(site):
    from ordercraft.plugins.proposals import proposals

    proposal_id = kit.proposal(site)
    run = {"calculator": "robot", "title": "Custom robot", "version": "3f2a9c1b",
           "params": {"nodes": 6, "processor": "a8"}, "total": "1234.56",
           "lines": [{"sku": "CPU-A8", "qty": "1", "amount": "98.00"}], "run_id": 7}
    with site.session() as session:
        # 3 x 0.335 = 1.005 -> 1.01 (half up, per line)
        proposals.add_line(session, proposal_id, item="KIT", qty=3, price="0.335",
                           tax_rate=0)
        # cost 1234.56 + 40 % = 1728.384 -> 1728.38 a robot; 4 of them
        proposals.add_calculator_line(session, proposal_id, run=run, item="ROBOT-CUSTOM",
                                      qty=4, markup=40, tax_rate=20)
        proposals.add_line(session, proposal_id, text="Delivery and training included")
        proposals.add_line(session, proposal_id, item="SW-INSTALL", qty=4, optional=True,
                           tax_rate=0)
        body = proposals.proposal_dict(proposals.get_proposal(session, proposal_id))
    kit_line, robots, text, optional = body["lines"]
    assert kit_line["net"] == D("1.01")
    assert (robots["price"], robots["net"], robots["tax"], robots["cost"]) == (
        D("1728.38"), D("6913.52"), D("1382.70"), D("4938.24"))
    assert robots["source"]["version"] == "3f2a9c1b" and robots["source"]["params"] == {
        "nodes": 6, "processor": "a8"}
    assert (text["kind"], text["net"]) == ("text", D("0.00"))
    assert (optional["chosen"], optional["net"]) == (False, D("160.00"))
    # the optional line counts only when ticked
    assert body["subtotal"] == D("6914.53")
    with site.session() as session:
        proposals.change_line(session, proposal_id, 4, chosen=True)
        assert proposals.get_proposal(session, proposal_id).subtotal == D("7074.53")
    # The order made on acceptance keeps the calculator line's run; its page links back.
    from ordercraft.sdk.workflow import transition

    with site.session() as session:
        proposal = proposals.get_proposal(session, proposal_id)
        transition(session, proposal, "send")
        transition(session, proposal, "accept")
        order_id = proposal.order_id
    with site.session() as session:
        from ordercraft.plugins.sales.orders import get_order

        sources = [line.source for line in get_order(session, order_id).lines]
    assert sources[0] is None and sources[2] is None
    assert (sources[1]["version"], sources[1]["params"], sources[1]["run_id"]) == (
        "3f2a9c1b", {"nodes": 6, "processor": "a8"}, 7)
    page = site.client(login="admin").get(f"/orders/{order_id}").text
    assert 'data-section="proposals-order"' in page and "TCP-00001</a> v1" in page


def test_big_discount_needs_approval_then_versions_then_order(site):
    from ordercraft.plugins.proposals import proposals
    from ordercraft.plugins.sales.invoicing import order_money_dict
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.sdk.workflow import transition

    with site.session() as session:
        from ordercraft.plugins.crm.deals import latest_deal

        party = proposals.plugin_service(session, "crm", "clients").get(session, kit.SCHOOL)
        deal_id = latest_deal(session, party.id).id
    proposal_id = kit.proposal(site, deal=deal_id, title="Robotics classroom")
    with site.session() as session:
        proposals.configure(session, proposal_id, "ROBOT-EDU", ROBOTS, qty=10, discount=15,
                            tax_rate=20)
        proposals.set_schedule(session, proposal_id, [
            {"label": "Prepayment", "percent": "30", "trigger": "before_production"},
            {"label": "Rest", "percent": "70", "trigger": "days_after", "days": 30}])
    with pytest.raises(Conflict) as refused, site.session() as session:
        transition(session, proposals.get_proposal(session, proposal_id), "send")
    assert "a discount of 15 % is above 10 %: it needs approval" in refused.value.message
    with site.session() as session:
        proposal = proposals.get_proposal(session, proposal_id)
        transition(session, proposal, "request_approval")
        transition(session, proposal, "approve")
        transition(session, proposal, "send")
        assert (proposal.state, proposal.sent_version, proposal.approved_by) == (
            "sent", 1, "system")
        # The approver's task is done by the approval.
        from sqlalchemy import select

        from ordercraft.core.workflow.models import Task

        tasks = session.execute(select(Task.title, Task.status)).all()
        assert [(title[:28], status) for title, status in tasks] == [
            ("Approve a discount of 15 % o", "done")]
    with site.session() as session:
        # a configured group's discount is the group's: every line of it changes
        proposals.change_line(session, proposal_id, 4, discount=10)
        proposal = proposals.get_proposal(session, proposal_id)
        assert (proposal.state, proposal.version) == ("draft", 2)
        changes = proposals.proposal_dict(proposal)["changes"]
        assert [(c["change"], c.get("item")) for c in changes] == [
            ("changed", "MB-L"), ("changed", "CPU-A8"), ("changed", "FRAME"),
            ("changed", "SENSOR"), ("total", None)]
        assert changes[3]["fields"]["discount"] == ["15", "10"]
        transition(session, proposal, "send")
        transition(session, proposal, "accept")
        body = proposals.proposal_dict(proposal)
    assert (body["state"], body["order"]) == ("accepted", "SO-00001")
    with site.session() as session:
        order = get_order(session, "SO-00001")
        money = order_money_dict(session, order)
        deal = proposals.plugin_service(session, "crm", "deals").get(session, deal_id)
        # the order carries the proposal's prices: the same total
        assert (order.total, order.deal_id) == (D(body["total"]), deal_id)
        assert [(m["label"], m["percent"]) for m in money["milestones"]] == [
            ("Prepayment", D(30)), ("Rest", D(70))]
        assert (deal.state, deal.amount) == ("won", order.total)


def test_an_expired_proposal_is_not_accepted(site):
    from ordercraft.plugins.proposals import proposals
    from ordercraft.sdk.workflow import transition

    proposal_id = kit.proposal(site, valid_until="2024-03-31")
    with site.session() as session:
        proposals.add_line(session, proposal_id, item="KIT", qty=1)
        transition(session, proposals.get_proposal(session, proposal_id), "send")
    with pytest.raises(Conflict) as refused, site.session() as session:
        transition(session, proposals.get_proposal(session, proposal_id), "accept")
    assert "valid_until: the proposal expired on 2024-03-31" in refused.value.message
    with site.session() as session:
        proposal = proposals.get_proposal(session, proposal_id)
        assert (proposal.state, proposal.order_id) == ("sent", None)
        transition(session, proposal, "decline", reason="budget moved to next year")
        assert (proposal.state, proposal.close_reason) == (
            "declined", "budget moved to next year")


def test_discount_limits_per_role(site):
    """``proposals_discount_limits``: a user sends up to the highest limit of their roles
    without approval; a user with none of the roles has the site's limit."""
    from ordercraft.core.services.users import create_user
    from ordercraft.plugins.proposals import proposals
    from ordercraft.sdk.settings import set_setting
    from ordercraft.sdk.workflow import transition

    with site.session() as session:
        with pytest.raises(ValidationError) as bad:
            set_setting(session, "proposals_discount_limits", "manager=ten")
        assert "'manager=ten' is not ROLE=PERCENT" in bad.value.message
    with site.session() as session:
        set_setting(session, "proposals_discount_limits", "manager=20, approver=30")
        create_user(session, "mia", password="mia-password-1", roles=["manager"])
        create_user(session, "eve", password="eve-password-1", roles=["economist"])
    ids = []
    for _ in range(2):
        proposal_id = kit.proposal(site)
        with site.session() as session:
            proposals.add_line(session, proposal_id, item="KIT", qty=1, discount=15)
        ids.append(proposal_id)
    with pytest.raises(Conflict) as refused, site.session(site.user("eve")) as session:
        transition(session, proposals.get_proposal(session, ids[0]), "send")
    assert "a discount of 15 % is above 10 %: it needs approval" in refused.value.message
    with site.session(site.user("mia")) as session:
        proposal = proposals.get_proposal(session, ids[1])
        transition(session, proposal, "send")
        assert proposal.state == "sent"


def test_a_proposal_in_yen_rounds_its_lines_to_whole_yen(site):
    from ordercraft.plugins.proposals import proposals

    proposal_id = kit.proposal(site, currency="JPY")
    with site.session() as session:
        # 3 x 99.5 = 298.5 -> 299 yen; tax 10 % of it 29.9 -> 30
        proposals.add_line(session, proposal_id, item="KIT", qty=3, price="99.5", tax_rate=10)
        body = proposals.proposal_dict(proposals.get_proposal(session, proposal_id))
    assert (body["lines"][0]["net"], body["lines"][0]["tax"]) == (D("299"), D("30"))
    assert body["total"] == D("329")
