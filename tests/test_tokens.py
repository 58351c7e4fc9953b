"""API tokens with a name, an expiry, their last use and revocation; users deactivated
and activated again (issue 11, item 4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

PASSWORD = "token-pass-1"


@pytest.fixture
def shop(site: Any) -> Any:
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "sync", roles=["manager"], password=PASSWORD)
    return site


def _api(site: Any, token: str) -> int:
    client = site.app.test_client()
    return client.get("/api/v1/parties", headers={"Authorization": f"Bearer {token}"}
                      ).status_code


def _issue(site: Any, *args: str) -> dict[str, Any]:
    result = site.cli(["user", "token", "sync", *args, "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    return result.json()


def test_a_token_has_a_name_an_expiry_and_its_last_use(shop: Any) -> None:
    issued = _issue(shop, "--name", "accounting sync", "--expires", "90d")
    info = issued["token_info"]
    assert info["name"] == "accounting sync" and info["last_used_at"] is None
    assert info["expires_at"] is not None and info["active"]
    [listed] = shop.cli("user tokens sync --json").json()["tokens"]
    assert listed["id"] == info["id"] and listed["last_used_at"] is None

    assert _api(shop, issued["token"]) == 200
    [listed] = shop.cli("user tokens sync --json").json()["tokens"]
    assert listed["last_used_at"] is not None
    assert "oc_" not in shop.cli("user tokens sync").output  # the token itself never again


def test_bad_expiries_are_refused(shop: Any) -> None:
    for bad in ("90", "90 days", "0d", "-1d", "1y"):
        result = shop.cli(["user", "token", "sync", "--expires", bad])
        assert result.exit_code == 2, bad
        assert "expires" in result.stderr + result.output
    assert shop.cli("user tokens sync --json").json()["tokens"] == []


def test_an_expired_token_is_refused(shop: Any) -> None:
    from ordercraft.core.errors import AuthenticationFailed
    from ordercraft.core.services.users import user_for_token

    token = _issue(shop, "--expires", "1h")["token"]
    with shop.session() as session:
        assert user_for_token(session, token).name == "sync"
    with shop.session() as session, pytest.raises(AuthenticationFailed, match="expired"):
        user_for_token(session, token, now=_now() + timedelta(hours=1, seconds=1))


def _now() -> Any:
    from ordercraft.core.db import utcnow

    return utcnow()


def test_revoking_a_token_and_changing_the_password(shop: Any) -> None:
    first = _issue(shop, "--name", "first")
    second = _issue(shop, "--name", "second")
    revoked = shop.cli(f"user token-revoke {first['token_info']['id']} --json")
    assert revoked.exit_code == 0 and revoked.json()["token"]["revoked_reason"] == "revoked"
    assert _api(shop, first["token"]) == 401
    assert _api(shop, second["token"]) == 200
    assert shop.cli("user token-revoke 999999").exit_code == 2

    assert shop.cli(["user", "passwd", "sync", "--password", "another-pass-2"]).exit_code == 0
    assert _api(shop, second["token"]) == 401
    reasons = {t["name"]: t["revoked_reason"]
               for t in shop.cli("user tokens sync --json").json()["tokens"]}
    assert reasons == {"first": "revoked", "second": "password_changed"}


def test_a_deactivated_user_has_no_login_no_token_no_session(shop: Any) -> None:
    token = _issue(shop)["token"]
    browser = shop.client("sync", PASSWORD)
    with shop.session() as session:
        from ordercraft.core.services.parties import create_party

        session.info["user"] = shop.user("sync")
        create_party(session, "Robokids", kind="client")

    deactivated = shop.cli("user deactivate sync --json")
    assert deactivated.exit_code == 0 and deactivated.json()["user"]["active"] is False
    assert _api(shop, token) == 401
    assert browser.get("/").status_code == 302
    login = shop.app.test_client().post("/login", data={"name": "sync", "password": PASSWORD})
    assert login.status_code == 401
    refused = shop.cli("user token sync")
    assert refused.exit_code == 2 and "deactivated" in refused.stderr + refused.output

    history = shop.cli("audit --entity party --json")
    assert history.exit_code == 0 and "sync" in history.output  # their history stays

    changes = shop.cli("audit --entity user --json")
    assert changes.exit_code == 0 and '"active"' in changes.output, changes.output

    assert shop.cli("user activate sync").exit_code == 0
    assert _api(shop, token) == 401                             # old tokens stay revoked
    assert shop.client("sync", PASSWORD).get("/").status_code == 200
    assert shop.cli("user deactivate nobody").exit_code == 2
