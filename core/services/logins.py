"""Password logins, throttled per account and per client address.

Every failed login counts against the account name (``user:NAME``) and the client's
address (``address:IP``). The first few failures are free (a typo); after that the next
attempt for that key must wait a delay that doubles with each failure (1 s, 2 s, 4 s ...
up to a minute); after
``login_lock_failures`` failures in a row (a site setting) the key is locked for
``login_lock_minutes``. A refused attempt says which wait applies and for how long.
Failures and locks are in the audit log (entity ``login``, id the name tried, action
``refused``), and so are successful logins (action ``login``). A
success clears the account's count; an address's count lapses once it has been quiet
for the lock's length.

An unknown user costs the same time as a wrong password: the password is checked
against a dummy hash, so timing does not tell which names exist.

The refusals are written in the caller's session, which must be committed even when
the login is refused (the login page does).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.core.db import begin_writing, utcnow
from ordercraft.core.errors import AuthenticationFailed, OrdercraftError
from ordercraft.core.models import LoginThrottle, User

#: Failures in a row that cost no wait (typos).
FREE_FAILURES = 3
#: The delay after the first failure past those; it doubles with each further one.
FIRST_DELAY = timedelta(seconds=1)
LONGEST_DELAY = timedelta(seconds=60)
WRONG = "wrong user name or password"


class LoginThrottled(OrdercraftError):
    """Too many failed logins for this account or from this address: wait."""

    code = "login_throttled"
    http_status = 429


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    from ordercraft.core.services.users import _hasher

    return str(_hasher().hash("not-a-password-of-anyone"))


def _keys(name: str, address: str) -> list[str]:
    keys = [f"user:{name.strip().lower()[:150]}"]
    if address:
        keys.append(f"address:{address[:64]}")
    return keys


def delay_after(failures: int) -> timedelta:
    """How long the next attempt must wait after ``failures`` failures in a row."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * (2 ** min(failures - FREE_FAILURES - 1, 16)), LONGEST_DELAY)


def _limits(session: Session) -> tuple[int, timedelta]:
    from ordercraft.core.settings import get_setting

    return (int(get_setting(session, "login_lock_failures")),
            timedelta(minutes=int(get_setting(session, "login_lock_minutes"))))


def _wait_text(wait: timedelta) -> str:
    seconds = max(int(wait.total_seconds() + 0.999), 1)
    if seconds >= 120:
        return f"{(seconds + 59) // 60} minutes"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _refusal(session: Session, rows: list[LoginThrottle], now: datetime,
             lock_length: timedelta) -> LoginThrottled | None:
    for row in rows:
        what = ("this account" if row.key.startswith("user:") else "this address")
        if row.locked_until is not None and now < row.locked_until:
            return LoginThrottled(f"too many failed logins for {what}: it is locked; try "
                                  f"again in {_wait_text(row.locked_until - now)}",
                                  details={"retry_after": int((row.locked_until - now)
                                                              .total_seconds()) + 1})
        if now - row.last_failure_at >= lock_length:
            continue  # quiet long enough: this count has lapsed
        ready_at = row.last_failure_at + delay_after(row.failures)
        if now < ready_at:
            return LoginThrottled(f"too many failed logins for {what}: wait "
                                  f"{_wait_text(ready_at - now)} before trying again",
                                  details={"retry_after": int((ready_at - now)
                                                              .total_seconds()) + 1})
    return None


def _rows(session: Session, keys: list[str]) -> list[LoginThrottle]:
    found = {row.key: row for row in session.scalars(
        select(LoginThrottle).where(LoginThrottle.key.in_(keys)))}
    return [found[key] for key in keys if key in found]


def _record_failure(session: Session, keys: list[str], rows: list[LoginThrottle],
                    now: datetime, limit: int, lock_length: timedelta) -> bool:
    """Count a failure against every key; ``True`` when one became locked."""
    existing = {row.key: row for row in rows}
    locked = False
    for key in keys:
        row = existing.get(key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif now - row.last_failure_at >= lock_length or (
                row.locked_until is not None and now >= row.locked_until):
            row.failures = 0  # lapsed, or a lock that ran out: count again from zero
            row.locked_until = None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= limit:
            row.locked_until = now + lock_length
            locked = True
    session.flush()
    return locked


def _audit(session: Session, name: str, address: str, reason: str) -> None:
    from ordercraft.core.audit import record_change

    record_change(session, "login", name.strip()[:50] or "?",
                  {"refused": [None, reason], "address": [None, address or None]},
                  action="refused")


def authenticate(session: Session, name: str, password: str, *, address: str = "",
                 now: datetime | None = None) -> User:
    """The active user ``name`` whose password this is.

    :param address: the client's address (counted besides the account).
    :raises LoginThrottled: 429, the account or the address must wait or is locked.
    :raises AuthenticationFailed: 401, the name or the password is wrong (which one is
        not said, and both take the same time).
    """
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    from ordercraft.core.services.users import _hasher

    now = now or utcnow()
    limit, lock_length = _limits(session)
    keys = _keys(name or "", address)
    rows = _rows(session, keys)
    refusal = _refusal(session, rows, now, lock_length)
    if refusal is not None:
        begin_writing(session)
        _audit(session, name or "", address, "throttled")
        raise refusal
    user = session.scalar(select(User).where(User.name == (name or ""),
                                             User.active.is_(True)))
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        _hasher().verify(stored or _dummy_hash(), password or "")
        matched = stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        matched = False
    # argon2 ran on a snapshot of a reading session (a login view reads first); what the
    # outcome writes (the counters, the audit, the new session) goes in a writing one.
    begin_writing(session)
    if not matched or user is None:
        locked = _record_failure(session, keys, rows, now, limit, lock_length)
        _audit(session, name or "", address, "locked" if locked else "wrong_password")
        raise AuthenticationFailed(WRONG)
    for row in rows:
        if row.key.startswith("user:"):
            session.delete(row)
    _audit_login(session, user, address)
    return user


def _audit_login(session: Session, user: User, address: str) -> None:
    """A successful login, in the audit log by the user who logged in."""
    from ordercraft.core.models import AuditEntry

    session.add(AuditEntry(at=utcnow(), user_id=user.id, user_name=user.name, entity="login",
                           entity_id=user.name[:50], action="login",
                           changes={"address": [None, address or None]}))
    session.flush()
