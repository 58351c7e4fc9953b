"""An administrator adds a custom field to clients; in the browser it is on the client's
form, the client's card and the list's filters."""

from __future__ import annotations

import re


def test_a_custom_field_on_the_client_form(logged_in_page, live_server, screenshot):
    from ordercraft.core.custom_fields import add_field
    from ordercraft.core.platform import Platform

    site = Platform(live_server.database_url)
    try:
        with site.session() as session:
            add_field(session, "client", "delivery_zone", "choice",
                      choices="north,south,east", label="Delivery zone")
    finally:
        site.dispose()
    page = logged_in_page
    page.goto(live_server.path("/crm/clients/"))
    page.click("table.crm-clients tbody tr:first-child a.strong")
    page.wait_for_url(re.compile(r".*/crm/clients/\d+$"))
    card_url = page.url
    name = page.inner_text("h1").strip()
    page.click(".crm-head-actions >> text=Edit")
    zone = page.locator('[id="f-custom_fields.delivery_zone"]')
    assert zone.input_value() == ""
    zone.select_option("south")
    screenshot(page, "custom-fields-01-client-form")
    page.click("form.crm-form button[type=submit]")
    page.wait_for_url(card_url)
    facts = page.locator("dl.facts").first
    assert "Delivery zone" in facts.inner_text()
    assert page.locator('dd.custom-field[data-field="delivery_zone"]').first.inner_text() == \
        "south"
    screenshot(page, "custom-fields-02-client-card")

    page.goto(live_server.path("/crm/clients/"))
    page.select_option("#filter-delivery_zone", "south")
    page.click("form.crm-filters button[type=submit]")
    page.wait_for_url(re.compile(r".*cf\.delivery_zone=south.*"))
    shown = page.locator("table.crm-clients tbody tr")
    assert shown.count() == 1 and name in shown.first.inner_text()
