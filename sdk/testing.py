"""Pytest fixtures for testing Ordercraft plugins (a ``pytest11`` entry point).

``make_site(plugins=[...], extra_plugins=[module])`` builds a site on a fresh
database with exactly those plugins: a SQLite file in the test's temporary folder,
or, when ``ORDERCRAFT_TEST_DATABASE_URL`` names a PostgreSQL database, a fresh
schema in it that is dropped afterwards. The returned :class:`Site` has the
platform, an admin user, a CLI runner and a web test client.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shlex
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pytest

from ordercraft.sdk._site_templates import SiteTemplates

__all__ = ["ADMIN_PASSWORD", "CliResult", "ReceivedMail", "Site", "SmtpServer", "make_site",
           "make_smtp_server", "site", "smtp_server", "test_database_url"]

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
    from ordercraft.core.services.users import create_user
    from ordercraft.core.site import apply_declarations

    create_all_and_stamp(platform)
    with platform.session() as session:
        apply_declarations(session)
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
        if not url.startswith("sqlite"):
            # The key file of a PostgreSQL site would go to the current folder; a test
            # site's key lives as long as its platform.
            from ordercraft.core.secret_key import new_key, use_secret_key

            use_secret_key(platform, new_key())
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


# --------------------------------------------------------------------------- mail


@dataclass
class ReceivedMail:
    """A message the test SMTP server accepted: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: Any  # email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The plain-text body."""
        part = self.message.get_body(("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str | None:
        part = self.message.get_body(("html",))
        return part.get_content() if part is not None else None

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:
        """``(file name, content type, bytes)`` of each attachment."""
        return [(part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
                for part in self.message.iter_attachments()]


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1, in a thread, keeping
    what it accepts in :attr:`messages`.

    ``security`` ``"starttls"`` or ``"ssl"`` serves TLS with a self-signed certificate
    for ``localhost`` made for the test (:attr:`ca_file` trusts it); ``login=(user,
    password)`` requires that login (over TLS). :meth:`refuse_next` makes the server
    answer the next messages with an error (``451``: try later; ``550``: never).
    """

    def __init__(self, folder: Path, security: str = "none",
                 login: tuple[str, str] | None = None) -> None:
        self.security = security
        self.login = login
        self.host = "localhost" if security != "none" else "127.0.0.1"
        self.messages: list[ReceivedMail] = []
        self.refusals: list[str] = []
        self.refused_recipients: dict[str, str] = {}
        self.ca_file: str = ""
        self._folder = folder
        self._controller: Any = None

    # The handler's methods run in the server's thread; list appends are atomic, and a
    # message is kept before the server answers 250, so a test reads it as soon as the
    # sender returns.
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        refusal = self.refused_recipients.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email
        from email import policy

        if self.refusals:
            return self.refusals.pop(0)
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=policy.default)
        self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos),
                                          message))
        return "250 OK: queued"

    def refuse_next(self, count: int = 1, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer the next ``count`` messages with ``reply`` instead of accepting them."""
        self.refusals.extend([reply] * count)

    def refuse_recipient(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        self.refused_recipients[address] = reply

    def configure(self, site: Site, **settings: Any) -> None:
        """Point ``site``'s mail settings at this server (``settings`` override them:
        ``max_attempts=3``, ``sender=...``)."""
        from ordercraft.core.mail.settings import update_settings

        values = {"host": self.host, "port": self.port, "security": self.security,
                  "user": self.login[0] if self.login else "", "ca_file": self.ca_file,
                  "sender": "ordercraft@workshop.example", **settings}
        with site.session() as session:
            update_settings(session, **values)

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        class FreePortController(Controller):
            # Bound to port 0: the system picks a free port, read back before aiosmtpd
            # connects to itself to check it is up.
            def _trigger_server(self) -> None:
                # asyncio's create_server returns a Server (typed as AbstractServer)
                server = cast(asyncio.Server, self.server)
                self.port = server.sockets[0].getsockname()[1]
                super()._trigger_server()  # type: ignore[no-untyped-call]

        options: dict[str, Any] = {}
        if self.security != "none":
            context = self._tls_context()
            if self.security == "ssl":
                options["ssl_context"] = context
            else:
                options.update(tls_context=context, require_starttls=True)
        if self.login:
            expected = self.login

            def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                             auth_data: Any) -> Any:
                from aiosmtpd.smtp import AuthResult

                given = (auth_data.login.decode(), auth_data.password.decode())
                # handled=False: aiosmtpd answers a refusal with 535 itself.
                return AuthResult(success=given == expected, handled=False)

            options.update(authenticator=authenticate, auth_required=True,
                           # Over SSL the connection is encrypted from the start, which
                           # aiosmtpd's own check for TLS does not see.
                           auth_require_tls=self.security != "ssl")
        self._controller = FreePortController(self, hostname="127.0.0.1", port=0,
                                              server_hostname="localhost", **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _tls_context(self) -> Any:
        import ssl

        certificate, key = _self_signed_certificate(self._folder)
        self.ca_file = str(certificate)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, key)
        return context


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for ``localhost`` (and 127.0.0.1) signed by its own key: the test's
    own certificate authority, valid for a day."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                     crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False,
                                     decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    certificate_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return certificate_path, key_path


@pytest.fixture
def make_smtp_server(tmp_path: Path) -> Iterator[Any]:
    """Factory: ``make_smtp_server(security="starttls", login=("robot", "secret"))`` ->
    a started :class:`SmtpServer`, stopped after the test."""
    servers: list[SmtpServer] = []

    def build(security: str = "none", login: tuple[str, str] | None = None) -> SmtpServer:
        server = SmtpServer(tmp_path / f"smtp{len(servers)}", security, login).start()
        servers.append(server)
        return server

    yield build
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(make_smtp_server: Any) -> SmtpServer:
    """A plain SMTP server on a free port that keeps what it receives
    (``smtp_server.messages``); ``smtp_server.configure(site)`` points a site at it."""
    server: SmtpServer = make_smtp_server()
    return server
