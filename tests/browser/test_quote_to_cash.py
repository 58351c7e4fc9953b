"""Quote to cash in a real browser: the live configurator (prices and broken rules update
without reloading; an invalid combination cannot be saved) and a payment allocated to an
invoice from its page (partly, then the rest)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

ORDERCRAFT = [sys.executable, "-c", "from ordercraft.core.cli import main; main()"]


def ordercraft(live_server, *args: str) -> dict:
    done = subprocess.run([*ORDERCRAFT, "--db", live_server.database_url, *args, "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_the_live_configurator(page, live_server, login, screenshot):
    proposal = ordercraft(live_server, "proposal", "add", "--client", "CodeCamp Kids Club",
                          "--title", "Browser test")["proposal"]
    login(page, "manager")
    page.goto(live_server.path(f"/proposals/{proposal['id']}/configure/ROBOT-EDU"))
    page.evaluate("() => { window.__notReloaded = true; }")
    page.check("input[name='opt.processor'][value='a4']")
    page.check("input[name='opt.board'][value='l']")
    page.wait_for_selector("#problems li[data-rule='requires']")
    assert "board kind L needs processor A8" in page.inner_text("#preview")
    assert page.evaluate("() => window.__notReloaded") is True   # no page reload
    screenshot(page, "quote-01-configurator-rule")
    page.click("#configure-save")                   # refused: the page says which rule
    page.wait_for_selector("#configure-error")
    assert "board kind L needs processor A8" in page.inner_text("#configure-error")
    page.evaluate("() => { window.__notReloaded = true; }")
    page.check("input[name='opt.processor'][value='a8']")
    page.check("input[name='opt.board'][value='l']")
    page.fill("input[name='opt.sensors.distance']", "2")
    page.wait_for_function(
        "() => document.querySelector('#preview-net') && !document.querySelector('#problems')")
    assert page.evaluate("() => window.__notReloaded") is True   # no page reload
    net = page.inner_text("#preview-net")
    assert re.fullmatch(r"€[0-9,]+\.[0-9]{2}", net), net
    screenshot(page, "quote-02-configurator-valid")
    page.click("#configure-save")
    page.wait_for_url(re.compile(rf".*/proposals/{proposal['id']}$"))
    assert "Education robot" in page.inner_text("#proposal-lines")


def test_a_payment_allocated_from_the_invoice_page(page, live_server, login, screenshot):
    confirmed = ordercraft(live_server, "order", "list", "--status", "confirmed")["orders"]
    order = next(o for o in confirmed if o["client"] != "Future Engineers Robotics School")
    ordercraft(live_server, "order", "schedule", order["number"], "--milestone",
               "Prepayment:50%:acceptance")
    invoice = ordercraft(live_server, "invoice", "add", "--order", order["number"],
                         "--milestone", "1")["invoice"]
    login(page, "economist")
    page.goto(live_server.path(f"/invoices/{invoice['id']}"))
    assert invoice["number"] in page.inner_text("h1")
    page.fill("#f-amount", "10.00")
    page.click("#record-payment")
    page.wait_for_selector("text=The payment was allocated.")
    assert page.inner_text("#invoice-state") == "partially paid"
    screenshot(page, "quote-03-partly-paid")
    page.fill("#f-amount", invoice["total"])
    page.fill("#f-allocate", str(round(float(invoice["total"]) - 10, 2)))
    page.click("#record-payment")
    page.wait_for_selector("text=The payment was allocated.")
    assert page.inner_text("#invoice-state") == "paid"
    assert page.inner_text("#invoice-open") == "€0.00"
    screenshot(page, "quote-04-paid")


def test_add_to_order_from_the_calculator_page(page, live_server, login, screenshot):
    """The robot calculator's result becomes a line of a new order of a client, then of
    that draft order again; the order keeps the run's script version and inputs."""
    login(page, "manager")
    page.goto(live_server.path("/calculators/robot"))
    page.click("button:has-text('Calculate')")
    page.wait_for_selector("#total")
    page.fill("#o-client", "CodeCamp Kids Club")
    page.fill("#o-item", "ROBOT-CUSTOM")
    page.fill("#o-qty", "2")
    page.fill("#o-markup", "40")
    page.fill("#o-description", "Custom robot for the club")
    screenshot(page, "quote-05-add-to-order")
    page.click("#add-to-order-button")
    page.wait_for_url(re.compile(r".*/orders/[0-9]+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    assert "Custom robot for the club" in page.inner_text("main")
    page.goto(live_server.path("/calculators/robot"))
    page.click("button:has-text('Calculate')")
    page.wait_for_selector("#total")
    page.select_option("#o-order", str(order_id))
    page.fill("#o-item", "ROBOT-CUSTOM")
    page.fill("#o-description", "Spare custom robot")
    page.click("#add-to-order-button")
    page.wait_for_url(live_server.path(f"/orders/{order_id}"))
    order = ordercraft(live_server, "order", "show", str(order_id))["order"]
    assert [line["description"] for line in order["lines"]] == [
        "Custom robot for the club", "Spare custom robot"]
    assert all(line["calc"]["calculator"] == "robot" and line["calc"]["version"]
               for line in order["lines"])
