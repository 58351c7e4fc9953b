"""The product matrix: offers, history, the best offer explained, price lists."""

from __future__ import annotations

import re
from decimal import Decimal

import purchasing_kit as kit


def test_the_best_offer_is_the_cheapest_valid_one_and_says_why(make_site):
    site = kit.build(make_site)
    best = site.cli("matrix best CPU --qty 12 --date 2026-12-07 --json").json()["best"]
    assert (best["supplier"], best["price"], best["order_qty"]) == (kit.SUPPLIER_B, "41.20", "15")
    assert best["explanation"] == (
        "chosen: Beta Electronics 41.20 EUR valid to 2027-03-31; Alpha Components is cheaper "
        "(39.00) but expired 2026-11-30; ordering 15 for 12 (minimum 10, multiple 5)")
    # Before A's offer expired, A wins; a price break applies from its quantity on.
    assert site.cli("matrix best CPU --qty 12 --date 2026-11-01 --json").json()[
        "best"]["supplier"] == kit.SUPPLIER_A
    assert site.cli("matrix best CPU --qty 50 --json --date 2026-12-07").json()[
        "best"]["price"] == "40.00"


def test_ties_go_to_the_shorter_lead_time_then_the_preferred_offer(make_site):
    site = kit.build(make_site)
    best = site.cli("matrix best MAINBOARD --qty 1 --date 2026-12-07 --json").json()["best"]
    assert best["supplier"] == kit.SUPPLIER_A  # same price and lead time: A is preferred
    assert "the chosen offer is preferred" in best["explanation"]
    site.cli(f"matrix add MAINBOARD --supplier '{kit.SUPPLIER_B}' --price 71 --lead-time 4")
    best = site.cli("matrix best MAINBOARD --qty 1 --date 2026-12-07 --json").json()["best"]
    assert (best["supplier"], best["lead_time_days"]) == (kit.SUPPLIER_B, 4)


def test_a_new_price_supersedes_the_old_one_which_stays_as_history(make_site):
    site = kit.build(make_site)
    result = site.cli(f"matrix add SENSOR --supplier '{kit.SUPPLIER_B}' --price 2.35 "
                      "--attr brand=Sharp --attr grade=industrial --json")
    assert result.exit_code == 0, result.output
    assert result.json()["offer"]["attributes"] == {"brand": "Sharp", "grade": "industrial"}
    live = site.cli("matrix list --item SENSOR --json").json()
    assert [o["price"] for o in live["offers"]] == ["2.35"]
    history = site.cli("matrix list --item SENSOR --history --json").json()["offers"]
    assert sorted(o["price"] for o in history) == ["2.10", "2.35"]
    assert sum(o["superseded_at"] is not None for o in history) == 1


def test_bad_offers_are_refused_naming_the_field(make_site):
    site = kit.build(make_site, offers=False)
    zero = site.cli(f"matrix add CPU --supplier '{kit.SUPPLIER_A}' --price 1 --multiple 0 "
                    "--json")
    assert zero.exit_code == 2 and zero.json()["error"]["field"] == "multiple"
    backwards = site.cli(f"matrix add CPU --supplier '{kit.SUPPLIER_A}' --price 1 "
                         "--valid-from 2027-01-01 --valid-to 2026-12-31 --json")
    assert backwards.exit_code == 2 and backwards.json()["error"]["field"] == "valid_to"
    assert "2026-12-31" in backwards.json()["error"]["message"]
    negative = site.cli(f"matrix add CPU --supplier '{kit.SUPPLIER_A}' --price 1 "
                        "--lead-time -3 --json")
    assert negative.exit_code == 2 and negative.json()["error"]["field"] == "lead_time_days"
    assert site.cli("matrix list --json").json()["total"] == 0
    none = site.cli("matrix best CPU --qty 1 --json")
    assert none.exit_code == 2 and "no offer valid" in none.json()["error"]["message"]


def test_an_offer_with_several_mistakes_lists_them_all_at_once(make_site):
    site = kit.build(make_site, offers=False)
    result = site.cli("matrix add NO-SUCH --supplier 'Nobody Ltd' --price cheap --currency "
                      "EURO --lead-time -3 --min-qty lots --json")
    assert result.exit_code == 2
    error = result.json()["error"]
    for part in ("sku: 'NO-SUCH' is not a known item", "supplier: 'Nobody Ltd' is not a known "
                 "party", "price: 'cheap' is not a number", "currency: 'EURO'",
                 "lead_time_days: ", "min_qty: 'lots'"):
        assert part in error["message"], (part, error["message"])
    assert site.cli("matrix list --json").json()["total"] == 0

    # The matrix page's form: every mistake in one notice; its inputs carry the rules.
    client = site.client("admin")
    page = client.get("/purchasing/matrix").get_data(as_text=True)
    assert 'name="price" inputmode="decimal" step="0.000001" min="0" required' in page
    assert 'name="lead_time_days" inputmode="numeric" step="1" min="0" max="3650"' in page
    assert 'name="currency" value="EUR" maxlength="3"' in page
    sent = client.post("/purchasing/matrix", data={"sku": "CPU", "supplier": "Nobody Ltd",
                                                   "price": "-1", "lead_time_days": "x"},
                       follow_redirects=True).get_data(as_text=True)
    notice = re.search(r'<div class="notice error"[^>]*>(.*?)</div>', sent)[1]
    assert all(f"{name}: " in notice for name in ("supplier", "price", "lead_time_days")), notice


def test_offers_and_purchase_orders_naming_no_currency_take_the_default_one(make_site):
    site = kit.build(make_site, offers=False)
    assert site.cli("settings set default_currency CHF").exit_code == 0
    offer = site.cli(f"matrix add CPU --supplier '{kit.SUPPLIER_A}' --price 9 --json").json()
    assert offer["offer"]["currency"] == "CHF"
    po = site.cli(f"po add '{kit.SUPPLIER_A}' --line CPU:2:9 --json").json()["order"]
    assert po["currency"] == "CHF"
    assert site.cli("settings set purchasing_currency USD").exit_code == 0
    assert site.cli(f"po add '{kit.SUPPLIER_A}' --line CPU:2:9 --json").json()["order"][
        "currency"] == "USD"
    assert site.cli(f"matrix add CPU --supplier '{kit.SUPPLIER_B}' --price 9 --currency gbp "
                    "--json").json()["offer"]["currency"] == "GBP"


def test_a_price_list_imports_whole_or_not_at_all_listing_every_bad_row(make_site, tmp_path):
    site = kit.build(make_site, offers=False)
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,price,valid_from,valid_to,lead_time_days,brand\n"
                   "CPU,40.00,,,5,Intel\n"
                   "NOPE,1.00,,,,\n"
                   "MAINBOARD,70,2027-02-01,2027-01-01,,\n", encoding="utf-8")
    refused = site.cli(f"matrix import {bad} --supplier '{kit.SUPPLIER_A}' --json")
    assert refused.exit_code == 2
    error = refused.json()["error"]
    assert [(r["row"], r["field"]) for r in error["details"]["rows"]] == [
        (3, "sku"), (4, "valid_to")]
    assert "row 3: sku: 'NOPE' is not a known item" in error["message"]
    assert site.cli("matrix list --json").json()["total"] == 0

    good = tmp_path / "good.csv"
    good.write_text("sku,supplier,price,breaks,brand\n"
                    f"CPU,{kit.SUPPLIER_A},40.00,100:38.5,Intel\n", encoding="utf-8")
    assert site.cli(f"matrix import {good} --json").json() == {"ok": True, "imported": 1}
    [offer] = site.cli("matrix list --json").json()["offers"]
    assert offer["attributes"] == {"brand": "Intel"}
    assert offer["breaks"] == [{"min_qty": "100", "price": "38.50"}]


def test_a_price_list_round_trips_through_csv_and_xlsx(make_site, tmp_path):
    site = kit.build(make_site)
    exported = tmp_path / "matrix.xlsx"
    assert site.cli(f"matrix export --output {exported}").exit_code == 0
    csv_text = site.cli("matrix export").output
    assert csv_text.startswith("sku,supplier,supplier_sku,supplier_name,price,currency,")
    other = kit.build(make_site, offers=False)
    assert other.cli(f"matrix import {exported} --json").json()["imported"] == 5
    assert ([o["price"] for o in other.cli("matrix list --json").json()["offers"]]
            == [o["price"] for o in site.cli("matrix list --json").json()["offers"]])


def test_best_offers_for_many_items_in_one_call_and_for_calculators(make_site):
    from ordercraft.core.services.items import get_item
    from ordercraft.sdk.plugins import plugin_service

    site = kit.build(make_site)
    with site.session() as session:
        supply = plugin_service(session, "purchasing", "supply")
        ids = {sku: get_item(session, sku).id for sku in ("CPU", "MAINBOARD", "KIT")}
        chosen = supply.best_offers(session, {i: Decimal(3) for i in ids.values()},
                                    kit.TODAY)
        assert chosen[ids["KIT"]] is None
        assert chosen[ids["CPU"]].order_qty == Decimal(10)
        assert supply.best_offer(session, ids["MAINBOARD"], 1).supplier == kit.SUPPLIER_A
        entries = site.platform.hooks.catalog_lookup(session, ["MAINBOARD", "KIT"])
        found = {sku: entry for _, answer in entries for sku, entry in (answer or {}).items()}
    assert found["MAINBOARD"]["price"] == Decimal("71.00") and "KIT" not in found


def test_the_price_history_in_the_cli_api_and_page(make_site):
    site = kit.build(make_site)
    assert site.cli(f"matrix add CPU --supplier '{kit.SUPPLIER_B}' --price 43.50 "
                    "--valid-to 2027-03-31 --lead-time 7 --json").exit_code == 0
    history = site.cli("matrix history CPU --json").json()["history"]
    beta = [(row["price"], row["change"], row["live"]) for row in history
            if row["supplier"] == kit.SUPPLIER_B]
    assert beta == [("41.20", None, False), ("43.50", "+2.30", True)]
    assert site.cli("matrix history CPU").exit_code == 0
    client = site.client("admin")
    api = client.get(f"/api/v1/supplier-prices/history?item=CPU&supplier={kit.SUPPLIER_B}")
    assert [row["change"] for row in api.get_json()] == [None, "2.30"]
    assert client.get("/api/v1/supplier-prices/history?item=NOPE").status_code == 404
    page = client.get("/purchasing/matrix/history?item=CPU").text
    assert "43.50" in page and "+2.30" in page and "superseded" in page
    assert "/purchasing/matrix/history?item=CPU" in client.get("/purchasing/matrix").text
