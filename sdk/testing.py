"""Pytest fixtures for testing Ordercraft plugins (a ``pytest11`` entry point).

``make_site(plugins=[...], extra_plugins=[module])`` builds a site on a fresh
database with exactly those plugins: a SQLite file in the test's temporary folder,
or, when ``ORDERCRAFT_TEST_DATABASE_URL`` names a PostgreSQL database, a fresh
schema in it that is dropped afterwards. The returned :class:`Site` has the
platform, an admin user, a CLI runner and a web test client.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ordercraft.sdk._site_templates import SiteTemplates

ADMIN_PASSWORD = "admin-password"


def test_database_url(tmp_path: Path, base: str | None = None) -> tuple[str, Any]:
    """A URL of a fresh database and a function that removes it: a new schema of the
    PostgreSQL database ``base`` (default: ``ORDERCRAFT_TEST_DATABASE_URL``), else an
    SQLite file in ``tmp_path``."""
    if base is None:
        base = os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        import psycopg

        schema = "t_" + secrets.token_hex(6)
        conninfo = "postgresql://" + base.split("://", 1)[1]
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')

        def drop() -> None:
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

        separator = "&" if "?" in base else "?"
        return f"{base}{separator}options=-csearch_path%3D{schema}", drop
    return f"sqlite:///{tmp_path / 'site.db'}", lambda: None


# Not a test, though its name says so: a test module may import it.
test_database_url.__test__ = False  # type: ignore[attr-defined]


@dataclass
class CliResult:
    exit_code: int
    output: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.output)


class Site:
    """A site built for one test."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform
        self._app: Any = None

    @contextmanager
    def session(self, user: Any = None) -> Iterator[Any]:
        with self.platform.session(user=user) as session:
            yield session

    def user(self, name: str = "admin") -> Any:
        from ordercraft.core.services.users import get_user

        with self.platform.session() as session:
            return get_user(session, name)

    def cli(self, args: str | list[str], *, input: str | None = None) -> CliResult:
        """Run ``ordercraft ARGS`` in-process against this site, exactly as the console
        script does (same error handling and exit codes: 0, 2 refused, 1 fault)."""
        from click.testing import CliRunner

        from ordercraft.core.cli import main
        from ordercraft.core.cli.common import CliState

        argv = shlex.split(args) if isinstance(args, str) else list(args)
        state = CliState(database_url=self.platform.database_url)
        state.platform = self.platform
        exit_code = 0
        with CliRunner().isolation(input=input) as (stdout, stderr, _output):
            try:
                main(argv, obj=state)
            except SystemExit as exc:
                exit_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            return CliResult(exit_code, stdout.getvalue().decode(), stderr.getvalue().decode())

    @property
    def app(self) -> Any:
        if self._app is None:
            from ordercraft.web import create_app

            self._app = create_app(self.platform, testing=True)
        return self._app

    def client(self, login: str | None = None, password: str = ADMIN_PASSWORD) -> Any:
        """A Flask test client, logged in as ``login`` when given."""
        client = self.app.test_client()
        if login:
            response = client.post("/login", data={"name": login, "password": password})
            assert response.status_code in (302, 303), f"login as {login!r} failed"
        return client

    def token(self, user: str = "admin") -> str:
        from ordercraft.core.services.users import create_token

        with self.platform.session() as session:
            return create_token(session, user)


@pytest.fixture(scope="session", autouse=True)
def _cheapest_password_hashing() -> Iterator[None]:
    """Passwords set during the tests are hashed with argon2's cheapest parameters: a
    test checks who may log in, not what a hash costs an attacker, and the default cost
    (a tenth of a second a hash) was the largest part of building a site."""
    from argon2.profiles import CHEAPEST

    from ordercraft.core.services import users

    users.use_password_hashing(CHEAPEST)
    yield
    users.use_password_hashing(None)


@pytest.fixture(scope="session")
def _site_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteTemplates]:
    """The template sites of this test process (each xdist worker has its own)."""
    base = os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "")
    templates = SiteTemplates(tmp_path_factory.mktemp("site-templates"),
                              postgres_url=base if base.startswith("postgres") else "")
    yield templates
    templates.close()


def _populate(platform: Any) -> None:
    """A new site's content: the schema, the standard roles and the admin."""
    from ordercraft.core.schema import create_all_and_stamp
    from ordercraft.core.services.users import create_user, ensure_roles

    create_all_and_stamp(platform)
    with platform.session() as session:
        ensure_roles(session)
        create_user(session, "admin", roles=["admin"], password=ADMIN_PASSWORD)


@pytest.fixture
def make_site(tmp_path: Path, _site_templates: SiteTemplates) -> Iterator[Callable[..., Site]]:
    """Factory: ``make_site(plugins=["crm"], extra_plugins=[my_module])`` -> :class:`Site`.

    Each site is a copy of a template built once per plugin set in the test process
    (see ``ordercraft.sdk._site_templates``): a database of its own, never shared.
    """
    from ordercraft.core.platform import Platform

    cleanups: list[Any] = []

    def build(plugins: Sequence[str] | None = (), extra_plugins: Sequence[ModuleType] = ()) -> Site:
        only = None if plugins is None else list(plugins)

        def make_platform(url: str) -> Platform:
            return Platform(url, only=only, extra_plugins=list(extra_plugins))

        key = (None if only is None else tuple(only), tuple(extra_plugins))
        url, drop = _site_templates.new_site(tmp_path / f"site{len(cleanups)}", key,
                                             _populate, make_platform)
        # Kept before the platform is built: a test may expect building it to fail, and
        # the database must still be removed.
        cleanups.append([None, drop])
        platform = make_platform(url)
        cleanups[-1][0] = platform
        platform.start()
        return Site(platform)

    yield build
    for platform, drop in cleanups:
        if platform is not None:
            platform.dispose()
        drop()


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    """A site with no plugins but the core."""
    return make_site(plugins=[])
