"""The production pages: order list, order page with availability and postings, the
report form (a refused report shows the error and posts nothing), the BOM tree with its
planned cost, the work-centre load."""

import re

import pytest

import production_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def test_order_pages_and_report_form(site):
    kit.cli_json(site, "production add NODE --qty 8 --due 2024-03-01 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    browser = site.client("admin")
    listed = browser.get("/production/")
    assert listed.status_code == 200 and "MO-00001" in listed.text
    page = browser.get("/production/1")
    assert page.status_code == 200
    assert 'data-item="CPU"' in page.text and "avail-green" in page.text
    # The quantity input says what the transition checks: whole pieces, at most the 8 left.
    assert ('name="qty" placeholder="all that is left" inputmode="decimal" step="1" min="0" '
            'max="8"') in page.text
    refused = browser.post("/production/1/report", data={"qty": "9"})
    assert refused.status_code == 422 and "more than the 8" in refused.text
    done = browser.post("/production/1/report", data={"qty": "8"}, follow_redirects=True)
    assert done.status_code == 200 and 'id="actual-cost">€1,140.40<' in done.text
    assert "output" in done.text


def test_bom_page_and_load(site):
    browser = site.client("admin")
    page = browser.get("/production/boms/ROBOT?qty=2&method=rolled")
    assert page.status_code == 200
    assert 'data-level="2"' in page.text and 'id="cost-total">€585.08<' in page.text
    kit.cli_json(site, "production add NODE --qty 4 --due 2024-03-01 --json")
    load = browser.get("/production/load")
    # (30 + 4 x 15) min = 1.5 h on 2024-03-01 at ASSY
    assert load.status_code == 200 and "2024-03-01" in load.text and ">1.5<" in load.text


def test_bom_editor_saves_quantities_and_the_cost_follows(site):
    browser = site.client("admin")
    page = browser.get("/production/boms/ROBOT?qty=2&method=rolled")
    assert 'name="qty.1"' in page.text
    # 3 nodes a robot instead of 2: rolled for 2 robots = 6 nodes: 6 x 134.42 = 806.52 +
    # (30 + 6 x 15) / 60 = 2 h x 30.00 = 60.00, + 24 screws 2.40 = 868.92
    saved = browser.post("/production/boms/ROBOT", data={"qty.1": "3", "qty.2": "12"},
                         follow_redirects=True)
    assert saved.status_code == 200
    page = browser.get("/production/boms/ROBOT?qty=2&method=rolled")
    assert 'id="cost-total">€868.92<' in page.text
    refused = browser.post("/production/boms/ROBOT", data={"qty.1": "0"},
                           follow_redirects=True)
    assert "must be more than zero" in refused.text
    assert kit.cli_json(site, "bom show ROBOT --json")["bom"]["lines"][0]["qty"] == "3"


def _tree_qty(html, sku):
    """The quantity of ``sku``'s first row in the BOM page's tree."""
    tree = html[html.index('id="bom-tree"'):]
    return re.search(rf'>{sku}</a>.*?<td class="num">([^<]*)</td>', tree, re.S).group(1)


def test_bom_editor_preview_costs_without_saving(site):
    browser = site.client("admin")
    preview = browser.post("/production/boms/ROBOT/preview",
                           data={"qty.1": "3", "qty.2": "12", "cost_qty": "2",
                                 "cost_method": "rolled"})
    # as the saved edit above works out, but nothing is kept
    assert preview.status_code == 200 and 'id="cost-total">€868.92<' in preview.text
    assert _tree_qty(preview.text, "NODE") == "6"  # the tree too: 3 nodes a robot, 2 robots
    assert "<html" not in preview.text  # the page's content, for the script to swap in
    assert kit.cli_json(site, "bom show ROBOT --json")["bom"]["lines"][0]["qty"] == "2"
    refused = browser.post("/production/boms/ROBOT/preview", data={"qty.1": "0"})
    assert refused.status_code == 200 and "must be more than zero" in refused.text
    assert 'id="cost-total"' not in refused.text
    page = browser.get("/production/boms/ROBOT?qty=2&method=rolled")
    assert 'data-preview="/production/boms/ROBOT/preview"' in page.text
    assert _tree_qty(page.text, "NODE") == "4"
    assert 'id="cost-total">€585.08<' in page.text
    assert browser.get("/production/static/bom-editor.js").status_code == 200
