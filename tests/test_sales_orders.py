"""Orders in the ledger: confirming reserves what the warehouse holds and reports the rest
as shortages, shipping (partial or whole) posts issues the ledger agrees with, cancelling
gives everything back, and the workflow refuses what does not fit the order's state."""

import types
from decimal import Decimal

import pytest

import sales_kit as kit
from ordercraft.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ordercraft.sdk import hookimpl


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def the_story_order(site, **values):
    """The robot school's order: 10 standard robots, 5 kits, 4 custom robots."""
    return kit.order(site, "ROBOT-STD:10", "KIT:5", "ROBOT-CUSTOM:4:2950", **values)


def test_confirm_reserves_what_is_in_stock_and_lists_the_shortages(site):
    order_id = the_story_order(site)
    kit.move(site, order_id, "confirm")

    assert kit.state(site, order_id) == "confirmed"
    assert kit.lines(site, order_id) == [
        {"item": "ROBOT-STD", "qty": "10", "reserved": "6", "shipped": "0", "to_produce": "4",
         "to_buy": "0"},
        {"item": "KIT", "qty": "5", "reserved": "5", "shipped": "0", "to_produce": "0",
         "to_buy": "0"},
        {"item": "ROBOT-CUSTOM", "qty": "4", "reserved": "0", "shipped": "0",
         "to_produce": "4", "to_buy": "0"}]
    # The ledger holds the same, each line under its own holder.
    assert kit.balance(site, "ROBOT-STD") == ("6", "6")
    assert kit.balance(site, "KIT") == ("8", "5")
    assert list(kit.holders(site, "ROBOT-STD").values()) == ["6"]
    with site.session() as session:
        from ordercraft.plugins.sales.orders import get_order

        order = get_order(session, order_id)
        assert (order.shortage_count, order.custom_count) == (2, 4)
        assert order.confirmed_at is not None


def test_shortages_of_goods_are_to_buy(site):
    order_id = kit.order(site, "SENSOR:120", "PAINT:12.5")
    kit.move(site, order_id, "confirm")
    assert [(line["reserved"], line["to_buy"], line["to_produce"]) for line in kit.lines(site, order_id)] == [
        ("100", "20", "0"), ("10.000", "2.500", "0.000")]


def test_two_lines_of_one_item_share_the_stock_in_line_order(site):
    order_id = kit.order(site, "ROBOT-STD:4", "ROBOT-STD:4")
    kit.move(site, order_id, "confirm")
    assert [(line["reserved"], line["to_produce"]) for line in kit.lines(site, order_id)] == [
        ("4", "0"), ("2", "2")]
    assert sorted(kit.holders(site, "ROBOT-STD").values()) == ["2", "4"]


def test_another_order_cannot_take_what_an_order_reserved(site):
    first = kit.order(site, "KIT:5")
    kit.move(site, first, "confirm")
    second = kit.order(site, "KIT:5", client=kit.CLUB)
    kit.move(site, second, "confirm")
    assert [(line["reserved"], line["to_buy"]) for line in kit.lines(site, second)] == [("3", "2")]
    from ordercraft.core.stock import api as stock

    with site.session() as session, pytest.raises(Conflict, match="not enough 'KIT'"):
        stock.issue(session, "KIT", "MAIN", 1)


def test_hook_order_shortages(make_site):
    received = []

    def order_shortages(session, order, shortages):
        received.append((order.number, [(s.position, s.item, str(s.qty), s.action, s.warehouse)
                                        for s in shortages]))

    module = types.ModuleType("planner")
    module.order_shortages = hookimpl(order_shortages)
    site = kit.build(make_site, extra_plugins=[module])
    order_id = the_story_order(site)
    kit.move(site, order_id, "confirm")
    assert received == [("SO-00001", [(1, "ROBOT-STD", "4", "produce", "MAIN"),
                                      (3, "ROBOT-CUSTOM", "4", "produce", "MAIN")])]
    # Nothing short: the hook is not called.
    covered = kit.order(site, "KIT:2")
    kit.move(site, covered, "confirm")
    assert len(received) == 1


def test_a_plugin_refusing_the_shortages_refuses_the_confirmation(make_site):
    def order_shortages(order, shortages):
        raise Conflict(f"purchasing is closed: {len(shortages)} shortages of {order.number}")

    module = types.ModuleType("closed_purchasing")
    module.order_shortages = hookimpl(order_shortages)
    site = kit.build(make_site, extra_plugins=[module])
    order_id = the_story_order(site)
    with pytest.raises(Conflict, match="purchasing is closed: 2 shortages"):
        kit.move(site, order_id, "confirm")
    assert kit.state(site, order_id) == "draft"
    assert kit.balance(site, "ROBOT-STD") == ("6", "0")  # nothing reserved stays


def test_partial_shipments_post_issues_the_ledger_agrees_with(site):
    order_id = the_story_order(site, order_date="2024-01-20")
    kit.move(site, order_id, "confirm")
    result = kit.ship(site, order_id, [(1, 4), (2, 5)], ship_date="2024-02-01")
    assert (result.transition, result.target) == ("ship_part", "partially_shipped")
    assert [(line["shipped"], line["reserved"]) for line in kit.lines(site, order_id)] == [
        ("4", "2"), ("5", "0"), ("0", "0")]
    assert kit.balance(site, "ROBOT-STD") == ("2", "2")
    assert kit.balance(site, "KIT") == ("3", "0")

    # The issue is a stock document with the shipment's number and FIFO cost.
    from ordercraft.core.stock import api as stock
    from ordercraft.plugins.sales.orders import get_order

    with site.session() as session:
        order = get_order(session, order_id)
        shipment = order.shipments[0]
        document = stock.document(session, shipment.stock_document_id)
    assert (shipment.number, document["kind"], document["ref"], document["date"]) == (
        "SO-00001-1", "issue", "SO-00001-1", "2024-02-01")
    assert [(m["item"], m["qty"], m["value"]) for m in document["moves"]] == [
        ("ROBOT-STD", "-4", "-3600.0000"), ("KIT", "-5", "-750.0000")]

    # The second shipment ships what is reserved; the stock arrives for the rest.
    kit.ship(site, order_id)  # everything left? no: the custom robots are not there
    assert kit.state(site, order_id) == "partially_shipped"
    assert [(line["shipped"], line["reserved"]) for line in kit.lines(site, order_id)] == [
        ("6", "0"), ("5", "0"), ("0", "0")]


def test_ship_everything_takes_free_stock_that_arrived_since(site):
    order_id = kit.order(site, "ROBOT-STD:10", "SW-INSTALL:10")
    kit.move(site, order_id, "confirm")
    with pytest.raises(Conflict, match="holds 6 pc and warehouse 'MAIN' has 0 pc more"):
        kit.move(site, order_id, "ship")
    from ordercraft.core.stock import api as stock

    with site.session() as session:
        stock.receive(session, "ROBOT-STD", "MAIN", 4, "950")
    result = kit.move(site, order_id, "ship")
    assert result.target == "shipped"
    assert [(line["shipped"], line["reserved"], line["to_produce"]) for line in kit.lines(site, order_id)] == [
        ("10", "0", "0"), ("10", "0", "0")]
    assert kit.balance(site, "ROBOT-STD") == ("0", "0")


def test_reserve_takes_the_produced_stock_only_when_it_covers_everything(site):
    order_id = the_story_order(site)
    kit.move(site, order_id, "confirm")
    kit.move(site, order_id, "start_production")
    with pytest.raises(Conflict, match=r"4 pc of 'ROBOT-STD' \(line 1\) are not in warehouse"):
        kit.move(site, order_id, "reserve")
    from ordercraft.core.stock import api as stock

    with site.session() as session:
        stock.receive(session, "ROBOT-STD", "MAIN", 4, "900")
        stock.receive(session, "ROBOT-CUSTOM", "MAIN", 4, "2100")
    kit.move(site, order_id, "reserve")
    assert kit.state(site, order_id) == "reserved"
    assert [line["reserved"] for line in kit.lines(site, order_id)] == ["10", "5", "4"]
    kit.move(site, order_id, "ship")
    for name in ("invoice", "pay", "close"):
        kit.move(site, order_id, name)
    assert kit.state(site, order_id) == "closed"
    assert kit.balance(site, "ROBOT-STD") == ("0", "0")


def test_cancel_releases_the_reservations_and_reverses_the_shipments(site):
    order_id = the_story_order(site)
    kit.move(site, order_id, "confirm")
    kit.ship(site, order_id, [(1, 3), (2, 2)])
    assert kit.balance(site, "ROBOT-STD") == ("3", "3")
    assert kit.balance(site, "KIT") == ("6", "3")

    with pytest.raises(ValidationError, match="needs a reason"):
        kit.move(site, order_id, "cancel")
    kit.move(site, order_id, "cancel", reason="the school postponed the classroom")

    assert kit.state(site, order_id) == "cancelled"
    assert kit.balance(site, "ROBOT-STD") == ("6", "0")
    assert kit.balance(site, "KIT") == ("8", "0")
    assert kit.holders(site, "ROBOT-STD") == {} and kit.holders(site, "KIT") == {}
    assert [(line["shipped"], line["reserved"], line["to_produce"]) for line in kit.lines(site, order_id)] \
        == [("0", "0", "0")] * 3
    from ordercraft.core.stock import api as stock
    from ordercraft.plugins.sales.orders import get_order

    with site.session() as session:
        order = get_order(session, order_id)
        shipment = order.shipments[0]
        assert (shipment.status, order.cancel_reason) == (
            "cancelled", "the school postponed the classroom")
        assert stock.document(session, shipment.stock_document_id)["status"] == "cancelled"
        assert stock.document(session, shipment.reversal_document_id)["kind"] == "reversal"
        assert stock.verify(session).ok


def test_illegal_transitions_are_refused_naming_what_is_allowed(site):
    order_id = kit.order(site, "KIT:2")
    with pytest.raises(Conflict, match=r"is in state 'draft': 'ship' is not allowed from it; "
                                       r"allowed: confirm, cancel"):
        kit.move(site, order_id, "ship")
    with pytest.raises(NotFound, match="has no transition 'teleport'"):
        kit.move(site, order_id, "teleport")
    empty = kit.order(site)
    with pytest.raises(Conflict, match="the order has no lines"):
        kit.move(site, empty, "confirm")
    kit.move(site, order_id, "confirm")
    with pytest.raises(Conflict, match="'invoice' is not allowed"):
        kit.move(site, order_id, "invoice")
    with pytest.raises(Conflict, match="finishes the order: ship it with 'ship'"):
        kit.move(site, order_id, "ship_part")
    kit.move(site, order_id, "ship")
    kit.move(site, order_id, "invoice")
    with pytest.raises(Conflict, match="'cancel' is not allowed"):
        kit.move(site, order_id, "cancel", reason="too late")
    assert kit.state(site, order_id) == "invoiced"


def test_shipment_quantities_are_checked_per_line(site):
    order_id = kit.order(site, "KIT:2", "SENSOR:10")
    kit.move(site, order_id, "confirm")
    with pytest.raises(ValidationError, match=r"lines.0.qty: line 1 \('KIT'\) has 2 pc left to "
                                              r"ship, not 3 pc"):
        kit.ship(site, order_id, [(1, 3)])
    with pytest.raises(ValidationError, match="lines.0.line: order SO-00001 has no line 9"):
        kit.ship(site, order_id, [(9, 1)])
    with pytest.raises(ValidationError, match="is not possible: its unit allows whole numbers"):
        kit.ship(site, order_id, [(1, "0.5")])
    # Serial numbers need a plugin that records them (service): without one, refused.
    with pytest.raises(ValidationError, match="serials: no enabled plugin records serial"):
        kit.ship(site, order_id, [(1, 2)], serials={1: ["K-1", "K-2"]})
    kit.ship(site, order_id, [(1, 2)])
    kit.ship(site, order_id, [(2, 10)])
    assert kit.state(site, order_id) == "shipped"


def test_a_manager_confirms_and_ships_without_the_ledgers_own_permission(site):
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "maria", roles=["manager"])
        create_user(session, "eva", roles=["economist"])
    maria, eva = site.user("maria"), site.user("eva")
    order_id = kit.order(site, "KIT:3", user=maria)
    with pytest.raises(PermissionDenied, match="order.confirm"):
        kit.move(site, order_id, "confirm", user=eva)
    kit.move(site, order_id, "confirm", user=maria)
    kit.ship(site, order_id, user=maria)
    from ordercraft.core.stock import api as stock
    from ordercraft.plugins.sales.orders import get_order

    with site.session() as session:
        order = get_order(session, order_id)
        document = stock.document(session, order.shipments[0].stock_document_id)
        assert order.manager.name == "maria"
    assert document["user"] == "maria"  # the ledger names who shipped
    # The manager still cannot post stock directly.
    with site.session(maria) as session, pytest.raises(PermissionDenied, match="stock.post"):
        stock.receive(session, "KIT", "MAIN", 1, "1")


def test_only_draft_orders_change(site):
    from ordercraft.plugins.sales.orders import update_order

    order_id = kit.order(site, "KIT:2")
    with site.session() as session:
        order = update_order(session, order_id, lines=["KIT:3", "SENSOR:5:4.00:10"],
                             notes="call before delivery")
        assert [(line.item.sku, str(line.qty)) for line in order.lines] == [("KIT", "3"), ("SENSOR", "5")]
        assert order.total == Decimal("978.00")
    kit.move(site, order_id, "confirm")
    with site.session() as session, pytest.raises(Conflict, match="is confirmed: only draft"):
        update_order(session, order_id, notes="later")


def test_entry_errors_name_the_field_and_the_value(site):
    from ordercraft.plugins.sales.orders import create_order

    cases = [
        (dict(client="Nobody"), "client", "party 'Nobody' does not exist"),
        (dict(client="Siliconix Components"), "client", "is a supplier, not a client"),
        (dict(lines=["NOPE:1"]), "lines.0.item", "item 'NOPE' does not exist"),
        (dict(lines=["KIT:1", "KIT:0"]), "lines.1.qty", "must be more than zero"),
        (dict(lines=["KIT:1.5"]), "lines.0.qty", "1.5"),
        (dict(lines=["KIT:1:abc"]), "lines.0.price", "'abc' is not a number"),
        (dict(lines=["KIT:1::120"]), "lines.0.discount", "is more than 100"),
        (dict(lines=["KIT:1:::-5"]), "lines.0.tax_rate", "must be at least 0"),
        (dict(lines=["KIT"]), "lines.0", "is not SKU:QTY"),
        (dict(legal_entity=999), "legal_entity", "999 is not a legal entity of client"),
        (dict(warehouse="NOWHERE"), "warehouse", "'NOWHERE' does not exist"),
        (dict(deal=77), "deal", "deal 77 does not exist"),
        (dict(order_date="2024-03-10", due_date="2024-03-01"), "due_date", "is before"),
    ]
    for values, field, message in cases:
        arguments = {"client": kit.SCHOOL, "lines": ["KIT:1"], **values}
        with site.session() as session, pytest.raises((ValidationError, NotFound)) as caught:
            create_order(session, arguments.pop("client"), **arguments)
        assert caught.value.field == field, (values, caught.value.message)
        assert message in caught.value.message, (values, caught.value.message)
    with site.session() as session:
        from ordercraft.plugins.sales.models import Order

        assert session.query(Order).count() == 0  # nothing half-saved


def test_the_legal_entity_is_the_one_valid_on_the_order_date(site):
    from ordercraft.plugins.sales.orders import get_order

    old = kit.order(site, "KIT:1", order_date="2023-05-02")
    new = kit.order(site, "KIT:1", order_date="2024-05-02")
    with site.session() as session:
        assert get_order(session, old).legal_entity.name == "Future Engineers Education Ltd"
        assert get_order(session, new).legal_entity.name == "Future Engineers Academy Trust"


def test_an_order_may_come_from_a_deal_of_its_client(site):
    from ordercraft.plugins.crm.deals import create_deal

    with site.session() as session:
        deal = create_deal(session, kit.SCHOOL, "Robotics classroom", amount="45000")
        other = create_deal(session, kit.CLUB, "Summer camp kits")
    order_id = kit.order(site, "KIT:1", deal=deal.id)
    from ordercraft.plugins.sales.orders import get_order, list_orders

    with site.session() as session:
        assert get_order(session, order_id).deal_id == deal.id
        assert [r.id for r in list_orders(session, deal=deal.id).items] == [order_id]
    with pytest.raises(ValidationError, match="belongs to another client"):
        kit.order(site, "KIT:1", deal=other.id)


def test_orders_are_numbered_in_sequence_and_found_by_number(site):
    from ordercraft.plugins.sales.orders import get_order

    first, second = kit.order(site, "KIT:1"), kit.order(site, "KIT:1", number="WEB-77")
    third = kit.order(site, "KIT:1")
    with site.session() as session:
        assert [get_order(session, i).number for i in (first, second, third)] == [
            "SO-00001", "WEB-77", "SO-00002"]
        assert get_order(session, "WEB-77").id == second
    with pytest.raises(Conflict, match="order 'WEB-77' already exists"):
        kit.order(site, "KIT:1", number="WEB-77")


def test_list_filters_by_state_client_and_dates(site):
    from ordercraft.plugins.sales.orders import list_orders

    a = kit.order(site, "KIT:1", order_date="2024-03-01")
    b = kit.order(site, "KIT:1", client=kit.CLUB, order_date="2024-03-05")
    c = kit.order(site, "KIT:1", order_date="2024-03-09")
    kit.move(site, b, "confirm")
    with site.session() as session:
        def ids(**filters):
            return [row.id for row in list_orders(session, **filters).items]

        assert ids() == [c, b, a]
        assert ids(status="confirmed") == [b]
        assert ids(status=["draft"]) == [c, a]
        assert ids(client=kit.CLUB) == [b]
        assert ids(date_from="2024-03-02", date_to="2024-03-08") == [b]
        assert ids(search="codecamp") == [b]
        assert ids(search="SO-00003") == [c]
        page = list_orders(session, limit=2, offset=2)
        assert ([row.id for row in page.items], page.total) == ([a], 3)
        with pytest.raises(ValidationError, match="'lost' is not a state of an order"):
            list_orders(session, status="lost")
        with pytest.raises(ValidationError, match="date_to"):
            list_orders(session, date_from="2024-03-09", date_to="2024-03-01")


def test_the_client_group_rule_bought_within_days(site):
    from datetime import datetime, timedelta

    from ordercraft.core.models import Party
    from ordercraft.plugins.crm.rules import parse_rule, rules_condition

    order_id = kit.order(site, "KIT:1")
    kit.move(site, order_id, "confirm")
    kit.order(site, "KIT:1", client=kit.CLUB)  # a draft is not a purchase
    with site.session() as session:
        def names(rule, now=None):
            condition = rules_condition(session, [parse_rule(rule)], now=now)
            return [p.name for p in session.query(Party).filter(condition).order_by(Party.name)]

        assert names("bought_within_days = 30") == [kit.SCHOOL]
        assert names("bought_within_days = 30", now=datetime.now() + timedelta(days=40)) == []
        assert kit.CLUB in names("bought_within_days != 30")
