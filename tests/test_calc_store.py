"""Calculators in a site: its catalog, uploaded versions, stored runs, permissions, hooks."""

from __future__ import annotations

import types
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calc_kit import calculator
from ordercraft.core.calc import store
from ordercraft.core.calc.api import list_calculators, run_calculator
from ordercraft.core.calc.catalog import example_items
from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.errors import PermissionDenied, PluginError
from ordercraft.core.models import CalcRun, CalcScript, Item
from ordercraft.sdk import PluginInfo, hookimpl

DOOR = (Path(__file__).resolve().parents[1] / "scripts_user" / "door.py").read_text()


def seed_items(site) -> None:
    with site.session() as session:
        for row in example_items():
            session.add(Item(**row))


def make_plugin(name: str, **hooks: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.plugin = PluginInfo(name=name, version="1.0")
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def add_user(site, name: str, role: str):
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, name, roles=[role], password="a-password-1")
    return site.user(name)


def test_the_site_catalog_is_its_items(site):
    seed_items(site)
    result = run_calculator("door", {}, platform=site.platform)
    assert result.total == Decimal("201.70")
    assert result.catalog["hinge-steel"]["source"] == "items"
    assert result.catalog["door-panel-mdf"]["attributes"] == {"reference_thickness_mm": 40}
    with site.session() as session:
        session.scalars(select(Item).where(Item.sku == "hinge-steel")).one().active = False
    with pytest.raises(CalculatorError) as caught:
        run_calculator("door", {}, platform=site.platform)
    assert caught.value.code == "unknown_sku"
    assert "'hinge-steel'" in caught.value.message


def test_a_stored_run_is_reproduced_with_the_prices_it_saw(site):
    seed_items(site)
    stored = run_calculator("door", {"height": 2100}, platform=site.platform, save=True)
    assert stored.run_id is not None
    with site.session() as session:
        session.scalars(select(Item).where(Item.sku == "hinge-steel")).one().price = Decimal(
            "5.00")
    today = run_calculator("door", {"height": 2100}, platform=site.platform)
    assert today.total - stored.total == 3 * Decimal("0.80")
    with site.session() as session:
        run = store.get_run(session, stored.run_id)
        assert run.params["height"] == 2100 and run.total == stored.total
        assert run.catalog["hinge-steel"]["price"] == "4.200000"
        assert run.result["lines"] == [line.to_dict() for line in stored.lines]
        assert run.version == stored.version
        # the source of the bundled version is kept with the run
        kept = session.scalars(select(CalcScript).where(
            CalcScript.version == stored.version)).one()
        assert kept.origin == "builtin" and kept.source == DOOR
        again, differences = store.reproduce_run(session, stored.run_id)
    assert differences == []
    assert again.total == stored.total


def test_uploaded_scripts_are_versioned_by_content(site, tmp_path):
    seed_items(site)
    cheaper = DOOR.replace('"""Interior door', '"""Interior door, trade price').replace(
        'CUTTING_HOURS = D("0.40")', 'CUTTING_HOURS = D("0.20")')
    with site.session() as session:
        first, created = store.add_script(session, cheaper, name="door")
        assert created and first.origin == "site"
        same, created_again = store.add_script(session, cheaper, name="door")
        assert not created_again and same.version == first.version
    site_door = run_calculator("door", {}, platform=site.platform)
    assert site_door.origin == "site" and site_door.title == "Interior door, trade price"
    assert site_door.total == Decimal("201.70") - Decimal("0.20") * 35
    newer = cheaper.replace('D("0.20")', 'D("0.30")')
    with site.session() as session:
        second, _ = store.add_script(session, newer, name="door")
        versions = store.script_versions(session, "door")
    assert [v["version"] for v in versions] == [second.version, first.version]
    assert run_calculator("door", {}, platform=site.platform).version == second.version
    older = run_calculator("door", {}, platform=site.platform, version=first.version[:10])
    assert older.version == first.version
    with pytest.raises(CalculatorError) as caught:
        run_calculator("door", {}, platform=site.platform, version="0123456789")
    assert caught.value.code == "not_found"
    names = {info.name: info.source.origin for info in list_calculators(platform=site.platform)}
    assert names == {"door": "site", "robot": "builtin", "shelf": "builtin"}


def test_a_script_that_does_not_load_is_not_stored(site):
    with site.session() as session:
        with pytest.raises(CalculatorError) as caught:
            store.add_script(session, calculator("return (1).__class__"), name="bad")
        assert caught.value.code == "forbidden"
    with pytest.raises(CalculatorError) as caught:
        with site.session() as session:
            store.add_script(session, '"""T"""\nparams = [param("h", "int", max=1, default=2)]'
                                      '\ndef calculate(h):\n    return []\n', name="bad")
    assert caught.value.code == "format" and caught.value.line == 2
    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(CalcScript)) == 0


def test_permissions_to_upload_and_to_run(site):
    seed_items(site)
    engineer = add_user(site, "erin", "engineer")
    manager = add_user(site, "max", "manager")
    storekeeper = add_user(site, "sam", "storekeeper")
    with site.session(manager) as session:
        with pytest.raises(PermissionDenied, match="calc.upload"):
            store.add_script(session, DOOR, name="door2")
    with site.session(engineer) as session:
        stored, _ = store.add_script(session, DOOR, name="door2")
    with site.session() as session:
        row = session.scalars(select(CalcScript).where(CalcScript.name == "door2")).one()
        assert row.uploaded_by_name == "erin" and row.uploaded_by_id == engineer.id
    with site.session(manager) as session:
        result = run_calculator("door2", {}, platform=site.platform, session=session, save=True)
        assert session.get(CalcRun, result.run_id).created_by_name == "max"
    with site.session(storekeeper) as session:
        with pytest.raises(PermissionDenied, match="calc.run"):
            run_calculator("door2", {}, platform=site.platform, session=session)


def test_stored_runs_are_listed_newest_first(site):
    seed_items(site)
    ids = [run_calculator("shelf", {"count": n}, platform=site.platform, save=True).run_id
           for n in (1, 2, 3)]
    run_calculator("door", {}, platform=site.platform, save=True)
    with site.session() as session:
        assert [r.id for r in store.list_runs(session, "shelf")] == ids[::-1]
        assert [r.id for r in store.list_runs(session, "shelf", limit=1,
                                              before_id=ids[2])] == [ids[1]]
        document = store.run_dict(store.get_run(session, ids[1]))
    # 2 x 0.24 m2 x 1.1 x 14.50 = 7.656, 2 x 0.8 m x 0.70 = 1.12, 2 cuts x 2.50
    assert document["total"] == "13.78"
    assert [f["name"] for f in document["result"]["formulas"]][-1] == "total"


def test_hook_register_calculators(make_site, tmp_path):
    path = tmp_path / "gate.py"
    path.write_text('"""Garden gate"""\nparams = [param("width", "int", default=1000)]\n'
                    "def calculate(width):\n"
                    '    return [line("Gate", 1, D(width) / 10)]\n')
    plugin = make_plugin("gates", register_calculators=lambda registry: [
        registry.add_file(path), registry.add_source("gate-xl", path.read_text())])
    site = make_site(plugins=[], extra_plugins=[plugin])
    infos = {info.name: info for info in list_calculators(platform=site.platform)}
    assert infos["gate"].source.origin == "plugin:gates"
    assert infos["gate"].spec.title == "Garden gate"
    assert infos["gate-xl"].source.origin == "plugin:gates"
    assert run_calculator("gate", {"width": 1200}, platform=site.platform).total == 120
    clash = make_plugin("clash", register_calculators=lambda registry: registry.add_file(
        path, name="door"))
    other = make_site(plugins=[], extra_plugins=[clash])
    with pytest.raises(PluginError, match="plugin 'clash' registers calculator 'door', already "
                                          "registered by plugin 'core'"):
        list_calculators(platform=other.platform)


def test_hook_catalog_lookup(make_site):
    asked: list[list[str]] = []

    def catalog_lookup(session, skus):
        asked.append(list(skus))
        if "hinge-steel" in skus:
            return {"hinge-steel": {"price": Decimal("9.90"), "name": "Hinge, brass"}}
        return None

    site = make_site(plugins=[], extra_plugins=[make_plugin("matrix",
                                                            catalog_lookup=catalog_lookup)])
    seed_items(site)
    result = run_calculator("door", {}, platform=site.platform)
    assert result.total == Decimal("201.70") + 3 * (Decimal("9.90") - Decimal("4.20"))
    hinge = next(line for line in result.lines if line.sku == "hinge-steel")
    assert hinge.name == "Hinge, brass"
    assert result.catalog["hinge-steel"]["source"] == "plugin:matrix"
    assert result.catalog["lockset-interior"]["source"] == "items"
    assert ["hinge-steel"] in asked


def test_a_kept_run_is_reproduced_by_fresh_workers(site):
    """Set order used to differ from one worker to the next (a hash seed per process): the
    same inputs gave other prices and ``calc rerun`` reported a difference."""
    from ordercraft.core.calc.worker import Limits, WorkerPool

    text = calculator("""
        woods = {"oak", "pine", "mdf", "birch", "ash", "beech", "maple", "walnut", "cherry",
                 "teak", "elm", "alder", "larch", "spruce", "fir", "cedar", "poplar"}
        first = list(woods)[0]
        return {"lines": [line(first, 1, len(first))], "notes": " ".join(woods)}
        """)
    with site.session() as session:
        store.add_script(session, text, name="woods")
    pools = [WorkerPool(size=1, limits=Limits(timeout=10)) for _ in range(3)]
    try:
        kept = run_calculator("woods", {}, platform=site.platform, save=True, pool=pools[0])
        for pool in pools[1:]:
            with site.session() as session:
                again, differences = store.reproduce_run(session, kept.run_id, pool=pool)
            assert differences == [] and again.notes == kept.notes
    finally:
        for pool in pools:
            pool.close()
