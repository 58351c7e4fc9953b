"""Production in a real browser: an economist edits a BOM in the editor (the planned cost
follows the quantity as it is typed, then the edit is saved); a storekeeper releases a
two-stage order whose nodes are stocked, reports the stage, completes it and reads the
postings and the cost breakdown, which adds up to the receipt."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect


def _workshop(cli):
    """Two parts in MAIN with standard costs, a node made of them, a robot made of the node
    (stage 1, stocked) and a part, a soldering centre with 25 % overhead."""
    tag = secrets.token_hex(3).upper()
    p1, p2, node, bot = (f"BT-{name}-{tag}" for name in ("P1", "P2", "NODE", "BOT"))
    for sku, kind, cost in ((p1, "component", "10.00"), (p2, "component", "4.50"),
                            (node, "assembly", None), (bot, "assembly", None)):
        cli("item", "add", sku, "--name", f"Browser {sku}", "--kind", kind)
        if cost:
            cli("item", "update", sku, "--standard-cost", cost)
            cli("stock", "receive", "--item", sku, "--warehouse", "MAIN",
                 "--qty", "20", "--unit-cost", cost)
    cli("production", "centre", "add", f"WC-{tag}", "--cost-per-hour", "60.00",
         "--overhead-pct", "25")
    cli("production", "map", "add", f"MAP-{tag}", "--item", bot,
         "--stock-stage", "1", "--op", f"WC-{tag} cycle=30 stage=1 name=Solder",
         "--op", f"WC-{tag} cycle=15 name=Assemble")
    cli("bom", "add", node, "--line", f"{p1} 1", "--line", f"{p2} 2")
    cli("bom", "add", bot, "--line", f"{node} 1 phantom stage=1",
         "--line", f"{p2} 1", "--routing", f"MAP-{tag}")
    return bot, node, p2


def test_bom_editor_and_production_order_page(page, live_server, login, screenshot, cli):
    bot, node, p2 = _workshop(cli)

    login(page, "economist")
    page.goto(live_server.path(f"/production/boms/{bot}?qty=2&method=rolled"))
    tree = page.locator("#bom-tree tbody tr")
    assert tree.count() == 4  # the node, its two parts (level 2), the part
    assert page.locator("#bom-tree tr[data-level='2']").count() == 2
    # 2 robots: P1 2 x 10.00 + P2 4 x 4.50 + P2 2 x 4.50 = 47.00; solder 1 h, assemble
    # 0.5 h at 60.00 = 90.00 + 25 % overhead 22.50
    assert page.inner_text("#cost-total") == "€159.50"
    screenshot(page, "production-01-bom-editor")
    page.evaluate("window.editorLoadedOnce = true")  # a reload would lose it
    page.fill("input[name='qty.2']", "3")  # 3 of P2 a robot: + 4 x 4.50
    expect(page.locator("#cost-total")).to_have_text("€177.50")  # no reload: the preview
    assert page.evaluate("window.editorLoadedOnce === true")
    # the tree follows too: the part's own row (the last) needs 3 a robot, 6 for two
    expect(tree.nth(3).locator("td.num").first).to_have_text("6")
    assert page.input_value("input[name='qty.2']") == "3"  # typed, not saved yet
    assert page.inner_text("#per-unit") == "€88.75"
    screenshot(page, "production-02-bom-editor-live-cost")
    page.click("button:has-text('Save quantities')")
    assert "Saved version" in page.inner_text(".notice")
    assert page.input_value("input[name='qty.2']") == "3"
    assert page.inner_text("#cost-total") == "€177.50"

    order = cli("production", "add", bot, "--qty", "2", "--warehouse", "MAIN")[
        "order"]
    page.context.clear_cookies()
    login(page, "storekeeper")
    page.goto(live_server.path("/production/"))
    page.click(f"a:has-text('{order['number']}')")
    page.wait_for_url(re.compile(rf".*/production/{order['id']}$"))
    assert "node, stocked" in page.inner_text(f"#components tr[data-item='{node}']")
    page.click("form.wf-transition button:has-text('Release')")
    assert "green" in page.inner_text(f"#components tr[data-item='{p2}']")
    screenshot(page, "production-03-order-released")
    page.select_option("#stage", "1")
    page.click("button:has-text('Report')")
    assert "node receipt" in page.inner_text("#postings")
    page.click("button:has-text('Report')")  # all that is left
    # stage 1: parts 38.00 + solder 60.00 + 15.00 overhead = 113.00 into stock as 2 nodes,
    # issued back; 6 x P2 27.00; assembly 30.00 + 7.50 overhead: 177.50, as planned
    assert page.inner_text("#actual-cost") == "€177.50"
    assert page.inner_text("#breakdown-total") == page.inner_text("#breakdown-received") == \
        "€177.50"
    assert page.inner_text("#breakdown tr[data-part='overhead']").split()[-1] == "€7.50"
    postings = page.inner_text("#postings")
    for purpose in ("stage issue", "node receipt", "node issue", "issue", "output"):
        assert purpose in postings
    screenshot(page, "production-04-order-done")
