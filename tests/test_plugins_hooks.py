"""The foundation hooks: each test proves that a plugin implementing the hook has an
effect (the web hooks are tested in test_web.py; the callers of the document hooks —
the stock ledger and the workflow engine — test them again from their side)."""

from __future__ import annotations

import re
import textwrap
import types

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text

from ordercraft.core.errors import Conflict, PluginError, PluginFault
from ordercraft.core.platform import Platform
from ordercraft.sdk import PluginInfo, hookimpl
from ordercraft.sdk.testing import Site, test_database_url


def make_plugin(name: str, requires: tuple[str, ...] = (), **hooks: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.plugin = PluginInfo(name=name, version="1.0", requires=requires)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def test_hook_startup(make_site):
    seen: list[object] = []
    plugin = make_plugin("starter", startup=lambda platform: seen.append(platform))
    site = make_site(plugins=[], extra_plugins=[plugin])
    assert seen == [site.platform]
    site.platform.start()  # once per process
    assert seen == [site.platform]
    # Enabled while the process runs: started when the process notices the change.
    site.platform.set_plugin_enabled("starter", False)
    site.platform.set_plugin_enabled("starter", True)
    assert seen == [site.platform]
    late: list[object] = []
    latecomer = make_plugin("latecomer", startup=lambda platform: late.append(platform))
    other = make_site(plugins=[], extra_plugins=[latecomer])
    other.platform.set_plugin_enabled("latecomer", False)
    restarted = Platform(other.platform.database_url, only=[], extra_plugins=[latecomer])
    try:
        late.clear()
        restarted.start()
        assert late == []  # disabled: not started
        other.platform.set_plugin_enabled("latecomer", True)
        assert restarted.refresh_plugins() is True
        assert late == [restarted]
    finally:
        restarted.dispose()


def test_hook_startup_failure_names_the_plugin(make_site):
    def fail(platform):
        raise KeyError("setting")

    with pytest.raises(PluginFault, match="plugin 'failing' failed in hook 'startup': KeyError"
                       ) as fault:
        make_site(plugins=[], extra_plugins=[make_plugin("failing", startup=fail)])
    assert (fault.value.plugin, fault.value.hook) == ("failing", "startup")
    assert isinstance(fault.value.__cause__, KeyError)


def test_hook_register_models(make_site):
    from ordercraft.core.db import Base

    calls: list[str] = []

    def register_models():
        calls.append("register_models")
        if "hooktest_notes" in Base.metadata.tables:
            return
        from sqlalchemy import Integer, String
        from sqlalchemy.orm import mapped_column

        class HookTestNote(Base):
            __tablename__ = "hooktest_notes"
            id = mapped_column(Integer, primary_key=True)
            text = mapped_column(String(100))

    try:
        site = make_site(plugins=[], extra_plugins=[
            make_plugin("notes", register_models=register_models)])
        assert calls == ["register_models"]
        with site.session() as session:
            session.execute(text("INSERT INTO hooktest_notes (id, text) VALUES (1, 'kept')"))
        with site.session() as session:
            assert session.execute(text("SELECT text FROM hooktest_notes")).scalar() == "kept"
    finally:
        # The metadata is shared by every site of this test run.
        table = Base.metadata.tables.get("hooktest_notes")
        if table is not None:
            Base.metadata.remove(table)


MIGRATION = '''
"""hooktest: first revision of the plugin's own branch."""

import sqlalchemy as sa
from alembic import op

revision = "hooktest0001"
down_revision = None
branch_labels = ("migrating",)
depends_on = ("core",)


def upgrade():
    op.create_table("migrating_records",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("label", sa.String(50), nullable=False))


def downgrade():
    op.drop_table("migrating_records")
'''


def test_hook_migrations_location(tmp_path):
    versions = tmp_path / "migrating_versions"
    versions.mkdir()
    (versions / "hooktest0001_first.py").write_text(textwrap.dedent(MIGRATION))
    plugin = make_plugin("migrating", migrations_location=lambda: str(versions))
    url, drop = test_database_url(tmp_path)
    platforms: list[Platform] = []
    try:
        # The site exists before the add-on is installed ...
        before = Platform(url, only=[])
        platforms.append(before)
        created = Site(before).cli("init --admin-password long-enough-password")
        assert created.exit_code == 0, created.stderr
        # ... then the add-on comes: its branch is pending and 'db upgrade' applies it.
        after = Platform(url, only=[], extra_plugins=[plugin])
        platforms.append(after)
        site = Site(after)
        assert site.cli("db status --json").json()["pending"] == ["hooktest0001"]
        upgraded = site.cli("db upgrade --json")
        assert upgraded.exit_code == 0, upgraded.stderr
        assert upgraded.json()["applied"] == ["hooktest0001"]
        assert site.cli("db status --json").json()["pending"] == []
        with after.engine.connect() as connection:
            assert sa_inspect(connection).has_table("migrating_records")
            versions_held = set(connection.execute(
                text("SELECT version_num FROM alembic_version")).scalars())
        assert "hooktest0001" in versions_held
        # A disabled plugin keeps its branch: the schema stays up to date.
        site.cli("plugins disable migrating")
        assert site.cli("db status --json").json()["pending"] == []
    finally:
        for platform in platforms:
            platform.dispose()
        drop()


def test_hook_migrations_location_on_a_new_site(tmp_path):
    versions = tmp_path / "migrating_versions"
    versions.mkdir()
    (versions / "hooktest0001_first.py").write_text(textwrap.dedent(MIGRATION))
    plugin = make_plugin("migrating", migrations_location=lambda: str(versions))
    url, drop = test_database_url(tmp_path)
    platform = Platform(url, only=[], extra_plugins=[plugin])
    try:
        created = Site(platform).cli("init --admin-password long-enough-password")
        assert created.exit_code == 0, created.stderr
        with platform.engine.connect() as connection:
            assert sa_inspect(connection).has_table("migrating_records")
            assert sa_inspect(connection).has_table("users")
    finally:
        platform.dispose()
        drop()


def test_hook_cli_commands(make_site):
    import click

    @click.command("greet")
    @click.argument("name")
    def greet(name):
        """Greet someone."""
        click.echo(f"hello, {name}")

    site = make_site(plugins=[], extra_plugins=[make_plugin("greeter",
                                                           cli_commands=lambda: [greet])])
    assert site.cli("greet world").output == "hello, world\n"
    assert "Greet someone." in site.cli("--help").output
    site.platform.set_plugin_enabled("greeter", False)
    assert site.cli("greet world").exit_code == 2


def test_hook_cli_commands_clash_is_an_error(make_site):
    import click

    clash = click.command("backup")(lambda: None)
    site = make_site(plugins=[], extra_plugins=[make_plugin("clashing",
                                                           cli_commands=lambda: [clash])])
    result = site.cli("--help")
    assert result.exit_code == 2
    assert "plugin 'clashing' adds command 'backup', which already exists" in result.stderr


def test_hook_demo_data(make_site, tmp_path):
    from ordercraft.core.models import Warehouse

    def seed_base(session):
        session.add(Warehouse(code="HOOKBASE", name="Seeded by the base plugin"))

    def seed_dependant(session):
        # Runs after the plugin it requires: its data is there to build on.
        base = session.scalar(select(Warehouse).where(Warehouse.code == "HOOKBASE"))
        session.add(Warehouse(code="HOOKDEP", name=f"Next to {base.name}"))

    url, drop = test_database_url(tmp_path)
    platform = Platform(url, only=[], extra_plugins=[
        make_plugin("zz_seed_base", demo_data=seed_base),
        make_plugin("aa_seed_dependant", requires=("zz_seed_base",), demo_data=seed_dependant)])
    try:
        result = Site(platform).cli("demo --no-serve --json")
        assert result.exit_code == 0, result.stderr
        assert {"plugin:zz_seed_base", "plugin:aa_seed_dependant"} <= set(result.json()["seeded"])
        with platform.session() as session:
            names = dict(session.execute(select(Warehouse.code, Warehouse.name)).all())
        assert names["HOOKDEP"] == "Next to Seeded by the base plugin"
        # Seeded once: running the demo again adds nothing twice.
        again = Site(platform).cli("demo --no-serve --json")
        assert again.exit_code == 0, again.stderr
        with platform.session() as session:
            assert len(session.scalars(select(Warehouse).where(
                Warehouse.code.in_(["HOOKBASE", "HOOKDEP"]))).all()) == 2
    finally:
        platform.dispose()
        drop()


def test_hook_document_posted(make_site):
    from ordercraft.core.models import Warehouse

    posted: list[str] = []

    def document_posted(session, document):
        if document.code == "REFUSED":
            raise Conflict("this warehouse is refused by the audit plugin")
        posted.append(document.code)

    site = make_site(plugins=[], extra_plugins=[make_plugin("watcher",
                                                           document_posted=document_posted)])
    with site.session() as session:
        document = Warehouse(code="OK1", name="Accepted")
        session.add(document)
        session.flush()
        site.platform.hooks.document_posted(session, document)
    assert posted == ["OK1"]
    # Raising refuses the posting as a whole: nothing of it is saved.
    with pytest.raises(Conflict), site.session() as session:
        refused = Warehouse(code="REFUSED", name="Refused")
        session.add(refused)
        session.flush()
        site.platform.hooks.document_posted(session, refused)
    with site.session() as session:
        assert session.scalar(select(Warehouse).where(Warehouse.code == "REFUSED")) is None


def test_hook_document_transition(make_site):
    from ordercraft.core.models import Warehouse

    moves: list[tuple[str, str, str, str, object]] = []

    def document_transition(document, transition, source, target, user):
        if target == "forbidden":
            raise Conflict(f"{document.code} may not become {target}")
        moves.append((document.code, transition, source, target, user))

    site = make_site(plugins=[], extra_plugins=[make_plugin(
        "mover", document_transition=document_transition)])
    admin = site.user("admin")
    with site.session() as session:
        document = Warehouse(code="MOVED", name="Moved")
        session.add(document)
        session.flush()
        site.platform.hooks.document_transition(session, document, "open", "draft", "open",
                                                admin)
    assert moves == [("MOVED", "open", "draft", "open", admin)]
    with pytest.raises(Conflict, match="MOVED2 may not become forbidden"), \
            site.session() as session:
        session.add(Warehouse(code="MOVED2", name="Moved too"))
        session.flush()
        document = session.scalar(select(Warehouse).where(Warehouse.code == "MOVED2"))
        site.platform.hooks.document_transition(session, document, "ban", "open", "forbidden",
                                                None)
    with site.session() as session:
        assert session.scalar(select(Warehouse).where(Warehouse.code == "MOVED2")) is None


def test_db_revision_for_a_plugin_starts_its_branch_in_its_own_folder(tmp_path):
    """A plugin author's first ``ordercraft db revision --owner PLUGIN``: the revision
    lands in the plugin's migrations folder (created if need be), as the first of the
    plugin's branch, after the core's, and holds the plugin's tables only; its exact
    decimal columns are named through the SDK, the only door a plugin imports."""
    from decimal import Decimal

    from sqlalchemy import String
    from sqlalchemy.orm import Mapped, mapped_column

    from ordercraft.sdk.models import Base, ExactDecimal, Money

    versions = tmp_path / "gadgets" / "migrations"
    plugin = make_plugin("gadgets", migrations_location=lambda: str(versions))
    gadget = type("Gadget", (Base,), {
        "__module__": "gadgets.models", "__tablename__": "gadgets_gadgets",
        "__annotations__": {"id": Mapped[int], "name": Mapped[str], "price": Mapped[Decimal],
                            "weight": Mapped[Decimal]},
        "id": mapped_column(primary_key=True), "name": mapped_column(String(40)),
        "price": mapped_column(Money()), "weight": mapped_column(ExactDecimal(12, 3))})
    url, drop = test_database_url(tmp_path)
    platform = Platform(url, only=[], extra_plugins=[plugin])
    try:
        site = Site(platform)
        assert site.cli("init --admin-password long-enough-password").exit_code == 0
        made = site.cli(["db", "revision", "-m", "gadget table", "--owner", "gadgets"])
        assert made.exit_code == 0, made.stderr
        written = list(versions.glob("*.py"))
        assert len(written) == 1 and str(written[0]) in made.output
        source = written[0].read_text()
        assert "branch_labels = ('gadgets',)" in source
        assert re.search(r"^depends_on = (\('core',\)|'core')$", source, re.M), source
        assert "gadgets_gadgets" in source and "create_table('users'" not in source
        assert "ordercraft.core" not in source, source
        assert "import ordercraft.sdk.models" in source
        assert "sa.Column('price', ordercraft.sdk.models.ExactDecimal()" in source
        assert ("sa.Column('weight', ordercraft.sdk.models.ExactDecimal(precision=12, scale=3)"
                in source)
        upgraded = site.cli("db upgrade --json")
        assert upgraded.exit_code == 0, upgraded.stderr
        with platform.engine.connect() as connection:
            assert sa_inspect(connection).has_table("gadgets_gadgets")
        unknown = site.cli(["db", "revision", "-m", "x", "--owner", "gizmos"])
        assert unknown.exit_code == 2 and "'gizmos'" in unknown.stderr
    finally:
        platform.dispose()
        drop()
        Base.metadata.remove(gadget.__table__)


# --------------------------------------------------------------------------- plugins' own hooks


def quality_specs() -> types.ModuleType:
    """A hookspec module of a plugin "quality": one hook, as a plugin's hookspecs.py."""
    from ordercraft.sdk.plugins import hookspec

    module = types.ModuleType("quality_hookspecs")

    @hookspec
    def check_failed(session: object, sku: str) -> None:
        """Called when a check fails. :param session: ... :param sku: ... Return nothing."""

    module.check_failed = check_failed
    return module


def quality_plugin() -> types.ModuleType:
    from ordercraft.sdk.plugins import HookWrapper

    specs = quality_specs()

    class QualityHooks(HookWrapper):
        def check_failed(self, session: object, sku: str) -> None:
            self.call_each("check_failed", session=session, sku=sku)

    def startup(platform):
        QualityHooks.of(platform).check_failed(None, "HINGE")

    module = make_plugin("quality", add_hookspecs=lambda registry: registry.add(specs),
                         startup=startup)
    module.QualityHooks = QualityHooks
    return module


def test_hook_add_hookspecs(make_site):
    calls: list[str] = []
    quality = quality_plugin()
    listener = make_plugin("listener", requires=("quality",),
                           check_failed=lambda sku: calls.append(f"listener: {sku}"))
    site = make_site(plugins=[], extra_plugins=[quality, listener])
    # quality's startup called its own hook through its typed wrapper.
    assert calls == ["listener: HINGE"]
    owners = [owner for owner, _module in site.platform.pm.spec_modules]
    assert owners == ["core", "quality"]
    assert site.platform.plugin("listener").hooks == ["check_failed"]

    # An implementation must fit the plugin's spec like any other.
    misfit = make_plugin("misfit", requires=("quality",),
                         check_failed=lambda sku, colour: None)
    with pytest.raises(PluginError) as error:
        make_site(plugins=[], extra_plugins=[quality_plugin(), misfit])
    assert error.value.code == "plugin_invalid_hook"
    assert error.value.message.startswith("plugin 'misfit': ")
    assert "colour" in error.value.message and "declared by plugin 'quality'" in (
        error.value.message)

    # Without quality (disabled) its hook does not exist: implementing it needs quality...
    with pytest.raises(PluginError) as error:
        make_site(plugins=[], extra_plugins=[make_plugin(
            "stray", check_failed=lambda sku: None)])
    assert error.value.code == "unknown_hook" and "a plugin it requires" in error.value.message
    # ...unless the implementation is optional.
    optional = types.ModuleType("optional")
    optional.plugin = PluginInfo(name="optional")
    optional.check_failed = hookimpl(optionalhook=True)(lambda sku: None)
    make_site(plugins=[], extra_plugins=[optional])


def test_a_plugin_hook_cannot_take_a_name_already_declared(make_site):
    from ordercraft.sdk.plugins import hookspec

    specs = quality_specs()
    clash = types.ModuleType("clash_specs")

    @hookspec
    def startup(platform: object) -> None:
        """Called ... Return nothing."""

    clash.startup = startup
    with pytest.raises(PluginError, match="plugin 'clashing' declares hook 'startup', which "
                                          "the core declares already"):
        make_site(plugins=[], extra_plugins=[make_plugin(
            "clashing", add_hookspecs=lambda registry: registry.add(clash))])
    with pytest.raises(PluginError, match="declares none"):
        make_site(plugins=[], extra_plugins=[make_plugin(
            "empty", add_hookspecs=lambda registry: registry.add(types.ModuleType("nothing")))])
    first = make_plugin("first", add_hookspecs=lambda registry: registry.add(specs))
    second = make_plugin("second", add_hookspecs=lambda registry: registry.add(quality_specs()))
    with pytest.raises(PluginError, match="plugin 'second' declares hook 'check_failed', "
                                          "which plugin 'first' declares already"):
        make_site(plugins=[], extra_plugins=[first, second])


def test_hook_plugin_services(make_site):
    class Greeter:
        def greet(self, name: str) -> str:
            return f"hello {name}"

    provider = make_plugin("provider", plugin_services=lambda registry: registry.add(
        "greeter", Greeter()))
    site = make_site(plugins=[], extra_plugins=[provider])
    from ordercraft.sdk.plugins import plugin_service

    with site.session() as session:
        assert plugin_service(session, "provider", "greeter").greet("Ann") == "hello Ann"
        with pytest.raises(PluginError) as unknown:
            plugin_service(session, "provider", "farewell")
        assert unknown.value.code == "unknown_service"
        assert unknown.value.message == ("plugin 'provider' offers no service 'farewell' "
                                         "(it offers: greeter)")
    assert plugin_service(site.platform, "provider", "greeter") is plugin_service(
        site.platform, "provider", "greeter")

    site.platform.set_plugin_enabled("provider", False)
    with site.session() as session, pytest.raises(PluginError) as disabled:
        plugin_service(session, "provider", "greeter")
    assert disabled.value.code == "plugin_service_unavailable"
    assert disabled.value.message == (
        "plugin 'provider' is disabled on this site: its service 'greeter' cannot be used (a "
        "plugin that needs it lists 'provider' in its requires)")
    with pytest.raises(PluginError, match="plugin 'elsewhere' is not installed"):
        plugin_service(site.platform, "elsewhere", "greeter")
