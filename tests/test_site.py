"""A site can be built, initialised and opened."""

import os
from decimal import Decimal

import pytest
from sqlalchemy import select

from ordercraft.core.models import Item, User


def test_site_has_admin(site):
    with site.session() as session:
        admin = session.scalar(select(User).where(User.name == "admin"))
        assert admin.role_names == ["admin"]


def test_decimal_columns_are_exact(site):
    with site.session() as session:
        session.add(Item(sku="a", name="A", price=Decimal("0.1")))
        session.add(Item(sku="b", name="B", price=Decimal("0.2")))
    with site.session() as session:
        from sqlalchemy import func

        total = session.scalar(select(func.sum(Item.price)))
        assert total == Decimal("0.3")
        assert str(session.scalar(select(Item.price).where(Item.sku == "a"))) == "0.100000"


def test_cli_runs_against_the_site(site):
    result = site.cli("db status --json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["initialised"] is True
    assert result.json()["pending"] == []


def test_init_on_existing_site_changes_nothing(site):
    result = site.cli("init --admin-password another-password --json")
    assert result.exit_code == 0
    assert result.json()["created"] is False


@pytest.mark.skipif(not os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="server connections are PostgreSQL's")
def test_a_connection_dropped_by_the_server_is_replaced_before_use(site, monkeypatch):
    from sqlalchemy import text

    from ordercraft.core import db

    # Pooled connections idle for longer than this are pinged: here, every one.
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    with site.session() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    # The pooled connection is now idle; the server ends it (a restart, an idle timeout).
    import psycopg

    url = site.platform.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with site.session() as session:      # the ping finds it dead; a new one is used
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
        assert session.execute(text("SELECT count(*) FROM users")).scalar_one() >= 1


@pytest.mark.skipif(not os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="server connections are PostgreSQL's")
def test_a_connection_dropped_right_after_use_fails_one_transaction_only(site):
    """Used within the last second, a connection is not pinged: if the server ends it in
    that second, the next transaction fails whole, and the one after works."""
    import psycopg
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with site.session() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    url = site.platform.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    outcomes = []
    for _attempt in range(2):
        try:
            with site.session() as session:
                session.execute(text("SELECT count(*) FROM users")).scalar_one()
            outcomes.append("done")
        except OperationalError:
            outcomes.append("failed")
    assert outcomes == ["failed", "done"]


@pytest.mark.parametrize("command", [["item", "list"], ["stock", "balance"], ["db", "status"],
                                     ["settings", "list"], ["plugins", "list"]])
def test_a_command_in_a_folder_without_a_site_leaves_no_database_behind(
        tmp_path, monkeypatch, capsys, command):
    from ordercraft.core.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORDERCRAFT_DATABASE_URL", raising=False)
    try:
        main(command)
        code = 0
    except SystemExit as exited:
        code = exited.code
    output = capsys.readouterr()
    assert code in (0, 2), output
    assert "Traceback" not in output.out + output.err
    assert list(tmp_path.iterdir()) == []
