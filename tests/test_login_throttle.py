"""Login throttling per account and per client address, and the same work for an
unknown user as for a wrong password (issue 11, item 3). The clock is passed in
(``now=``): nothing here waits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from ordercraft.core.errors import AuthenticationFailed
from ordercraft.core.services.logins import FREE_FAILURES, LoginThrottled, authenticate

PASSWORD = "throttle-pass-1"
T0 = datetime(2026, 3, 2, 9, 0, 0)


@pytest.fixture
def shop(site: Any) -> Any:
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        for name in ("ann", "bob"):
            create_user(session, name, roles=["manager"], password=PASSWORD)
    return site


def attempt(site: Any, name: str, password: str, at: datetime, address: str = "10.0.0.1"
            ) -> str:
    """``"ok"``, ``"wrong"`` or the throttling message; the refusal is committed."""
    with site.session() as session:
        try:
            authenticate(session, name, password, address=address, now=at)
        except AuthenticationFailed:
            return "wrong"
        except LoginThrottled as exc:
            return exc.message
    return "ok"


def test_the_delay_grows_with_each_failure(shop: Any) -> None:
    at = T0
    for _ in range(FREE_FAILURES):                     # typos cost nothing
        assert attempt(shop, "ann", "typo", at) == "wrong"
    assert attempt(shop, "ann", "typo", at) == "wrong"  # the first that costs a wait
    refused = attempt(shop, "ann", PASSWORD, at + timedelta(milliseconds=500))
    assert "this account" in refused and "wait 1 second" in refused
    assert attempt(shop, "ann", "typo", at + timedelta(seconds=1)) == "wrong"
    refused = attempt(shop, "ann", PASSWORD, at + timedelta(seconds=2))
    assert "wait 1 second" in refused                  # 2 s after the last failure
    assert attempt(shop, "ann", PASSWORD, at + timedelta(seconds=3)) == "ok"
    # A success clears the account's count: the next typo is free again.
    assert attempt(shop, "ann", "typo", at + timedelta(seconds=4), address="10.0.0.2") == "wrong"
    assert attempt(shop, "ann", PASSWORD, at + timedelta(seconds=4),
                   address="10.0.0.2") == "ok"


def test_an_account_is_locked_after_too_many_failures(shop: Any) -> None:
    assert shop.cli("settings set login_lock_failures 3").exit_code == 0
    assert shop.cli("settings set login_lock_minutes 15").exit_code == 0
    for n in range(3):                                 # from three addresses
        assert attempt(shop, "ann", "guess", T0, address=f"10.0.1.{n}") == "wrong"
    refused = attempt(shop, "ann", PASSWORD, T0 + timedelta(minutes=1), address="10.0.2.1")
    assert "locked" in refused and "14 minutes" in refused
    assert attempt(shop, "bob", PASSWORD, T0 + timedelta(minutes=1)) == "ok"
    assert attempt(shop, "ann", PASSWORD, T0 + timedelta(minutes=15)) == "ok"

    entries = shop.cli("audit --entity login --id ann --json").json()["entries"]
    reasons = [entry["changes"]["refused"][1] for entry in entries
               if entry["action"] == "refused"]
    assert sorted(reasons) == ["locked", "throttled", "wrong_password", "wrong_password"]
    assert [entry["action"] for entry in entries].count("login") == 1  # the success


def test_an_address_is_locked_whatever_names_it_tries(shop: Any) -> None:
    assert shop.cli("settings set login_lock_failures 4").exit_code == 0
    for name in ("ann", "bob", "carl", "dora"):
        assert attempt(shop, name, "guess", T0, address="203.0.113.9") == "wrong"
    refused = attempt(shop, "bob", PASSWORD, T0 + timedelta(minutes=2), address="203.0.113.9")
    assert "this address" in refused and "locked" in refused
    assert attempt(shop, "bob", PASSWORD, T0 + timedelta(minutes=2), address="10.9.9.9") == "ok"


def test_an_unknown_user_costs_a_password_check_like_a_wrong_password(
        shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ordercraft.core.services import users

    checked: list[str] = []
    real = users._hasher

    class Counting:
        def __init__(self) -> None:
            self.inner = real()

        def verify(self, hashed: str, password: str) -> bool:
            checked.append(hashed)
            return bool(self.inner.verify(hashed, password))

        def hash(self, password: str) -> str:
            return str(self.inner.hash(password))

    monkeypatch.setattr(users, "_hasher", Counting)
    messages = set()
    for name in ("ann", "nobody-by-this-name"):
        with shop.session() as session, pytest.raises(AuthenticationFailed) as refused:
            authenticate(session, name, "wrong-password", now=T0)
        messages.add(refused.value.message)
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)
    assert len(messages) == 1                          # the message does not tell either


def test_the_login_page_says_so_and_keeps_the_count(shop: Any) -> None:
    assert shop.cli("settings set login_lock_failures 3").exit_code == 0
    client = shop.app.test_client()
    for _ in range(3):
        response = client.post("/login", data={"name": "ann", "password": "guess"})
        assert response.status_code == 401
    response = client.post("/login", data={"name": "ann", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 60
    assert "locked" in response.get_data(as_text=True)
