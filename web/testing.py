"""A Flask test client that behaves like the site's own pages: every form post and API
call made with the browser session carries the session's CSRF token, as the pages'
forms do. (A test of CSRF itself uses ``flask.testing.FlaskClient``.)"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from ordercraft.web import csrf


class OrdercraftTestClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> Any:
        method = str(kwargs.get("method", "GET")).upper()
        if args and hasattr(args[0], "method"):  # an EnvironBuilder or a request
            method = str(args[0].method).upper()
        if method in csrf.UNSAFE_METHODS:
            headers = dict(kwargs.pop("headers", None) or {})
            if csrf.HEADER not in headers and "Authorization" not in headers:
                headers[csrf.HEADER] = self._csrf_token()
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def _csrf_token(self) -> str:
        with self.session_transaction() as session:
            token = session.get(csrf.SESSION_KEY)
            if not token:
                token = session[csrf.SESSION_KEY] = csrf.generate()
        return token
