"""Calculator pages (a form generated from the declared parameters) and the JSON API."""

from __future__ import annotations

import re
import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from calc_kit import CATALOG, calculator  # noqa: E402
from ordercraft.core.calc import store, worker
from ordercraft.core.calc.api import run_owner
from ordercraft.core.calc.catalog import example_items
from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.calc.registry import source_version
from ordercraft.core.models import CalcRun, Item


@pytest.fixture
def shop(site):
    with site.session() as session:
        for row in example_items():
            session.add(Item(**row))
    return site


def html(response) -> str:
    return response.get_data(as_text=True)


def field_error(page: str, name: str) -> str | None:
    found = re.search(rf'<div class="error" id="e-{name}">([^<]*)</div>', page)
    return found.group(1) if found else None


def test_the_list_and_a_generated_form(shop):
    client = shop.client(login="admin")
    page = html(client.get("/calculators/"))
    assert "Interior door" in page and "Custom robot" in page and "Shelf board" in page
    assert 'href="/calculators/door"' in page
    form = html(client.get("/calculators/door"))
    assert 'name="height" value="2000" inputmode="decimal"' in form
    assert "Height (mm)" in form and "1900–2400 in steps of 10 mm · Height of the leaf" in form
    assert '<option value="oak">Oak veneer</option>' in form
    assert '<option value="mdf" selected>Painted MDF</option>' in form
    assert '<option value="40" selected>40</option>' in form
    assert "Fill in the parameters" in form
    shelf = html(client.get("/calculators/shelf"))
    assert 'type="checkbox" name="edging" value="true" checked' in shelf


def test_a_run_shows_the_breakdown(shop):
    client = shop.client(login="admin")
    response = client.post("/calculators/door", data={"height": "2000", "width": "800",
                                                      "thickness": "40", "material": "mdf",
                                                      "glazing": "none", "hinges": "3",
                                                      "opening": "left"})
    assert response.status_code == 200
    page = html(response)
    assert '<span class="value" id="total">€201.70</span>' in page
    assert "Door panel, MDF, 40 mm" in page and "door-panel-mdf · part" in page
    assert '<td class="num nowrap">1.600 m2</td>' in page
    formula = html(client.post("/calculators/shelf", data={
        "length": "800", "depth": "300", "material": "melamine-16", "count": "1",
        "edging": "false"}))
    # unchecked: only the hidden "false" is sent, so there is no edge band
    assert '<span class="value" id="total">€6.33</span>' in formula
    assert "<code" in formula and "area = length * depth / 10 ** 6</code> = 0.24 m2" in formula


def test_wrong_values_are_shown_next_to_their_fields_and_kept(shop):
    client = shop.client(login="admin")
    response = client.post("/calculators/door", data={"height": "3000", "width": "eight",
                                                      "material": "teak", "hinges": "3"})
    assert response.status_code == 422
    page = html(response)
    assert field_error(page, "height") == "3000 mm is above the maximum 2400 mm"
    assert field_error(page, "width") == "&#39;eight&#39; is not a whole number"
    assert field_error(page, "material").startswith("&#39;teak&#39; is not one of the choices")
    assert 'name="height" value="3000"' in page and 'name="width" value="eight"' in page
    assert "Please correct the marked fields." in page
    with shop.session() as session:
        assert session.scalars(select(CalcRun)).first() is None


def test_a_failing_script_is_reported_with_its_line(shop):
    door = html(shop.client(login="admin").get("/calculators/door"))
    assert door  # the bundled door renders; now a site script that refuses some input
    with shop.session() as session:
        store.add_script(session, '"""Fussy"""\nparams = [param("n", "int", default=1)]\n'
                                  "def calculate(n):\n"
                                  "    if n > 1:\n        raise ValueError('one only')\n"
                                  "    return []\n", name="fussy")
    response = shop.client(login="admin").post("/calculators/fussy", data={"n": "2"})
    assert response.status_code == 422
    assert "The calculator failed (line 5): ValueError: one only" in html(response)


def test_a_kept_run_is_stored(shop):
    response = shop.client(login="admin").post("/calculators/robot", data={
        "case_height": "300", "case_width": "250", "case_depth": "200", "processor": "a4",
        "boards": "1", "board_kind": "m", "nodes": "4", "paint_volume": "0.5",
        "paint_colour": "blue", "save": "yes"})
    assert response.status_code == 200
    assert "Kept as calculation 1." in html(response)
    with shop.session() as session:
        run = session.get(CalcRun, 1)
        assert run.total == Decimal("1294.39") and run.created_by_name == "admin"


def test_who_may_use_the_calculators(shop):
    from ordercraft.core.services.users import create_user

    with shop.session() as session:
        create_user(session, "sam", roles=["storekeeper"], password="sam-password-1")
        create_user(session, "mia", roles=["manager"], password="mia-password-1")
    storekeeper = shop.client(login="sam", password="sam-password-1")
    assert storekeeper.get("/calculators/").status_code == 403
    assert 'href="/calculators/"' not in html(storekeeper.get("/"))
    manager = shop.client(login="mia", password="mia-password-1")
    assert 'href="/calculators/"' in html(manager.get("/"))
    assert manager.get("/calculators/door").status_code == 200


def test_api_lists_and_describes(shop):
    headers = {"Authorization": f"Bearer {shop.token('admin')}"}
    client = shop.app.test_client()
    assert client.get("/api/v1/calculators").status_code == 401
    listed = client.get("/api/v1/calculators?limit=2", headers=headers).get_json()
    assert listed["total"] == 3 and [c["name"] for c in listed["items"]] == ["door", "robot"]
    door = client.get("/api/v1/calculators/door", headers=headers).get_json()
    assert door["title"] == "Interior door" and door["kind"] == "script"
    assert door["params"][0] == {
        "name": "height", "type": "int", "label": "Height", "unit": "mm",
        "help": "Height of the leaf", "min": 1900, "max": 2400, "step": 10, "choices": None,
        "default": 2000, "required": False, "max_length": None}
    shelf = client.get("/api/v1/calculators/shelf", headers=headers).get_json()
    assert shelf["formulas"][0]["latex"] == r"\frac{\mathrm{length} \mathrm{depth}}{10^{6}}"
    missing = client.get("/api/v1/calculators/nothing", headers=headers)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/calculators", "/api/v1/calculators/{name}",
            "/api/v1/calculators/{name}/runs"} <= set(paths)


def test_api_runs(shop):
    headers = {"Authorization": f"Bearer {shop.token('admin')}"}
    client = shop.app.test_client()
    ran = client.post("/api/v1/calculators/robot/runs", headers=headers,
                      json={"params": {"paint_volume": 0.7, "nodes": "6"}})
    assert ran.status_code == 200
    body = ran.get_json()
    # 1536.29 with 0.5 l; 0.2 l more paint at 18.50
    assert body["total"] == "1539.99" and body["params"]["paint_volume"] == "0.7"
    assert body["run_id"] is None and body["lines"][0]["sku"] == "SHEET-AL2"
    saved = client.post("/api/v1/calculators/door/runs", headers=headers,
                        json={"params": {}, "save": True})
    assert saved.status_code == 201 and saved.get_json()["run_id"] == 1
    wrong = client.post("/api/v1/calculators/door/runs", headers=headers,
                        json={"params": {"height": 9999}})
    assert wrong.status_code == 400
    assert wrong.get_json()["error"]["field"] == "height"
    assert wrong.get_json()["error"]["details"]["errors"]["height"].endswith(
        "above the maximum 2400 mm")
    failing = client.post("/api/v1/calculators/door/runs", headers=headers,
                          json={"params": {"height": 2200, "hinges": 2}})
    assert failing.status_code == 422
    assert failing.get_json()["error"]["code"] == "script_error"
    assert failing.get_json()["error"]["line"] == 39
    extra = client.post("/api/v1/calculators/door/runs", headers=headers,
                        json={"params": {}, "colour": "red"})
    assert extra.status_code == 400


def test_over_http_a_calculator_is_named_never_a_path(shop, tmp_path, monkeypatch):
    """A .py file in the server's working directory is neither read nor run, and the
    answer does not tell whether it exists: the same 404 as for any unknown name."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "probe.py").write_text(calculator('return [line("leaked", 1, 1)]'))
    headers = {"Authorization": f"Bearer {shop.token('admin')}"}
    api = shop.app.test_client()
    page = shop.client(login="admin")

    def answers(name):
        return [(response.status_code, response.get_json()["error"]
                 if response.is_json else None)
                for response in (
                    api.get(f"/api/v1/calculators/{name}", headers=headers),
                    api.post(f"/api/v1/calculators/{name}/runs", headers=headers,
                             json={"params": {}}),
                    page.get(f"/calculators/{name}"),
                    page.post(f"/calculators/{name}", data={}))]

    unknown = answers("nosuch")
    assert [status for status, _ in unknown] == [404] * 4
    assert unknown[0][1] == {"code": "not_found", "field": "name", "line": None,
                             "message": "no calculator 'nosuch' (calculators: door, robot, "
                                        "shelf)"}
    for name in ("probe.py", "missing.py", "probe.PY", "..probe.py"):
        found = [(status, error and {**error, "message": error["message"].replace(
            repr(name), "'nosuch'")}) for status, error in answers(name)]
        assert found == unknown, name
    assert "leaked" not in html(page.get("/calculators/probe.py"))


def test_busy_calculators_answer_429_in_the_api_and_503_on_pages(shop, monkeypatch):
    pool = worker.WorkerPool(size=2, limits=worker.Limits(per_user=1, queue_timeout=0.2))
    monkeypatch.setattr(worker, "_default_pool", pool)
    with shop.session() as session:
        session.info["user"] = shop.user("admin")
        owner = run_owner(session)
    loop = calculator("while True:\n    pass")

    def spin():
        try:
            pool.run(source_version(loop), loop, {}, catalog=CATALOG, timeout=60, owner=owner)
        except CalculatorError:
            pass  # stopped when the pool closes

    admin = shop.client(login="admin")
    assert admin.get("/calculators/door").status_code == 200  # door is read now
    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        deadline = time.monotonic() + 120
        while pool.in_progress(owner) < 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        headers = {"Authorization": f"Bearer {shop.token('admin')}"}
        ran = shop.app.test_client().post("/api/v1/calculators/door/runs", headers=headers,
                                          json={"params": {}})
        assert ran.status_code == 429 and ran.headers["Retry-After"] == "2"
        assert ran.get_json()["error"]["code"] == "busy"
        assert "you already have 1 calculator runs in progress" in (
            ran.get_json()["error"]["message"])
        form = admin.post("/calculators/door", data={"height": "2000"})
        assert form.status_code == 503 and form.headers["Retry-After"] == "2"
        assert "You already have 1 calculator runs in progress" in html(form)
        assert 'name="height" value="2000"' in html(form)  # the input is kept
        # another user is not held up
        assert pool.in_progress() == 1
    finally:
        pool.close()
        spinner.join()
