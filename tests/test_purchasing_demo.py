"""purchasing's and planning's part of the demo: the suppliers' price lists, a received
purchase order, and the story's order planned with its pegging."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo_site(make_site, monkeypatch):
    from ordercraft.core.demo import SEEDED_SETTING
    from ordercraft.core.models import SiteSetting

    monkeypatch.delenv("ORDERCRAFT_ADMIN_PASSWORD", raising=False)
    site = make_site(plugins=["crm", "sales", "purchasing", "planning"])
    with site.session() as session:
        session.add(SiteSetting(key=SEEDED_SETTING, value="[]"))
    return site


def test_the_demo_buyer_finds_offers_orders_and_a_plan(demo_site):
    first = demo_site.cli("demo --no-serve --json")
    assert first.exit_code == 0, first.output + first.stderr
    assert "plugin:purchasing" in first.json()["seeded"]
    best = demo_site.cli("matrix best CPU-A4 --qty 12 --json").json()["best"]
    assert best["supplier"] == "Siliconix Components"
    assert "ChipCore Electronics is cheaper (59.90) but expired" in best["explanation"]
    [order] = demo_site.cli("po list --json").json()["orders"]
    assert (order["supplier"], order["state"]) == ("BoardWorks Ltd", "received")
    again = demo_site.cli("demo --no-serve --json")
    assert again.exit_code == 0 and demo_site.cli("po list --json").json()["total"] == 1

    plan = demo_site.cli("mrp run --json").json()
    refs = {peg["ref"] for order in plan["planned_orders"] for peg in order["pegging"]}
    assert refs and all(ref.startswith("SO-") for ref in refs if ref)
