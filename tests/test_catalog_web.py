"""The catalogue in the browser and the API: items (list, filters, card, add, edit,
other units), item groups as a tree, warehouses (add, edit, deactivate), exports as
CSV and XLSX, and imports with a preview that lists every bad row, run as a job."""

from __future__ import annotations

import io
import time
from decimal import Decimal

import pytest

from ordercraft.core import import_jobs
from ordercraft.core.errors import Conflict, ValidationError
from ordercraft.core.models import ImportJob, Item, Warehouse
from ordercraft.core.services import catalog, items


@pytest.fixture
def shop(site):
    with site.session() as session:
        furniture = catalog.create_group(session, "Furniture")
        catalog.create_group(session, "Chairs", parent="Furniture")
        items.create_item(session, "CH-1", name="Office chair", price="120", group="Chairs")
        items.create_item(session, "TB-1", name="Desk", price="300", group=furniture.id)
        items.create_item(session, "SCREW", name="Screw", kind="component", valuation="average")
        session.add(Warehouse(code="MAIN", name="Main store"))
        session.flush()
        from ordercraft.sdk import stock

        stock.receive(session, "CH-1", "MAIN", 4, "80.00", date="2024-03-01")
    return site


def wait_for(site, job_id):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with site.platform.session(writes=False) as session:
            job = session.get(ImportJob, job_id)
            if job.state in ("done", "failed"):
                return import_jobs.job_dict(job)
        time.sleep(0.1)
    raise AssertionError(f"import job {job_id} did not finish")


# --------------------------------------------------------------------------- services


def test_group_tree_filters_and_refusals(shop):
    with shop.session() as session:
        tree = [(group.name, depth, count) for group, depth, count in catalog.group_tree(session)]
        assert tree == [("Furniture", 0, 1), ("Chairs", 1, 1)]
        # A group's list takes the groups inside it too.
        assert [i.sku for i in items.list_items(session, group="Furniture").items] == [
            "CH-1", "TB-1"]
        assert [i.sku for i in items.list_items(session, group="Chairs").items] == ["CH-1"]
        with pytest.raises(ValidationError, match="cannot be put inside itself"):
            catalog.update_group(session, "Furniture", parent="Chairs", move=True)
        with pytest.raises(Conflict, match="holds 1 items"):
            catalog.delete_group(session, "Chairs")
        with pytest.raises(Conflict, match="already exists"):
            catalog.create_group(session, "Chairs")


def test_units_convert_to_the_items_own_unit(shop):
    with shop.session() as session:
        catalog.set_unit(session, "SCREW", "box", "12")
        screw = items.get_item(session, "SCREW")
        assert catalog.to_base_unit(screw, "2", "box") == Decimal("24")
        assert items.item_dict(screw)["units"] == [{"unit": "box", "factor": "12"}]
        with pytest.raises(ValidationError, match="factor: '0' must be more than 0"):
            catalog.set_unit(session, "SCREW", "pack", "0")
        with pytest.raises(ValidationError, match="the item's own unit"):
            catalog.set_unit(session, "SCREW", "pc", "1")
        with pytest.raises(ValidationError, match="is not counted in 'crate'"):
            catalog.to_base_unit(screw, 1, "crate")


def test_cli_groups_units_and_an_items_group(shop):
    listed = shop.cli("item-group list --json").json()["groups"]
    assert [(g["path"], g["depth"], g["items"]) for g in listed] == [
        ("Furniture", 0, 1), ("Furniture / Chairs", 1, 1)]
    assert shop.cli("item-group add Stools --parent Chairs --json").json()["group"][
        "path"] == "Furniture / Chairs / Stools"
    moved = shop.cli(["item-group", "update", "Stools", "--name", "Bar stools", "--parent", ""])
    assert moved.exit_code == 0 and "updated item group Bar stools" in moved.output
    added = shop.cli("item add ST-1 --name Stool --group 'Bar stools' --json").json()["item"]
    assert added["group"] == "Bar stools"
    assert shop.cli(["item", "update", "ST-1", "--group", "", "--json"]).json()["item"][
        "group"] is None
    assert "group" in shop.cli("item show CH-1").output
    assert shop.cli("item-group remove 'Bar stools' --json").json() == {
        "ok": True, "removed": "Bar stools"}
    refused = shop.cli("item-group remove Chairs --json")
    assert refused.exit_code != 0 and "holds 1 items" in refused.json()["error"]["message"]
    assert shop.cli("item unit SCREW box 12 --json").json()["units"] == [
        {"unit": "box", "factor": "12"}]
    assert shop.cli("item unit SCREW box").exit_code == 2
    assert "counted in pc only" in shop.cli("item unit SCREW box --remove").output


# --------------------------------------------------------------------------- pages


def test_item_list_filters_card_and_forms(shop):
    client = shop.client(login="admin")
    text = client.get("/items/?group=Furniture").get_data(as_text=True)
    assert "CH-1" in text and "TB-1" in text and "SCREW" not in text
    text = client.get("/items/?kind=component&valuation=average").get_data(as_text=True)
    assert "SCREW" in text and "CH-1" not in text
    assert "1–1 of 1" in text
    assert "No item" not in client.get("/items/?active=true").get_data(as_text=True)
    # A nonsense filter in the address is a message, not an error page.
    page = client.get("/items/?group=Nothing")
    assert page.status_code == 200 and "item group &#39;Nothing&#39; does not exist" in page.get_data(
        as_text=True)

    card = client.get("/items/CH-1").get_data(as_text=True)
    assert "Office chair" in card and "Furniture / Chairs" in card
    assert 'data-section="stock"' in card and "MAIN" in card and "320.00" in card

    created = client.post("/items/new", data={
        "sku": "ST-1", "name": "Stool", "kind": "good", "group": "Chairs", "unit": "pc",
        "unit_precision": "0", "valuation": "fifo", "price": "45.5", "active": "yes"})
    assert created.status_code == 303 and created.headers["Location"].endswith("/items/ST-1")
    refused = client.post("/items/new", data={"sku": "ST-1", "name": "", "price": "-1"})
    assert refused.status_code == 422
    edited = client.post("/items/ST-1/edit", data={
        "sku": "ST-1", "name": "Bar stool", "kind": "good", "group": "", "unit": "pc",
        "unit_precision": "0", "valuation": "fifo", "price": "50", "active": "no"})
    assert edited.status_code == 303
    with shop.session() as session:
        stool = items.get_item(session, "ST-1")
        assert (stool.name, stool.group_id, stool.active, stool.price) == (
            "Bar stool", None, False, Decimal("50"))

    assert client.post("/items/SCREW/units", data={"unit": "box", "factor": "12"}
                       ).status_code == 303
    assert "12 pc" in client.get("/items/SCREW").get_data(as_text=True)
    bad = client.post("/items/SCREW/units", data={"unit": "pack", "factor": "x"})
    assert bad.status_code == 422


def test_group_pages(shop):
    client = shop.client(login="admin")
    text = client.get("/items/groups").get_data(as_text=True)
    assert "Furniture" in text and "Chairs" in text
    assert client.post("/items/groups/new", data={"name": "Tables", "parent": "Furniture"}
                       ).status_code == 303
    assert client.post("/items/groups/new", data={"name": "Tables"}).status_code == 422
    with shop.session() as session:
        tables = catalog.get_group(session, "Tables")
        assert catalog.group_path(session, tables) == "Furniture / Tables"
    client.post(f"/items/groups/{tables.id}", data={"action": "delete"})
    with shop.session() as session:
        assert [g.name for g, _d, _c in catalog.group_tree(session)] == ["Furniture", "Chairs"]


def test_warehouse_pages_add_edit_deactivate(shop):
    client = shop.client(login="admin")
    assert client.post("/warehouses/new", data={"code": "SIDE", "name": "Workshop"}
                       ).status_code == 303
    assert client.post("/warehouses/new", data={"code": "SIDE", "name": "Again"}
                       ).status_code == 422
    assert client.post("/warehouses/SIDE/edit", data={"code": "SIDE", "name": "Back room",
                                                      "address": "Yard 2"}).status_code == 303
    assert client.post("/warehouses/SIDE/active", data={"active": "no"}).status_code == 303
    text = client.get("/warehouses/?active=false").get_data(as_text=True)
    assert "Back room" in text and "Main store" not in text and "Reactivate" in text


def test_exports_keep_the_filters_as_csv_and_xlsx(shop):
    from openpyxl import load_workbook

    client = shop.client(login="admin")
    csv_text = client.get("/items/?group=Furniture&format=csv").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("id,sku,name,kind,group") and len(lines) == 3
    answer = client.get("/items/?kind=component&format=xlsx")
    assert answer.headers["Content-Disposition"].endswith('items.xlsx"')
    sheet = load_workbook(io.BytesIO(answer.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "sku", "name") and rows[1][1] == "SCREW" and len(rows) == 2
    places = client.get("/warehouses/?format=csv").get_data(as_text=True)
    assert places.splitlines() == ["id,code,name,address,active", "1,MAIN,Main store,,true"]
    parties = client.get("/parties/?format=xlsx")
    assert parties.status_code == 200 and parties.data[:2] == b"PK"


# --------------------------------------------------------------------------- API


def test_api_warehouses_groups_and_units(shop):
    client = shop.client()
    headers = {"Authorization": f"Bearer {shop.token()}"}
    made = client.post("/api/v1/warehouses", json={"code": "SIDE", "name": "Workshop"},
                       headers=headers)
    assert made.status_code == 201
    changed = client.patch("/api/v1/warehouses/SIDE", json={"active": False}, headers=headers)
    assert changed.get_json()["active"] is False
    listed = client.get("/api/v1/warehouses?active=true", headers=headers).get_json()
    assert [w["code"] for w in listed["items"]] == ["MAIN"]
    groups = client.get("/api/v1/item-groups", headers=headers).get_json()
    assert [(g["path"], g["depth"]) for g in groups] == [("Furniture", 0),
                                                         ("Furniture / Chairs", 1)]
    new = client.post("/api/v1/item-groups", json={"name": "Lamps", "parent": "Furniture"},
                      headers=headers)
    assert new.status_code == 201 and new.get_json()["path"] == "Furniture / Lamps"
    assert client.post("/api/v1/item-groups", json={"name": "Lamps"},
                       headers=headers).status_code == 409
    found = client.get("/api/v1/items?group=Chairs", headers=headers).get_json()
    assert [i["sku"] for i in found["items"]] == ["CH-1"] and found["items"][0]["group"] == (
        "Chairs")
    screw = client.get("/api/v1/items?q=SCREW", headers=headers).get_json()["items"][0]
    units = client.post(f"/api/v1/items/{screw['id']}/units", json={"unit": "box",
                                                                     "factor": "12"},
                        headers=headers)
    assert units.get_json() == [{"unit": "box", "factor": "12", "base": "pc"}]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/items", "/api/v1/warehouses", "/api/v1/item-groups"} <= set(spec["paths"])


# --------------------------------------------------------------------------- imports


def upload(client, slug, name, data):
    answer = client.post(f"/imports/{slug}", data={"file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer.headers["Location"]


def test_item_import_lists_every_bad_row_then_runs_as_a_job(shop):
    client = shop.client(login="admin")
    bad = ("Article,Name,Kind,Unit price,Group\n"
           "A-1,Alpha,good,1.50,Chairs\n"
           "CH-1,Taken,good,1,\n"            # line 3: exists already
           "A-2,,good,1,\n"                  # line 4: no name
           "A-3,Gamma,gizmo,1,\n"            # line 5: bad kind
           "A-1,Again,good,1,\n"             # line 6: repeats line 2
           "A-4,Delta,good,1,Nowhere\n")     # line 7: no such group
    location = upload(client, "items", "items.csv", bad.encode())
    page = client.get(location)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    # "Article" is not a field: mapped by hand below; "Unit price" neither.
    assert "no column fills &#39;sku&#39;" in text
    mapping = {"m0": "sku", "m1": "name", "m2": "kind", "m3": "price", "m4": "group",
               "action": "check"}
    text = client.post(location, data=mapping).get_data(as_text=True)
    lines = [int(n) for n in __import__("re").findall(r'data-line="(\d+)"', text)]
    assert lines == [3, 4, 5, 6, 7]
    assert "repeats line 2" in text and "already exists" in text and "gizmo" in text
    # Nothing was saved; the import button is not offered.
    assert client.post(location, data={**mapping, "action": "import"}).status_code == 422
    with shop.session() as session:
        assert session.query(Item).count() == 3

    good = "sku,name,price,group\n" + "".join(f"N-{n:04d},Nut {n},0.10,Chairs\n"
                                               for n in range(450))
    location = upload(client, "items", "nuts.csv", good.encode())
    assert client.get(location).status_code == 200
    started = client.post(location, data={"m0": "sku", "m1": "name", "m2": "price",
                                          "m3": "group", "action": "import"})
    assert started.status_code == 303
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    assert "data-progress-url" in client.get(started.headers["Location"]).get_data(
        as_text=True)
    job = wait_for(shop, job_id)
    assert (job["state"], job["done"], job["total"], job["percent"]) == ("done", 450, 450, 100)
    progress = client.get(f"/imports/items/jobs/{job_id}/progress").get_json()
    assert progress["done"] == 450 and progress["seconds_left"] == 0
    with shop.session() as session:
        assert items.list_items(session, group="Chairs").total == 451


def test_party_and_stock_imports(shop):
    client = shop.client(login="admin")
    location = upload(client, "parties", "p.csv", b"name,kind,email\nAcme,client,bad-mail\n"
                                                  b"Bolt Co,supplier,\n")
    text = client.get(location).get_data(as_text=True)
    assert 'data-line="2"' in text and 'data-line="3"' not in text

    stock_rows = ("date,op,sku,warehouse,qty,unit_cost,ref\n"
                  "2024-03-02,receive,TB-1,MAIN,2,200,R-1\n"
                  "2024-03-02,receive,NOPE,MAIN,1,1,R-2\n")
    location = upload(client, "stock", "s.csv", stock_rows.encode())
    text = client.get(location).get_data(as_text=True)
    assert "NOPE" in text and 'data-line="3"' in text
    location = upload(client, "stock", "s.csv", stock_rows.rsplit("2024", 1)[0].encode())
    assert client.get(location).status_code == 200
    started = client.post(location, data={"action": "import"})
    job = wait_for(shop, int(started.headers["Location"].split("/")[-1]))
    assert job["state"] == "done" and job["done"] == 1
    from ordercraft.sdk import stock

    with shop.session() as session:
        assert stock.balance(session, "TB-1", "MAIN").qty == 2


def test_import_pages_refuse_other_files_and_roles(shop):
    from ordercraft.core.services.users import create_user

    client = shop.client(login="admin")
    answer = client.post("/imports/items", data={"file": (io.BytesIO(b"x"), "a.txt")},
                         content_type="multipart/form-data")
    assert answer.status_code == 422 and "not supported" in answer.get_data(as_text=True)
    assert client.get("/imports/items/0123").status_code == 404
    with shop.session() as session:
        create_user(session, "kim", roles=["storekeeper"], password="storekeeper-pw")
    kim = shop.client(login="kim", password="storekeeper-pw")
    assert kim.get("/imports/parties").status_code == 403


def test_worker_runs_queued_jobs(shop, tmp_path):
    path = tmp_path / "i.csv"
    path.write_text("sku,name\nW-1,One\nW-2,Two\n")
    with shop.session() as session:
        from ordercraft.core.models import User

        session.info["user"] = session.query(User).filter_by(name="admin").one()
        checked = import_jobs.preview(session, "item", path)
        job_id = import_jobs.start_job(session, checked, "i.csv").id
    assert import_jobs.run_queued_jobs(shop.platform) == [job_id]
    assert import_jobs.run_queued_jobs(shop.platform) == []
    with shop.session() as session:
        assert import_jobs.job_dict(session.get(ImportJob, job_id))["state"] == "done"


def test_cli_progress_bar_on_a_terminal_only(site, tmp_path):
    from ordercraft.core.cli.common import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    bar = ProgressBar("items.csv", stream=screen)
    bar(0, 1000)
    bar(500, 1000)
    bar.close()
    assert bar.line(500, 1000, 5.0) == ("items.csv [###############---------------] "
                                        "500/1000 rows  100 rows/s  5 s left")
    assert screen.getvalue().count("\r") == 2 and screen.getvalue().endswith("\n")
    quiet = Terminal()
    ProgressBar("items.csv", quiet=True, stream=quiet)(1, 2)
    assert quiet.getvalue() == ""
    path = tmp_path / "i.csv"
    path.write_text("sku,name\nQ-1,One\n")
    result = site.cli(f"item import {path} --json")
    assert result.exit_code == 0 and result.stderr == ""


def test_stock_balances_export(shop):
    client = shop.client(login="admin")
    text = client.get("/stock/warehouses/MAIN?format=csv").get_data(as_text=True)
    assert text.splitlines() == [
        "item,item_name,warehouse,unit,valuation,qty,reserved,available,unit_cost,value",
        "CH-1,Office chair,MAIN,pc,fifo,4,0,4,80.00,320.0000"]
    assert client.get("/stock/?format=xlsx").data[:2] == b"PK"


def test_an_xlsx_file_is_previewed_and_imported(shop):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SKU", "Name", "Price", "Group"])
    sheet.append(["X-1", "Xlsx one", 2.5, "Chairs"])
    sheet.append(["X-2", "Xlsx two", 3, None])
    data = io.BytesIO()
    workbook.save(data)
    client = shop.client(login="admin")
    location = upload(client, "items", "items.xlsx", data.getvalue())
    assert "Every row is fine" in client.get(location).get_data(as_text=True)
    started = client.post(location, data={"action": "import"})
    assert wait_for(shop, int(started.headers["Location"].split("/")[-1]))["state"] == "done"
    with shop.session() as session:
        one = items.get_item(session, "X-1")
        assert (one.price, one.group.name) == (Decimal("2.5"), "Chairs")


def test_a_job_whose_runner_stopped_is_taken_over_after_its_last_batch(shop, tmp_path):
    from datetime import timedelta

    from ordercraft.core.db import utcnow
    from ordercraft.core.models import User

    path = tmp_path / "i.csv"
    path.write_text("sku,name\n" + "".join(f"T-{n:03d},Part {n}\n" for n in range(450)))
    with shop.session() as session:
        session.info["user"] = session.query(User).filter_by(name="admin").one()
        checked = import_jobs.preview(session, "item", path)
        job = import_jobs.start_job(session, checked, "i.csv")
        # The first runner saved one batch, then its process stopped.
        import_jobs._save_batch(session, "item", [(n, r) for n, r in job.rows[:200]])
        job.state, job.done = "running", 200
        job.started_at = job.heartbeat_at = utcnow() - timedelta(hours=1)
        job_id = job.id
    assert import_jobs.run_queued_jobs(shop.platform) == [job_id]
    with shop.session() as session:
        assert import_jobs.job_dict(session.get(ImportJob, job_id))["done"] == 450
        assert items.list_items(session, search="T-").total == 450
