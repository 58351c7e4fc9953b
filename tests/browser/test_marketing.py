"""The manager of the demo writes a mailing to the schools in the editor: an unknown
merge field is refused naming it, the preview shows the first recipient's message and
how many it reaches, then the mailing is scheduled; the campaigns page shows the EdTech
exhibition's return."""

from __future__ import annotations

import re


def test_mailing_editor_preview_and_schedule(page, login, screenshot):
    login(page, "manager")
    page.click("nav >> text=Mailings")
    page.wait_for_url(re.compile(r".*/marketing/mailings$"))
    assert "Classroom robots after the exhibition" in page.inner_text("#mailings")
    page.click("text=New mailing")
    page.fill("#f-name", "Autumn robotics news")
    page.select_option("#f-group", "Schools")
    page.fill("#f-subject", "News for {{ client.name }}")
    page.fill("#f-body", "Dear {{ contact.nickname }}")
    page.click("#do-preview")
    assert "contact.nickname" in page.inner_text("#editor-error")
    page.fill("#f-body", "Dear {{ contact.first_name }},\nour autumn kits are here.")
    page.click("#do-preview")
    page.wait_for_selector("#preview")
    assert int(page.inner_text("#preview-recipients")) >= 1
    assert page.inner_text("#preview-subject").startswith("News for ")
    assert page.inner_text("#preview-text").startswith("Dear ")
    assert "Unsubscribe: " in page.inner_text("#preview-text")
    screenshot(page, "marketing-01-preview")

    page.select_option("#f-mode", "scheduled")
    page.fill("#f-scheduled_at", "2031-09-01T08:00")
    page.click("#do-send")
    page.wait_for_url(re.compile(r".*/marketing/mailings/\d+\?done=scheduled$"))
    assert "scheduled" in page.inner_text("#mailing-state")
    screenshot(page, "marketing-02-scheduled")

    page.click("nav >> text=Campaigns")
    report = page.inner_text("#return-report")
    assert "EdTech exhibition" in report and "Exhibition" in report
