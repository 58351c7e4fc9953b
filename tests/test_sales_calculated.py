"""A calculator's result added to an order: "Add to order" on the calculator page, ``ordercraft
order line ORDER --calc-run RUN_ID`` and ``POST /api/v1/orders/{id}/lines``. The line
keeps the run's calculator, script version, inputs and result, so its price reproduces."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest

import sales_kit as kit

#: The door calculator's inputs: an MDF door costing 201.70 with the example catalog.
DOOR = {"height": "2000", "width": "800", "thickness": "40", "material": "mdf",
        "glazing": "none", "hinges": "3", "opening": "left"}


@pytest.fixture
def site(make_site):
    from ordercraft.core.calc.catalog import example_items
    from ordercraft.core.models import Item

    site = kit.build(make_site)
    with site.session() as session:
        for row in example_items():
            if row["sku"].startswith(("door-", "edge-band-", "hinge", "lockset", "handle",
                                      "labour", "lacquer", "glass", "glazing", "sliding")):
                session.add(Item(**row))
    return site


def _kept_run(site) -> int:
    from ordercraft.sdk.calc import run_calculator

    return run_calculator("door", DOOR, platform=site.platform, save=True).run_id


def _order(site, ref):
    from ordercraft.plugins.sales.orders import get_order, order_dict

    with site.session() as session:
        order = get_order(session, ref)
        return order_dict(order), [line.source for line in order.lines]


def test_the_calculator_page_adds_its_result_to_an_order(site):
    draft = kit.order(site, "KIT:1")
    confirmed = kit.order(site, "KIT:1")
    kit.move(site, confirmed, "confirm")
    client = site.client(login="admin")
    page = client.post("/calculators/door", data=DOOR).text
    assert 'data-section="sales-add"' in page and "SO-00001" in page
    assert "SO-00002" not in page, "only draft orders take lines"
    form = re.search(r'<form method="post" action="/orders/add-calculation".*?</form>', page,
                     re.S).group(0)
    fields = {name: html.unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="(calculator|version|params)" value="([^"]*)"', form)}
    assert fields["calculator"] == "door" and len(fields["version"]) > 8

    added = client.post("/orders/add-calculation", data={
        **fields, "order": str(draft), "item": "SENSOR", "qty": "2", "markup": "50",
        "description": "Interior door"})
    assert added.status_code == 303 and added.headers["Location"].endswith(f"/orders/{draft}")
    body, sources = _order(site, draft)
    line = body["lines"][1]
    assert (line["position"], line["description"], line["qty"], line["price"]) == (
        2, "Interior door", Decimal(2), Decimal("302.55"))
    assert body["total"] == Decimal("320.00") + Decimal("605.10")
    assert sources[0] is None
    assert (sources[1]["calculator"], sources[1]["version"]) == ("door", fields["version"])
    assert sources[1]["params"]["height"] == 2000 and sources[1]["run_id"]
    assert sources[1]["total"] == "201.70" and sources[1]["lines"]
    assert line["calc"]["run_id"] == sources[1]["run_id"]

    # A new order for a client; a confirmed order and an unknown client save nothing.
    made = client.post("/orders/add-calculation", data={
        **fields, "client": kit.CLUB, "item": "SENSOR", "markup": "10"})
    assert made.status_code == 303
    body, sources = _order(site, "SO-00003")
    assert (body["client"], body["lines"][0]["price"]) == (kit.CLUB, Decimal("221.87"))
    refused = client.post("/orders/add-calculation", data={
        **fields, "order": str(confirmed), "item": "SENSOR"}, follow_redirects=True)
    assert "SO-00002 is confirmed: only a draft order takes new lines" in refused.text
    nobody = client.post("/orders/add-calculation", data={
        **fields, "client": "Nobody Ltd", "item": "SENSOR"}, follow_redirects=True)
    assert "Nobody Ltd" in nobody.text
    assert len(_order(site, confirmed)[0]["lines"]) == 1
    from sqlalchemy import func, select

    from ordercraft.plugins.sales.models import Order

    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 3


def test_the_section_needs_order_write(site):
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "viewer", password="viewer-password-1", roles=["engineer"])
    page = site.client(login="viewer", password="viewer-password-1").post("/calculators/door", data=DOOR)
    assert page.status_code == 200 and 'data-section="sales-add"' not in page.text


def test_cli_order_line_from_a_kept_run(site):
    run_id = _kept_run(site)
    kit.order(site, "KIT:1")
    added = site.cli(f"order line SO-00001 --calc-run {run_id} --item SENSOR --qty 4 "
                     "--markup 50 --json")
    assert added.exit_code == 0, added.output
    line = added.json()["order"]["lines"][-1]
    assert (line["qty"], line["price"], line["total"]) == ("4", "302.55", "1210.20")
    assert (line["calc"]["calculator"], line["calc"]["run_id"]) == ("door", run_id)
    made = site.cli(["order", "line", "--client", kit.SCHOOL, "--calc-run", str(run_id),
                     "--item", "SENSOR", "--price", "250", "--json"])
    assert made.exit_code == 0, made.output
    assert made.json()["order"]["number"] == "SO-00002"
    for args, field in ((f"order line --calc-run {run_id} --item SENSOR", "client"),
                        ("order line SO-00001 --calc-run 999 --item SENSOR", "run"),
                        (f"order line SO-00001 --calc-run {run_id} --item NOPE", "item"),
                        (f"order line SO-00001 --calc-run {run_id} --item SENSOR --price 1 "
                         "--markup 5", "markup")):
        refused = site.cli(args + " --json")
        assert refused.exit_code == 2, (args, refused.output)
        assert refused.json()["error"]["field"] == field, refused.output
    text = site.cli(f"order line SO-00001 --calc-run {run_id} --item SENSOR")
    assert text.exit_code == 0 and "from calculator run" in text.output


def test_api_adds_a_line_from_a_kept_run(site):
    run_id = _kept_run(site)
    draft = kit.order(site, "KIT:1")
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    added = client.post(f"/api/v1/orders/{draft}/lines", headers=headers,
                        json={"calc_run": run_id, "item": "SENSOR", "markup": "50"})
    assert added.status_code == 201, added.json
    line = added.json["lines"][-1]
    assert line["price"] == "302.55" and line["calc"]["params"]["material"] == "mdf"
    assert added.json["lines"][0]["calc"] is None
    missing = client.post(f"/api/v1/orders/{draft}/lines", headers=headers,
                          json={"calc_run": 424242, "item": "SENSOR"})
    assert missing.status_code == 404 and missing.json["error"]["field"] == "run"
    kit.move(site, draft, "confirm")
    late = client.post(f"/api/v1/orders/{draft}/lines", headers=headers,
                       json={"calc_run": run_id, "item": "SENSOR"})
    assert late.status_code == 409 and late.json["error"]["field"] == "order"
    spec = client.get("/api/v1/openapi.json", headers=headers).json
    assert "post" in spec["paths"]["/api/v1/orders/{order_id}/lines"]
