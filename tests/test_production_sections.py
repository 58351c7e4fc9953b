"""production's sections on other pages (core hook ``page_sections``): the item card
gets the active BOM with its planned cost, where the item is used and its open production
orders; a user without the permissions gets none of them."""

from __future__ import annotations

import pytest

import production_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def sections(site, user_name, page, sku):
    from ordercraft.core.services import items
    from ordercraft.core.services.users import get_user

    with site.app.test_request_context(), site.session() as session:
        user = get_user(session, user_name)
        item = items.get_item(session, sku)
        return {s.name: (s.title, str(s.html)) for s in
                site.platform.hooks.page_sections(session, user, page, item)}


def test_item_card_sections(site):
    kit.cli_json(site, "production add NODE --qty 8 --due 2024-03-01 --json")
    node = sections(site, "admin", "item", "NODE")
    assert list(node) == ["production-boms", "production-orders"]
    title, html = node["production-boms"]
    assert title == "Bills of materials"
    assert 'data-role="bom-lines"' in html and ">CPU <" in html and ">SCREW <" in html
    assert 'href="/production/boms/NODE"' in html
    # used in the robot's BOM; rolled planned cost of one node at standard costs
    assert 'data-role="where-used"' in html and 'href="/production/boms/ROBOT"' in html
    assert 'data-role="planned-cost"' in html
    title, html = node["production-orders"]
    assert "MO-00001" in html and "2024-03-01" in html and ">draft<" in html

    cpu = sections(site, "admin", "item", "CPU")
    assert list(cpu) == ["production-boms"]  # no BOM of its own, used in NODE's
    assert "No bill of materials." in cpu["production-boms"][1]
    assert 'href="/production/boms/NODE"' in cpu["production-boms"][1]
    assert sections(site, "admin", "party", "CPU") == {}


def test_sections_need_the_permissions(site):
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "sam", roles=["engineer"], password="secret-password-1")
        create_user(session, "stan", roles=["storekeeper"], password="secret-password-1")
    kit.cli_json(site, "production add NODE --qty 2 --json")
    assert sections(site, "sam", "item", "NODE") == {}
    assert list(sections(site, "stan", "item", "NODE")) == ["production-boms",
                                                            "production-orders"]
