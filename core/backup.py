"""Backup and restore of a whole site, consistent while the site runs.

* SQLite: the online backup API copies the database in one step inside one read
  transaction, so the copy is a snapshot even while other processes write. The
  backup is itself a SQLite file (journal mode DELETE, self-contained); restoring
  copies it back with the same API, which replaces the site's content in one
  transaction.
* PostgreSQL: ``pg_dump -Fc`` of the site's schema (a repeatable-read snapshot);
  restoring turns the archive into SQL with ``pg_restore --clean --if-exists
  --no-owner`` and runs it with ``psql --single-transaction``, after emptying the
  site's schema in the same transaction: a failed restore leaves the site as it was.
  The site's schema is the connection's ``current_schema()``, so a site kept in its
  own schema (``options=-csearch_path=...`` in the URL) is backed up alone.

Before restoring, the file must be an Ordercraft backup (its tables include
``alembic_version``, ``site_settings`` and ``plugin_states``) of the same kind of
database as the site, and every schema revision it records must be known to this
installation.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ordercraft.core.errors import Conflict, OrdercraftError, ValidationError

if TYPE_CHECKING:
    from ordercraft.core.platform import Platform

MARKER_TABLES = ("alembic_version", "site_settings", "plugin_states")
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class ToolMissing(OrdercraftError):
    code = "tool_missing"


class BackupFailed(OrdercraftError):
    code = "backup_failed"


class NotABackup(ValidationError):
    code = "not_a_backup"


class BackupFileMissing(ValidationError):
    code = "not_found"


@dataclass
class BackupResult:
    path: Path
    kind: str  # "sqlite" or "pg_dump"
    bytes: int
    revisions: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    path: Path
    kind: str
    revisions: list[str]
    #: Revisions this installation has beyond the backup's: run ``ordercraft db upgrade``.
    pending: list[str]


def find_tool(name: str, purpose: str) -> str:
    """The path of a PostgreSQL client program, or a clear error naming it."""
    path = shutil.which(name)
    if path is None:
        raise ToolMissing(
            f"{purpose} needs {name}, which is not on PATH: install the PostgreSQL client "
            f"programs (Debian/Ubuntu: apt-get install postgresql-client) or add their folder "
            f"to PATH", field=name)
    return path


def _kind(platform: Platform) -> str:
    url = platform.database_url
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgres"):
        return "pg_dump"
    raise ValidationError(f"backup supports SQLite and PostgreSQL sites, not {url.split(':')[0]}",
                          code="backup_unsupported", field="db")


def file_kind(path: Path) -> str:
    """``sqlite`` or ``pg_dump`` from the file's first bytes; anything else is refused."""
    if not path.is_file():
        raise BackupFileMissing(f"backup file {str(path)!r} does not exist", field="file")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pg_dump"
    raise NotABackup(f"{str(path)!r} is not an Ordercraft backup (neither a SQLite database nor "
                     "a pg_dump archive)", field="file")


# --------------------------------------------------------------------------- backup


def backup(platform: Platform, target: Path | str, *, overwrite: bool = False) -> BackupResult:
    """Write a consistent snapshot of the site to ``target`` (atomically: a temporary
    file in the same folder, renamed when complete)."""
    target = Path(target)
    kind = _kind(platform)
    if target.exists() and not overwrite:
        raise Conflict(f"backup file {str(target)!r} already exists (pass --force to replace it)",
                       code="file_exists", field="file")
    if not target.parent.is_dir():
        raise ValidationError(f"folder {str(target.parent)!r} of the backup file does not exist",
                              field="file")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        if kind == "sqlite":
            _sqlite_backup(platform, Path(temporary))
        else:
            _pg_backup(platform, Path(temporary))
        revisions = (_sqlite_revisions(Path(temporary)) if kind == "sqlite"
                     else _pg_archive_revisions(Path(temporary)))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return BackupResult(target, kind, target.stat().st_size, revisions)


def _sqlite_file(platform: Platform) -> Path:
    url = platform.database_url
    database = platform.engine.url.database
    if not database or database == ":memory:" or "mode=memory" in url:
        raise ValidationError("an in-memory SQLite database cannot be backed up or restored",
                              code="backup_unsupported", field="db")
    return Path(database)


def _sqlite_backup(platform: Platform, temporary: Path) -> None:
    source = sqlite3.connect(_sqlite_file(platform), timeout=30)
    destination = sqlite3.connect(temporary)
    try:
        # pages=-1: the whole database in one step, i.e. within one read transaction.
        source.backup(destination, pages=-1)
        # A backup is one self-contained file, not a WAL database with side files.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
        source.close()


def _pg_env(platform: Platform) -> dict[str, str]:
    """libpq environment for the site (the password never appears on a command line)."""
    from urllib.parse import unquote

    url = platform.engine.url
    env = dict(os.environ)
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port),
                            ("PGUSER", url.username), ("PGPASSWORD", url.password),
                            ("PGDATABASE", url.database)):
        if value not in (None, ""):
            env[variable] = str(value)
    query = dict(url.query)
    for name, variable in (("options", "PGOPTIONS"), ("host", "PGHOST"), ("port", "PGPORT"),
                           ("sslmode", "PGSSLMODE"), ("application_name", "PGAPPNAME")):
        value = query.get(name)
        if isinstance(value, tuple):
            value = value[0]
        if value:
            env[variable] = unquote(str(value))
    return env


def site_schema(platform: Platform) -> str:
    """The PostgreSQL schema that holds the site's tables: the connection's
    ``current_schema()``, or, before that schema exists, the first one its
    ``search_path`` option names."""
    import re

    from sqlalchemy import text

    with platform.engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
    if schema:
        return str(schema)
    options = _pg_env(platform).get("PGOPTIONS", "")
    match = re.search(r"search_path\s*=\s*\"?([^\s,\"]+)", options)
    if match:
        return match.group(1)
    raise ValidationError("the site's database connection has no schema (its search_path names "
                          "none that exists)", code="backup_unsupported", field="db")


def _run(command: list[str], env: dict[str, str], what: str, **kwargs: object) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                            **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupFailed(f"{what} failed: {' / '.join(detail[-3:]) or 'exit ' + str(result.returncode)}")
    return result.stdout


def _pg_backup(platform: Platform, temporary: Path) -> None:
    pg_dump = find_tool("pg_dump", "backing up a PostgreSQL site")
    schema = site_schema(platform)
    _run([pg_dump, "--format=custom", f"--schema={schema}", f"--file={temporary}"],
         _pg_env(platform), "pg_dump")


# --------------------------------------------------------------------------- reading backups


def _sqlite_revisions(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in MARKER_TABLES if t not in tables]
        if missing:
            raise NotABackup(f"{str(path)!r} is a SQLite database but not an Ordercraft backup "
                             f"(no table {missing[0]!r})", field="file")
        return sorted(row[0] for row in connection.execute(
            "SELECT version_num FROM alembic_version"))
    except sqlite3.DatabaseError as exc:
        raise NotABackup(f"{str(path)!r} is not a readable SQLite database: {exc}",
                         field="file") from exc
    finally:
        connection.close()


def _pg_archive_tables(path: Path) -> dict[str, str]:
    """``{table: schema}`` of the tables in a pg_dump archive."""
    pg_restore = find_tool("pg_restore", "reading a PostgreSQL backup")
    listing = _run([pg_restore, "--list", str(path)], dict(os.environ), "pg_restore --list")
    tables: dict[str, str] = {}
    for line in listing.splitlines():
        if line.startswith(";"):
            continue
        # "215; 1259 16390 TABLE <schema> <name> <owner>"
        parts = line.split()
        if len(parts) >= 6 and parts[3] == "TABLE" and parts[4] != "DATA":
            tables[parts[5]] = parts[4]
    return tables


def _pg_archive_revisions(path: Path) -> list[str]:
    tables = _pg_archive_tables(path)
    missing = [t for t in MARKER_TABLES if t not in tables]
    if missing:
        raise NotABackup(f"{str(path)!r} is a pg_dump archive but not an Ordercraft backup "
                         f"(no table {missing[0]!r})", field="file")
    pg_restore = find_tool("pg_restore", "reading a PostgreSQL backup")
    script = _run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
                  dict(os.environ), "pg_restore")
    revisions: list[str] = []
    in_data = False
    for line in script.splitlines():
        if line.startswith("COPY ") and "alembic_version" in line:
            in_data = True
        elif in_data and line == "\\.":
            in_data = False
        elif in_data and line:
            revisions.append(line.split("\t")[0])
    return sorted(revisions)


def archive_schema(path: Path) -> str:
    return _pg_archive_tables(path)["alembic_version"]


def _check_revisions(platform: Platform, revisions: list[str], path: Path) -> list[str]:
    """Refuse a backup whose schema this installation does not know; return the
    revisions still to apply after restoring it."""
    from alembic.script import ScriptDirectory

    from ordercraft.core.schema import alembic_config, applied_revisions

    config = alembic_config(platform, None)  # type: ignore[arg-type]  (no connection needed)
    script = ScriptDirectory.from_config(config)
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = [r for r in revisions if r not in known]
    if unknown:
        raise NotABackup(
            f"backup {str(path)!r} is at schema revision {unknown[0]!r}, which this installation "
            "does not know (made by a newer Ordercraft, or with a plugin that is not installed)",
            code="backup_unknown_revision", field="file")
    if not revisions:
        raise NotABackup(f"backup {str(path)!r} records no schema revision (an uninitialised "
                         "site)", field="file")
    return sorted(known - applied_revisions(script, set(revisions)))


# --------------------------------------------------------------------------- restore


def restore(platform: Platform, source: Path | str) -> RestoreResult:
    """Replace the site's data with the backup at ``source``."""
    source = Path(source)
    kind = _kind(platform)
    found = file_kind(source)
    if found != kind:
        names = {"sqlite": "SQLite", "pg_dump": "PostgreSQL"}
        raise NotABackup(f"{str(source)!r} is a backup of a {names[found]} site; this site is on "
                         f"{names[kind]}", code="backup_wrong_database", field="file")
    if kind == "sqlite":
        revisions = _sqlite_revisions(source)
        pending = _check_revisions(platform, revisions, source)
        _sqlite_restore(platform, source)
    else:
        revisions = _pg_archive_revisions(source)
        pending = _check_revisions(platform, revisions, source)
        _pg_restore(platform, source)
    platform.dispose()  # pooled connections may hold the old schema's state
    # The key is not in the backup: the restored site gets a new one, and the sessions
    # the backup holds are over.
    from ordercraft.core.secret_key import rotate_secret_key

    rotate_secret_key(platform, refuse_env=False)
    return RestoreResult(source, kind, revisions, pending)


def _sqlite_restore(platform: Platform, source: Path) -> None:
    target = _sqlite_file(platform)
    platform.dispose()
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target, timeout=30)
    try:
        reader.backup(writer, pages=-1)
    finally:
        writer.close()
        reader.close()


# Empties the site's schema (tables, views, sequences, types; not an extension's objects)
# inside the restore's transaction, so that tables created after the backup go too.
EMPTY_SCHEMA_SQL = """
CREATE SCHEMA IF NOT EXISTS {schema_ident};
DO $ordercraft$
DECLARE
    entry record;
BEGIN
    FOR entry IN
        SELECT c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = {schema_literal} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE',
            CASE entry.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
            {schema_literal}, entry.relname);
    END LOOP;
    FOR entry IN
        SELECT t.typname FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = {schema_literal} AND t.typtype IN ('e', 'd')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I.%I CASCADE', {schema_literal}, entry.typname);
    END LOOP;
END
$ordercraft$;
"""


def _pg_restore(platform: Platform, source: Path) -> None:
    pg_restore = find_tool("pg_restore", "restoring a PostgreSQL site")
    psql = find_tool("psql", "restoring a PostgreSQL site")
    schema = site_schema(platform)
    stored = archive_schema(source)
    if stored != schema:
        raise NotABackup(f"backup {str(source)!r} holds schema {stored!r}, but this site's schema "
                         f"is {schema!r}; restore it into a site whose URL selects that schema "
                         f"(options=-csearch_path={stored})", code="backup_wrong_schema",
                         field="file")
    env = _pg_env(platform)
    # The schema itself stays (it may be "public", owned by the database): leave its
    # CREATE/DROP/COMMENT out of the restore list.
    listing = _run([pg_restore, "--list", str(source)], env, "pg_restore --list")
    kept = [line for line in listing.splitlines() if not line.startswith(";")
            and " SCHEMA - " not in line and " COMMENT - SCHEMA " not in line]
    platform.dispose()
    with tempfile.TemporaryDirectory() as folder:
        list_file = Path(folder) / "restore.list"
        list_file.write_text("\n".join(kept) + "\n")
        prologue = Path(folder) / "prologue.sql"
        prologue.write_text(EMPTY_SCHEMA_SQL.format(schema_ident=_ident(schema),
                                                    schema_literal=_literal(schema)))
        # pg_restore writes the SQL, psql runs it after the prologue, all in one transaction.
        producer = subprocess.Popen(
            [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
             f"--use-list={list_file}", "--file=-", str(source)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert producer.stdout is not None
        consumer = subprocess.run(
            [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
             f"--file={prologue}", "--file=-"],
            env=env, stdin=producer.stdout, capture_output=True, text=True, check=False)
        producer.stdout.close()
        producer_error = producer.stderr.read().decode(errors="replace") if producer.stderr else ""
        producer.wait()
    if producer.returncode != 0:
        raise BackupFailed(f"pg_restore failed: {producer_error.strip()}")
    if consumer.returncode != 0:
        detail = (consumer.stderr or consumer.stdout).strip().splitlines()
        raise BackupFailed(f"restore failed, the site is unchanged: {' / '.join(detail[-3:])}")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --------------------------------------------------------------------------- the backup folder

#: Where backups go when the site setting ``backup_dir`` is empty.
ENV_BACKUP_DIR = "ORDERCRAFT_BACKUP_DIR"
#: Backups made from the browser and by the daily job: ``ordercraft-20261207-140501.sqlite``.
BACKUP_NAME = re.compile(r"^ordercraft-(\d{8}-\d{6})\.(sqlite|dump)$")


def backup_folder(platform: Platform) -> Path:
    """The site's backup folder: the setting ``backup_dir``, else ``ORDERCRAFT_BACKUP_DIR``,
    else ``backups`` beside a SQLite database or in ``ORDERCRAFT_CONFIG_DIR`` (default:
    the current folder)."""
    from ordercraft.core.secret_key import ENV_CONFIG_DIR
    from ordercraft.core.settings import get_setting

    with platform.session(writes=False) as session:
        configured = get_setting(session, "backup_dir")
    if configured:
        return Path(configured)
    if os.environ.get(ENV_BACKUP_DIR):
        return Path(os.environ[ENV_BACKUP_DIR]).expanduser()
    if _kind(platform) == "sqlite":
        return _sqlite_file(platform).parent / "backups"
    return Path(os.environ.get(ENV_CONFIG_DIR) or ".").expanduser() / "backups"


def backup_now(platform: Platform, *, now: datetime | None = None) -> BackupResult:
    """A backup into the backup folder, named by its UTC time."""
    from ordercraft.core.db import utcnow

    now = now or utcnow()
    folder = backup_folder(platform)
    folder.mkdir(parents=True, exist_ok=True)
    extension = "sqlite" if _kind(platform) == "sqlite" else "dump"
    target = folder / f"ordercraft-{now:%Y%m%d-%H%M%S}.{extension}"
    return backup(platform, target, overwrite=True)


@dataclass(frozen=True)
class BackupFile:
    name: str
    path: Path
    bytes: int
    made_at: datetime

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "bytes": self.bytes,
                "made_at": self.made_at.isoformat(timespec="seconds") + "Z"}


def list_backups(platform: Platform) -> list[BackupFile]:
    """The backups in the backup folder, newest first (other files are left out)."""
    folder = backup_folder(platform)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = BACKUP_NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        made = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
        found.append(BackupFile(path.name, path, path.stat().st_size, made))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def backup_file(platform: Platform, name: str) -> BackupFile:
    """The backup ``name`` of the backup folder (only names the folder lists: no paths)."""
    for found in list_backups(platform):
        if found.name == name:
            return found
    from ordercraft.core.errors import NotFound

    raise NotFound(f"name: there is no backup {name!r} in the backup folder", field="name")


def prune_backups(platform: Platform, keep_days: int, *, now: datetime | None = None
                  ) -> list[str]:
    """Remove the backups older than ``keep_days`` days, keeping at least the newest one;
    returns the names removed."""
    from ordercraft.core.db import utcnow

    now = now or utcnow()
    removed = []
    for found in list_backups(platform)[1:]:
        if now - found.made_at > timedelta(days=keep_days):
            found.path.unlink(missing_ok=True)
            removed.append(found.name)
    return removed


def daily_backup(platform: Platform, now: datetime | None = None) -> list[str]:
    """The scheduled backup (``ordercraft worker``): when the setting ``backup_daily`` is
    on and the newest backup is from an earlier UTC day, make one, then remove those
    older than ``backup_keep_days``. Returns the names made and removed."""
    from ordercraft.core.db import utcnow
    from ordercraft.core.settings import get_setting

    now = now or utcnow()
    with platform.session(writes=False) as session:
        if not get_setting(session, "backup_daily"):
            return []
        keep = int(get_setting(session, "backup_keep_days"))
    existing = list_backups(platform)
    if existing and existing[0].made_at.date() >= now.date():
        return []
    made = backup_now(platform, now=now)
    return [made.path.name, *prune_backups(platform, keep, now=now)]
