"""The cookie signing key lives in a key file beside the site (or in
``ORDERCRAFT_SECRET_KEY``), never in the database or a backup; ``site rotate-secret``
and a restore give a new key and end every session (issue 11, item 5)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ordercraft.core.secret_key import (
    SecretKeyError,
    key_file,
    keyed_digest,
    site_secret_key,
)

PASSWORD = "secret-pass-1"


def _init(tmp_path: Path) -> str:
    from ordercraft.core.cli import cli

    url = f"sqlite:///{tmp_path / 'shop.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "init", "--admin-password",
                                       "admin-password-1", "--json"])
    assert result.exit_code == 0, result.output
    return url


def test_init_writes_a_private_key_file_beside_the_site(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from ordercraft.core.platform import Platform
    from ordercraft.web import create_app

    monkeypatch.delenv("ORDERCRAFT_SECRET_KEY", raising=False)
    url = _init(tmp_path)
    path = tmp_path / "shop.db.key"
    assert key_file(url) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert len(key) >= 32

    platform = Platform(url)
    try:
        assert create_app(platform, testing=True).config["SECRET_KEY"] == key
        with platform.session() as session:
            from sqlalchemy import text

            values = [row[0] for row in session.execute(text("SELECT value FROM site_settings"))]
        assert key not in values and not any(key in (v or "") for v in values)
        assert key not in (tmp_path / "shop.db").read_bytes().decode("latin-1")
    finally:
        platform.dispose()

    path.chmod(0o644)
    with pytest.raises(SecretKeyError, match="chmod 600"):
        site_secret_key(Platform(url))


def test_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ordercraft.core.platform import Platform

    monkeypatch.setenv("ORDERCRAFT_SECRET_KEY", "k" * 48)
    platform = Platform(_init(tmp_path))
    assert site_secret_key(platform) == "k" * 48
    from ordercraft.core.secret_key import rotate_secret_key

    with pytest.raises(SecretKeyError, match="ORDERCRAFT_SECRET_KEY"):
        rotate_secret_key(platform)
    platform.dispose()


@pytest.fixture
def shop(site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from ordercraft.core.services.users import create_user

    monkeypatch.delenv("ORDERCRAFT_SECRET_KEY", raising=False)
    monkeypatch.setenv("ORDERCRAFT_CONFIG_DIR", str(tmp_path / "config"))
    with site.session() as session:
        create_user(session, "mia", roles=["manager"], password=PASSWORD)
    return site


def test_session_keys_are_stored_keyed_by_the_secret(shop: Any) -> None:
    import hashlib

    from ordercraft.core.models import UserSession

    browser = shop.client("mia", PASSWORD)
    with browser.session_transaction() as cookie:
        key = cookie["sid"]
    with shop.session() as session:
        [stored] = [r.key_hash for r in session.query(UserSession)]
    assert stored != hashlib.sha256(key.encode()).hexdigest()
    assert stored == keyed_digest(shop.platform, key)


def test_rotate_secret_writes_a_new_key_and_ends_every_session(shop: Any) -> None:
    browser = shop.client("mia", PASSWORD)
    before = site_secret_key(shop.platform)
    result = shop.cli("site rotate-secret --json")
    assert result.exit_code == 0, result.output
    path = Path(result.json()["key_file"])
    assert path == key_file(shop.platform.database_url)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    after = site_secret_key(shop.platform)
    assert after != before and after == path.read_text().strip()
    assert browser.get("/").status_code == 302
    assert shop.cli("user sessions mia --json").json()["sessions"] == []


@pytest.mark.skipif(os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="the SQLite restore is enough to show the key is renewed")
def test_a_restored_backup_gets_a_new_key(shop: Any, tmp_path: Path) -> None:
    browser = shop.client("mia", PASSWORD)
    before = site_secret_key(shop.platform)
    backup = tmp_path / "shop.backup"
    assert shop.cli(["backup", str(backup)]).exit_code == 0
    assert before not in backup.read_bytes().decode("latin-1")
    restored = shop.cli(["restore", str(backup), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert site_secret_key(shop.platform) != before
    assert browser.get("/").status_code == 302         # the backup's sessions are over
