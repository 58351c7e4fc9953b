"""An administrator brings the catalogue in from a spreadsheet in a real browser: the
preview lists every bad row before anything is saved, a clean file is imported as a
background job whose progress bar runs to done, and the item card shows the result."""

from __future__ import annotations

import re
import secrets


def test_import_preview_job_progress_and_item_card(page, live_server, login, screenshot,
                                                   tmp_path):
    prefix = f"IMP-{secrets.token_hex(2).upper()}"
    bad = tmp_path / "bad-items.csv"
    bad.write_text("SKU,Name,Kind,Price\n"
                   f"{prefix}-1,Good row,good,1.50\n"
                   f"{prefix}-2,,good,1\n"               # line 3: no name
                   f"{prefix}-3,Odd kind,gizmo,1\n"      # line 4: not a kind
                   f"{prefix}-1,Repeated,good,1\n"       # line 5: repeats line 2
                   f"{prefix}-4,Cheap,good,-5\n")        # line 6: a negative price
    login(page, "admin")
    page.click("nav >> text=Items")
    page.wait_for_url(re.compile(r".*/items/$"))
    page.click("a.button:has-text('Import')")
    page.wait_for_url(re.compile(r".*/imports/items$"))
    page.set_input_files("#f-file", str(bad))
    page.click("button:has-text('Preview')")
    page.wait_for_selector("table.problems")
    lines = page.eval_on_selector_all("table.problems tr[data-line]",
                                      "rows => rows.map(r => Number(r.dataset.line))")
    assert lines == [3, 4, 5, 6]
    problems = page.inner_text("table.problems")
    assert "gizmo" in problems and "repeats line 2" in problems
    assert page.locator("button[value=import]").count() == 0     # nothing can be saved
    screenshot(page, "catalog-01-import-preview-bad-rows")

    good = tmp_path / "items.csv"
    good.write_text("Article,Name,Price\n" + "".join(
        f"{prefix}-{n:05d},Imported part {n},{n % 50}.25\n" for n in range(3000)))
    page.click("a.button:has-text('Another file')")
    page.set_input_files("#f-file", str(good))
    page.click("button:has-text('Preview')")
    # "Article" matches no field, so no column fills sku: mapped by hand, checked again.
    page.wait_for_selector("table.problems")
    assert "no column fills 'sku'" in page.inner_text("table.problems")
    page.select_option("select[name=m0]", "sku")
    page.click("button[value=check]")
    page.wait_for_selector("button[value=import]")
    screenshot(page, "catalog-02-import-preview-clean")
    page.click("button[value=import]")
    page.wait_for_url(re.compile(r".*/imports/items/jobs/\d+$"))
    page.wait_for_selector(".job[data-state=done]", timeout=120_000)
    assert page.inner_text("[data-count]") == "3000 / 3000"
    assert page.get_attribute("progress[data-bar]", "value") == "3000"
    screenshot(page, "catalog-03-import-done")

    page.goto(live_server.path(f"/items/?q={prefix}-00042"))
    page.click(f"a:has-text('{prefix}-00042')")
    page.wait_for_url(re.compile(rf".*/items/{prefix}-00042$"))
    page.fill("#f-unit", "box")
    page.fill("#f-factor", "12")
    page.click("button:has-text('Add unit')")
    page.wait_for_selector("text=12 pc")
    card = page.inner_text("main")
    assert "Imported part 42" in card and "42.25" in card and "Stock per warehouse" in card
    screenshot(page, "catalog-04-item-card")


def test_calculator_editor_refuses_a_broken_script(page, login, screenshot):
    login(page, "admin")
    page.click("nav >> text=Calculators")
    page.click("a.button:has-text('+ New calculator')")
    page.wait_for_selector(".CodeMirror")          # the vendored editor took the text area
    page.fill("#f-name", "broken-in-browser")
    page.click(".CodeMirror")
    page.keyboard.type("params = [\n")
    page.click("button:has-text('Check and save')")
    page.wait_for_selector("#e-source")
    page.wait_for_selector(".CodeMirror")  # the refusal's page starts its editor again
    assert page.locator(".CodeMirror").count() == 1
    assert "params = [" in page.evaluate(
        "document.querySelector('#f-source').codeMirror.getValue()")   # nothing typed lost
    screenshot(page, "catalog-05-calculator-editor-refusal")


def test_groups_tree_and_warehouses(page, live_server, login, screenshot):
    name = f"Group {secrets.token_hex(2)}"
    login(page, "admin")
    page.goto(live_server.path("/items/groups"))
    page.fill("#f-name", name)
    page.click("button:has-text('Add group')")
    page.fill("#f-name", name + " inner")
    page.select_option("#f-parent", name)
    page.click("button:has-text('Add group')")
    page.wait_for_selector(f"tr[data-group='{name} inner']")
    screenshot(page, "catalog-06-groups")
    page.click("nav >> text=Warehouses")
    page.wait_for_url(re.compile(r".*/warehouses/$"))
    assert "MAIN" in page.inner_text("table.list")
    screenshot(page, "catalog-07-warehouses")
