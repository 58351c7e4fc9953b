"""Supplier requests: the four routes, the request log, review and ordering."""

from __future__ import annotations

from datetime import date

import pytest

import fake_analysis
import fake_production
import purchasing_kit as kit
import sales_kit


@pytest.fixture
def production_data():
    fake_production.reset()
    yield fake_production
    fake_production.reset()


def _confirmed_school_order(site):
    order_id = sales_kit.order(site, "KIT:12", "SENSOR:130", order_date=date(2026, 12, 1),
                               due_date=date(2026, 12, 21))
    sales_kit.move(site, order_id, "confirm")
    return order_id


def test_shortages_become_lines_with_the_best_offer_then_purchase_orders(make_site,
                                                                          production_data):
    site = kit.build(make_site, plugins=["crm", "sales", "purchasing"],
                     extra_plugins=[fake_production])
    _confirmed_school_order(site)  # short: 4 KIT, 30 SENSOR (to buy)
    with site.session() as session:
        fake_production.open_order(session, "MO-7", "ROBOT-STD", 4, date(2026, 12, 18),
                                   {"CPU": 8, "MAINBOARD": 4})
    made = site.cli("request generate --route shortages --date 2026-12-07 --json")
    assert made.exit_code == 0, made.output
    request = made.json()["request"]
    assert (request["route"], request["user"], request["parameters"]) == (
        "shortages", "", {"date": "2026-12-07"})
    lines = {line["item"]: line for line in request["lines"]}
    assert {sku: (line["supplier"], line["qty"], line["need"], line["price"], line["due_date"])
            for sku, line in lines.items()} == {
        "CPU": (kit.SUPPLIER_B, "10", "8", "41.20", "2026-12-14"),
        "MAINBOARD": (kit.SUPPLIER_A, "4", "4", "71.00", "2026-12-17"),
        "SENSOR": (kit.SUPPLIER_B, "50", "30", "2.10", "2026-12-12"),
        "KIT": (None, "4", "4", None, "2026-12-21")}
    assert lines["SENSOR"]["sources"] == [{"ref": "SO-00001", "qty": "30"}]
    assert lines["CPU"]["sources"] == [{"ref": "MO-7", "qty": "8"}]
    assert lines["KIT"]["note"] == "no valid offer in the product matrix"

    # What is proposed already is not proposed again.
    again = site.cli("request generate --route shortages --date 2026-12-07 --json").json()["request"]
    assert again["lines"] == []
    assert [r["route"] for r in site.cli("request list --json").json()["requests"]] == [
        "shortages", "shortages"]

    refused = site.cli(f"request order {request['number']} --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "supplier"
    site.cli(f"request edit {lines['KIT']['id']} --drop")
    site.cli(f"request edit {lines['SENSOR']['id']} --qty 100 --json")
    orders = site.cli(f"request order {request['number']} --json").json()["orders"]
    assert sorted((o["supplier"], [(ln["item"], ln["qty"]) for ln in o["lines"]])
                  for o in orders) == [
        (kit.SUPPLIER_A, [("MAINBOARD", "4")]),
        (kit.SUPPLIER_B, [("CPU", "10"), ("SENSOR", "100")])]
    shown = site.cli(f"request show {request['number']} --json").json()["request"]
    assert {line["item"]: line["status"] for line in shown["lines"]} == {
        "CPU": "ordered", "MAINBOARD": "ordered", "SENSOR": "ordered", "KIT": "dropped"}


def test_without_production_only_sales_shortages_count(make_site):
    site = kit.build(make_site)
    _confirmed_school_order(site)
    request = site.cli("request generate --route shortages --json").json()["request"]
    assert sorted(line["item"] for line in request["lines"]) == ["KIT", "SENSOR"]


def test_sales_route_covers_the_next_days_of_what_shipped(make_site):
    site = kit.build(make_site)
    order_id = sales_kit.order(site, "SENSOR:60", order_date=date(2026, 11, 20))
    sales_kit.move(site, order_id, "confirm")
    sales_kit.ship(site, order_id, ship_date="2026-12-01")
    # 60 shipped over 30 days: 2 a day; 45 days: 90; stock 40 left: 50 to buy (a multiple
    # of 50 at Beta).
    request = site.cli("request generate --route sales --from 2026-11-08 --to 2026-12-07 "
                       "--cover-days 45 --date 2026-12-07 --json").json()["request"]
    assert request["parameters"] == {"date": "2026-12-07",
                                     "from": "2026-11-08", "to": "2026-12-07",
                                     "cover_days": 45}
    assert [(ln["item"], ln["need"], ln["qty"]) for ln in request["lines"]] == [
        ("SENSOR", "50", "50")]
    grouped = site.cli("request generate --route sales --from 2026-11-08 --to 2026-12-07 "
                       "--cover-days 90 --group electronics --date 2026-12-07 --json").json()["request"]
    assert grouped["lines"] == []  # SENSOR has no group


def test_abc_route_tops_up_class_a_items(make_site):
    fake_analysis.ITEM_CLASSES.clear()
    fake_analysis.ITEM_CLASSES.update({"SENSOR": "AX", "KIT": "CZ"})
    site = kit.build(make_site, extra_plugins=[fake_analysis])
    order_id = sales_kit.order(site, "SENSOR:60", "KIT:8", order_date=date(2026, 11, 20))
    sales_kit.move(site, order_id, "confirm")
    sales_kit.ship(site, order_id, ship_date="2026-12-01")
    request = site.cli("request generate --route abc --from 2026-11-08 --to 2026-12-07 "
                       "--cover-days 45 --min-value 50 --date 2026-12-07 --json").json()["request"]
    assert [ln["item"] for ln in request["lines"]] == ["SENSOR"]
    assert request["parameters"]["classes"] == "A"
    fake_analysis.ITEM_CLASSES.clear()


def test_a_route_whose_source_is_missing_says_so(make_site):
    site = kit.build(make_site, plugins=["purchasing"])
    refused = site.cli("request generate --route abc --json")
    assert refused.exit_code == 2
    assert refused.json()["error"]["code"] == "route_unavailable"
    assert "analysis" in refused.json()["error"]["message"]
    bad = site.cli("request generate --route gossip --json")
    assert bad.exit_code == 2 and bad.json()["error"]["field"] == "route"
    assert site.cli("request list --json").json()["total"] == 0


def test_the_invoices_route_reads_sales_facts_when_sales_offers_them(make_site):
    site = kit.build(make_site)
    result = site.cli("request generate --route invoices --json")
    if result.exit_code == 2:  # this sales has no invoices (service facts) yet
        assert result.json()["error"]["code"] == "route_unavailable"
        assert "'facts'" in result.json()["error"]["message"]
    else:
        assert result.json()["request"]["lines"] == []


def test_bought_goods_are_reserved_for_the_order_that_waited(make_site):
    from ordercraft.sdk.plugins import plugin_service

    site = kit.build(make_site)
    order_id = sales_kit.order(site, "KIT:12", order_date=date(2026, 12, 1))
    sales_kit.move(site, order_id, "confirm")  # 8 reserved, 4 to buy
    site.cli(f"po add '{kit.SUPPLIER_B}' --line KIT:4:150 --json")
    site.cli("po send PO-00001 --no-pdf")
    site.cli("po receive PO-00001")
    with site.session() as session:
        demand = plugin_service(session, "sales", "demand")
        [line] = demand.open_order_lines(session)
        assert (line.reserved, line.to_buy) == (8, 4)
        assert demand.reserve_for_line(session, line.line_id) == 4
        [line] = demand.open_order_lines(session)
        assert (line.reserved, line.to_buy) == (12, 0)
    assert site.cli("request generate --route shortages --json").json()["request"][
        "lines"] == []


def test_what_a_production_order_holds_reserved_is_not_requested(make_site, production_data):
    from dataclasses import replace
    from decimal import Decimal

    site = kit.build(make_site, plugins=["crm", "sales", "purchasing"],
                     extra_plugins=[fake_production])
    with site.session() as session:
        order = fake_production.open_order(session, "MO-8", "ROBOT-STD", 4,
                                           date(2026, 12, 18), {"CPU": 8, "MAINBOARD": 4})
    # The order holds 6 CPUs and every mainboard it needs: 2 CPUs are still missing.
    fake_production.OPEN_ORDERS[-1] = replace(order, components=[
        replace(order.components[0], reserved=Decimal(6)),
        replace(order.components[1], reserved=Decimal(4))])
    lines = site.cli("request generate --route shortages --date 2026-12-07 --json").json()[
        "request"]["lines"]
    assert [(line["item"], line["need"]) for line in lines] == [("CPU", "2")]
