"""An administrator's round in the browser: add a user with a role, grant a permission
in the grid, set the company details, make a backup, find the new user's login in the
audit log."""

from __future__ import annotations

import re


def test_administrator_round(page, browser, live_server, login, screenshot):
    login(page)
    menu = page.locator("nav.sidebar").inner_text()
    assert "administration" in menu.lower() and "Audit log" in menu

    page.click("nav.sidebar a[href='/admin/users']")
    page.wait_for_url(re.compile(r".*/admin/users$"))
    page.click("text=+ New user")
    page.fill("#f-name", "nadia")
    page.fill("#f-full_name", "Nadia Rahman")
    page.fill("#f-email", "nadia@example.com")
    page.fill("#f-password", "nadia-pass-123")
    page.check("input[name=roles][value=manager]")
    screenshot(page, "admin-01-new-user")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/users/nadia$"))
    assert "Nadia Rahman" in page.inner_text("h1")
    assert page.is_checked("input[name=roles][value=manager]")
    page.fill("#f-token-name", "spreadsheet sync")
    page.click("text=Create token")
    assert page.inner_text("code.secret-value").startswith("oc_")
    assert "spreadsheet sync" in page.inner_text("main")
    screenshot(page, "admin-01b-user-token")

    page.goto(live_server.path("/admin/plugins"))
    sales = page.inner_text("#plugin-sales")
    assert "crm" in sales and "enabled" in sales and "Orders" in sales
    screenshot(page, "admin-01c-plugins")

    page.click("nav.sidebar a[href='/admin/roles']")
    page.wait_for_url(re.compile(r".*/admin/roles$"))
    box = page.locator("input[name=grant][value='manager:user.admin']")
    assert not box.is_checked()
    box.check()
    screenshot(page, "admin-02-permission-grid")
    page.click("text=Save permissions")
    page.wait_for_url(re.compile(r".*/admin/roles$"))
    assert "1 permission change saved." in page.inner_text(".notice.success")
    assert page.locator("input[name=grant][value='manager:user.admin']").is_checked()
    # Put it back: the demo's manager is not an administrator.
    page.locator("input[name=grant][value='manager:user.admin']").uncheck()
    page.click("text=Save permissions")
    page.wait_for_url(re.compile(r".*/admin/roles$"))

    page.click("nav.sidebar a[href='/admin/company']")
    page.wait_for_url(re.compile(r".*/admin/company$"))
    page.fill("#f-company_name", "Roboworks Workshop Ltd")
    page.fill("#f-company_tax_id", "GB 123 4567 89")
    page.fill("#f-company_bank_details", "IBAN GB00 TEST 0000 0000")
    demo_currency = page.input_value("#f-default_currency")
    page.fill("#f-default_currency", "gbp")
    page.uncheck("input[name=working_days][value=sun]")
    page.fill("#f-holidays", "2026-12-25, 2026-12-26")
    page.click("text=Save company settings")
    page.wait_for_url(re.compile(r".*/admin/company$"))
    screenshot(page, "admin-03-company")
    assert page.locator(".field .error").all_inner_texts() == []
    assert "saved" in page.inner_text(".notice.success")
    assert page.input_value("#f-default_currency") == "GBP"
    assert not page.is_checked("input[name=working_days][value=sun]")
    # Put the currency back: the other tests on this server read amounts in the demo's.
    page.fill("#f-default_currency", demo_currency)
    with page.expect_navigation():
        page.click("text=Save company settings")
    assert page.input_value("#f-default_currency") == demo_currency

    page.click("nav.sidebar a[href='/admin/backups']")
    page.click("text=Make a backup now")
    page.wait_for_url(re.compile(r".*/admin/backups$"))
    assert "was made" in page.inner_text(".notice.success")
    assert page.locator("table.backups tbody tr").count() >= 1
    screenshot(page, "admin-04-backups")

    other = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    other.goto(live_server.path("/login"))
    other.fill("#f-name", "nadia")
    other.fill("#f-password", "nadia-pass-123")
    other.click("button[type=submit]")
    other.wait_for_url(live_server.path("/"))
    assert "administration" not in other.locator("nav.sidebar").inner_text().lower()
    other.context.close()

    page.click("nav.sidebar a[href='/admin/audit']")
    page.fill("#a-user", "nadia")
    page.select_option("#a-action", "login")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/audit\?.*user=nadia.*"))
    rows = page.locator("table.audit tbody tr")
    assert rows.count() == 1 and "login" in rows.first.inner_text()
    screenshot(page, "admin-05-audit")
