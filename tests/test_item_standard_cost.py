"""An item's standard cost: a column of items (nullable), set and cleared by the service,
``ordercraft item update SKU --standard-cost``, the items API; the core migration that
added it moves production's former custom field values into it."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import command

from ordercraft.core import schema
from ordercraft.core.platform import Platform
from ordercraft.core.services import items
from ordercraft.core.types import ExactDecimal
from ordercraft.sdk.testing import test_database_url


def test_service_sets_and_clears_the_standard_cost(site):
    with site.session() as session:
        created = items.item_dict(items.create_item(session, "GEAR", name="Gear"))
        assert created["standard_cost"] is None
        item = items.update_item(session, "GEAR", standard_cost="25")
        assert item.standard_cost == Decimal("25")
        assert items.item_dict(item)["standard_cost"] == "25.00"
        assert items.update_item(session, "GEAR", name="Gear 2").standard_cost == Decimal(25)
        assert items.update_item(session, "GEAR", standard_cost="").standard_cost is None


def test_cli_and_api(site):
    assert site.cli("item add GEAR --name Gear").exit_code == 0
    updated = site.cli("item update GEAR --standard-cost 25.00 --json")
    assert updated.exit_code == 0, updated.stderr
    assert updated.json()["item"]["standard_cost"] == "25.00"
    assert site.cli("item show GEAR --json").json()["item"]["standard_cost"] == "25.00"
    shown = site.cli("item show GEAR").output.splitlines()
    assert [line.split() for line in shown if line.startswith("standard cost:")] == [
        ["standard", "cost:", "25.00"]]
    for bad, message in (("-1", "must be at least 0"), ("2,5", "is not a number"),
                         ("0.0000001", "more than 6 decimal places")):
        refused = site.cli(f"item update GEAR --standard-cost {bad}")
        assert refused.exit_code == 2 and "standard_cost" in refused.stderr, bad
        assert message in refused.stderr and "Traceback" not in refused.stderr
    assert site.cli("item show GEAR --json").json()["item"]["standard_cost"] == "25.00"

    api = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token()}"}
    created = api.post("/api/v1/items", headers=headers,
                       json={"sku": "AXLE", "name": "Axle", "standard_cost": "3.125"})
    assert created.status_code == 201, created.json
    assert created.json["standard_cost"] == "3.125"
    item_id = created.json["id"]
    changed = api.patch(f"/api/v1/items/{item_id}", headers=headers,
                        json={"standard_cost": "4.50"})
    assert changed.json["standard_cost"] == "4.50"
    assert api.patch(f"/api/v1/items/{item_id}", headers=headers,
                     json={"name": "Axle 2"}).json["standard_cost"] == "4.50"
    cleared = api.patch(f"/api/v1/items/{item_id}", headers=headers,
                        json={"standard_cost": None})
    assert cleared.json["standard_cost"] is None
    refused = api.patch(f"/api/v1/items/{item_id}", headers=headers,
                        json={"standard_cost": "-2"})
    assert refused.status_code == 400


def test_migration_moves_the_custom_field_values(tmp_path):
    url, drop = test_database_url(tmp_path)
    platform = Platform(url, only=["production"])
    try:
        with platform.engine.begin() as connection:
            command.upgrade(schema.alembic_config(platform, connection), "6c9ac1e8b7b0")
            connection.execute(sa.text(
                "INSERT INTO items (id, sku, name, kind, unit, unit_precision, valuation, "
                "price, description, attributes, active, created_at, updated_at) VALUES "
                "(:id, :sku, :sku, 'component', 'pc', 0, 'fifo', 0, '', '{}', :yes, "
                ":now, :now)").bindparams(sa.bindparam("yes", type_=sa.Boolean())),
                [{"id": n, "sku": f"P{n}", "now": "2026-01-01 00:00:00", "yes": True}
                 for n in (1, 2, 3)])
            connection.execute(sa.text(
                "INSERT INTO custom_fields (id, entity, name, type, label, choices, required, "
                "owner, created_at) VALUES (7, 'item', 'standard_cost', 'decimal', "
                "'Standard cost', '[]', :no, 'production', '2026-01-01 00:00:00')")
                .bindparams(sa.bindparam("no", type_=sa.Boolean())), {"no": False})
            connection.execute(sa.text(
                "INSERT INTO custom_field_values (field_id, object_id, value) "
                "VALUES (7, :id, :value)"), [{"id": 1, "value": "25.5"},
                                             {"id": 2, "value": "0.125"}])
        schema.upgrade(platform)
        with platform.engine.connect() as connection:
            costs = dict(connection.execute(
                sa.select(sa.column("sku"), sa.column("standard_cost", ExactDecimal()))
                .select_from(sa.table("items"))).all())
            assert costs == {"P1": Decimal("25.5"), "P2": Decimal("0.125"), "P3": None}
            assert connection.execute(sa.text(
                "SELECT count(*) FROM custom_fields WHERE name = 'standard_cost'")).scalar() == 0
            assert connection.execute(sa.text(
                "SELECT count(*) FROM custom_field_values")).scalar() == 0
    finally:
        platform.dispose()
        drop()


def test_item_form_sets_shows_and_clears_the_standard_cost(site):
    """The edit form carries the standard cost: a bad value is named next to the field
    and nothing is saved; the card shows the cost; emptied, it is cleared."""
    client = site.client(login="admin")
    created = client.post("/items/new", data={
        "sku": "CAM", "name": "Camera", "kind": "component", "unit": "pc",
        "unit_precision": "0", "valuation": "fifo", "price": "40", "standard_cost": "25.5",
        "active": "yes"})
    assert created.status_code == 303
    assert 'id="standard-cost">€25.50 per pc<' in client.get("/items/CAM").get_data(as_text=True)
    form = client.get("/items/CAM/edit").get_data(as_text=True)
    assert 'name="standard_cost" value="25.50"' in form

    def edit(standard_cost, name="Camera"):
        return client.post("/items/CAM/edit", data={
            "sku": "CAM", "name": name, "kind": "component", "unit": "pc",
            "unit_precision": "0", "valuation": "fifo", "price": "40",
            "standard_cost": standard_cost, "active": "yes"})

    for bad, message in (("-2", "must be at least 0"), ("abc", "is not a number"),
                         ("1.0000001", "more than 6 decimal places")):
        refused = edit(bad, name="Camera 2")
        assert refused.status_code == 422, bad
        page = refused.get_data(as_text=True)
        assert 'id="e-standard_cost"' in page and message in page, bad
    with site.session() as session:
        item = items.get_item(session, "CAM")
        assert (item.name, item.standard_cost) == ("Camera", Decimal("25.5"))
    assert edit("3.125").status_code == 303
    # rounded to the cent on screen, the exact cost in the tooltip
    assert ('id="standard-cost"><span class="money" title="3.125 EUR">€3.13</span> per pc<'
            in client.get("/items/CAM").get_data(as_text=True))
    assert edit("").status_code == 303
    with site.session() as session:
        assert items.get_item(session, "CAM").standard_cost is None
    assert 'id="standard-cost">none<' in client.get("/items/CAM").get_data(as_text=True)
