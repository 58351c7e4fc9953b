"""Template sites for the test kit: a site's schema, roles and admin are built once per
plugin set in each test process, and every test gets its own copy.

Building a site from nothing (``create_all``, the Alembic stamp, the roles, the admin's
password) costs a tenth of a second on SQLite and several on a busy PostgreSQL; a copy
costs a file copy (SQLite) or one round trip that replays the template's DDL into a new
schema and copies its few rows (PostgreSQL). A test still gets a database nobody else
uses, so tests stay independent.

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
from collections.abc import Callable, Iterable
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
    #: PostgreSQL: the template's schema and the script that clones it into ``{schema}``.
    schema: str = ""
    clone_script: str = ""


@dataclass
class SiteTemplates:
    """One per test process: the templates it built, by plugin set."""

    folder: Path
    #: ``ORDERCRAFT_TEST_DATABASE_URL`` when it names PostgreSQL, else "" (SQLite files).
    postgres_url: str = ""
    _templates: dict[TemplateKey, _Template] = field(default_factory=dict)

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
            return self._clone_schema(template)
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
        import psycopg
        from sqlalchemy import event

        conninfo = _conninfo(self.postgres_url)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
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
        with psycopg.connect(conninfo, autocommit=True) as connection:
            filled = [name for name in _dependency_order(connection, schema)
                      if connection.execute(f'SELECT EXISTS (SELECT FROM "{schema}"."{name}")')
                      .fetchone() == (True,)]
            sequences = [row[0] for row in connection.execute(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = %s ORDER BY sequence_name", (schema,))]
        # The DDL names no schema (the template's is on the search path): replayed with the
        # new schema first on the search path, it builds the same tables there.
        script = [f'CREATE SCHEMA "{CLONE}"', f'SET LOCAL search_path TO "{CLONE}"', *ddl]
        script += [f'INSERT INTO "{CLONE}"."{name}" SELECT * FROM "{schema}"."{name}"'
                   for name in filled]
        script += [f"SELECT setval('\"{CLONE}\".\"{name}\"', last_value, is_called) "
                   f'FROM "{schema}"."{name}"' for name in sequences]
        return _Template(tables=tables, schema=schema, clone_script=";\n".join(script))

    def _clone_schema(self, template: _Template) -> tuple[str, Callable[[], None]]:
        import psycopg

        schema = "t_" + secrets.token_hex(6)
        with psycopg.connect(_conninfo(self.postgres_url), autocommit=True) as connection:
            with connection.transaction():
                connection.execute(template.clone_script.replace(CLONE, schema))
        return _schema_url(self.postgres_url, schema), lambda: self._drop_schema(schema)

    # ------------------------------------------------------------------ removing

    def _discard(self, template: _Template) -> None:
        if template.path is not None:
            _remove_sqlite_files(template.path)
        if template.schema:
            self._drop_schema(template.schema)

    def _drop_schema(self, schema: str) -> None:
        import psycopg

        with psycopg.connect(_conninfo(self.postgres_url), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _dependency_order(connection: Any, schema: str) -> list[str]:
    """The schema's tables, each after the tables its foreign keys refer to."""
    tables = [row[0] for row in connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,))]
    refers: dict[str, set[str]] = {name: set() for name in tables}
    for child, parent in connection.execute(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.connamespace = %s::regnamespace", (schema,)):
        refers[_unqualified(child)].add(_unqualified(parent))
    ordered: list[str] = []
    placed: set[str] = set()

    def place(name: str, path: Iterable[str] = ()) -> None:
        if name in placed or name in path:
            return
        for parent in sorted(refers.get(name, ())):
            place(parent, (*path, name))
        placed.add(name)
        ordered.append(name)

    for name in tables:
        place(name)
    return ordered


def _unqualified(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip('"')


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
