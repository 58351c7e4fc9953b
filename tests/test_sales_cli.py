"""``ordercraft order ...``: the command line contract (JSON output, exit codes, messages
naming the field and the value)."""


import pytest

import sales_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def ok(site, args):
    result = site.cli(args)
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.json() if "--json" in args else result.output


def refused(site, args):
    result = site.cli(args)
    assert result.exit_code == 2, (args, result.output, result.stderr)
    return result.json()["error"] if "--json" in args else result.stderr


def test_add_confirm_ship_and_show(site):
    added = ok(site, f'order add --client "{kit.SCHOOL}" --line ROBOT-STD:10 '
                     '--line KIT:5::10:20 --line ROBOT-CUSTOM:4:2950 --date 2024-03-04 '
                     '--due 2024-04-01 --json')
    order = added["order"]
    assert (order["number"], order["state"], order["subtotal"], order["total"]) == (
        "SO-00001", "draft", "27740.00", "28028.00")
    assert [(line["item"], line["discount"], line["tax_rate"], line["total"]) for line in order["lines"]] == [
        ("ROBOT-STD", "0", "0", "14500.00"), ("KIT", "10", "20", "1728.00"),
        ("ROBOT-CUSTOM", "0", "0", "11800.00")]

    confirmed = ok(site, "order confirm 1 --json")["order"]
    assert [(line["reserved"], line["to_produce"], line["to_buy"]) for line in confirmed["lines"]] == [
        ("6", "4", "0"), ("5", "0", "0"), ("0", "4", "0")]

    shipped = ok(site, "order ship SO-00001 --line 1:4 --line 2:5 --date 2024-03-10 --json")
    assert shipped["order"]["state"] == "partially_shipped"
    assert shipped["order"]["shipments"][0]["lines"] == [
        {"line": 1, "item": "ROBOT-STD", "qty": "4"}, {"line": 2, "item": "KIT", "qty": "5"}]

    text = ok(site, "order show 1")
    assert "order SO-00001 (id 1): partially shipped" in text
    assert "reserved  shipped  to produce  to buy" in text

    shown = ok(site, "order show 1 --json")["order"]
    assert shown["lines"][0]["shipped"] == "4"


def test_list_with_filters(site):
    ok(site, f'order add --client "{kit.SCHOOL}" --line KIT:1 --date 2024-03-01')
    ok(site, f'order add --client "{kit.CLUB}" --line KIT:1 --date 2024-03-05')
    ok(site, "order confirm 2")
    listed = ok(site, "order list --json")
    assert ([o["number"] for o in listed["orders"]], listed["total"]) == (
        ["SO-00002", "SO-00001"], 2)
    assert [o["number"] for o in ok(site, "order list --status confirmed --json")["orders"]] == [
        "SO-00002"]
    assert [o["number"] for o in ok(site, "order list --status draft,confirmed --json")[
        "orders"]] == ["SO-00002", "SO-00001"]
    assert ok(site, f'order list --client "{kit.SCHOOL}" --json')["total"] == 1
    assert ok(site, "order list --from 2024-03-02 --json")["total"] == 1
    assert ok(site, "order list --limit 1 --offset 1 --json")["orders"][0]["number"] == "SO-00001"
    assert "SO-00002" in ok(site, "order list")


def test_cancel_and_move(site):
    ok(site, f'order add --client "{kit.SCHOOL}" --line KIT:3')
    ok(site, "order confirm 1")
    assert kit.balance(site, "KIT") == ("8", "3")
    cancelled = ok(site, "order cancel 1 --json")["order"]
    assert (cancelled["state"], cancelled["cancel_reason"]) == (
        "cancelled", "cancelled from the command line")
    assert kit.balance(site, "KIT") == ("8", "0")

    ok(site, f'order add --client "{kit.SCHOOL}" --line KIT:2')
    ok(site, "order confirm 2")
    ok(site, "order ship 2")
    for name in ("invoice", "pay", "close"):
        ok(site, f"order move 2 {name}")
    assert ok(site, "order show 2 --json")["order"]["state"] == "closed"
    transitions = ok(site, "order transitions 2 --json")
    assert (transitions["state"], transitions["transitions"]) == ("closed", [])


def test_refusals_exit_2_naming_the_field(site):
    error = refused(site, f'order add --client "{kit.SCHOOL}" --line KIT:abc --json')
    assert (error["field"], error["code"]) == ("lines.0.qty", "invalid")
    assert "'abc'" in error["message"]
    assert refused(site, 'order add --client Nobody --line KIT:1 --json')["field"] == "client"
    assert "is not SKU:QTY" in refused(site, f'order add --client "{kit.SCHOOL}" --line KIT')
    assert refused(site, "order show 99 --json")["code"] == "not_found"

    ok(site, f'order add --client "{kit.SCHOOL}" --line KIT:2')
    error = refused(site, "order ship 1 --json")
    assert error["code"] == "transition_not_allowed"
    assert "'draft'" in error["message"]
    error = refused(site, "order move 1 teleport --json")
    assert (error["code"], error["field"]) == ("unknown_transition", "transition")
    ok(site, "order confirm 1")
    error = refused(site, "order ship 1 --line 1:5 --json")
    assert (error["field"], "has 2 pc left to ship, not 5 pc" in error["message"]) == (
        "lines.0.qty", True)
    assert "is not N:QTY" in refused(site, "order ship 1 --line 1")
    assert refused(site, "order list --status lost --json")["field"] == "status"
    # A user without the right is refused too (exit 2), naming the permission.
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "egor", roles=["engineer"])
    error = refused(site, "order list --user egor --json")
    assert (error["code"], "order.read" in error["message"]) == ("forbidden", True)


def test_print_writes_pdf_and_html(site, tmp_path):
    ok(site, f'order add --client "{kit.SCHOOL}" --line KIT:2')
    pdf = tmp_path / "invoice.pdf"
    written = ok(site, f"order print 1 --form invoice --pdf {pdf} --json")
    assert written["files"][0]["format"] == "pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    html = ok(site, "order print 1 --form confirmation")
    assert "Order confirmation" in html and "SO-00001" in html
    error = refused(site, "order print 1 --form receipt --json")
    assert (error["field"], "forms: confirmation, invoice, delivery_note, act" in
            error["message"]) == ("form", True)


def test_suggest_and_forms(site):
    ok(site, f'order add --client "{kit.CLUB}" --line KIT:2 --line SENSOR:10')
    ok(site, f'order add --client "{kit.SCHOOL}" --line KIT:1 --line PAINT:2')
    found = ok(site, f'order suggest --client "{kit.CLUB}" --item KIT --json')
    assert [s["item"] for s in found["client_favourites"]] == ["SENSOR"]
    # Both in one order with a kit; more sensors than paint were ordered.
    assert [s["item"] for s in found["bought_together"]] == ["SENSOR", "PAINT"]
    forms = ok(site, "order forms --json")
    assert [f["name"] for f in forms["forms"]] == ["confirmation", "invoice", "delivery_note",
                                                   "act"]
    assert forms["templates_dir"] is None
