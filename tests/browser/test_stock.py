"""A storekeeper in a real browser: finds a warehouse's stock, receives goods, is refused
an issue larger than what is available (nothing typed is lost), issues what there is,
reads the item's movements with the running balance and moves some to another warehouse."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

ORDERCRAFT = [sys.executable, "-c", "from ordercraft.core.cli import main; main()"]


def test_receive_refused_issue_issue_and_history(page, live_server, login, screenshot):
    sku = f"BT-PANEL-{secrets.token_hex(3).upper()}"
    done = subprocess.run([*ORDERCRAFT, "--db", live_server.database_url, "item", "add", sku,
                           "--name", "Browser-test panel", "--kind", "component",
                           "--price", "30"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr

    login(page, "storekeeper")
    page.click("nav >> text=Stock")
    page.wait_for_url(re.compile(r".*/stock/$"))
    page.click("a:has-text('MAIN')")
    page.wait_for_url(re.compile(r".*/stock/warehouses/MAIN.*"))
    assert "Stock value" in page.inner_text(".page-head")
    screenshot(page, "stock-01-warehouse")

    page.click("a.button:has-text('+ Receive')")
    page.wait_for_url(re.compile(r".*/stock/receive.*"))
    page.fill("#f-item", sku)
    page.fill("#f-qty", "10")
    page.fill("#f-unit_cost", "twelve")
    page.click("button:has-text('Receive')")
    assert "twelve" in page.inner_text("#e-unit_cost")
    assert page.input_value("#f-item") == sku             # nothing typed is lost
    page.fill("#f-unit_cost", "12.50")
    page.click("button:has-text('Receive')")
    page.wait_for_url(re.compile(rf".*/stock/items/{sku}$"))
    assert "Received 10" in page.inner_text(".notice.success")

    page.click("a.button:has-text('Issue')")
    page.wait_for_url(re.compile(r".*/stock/issue.*"))
    assert page.input_value("#f-item") == sku
    page.select_option("#f-warehouse", "MAIN")
    page.fill("#f-qty", "11")
    page.click("button:has-text('Issue')")
    refusal = page.inner_text("form.card")
    assert "requested 11" in refusal and "available 10" in refusal, refusal
    assert page.input_value("#f-qty") == "11"
    screenshot(page, "stock-02-refused")
    page.fill("#f-qty", "4")
    page.click("button:has-text('Issue')")
    page.wait_for_url(re.compile(rf".*/stock/items/{sku}$"))

    history = page.inner_text("table.list >> nth=1")
    rows = [line for line in history.splitlines() if sku not in line and line.strip()]
    assert "receipt" in history and "issue" in history
    # Newest first: the issue leaves 6 worth 75.00, after the receipt's 10 worth 125.00.
    assert re.search(r"-4\b.*-€50\.00.*\b6\b.*€75\.00", history.replace("\n", " ")), rows
    assert re.search(r"\b10\b.*125\.00.*\b10\b.*125\.00", history.replace("\n", " ")), rows
    screenshot(page, "stock-03-history")

    page.click("a.button:has-text('Move')")
    page.wait_for_url(re.compile(r".*/stock/transfer.*"))
    page.select_option("#f-warehouse", "MAIN")
    page.select_option("#f-to", "PARTS")
    page.fill("#f-qty", "2")
    screenshot(page, "stock-04-transfer")
    page.click("button:has-text('Move')")
    page.wait_for_url(re.compile(rf".*/stock/items/{sku}$"))
    assert "Moved 2 pc" in page.inner_text(".notice.success")
    balances = page.inner_text("table.list >> nth=0")
    assert re.search(r"MAIN\s+4\b", balances) and re.search(r"PARTS\s+2\b", balances), balances
