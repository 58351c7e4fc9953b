"""A manager's first minutes in a real browser: log in, find a client, open it."""

from __future__ import annotations

import re


def test_log_in_search_parties_and_open_one(page, live_server, login, screenshot):
    page.goto(live_server.url)
    assert page.url.startswith(live_server.path("/login"))
    screenshot(page, "01-login")

    page.fill("#f-name", "admin")
    page.fill("#f-password", "not-the-password")
    page.click("button[type=submit]")
    assert "wrong user name or password" in page.inner_text(".notice.error")
    assert page.input_value("#f-name") == "admin"

    login(page)
    assert page.inner_text("h1").startswith("Good to see you")
    screenshot(page, "02-home")

    # One menu entry for clients and parties (crm's Clients); the whole list is its
    # kind filter's "All".
    page.click("nav.sidebar >> text=Clients")
    page.wait_for_url(re.compile(r".*/crm/clients/$"))
    page.click("nav.party-kinds >> text=All")
    page.wait_for_url(re.compile(r".*/parties/$"))
    summary = page.inner_text(".pagination")
    assert re.search(r"1–25 of \d+", summary), summary
    assert page.locator("a[rel=next]").count() == 1
    screenshot(page, "03-parties")

    page.fill("input[name=q]", "robotics")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r".*q=robotics.*"))
    names = page.locator("table.list tbody tr td:first-child a").all_inner_texts()
    assert "Future Engineers Robotics School" in names
    screenshot(page, "04-parties-search")

    page.click("text=Future Engineers Robotics School")
    page.wait_for_url(re.compile(r".*/parties/\d+$"))
    body = page.inner_text("main")
    for expected in ("Future Engineers Academy Trust", "Olivia Grant", "Head of STEM",
                     "Legal entities", "Contacts"):
        assert expected in body
    screenshot(page, "05-party")


def test_form_errors_show_next_to_the_field(logged_in_page, live_server, screenshot):
    page = logged_in_page
    page.goto(live_server.path("/parties/new"))
    page.fill("#f-name", "Bright Minds STEM Academy")  # exists in the demo
    page.fill("#f-email", "not an e-mail")
    page.fill("#f-tags", "school, stem")
    page.click("form.card button[type=submit]")
    assert "not an e-mail" in page.locator("#e-email").inner_text()
    assert page.input_value("#f-email") == "not an e-mail"
    assert page.input_value("#f-name") == "Bright Minds STEM Academy"
    assert page.input_value("#f-tags") == "school, stem"
    page.fill("#f-email", "office@bright.example")
    page.click("form.card button[type=submit]")
    assert "already exists" in page.locator("#e-name").inner_text()
    assert page.locator("#e-email").count() == 0
    assert page.input_value("#f-email") == "office@bright.example"
    screenshot(page, "06-party-form-error")


def test_pages_fit_a_phone(browser, live_server, login, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        login(page)
        page.goto(live_server.path("/parties/"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        assert not page.locator("nav.sidebar").is_visible() or page.locator(
            "nav.sidebar").bounding_box()["x"] < 0
        screenshot(page, "07-parties-phone")
        page.click("label.menu-button")
        # The menu slides in (a CSS transition): wait until it is all on the screen.
        # (a function, not an expression: the page's CSP forbids evaluating strings)
        page.wait_for_function(
            "() => document.querySelector('nav.sidebar').getBoundingClientRect().x >= 0")
        assert page.locator("nav.sidebar >> text=Clients").is_visible()
        screenshot(page, "08-menu-phone")
    finally:
        context.close()
