"""Who is making the request: the browser's login session, or an API bearer token.

Pages use ``@login_required`` (or ``@permission_required("order.read")``); API routes
made with ``api_route`` require a user by default. The logged-in user is the acting user of the request's database session, so
services check their permissions and the audit log records them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for

from ordercraft.core.errors import AuthenticationFailed

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.models import User

F = TypeVar("F", bound=Callable[..., Any])

#: The cookie's only credential: the key of the server-side session record
#: (:mod:`ordercraft.core.services.sessions`).
SESSION_KEY = "sid"


def init_app(app: Flask) -> None:
    app.context_processor(_template_user)
    app.add_template_global(can, "can")


def can(permission: str) -> bool:
    """Whether the logged-in user holds ``permission``: templates offer an action (a
    button, a form) only to those who may take it — ``{% if can("stock.post") %}``."""
    from ordercraft.core.permissions import has_permission

    user = current_user()
    return user is not None and has_permission(user, permission)


def _template_user() -> dict[str, Any]:
    try:
        return {"current_user": current_user()}
    except Exception:  # an error page must render even when the database is down
        g._oc_user = None
        return {"current_user": None}


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def bearer_token() -> str | None:
    """The token of ``Authorization: Bearer <token>``; a malformed header is refused."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("the Authorization header must be 'Bearer <token>'",
                                   code="unauthenticated")
    return token.strip()


def resolve_user(db: Session) -> User | None:
    """The user of this request, read once through the request's session."""
    from ordercraft.core.services.sessions import session_user
    from ordercraft.core.services.users import user_for_token
    from ordercraft.web.extension import bookkeeping_touch

    touch = bookkeeping_touch()
    if is_api_request():
        token = bearer_token()
        if token is not None:
            return user_for_token(db, token, touch=touch)
    key = session.get(SESSION_KEY)
    if not isinstance(key, str) or not key:
        return None
    user = session_user(db, key, touch=touch)
    if user is None:
        session.clear()  # ended, timed out or outlived: the browser forgets it
    return user


def current_user() -> User | None:
    """The logged-in user, or ``None``."""
    if "_oc_user" not in g:
        from ordercraft.web.extension import request_session

        request_session()  # resolves the user along with the transaction
    return g.get("_oc_user")


def uses_bearer_token() -> bool:
    return is_api_request() and "Authorization" in request.headers


def log_in(user: User) -> None:
    """Start a browser session for ``user`` (after the password was checked)."""
    from ordercraft.core.services.sessions import start_session
    from ordercraft.web.csrf import new_token
    from ordercraft.web.extension import request_session

    db = request_session()
    key, _record = start_session(db, user, address=request.remote_addr or "",
                                 user_agent=request.headers.get("User-Agent", ""))
    session.clear()  # a fresh session on login: no fixation of a pre-login session id
    session.permanent = True
    session[SESSION_KEY] = key
    new_token()
    g._oc_user = user
    db.info["user"] = user


def log_out() -> None:
    """End the session on the server as well as in the browser."""
    from ordercraft.core.services.sessions import end_session_key
    from ordercraft.web.extension import request_session

    key = session.get(SESSION_KEY)
    if isinstance(key, str) and key:
        end_session_key(request_session(), key)
    session.clear()
    g._oc_user = None


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path of this site, never another host."""
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.index")
    return target


def login_required(view: F) -> F:
    """Pages: send an anonymous visitor to the login page and back afterwards."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.login", next=target))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def permission_required(permission: str) -> Callable[[F], F]:
    """Pages: ``@login_required`` and, for a logged-in user without ``permission``, the
    403 page naming the permission. For a page that shows more than one service's data;
    the services check their own permissions whatever the page does."""
    from ordercraft.core.permissions import require

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require(current_user(), permission)
            return view(*args, **kwargs)

        checked = login_required(wrapper)
        #: Read by the route x role test (and anyone listing what a page needs).
        checked.required_permission = permission  # type: ignore[attr-defined]
        return checked  # type: ignore[no-any-return]

    return decorate
