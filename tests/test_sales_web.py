"""The orders pages: list with filters and pages, the order page (lines with reserved / to
produce / to buy, workflow buttons, partial shipment, print links), the entry form
(errors next to the field, nothing typed lost) and the print forms."""

import html as htmllib
import re

import pytest

import sales_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


@pytest.fixture
def browser(site):
    return site.client(login="admin")


def text(response):
    """The page's visible text, spaces collapsed."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.get_data(as_text=True),
                  flags=re.S)
    return htmllib.unescape(" ".join(re.sub(r"<[^>]+>", " ", body).split()))


def test_the_list_filters_and_pages(site, browser):
    for day in range(1, 31):
        kit.order(site, "KIT:1", client=kit.CLUB if day % 3 == 0 else kit.SCHOOL,
                  order_date=f"2024-04-{day:02d}")
    page = browser.get("/orders/")
    assert page.status_code == 200
    shown = text(page)
    assert "SO-00030" in shown and "SO-00006" in shown and "SO-00005" not in shown
    assert "1–25 of 30" in shown
    second = browser.get("/orders/?offset=25")
    assert "SO-00005" in text(second) and "26–30 of 30" in text(second)
    assert "1–10 of 10" in text(browser.get("/orders/?q=codecamp"))
    assert "1–5 of 5" in text(browser.get("/orders/?from=2024-04-10&to=2024-04-14"))
    assert "Nothing found" in text(browser.get("/orders/?status=paid"))
    refused = browser.get("/orders/?from=someday")
    assert refused.status_code == 200 and "'someday' is not a date" in text(refused)


def test_the_order_page_shows_what_is_reserved_to_produce_and_to_buy(site, browser):
    order_id = kit.order(site, "ROBOT-STD:10", "SENSOR:120", "SW-INSTALL:2")
    page = browser.get(f"/orders/{order_id}")
    assert page.status_code == 200
    assert "Confirm" in text(page) and "Edit" in text(page)
    confirmed = browser.post(f"/documents/order/{order_id}/transitions/confirm",
                             data={"next": f"/orders/{order_id}"}, follow_redirects=True)
    shown = text(confirmed)
    assert "draft → confirmed" in shown
    rows = re.findall(r"<tr>\s*<td>(\d)</td>(.*?)</tr>", confirmed.get_data(as_text=True), re.S)
    cells = {int(n): " ".join(re.sub(r"<[^>]+>", " ", row).split()) for n, row in rows[:3]}
    assert cells[1].endswith("6 4 0 0")       # reserved, to produce, to buy, shipped
    assert cells[2].endswith("100 0 20 0")
    assert cells[3].endswith("— — — 0")
    for label in ("Ship part", "Start production", "Cancel order", "Post shipment",
                  "Order confirmation", "Invoice", "Delivery note", "Act of completed work"):
        assert label in shown, label


def test_partial_shipment_from_the_page(site, browser):
    order_id = kit.order(site, "ROBOT-STD:10", "KIT:5")
    kit.move(site, order_id, "confirm")
    page = browser.get(f"/orders/{order_id}")
    assert 'name="ship.1" value="6"' in page.get_data(as_text=True)
    shipped = browser.post(f"/orders/{order_id}/ship", data={"ship.1": "4", "ship.2": "5"},
                           follow_redirects=True)
    assert "Shipment SO-00001-1 was posted; the order is partly shipped." in text(shipped)
    assert kit.balance(site, "ROBOT-STD") == ("2", "2")

    too_many = browser.post(f"/orders/{order_id}/ship", data={"ship.1": "9", "ship.2": ""})
    assert too_many.status_code == 422
    html = too_many.get_data(as_text=True)
    assert 'name="ship.1" value="9"' in html                  # what was typed stays
    assert re.search(r'id="e-ship.1">[^<]*6 pc left to ship, not 9 pc', html)
    assert "Traceback" not in html
    assert kit.balance(site, "ROBOT-STD") == ("2", "2")       # nothing posted


def test_entry_form_keeps_what_was_typed_and_shows_errors_next_to_the_field(site, browser):
    form = browser.get("/orders/new")
    assert form.status_code == 200 and 'id="f-client"' in form.get_data(as_text=True)
    data = {"client": kit.SCHOOL, "order_date": "2024-05-01", "due_date": "", "deal": "",
            "warehouse": "", "notes": "Room 4",
            "lines.0.item": "KIT", "lines.0.qty": "5", "lines.0.price": "", "lines.0.discount": "",
            "lines.0.tax_rate": "",
            "lines.1.item": "", "lines.1.qty": "", "lines.1.price": "", "lines.1.discount": "",
            "lines.1.tax_rate": "",
            "lines.2.item": "ROBOT-STD", "lines.2.qty": "2.5", "lines.2.price": "1400",
            "lines.2.discount": "5", "lines.2.tax_rate": "20"}
    refused = browser.post("/orders/new", data=data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    # The error sits under the row the user typed it in (row 3, though row 2 was blank).
    assert re.search(r'id="e-lines.2.qty">[^<]*its unit allows whole numbers', html)
    for name, value in [("client", kit.SCHOOL), ("notes", None), ("lines.0.item", "KIT"),
                        ("lines.2.qty", "2.5"), ("lines.2.price", "1400")]:
        if value is not None:
            assert f'name="{name}" value="{value}"' in html, name
    assert "Room 4</textarea>" in html
    assert "Traceback" not in html

    data["lines.2.qty"] = "2"
    created = browser.post("/orders/new", data=data, follow_redirects=True)
    assert "Order SO-00001 was entered as a draft." in text(created)
    from ordercraft.plugins.sales.orders import get_order

    with site.session() as session:
        order = get_order(session, "SO-00001")
        assert [(line.item.sku, line.qty) for line in order.lines] == [("KIT", 5), ("ROBOT-STD", 2)]
        assert order.total == 4792  # 5 x 320 + 2 x 1400 less 5% plus 20% tax

    unknown_client = browser.post("/orders/new", data={**data, "client": "Nobody"})
    assert unknown_client.status_code == 422
    assert re.search(r'id="e-client">[^<]*Nobody', unknown_client.get_data(as_text=True))


def test_editing_a_draft_and_not_a_confirmed_order(site, browser):
    order_id = kit.order(site, "KIT:2", order_date="2024-05-01", due_date="2024-05-20")
    form = browser.get(f"/orders/{order_id}/edit")
    assert 'name="lines.0.item" value="KIT"' in form.get_data(as_text=True)
    data = {"client": kit.SCHOOL, "order_date": "2024-05-01", "due_date": "", "deal": "",
            "warehouse": "MAIN", "notes": "",
            "lines.0.item": "KIT", "lines.0.qty": "3", "lines.0.price": "300",
            "lines.0.discount": "", "lines.0.tax_rate": ""}
    saved = browser.post(f"/orders/{order_id}/edit", data=data, follow_redirects=True)
    assert "Order SO-00001 was saved." in text(saved)
    from ordercraft.plugins.sales.orders import get_order

    with site.session() as session:
        order = get_order(session, order_id)
        assert (order.due_date, str(order.lines[0].price)) == (None, "300.000000")
    kit.move(site, order_id, "confirm")
    refused = browser.post(f"/orders/{order_id}/edit", data=data)
    assert refused.status_code == 422
    assert "only draft orders can be changed" in text(refused)


def test_print_pages_html_and_pdf(site, browser):
    order_id = kit.order(site, "KIT:2")
    page = browser.get(f"/orders/{order_id}/print/invoice")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "INV-SO-00001" in text(page) and "Download PDF" in text(page)
    assert "@page" in page.get_data(as_text=True)               # the print CSS
    pdf = browser.get(f"/orders/{order_id}/print/invoice.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    missing = browser.get(f"/orders/{order_id}/print/receipt")
    assert missing.status_code == 404 and "has no print form 'receipt'" in text(missing)


def test_a_user_without_order_rights_sees_no_orders(site):
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "egor", roles=["engineer"], password="egor-password")
    browser = site.client(login="egor", password="egor-password")
    assert b'href="/orders/"' not in browser.get("/").data
    refused = browser.get("/orders/")
    assert refused.status_code == 403 and "order.read" in text(refused)
