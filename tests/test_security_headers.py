"""Security headers on every response, a CSP without inline scripts, ``Secure`` cookies
behind HTTPS and a stated number of trusted proxies (issue 11, item 6)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "headers-pass-1"
ROOT = Path(__file__).resolve().parent.parent
#: An inline script (a <script> without src) or an inline event handler.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=\s*[\"']|javascript:",
                           re.IGNORECASE)


@pytest.fixture
def shop(make_site: Any) -> Any:
    from ordercraft.core.services.users import create_user

    site = make_site(plugins=None)
    with site.session() as session:
        create_user(session, "mia", roles=["manager"], password=PASSWORD)
    return site


def _check_headers(response: Any) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    script_src = next(part for part in policy.split(";") if "script-src" in part)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_every_response_carries_the_headers(shop: Any) -> None:
    anonymous = shop.app.test_client()
    for response in (anonymous.get("/login"), anonymous.get("/api/v1/parties"),
                     anonymous.get("/no-such-page"), anonymous.get("/static/ordercraft.css")):
        _check_headers(response)
        assert "no-store" not in response.headers.get("Cache-Control", "")

    browser = shop.client("mia", PASSWORD)
    token = shop.token("mia")
    for response in (browser.get("/"), browser.get("/crm/clients/"),
                     browser.get("/stock/"),
                     browser.get("/api/v1/parties"),
                     shop.app.test_client().get("/api/v1/parties",
                                                headers={"Authorization": f"Bearer {token}"})):
        _check_headers(response)
        assert response.headers["Cache-Control"] == "no-store"
    static = browser.get("/static/ordercraft.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get(
        "Cache-Control", "")


def test_no_template_has_an_inline_script_or_handler() -> None:
    """The CSP forbids them, so a page that had one would break: behaviour goes in a
    static file (``web/static/ordercraft.js`` wires ``data-autosubmit`` and
    ``data-print``)."""
    offenders = []
    for folder in ("web", "plugins", "core/print_templates"):
        for path in sorted((ROOT / folder).rglob("*.html")):
            if "mail_templates" in path.parts or "mail" in path.parent.parts:
                continue  # e-mail bodies are not served by the site
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if INLINE_SCRIPT.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_rendered_pages_have_no_inline_script(shop: Any) -> None:
    browser = shop.client("mia", PASSWORD)
    for url in ("/", "/crm/clients/", "/crm/deals/board", "/orders/", "/orders/new",
                "/tasks/", "/parties/"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert not INLINE_SCRIPT.search(response.get_data(as_text=True)), url


def _login(client: Any, **headers: str) -> Any:
    return client.post("/login", data={"name": "mia", "password": PASSWORD},
                       headers=headers)


def test_secure_cookies_by_environment(shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ordercraft.web import create_app

    plain = _login(shop.app.test_client())
    assert "Secure" not in plain.headers["Set-Cookie"]
    monkeypatch.setenv("ORDERCRAFT_SECURE_COOKIES", "1")
    app = create_app(shop.platform, testing=True)
    secure = _login(app.test_client())
    assert secure.status_code == 303 and "; Secure" in secure.headers["Set-Cookie"]


def test_behind_a_stated_number_of_proxies(shop: Any) -> None:
    from ordercraft.core.models import UserSession
    from ordercraft.web import create_app
    from ordercraft.web.security import BEHIND_PROXY

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7",
                 "X-Forwarded-Host": "crm.example.com"}
    # Not behind a proxy: the forwarded headers are ignored.
    direct = _login(shop.app.test_client(), **forwarded)
    assert "Secure" not in direct.headers["Set-Cookie"]
    assert direct.headers["Location"].startswith("/") or \
        direct.headers["Location"].startswith("http://localhost")

    app = create_app(shop.platform, testing=True, config={BEHIND_PROXY: 1})
    client = app.test_client()
    proxied = _login(client, **forwarded)
    assert "; Secure" in proxied.headers["Set-Cookie"]
    assert client.get("/tasks", headers=forwarded).headers["Location"].startswith(
        "https://crm.example.com/")
    with shop.session() as session:
        addresses = [r.address for r in session.query(UserSession).order_by(UserSession.id)]
    assert addresses[-1] == "198.51.100.7" and addresses[0] != "198.51.100.7"


def test_serve_takes_the_number_of_proxies(shop: Any) -> None:
    assert "--behind-proxy" in shop.cli("serve --help").output
    assert shop.cli("serve --behind-proxy many").exit_code == 2
    assert shop.cli("serve --behind-proxy 11").exit_code == 2
