"""Sales' monthly totals (the summary analyses read for whole months), the gross margin
measure (revenue minus the ledger's cost of what was shipped) and grouped analyses."""

from __future__ import annotations

from decimal import Decimal

import sales_kit as kit
from test_analysis_plugin import sold_site


def _totals(site, dimension="item"):
    from sqlalchemy import select

    from ordercraft.sdk.plugins import plugin_service

    with site.session() as session:
        rows = plugin_service(session, "sales", "facts").monthly_totals(session, dimension)
        found = {(str(row.month), row.key_id): (row.qty.normalize(), row.net_amount.normalize(),
                                                row.cost.normalize(), row.lines)
                 for row in session.execute(rows)}
        items = dict(session.execute(select(_item().id, _item().sku)).all())
    if dimension == "item":
        return {(month, items[key]): value for (month, key), value in found.items()}
    return found


def _item():
    from ordercraft.sdk.models import Item

    return Item


def test_totals_follow_shipments_cancellations_and_a_rebuild(make_site):
    from ordercraft.plugins.sales.summary import rebuild

    site = sold_site(make_site)
    expected = {
        ("2026-01-01", "ROBOT-STD"): (2, 2900, 1800, 1),  # 2 × 900 from the FIFO layer
        ("2026-01-01", "KIT"): (3, 960, 450, 1),
        ("2026-02-01", "SENSOR"): (50, 200, 125, 1),
        ("2026-02-01", "KIT"): (2, 640, 300, 1),  # half of the line's 1280
        ("2026-03-01", "ROBOT-STD"): (1, 1450, 900, 1)}
    assert _totals(site) == {key: tuple(Decimal(v) if n < 3 else v for n, v in enumerate(value))
                             for key, value in expected.items()}
    clients = _totals(site, "client")
    assert sum(value[1] for value in clients.values()) == Decimal(6150)
    with site.session() as session:
        assert rebuild(session) == 5 + 4 + 3
    assert _totals(site)[("2026-02-01", "KIT")] == (2, 640, 300, 1)
    second = kit.order(site, "KIT:1:320", order_date="2026-03-01")
    kit.move(site, second, "confirm")
    kit.ship(site, second, ship_date="2026-03-10")
    assert _totals(site)[("2026-03-01", "KIT")] == (1, 320, 150, 1)
    kit.move(site, second, "cancel", reason="returned")
    assert _totals(site)[("2026-03-01", "KIT")] == (0, 0, 0, 0)


def test_gross_margin_is_revenue_minus_the_cost_shipped(make_site):
    site = sold_site(make_site)
    whole_months = site.cli("analysis abc --period 2026-Q1 --measure margin --json").json()
    margins = {item["key"]: item["value"] for item in whole_months["items"]}
    # ROBOT-STD 4350 - 3 × 900, KIT 1600 - 5 × 150, SENSOR 200 - 50 × 2.50
    assert margins == {"ROBOT-STD": "1650", "KIT": "850", "SENSOR": "75"}
    # a range of days is summed from the shipped lines: the same figures
    days = site.cli("analysis abc --from 2026-01-02 --to 2026-03-30 --measure margin "
                    "--json").json()
    assert {item["key"]: item["value"] for item in days["items"]} == margins


def test_abc_per_item_group_and_per_warehouse(make_site):
    from sqlalchemy import select

    site = sold_site(make_site)
    # ROBOT-STD is in the catalogue group; KIT still has the attribute an older site gave
    assert site.cli("item-group add robotics").exit_code == 0
    assert site.cli("item update ROBOT-STD --group robotics").exit_code == 0
    with site.session() as session:
        kit = session.scalars(select(_item()).where(_item().sku == "KIT")).one()
        kit.attributes = {"group": "robotics"}
    document = site.cli("analysis abc --period 2026-Q1 --group item-group --json").json()
    assert document["group_by"] == "item-group"
    groups = {group["group"]: [(item["key"], item["class"]) for item in group["items"]]
              for group in document["groups"]}
    # (under the rule le, an object alone reaches 100 %: above both limits, class C)
    assert groups == {"(no group)": [("SENSOR", "C")],
                      "robotics": [("ROBOT-STD", "A"), ("KIT", "C")]}
    assert document["groups"][1]["class_totals"] == {"A": "4350", "B": "0", "C": "1600"}
    by_warehouse = site.cli("analysis abcxyz --period 2026-Q1 --group warehouse --json").json()
    assert [group["group"] for group in by_warehouse["groups"]] == ["MAIN"]
    assert by_warehouse["groups"][0]["cells"]["AZ"]["count"] == 1
    text = site.cli("analysis abc --period 2026-Q1 --group warehouse").output
    assert text.startswith("warehouse MAIN:")
    refused = site.cli("analysis abc --by client --group item-group --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "group"
    api = site.client("admin").get("/api/v1/analysis/abc?period=2026-Q1&group=warehouse"
                                   "&measure=margin")
    assert api.status_code == 200 and api.get_json()["groups"][0]["items"][0]["value"] == "1650"
