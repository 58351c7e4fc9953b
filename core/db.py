"""The database layer: one metadata, engines for SQLite and PostgreSQL, sessions.

Every table belongs to an *owner* (``core`` or a plugin's name), derived from the
module that declares its mapped class; migrations use it to keep each plugin's
tables on its own Alembic branch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TypeVar

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from ordercraft.core.config import resolve_database_url

log = logging.getLogger(__name__)
T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def table_owner(module_name: str) -> str:
    """``ordercraft.plugins.crm.models`` -> ``crm``; anything in the core -> ``core``."""
    parts = module_name.split(".")
    if len(parts) >= 3 and parts[0] == "ordercraft" and parts[1] == "plugins":
        return parts[2]
    if parts[0] == "ordercraft":
        return "core"
    return parts[0]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if table is not None:
            table.info.setdefault("owner", table_owner(cls.__module__))


def utcnow() -> datetime:
    """Timestamps are stored as naive UTC (SQLite has no time zones)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The pysqlite driver's own transaction handling would start transactions lazily
    # and after our BEGIN; we issue BEGIN ourselves (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: Execution option of a connection whose transactions will write (see :func:`transaction`).
WRITES = "ordercraft_writes"


def _sqlite_begin(connection: Any) -> None:
    # A transaction that will write (a session of ``transaction(writes=True)``) begins
    # IMMEDIATE: it takes the write lock at once, so writers are serialised and a
    # read-then-write never fails half way with "database is locked" (SQLite's equivalent
    # of row locks). Any other begins DEFERRED: WAL gives it a snapshot and it never waits
    # for, nor blocks, a writer (a plain ``engine.connect()`` reading the plugin state
    # before every request must not queue behind an import).
    if connection.get_execution_options().get(WRITES, False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = resolve_database_url(url)
    if url.startswith("sqlite"):
        is_memory = url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url
        if is_memory:
            from sqlalchemy.pool import StaticPool

            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
        else:
            kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if not url.startswith("postgresql+psycopg://"):
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _psycopg_no_automatic_preparation)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


#: A pooled PostgreSQL connection idle for longer than this is pinged before it is used.
PING_AFTER_IDLE_SECONDS = 1.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["ordercraft.checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # SQLAlchemy's pre-ping pings before every transaction, a tenth of the time of a
    # one-line stock posting. A connection back in the pool for less than a second is
    # used as it is: if the server went away in that second, that one transaction fails
    # (nothing is half-written) and the pool replaces its connections; any idle for
    # longer is pinged, and a dead one replaced before anyone sees it.
    returned = record.info.get("ordercraft.checked_in")
    if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
        return
    if not _psycopg_ping(dbapi_connection):
        raise DisconnectionError("the database closed the connection")


def _psycopg_no_automatic_preparation(dbapi_connection: Any, _record: Any) -> None:
    # The stock ledger prepares its statements itself (core/stock/prepared.py); psycopg's
    # automatic preparation would answer every rollback with DEALLOCATE ALL.
    dbapi_connection.prepare_threshold = None


def _psycopg_ping(dbapi_connection: Any) -> bool:
    # The dialect's own ping runs BEGIN; SELECT 1; ROLLBACK (three round trips); an empty
    # query sent through libpq is one, opens no transaction and fails alike on a dropped
    # connection.
    from psycopg import OperationalError, pq

    try:
        result = dbapi_connection.pgconn.exec_(b"")
    except OperationalError:
        return False
    return (result.status == pq.ExecStatus.EMPTY_QUERY
            and dbapi_connection.pgconn.status == pq.ConnStatus.OK)


def database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means "try again shortly": SQLite's write lock was not free within
    its busy timeout, PostgreSQL chose this transaction as a deadlock or serialization
    victim, or the connection to the server was lost (a restart)."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    text = str(exc.orig).lower()
    if "database is locked" in text or "database table is locked" in text:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in {"40001", "40P01", "57P01", "57P03"} or (
        isinstance(exc, OperationalError) and sqlstate is not None and sqlstate.startswith("08"))


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not write because its disk is full
    (SQLite's SQLITE_FULL, PostgreSQL's ``disk_full``, or ``ENOSPC`` from the system)."""
    import errno

    from sqlalchemy.exc import DBAPIError

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        original = exc.orig if isinstance(exc, DBAPIError) else exc
        if isinstance(original, OSError) and original.errno == errno.ENOSPC:
            return True
        if getattr(original, "sqlstate", None) == "53100":
            return True
        text = str(original).lower()
        if "database or disk is full" in text or "no space left on device" in text:
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


DISK_FULL_MESSAGE = ("disk full: the database could not write; nothing was saved (free space "
                     "on the disk that holds it and try again)")


def retry_when_busy(operation: Callable[[], T], *, attempts: int = 5,
                    first_delay: float = 0.5) -> T:
    """Run ``operation`` (a whole transaction) again when the database was busy
    (:func:`database_busy`), waiting 0.5, 1, 2, 4 s between attempts; any other error,
    or the last attempt's, is raised."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except Exception as exc:
            if attempt == attempts or not database_busy(exc):
                raise
            log.warning("database busy (%s); attempt %d of %d again in %.1f s",
                        str(exc).splitlines()[0][:200], attempt + 1, attempts, delay)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _bind(factory: sessionmaker[Session], writes: bool) -> Engine:
    """The factory's engine, marked for transactions that write (they begin IMMEDIATE on
    SQLite) or not (they begin deferred)."""
    engine: Engine = factory.kw["bind"]
    key = f"_ordercraft_writes_{writes}"
    bound = engine.__dict__.get(key)
    if bound is None:
        bound = engine.__dict__[key] = engine.execution_options(**{WRITES: writes})
    return bound


def begin_writing(session: Session) -> None:
    """End a reading transaction (nothing written yet) and make the session's next one a
    writing one (IMMEDIATE on SQLite): for an operation that reads, does slow work
    without the lock (checking a password), then writes. Objects already loaded stay
    loaded; a writing session is left as it is."""
    if session.info.get("writes", True):
        return
    session.commit()
    session.bind = session.get_bind().execution_options(**{WRITES: True})
    session.info["writes"] = True


@contextmanager
def transaction(factory: sessionmaker[Session], *, writes: bool = True,
                **info: Any) -> Iterator[Session]:
    """One business operation = one transaction: commit on success, roll back on any error.

    ``writes=False`` for an operation that only reads (a page, a list, a report): on SQLite
    it reads a snapshot without the write lock, so it neither waits for a writer nor holds
    one up. A write in such a transaction may fail with "database is locked" when another
    writer committed since its snapshot; an operation that writes says ``writes=True``.
    """
    session = factory(bind=_bind(factory, writes))
    session.info.update(info, writes=writes)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


#: How long a bookkeeping write (a token's last use, a session's last activity) waits for
#: SQLite's write lock before it gives up: a reader must never wait for a writer.
BOOKKEEPING_WAIT_MS = 100


def write_if_free(engine: Engine, statement: Any) -> bool:
    """Run one bookkeeping ``statement`` in a short transaction of its own, if the database
    takes it at once; ``False`` when a writer holds SQLite's lock (the next request
    records it) or the row is gone. What it writes is never business data."""
    from sqlalchemy.exc import OperationalError

    with engine.connect() as connection:
        # On the driver's connection: through SQLAlchemy's the pragma would begin a
        # transaction, and on SQLite that takes the lock this is meant not to wait for.
        raw = connection.connection.dbapi_connection if engine.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute(f"PRAGMA busy_timeout={BOOKKEEPING_WAIT_MS}")
        try:
            with connection.begin():
                return bool(connection.execute(statement).rowcount)
        except OperationalError:
            if raw is None:
                raise
            return False
        finally:
            if raw is not None:
                raw.execute("PRAGMA busy_timeout=30000")
