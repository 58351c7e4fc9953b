"""Issue 11, item 21: a process killed with SIGKILL in the middle of a stock import, a
posting, a production posting or a backup leaves nothing half-written; after it ``stock verify`` is clean and
the site works on. And a PostgreSQL that drops its connections (as a restart does)
costs the requests in flight a clean 503, not the server.

The child process kills itself at a chosen point *inside* the operation (after the
ledger's rows were sent to the database, before the commit; after the backup's copy,
before its rename), so the test is deterministic: no timer decides where the kill lands.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from ordercraft.core.models import Item, Warehouse
from ordercraft.core.stock.models import StockDocument, StockMove

CHILD = textwrap.dedent("""
    import os, signal, sys
    from ordercraft.core.stock import store
    from ordercraft.core import backup

    url, where, *argv = sys.argv[1:]

    def die():
        sys.stdout.write("killing\\n"); sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if where.startswith("ledger"):
        # "ledger": die after the first posting's rows were sent; "ledger2": the second's.
        sent, sends = store.Ledger.send, []
        def send_then_die(self):
            sent(self)
            sends.append(1)
            if len(sends) == (2 if where == "ledger2" else 1):
                die()
        store.Ledger.send = send_then_die
    elif where == "backup":
        copied = backup._sqlite_backup if url.startswith("sqlite") else backup._pg_backup
        def copy_then_die(platform, temporary):
            copied(platform, temporary)
            die()
        setattr(backup, copied.__name__, copy_then_die)
    from ordercraft.core.cli import main
    main(["--db", url, *argv])
""")


@pytest.fixture
def shop(site):
    with site.session() as session:
        session.add_all([Item(sku="BOLT", name="Bolt M8", valuation="fifo"),
                         Item(sku="OIL", name="Oil", valuation="average"),
                         Warehouse(code="MAIN", name="Main"), Warehouse(code="SIDE", name="Side")])
    assert site.cli("stock receive --item BOLT --warehouse MAIN --qty 10 --unit-cost 2").exit_code == 0
    return site


def killed(site, where: str, *argv: str) -> None:
    """Run ``ordercraft ARGV`` in a child that SIGKILLs itself at ``where``."""
    site.platform.dispose()  # nothing of ours holds a connection or a lock meanwhile
    result = subprocess.run([sys.executable, "-c", CHILD, site.platform.database_url, where,
                             *argv], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == -signal.SIGKILL, (result.stdout, result.stderr)
    assert "killing" in result.stdout


def ledger_counts(site) -> tuple[int, int]:
    with site.session() as session:
        return (session.scalar(select(func.count()).select_from(StockDocument)),
                session.scalar(select(func.count()).select_from(StockMove)))


def assert_clean(site, before: tuple[int, int]) -> None:
    assert ledger_counts(site) == before, "nothing of the killed operation is posted"
    verified = site.cli("stock verify --json")
    assert verified.exit_code == 0, verified.output
    # ... and the site goes on: the same operation now posts.
    done = site.cli("stock receive --item OIL --warehouse MAIN --qty 1 --unit-cost 3 --json")
    assert done.exit_code == 0, done.output + done.stderr


def test_kill_during_a_stock_import(shop, tmp_path):
    rows = ["date,op,sku,warehouse,qty,unit_cost,ref"]
    for n in range(3000):
        rows.append(f"2024-02-{1 + n % 28:02d},receive,BOLT,MAIN,1,2.50,R{n}")
        rows.append(f"2024-02-{1 + n % 28:02d},issue,BOLT,MAIN,1,,I{n}")
    path = tmp_path / "stock.csv"
    path.write_text("\n".join(rows) + "\n")
    before = ledger_counts(shop)
    killed(shop, "ledger", "stock", "import", str(path))
    assert_clean(shop, before)


def test_kill_during_a_batched_import_leaves_whole_batches_and_resumes(shop, tmp_path):
    """Killed in its second batch, an import leaves its first batch posted (whole
    documents, recorded in the import's record) and nothing of the second; ``--resume``
    posts the rest, and the ledger ends as if it had never been killed."""
    rows = ["date,op,sku,warehouse,qty,unit_cost,ref"]
    for n in range(300):
        rows.append(f"2024-02-{1 + n % 28:02d},receive,BOLT,MAIN,1,2.50,R{n}")
    path = tmp_path / "stock.csv"
    path.write_text("\n".join(rows) + "\n")
    documents, moves = ledger_counts(shop)
    killed(shop, "ledger2", "stock", "import", str(path), "--batch-rows", "100")
    assert ledger_counts(shop) == (documents + 100, moves + 100)
    record = shop.cli("stock imports --json").json()["imports"][0]
    assert (record["state"], record["rows_done"], record["batches_done"]) == ("posting", 100, 1)
    assert shop.cli("stock verify --json").exit_code == 0
    resumed = shop.cli(f"stock import {path} --resume {record['id']} --batch-rows 100 --json")
    assert resumed.exit_code == 0, resumed.output
    assert resumed.json()["import"]["rows_done"] == 300
    assert ledger_counts(shop) == (documents + 300, moves + 300)
    balance = shop.cli("stock balance --item BOLT --warehouse MAIN --json").json()
    assert balance["balances"][0]["qty"] == "310"
    assert shop.cli("stock verify --json").exit_code == 0


def test_kill_during_a_posting(shop):
    before = ledger_counts(shop)
    killed(shop, "ledger", "stock", "transfer", "--item", "BOLT", "--from", "MAIN", "--to",
           "SIDE", "--qty", "4")
    assert_clean(shop, before)


def test_kill_during_a_production_posting(make_site):
    """``production done``: the components' issues, the scrap's write-off and the output's
    receipt are one transaction with the order's new state; a kill after the ledger's rows
    were sent leaves the order released, its reservations held and the ledger untouched."""
    import production_kit as kit

    site = kit.build(make_site)
    kit.cli_json(site, "production add NODE --qty 8 --json")
    kit.cli_json(site, "production release MO-00001 --json")
    before = ledger_counts(site)
    reserved = kit.cli_json(site, "stock balance --item CPU --warehouse MAIN --json")
    killed(site, "ledger", "production", "done", "MO-00001", "--date", "2024-02-01")
    assert ledger_counts(site) == before, "nothing of the killed posting is posted"
    assert kit.cli_json(site, "production show MO-00001 --json")["order"]["state"] == "released"
    assert kit.cli_json(site, "stock balance --item CPU --warehouse MAIN --json") == reserved
    verified = site.cli("stock verify --json")
    assert verified.exit_code == 0, verified.output
    # ... and the site goes on: the same completion now posts.
    done = kit.cli_json(site, "production done MO-00001 --date 2024-02-01 --json")["order"]
    assert done["state"] == "done"
    assert site.cli("stock verify --json").exit_code == 0


def test_kill_during_a_backup(shop, tmp_path):
    target = tmp_path / "site.backup"
    assert shop.cli(["backup", str(target)]).exit_code == 0
    good = target.read_bytes()
    assert shop.cli("stock receive --item BOLT --warehouse MAIN --qty 1 --unit-cost 2").exit_code == 0
    killed(shop, "backup", "backup", str(target), "--force")
    assert target.read_bytes() == good, "the earlier backup is untouched"
    fresh = tmp_path / "fresh.backup"
    killed(shop, "backup", "backup", str(fresh))
    assert not fresh.exists(), "no half-written backup under the name asked for"
    assert_clean(shop, ledger_counts(shop))
    assert shop.cli(["backup", str(fresh)]).exit_code == 0


def test_postgres_dropping_its_connections_costs_a_503_not_a_restart(make_site):
    """What a PostgreSQL restart does to a running site: every connection is closed under
    it. The requests that meet a dead connection answer 503; the next ones work, with the
    same app (no restart of Ordercraft)."""
    site = make_site(plugins=[])
    if not site.platform.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connections")
    from sqlalchemy import create_engine, text

    app = site.app
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    client = app.test_client()
    assert client.get("/api/v1/items", headers=headers).status_code == 200
    with site.platform.engine.connect() as connection:
        ours = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    admin = create_engine(site.platform.database_url.split("?")[0])
    with admin.connect() as connection:
        # Only this site's pooled connections (never other sessions on the server).
        pids = [ours]
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    statuses = [client.get("/api/v1/items", headers=headers).status_code for _ in range(3)]
    assert all(status in (200, 503) for status in statuses), statuses
    assert statuses[-1] == 200, statuses
