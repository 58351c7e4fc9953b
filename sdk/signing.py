"""Signed tokens for links that work without signing in: an unsubscribe link in a
mailing, a survey's answer form, a document shared with a client.

A token carries a small JSON value and a signature made with the site's secret key and
a ``purpose`` (so a token made for one purpose is refused for another)::

    from ordercraft.sdk.signing import sign, unsign

    token = sign(session, "marketing.unsubscribe", {"contact": 12, "channel": "email"})
    url = f"{site_url}/marketing/unsubscribe/{token}"
    ...
    value = unsign(session, "marketing.unsubscribe", token)   # {"contact": 12, ...}

``source`` is a session opened by ``Platform.session()`` (or the ``Platform``). A token
that was changed, was made for another purpose or by another site (or before ``ordercraft
site rotate-secret``), or is older than ``max_age`` seconds, raises
:class:`~ordercraft.sdk.errors.ValidationError` (field ``token``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ordercraft.core.errors import ValidationError
from ordercraft.core.platform import site_platform
from ordercraft.core.secret_key import site_secret_key

__all__ = ["sign", "signer", "unsign"]


def _serializer(source: object, purpose: str) -> Any:
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(site_secret_key(site_platform(source)), salt=purpose)


def sign(source: object, purpose: str, value: Any) -> str:
    """A URL-safe token carrying ``value`` (anything JSON can hold) for ``purpose``."""
    return str(_serializer(source, purpose).dumps(value))


def signer(source: object, purpose: str) -> Callable[[Any], str]:
    """A function that signs values for ``purpose`` like :func:`sign`, with the key and
    serializer made once: for thousands of tokens at a time (a mailing's links)."""
    dumps = _serializer(source, purpose).dumps
    return lambda value: str(dumps(value))


def unsign(source: object, purpose: str, token: str, *, max_age: int | None = None) -> Any:
    """The value a token made by :func:`sign` for ``purpose`` carries; a bad, foreign or
    expired token is a ``ValidationError`` (field ``token``)."""
    from itsdangerous import BadData, SignatureExpired

    try:
        return _serializer(source, purpose).loads(str(token), max_age=max_age)
    except SignatureExpired:
        raise ValidationError("token: the link has expired", field="token") from None
    except BadData:
        raise ValidationError("token: the link is not valid (changed or not made by this "
                              "site)", field="token") from None
