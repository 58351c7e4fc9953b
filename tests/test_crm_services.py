"""crm's services: clients with their crm data, duplicate warnings, interactions whose
next step becomes a task, deals moving through the funnel, client groups by rule (and
the hook that adds rule kinds), the client's timeline, and crm's migration."""

from __future__ import annotations

import types
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Integer, MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import crm_kit as kit
from ordercraft.core.db import utcnow
from ordercraft.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PluginError,
    ValidationError,
)
from ordercraft.core.models import Party
from ordercraft.core.workflow.models import Task
from ordercraft.plugins.crm import clients, deals, groups, interactions, timeline
from ordercraft.plugins.crm.models import Interaction


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def as_user(site, name):
    return site.session(user=site.user(name))


# ------------------------------------------------------------------ clients


def test_clients_list_with_filters_search_and_crm_figures(site):
    school = kit.client_id(site, "Future Engineers School")
    kit.deal(site, "Future Engineers School", "Robots", amount="14500.50")
    kit.deal(site, "Future Engineers School", "Kits", amount="0.25", moves=("qualify",))
    kit.deal(site, "Future Engineers School", "Old", amount="99", moves=("lose",),
             reason="no budget")
    with site.session() as session:
        interactions.log_interaction(session, school, kind="meeting", subject="Demo")
        from ordercraft.core.services.parties import create_party

        create_party(session, "Siliconix Components", kind="supplier", tags=["school"])
    with site.session() as session:
        everyone = clients.list_clients(session)
        assert [row.party.name for row in everyone.items] == [
            "Atlas Automation", "Bright Minds Academy", "Future Engineers School"]
        row = everyone.items[2]
        assert (row.open_deals, row.open_amount) == (2, Decimal("14500.75"))
        assert row.last_interaction_at is not None and everyone.items[0].open_deals == 0
        names = lambda page: [r.party.name for r in page.items]  # noqa: E731
        assert names(clients.list_clients(session, tags="school")) == [
            "Bright Minds Academy", "Future Engineers School"]
        assert names(clients.list_clients(session, source="EXHIBITION")) == [
            "Atlas Automation", "Future Engineers School"]
        assert names(clients.list_clients(session, manager="tom")) == ["Bright Minds Academy"]
        assert names(clients.list_clients(session, search="7946-0012")) == [
            "Future Engineers School"]  # a contact's phone, by its digits
        assert names(clients.list_clients(session, search="hannah")) == ["Bright Minds Academy"]
        second = clients.list_clients(session, limit=2, offset=2)
        assert (second.total, names(second)) == (3, ["Future Engineers School"])
        with pytest.raises(NotFound) as missing:
            clients.list_clients(session, manager="nobody")
        assert missing.value.field == "manager"
        with pytest.raises(NotFound, match="not a client"):
            clients.get_client(session, "Siliconix Components")


def test_new_client_with_contacts_and_legal_entities_is_created_whole(site):
    with site.session() as session:
        client = clients.create_client(
            session, "Nova Robotics Club", tags="club", source="web", manager="tom",
            contacts=[{"name": "Owen Davies", "phone": "+44 29 2018 0000",
                       "channels": [{"kind": "whatsapp", "value": "+44 7700 900999"}]}],
            legal_entities=[{"name": "Nova Club Ltd", "tax_id": "5500000001"}])
        body = clients.client_dict(client, details=True, session=session)
    assert body["kind"] == "client" and body["manager"] == "tom" and body["tags"] == ["club"]
    assert body["contacts"][0]["channels"] == [{"kind": "whatsapp", "value": "+44 7700 900999"}]
    assert body["legal_entities"][0]["tax_id"] == "5500000001"
    assert body["open_deals"] == 0 and body["deals"] == []
    with site.session() as session, pytest.raises(ValidationError) as bad:
        clients.create_client(session, "Half Saved Ltd",
                              contacts=[{"name": "Ann", "email": "not an address"}])
    assert bad.value.field == "contacts.0.email"
    assert bad.value.message.startswith("contacts.0.email: 'not an address'")
    with site.session() as session:
        assert session.scalar(select(func.count(Party.id)).where(
            Party.name == "Half Saved Ltd")) == 0
        with pytest.raises(ValidationError) as kind:
            clients.create_client(session, "Parts Supplier", kind="supplier")
        assert kind.value.field == "kind"


@pytest.mark.parametrize("values, field, where", [
    ({"phone": "020 7946 0011"}, "phone", "party"),
    ({"contacts": [{"name": "X", "phone": "07700 900123"}]}, "phone",
     "contact Olivia Grant (mobile)"),
    ({"email": "OFFICE@Future.Example "}, "email", "party"),
    ({"contacts": [{"name": "X", "channels": [{"kind": "email",
                                               "value": "o.grant@FUTURE.example"}]}]},
     "email", "contact Olivia Grant"),
    ({"tax_id": "7701 000-102"}, "tax_id", "legal entity Future Engineers Trust"),
])
def test_a_client_matching_another_is_refused_until_confirmed(site, values, field, where):
    with site.session() as session, pytest.raises(clients.PossibleDuplicate) as found:
        clients.create_client(session, "Future Engineers (new branch)", **values)
    error = found.value
    assert (error.code, error.http_status, error.field) == ("possible_duplicate", 409, field)
    match = error.details["matches"][0]
    assert match["party_name"] == "Future Engineers School" and match["where"] == where
    assert "Future Engineers School" in error.message
    with site.session() as session:
        assert session.scalar(select(func.count(Party.id))) == 3  # nothing saved
        created = clients.create_client(session, "Future Engineers (new branch)",
                                        confirm_duplicate=True, **values)
        assert created.id


def test_duplicates_need_enough_digits_and_ignore_the_client_itself(site):
    school = kit.client_id(site, "Future Engineers School")
    with site.session() as session:
        assert clients.check_duplicates(session, phones=["0011"], emails=["nobody@x.example"],
                                        tax_ids=["1234"]) == []
        assert [m.party_id for m in clients.check_duplicates(
            session, phones=["+44 (20) 7946-0011"])] == [school]
        # Changing the client's own phone to a variant of itself is no duplicate...
        clients.update_client(session, school, phone="020 7946 0011")
        # ...but taking another client's phone is.
        with pytest.raises(clients.PossibleDuplicate) as taken:
            clients.update_client(session, school, phone="+44 20 7946 0100")
        assert taken.value.details["matches"][0]["party_name"] == "Bright Minds Academy"
    with site.session() as session, pytest.raises(Conflict) as same_name:
        clients.create_client(session, "FUTURE engineers school")
    assert (same_name.value.code, same_name.value.field) == ("duplicate", "name")


# ------------------------------------------------------------------ interactions


def test_an_interaction_with_a_next_step_creates_a_task_for_the_manager(site):
    school = kit.client_id(site, "Future Engineers School")
    deal_id = kit.deal(site, "Future Engineers School", "Robots", amount="14500")
    due = kit.later(3).date()
    with as_user(site, "tom") as session:
        logged = interactions.log_interaction(
            session, school, kind="outgoing_call", subject="  Price  of robots ",
            outcome="Wants 10", contact="olivia grant", deal=deal_id, manager="maria",
            next_step="Send the offer", next_step_due=due.isoformat())
        assert logged.subject == "Price of robots" and logged.contact.name == "Olivia Grant"
        task = session.get(Task, logged.task_id)
        assert task.title == "Send the offer — Future Engineers School"
        assert task.assignee.name == "maria"  # the manager who spoke, unless told
        assert task.deadline.isoformat() == f"{due.isoformat()}T17:00:00"
        assert [(link.document_type, link.document_id) for link in task.links] == [
            ("deal", deal_id)]
        assert "Wants 10" in task.description
        assert interactions.interaction_dict(logged)["manager"] == "maria"
    with as_user(site, "tom") as session:
        own = interactions.log_interaction(session, school, kind="sms", subject="Reminder",
                                           next_step="Call back",
                                           next_step_due=kit.later(1))
        assert session.get(Task, own.task_id).assignee.name == "tom"  # the acting user


@pytest.mark.parametrize("values, field", [
    ({"kind": "fax"}, "kind"),
    ({"subject": "  "}, "subject"),
    ({"at": "yesterday"}, "at"),
    ({"at": (utcnow() + timedelta(days=3)).isoformat()}, "at"),
    ({"next_step": "Call", "next_step_due": "2001-01-01"}, "next_step_due"),
    ({"next_step_due": "2999-01-01"}, "next_step"),
    ({"contact": "Hannah Lee"}, "contact"),
    ({"manager": "ghost"}, "manager"),
    ({"next_step": "Call", "next_step_assignee": "ghost"}, "next_step_assignee"),
])
def test_a_bad_interaction_names_its_field_and_saves_nothing(site, values, field):
    school = kit.client_id(site, "Future Engineers School")
    arguments = {"kind": "meeting", "subject": "Visit", **values}
    with site.session() as session, pytest.raises((ValidationError, NotFound)) as bad:
        interactions.log_interaction(session, school, **arguments)
    assert bad.value.field == field
    with site.session() as session:
        assert session.scalar(select(func.count(Interaction.id))) == 0
        assert session.scalar(select(func.count(Task.id))) == 0


def test_interactions_of_another_clients_deal_and_without_permission_are_refused(site):
    other = kit.deal(site, "Bright Minds Academy", "Kits")
    school = kit.client_id(site, "Future Engineers School")
    with site.session() as session, pytest.raises(ValidationError) as wrong:
        interactions.log_interaction(session, school, kind="email", subject="x", deal=other)
    assert wrong.value.field == "deal" and "Bright Minds Academy" in wrong.value.message
    with as_user(site, "sam") as session, pytest.raises(PermissionDenied):
        interactions.log_interaction(session, school, kind="email", subject="x")


def test_interactions_list_by_client_manager_kind_and_period(site):
    school = kit.client_id(site, "Future Engineers School")
    bright = kit.client_id(site, "Bright Minds Academy")
    now = utcnow()
    with site.session() as session:
        for client, kind, days, manager in [(school, "meeting", 40, "maria"),
                                            (school, "email", 3, "tom"),
                                            (bright, "email", 1, "tom")]:
            interactions.log_interaction(session, client, kind=kind, subject="s",
                                         at=now - timedelta(days=days), manager=manager)
    with site.session() as session:
        def kinds(**filters):
            return [(i.party.name[:6], i.kind) for i in
                    interactions.list_interactions(session, **filters).items]

        assert kinds() == [("Bright", "email"), ("Future", "email"), ("Future", "meeting")]
        assert kinds(client="Future Engineers School", kind="email") == [("Future", "email")]
        assert kinds(manager="maria") == [("Future", "meeting")]
        since = (now - timedelta(days=10)).date()
        assert len(kinds(since=since)) == 2
        assert kinds(until=(now - timedelta(days=20)).date()) == [("Future", "meeting")]
        with pytest.raises(ValidationError) as bad:
            interactions.list_interactions(session, since="2024-02-10", until="2024-02-01")
        assert bad.value.field == "to"


# ------------------------------------------------------------------ deals


def test_a_deal_takes_the_clients_manager_and_source_and_moves_through_the_funnel(site):
    deal_id = kit.deal(site, "Bright Minds Academy", "Classroom robots", amount="14500.00",
                       expected_close="2030-06-30")
    with site.session() as session:
        deal = deals.get_deal(session, deal_id)
        assert (deal.state, deal.probability, deal.source, deal.manager.name) == (
            "lead", 10, "seminar", "tom")
        seen = []
        for name in ("qualify", "propose", "negotiate", "win"):
            deals.move_deal(session, deal_id, name)
            seen.append((deal.state, deal.probability, deal.reached_rank))
        assert seen == [("qualified", 25, 1), ("proposal", 50, 2), ("negotiation", 75, 3),
                        ("won", 100, 4)]
        assert deal.closed_at is not None and deal.weighted_amount == Decimal("14500.00")
        with pytest.raises(ValidationError) as closed:
            deals.update_deal(session, deal_id, amount="1")
        assert (closed.value.code, closed.value.field) == ("deal_closed", "amount")
        assert deals.update_deal(session, deal_id, notes="Paid upfront").notes == "Paid upfront"


def test_losing_needs_a_reason_and_illegal_moves_are_refused(site):
    deal_id = kit.deal(site, "Atlas Automation", "Training robots", amount="0")
    with site.session() as session:
        with pytest.raises(Conflict) as early:
            deals.move_deal(session, deal_id, "win")
        assert early.value.code == "transition_not_allowed"
        assert early.value.details["allowed"] == ["qualify", "lose"]
        with pytest.raises(NotFound) as unknown:
            deals.move_deal(session, deal_id, "celebrate")
        assert unknown.value.code == "unknown_transition"
        deals.move_deal(session, deal_id, "qualify")
        deals.move_deal(session, deal_id, "propose")
        with pytest.raises(Conflict, match="expected amount is 0") as guarded:
            deals.move_deal(session, deal_id, "win")
        assert guarded.value.code == "transition_refused"
        with pytest.raises(ValidationError) as no_reason:
            deals.move_deal(session, deal_id, "lose", reason="  ")
        assert no_reason.value.field == "reason"
    with site.session() as session:
        deal = deals.get_deal(session, deal_id)
        assert deal.state == "proposal"  # every refusal left it where it was
        deals.move_deal(session, deal_id, "requalify")
        assert (deal.state, deal.probability, deal.reached_rank) == ("qualified", 25, 2)
        deals.move_deal(session, deal_id, "lose", reason="Chose a rival")
        assert (deal.state, deal.probability, deal.lost_reason) == ("lost", 0, "Chose a rival")
        with pytest.raises(Conflict) as final:
            deals.move_deal(session, deal_id, "qualify")
        assert final.value.details["allowed"] == []


def test_deal_fields_are_validated_and_moves_need_the_permission(site):
    with site.session() as session:
        for values, field in [({"amount": "10.001"}, "amount"), ({"amount": "-1"}, "amount"),
                              ({"probability": "101"}, "probability"),
                              ({"expected_close": "31/12/2030"}, "expected_close"),
                              ({"contact": "Hannah Lee"}, "contact"),
                              ({"manager": "ghost"}, "manager")]:
            with pytest.raises((ValidationError, NotFound)) as bad:
                deals.create_deal(session, "Future Engineers School", "x", **values)
            assert bad.value.field == field, values
        with pytest.raises(ValidationError) as state:
            deal = deals.create_deal(session, "Future Engineers School", "Robots")
            deals.update_deal(session, deal.id, state="won")
        assert state.value.field == "state"
    deal_id = kit.deal(site, "Future Engineers School", "Robots")
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "ivan", roles=["engineer"], password="engineer-password")
    with as_user(site, "ivan") as session, pytest.raises(PermissionDenied):
        deals.move_deal(session, deal_id, "qualify")


def test_deals_list_filters_sorts_and_board_totals(site):
    kit.deal(site, "Future Engineers School", "Robots", amount="100", expected_close="2030-01-05")
    kit.deal(site, "Bright Minds Academy", "Kits", amount="300", moves=("qualify",))
    kit.deal(site, "Atlas Automation", "Arms", amount="200", expected_close="2030-01-01",
             moves=("qualify",))
    kit.deal(site, "Atlas Automation", "Lost one", amount="50", moves=("lose",), reason="x")
    with site.session() as session:
        titles = lambda page: [d.title for d in page.items]  # noqa: E731
        assert titles(deals.list_deals(session, sort="amount")) == [
            "Kits", "Arms", "Robots", "Lost one"]
        assert titles(deals.list_deals(session, states=["qualified"], sort="expected_close")) == [
            "Arms", "Kits"]
        assert titles(deals.list_deals(session, open_only=True, manager="maria",
                                       sort="amount")) == ["Arms", "Robots"]
        assert titles(deals.list_deals(session, search="atlas", sort="amount")) == [
            "Arms", "Lost one"]
        with pytest.raises(ValidationError) as bad:
            deals.list_deals(session, states="won-ish")
        assert bad.value.field == "state"
        board = deals.board(session)
        assert {stage: (c["count"], c["amount"]) for stage, c in board.items()} == {
            "lead": (1, Decimal("100.00")), "qualified": (2, Decimal("500.00")),
            "proposal": (0, Decimal("0.00")), "negotiation": (0, Decimal("0.00"))}
        assert board["qualified"]["weighted"] == Decimal("125.00")
        assert [d.title for d in board["qualified"]["deals"]] == ["Arms", "Kits"]


# ------------------------------------------------------------------ groups


def test_groups_select_clients_by_rules_in_sql(site):
    kit.deal(site, "Bright Minds Academy", "Kits", moves=("qualify", "propose", "negotiate"))
    atlas = kit.client_id(site, "Atlas Automation")
    school = kit.client_id(site, "Future Engineers School")
    with site.session() as session:
        interactions.log_interaction(session, atlas, kind="email", subject="x",
                                     at=utcnow() - timedelta(days=5))
        interactions.log_interaction(session, school, kind="email", subject="x",
                                     at=utcnow() - timedelta(days=50))

    def members(rules, match="all"):
        with site.session() as session:
            group = groups.create_group(session, f"g{len(rules)}{match}{rules}", rules,
                                        match=match)
            found = clients.list_clients(session, group=group.id)
            sizes = groups.group_sizes(session, [group])
            assert sizes[group.id] == found.total
            return sorted(row.party.name.split()[0] for row in found.items)

    assert members(["tag = school"]) == ["Bright", "Future"]
    assert members(["tag = school", "source = Exhibition"]) == ["Future"]
    assert members(["tag = school", "source = exhibition"], match="any") == [
        "Atlas", "Bright", "Future"]
    assert members(["tag != school"]) == ["Atlas"]
    assert members(["manager = maria"]) == ["Atlas", "Future"]
    assert members(["deal_state = negotiation"]) == ["Bright"]
    assert members(["open_deals = no"]) == ["Atlas", "Future"]
    assert members(["interacted_within_days = 30"]) == ["Atlas"]
    assert members(["interacted_within_days = 60", "kind = client"]) == ["Atlas", "Future"]
    assert members(["created_within_days = 1"]) == ["Atlas", "Bright", "Future"]


@pytest.mark.parametrize("rules, message", [
    (["colour = red"], "'colour' is not a kind of rule (kinds: created_within_days"),
    (["tag school"], "is not a rule of the form KIND = VALUE"),
    (["interacted_within_days = soon"], "'soon' is not a whole number"),
    (["manager = ghost"], "user 'ghost' does not exist"),
    (["deal_state = signed"], "'signed' is not one of lead, qualified"),
    (["tag = "], "has no value"),
    ([], "at least one rule"),
])
def test_bad_rules_are_refused_naming_the_rule(site, rules, message):
    with site.session() as session, pytest.raises(ValidationError) as bad:
        groups.create_group(session, "Bad", rules)
    assert bad.value.field == "rules" and message in bad.value.message


def test_group_names_are_unique_and_groups_are_found_by_name(site):
    with site.session() as session:
        groups.create_group(session, "Schools", "tag = school\n\nsource = exhibition",
                            description="From text, one rule a line")
        with pytest.raises(Conflict) as taken:
            groups.create_group(session, "SCHOOLS", ["tag = school"])
        assert taken.value.field == "name"
        group = groups.get_group(session, "schools")
        assert groups.group_dict(group)["rules"] == ["tag = school", "source = exhibition"]
        groups.update_group(session, group.id, match="any", rules=["tag = corporate"])
        assert clients.list_clients(session, group="Schools").total == 1
        groups.delete_group(session, "Schools")
        with pytest.raises(NotFound) as gone:
            groups.get_group(session, "Schools")
        assert gone.value.field == "group"


def _rules_plugin(name="vip_rules", rule_name="phone_area"):
    """A plugin adding a rule kind as a partner would: through crm's hook and the SDK, no
    crm import."""
    from ordercraft.sdk import PluginInfo, hookimpl

    module = types.ModuleType(name)
    module.plugin = PluginInfo(name=name, requires=("crm",))

    def area(ctx):
        from ordercraft.sdk.queries import digits

        return digits(ctx.session, Party.phone).like(f"44{ctx.value}%")

    @hookimpl
    def register_client_rules(registry):
        registry.add(rule_name, "Phone area code", area, value_type="number", example="20")

    module.register_client_rules = register_client_rules
    return module


def test_hook_register_client_rules(make_site):
    site = make_site(plugins=["crm"], extra_plugins=[_rules_plugin()])
    from ordercraft.plugins.crm.clients import create_client
    from ordercraft.plugins.crm.rules import session_rules

    with site.session() as session:
        create_client(session, "London School", phone="+44 20 7946 0300")
        create_client(session, "Cardiff Club", phone="+44 29 2018 0000")
        assert session_rules(session)["phone_area"].plugin == "vip_rules"
        assert session_rules(session)["phone_area"].describe() == {
            "name": "phone_area", "label": "Phone area code", "value_type": "number",
            "choices": [], "example": "20", "plugin": "vip_rules"}
        group = groups.create_group(session, "Londoners", ["phone_area = 20"])
        assert [r.party.name for r in clients.list_clients(session, group=group.id).items] == [
            "London School"]
    clash = make_site(plugins=["crm"], extra_plugins=[_rules_plugin("clash", "tag")])
    with clash.session() as session, pytest.raises(PluginError) as error:
        groups.create_group(session, "Any", ["tag = school"])
    assert "plugin 'clash' registers client rule 'tag', already registered by plugin 'crm'" \
        in error.value.message


# ------------------------------------------------------------------ timeline


def test_the_client_timeline_tells_the_whole_story_once(site):
    school = kit.client_id(site, "Future Engineers School")
    deal_id = kit.deal(site, "Future Engineers School", "Robots", amount="14500",
                       moves=("qualify",))
    with as_user(site, "maria") as session:
        logged = interactions.log_interaction(session, school, kind="meeting", subject="Visit",
                                              deal=deal_id, next_step="Send the offer",
                                              next_step_due=kit.later(2))
        from ordercraft.core.workflow.tasks import complete_task

        complete_task(session, logged.task_id)
        deals.update_deal(session, deal_id, amount="15000")
        clients.update_client(session, school, address="8 Meadow Road")
    with site.session() as session:
        page = timeline.client_timeline(session, school)
        kinds = [entry["kind"] for entry in page.items]
        texts = " | ".join(entry["text"] for entry in page.items)
    assert kinds.count("transition") == 1 and "Qualify: Lead → Qualified" in texts
    assert {"interaction_meeting", "deal_opened", "task_created", "task_done"} <= set(kinds)
    assert "deal changed: Amount: 14500.00 → 15000.00" in texts
    assert "party changed: Address: — → 8 Meadow Road" in texts
    assert "contact added: Olivia Grant" in texts and "party added" in texts
    # A transition's own changes are not repeated as audit entries.
    assert "state: lead" not in texts and "reached_rank" not in texts
    assert page.items[0]["at"] >= page.items[-1]["at"]
    with site.session() as session:
        second = timeline.client_timeline(session, school, limit=3, offset=3)
        assert second.total == page.total and len(second.items) == 3
        assert [e["id"] for e in second.items] == [e["id"] for e in page.items[3:6]]


def _orders_plugin():
    """A document type of another plugin whose model has ``party_id``: an order."""
    from ordercraft.core.db import NAMING_CONVENTION
    from ordercraft.core.workflow.documents import WorkflowDocument
    from ordercraft.core.workflow.machines import State, StateMachine, Transition
    from ordercraft.sdk import PluginInfo, hookimpl

    class OrderBase(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    class Order(WorkflowDocument, OrderBase):
        __tablename__ = "tl_orders"
        __document_type__ = "tl_order"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        number: Mapped[str] = mapped_column(String(20))
        party_id: Mapped[int] = mapped_column(Integer)

    module = types.ModuleType("tl_orders")
    module.plugin = PluginInfo(name="tl_orders")
    module.Order = Order

    @hookimpl
    def startup(platform):
        OrderBase.metadata.create_all(platform.engine)

    @hookimpl
    def register_state_machines(registry):
        registry.add(StateMachine("tl_order", Order, title_field="number",
                                  states=[State("draft", initial=True),
                                          State("done", final=True)],
                                  transitions=[Transition("finish", "draft", "done")]))

    module.startup, module.register_state_machines = startup, register_state_machines
    return module


def test_documents_with_a_party_id_join_their_clients_timeline(make_site):
    orders = _orders_plugin()
    site = make_site(plugins=["crm"], extra_plugins=[orders])
    from ordercraft.core.workflow.documents import transition

    with site.session() as session:
        client = clients.create_client(session, "Robo School")
        other = clients.create_client(session, "Other School")
        mine = orders.Order(number="SO-1", party_id=client.id)
        theirs = orders.Order(number="SO-2", party_id=other.id)
        session.add_all([mine, theirs])
        session.flush()
        transition(session, mine, "finish")
        transition(session, theirs, "finish")
    with site.session() as session:
        entries = timeline.client_timeline(session, client.id).items
    moves = [e for e in entries if e["kind"] == "transition"]
    assert [(e["document"]["type"], e["document"]["title"]) for e in moves] == [
        ("tl_order", "SO-1")]


# ------------------------------------------------------------------ schema


def test_crm_migration_creates_exactly_the_models_tables(make_site, tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ordercraft.core import schema
    from ordercraft.core.db import Base
    from ordercraft.core.platform import Platform
    from ordercraft.sdk.testing import test_database_url

    url, drop = test_database_url(tmp_path)
    platform = Platform(url, only=["crm"])
    try:
        assert "96cdfe76bde4" in schema.upgrade(platform)
        platform.load_models()

        def ours(obj, name, type_, reflected, compare_to):
            table = obj if type_ == "table" else getattr(obj, "table", None)
            if table is None:
                return True
            return (table.info.get("owner") == "crm" if not reflected or compare_to
                    is not None else str(name).startswith("crm_"))

        with platform.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "include_object": ours, "compare_type": False})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        platform.dispose()
        drop()
