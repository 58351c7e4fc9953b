"""Security headers on every response, ``Secure`` cookies behind HTTPS, and the
reverse proxy in front of the site.

* Every response carries a Content-Security-Policy that allows scripts from this site
  only (no inline script or handler: pages wire behaviour with data attributes in
  ``static/ordercraft.js``), ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``,
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``. A response
  to a signed-in user (cookie or token) gets ``Cache-Control: no-store``.
* The session cookie is ``Secure`` when the request came over HTTPS (as the proxy says,
  see below) or always with ``ORDERCRAFT_SECURE_COOKIES=1``.
* ``ordercraft serve --behind-proxy N`` (or ``ORDERCRAFT_BEHIND_PROXY=N``): the site
  trusts ``X-Forwarded-For/-Proto/-Host/-Port/-Prefix`` from exactly N proxies in front
  of it (werkzeug's ``ProxyFix``), so the client's address, the scheme (redirects to
  https) and the host are the real ones. Without it, those headers are ignored.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSessionInterface

SECURE_COOKIES_ENV = "ORDERCRAFT_SECURE_COOKIES"
BEHIND_PROXY_ENV = "ORDERCRAFT_BEHIND_PROXY"
#: The app config key: how many proxies to trust (0: none).
BEHIND_PROXY = "ORDERCRAFT_BEHIND_PROXY"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # Inline style attributes (a bar's width) are allowed; inline scripts are not.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, ``Secure`` whenever the request is HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def trusted_proxies(value: Any) -> int:
    """The number of trusted proxies from ``--behind-proxy`` or the environment."""
    try:
        count = int(str(value).strip() or 0)
    except ValueError:
        from ordercraft.core.errors import ValidationError

        raise ValidationError(f"behind_proxy: {value!r} is not a number of proxies",
                              field="behind_proxy") from None
    if not 0 <= count <= 10:
        from ordercraft.core.errors import ValidationError

        raise ValidationError(f"behind_proxy: {count} proxies; give 0 to 10",
                              field="behind_proxy")
    return count


def init_app(app: Flask) -> None:
    if _flag(os.environ.get(SECURE_COOKIES_ENV)):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()
    proxies = trusted_proxies(app.config.get(BEHIND_PROXY)
                              or os.environ.get(BEHIND_PROXY_ENV) or 0)
    app.config[BEHIND_PROXY] = proxies
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
            x_prefix=proxies)
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    signed_in = g.get("_oc_user") is not None or "Authorization" in request.headers
    if signed_in and request.endpoint != "static" and not (
            request.endpoint or "").endswith(".static"):
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Pragma", "no-cache")
    return response
