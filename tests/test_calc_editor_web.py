"""Calculators in the browser: a new script version uploaded or written in the editor
(the checks of ``calc add``), the kept calculations and "rerun with today's prices"."""

from __future__ import annotations

import io

import pytest

from calc_kit import calculator
from ordercraft.core.calc import store
from ordercraft.core.calc.catalog import example_items
from ordercraft.core.models import CalcScript, Item


@pytest.fixture
def shop(site):
    with site.session() as session:
        for row in example_items():
            session.add(Item(**row))
    return site


GOOD = calculator('return {"total": p["n"] * price("hinge-steel")}',
                  params='param("n", "int", default=2)')


def test_a_script_written_in_the_editor_is_checked_and_stored(shop):
    client = shop.client(login="admin")
    page = client.get("/calculators/new").get_data(as_text=True)
    assert 'data-code-editor="python"' in page and "vendor/codemirror/codemirror.js" in page
    assert client.get("/static/vendor/codemirror/codemirror.js").status_code == 200
    saved = client.post("/calculators/new", data={"name": "hinges", "source": GOOD})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/calculators/hinges")
    broken = client.post("/calculators/new", data={"name": "broken",
                                                   "source": "params = [\n"})
    assert broken.status_code == 422 and 'id="e-source"' in broken.get_data(as_text=True)
    named = client.post("/calculators/new", data={"name": "Bad Name", "source": GOOD})
    assert named.status_code == 422 and "not a calculator name" in named.get_data(as_text=True)
    with shop.session() as session:
        assert [r.name for r in session.query(CalcScript).filter_by(origin="site")] == [
            "hinges"]

    edited = client.get("/calculators/hinges/edit").get_data(as_text=True)
    assert "hinge-steel" in edited
    new_version = GOOD.replace('default=2', 'default=3')
    assert client.post("/calculators/hinges/edit", data={"source": new_version}
                       ).status_code == 303
    uploaded = client.post("/calculators/new", data={
        "name": "", "source": "", "file": (io.BytesIO(GOOD.encode()), "door-hinges.py")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 303 and uploaded.headers["Location"].endswith(
        "/calculators/door-hinges")
    with shop.session() as session:
        assert len(store.script_versions(session, "hinges")) == 2


def test_kept_runs_and_a_rerun_with_todays_prices(shop):
    client = shop.client(login="admin")
    client.post("/calculators/new", data={"name": "hinges", "source": GOOD})
    kept = client.post("/calculators/hinges", data={"n": "4", "save": "yes"})
    assert kept.status_code == 200
    with shop.session() as session:
        hinge = session.query(Item).filter_by(sku="hinge-steel").one()
        old_price = hinge.price
        hinge.price = old_price + 1
    page = client.get("/calculators/runs").get_data(as_text=True)
    assert 'data-run="1"' in page and "hinges" in page and "Rerun with today" in page
    rerun = client.post("/calculators/runs/1/rerun").get_data(as_text=True)
    kept_total = 4 * old_price
    assert f"{kept_total:,.2f}" in rerun and f"{kept_total + 4:,.2f}" in rerun
    assert "4.00" in rerun  # the difference


def test_a_seller_may_run_but_not_upload(shop):
    from ordercraft.core.services.users import create_user

    with shop.session() as session:
        create_user(session, "sam", roles=["manager"], password="manager-pass-1")
    client = shop.client(login="sam", password="manager-pass-1")
    assert client.get("/calculators/new").status_code == 403
    assert client.get("/calculators/runs").status_code == 200
