"""Purchase orders: entry, sending by e-mail, receiving into stock, tolerance, returns."""

from __future__ import annotations

from decimal import Decimal

import purchasing_kit as kit
from ordercraft.sdk.mail import send_due


def _order(site, *lines, supplier=kit.SUPPLIER_B):
    args = " ".join(f"--line {line}" for line in lines)
    result = site.cli(f"po add '{supplier}' {args} --date 2026-12-07 --json")
    assert result.exit_code == 0, result.output
    return result.json()["order"]


def test_a_line_takes_the_suppliers_price_and_lead_time(make_site):
    site = kit.build(make_site)
    order = _order(site, "CPU:20", "SENSOR:100:2.05")
    assert [(ln["item"], ln["qty"], ln["price"], ln["expected_date"]) for ln in order["lines"]] == [
        ("CPU", "20", "41.20", "2026-12-14"), ("SENSOR", "100", "2.05", "2026-12-12")]
    assert order["total"] == "1029.00" and order["state"] == "draft"
    refused = site.cli(f"po line {order['number']} KIT --qty 2 --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "price"


def test_sent_by_email_with_pdf_and_csv_confirmed_received_closed(make_site, smtp_server):
    site = kit.build(make_site)
    smtp_server.configure(site)
    order = _order(site, "MAINBOARD:6", supplier=kit.SUPPLIER_A)
    sent = site.cli(f"po send {order['number']} --json").json()["order"]
    assert (sent["state"], sent["sent_to"]) == ("sent", "sales@alpha.test")
    send_due(site.platform)
    [mail] = smtp_server.messages
    assert mail.subject.startswith(f"Purchase order {order['number']}")
    names = [name for name, _, _ in mail.attachments]
    assert names == [f"order-{order['number']}.pdf", f"{order['number']}.csv"]
    assert "MAINBOARD" in mail.attachments[1][2].decode()

    confirmed = site.cli(f"po confirm {order['number']} --date 2026-12-20 --json").json()
    assert confirmed["order"]["supplier_date"] == "2026-12-20"
    received = site.cli(f"po receive {order['number']} --json").json()["order"]
    assert received["state"] == "received" and kit.balance(site, "MAINBOARD") == 6
    assert site.cli(f"po close {order['number']} --json").json()["order"]["state"] == "closed"


def test_extra_costs_are_spread_by_value_or_quantity(make_site):
    site = kit.build(make_site)
    order = _order(site, "CPU:10:40", "SENSOR:100:2")  # values 400 and 200
    site.cli(f"po send {order['number']} --no-pdf")
    by_value = site.cli(f"po receive {order['number']} --line 1:10 --line SENSOR:50 "
                        "--extra-cost 30 --json").json()["order"]
    # values 400 and 100: 24.00 and 6.00 of the 30
    assert [ln["unit_cost"] for ln in by_value["receipts"][0]["lines"]] == ["42.40", "2.12"]
    by_qty = site.cli(f"po receive {order['number']} --line SENSOR:50 --extra-cost 5 "
                      "--spread quantity --json").json()["order"]
    assert by_qty["receipts"][1]["lines"][0]["unit_cost"] == "2.10"
    assert by_qty["state"] == "received"
    from ordercraft.core.stock import api as stock_api

    with site.session() as session:
        assert stock_api.balance(session, "CPU", "MAIN").value == Decimal("424.00")


def test_over_receipt_beyond_the_tolerance_is_refused_and_under_receipt_closes(make_site):
    site = kit.build(make_site)
    order = _order(site, "CPU:20")
    site.cli(f"po send {order['number']} --no-pdf")
    too_much = site.cli(f"po receive {order['number']} --line 1:22 --json")
    assert too_much.exit_code == 2 and too_much.json()["error"]["field"] == "lines[0].qty"
    assert "tolerance of 5%" in too_much.json()["error"]["message"]
    assert kit.balance(site, "CPU") == 0
    # 21 is within 5%: received in full; 19 would count as received too.
    assert site.cli(f"po receive {order['number']} --line 1:21 --json").json()[
        "order"]["state"] == "received"
    other = _order(site, "CPU:20")
    site.cli(f"po send {other['number']} --no-pdf")
    part = site.cli(f"po receive {other['number']} --line 1:10 --json").json()["order"]
    assert part["state"] == "partially_received"
    assert site.cli(f"po close {other['number']} --json").json()["order"]["state"] == "closed"


def test_receiving_against_a_cancelled_order_is_refused_and_saves_nothing(make_site):
    site = kit.build(make_site)
    order = _order(site, "CPU:20")
    assert site.cli(f"po cancel {order['number']} --json").exit_code == 2  # needs a reason
    assert site.cli(f"po cancel {order['number']} --reason 'found cheaper' --json").json()[
        "order"]["state"] == "cancelled"
    refused = site.cli(f"po receive {order['number']} --json")
    assert refused.exit_code == 2
    assert refused.json()["error"] == {
        "code": "not_receivable", "field": "order",
        "message": f"purchase order {order['number']} is cancelled: nothing can be received "
                   "against it"}
    assert kit.balance(site, "CPU") == 0


def test_returns_go_back_to_the_supplier_and_open_lines_feed_planning(make_site):
    from ordercraft.sdk.plugins import plugin_service

    site = kit.build(make_site)
    order = _order(site, "CPU:20", "SENSOR:50")
    site.cli(f"po send {order['number']} --no-pdf")
    site.cli(f"po receive {order['number']} --json")
    back = site.cli(f"po return {order['number']} --line CPU:3 --reason broken --json")
    assert back.exit_code == 0, back.output
    assert back.json()["order"]["state"] == "partially_received"
    assert kit.balance(site, "CPU") == 17
    with site.session() as session:
        [line] = plugin_service(session, "purchasing", "supply").open_purchase_lines(session)
    assert (line.item, line.qty_open, line.supplier) == ("CPU", Decimal(3), kit.SUPPLIER_B)
    listed = site.cli("po list --state partially_received --json").json()
    assert [o["number"] for o in listed["orders"]] == [order["number"]]


def test_a_manager_without_ledger_rights_receives_through_the_order(make_site):
    from ordercraft.core.services.users import create_user

    site = kit.build(make_site)
    with site.session() as session:
        create_user(session, "maria", roles=["manager"], password="secret-password-1")
    order = _order(site, "CPU:10")
    site.cli(f"po send {order['number']} --no-pdf --user maria")
    direct = site.cli("stock receive --item CPU --warehouse MAIN --qty 1 --unit-cost 1 "
                      "--user maria --json")
    received = site.cli(f"po receive {order['number']} --user maria --json")
    assert received.exit_code == 0, received.output
    assert kit.balance(site, "CPU") == (11 if direct.exit_code == 0 else 10)


def test_supplier_invoices_are_matched_three_ways(make_site):
    site = kit.build(make_site)
    order = _order(site, "CPU:20:41.20", "SENSOR:100:2.10")
    number = order["number"]
    refused = site.cli(f"po invoice {number} --number INV-1 --line 1:20:41.20 --json")
    assert refused.exit_code == 2 and refused.json()["error"]["field"] == "order"  # a draft
    site.cli(f"po send {number} --no-pdf")
    site.cli(f"po receive {number} --line 1:18 --line 2:100")
    match = site.cli(f"po invoice {number} --number INV-1 --line CPU:20:41.50 "
                     "--line 2:100:2.10 --date 2026-12-20 --json").json()["match"]
    assert match["matched"] is False
    assert [(r["item"], r["received"], r["invoiced"], r["qty_difference"],
             r["price_difference"], r["status"]) for r in match["lines"]] == [
        ("CPU", "18", "20", "2", "6.00", "difference"),
        ("SENSOR", "100", "100", "0", "0.00", "matched")]
    again = site.cli(f"po invoice {number} --number INV-1 --line 1:1:1 --json")
    assert again.exit_code == 2 and again.json()["error"]["field"] == "number"
    client = site.client("admin")
    assert client.get(f"/api/v1/purchase-orders/{order['id']}/match").get_json()[
        "invoices"] == [{"number": "INV-1", "date": "2026-12-20", "total": "1040.00"}]
    assert "Three-way match" in client.get(f"/purchasing/orders/{order['id']}").get_data(
        as_text=True)
