"""The site's secret key: it signs the browser's session cookie and keys the digests of
server-side session keys. It is never in the database, so never in a backup.

Where it comes from, first found wins:

1. ``ORDERCRAFT_SECRET_KEY`` (every web process of the site must get the same value);
2. the key file: ``ORDERCRAFT_SECRET_KEY_FILE``, else beside the site's database file
   for SQLite (``ordercraft.db`` -> ``ordercraft.db.key``), else, for PostgreSQL, in
   the folder ``ORDERCRAFT_CONFIG_DIR`` (default: the current folder) as
   ``ordercraft-<digest of the database URL>.key``.

``ordercraft init`` creates the key file (mode 0600); a site without one gets it the
first time the key is needed. A key file that others may read is refused.
``ordercraft site rotate-secret`` writes a new key and ends every session; a restored
backup gets a new key the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from ordercraft.core.errors import OrdercraftError

if TYPE_CHECKING:
    from ordercraft.core.platform import Platform

ENV_KEY = "ORDERCRAFT_SECRET_KEY"
ENV_FILE = "ORDERCRAFT_SECRET_KEY_FILE"
ENV_CONFIG_DIR = "ORDERCRAFT_CONFIG_DIR"
#: The platform attribute holding the key once read (or set by a test kit).
_CACHE = "_secret_key"


class SecretKeyError(OrdercraftError):
    """The key file cannot be read, is not private, or is empty."""

    code = "secret_key"
    http_status = 500


def key_file(database_url: str) -> Path | None:
    """Where the site's key file is (``None`` for an in-memory SQLite database)."""
    configured = os.environ.get(ENV_FILE)
    if configured:
        return Path(configured).expanduser()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        database = Path(url.database).expanduser().resolve()
        return database.with_name(database.name + ".key")
    identity = url.render_as_string(hide_password=True).encode()
    folder = Path(os.environ.get(ENV_CONFIG_DIR) or ".").expanduser()
    return folder / f"ordercraft-{hashlib.sha256(identity).hexdigest()[:16]}.key"


def _private_copy(path: Path, key: str) -> str:
    """A new file beside ``path`` holding ``key``, readable by its owner only (mode 0600
    from the start); returns its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w") as stream:
            stream.write(key + "\n")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _write(path: Path, key: str) -> None:
    """Replace the key file atomically (a reader sees the old key or the new one)."""
    temporary = _private_copy(path, key)
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _create(path: Path, key: str) -> None:
    """Create the key file unless another process just did (theirs is kept): linking
    the finished file to its name fails if the name is taken."""
    temporary = _private_copy(path, key)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        Path(temporary).unlink(missing_ok=True)


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretKeyError(f"the secret key file {path} may be read by others (mode "
                             f"{stat.S_IMODE(mode):o}): run 'chmod 600 {path}'")
    key = path.read_text().strip()
    if len(key) < 32:
        raise SecretKeyError(f"the secret key file {path} holds no key of at least 32 "
                             "characters: delete it and run 'ordercraft site rotate-secret'")
    return key


def new_key() -> str:
    return secrets.token_urlsafe(48)


def ensure_key_file(database_url: str) -> Path | None:
    """Create the site's key file unless it exists (``ordercraft init``)."""
    path = key_file(database_url)
    if path is not None and not path.exists():
        _create(path, new_key())
    return path


def site_secret_key(platform: Platform) -> str:
    """The site's key: the environment's, else the key file's (read once per platform)."""
    key = os.environ.get(ENV_KEY, "").strip()
    if key:
        return key
    cached = getattr(platform, _CACHE, None)
    if cached:
        return str(cached)
    path = key_file(platform.database_url)
    if path is None:
        key = new_key()  # an in-memory database lives no longer than this process
    else:
        if not path.exists():
            _create(path, new_key())
        key = _read(path)
    setattr(platform, _CACHE, key)
    return key


def use_secret_key(platform: Platform, key: str) -> None:
    """Use ``key`` for this platform (the test kit, which builds throwaway sites)."""
    setattr(platform, _CACHE, key)


def rotate_secret_key(platform: Platform, *, refuse_env: bool = True) -> Path | None:
    """Write a new key file and end every session of the site; returns the file.

    :param refuse_env: when the key comes from ``ORDERCRAFT_SECRET_KEY`` (which only
        whoever sets the environment can change), refuse (``site rotate-secret``) or
        only end the sessions (a restore).
    :raises SecretKeyError: the key comes from the environment and ``refuse_env``.
    """
    from sqlalchemy.exc import DBAPIError

    from ordercraft.core.services.sessions import SECRET_ROTATED, end_all_sessions

    path: Path | None = None
    if os.environ.get(ENV_KEY, "").strip():
        if refuse_env:
            raise SecretKeyError(f"the secret key comes from {ENV_KEY}: set a new value "
                                 "there (and restart the web processes) to rotate it")
    else:
        path = key_file(platform.database_url)
        if path is not None:
            _write(path, new_key())
    if hasattr(platform, _CACHE):
        delattr(platform, _CACHE)
    try:
        with platform.session() as session:
            end_all_sessions(session, SECRET_ROTATED)
    except DBAPIError:  # a restored backup older than the sessions table has none
        if refuse_env:
            raise
    return path


def keyed_digest(platform: Platform | None, value: str) -> str:
    """HMAC-SHA256 of ``value`` keyed by the site's secret (what is stored of a session
    key), so a copy of the database alone cannot check a stolen cookie."""
    if platform is None:
        return hashlib.sha256(value.encode()).hexdigest()
    return hmac.new(site_secret_key(platform).encode(), value.encode(),
                    hashlib.sha256).hexdigest()
