"""Cross-site request forgery protection for everything the browser session can do.

Each browser session holds a random token. Every POST, PUT, PATCH or DELETE made with
the session cookie must send it back: forms as the hidden field ``csrf_token``
(``{{ csrf_field() }}`` in a template), scripts as the header ``X-CSRF-Token`` (the
page's ``<meta name="csrf-token">``). API calls with ``Authorization: Bearer`` carry
no cookie and need no token.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session
from markupsafe import Markup, escape

from ordercraft.core.errors import OrdercraftError

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(OrdercraftError):
    code = "csrf"
    http_status = 400


def init_app(app: Flask) -> None:
    app.before_request(check_request)
    app.jinja_env.globals["csrf_token"] = token
    app.jinja_env.globals["csrf_field"] = field


def generate() -> str:
    return secrets.token_urlsafe(32)


def new_token() -> str:
    session[SESSION_KEY] = generate()
    return session[SESSION_KEY]


def token() -> str:
    """This session's token (created on first use)."""
    return session.get(SESSION_KEY) or new_token()


def field() -> Markup:
    return Markup(f'<input type="hidden" name="{FORM_FIELD}" value="{escape(token())}">')


def check_request() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    from ordercraft.web import auth

    if auth.uses_bearer_token():
        return
    if auth.is_api_request() and session.get(auth.SESSION_KEY) is None:
        # No login rides on this request, so there is nothing to forge: the API's own check
        # answers 401 (authentication first), not a CSRF refusal that hides it.
        return
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER) or (request.form.get(FORM_FIELD) if request.form else None)
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        raise CsrfFailed("the form has expired or did not come from this site: reload the page "
                         "and send it again", field=FORM_FIELD)
