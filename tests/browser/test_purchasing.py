"""A buyer in a real browser: a confirmed order is short of a part; the buyer generates
supplier requests from the shortages, reviews them (changes a quantity, drops what is not
hers), orders, sends the purchase order and receives it into stock."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys

ORDERCRAFT = [sys.executable, "-c", "from ordercraft.core.cli import main; main()"]


def _cli(live_server, *args):
    done = subprocess.run([*ORDERCRAFT, "--db", live_server.database_url, *args, "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_request_review_purchase_order_and_receipt(page, live_server, login, screenshot):
    sku = f"BT-CHIP-{secrets.token_hex(3).upper()}"
    _cli(live_server, "item", "add", sku, "--name", "Browser-test chip", "--kind", "component",
         "--price", "12")
    _cli(live_server, "matrix", "add", sku, "--supplier", "Siliconix Components",
         "--price", "7.40", "--min-qty", "10", "--multiple", "10", "--lead-time", "5")
    order = _cli(live_server, "order", "add", "--client", "CodeCamp Kids Club",
                 "--line", f"{sku}:6")["order"]
    _cli(live_server, "order", "transition", str(order["id"]), "confirm")

    login(page, "manager")
    page.click("nav >> text=Purchasing")
    page.click("a:has-text('Supplier requests')")
    page.wait_for_url(re.compile(r".*/purchasing/requests$"))
    page.select_option("#route", "shortages")
    page.click("button:has-text('Generate')")
    page.wait_for_url(re.compile(r".*/purchasing/requests/\d+$"))
    row = page.locator(f"tr[data-item='{sku}']")
    assert order["number"] in row.inner_text()
    assert row.locator("input[name^='qty.']").input_value() == "10"   # min 10 for 6
    assert "Siliconix Components" == row.locator("input[name^='supplier.']").input_value()
    screenshot(page, "purchasing-01-review")
    for other in page.locator("tr[data-item]").all():
        if other.get_attribute("data-item") != sku:
            other.locator("input[name^='drop.']").check()
    row.locator("input[name^='qty.']").fill("20")
    page.click("button:has-text('Create purchase orders')")
    notice = page.inner_text(".notice.success")
    number = re.search(r"PO-\d+", notice).group(0)

    page.click("nav >> text=Purchasing")
    page.wait_for_url(re.compile(r".*/purchasing/$"))
    page.click(f"a:has-text('{number}')")
    assert "20" in page.inner_text("table.po-lines")
    page.uncheck("input[name='pdf']")
    page.click("button[name='send']")
    assert f"{number}" in page.inner_text(".notice.success")
    page.fill("input[name='qty.1']", "12")
    page.fill("#extra_cost", "6")
    page.click("button:has-text('Post receipt')")
    assert "Receipt GR-" in page.inner_text(".notice.success")
    assert "12 at €7.90" in page.inner_text("table.receipts")      # 7.40 + 6 / 12
    assert "Partially received" in page.inner_text(".page-head")
    screenshot(page, "purchasing-02-received")
    balance = _cli(live_server, "stock", "balance", "--item", sku, "--warehouse", "MAIN")
    assert "12" in json.dumps(balance)


def test_mrp_planned_order_firmed_and_released(page, live_server, login, screenshot):
    """The planner runs MRP, firms the planned production order a forecast calls for
    and releases the production order in the browser."""
    forecast = _cli(live_server, "mrp", "forecast", "KIT-CONSTRUCT", "--date", "2027-02-01",
                    "--qty", "3", "--note", "browser test")["forecast"]
    ref = f"forecast {forecast['id']}"

    login(page, "admin")
    page.goto(live_server.path("/planning/"))
    page.click("button:has-text('Run MRP')")
    page.wait_for_load_state()
    page.goto(live_server.path("/planning/?item=KIT-CONSTRUCT"))
    row = page.locator("table.planned-orders tr[data-order]", has_text=ref).first
    assert "make" in row.inner_text()
    screenshot(page, "planning-01-planned")
    row.locator("button:has-text('Firm')").click()
    notice = page.inner_text(".notice.success")
    number = re.search(r"MO-\d+", notice).group(0)
    production = _cli(live_server, "production", "show", number)
    order = production.get("order", production)
    assert order["state"] == "draft" and order["source"].startswith("MRP run")

    page.goto(live_server.path(f"/production/{order['id']}"))
    page.click(".wf-actions button:has-text('Release')")
    page.wait_for_load_state()
    assert "Released" in page.inner_text(".page-head")
    screenshot(page, "planning-02-released")
    again = _cli(live_server, "production", "show", number)
    assert again.get("order", again)["state"] == "released"
