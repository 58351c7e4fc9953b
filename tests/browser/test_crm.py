"""A manager's day in crm, in a real browser: create a client with a contact (and meet the
duplicate warning), log a call with a next step, open a deal and move it through the
funnel to won; look at the board, the client card and the funnel report."""

from __future__ import annotations

import re
import time


def test_client_call_and_deal_through_the_funnel(logged_in_page, live_server, screenshot):
    page = logged_in_page
    unique = str(int(time.time() * 1000))[-7:]
    name = f"Harbour Robotics Academy {unique}"

    page.click("nav >> text=Clients")
    page.wait_for_url(re.compile(r".*/crm/clients/$"))
    assert page.locator("table.crm-clients tbody tr").count() == 25
    screenshot(page, "crm-01-clients")

    page.click("text=+ New client")
    page.fill("#f-name", name)
    page.fill("#f-tags", "school, robotics")
    page.fill("#f-source", "exhibition")
    page.fill("#f-phone", "+44 20 7946 0011")  # the robotics school's phone: a duplicate
    page.fill("#f-email", f"office{unique}@harbour.example")
    page.fill("#f-contact_name", "Laura Mills")
    page.fill("#f-contact_position", "Head of science")
    page.fill("#f-contact_phone", f"+44 1752 {unique}")
    page.fill("#f-contact_channels", f"telegram: @laura{unique}\nmobile: +44 7700 {unique[:6]}")
    page.click("form.crm-form button[type=submit]")
    warning = page.locator(".crm-warning")
    assert "This may be a client we already have" in warning.inner_text()
    assert "Future Engineers Robotics School" in warning.inner_text()
    assert "Also the phone of Future Engineers" in page.locator("#e-phone").inner_text()
    assert page.input_value("#f-contact_name") == "Laura Mills"  # nothing typed is lost
    assert "@laura" in page.input_value("#f-contact_channels")
    screenshot(page, "crm-02-duplicate-warning")

    page.fill("#f-phone", f"+44 1752 00{unique}")
    page.click("form.crm-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/crm/clients/\d+$"))
    card_url = page.url
    body = page.inner_text("main")
    assert name in body and "Laura Mills" in body and f"@laura{unique}" in body
    assert "was created" in page.inner_text(".notice.success")

    page.click(".crm-head-actions >> text=Log interaction")
    page.wait_for_url(re.compile(r".*/crm/interactions/new\?client=\d+"))
    page.click(".crm-segmented >> text=Outgoing call")
    page.select_option("#f-contact", label="Laura Mills · Head of science")
    page.fill("#f-subject", "Robots for the new science block")
    page.fill("#f-outcome", "Wants 12 standard robots and a teacher training day.")
    page.fill("#f-next_step", "Send the offer for 12 robots")
    page.fill("#f-next_step_due", "2001-01-01T10:00")  # in the past: refused
    page.click("form.crm-form button[type=submit]")
    assert "in the past" in page.locator("#e-next_step_due").inner_text()
    assert page.input_value("#f-subject") == "Robots for the new science block"
    page.fill("#f-next_step_due", "2099-06-01T10:00")
    screenshot(page, "crm-03-log-call")
    page.click("form.crm-form button[type=submit]")
    page.wait_for_url(card_url)
    assert "The next step is task" in page.inner_text(".notice.success")
    history = page.inner_text("#history")
    assert "Outgoing call: Robots for the new science block" in history
    assert "Send the offer for 12 robots" in page.inner_text("main")

    page.click(".crm-head-actions >> text=New deal")
    page.fill("#f-title", "Science block robots")
    page.fill("#f-amount", "17400")
    page.fill("#f-expected_close", "2099-07-15")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r".*/crm/deals/\d+$"))
    deal_url = page.url
    assert page.locator(".crm-track li.current").inner_text() == "Lead"
    screenshot(page, "crm-04-deal-lead")
    for button, stage in (("Qualify", "Qualified"), ("Send proposal", "Proposal"),
                          ("Negotiate", "Negotiation")):
        page.click(f".wf-actions button:has-text('{button}')")
        page.wait_for_url(deal_url)
        assert page.locator(".crm-track li.current").inner_text() == stage
    assert page.locator(".crm-stats .value").nth(1).inner_text() == "75%"
    screenshot(page, "crm-05-deal-negotiation")

    page.click("nav >> text=Deals")
    page.wait_for_url(re.compile(r".*/crm/deals/board$"))
    column = page.locator(".crm-column.stage-negotiation")
    assert "Science block robots" in column.inner_text()
    screenshot(page, "crm-06-board")
    card = column.locator("article.crm-deal", has_text="Science block robots")
    card.locator("button:has-text('Mark won')").click()
    page.wait_for_url(re.compile(r".*/crm/deals/board$"))
    assert "Negotiation → Won" in page.inner_text(".notice.success")
    assert "Science block robots" not in page.locator(".crm-board").inner_text()

    page.goto(deal_url)
    assert page.locator(".crm-track li.current").inner_text() == "Won"
    assert "No action is open to you in this state." in page.inner_text(".wf-actions")
    page.goto(card_url)
    history = page.inner_text("#history")
    for text in ("won the deal (Negotiation → Won)", "qualified the deal (Lead → Qualified)",
                 "Deal opened",
                 "Task 'Send the offer for 12 robots"):
        assert text in history, text
    screenshot(page, "crm-07-client-card")

    page.click("nav >> text=Funnel report")
    page.wait_for_url(re.compile(r".*/crm/reports/funnel"))
    assert page.locator(".crm-funnel-row").count() == 5
    screenshot(page, "crm-08-funnel")


def test_a_lost_deal_needs_a_reason(logged_in_page, live_server, screenshot):
    page = logged_in_page
    page.goto(live_server.path("/crm/deals/?state=proposal"))
    page.click("table.list tbody tr:first-child td:first-child a.strong")
    page.wait_for_url(re.compile(r".*/crm/deals/\d+$"))
    form = page.locator("form.wf-transition", has=page.locator("button:has-text('Lost')"))
    form.locator("input[name=reason]").fill("Chose a cheaper rival")
    form.locator("button").click()
    page.wait_for_load_state()
    assert page.locator(".crm-track li.current").inner_text() == "Lost"
    assert "Chose a cheaper rival" in page.inner_text(".crm-lost-reason")
    screenshot(page, "crm-09-deal-lost")
