"""Template sites for the test kit: a site's schema, roles and admin are built once per
plugin set in each test process, and every test gets its own copy.

Building a site from nothing (``create_all``, the Alembic stamp, the roles, the admin's
password) costs a tenth of a second on SQLite and up to seconds on a busy PostgreSQL. On
SQLite a copy is a file copy. On PostgreSQL a copy is a schema: the template's DDL
replayed into a new schema in one round trip, with its few rows. Creating and dropping
those tables is most of what a PostgreSQL test costs on a busy machine (0.1 s when it is
quiet, a second under load), so a copy whose test is over goes back to the template
instead: its rows deleted, the template's copied in, its sequences set back (20-50 ms),
and it serves the next test. A copy whose shape the test changed (a table, a column, a
constraint added or dropped) is dropped instead. A test still gets a database nobody
else uses, as it was built, so tests stay independent.

A template is rebuilt when the tables known to the process changed since it was built
(``create_all`` creates every table whose model was imported, and a test may import a
plugin's models later). A site with plugin modules given by the test (``extra_plugins``)
is built from nothing: a test makes its modules afresh, and two modules of one name may
differ (their migrations and permissions are part of what a site holds).
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ordercraft.core.platform import Platform

#: Stands for the new schema's name in a template's clone script.
CLONE = "__ordercraft_clone__"
#: Builds a site's content on an empty database: schema, roles, first users.
Populate = Callable[["Platform"], None]
#: (plugins or None for all installed, the extra plugin modules)
TemplateKey = tuple[tuple[str, ...] | None, tuple[ModuleType, ...]]


def _known_tables() -> frozenset[str]:
    import ordercraft.core.models  # noqa: F401  (the core's tables are always there)
    from ordercraft.core.db import Base

    return frozenset(Base.metadata.tables)


def _dependency_order() -> list[str]:
    """Every table a site may hold, each after the tables its foreign keys refer to."""
    from ordercraft.core.db import Base

    return [table.name for table in Base.metadata.sorted_tables] + ["alembic_version"]


def _conninfo(base: str) -> str:
    """psycopg's form of a SQLAlchemy PostgreSQL URL."""
    return "postgresql://" + base.split("://", 1)[1].split("?", 1)[0]


def _schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@dataclass
class _Template:
    tables: frozenset[str]
    #: SQLite: the template's file.
    path: Path | None = None
    #: PostgreSQL: the template's schema, the scripts that clone it into a new schema and
    #: bring a used copy back to it (``CLONE`` stands for the copy's name), the shape of
    #: a fresh copy, and the copies ready for a test.
    schema: str = ""
    clone_script: str = ""
    reset_script: str = ""
    shape: list[tuple[str, ...]] | None = None
    free: list[str] = field(default_factory=list)
    retired: bool = False


@dataclass
class SiteTemplates:
    """One per test process: the templates it built, by plugin set."""

    folder: Path
    #: ``ORDERCRAFT_TEST_DATABASE_URL`` when it names PostgreSQL, else "" (SQLite files).
    postgres_url: str = ""
    _templates: dict[TemplateKey, _Template] = field(default_factory=dict)
    _server: Any = None

    def _connection(self) -> Any:
        """This process's own autocommit connection for creating, resetting and dropping
        schemas (a connection per copy would cost more than the reset)."""
        import psycopg

        if self._server is None or self._server.closed or self._server.broken:
            self._server = psycopg.connect(_conninfo(self.postgres_url), autocommit=True)
        return self._server

    def new_site(self, folder: Path, key: TemplateKey, populate: Populate,
                 make_platform: Callable[[str], Platform]) -> tuple[str, Callable[[], None]]:
        """The URL of a new database holding a copy of ``key``'s template (built now if
        needed), or, with extra plugin modules, built by ``populate``; and a function
        that removes that database."""
        if key[1]:
            return self._build_site(folder, populate, make_platform)
        template = self._templates.get(key)
        if template is None or template.tables != _known_tables():
            if template is not None:
                self._discard(template)
                del self._templates[key]
            template = self._build(key, populate, make_platform)
            self._templates[key] = template
        if self.postgres_url:
            return self._copy_schema(template)
        folder.mkdir(parents=True, exist_ok=True)
        assert template.path is not None
        target = folder / "site.db"
        shutil.copyfile(template.path, target)
        return f"sqlite:///{target}", lambda: None

    def _build_site(self, folder: Path, populate: Populate,
                    make_platform: Callable[[str], Platform]) -> tuple[str, Callable[[], None]]:
        from ordercraft.sdk.testing import test_database_url

        url, drop = test_database_url(folder, self.postgres_url)
        folder.mkdir(parents=True, exist_ok=True)
        platform = make_platform(url)
        try:
            populate(platform)
        except BaseException:
            platform.dispose()
            drop()
            raise
        platform.dispose()
        return url, drop

    def close(self) -> None:
        for template in self._templates.values():
            self._discard(template)
        self._templates.clear()
        if self._server is not None:
            self._server.close()
            self._server = None

    # ------------------------------------------------------------------ building

    def _build(self, key: TemplateKey, populate: Populate,
               make_platform: Callable[[str], Platform]) -> _Template:
        name = "tpl_" + secrets.token_hex(6)
        if self.postgres_url:
            return self._build_schema(name, populate, make_platform)
        path = self.folder / f"{name}.db"
        platform = make_platform(f"sqlite:///{path}")
        try:
            populate(platform)
        except BaseException:
            platform.dispose()
            _remove_sqlite_files(path)
            raise
        platform.dispose()
        # The copies are plain file copies: fold the write-ahead log into the file first.
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        return _Template(tables=_known_tables(), path=path)

    def _build_schema(self, schema: str, populate: Populate,
                      make_platform: Callable[[str], Platform]) -> _Template:
        from sqlalchemy import event

        self._connection().execute(f'CREATE SCHEMA "{schema}"')
        ddl: list[str] = []

        def record_ddl(_connection: Any, _cursor: Any, statement: str, _parameters: Any,
                       context: Any, _executemany: bool) -> None:
            if context is not None and context.isddl:
                ddl.append(statement)

        platform = make_platform(_schema_url(self.postgres_url, schema))
        try:
            event.listen(platform.engine, "before_cursor_execute", record_ddl)
            populate(platform)
        except BaseException:
            platform.dispose()
            self._drop_schema(schema)
            raise
        platform.dispose()
        tables = _known_tables()
        connection = self._connection()
        present = {row[0] for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))}
        filled = [name for name in _dependency_order() if name in present
                  and connection.execute(f'SELECT EXISTS (SELECT FROM "{schema}"."{name}")')
                  .fetchone() == (True,)]
        sequences = [row[0] for row in connection.execute(
            "SELECT sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema = %s ORDER BY sequence_name", (schema,))]
        # The template's rows and sequences, as a copy gets them.
        contents = [f'INSERT INTO "{CLONE}"."{name}" SELECT * FROM "{schema}"."{name}"'
                    for name in filled]
        contents += [f"SELECT setval('\"{CLONE}\".\"{name}\"', last_value, is_called) "
                     f'FROM "{schema}"."{name}"' for name in sequences]
        # The DDL names no schema (the template's is on the search path): replayed with the
        # new schema first on the search path, it builds the same tables there.
        clone = [f'CREATE SCHEMA "{CLONE}"', f'SET LOCAL search_path TO "{CLONE}"', *ddl]
        emptying = [f'DELETE FROM "{CLONE}"."{name}"'
                    for name in reversed(_dependency_order()) if name in present]
        return _Template(tables=tables, schema=schema,
                         clone_script=";\n".join(clone + contents),
                         reset_script=";\n".join(emptying + contents))

    def _copy_schema(self, template: _Template) -> tuple[str, Callable[[], None]]:
        if template.free:
            schema = template.free.pop()
        else:
            schema = "t_" + secrets.token_hex(6)
            connection = self._connection()
            with connection.transaction():
                connection.execute(template.clone_script.replace(CLONE, schema))
            if template.shape is None:
                template.shape = _shape(connection, schema)
        return (_schema_url(self.postgres_url, schema),
                lambda: self._release_schema(template, schema))

    def _release_schema(self, template: _Template, schema: str) -> None:
        """Bring a copy whose test is over back to the template, ready for the next test,
        or drop it if the test changed its shape (or the template was rebuilt)."""
        connection = self._connection()
        if not template.retired and _shape(connection, schema) == template.shape:
            with connection.transaction():
                connection.execute(template.reset_script.replace(CLONE, schema))
            template.free.append(schema)
        else:
            self._drop_schema(schema)

    # ------------------------------------------------------------------ removing

    def _discard(self, template: _Template) -> None:
        template.retired = True
        if template.path is not None:
            _remove_sqlite_files(template.path)
        for schema in template.free:
            self._drop_schema(schema)
        template.free.clear()
        if template.schema:
            self._drop_schema(template.schema)

    def _drop_schema(self, schema: str) -> None:
        self._connection().execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


#: What makes two schemas the same shape: their tables, sequences, views and indexes with
#: their columns, constraints and triggers, their functions and types (by name, not by
#: oid). Everything is found through the catalogs' indexes, from the objects that depend
#: on the schema (pg_depend): a scan of pg_class takes a tenth of a second once many
#: schemas have come and gone.
SHAPE_SQL = """
WITH in_schema AS (
  SELECT classid, objid FROM pg_depend
   WHERE refclassid = 'pg_namespace'::regclass AND refobjid = %(schema)s::regnamespace),
tables AS (
  SELECT c.oid, c.relname, c.relkind FROM in_schema d JOIN pg_class c ON c.oid = d.objid
   WHERE d.classid = 'pg_class'::regclass),
relations AS (
  SELECT oid, relname, relkind FROM tables
  UNION ALL
  SELECT ic.oid, ic.relname, ic.relkind FROM tables r
    JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid)
SELECT 'relation', r.relname, r.relkind::text, coalesce(string_agg(
         a.attname || ' ' || t.typname || ' ' || a.atttypmod || ' ' || a.attnotnull, ', '
         ORDER BY a.attnum), '')
  FROM relations r
  LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_type t ON t.oid = a.atttypid
 GROUP BY r.relname, r.relkind
UNION ALL
SELECT 'constraint', r.relname || '.' || c.conname, c.contype::text,
       pg_get_constraintdef(c.oid)
  FROM tables r JOIN pg_constraint c ON c.conrelid = r.oid
UNION ALL
SELECT 'trigger', r.relname || '.' || t.tgname, '', ''
  FROM tables r CROSS JOIN LATERAL (
    SELECT tgname FROM pg_trigger WHERE tgrelid = r.oid AND NOT tgisinternal) t
UNION ALL
SELECT 'function', p.proname, '', '' FROM in_schema d JOIN pg_proc p ON p.oid = d.objid
 WHERE d.classid = 'pg_proc'::regclass
UNION ALL
SELECT 'type', t.typname, t.typtype::text, '' FROM in_schema d JOIN pg_type t ON t.oid = d.objid
 WHERE d.classid = 'pg_type'::regclass
ORDER BY 1, 2, 3, 4
"""


def _shape(connection: Any, schema: str) -> list[tuple[str, ...]]:
    # With the schema on the search path, definitions name its tables without it.
    connection.execute(f'SET search_path TO "{schema}"')
    return [tuple(row) for row in connection.execute(SHAPE_SQL, {"schema": f'"{schema}"'})]


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
