"""``ordercraft demo``: seeds the robot workshop once, whatever the number of runs."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import func, select

from ordercraft.core.models import Item, LegalEntity, Party, User, Warehouse
from ordercraft.core.plugins import PluginInfo
from ordercraft.sdk import hookimpl
from ordercraft.sdk.testing import Site, test_database_url


@pytest.fixture
def fresh_site(tmp_path):
    """A site on an empty database (the demo must create it itself)."""
    from ordercraft.core.platform import Platform

    built = []

    def build(extra_plugins=()):
        url, drop = test_database_url(tmp_path)
        platform = Platform(url, only=[], extra_plugins=list(extra_plugins))
        built.append((platform, drop))
        return Site(platform)

    yield build
    for platform, drop in built:
        platform.dispose()
        drop()


def counts(site):
    with site.session() as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (Party, LegalEntity, Item, Warehouse, User)}


def test_demo_seeds_the_robot_workshop(fresh_site, monkeypatch):
    monkeypatch.delenv("ORDERCRAFT_ADMIN_PASSWORD", raising=False)
    site = fresh_site()
    result = site.cli("demo --no-serve --json")
    assert result.exit_code == 0, result.output + result.stderr
    document = result.json()
    assert document["created"] is True
    from ordercraft.core.demo import CORE_SEEDERS

    assert document["seeded"][:4] == ["core:users", "core:warehouses", "core:items",
                                      "core:calculator-parts"]
    assert document["seeded"] == [f"core:{seeder.name}" for seeder in CORE_SEEDERS]
    assert document["users"] == {"admin": "admin-demo", "manager": "manager-demo",
                                 "engineer": "engineer-demo", "economist": "economist-demo",
                                 "storekeeper": "storekeeper-demo"}

    from ordercraft.core.services.parties import get_party, list_parties
    from ordercraft.core.services.users import authenticate

    with site.session() as session:
        for name, password in document["users"].items():
            assert authenticate(session, name, password).name == name
        roles = {u.name: u.role_names for u in session.scalars(select(User))}
        assert roles["storekeeper"] == ["storekeeper"] and roles["economist"] == ["economist"]
        assert {w.code for w in session.scalars(select(Warehouse))} == {"MAIN", "PARTS"}
        skus = set(session.scalars(select(Item.sku)))
        assert {"ROBOT-STD", "KIT-CONSTRUCT", "ROBOT-CUSTOM", "CPU-A4", "CPU-A8", "MB-M",
                "CASE-L", "PAINT-BLUE", "HINGE-25"} <= skus
        paint = session.scalars(select(Item).where(Item.sku == "PAINT-BLUE")).one()
        assert (paint.unit, paint.unit_precision, paint.valuation) == ("l", 3, "average")

        school = get_party(session, "Future Engineers Robotics School")
        assert "school" in school.tags and school.manager.name == "manager"
        assert len(school.legal_entities) == 2 and len(school.contacts) == 2
        clients = list_parties(session, kind="client", limit=1000)
        assert clients.total >= 40
        assert len({p.source for p in clients.items if p.source}) >= 4
        processors = list_parties(session, tags=["processors"], limit=100)
        assert {p.name for p in processors.items} == {"Siliconix Components",
                                                      "ChipCore Electronics"}
        assert list_parties(session, tags=["mainboards"], limit=100).total == 2


def test_demo_twice_adds_nothing(fresh_site):
    site = fresh_site()
    assert site.cli("demo --no-serve").exit_code == 0
    before = counts(site)
    second = site.cli("demo --no-serve")
    assert second.exit_code == 0, second.stderr
    assert "nothing was added" in second.output
    assert "admin-demo" in second.output
    assert counts(site) == before


def test_demo_uses_the_admin_password_from_the_environment(fresh_site, monkeypatch):
    monkeypatch.setenv("ORDERCRAFT_ADMIN_PASSWORD", "a-chosen-password")
    site = fresh_site()
    result = site.cli("demo --no-serve --json")
    assert result.json()["users"]["admin"] == "a-chosen-password"
    from ordercraft.core.services.users import authenticate

    with site.session() as session:
        authenticate(session, "admin", "a-chosen-password")


def test_demo_refuses_a_site_it_did_not_create(site):
    result = site.cli("demo --no-serve --json")
    assert result.exit_code == 2
    error = result.json()["error"]
    assert error["code"] == "not_a_demo_site"
    assert "was not created by 'ordercraft demo'" in error["message"]
    assert counts(site)["Party"] == 0


def workshop_plugin():
    module = types.ModuleType("test_workshop_plugin")
    module.plugin = PluginInfo(name="workshop", version="1.0")

    @hookimpl
    def demo_data(session, platform):
        from ordercraft.core.services.parties import create_party, get_party

        # Seeded after the core: the core's parties are already there.
        school = get_party(session, "Future Engineers Robotics School")
        create_party(session, "Workshop Plugin Partner", kind="supplier",
                     notes=f"partner of {school.name}")

    module.demo_data = demo_data
    return module


def test_hook_demo_data(fresh_site):
    site = fresh_site(extra_plugins=[workshop_plugin()])
    first = site.cli("demo --no-serve --json")
    assert first.exit_code == 0, first.output + first.stderr
    assert first.json()["seeded"][-1] == "plugin:workshop"
    second = site.cli("demo --no-serve --json")
    assert second.json()["seeded"] == []
    with site.session() as session:
        partners = session.scalars(select(Party).where(
            Party.name == "Workshop Plugin Partner")).all()
        assert [p.notes for p in partners] == ["partner of Future Engineers Robotics School"]


def test_a_plugin_enabled_later_is_seeded_on_the_next_run(fresh_site):
    site = fresh_site(extra_plugins=[workshop_plugin()])
    assert site.cli("demo --no-serve").exit_code == 0
    site.platform.set_plugin_enabled("workshop", False)
    # Rebuild the demo marker as it was before the plugin existed on this site.
    from ordercraft.core.demo import SEEDED_SETTING
    from ordercraft.core.models import SiteSetting

    with site.session() as session:
        setting = session.get(SiteSetting, SEEDED_SETTING)
        setting.value = setting.value.replace(', "plugin:workshop"', "")
        session.execute(Party.__table__.delete().where(Party.name == "Workshop Plugin Partner"))
    assert site.cli("demo --no-serve --json").json()["seeded"] == []  # disabled: left alone
    site.platform.set_plugin_enabled("workshop", True)
    assert site.cli("demo --no-serve --json").json()["seeded"] == ["plugin:workshop"]
    from ordercraft.core.demo import CLIENTS, SUPPLIERS

    assert counts(site)["Party"] == 1 + len(CLIENTS) + len(SUPPLIERS) + 1
