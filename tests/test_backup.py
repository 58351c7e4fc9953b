"""``ordercraft backup`` / ``ordercraft restore``: a consistent snapshot of a running site,
restored whole (data equal, changes made since the backup gone), bad files refused."""

from __future__ import annotations

import os
import sqlite3
import threading
import types
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from ordercraft.core import backup as backup_module
from ordercraft.core.db import Base
from ordercraft.core.models import Item, Warehouse
from ordercraft.core.platform import Platform
from ordercraft.sdk import PluginInfo
from ordercraft.sdk.testing import Site

ON_POSTGRES = os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "").startswith("postgres")


def snapshot(platform: Platform) -> dict[str, list[tuple]]:
    """Every row of every table of the site, in a stable order."""
    rows: dict[str, list[tuple]] = {}
    with platform.engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        for table in Base.metadata.sorted_tables:
            if table.name in present:
                found = [tuple(row) for row in connection.execute(select(table))]
                rows[table.name] = sorted(found, key=repr)
        rows["alembic_version"] = sorted(connection.execute(
            text("SELECT version_num FROM alembic_version")).scalars())
    return rows


def plugin_module(name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.plugin = PluginInfo(name=name, version="1.0")
    return module


@pytest.fixture
def busy_site(make_site):
    site = make_site(plugins=[], extra_plugins=[plugin_module("extra")])
    with site.session() as session:
        session.add(Warehouse(code="MAIN", name="Main store"))
        for number in range(25):
            session.add(Item(sku=f"SKU-{number:03}", name=f"Item {number}",
                             price=Decimal("0.1") * number))
    site.platform.set_plugin_enabled("extra", True)
    return site


def test_round_trip_restores_the_data_as_it_was(busy_site, tmp_path):
    site = busy_site
    target = tmp_path / "site.backup"
    made = site.cli(f"backup {target} --json")
    assert made.exit_code == 0, made.stderr
    document = made.json()
    assert document["format"] == ("pg_dump" if ON_POSTGRES else "sqlite")
    assert document["bytes"] == target.stat().st_size > 0
    before = snapshot(site.platform)

    # Changes after the backup: new rows, changed rows, deleted rows, a plugin disabled.
    with site.session() as session:
        session.add(Item(sku="LATER", name="Added after the backup"))
        session.scalar(select(Item).where(Item.sku == "SKU-001")).name = "Renamed"
        session.delete(session.scalar(select(Item).where(Item.sku == "SKU-002")))
    site.platform.set_plugin_enabled("extra", False)
    assert snapshot(site.platform) != before

    restored = site.cli(f"restore {target} --yes --json")
    assert restored.exit_code == 0, restored.stderr
    assert restored.json()["pending"] == []
    assert snapshot(site.platform) == before
    # The running platform follows the restored plugin state.
    site.platform.refresh_plugins()
    assert site.platform.is_enabled("extra")
    # Identity sequences came back too: new rows still get fresh ids.
    with site.session() as session:
        session.add(Item(sku="AFTER", name="Added after the restore"))
    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 26


def test_restore_after_the_database_is_lost(busy_site, tmp_path):
    """Disaster recovery: the site's database (its SQLite file, its PostgreSQL schema) is
    gone; a new platform on the same URL restores it from the backup."""
    target = tmp_path / "site.backup"
    assert busy_site.cli(f"backup {target}").exit_code == 0
    expected = snapshot(busy_site.platform)
    url = busy_site.platform.database_url
    busy_site.platform.dispose()
    if ON_POSTGRES:
        schema = backup_module._pg_archive_tables(target)["alembic_version"]
        dropper = Platform(url, only=[])
        with dropper.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        dropper.dispose()
    else:
        database = Path(url.removeprefix("sqlite:///"))
        for leftover in database.parent.glob(database.name + "*"):
            leftover.unlink()
    fresh = Platform(url, only=[], extra_plugins=[plugin_module("extra")])
    try:
        assert Site(fresh).cli("db status --json").json()["initialised"] is False
        result = Site(fresh).cli(f"restore {target} --yes")
        assert result.exit_code == 0, result.stderr
        assert snapshot(fresh) == expected
        assert Site(fresh).cli("db status --json").json()["initialised"] is True
    finally:
        fresh.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="schemas are PostgreSQL's")
def test_restore_into_a_site_of_another_schema_is_refused(busy_site, make_site, tmp_path):
    target = tmp_path / "site.backup"
    assert busy_site.cli(f"backup {target}").exit_code == 0
    other = make_site(plugins=[])
    before = snapshot(other.platform)
    result = other.cli(f"restore {target} --yes")
    assert result.exit_code == 2
    assert "holds schema 't_" in result.stderr and "but this site's schema is 't_" in result.stderr
    assert snapshot(other.platform) == before


def test_backup_is_consistent_while_the_site_writes(site, tmp_path):
    """A writer adds warehouses two at a time, each pair in one transaction; the backup
    taken meanwhile holds whole pairs only."""
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        number = 0
        while not stop.is_set() and number < 2000:
            with site.platform.session() as session:
                session.add(Warehouse(code=f"P{number}A", name="pair"))
                session.flush()
                session.add(Warehouse(code=f"P{number}B", name="pair"))
            written.append(number)
            number += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        target = tmp_path / "during.backup"
        result = site.cli(f"backup {target}")
        assert result.exit_code == 0, result.stderr
    finally:
        stop.set()
        thread.join()
    assert site.cli(f"restore {target} --yes").exit_code == 0
    with site.session() as session:
        codes = set(session.scalars(select(Warehouse.code)))
    assert len(codes) >= 40
    assert {c[:-1] for c in codes if c.endswith("A")} == {c[:-1] for c in codes if c.endswith("B")}


def test_backup_refuses_to_overwrite_unless_forced(site, tmp_path):
    target = tmp_path / "existing.backup"
    target.write_text("keep me")
    refused = site.cli(f"backup {target}")
    assert refused.exit_code == 2
    assert "already exists (pass --force to replace it)" in refused.stderr
    assert target.read_text() == "keep me"
    assert site.cli(f"backup {target} --force").exit_code == 0
    assert target.read_bytes()[:5] in (b"PGDMP", b"SQLit")


def test_restore_refuses_a_file_that_is_not_a_backup(site, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    result = site.cli(f"restore {junk} --yes --json")
    assert result.exit_code == 2
    error = result.json()["error"]
    assert error["code"] == "not_a_backup"
    assert "is not an Ordercraft backup" in error["message"] and "notes.txt" in error["message"]

    missing = site.cli(f"restore {tmp_path / 'absent.backup'} --yes")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


def test_restore_refuses_a_database_of_something_else(site, tmp_path):
    other = tmp_path / "other.sqlite"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE recipes (name TEXT)")
    connection.commit()
    connection.close()
    before = snapshot(site.platform)
    result = site.cli(f"restore {other} --yes")
    assert result.exit_code == 2
    if ON_POSTGRES:
        assert "is a backup of a SQLite site; this site is on PostgreSQL" in result.stderr
    else:
        assert "is a SQLite database but not an Ordercraft backup (no table 'alembic_version')" \
            in result.stderr
    assert snapshot(site.platform) == before


def test_restore_refuses_the_other_kind_of_database(site, tmp_path):
    fake = tmp_path / "other-kind.backup"
    if ON_POSTGRES:
        sqlite3.connect(fake).execute("CREATE TABLE alembic_version (version_num TEXT)")
        expected = "is a backup of a SQLite site; this site is on PostgreSQL"
    else:
        fake.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
        expected = "is a backup of a PostgreSQL site; this site is on SQLite"
    result = site.cli(f"restore {fake} --yes")
    assert result.exit_code == 2
    assert expected in result.stderr


def test_restore_refuses_a_backup_from_a_newer_schema(site, tmp_path):
    with site.session() as session:
        session.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed0001'"))
    target = tmp_path / "newer.backup"
    assert site.cli(f"backup {target}").exit_code == 0
    with site.session() as session:
        session.add(Warehouse(code="KEPT", name="Still here"))
    result = site.cli(f"restore {target} --yes")
    assert result.exit_code == 2
    assert "schema revision 'f00dfeed0001', which this installation does not know" in result.stderr
    with site.session() as session:
        assert session.scalar(select(Warehouse).where(Warehouse.code == "KEPT")) is not None


def test_restore_asks_for_confirmation(site, tmp_path):
    target = tmp_path / "site.backup"
    assert site.cli(f"backup {target}").exit_code == 0
    result = site.cli(f"restore {target}")
    assert result.exit_code == 2
    assert "pass --yes to confirm" in result.stderr


def test_backup_needs_an_initialised_site(tmp_path):
    platform = Platform(f"sqlite:///{tmp_path / 'none.db'}", only=[])
    try:
        result = Site(platform).cli(f"backup {tmp_path / 'x.backup'}")
    finally:
        platform.dispose()
    assert result.exit_code == 2
    assert "run 'ordercraft init' first" in result.stderr


def test_missing_postgresql_tool_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backup_module.ToolMissing) as error:
        backup_module.find_tool("pg_dump", "backing up a PostgreSQL site")
    assert error.value.message.startswith(
        "backing up a PostgreSQL site needs pg_dump, which is not on PATH")


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump is used for PostgreSQL sites only")
def test_postgresql_backup_without_pg_dump_is_a_clear_error(site, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = site.cli(f"backup {tmp_path / 'x.backup'} --json")
    assert result.exit_code == 2
    assert result.json()["error"]["code"] == "tool_missing"
    assert "needs pg_dump, which is not on PATH" in result.json()["error"]["message"]
    assert not (tmp_path / "x.backup").exists()


@pytest.mark.skipif(not ON_POSTGRES, reason="schemas are PostgreSQL's")
def test_postgresql_backup_holds_only_the_sites_schema(site, tmp_path):
    with site.platform.engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
    target = tmp_path / "schema.backup"
    assert site.cli(f"backup {target}").exit_code == 0
    tables = backup_module._pg_archive_tables(Path(target))
    assert set(tables.values()) == {schema}
    assert "alembic_version" in tables
