"""Issue 11, item 1: on SQLite a read never waits for a writer, and a write transaction
never spans long work. Each test holds the write lock from another connection (as a long
import or a clerk's posting does) and checks that the reads go through at once."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError


def _sqlite_file(site) -> str:
    url = site.platform.database_url
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    return url.split("///", 1)[1]


@contextmanager
def write_lock_held(path: str):
    """Another connection holding SQLite's write lock (BEGIN IMMEDIATE) meanwhile; one
    that wants it too fails at once instead of waiting (timeout 0)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


def _short_busy_timeout(platform) -> None:
    # So that a transaction that wrongly wants the write lock fails in 0.2 s, not 30 s.
    from sqlalchemy import event

    event.listen(platform.engine, "connect",
                 lambda connection, _record: connection.execute("PRAGMA busy_timeout=200"))
    platform.engine.dispose()


def test_a_read_only_session_takes_no_write_lock(site):
    path = _sqlite_file(site)
    with site.platform.session(writes=False) as session:
        session.execute(text("SELECT count(*) FROM users")).scalar()
        # A writer can start and commit meanwhile: the reader holds no lock.
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("COMMIT")
        other.close()
    with site.platform.session() as session:
        session.execute(text("SELECT 1")).scalar()
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # a writing session holds it from its start
        other.close()


def test_pages_and_api_reads_go_through_while_a_writer_holds_the_lock(make_site):
    site = make_site(plugins=["crm"])
    path = _sqlite_file(site)
    assert site.cli(["party", "add", "Robokids", "--kind", "client"]).exit_code == 0
    _short_busy_timeout(site.platform)
    token = site.token("admin")
    browser = site.client("admin")
    client = site.app.test_client()
    with write_lock_held(path):
        listed = client.get("/api/v1/clients", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 200, listed.data[:300]
        assert browser.get("/crm/clients/").status_code == 200
        # A write still waits for the lock (here: gives up after the short timeout; the
        # served app answers that with 503 database_unavailable).
        with pytest.raises(OperationalError, match="locked"):
            client.post("/api/v1/parties", json={"name": "Late", "kind": "client"},
                        headers={"Authorization": f"Bearer {token}"})


def test_a_calculator_run_holds_no_write_lock(make_site, tmp_path):
    site = make_site(plugins=[])
    path = _sqlite_file(site)
    script = tmp_path / "tiny.py"
    script.write_text('"""Tiny"""\n\nparams = [param("n", "int", default=2)]\n\n\n'
                      'def calculate(n):\n    return {"lines": [line("Work", n, D("1.50"))]}\n')
    assert site.cli(["calc", "add", str(script)]).exit_code == 0
    _short_busy_timeout(site.platform)
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    client = site.app.test_client()
    with write_lock_held(path):
        # Running it reads only: it goes through while the lock is held elsewhere ...
        ran = client.post("/api/v1/calculators/tiny/runs", json={"params": {"n": 3}},
                          headers=headers)
        assert ran.status_code == 200, ran.data[:300]
        assert ran.json["total"] == "4.50"
        # ... and storing the run is a short write of its own, after the run.
        with pytest.raises(OperationalError, match="locked"):
            client.post("/api/v1/calculators/tiny/runs", json={"params": {"n": 3}, "save": True},
                        headers=headers)
    stored = client.post("/api/v1/calculators/tiny/runs", json={"params": {"n": 3}, "save": True},
                         headers=headers)
    assert stored.status_code == 201 and stored.json["run_id"]


def test_which_requests_write(site):
    from ordercraft.web.extension import request_writes

    app = site.app
    with app.test_request_context("/api/v1/parties", method="GET"):
        assert not request_writes()
    with app.test_request_context("/api/v1/parties", method="POST"):
        app.preprocess_request()
        assert request_writes()
    with app.test_request_context("/api/v1/calculators/door/runs", method="POST"):
        assert not request_writes()  # reads_first: the run holds no write lock


def test_a_stock_import_reads_its_file_before_taking_the_lock(make_site, tmp_path):
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.stock import api

    site = make_site(plugins=[])
    path = _sqlite_file(site)
    _short_busy_timeout(site.platform)
    bad = tmp_path / "bad.csv"
    bad.write_text("date,op,sku,warehouse,qty,unit_cost,ref\n2024-01-02,receive,X,MAIN,1,,R\n"
                   "2024-01-02,explode,X,MAIN,1,1,R2\n")
    told: list[str] = []
    with write_lock_held(path), pytest.raises(ValidationError) as refused:
        with site.platform.session() as session:
            api.import_file(session, bad, told.append)
    assert "line 3" in refused.value.message  # the file's mistake, not "database is locked"
    assert told == []


def test_a_party_import_checks_its_file_before_taking_the_lock(make_site, tmp_path):
    """``party import`` (and ``item import``) read and check the file in a reading
    session; the write lock is taken only for the clash check and the inserts."""
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.importing import import_parties

    site = make_site(plugins=[])
    path = _sqlite_file(site)
    _short_busy_timeout(site.platform)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind\nAcme,client\nBolt Ltd,dragon\n")
    with write_lock_held(path), pytest.raises(ValidationError) as refused:
        with site.platform.session(writes=False) as session:
            import_parties(session, bad)
    assert "row 3" in refused.value.message  # the file's mistake, not "database is locked"
    good = tmp_path / "good.csv"
    good.write_text("name,kind\nAcme,client\nBolt Ltd,supplier\n")
    with site.platform.session(writes=False) as session:
        assert import_parties(session, good).count == 2
    assert site.cli(f"party import {good} --json").exit_code == 2  # now they exist


def test_worker_jobs_retry_when_the_database_is_busy(site, monkeypatch):
    from ordercraft.core import db, scheduler

    calls = []

    def flaky(platform, now):
        calls.append(now)
        if len(calls) < 3:
            raise OperationalError("UPDATE tasks", {}, sqlite3.OperationalError(
                "database is locked"))
        return [7]

    monkeypatch.setattr(db.time, "sleep", lambda _seconds: None)
    job = scheduler.Job("flaky", flaky, "fails twice with a lock, then works")
    assert scheduler._run(job, site.platform, datetime(2026, 1, 1)) == [7]
    assert len(calls) == 3


def test_other_errors_are_not_retried():
    from ordercraft.core.db import database_busy, retry_when_busy

    calls = []

    def broken():
        calls.append(1)
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))

    with pytest.raises(OperationalError):
        retry_when_busy(broken)
    assert len(calls) == 1
    assert database_busy(OperationalError("x", {}, sqlite3.OperationalError(
        "database is locked")))
    assert not database_busy(ValueError("database is locked"))


def test_logging_in_checks_the_password_without_the_write_lock(site, monkeypatch):
    """50 people logging in at once each held the write lock while argon2 checked their
    password, until the last ones failed with "database is locked" (found by
    tests/bench/bench_load.py). The check runs on a snapshot; only what the login writes
    (its session, the throttle's counters) takes the lock, afterwards."""
    from ordercraft.core.services import users
    from ordercraft.sdk.testing import ADMIN_PASSWORD

    path = _sqlite_file(site)
    lock_during_check = []
    real_hasher = users._hasher

    class Watching:
        def verify(self, stored, password):
            probe = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                lock_during_check.append("free")
            except sqlite3.OperationalError:
                lock_during_check.append("held")
            finally:
                probe.close()
            return real_hasher().verify(stored, password)

    monkeypatch.setattr(users, "_hasher", Watching)
    client = site.app.test_client()
    response = client.post("/login", data={"name": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 303, response.data[:300]
    refused = client.post("/login", data={"name": "admin", "password": "wrong"})
    assert refused.status_code == 401
    assert lock_during_check == ["free", "free"]


def test_a_plain_connection_reads_without_the_write_lock(site):
    """The plugin switch reads the site's plugin state on a plain connection before
    requests; it waited behind a whole import when every transaction began IMMEDIATE
    (one client list took 17 s in tests/bench/bench_sqlite_locks.py)."""
    path = _sqlite_file(site)
    _short_busy_timeout(site.platform)
    with write_lock_held(path), site.platform.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM plugin_states").scalar() >= 0
