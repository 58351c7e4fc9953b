"""The whole Robokids story in the browser, from the deal to the paid invoices: a proposal
started from the deal's page, education robots from the configurator at a discount big
enough to need approval, the custom robots from the robot calculator's page, a payment
schedule; the approver approves, the customer PDF is mailed to a real SMTP server, the
client accepts, the order is confirmed, the prepayment invoice is paid (which releases
the order to production), the goods are shipped, what was shipped is invoiced and paid,
and the client's card shows nothing owed.

What the browser cannot do stays on the command line: the site's SMTP settings, the
worker that sends the outbox, and the stock the workshop builds or buys meanwhile."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal

ORDERCRAFT = [sys.executable, "-c", "from ordercraft.core.cli import main; main()"]
CLIENT = "Robokids Academy"


def ordercraft(live_server, *args: str) -> dict:
    done = subprocess.run([*ORDERCRAFT, "--db", live_server.database_url, *args, "--json"],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def click_transition(page, label: str) -> None:
    with page.expect_navigation():
        page.click(f"form.wf-transition button:has-text('{label}')")
    refused = page.locator(".notice.error, [role=alert]")
    assert refused.count() == 0, refused.first.inner_text()


def as_user(page, login, name: str) -> None:
    """Log the page in as ``name`` (the session of the one before is dropped)."""
    page.context.clear_cookies()
    login(page, name)


def mail_to(live_server, smtp, address: str):
    """The message to ``address``, once the outbox has sent it (the worker sends it; the
    served site's own scheduler may have been first)."""
    for _ in range(20):
        found = [m for m in smtp.messages if address in m.recipients]
        if found:
            return found
        ordercraft(live_server, "worker", "--once")
    return [m for m in smtp.messages if address in m.recipients]


def pay_in_full(page, live_server, invoice_url: str) -> None:
    page.goto(invoice_url)
    open_amount = page.inner_text("#invoice-open").replace(",", "").removeprefix("€")
    page.fill("#f-amount", open_amount)
    page.click("#record-payment")
    page.wait_for_selector("text=The payment was allocated.")
    assert page.inner_text("#invoice-state") == "paid"
    assert page.inner_text("#invoice-open") == "€0.00"


def test_the_robokids_story_from_the_deal_to_the_paid_invoices(
        page, live_server, login, screenshot, make_smtp_server):
    page.set_default_timeout(90_000)  # a bound for a busy machine: the story is long
    smtp = make_smtp_server()
    ordercraft(live_server, "mail", "settings", "--host", smtp.host, "--port", str(smtp.port),
               "--security", "none", "--from", "sales@roboworks.example")
    try:
        _story(page, live_server, login, screenshot, smtp)
    finally:  # the shared site sends nothing to a server that is gone
        ordercraft(live_server, "mail", "settings", "--host", "")


def _story(page, live_server, login, screenshot, smtp) -> None:
    ordercraft(live_server, "party", "add", CLIENT, "--kind", "client",
               "--email", "office@robokids.example")
    deal = ordercraft(live_server, "deal", "add", "Robotics lab for Robokids", "--client",
                      CLIENT, "--amount", "60000")["deal"]

    # The deal's page starts the proposal.
    as_user(page, login, "manager")
    page.goto(live_server.path(f"/crm/deals/{deal['id']}"))
    assert "No proposals for this deal yet." in page.inner_text("[data-section=proposals]")
    page.click("#deal-new-proposal")
    page.wait_for_url(re.compile(r".*/proposals/\d+$"))
    proposal_url = page.url
    proposal_id = int(proposal_url.rsplit("/", 1)[1])
    number = re.search(r"Proposal (TCP-\d+)", page.inner_text("h1"))[1]

    # Ten education robots from the configurator, 15 % off (the threshold is 10 %).
    page.goto(live_server.path(f"/proposals/{proposal_id}/configure/ROBOT-EDU"))
    page.check("input[name='opt.processor'][value='a8']")
    page.check("input[name='opt.board'][value='l']")
    page.fill("input[name='opt.sensors.distance']", "2")
    page.fill("input[name=qty]", "10")
    page.fill("input[name=discount]", "15")
    page.wait_for_function(
        "() => document.querySelector('#preview-net') && !document.querySelector('#problems')")
    page.click("#configure-save")
    page.wait_for_url(proposal_url)
    assert "Education robot" in page.inner_text("#proposal-lines")

    # Four custom robots from the robot calculator's page, with its inputs kept.
    page.goto(live_server.path("/calculators/robot"))
    page.click("button:has-text('Calculate')")
    page.wait_for_selector("#total")
    cost = Decimal(page.inner_text("#total").replace(",", "").removeprefix("€"))
    page.select_option("#f-proposal", str(proposal_id))
    page.fill("#f-item", "ROBOT-CUSTOM")
    page.fill("#f-qty", "4")
    page.fill("#f-markup", "40")
    page.fill("#f-description", "Custom robot, 12 joints")
    screenshot(page, "story-01-calculator")
    page.click("#add-to-proposal-button")
    page.wait_for_url(proposal_url)
    assert "Custom robot, 12 joints" in page.inner_text("#proposal-lines")

    # The payment schedule: 30 % before production, the rest on shipment.
    page.fill("#f-m\\.0\\.label", "Prepayment")
    page.fill("#f-m\\.0\\.percent", "30")
    page.select_option("#f-m\\.0\\.trigger", "before_production")
    page.fill("#f-m\\.1\\.label", "Balance")
    page.fill("#f-m\\.1\\.percent", "70")
    page.select_option("#f-m\\.1\\.trigger", "shipment")
    page.click("#save-schedule")
    page.wait_for_selector("text=The payment schedule was saved.")
    assert "Prepayment" in page.inner_text("#milestones")
    screenshot(page, "story-02-proposal")

    # A 15 % discount cannot be sent before it is approved.
    page.fill("#send-proposal input[name=to]", "office@robokids.example")
    page.click("#send-proposal button")
    page.wait_for_load_state()
    assert "approv" in page.inner_text(".notice, [role=alert]").lower()
    click_transition(page, "Request approval")
    as_user(page, login, "admin")
    page.goto(proposal_url)
    click_transition(page, "Approve discount")
    assert "approved by admin" in page.inner_text("body")

    # The customer's PDF goes out by mail.
    as_user(page, login, "manager")
    page.goto(proposal_url)
    page.fill("#send-proposal input[name=to]", "office@robokids.example")
    page.click("#send-proposal button")
    # The PDF is rendered before the page answers: a busy machine takes its time.
    page.wait_for_selector(".notice", timeout=180_000)
    screenshot(page, "story-03-sent")
    assert "Proposal sent." in page.inner_text("main"), page.inner_text(".notice")
    [mail] = mail_to(live_server, smtp, "office@robokids.example")
    [(name, kind, pdf)] = [a for a in mail.attachments if a[1] == "application/pdf"]
    assert number in name and pdf.startswith(b"%PDF")

    # The client accepts: the order with the same lines, prices and schedule.
    page.goto(proposal_url)
    total = page.inner_text("#proposal-total")
    click_transition(page, "Accepted: make the order")
    screenshot(page, "story-04-accepted")
    page.click("#proposal-order")
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    order_url = page.url
    order_number = re.search(r"Order (SO-\d+)", page.inner_text("h1"))[1]
    assert total in page.inner_text(".order-figures")
    assert "Custom robot, 12 joints" in page.inner_text(".order-lines")
    click_transition(page, "Confirm")

    # The deal lists its proposal and its order.
    page.goto(live_server.path(f"/crm/deals/{deal['id']}"))
    assert number in page.inner_text("[data-section=proposals]")
    assert order_number in page.inner_text("[data-section=sales-orders]")

    # The prepayment invoice, paid: the order goes to production.
    as_user(page, login, "economist")
    page.goto(order_url)
    page.click("#money button:has-text('Issue prepayment invoice')")
    page.wait_for_url(re.compile(r".*/invoices/\d+$"))
    pay_in_full(page, live_server, page.url)
    screenshot(page, "story-05-prepaid")
    page.goto(order_url)
    assert "In production" in page.inner_text("h1")

    # The workshop builds the custom robots and has the parts: everything ships.
    order = ordercraft(live_server, "order", "show", order_number)["order"]
    for line in order["lines"]:
        ordercraft(live_server, "stock", "receive", "--item", line["item"], "--warehouse",
                   "MAIN", "--qty", str(line["qty"]), "--unit-cost",
                   str(cost) if line["item"] == "ROBOT-CUSTOM" else "10.00")
    as_user(page, login, "manager")
    page.goto(order_url)
    click_transition(page, "Ship everything")
    assert "Shipped" in page.inner_text("h1")
    assert page.inner_text(".order-figures .stat:nth-child(3) .value") == "0"  # Short

    # The final invoice for what was shipped, paid.
    as_user(page, login, "economist")
    page.goto(order_url)
    page.click("#invoice-shipped")
    page.wait_for_url(re.compile(r".*/invoices/\d+$"))
    pay_in_full(page, live_server, page.url)

    # Nothing is owed: the client's card and the receivables say so.
    client_id = order["client_id"]
    page.goto(live_server.path(f"/crm/clients/{client_id}"))
    balance = page.inner_text("[data-section=sales-balance]")
    assert "Balance" in balance
    assert page.inner_text("#client-balance [data-figure=balance]") == "€0.00"
    assert page.inner_text("#client-balance [data-figure=overdue]") == "€0.00"
    screenshot(page, "story-06-client-paid")
    report = ordercraft(live_server, "receivables", "--client", CLIENT)
    assert Decimal(report["balance"]) == 0 and Decimal(report["total"]) == 0
