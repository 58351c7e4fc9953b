"""Issue 11, item 19: a balance past its column and a full disk are refusals that say
what happened, with nothing half-written (CLI exit 2, API 4xx/503)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from ordercraft.core.models import Item, Warehouse

BIG = "999999999999"  # twelve nines: the largest whole quantity a line takes


@pytest.fixture
def shop(site):
    with site.session() as session:
        session.add_all([Item(sku="BOLT", name="Bolt M8", valuation="fifo"),
                         Item(sku="OIL", name="Oil", valuation="average"),
                         Warehouse(code="MAIN", name="Main")])
    return site


def _balance(site, sku):
    result = site.cli(f"stock balance --item {sku} --json")
    assert result.exit_code == 0, result.stderr
    return result.json()


@pytest.mark.parametrize("sku", ["BOLT", "OIL"])
def test_a_quantity_past_the_column_is_refused_naming_the_item(shop, sku):
    first = shop.cli(f"stock receive --item {sku} --warehouse MAIN --qty {BIG} --unit-cost 0.5 "
                     "--json")
    assert first.exit_code == 0, first.output + first.stderr
    before = _balance(shop, sku)
    second = shop.cli(f"stock receive --item {sku} --warehouse MAIN --qty {BIG} --unit-cost 0.5 "
                      "--json")
    assert second.exit_code == 2, second.output + second.stderr
    error = second.json()["error"]
    assert error["code"] == "balance_overflow"
    assert sku in error["message"] and "MAIN" in error["message"] and "quantity" in error["message"]
    assert _balance(shop, sku) == before  # nothing half-written


def test_a_value_past_the_column_is_refused(shop):
    receive = "stock receive --item BOLT --warehouse MAIN --qty 999999999 --unit-cost 999 --json"
    assert shop.cli(receive).exit_code == 0
    result = shop.cli(receive)
    assert result.exit_code == 2, result.output + result.stderr
    assert result.json()["error"]["code"] == "balance_overflow"
    assert "value of 'BOLT'" in result.json()["error"]["message"]


def test_the_api_answers_422(shop):
    headers = {"Authorization": f"Bearer {shop.token('admin')}"}
    client = shop.app.test_client()
    body = {"kind": "receipt", "lines": [{"item": "BOLT", "warehouse": "MAIN", "qty": BIG,
                                          "unit_cost": "1"}]}
    assert client.post("/api/v1/stock/documents", json=body, headers=headers).status_code == 201
    refused = client.post("/api/v1/stock/documents", json=body, headers=headers)
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["code"] == "balance_overflow"


def _fill_the_disk(site):
    """SQLite's page limit: past it SQLite fails exactly as on a full disk (SQLITE_FULL)."""
    url = site.platform.database_url
    if not url.startswith("sqlite"):
        pytest.skip("a full disk is simulated with SQLite's max_page_count")
    engine = site.platform.engine
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    def limit(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", limit)
    engine.dispose()
    return pages


def test_a_full_disk_says_disk_full(shop, tmp_path):
    from ordercraft.core.db import disk_full

    _fill_the_disk(shop)
    rows = ["date,op,sku,warehouse,qty,unit_cost,ref"] + [
        f"2024-01-02,receive,BOLT,MAIN,1,2.50,R{n}" for n in range(3000)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n")
    with shop.platform.session() as session:
        from ordercraft.core.stock import api

        with pytest.raises(Exception) as failed:
            api.import_file(session, path)
    assert disk_full(failed.value)


def test_the_cli_says_disk_full(shop, tmp_path, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from ordercraft.core.cli.common import report_error

    full = OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))
    assert report_error(full, json_output=False) == 2
    unreachable = OperationalError("x", {}, sqlite3.OperationalError("unable to open database"))
    assert report_error(unreachable, json_output=False) == 2


def test_the_web_says_disk_full(shop):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    app = shop.platform and shop.app
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/api/v1/_test_disk_full")
    def _full():
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    response = app.test_client().get("/api/v1/_test_disk_full")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "disk_full"
    assert response.json["error"]["message"].startswith("disk full")
