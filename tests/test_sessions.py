"""Browser sessions live on the server (issue 11, item 2): a logout, a password change, a
deactivation or an admin ends them wherever the cookie was copied to; they time out
when idle and end after their lifetime (site settings); the cookie is not sent again on
every request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

PASSWORD = "session-pass-1"
COOKIE = "ordercraft_session"


@pytest.fixture
def shop(site: Any) -> Any:
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "mia", roles=["manager"], password=PASSWORD)
    return site


def _stolen_copy(site: Any, client: Any) -> Any:
    """Another browser holding a copy of ``client``'s cookie."""
    thief = site.app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def _signed_in(client: Any) -> bool:
    return client.get("/").status_code == 200


def _records(site: Any, name: str = "mia") -> list[Any]:
    from ordercraft.core.models import UserSession
    from ordercraft.core.services.users import get_user

    with site.session() as session:
        user = get_user(session, name)
        rows = session.query(UserSession).filter_by(user_id=user.id).order_by(UserSession.id)
        session.expunge_all()
        return list(rows)


def test_logout_ends_the_session_on_the_server(shop: Any) -> None:
    browser = shop.client("mia", PASSWORD)
    copy = _stolen_copy(shop, browser)
    assert _signed_in(copy)
    assert browser.post("/logout").status_code == 303
    assert not _signed_in(copy)          # the copied cookie is worth nothing now
    [record] = _records(shop)
    assert record.ended_at is not None and record.end_reason == "logout"


def test_password_change_and_an_admin_end_sessions(shop: Any) -> None:
    first = shop.client("mia", PASSWORD)
    second = shop.client("mia", PASSWORD)
    listed = shop.cli("user sessions mia --json").json()["sessions"]
    assert [s["user"] for s in listed] == ["mia", "mia"] and all(s["active"] for s in listed)

    ended = shop.cli(f"user session-end {listed[0]['id']} --json")
    assert ended.exit_code == 0, ended.output
    assert _signed_in(first) != _signed_in(second)  # only the newest one ended
    assert shop.cli("user session-end 999999").exit_code == 2

    assert shop.cli(["user", "passwd", "mia", "--password", "another-pass-2"]).exit_code == 0
    assert not _signed_in(first) and not _signed_in(second)
    assert {r.end_reason for r in _records(shop)} == {"ended_by_admin", "password_changed"}
    assert shop.cli("user sessions mia --json").json()["sessions"] == []


def test_idle_timeout_and_lifetime_are_site_settings(shop: Any) -> None:
    from sqlalchemy import update

    from ordercraft.core.models import UserSession

    assert shop.cli("settings set session_idle_minutes 30").exit_code == 0
    assert shop.cli("settings set session_lifetime_hours 2").exit_code == 0
    assert shop.cli("settings set session_idle_minutes 0").exit_code == 2

    browser = shop.client("mia", PASSWORD)
    [record] = _records(shop)
    assert record.expires_at - record.created_at == timedelta(hours=2)

    def age(**changes: Any) -> None:
        with shop.session() as session:
            session.execute(update(UserSession).values(**changes))

    age(last_seen_at=record.last_seen_at - timedelta(minutes=29))
    assert _signed_in(browser)                      # 29 idle minutes: still there
    age(last_seen_at=record.last_seen_at - timedelta(minutes=31))
    assert not _signed_in(browser)
    assert _records(shop)[0].end_reason == "idle"

    browser = shop.client("mia", PASSWORD)
    age(expires_at=record.created_at)               # its lifetime is over, however busy
    assert not _signed_in(browser)
    assert _records(shop)[-1].end_reason == "expired"


def test_the_cookie_is_not_reissued_on_every_request(shop: Any) -> None:
    browser = shop.client("mia", PASSWORD)
    browser.get("/")                                # the CSRF token is made once
    for _ in range(2):
        response = browser.get("/")
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers


def test_a_deactivated_user_loses_the_open_session(shop: Any) -> None:
    from ordercraft.core.services.users import get_user

    browser = shop.client("mia", PASSWORD)
    with shop.session() as session:
        get_user(session, "mia").active = False
    assert not _signed_in(browser)
    assert _records(shop)[0].end_reason == "deactivated"
