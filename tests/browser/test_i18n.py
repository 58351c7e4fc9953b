"""A site in Arabic reads right to left: the sidebar on the right, the text from the right;
a site in French shows its words."""

from __future__ import annotations


def test_arabic_pages_are_mirrored_and_french_ones_translated(live_server, logged_in_page,
                                                              cli, screenshot):
    page = logged_in_page
    cli("settings", "set", "default_language", "ar")
    try:
        page.goto(live_server.path("/"))
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("html").get_attribute("lang") == "ar"
        sidebar = page.locator("nav.sidebar").bounding_box()
        main = page.locator("div.main").bounding_box()
        assert sidebar is not None and main is not None
        assert sidebar["x"] > main["x"], "the menu is on the right in Arabic"
        direction = page.evaluate("getComputedStyle(document.querySelector('main')).direction")
        assert direction == "rtl"
        screenshot(page, "i18n-arabic-home")

        cli("settings", "set", "default_language", "fr")
        page.goto(live_server.path("/"))
        assert page.locator("html").get_attribute("dir") == "ltr"
        assert page.locator("nav.sidebar").get_by_text("Accueil", exact=True).is_visible()
        sidebar = page.locator("nav.sidebar").bounding_box()
        assert sidebar is not None and sidebar["x"] < 10
    finally:
        cli("settings", "reset", "default_language")
