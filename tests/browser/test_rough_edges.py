"""In Chromium: a form shows every mistake after one submit, and its inputs carry the
server's limits (maxlength, step, min, inputmode)."""

from __future__ import annotations

import re


def test_a_form_shows_every_mistake_at_once(logged_in_page, live_server, screenshot):
    page = logged_in_page
    page.goto(live_server.path("/crm/clients/new"))
    assert page.get_attribute("#f-phone", "maxlength") == "50"
    assert page.get_attribute("#f-phone", "inputmode") == "tel"
    assert page.get_attribute("#f-email", "maxlength") == "200"
    page.fill("#f-name", "Nobody Yet Robotics")
    page.fill("#f-phone", "call me")
    page.fill("#f-email", "not-an-address")
    page.click("form.crm-form button[type=submit]")
    assert "is not a phone number" in page.locator("#e-phone").inner_text()
    assert "is not an e-mail address" in page.locator("#e-email").inner_text()
    assert "2 marked fields" in page.locator(".notice.error").inner_text()
    screenshot(page, "edges-01-client-form-errors")

    page.goto(live_server.path("/stock/receive"))
    assert page.get_attribute("#f-qty", "step") == "0.000001"
    assert page.get_attribute("#f-unit_cost", "min") == "0"
    page.fill("#f-item", "ROBOT-STD")
    page.fill("#f-qty", "two")
    page.fill("#f-unit_cost", "-1")
    page.click("form.card button[type=submit]")
    assert re.search(r"not a number|is not", page.locator("#e-qty").inner_text())
    assert "at least 0" in page.locator("#e-unit_cost").inner_text()
    screenshot(page, "edges-02-receipt-errors")
