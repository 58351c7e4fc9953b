"""SKU fields suggest items as one types, by SKU or by name, on any form that marks its
input with ``data-autocomplete="item"``: here the core's receipt form (mouse) and the
sales plugin's order lines (keyboard only, on a row added by the form's script)."""

from __future__ import annotations

import re
import secrets


def test_receipt_form_suggests_items_by_name(page, live_server, login, cli, screenshot):
    tag = secrets.token_hex(3).upper()
    sku = f"AC-HINGE-{tag}"
    cli("item", "add", sku, "--name", f"Autocomplete hinge {tag}", "--kind", "component",
        "--price", "3")

    login(page, "storekeeper")
    page.goto(live_server.path("/stock/receive"))
    page.fill("#f-item", f"hinge {tag.lower()}")           # words of the name, any case
    listbox = page.locator(".autocomplete-list:visible")
    listbox.wait_for()
    assert page.get_attribute("#f-item", "aria-expanded") == "true"
    options = listbox.locator("[role=option]")
    assert options.count() == 1 and sku in options.first.inner_text()
    screenshot(page, "autocomplete-01-receipt")
    options.first.click()
    assert page.input_value("#f-item") == sku
    assert page.get_attribute("#f-item", "aria-expanded") == "false"


def test_order_lines_suggest_items_from_the_keyboard(page, live_server, login, cli):
    tag = secrets.token_hex(3).upper()
    first, second = f"AC-BOLT-{tag}-A", f"AC-BOLT-{tag}-B"
    for sku in (first, second):
        cli("item", "add", sku, "--name", f"Autocomplete bolt {sku[-1]}", "--price", "1")

    login(page, "manager")
    page.goto(live_server.path("/orders/new"))
    page.click("#add-line")                                   # a row the script added
    line = page.locator("#order-lines tr.line-row").last.locator(".cell-item input")
    line.press_sequentially(f"ac-bolt-{tag.lower()}")
    listbox = page.locator(".autocomplete-list:visible")
    listbox.wait_for()
    assert [o.split()[0] for o in listbox.locator("[role=option]").all_inner_texts()] \
        == [first, second]
    line.press("ArrowDown")
    line.press("ArrowDown")
    active = line.get_attribute("aria-activedescendant")
    assert active and page.get_attribute(f"#{active}", "aria-selected") == "true"
    line.press("Enter")                                      # takes it, does not send
    assert line.input_value() == second
    assert re.search(r"/orders/new$", page.url)
    line.press("Backspace")                                  # both match again
    listbox.wait_for()
    line.press("Escape")
    listbox.wait_for(state="hidden")
    assert line.input_value() == second[:-1]
