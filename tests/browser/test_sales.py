"""A manager's order in a real browser: enter it with suggestions, confirm it (stock is
reserved, the shortage listed), ship part of it, print the invoice as PDF."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

ORDERCRAFT = [sys.executable, "-c", "from ordercraft.core.cli import main; main()"]
SCHOOL = "Future Engineers Robotics School"


def ordercraft(live_server, *args: str) -> str:
    """Run the CLI on the served site (as its owner) for what a manager may not do."""
    done = subprocess.run([*ORDERCRAFT, "--db", live_server.database_url, *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_enter_confirm_ship_and_print_an_order(page, live_server, login, screenshot, tmp_path):
    # An item of its own with 3 in stock, so the test does not depend on the demo's stock.
    sku = f"BT-ROBOT-{secrets.token_hex(3).upper()}"
    ordercraft(live_server, "item", "add", sku, "--name", "Browser-test robot", "--kind",
               "assembly", "--price", "1200")
    ordercraft(live_server, "stock", "receive", "--item", sku, "--warehouse", "MAIN",
               "--qty", "3", "--unit-cost", "700")

    login(page, "manager")
    page.click("nav >> text=Orders")
    page.wait_for_url(re.compile(r".*/orders/$"))
    assert "SO-00001" in page.inner_text("table.orders")
    screenshot(page, "sales-01-orders")

    page.click("text=+ New order")
    page.wait_for_url(re.compile(r".*/orders/new$"))
    page.fill("#f-client", SCHOOL)
    page.dispatch_event("#f-client", "change")
    # The client's favourites come from the demo's earlier orders.
    page.wait_for_selector("[data-list=client_favourites] li")
    assert "ROBOT-STD" in page.inner_text("#suggestions")
    page.fill("#f-lines\\.0\\.item", sku)
    page.fill("#f-lines\\.0\\.qty", "5")
    page.click("[data-list=client_favourites] li:has-text('KIT-CONSTRUCT') button")
    assert page.input_value("#f-lines\\.1\\.item") == "KIT-CONSTRUCT"
    page.fill("#f-lines\\.1\\.qty", "1.5")                   # a kit is counted in pieces
    screenshot(page, "sales-02-entry")
    page.click("button:has-text('Enter order')")
    assert "whole numbers" in page.inner_text("#e-lines\\.1\\.qty")
    assert page.input_value("#f-lines\\.0\\.item") == sku    # nothing typed is lost
    assert page.input_value("#f-lines\\.1\\.qty") == "1.5"
    page.click("#order-lines tr:nth-child(2) .remove-line")
    page.click("button:has-text('Enter order')")
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    number = re.search(r"Order (SO-\d+) was entered", page.inner_text(".notice.success"))[1]

    page.click("button:has-text('Confirm')")
    page.wait_for_selector("text=draft → confirmed")
    row = page.locator("table.order-lines tbody tr").first.inner_text().split()
    # … reserved 3, to produce 2, to buy 0, shipped 0
    assert row[-4:] == ["3", "2", "0", "0"], row
    assert "1" in page.inner_text(".order-figures .stat:has-text('Short') .value")
    screenshot(page, "sales-03-confirmed")

    page.fill("#f-ship\\.1", "2")
    page.click("button:has-text('Post shipment')")
    page.wait_for_selector(f"text=Shipment {number}-1 was posted; the order is partly shipped.")
    row = page.locator("table.order-lines tbody tr").first.inner_text().split()
    assert row[-4:] == ["1", "2", "0", "2"], row
    screenshot(page, "sales-04-shipped")

    with page.expect_download() as download:
        page.click(".print-links li:has-text('Invoice') >> text=PDF")
    pdf = tmp_path / "invoice.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename == f"{number}-invoice.pdf"

    with page.context.expect_page() as opened:
        page.click(".print-links li:has-text('Invoice') >> text=HTML")
    printed = opened.value
    printed.wait_for_load_state()
    assert f"INV-{number}" in printed.inner_text("body")
    screenshot(printed, "sales-05-invoice")

    # The ledger agrees: 1 still reserved, 1 on hand beyond it... 3 received, 2 shipped.
    balance = ordercraft(live_server, "stock", "balance", "--item", sku, "--warehouse", "MAIN",
                         "--json")
    assert '"qty": "1"' in balance and '"reserved": "1"' in balance
