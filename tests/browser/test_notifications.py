"""The storekeeper of the demo sees the bell with the number of unread notifications on
every page, opens the list, marks one read, then all, and changes what comes by e-mail."""

from __future__ import annotations

import re


def badge(page) -> int:
    found = page.locator(".header-item .header-badge")
    return int(found.inner_text()) if found.count() else 0


def test_the_bell_shows_the_unread_count_and_leads_to_the_list(page, login, live_server,
                                                                 screenshot):
    login(page, "storekeeper")
    bell = page.locator("a.header-item[href='/notifications/']")
    unread = badge(page)
    assert unread >= 2  # the weekly count and the A8 processors check
    assert bell.get_attribute("aria-label") == f"Notifications: {unread} unread ({unread})"
    page.click("nav >> text=Stock")
    assert badge(page) == unread  # on every page
    screenshot(page, "notifications-01-bell")

    bell.click()
    page.wait_for_url(re.compile(r".*/notifications/$"))
    rows = page.locator("ul.nt-list li.unread")
    assert rows.count() == unread
    assert "Count the stock of the main warehouse" in page.inner_text("ul.nt-list")
    screenshot(page, "notifications-02-list")

    rows.first.locator("button:has-text('Mark read')").click()
    page.wait_for_url(re.compile(r".*/notifications/$"))
    assert badge(page) == unread - 1
    assert page.locator("ul.nt-list li.unread").count() == unread - 1

    page.click("button:has-text('Mark all read')")
    page.wait_for_url(re.compile(r".*/notifications/$"))
    assert badge(page) == 0
    assert "marked read" in page.inner_text(".notice.success")

    page.click("text=Choose what you get")
    page.wait_for_url(re.compile(r".*/notifications/preferences$"))
    page.uncheck("#f-reminder-email")
    page.click("form.card button[type=submit]")
    assert "saved" in page.inner_text(".notice.success")
    assert not page.is_checked("#f-reminder-email") and page.is_checked("#f-reminder-in_app")
    screenshot(page, "notifications-03-preferences")
