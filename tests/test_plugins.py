"""The plugin kernel: discovery by entry point, enable/disable per site (seen by every
running process), requirement and hook errors, a fast ``ordercraft --help``.

Add-on packages here are really installed: a package folder plus a ``.dist-info``
with ``entry_points.txt`` on ``PYTHONPATH``, run through the real console script.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from ordercraft.core.errors import PluginError
from ordercraft.core.platform import Platform
from ordercraft.core.plugins import PluginInfo, discover
from ordercraft.sdk import hookimpl

CONSOLE_SCRIPT = Path(sys.executable).with_name("ordercraft")

HELLO_ADDON = '''
import os

from ordercraft.sdk import hookimpl

# Records every import, so that tests can prove a disabled plugin is never imported.
with open(os.environ["OC_IMPORT_LOG"], "a") as log:
    log.write(__name__ + "\\n")


@hookimpl
def cli_commands():
    import click

    @click.command("hello")
    def hello():
        """Say hello from the add-on."""
        click.echo("hello from ocaddon")

    return [hello]
'''


def install_addon(root: Path, name: str, source: str, *, version: str = "1.0",
                  summary: str = "A throwaway add-on") -> None:
    """Install package ``name`` into ``root`` (a folder on PYTHONPATH) with an entry point."""
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(source))
    dist_info = root / f"{name}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n")
    (dist_info / "entry_points.txt").write_text(f"[ordercraft.plugins]\n{name} = {name}\n")


class Console:
    """Runs the installed ``ordercraft`` console script against one site."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.import_log = root / "imports.log"
        self.import_log.write_text("")
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(root), os.environ.get("PYTHONPATH", "")]))
        self.env["ORDERCRAFT_DATABASE_URL"] = database_url
        self.env["OC_IMPORT_LOG"] = str(self.import_log)
        self.cwd = root

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(CONSOLE_SCRIPT), *args], env=self.env, cwd=self.cwd,
                              capture_output=True, text=True, timeout=120)

    def imported(self) -> list[str]:
        return self.import_log.read_text().split()


@pytest.fixture
def addons(tmp_path: Path) -> Path:
    root = tmp_path / "addons"
    root.mkdir()
    return root


@pytest.fixture
def full_site(make_site):
    """A site with every installed plugin: what the console script loads."""
    return make_site(plugins=None)


def test_console_script_is_installed():
    assert CONSOLE_SCRIPT.exists(), f"no console script at {CONSOLE_SCRIPT}"


@pytest.mark.slow
def test_installed_addon_is_listed_runs_and_can_be_disabled_and_enabled(full_site, addons):
    install_addon(addons, "ocaddon", HELLO_ADDON)
    run = Console(addons, full_site.platform.database_url)

    listed = run("plugins", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    addon = {p["name"]: p for p in json.loads(listed.stdout)["plugins"]}["ocaddon"]
    assert addon["builtin"] is False
    assert addon["version"] == "1.0"
    assert addon["description"] == "A throwaway add-on"
    assert addon["enabled"] is True
    assert addon["hooks"] == ["cli_commands"]
    assert addon["distribution"] == "ocaddon"

    hello = run("hello")
    assert (hello.returncode, hello.stdout) == (0, "hello from ocaddon\n"), hello.stderr
    assert "hello" in run("--help").stdout

    disabled = run("plugins", "disable", "ocaddon")
    assert disabled.returncode == 0, disabled.stderr
    run.import_log.write_text("")
    help_text = run("--help")
    assert help_text.returncode == 0
    assert "hello" not in help_text.stdout
    unknown = run("hello")
    assert unknown.returncode == 2
    assert "No such command 'hello'" in unknown.stderr
    listed = json.loads(run("plugins", "list", "--json").stdout)["plugins"]
    assert [p["enabled"] for p in listed if p["name"] == "ocaddon"] == [False]
    assert run.imported() == [], "a disabled plugin was imported"

    enabled = run("plugins", "enable", "ocaddon")
    assert enabled.returncode == 0, enabled.stderr
    assert run("hello").stdout == "hello from ocaddon\n"
    assert "hello" in run("--help").stdout


@pytest.mark.slow
def test_package_with_only_an_entry_point_is_listed_from_its_metadata(full_site, addons):
    install_addon(addons, "ocbare", "", version="2.5.1", summary="Nothing but an entry point")
    run = Console(addons, full_site.platform.database_url)
    listed = run("plugins", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    bare = {p["name"]: p for p in json.loads(listed.stdout)["plugins"]}["ocbare"]
    assert (bare["version"], bare["description"]) == ("2.5.1", "Nothing but an entry point")
    assert bare["hooks"] == [] and bare["requires"] == [] and bare["builtin"] is False
    text = run("plugins", "list")
    assert "ocbare" in text.stdout and "2.5.1" in text.stdout


@pytest.mark.slow
def test_plugin_info_overrides_distribution_metadata(full_site, addons):
    install_addon(addons, "ocdescribed", '''
        from ordercraft.sdk import PluginInfo

        plugin = PluginInfo(name="ocdescribed", version="3.0", description="Says who it is")
    ''')
    run = Console(addons, full_site.platform.database_url)
    plugins = {p["name"]: p for p in json.loads(run("plugins", "list", "--json").stdout)["plugins"]}
    assert (plugins["ocdescribed"]["version"], plugins["ocdescribed"]["description"]) == (
        "3.0", "Says who it is")


@pytest.mark.slow
def test_missing_requirement_stops_the_start_with_a_clear_error(full_site, addons):
    install_addon(addons, "ocneedy", '''
        from ordercraft.sdk import PluginInfo

        plugin = PluginInfo(name="ocneedy", version="1.0", requires=("ocghost",))
    ''')
    run = Console(addons, full_site.platform.database_url)
    started = run("--help")
    assert started.returncode == 2
    assert started.stderr.strip() == (
        "error: plugin 'ocneedy' requires plugin 'ocghost', which is not installed")
    assert "Traceback" not in started.stderr
    # 'plugins' still works, to show and repair the problem.
    listed = run("plugins", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    needy = {p["name"]: p for p in json.loads(listed.stdout)["plugins"]}["ocneedy"]
    assert needy["loaded"] is False and "ocghost" in needy["problem"]
    assert run("plugins", "disable", "ocneedy").returncode == 0
    assert run("--help").returncode == 0


@pytest.mark.slow
def test_misspelt_hook_in_an_installed_addon_stops_the_start(full_site, addons):
    install_addon(addons, "octypo", '''
        from ordercraft.sdk import hookimpl


        @hookimpl
        def cli_comands():
            return []
    ''')
    run = Console(addons, full_site.platform.database_url)
    started = run("--help")
    assert started.returncode == 2
    assert started.stderr.startswith(
        "error: plugin 'octypo' implements hook 'cli_comands', which is not a hook of Ordercraft")
    listed = run("plugins", "list")
    assert listed.returncode == 0, listed.stderr
    assert "plugin 'octypo' is not loaded: plugin 'octypo' implements hook 'cli_comands'" \
        in listed.stdout
    assert run("plugins", "disable", "octypo").returncode == 0
    assert run("--help").returncode == 0


def test_missing_requirement_in_process_names_both_plugins(make_site):
    needy = types.ModuleType("needy")
    needy.plugin = PluginInfo(name="needy", requires=("absent",))
    with pytest.raises(PluginError) as error:
        make_site(plugins=[], extra_plugins=[needy])
    assert error.value.code == "plugin_requirement_missing"
    assert error.value.message == "plugin 'needy' requires plugin 'absent', which is not installed"


def test_requirement_cycle_is_an_error(make_site):
    first, second = types.ModuleType("first"), types.ModuleType("second")
    first.plugin = PluginInfo(name="first", requires=("second",))
    second.plugin = PluginInfo(name="second", requires=("first",))
    with pytest.raises(PluginError, match="cycle: first -> second -> first"):
        make_site(plugins=[], extra_plugins=[first, second])


def test_requires_given_as_a_single_name_is_one_name():
    assert PluginInfo(name="a", requires="crm").requires == ("crm",)
    with pytest.raises(PluginError, match="not a valid plugin name"):
        PluginInfo(name="has space")


def _plugin(name: str, requires: tuple[str, ...] = (), essential: str | None = None,
            **hooks: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.plugin = PluginInfo(name=name, version="1.0", requires=requires, essential=essential)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def test_disabling_a_required_plugin_is_refused_naming_the_dependants(make_site):
    site = make_site(plugins=[], extra_plugins=[
        _plugin("base"), _plugin("left", requires=("base",)), _plugin("right", requires=("base",))])
    refused = site.cli("plugins disable base")
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        "error: plugin 'base' cannot be disabled: enabled plugins 'left', 'right' require it "
        "(disable them first)")
    assert site.platform.is_enabled("base")
    assert site.cli("plugins disable left").exit_code == 0
    assert site.cli("plugins disable right").exit_code == 0
    assert site.cli("plugins disable base").exit_code == 0
    # Enabling needs the requirements enabled first.
    refused = site.cli("plugins enable left --json")
    assert refused.exit_code == 2
    assert refused.json()["error"]["message"] == (
        "plugin 'left' cannot be enabled: plugin 'left' requires plugin 'base', which is "
        "disabled (enable it with: ordercraft plugins enable base)")
    assert site.cli("plugins enable base").exit_code == 0
    assert site.cli("plugins enable left").exit_code == 0
    assert site.platform.is_enabled("left")


def test_essential_plugin_refuses_to_be_disabled_with_its_reason(make_site):
    site = make_site(plugins=[], extra_plugins=[
        _plugin("ledger", essential="stock documents are kept by it")])
    refused = site.cli("plugins disable ledger")
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        "error: plugin 'ledger' is essential and cannot be disabled: stock documents are kept by it")
    assert site.cli("plugins list --json").json()["plugins"][0]["essential"] is True


def test_unknown_plugin_name_is_a_user_error(site):
    result = site.cli("plugins disable nosuch")
    assert result.exit_code == 2
    assert "plugin 'nosuch' is not installed" in result.stderr


def test_misspelt_hook_is_an_error_naming_the_plugin_and_the_hook(make_site):
    typo = _plugin("typo", cli_comands=lambda: [])
    with pytest.raises(PluginError) as error:
        make_site(plugins=[], extra_plugins=[typo])
    assert error.value.code == "unknown_hook"
    assert "plugin 'typo' implements hook 'cli_comands'" in error.value.message
    assert error.value.details == {"plugin": "typo", "hook": "cli_comands"}


def test_implementation_argument_the_hook_does_not_have_is_an_error(make_site):
    wrong = _plugin("wrongarg", startup=lambda platfrom: None)
    with pytest.raises(PluginError) as error:
        make_site(plugins=[], extra_plugins=[wrong])
    assert "plugin 'wrongarg'" in error.value.message
    assert "startup" in error.value.message and "platfrom" in error.value.message


def test_optional_hook_for_a_newer_ordercraft_is_allowed(make_site):
    module = types.ModuleType("forward")
    module.some_future_hook = hookimpl(optionalhook=True)(lambda: None)
    site = make_site(plugins=[], extra_plugins=[module])
    assert site.platform.is_enabled("forward")


def test_wrapper_implementations_are_refused(make_site):
    module = types.ModuleType("wrapping")
    module.startup = hookimpl(wrapper=True)(lambda platform: (yield))
    with pytest.raises(PluginError, match="plugin 'wrapping' implements hook 'startup' as a wrapper"):
        make_site(plugins=[], extra_plugins=[module])


def test_make_site_loads_exactly_the_plugins_named(make_site):
    extra = _plugin("extra_one")
    site = make_site(plugins=[], extra_plugins=[extra])
    assert [p.name for p in site.platform.plugins] == ["extra_one"]
    everything = make_site(plugins=None, extra_plugins=[_plugin("extra_two")])
    assert sorted(p.name for p in everything.platform.plugins) == sorted(
        [p.name for p in discover()] + ["extra_two"])
    with pytest.raises(PluginError, match="plugin 'not_a_plugin' is not installed"):
        make_site(plugins=["not_a_plugin"])


def test_failing_hook_is_an_internal_fault_naming_the_plugin(make_site):
    """A plugin's crash is not the user's mistake: exit code 1, the plugin and hook named."""
    def broken():
        raise RuntimeError("boom")

    site = make_site(plugins=[], extra_plugins=[_plugin("fragile", cli_commands=broken)])
    result = site.cli("--help")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: plugin 'fragile' failed in hook 'cli_commands': RuntimeError: boom")
    as_json = site.cli("gadget --json")  # finding a plugin's command runs the hook
    assert as_json.exit_code == 1
    assert as_json.json()["error"] == {
        "code": "plugin_failed",
        "message": "plugin 'fragile' failed in hook 'cli_commands': RuntimeError: boom",
        "details": {"plugin": "fragile", "hook": "cli_commands"}}


def test_requirements_are_called_first(make_site):
    calls: list[str] = []
    site = make_site(plugins=[], extra_plugins=[
        _plugin("aaa_dependant", requires=("zzz_base",),
                demo_data=lambda: calls.append("aaa_dependant")),
        _plugin("zzz_base", demo_data=lambda: calls.append("zzz_base")),
    ])
    with site.session() as session:
        site.platform.hooks.demo_data(session, site.platform)
    assert calls == ["zzz_base", "aaa_dependant"]
    assert [p.name for p in site.platform.enabled_plugins] == ["zzz_base", "aaa_dependant"]


def test_a_second_platform_on_the_same_site_follows_the_switch(make_site):
    site = make_site(plugins=[], extra_plugins=[_plugin("switchable")])
    other = Platform(site.platform.database_url, only=[], extra_plugins=[
        site.platform.plugin("switchable").module])
    try:
        assert other.refresh_plugins() is False
        site.platform.set_plugin_enabled("switchable", False)
        assert other.is_enabled("switchable")
        assert other.refresh_plugins() is True
        assert not other.is_enabled("switchable")
        assert other.hooks.cli_commands() == []
        site.platform.set_plugin_enabled("switchable", True)
        assert other.refresh_plugins() is True and other.is_enabled("switchable")
    finally:
        other.dispose()


WATCHER = '''
import sys, time
from ordercraft.core.platform import Platform

platform = Platform(sys.argv[1])
platform.start()
last = None
deadline = time.monotonic() + 600  # the test kills it; this only bounds a forgotten one
while time.monotonic() < deadline:
    platform.refresh_plugins()
    names = sorted(p.name for p in platform.enabled_plugins)
    commands = sorted(command.name for _plugin, command in platform.hooks.cli_commands())
    if (names, commands) != last:
        last = (names, commands)
        print(",".join(names) + "|" + ",".join(commands), flush=True)
    time.sleep(0.05)
'''


@pytest.mark.slow
def test_a_running_process_follows_enable_and_disable_without_restart(full_site, addons):
    install_addon(addons, "ocaddon", HELLO_ADDON)
    run = Console(addons, full_site.platform.database_url)
    watcher = subprocess.Popen([sys.executable, "-c", WATCHER, full_site.platform.database_url],
                               env=run.env, cwd=addons, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        def next_state() -> tuple[set[str], set[str]]:
            line = watcher.stdout.readline().strip()
            assert line, f"the watching process ended: {watcher.stderr.read()}"
            names, commands = line.split("|")
            return set(filter(None, names.split(","))), set(filter(None, commands.split(",")))

        # Bundled plugins load too; only the add-on's part may change.
        names, commands = next_state()
        assert "ocaddon" in names and "hello" in commands
        assert run("plugins", "disable", "ocaddon").returncode == 0
        assert next_state() == (names - {"ocaddon"}, commands - {"hello"})
        assert run("plugins", "enable", "ocaddon").returncode == 0
        assert next_state() == (names, commands)
    finally:
        watcher.kill()
        watcher.wait()


HEAVY = ("sqlalchemy", "flask", "sympy", "alembic", "werkzeug", "RestrictedPython", "psycopg")


def test_help_does_not_import_heavy_libraries(full_site, tmp_path):
    # The console script itself, as a user runs it, on an existing site and with no site.
    for url in (full_site.platform.database_url, f"sqlite:///{tmp_path / 'absent.db'}"):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", str(CONSOLE_SCRIPT), "--db", url, "--help"],
            capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert result.returncode == 0, result.stderr
        imported = {line.split("|")[-1].strip().split(".")[0]
                    for line in result.stderr.splitlines() if line.startswith("import time:")}
        assert "click" in imported  # the measurement works
        assert not imported & set(HEAVY), f"--help imported {sorted(imported & set(HEAVY))}"


def test_help_in_process_leaves_heavy_modules_unimported(tmp_path):
    probe = (
        "import sys\n"
        "from ordercraft.core.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.skipif(not os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="reads a PostgreSQL site's plugin state")
def test_plugin_state_read_with_the_bare_driver_matches_the_orm(make_site):
    from ordercraft.core import site_state

    site = make_site(plugins=[], extra_plugins=[_plugin("readable")])
    site.platform.set_plugin_enabled("readable", False)
    revision, disabled = site_state.read_plugin_state(site.platform.database_url)
    assert disabled == frozenset({"readable"})
    assert revision == site.platform.plugin_revision


def test_unreachable_postgresql_reads_as_a_new_site():
    from ordercraft.core import site_state

    # Port 1 on the loopback: refused at once, nothing listens there.
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    assert site_state.read_plugin_state(url) == ("", frozenset())
    assert site_state._read_with_psycopg("postgresql://nobody@127.0.0.1:1/none") == (
        "", frozenset())


def test_plugins_list_text_and_json(make_site):
    site = make_site(plugins=[], extra_plugins=[
        _plugin("listed", requires=(), cli_commands=lambda: [])])
    text = site.cli("plugins list")
    assert text.exit_code == 0
    header = text.output.splitlines()[0].split()
    assert header == ["name", "version", "enabled", "builtin", "essential", "requires", "hooks",
                      "description"]
    document = site.cli("plugins list --json").json()
    assert document["ok"] is True
    listed = document["plugins"][0]
    assert {k: listed[k] for k in ("name", "version", "enabled", "builtin", "essential",
                                   "requires", "hooks")} == {
        "name": "listed", "version": "1.0", "enabled": True, "builtin": False,
        "essential": False, "requires": [], "hooks": ["cli_commands"]}


def test_switching_twice_says_nothing_changed(make_site):
    site = make_site(plugins=[], extra_plugins=[_plugin("twice")])
    assert site.cli("plugins disable twice --json").json()["changed"] is True
    again = site.cli("plugins disable twice --json")
    assert again.exit_code == 0 and again.json()["changed"] is False


def test_enabling_needs_an_initialised_site(tmp_path):
    from ordercraft.sdk.testing import Site

    platform = Platform(f"sqlite:///{tmp_path / 'new.db'}", only=[])
    result = Site(platform).cli("plugins enable anything")
    platform.dispose()
    assert result.exit_code == 2
    assert "run 'ordercraft init' first" in result.stderr


@pytest.mark.slow
def test_live_web_process_stops_serving_a_disabled_plugins_page(full_site, addons):
    install_addon(addons, "ocpage", '''
        from ordercraft.sdk import hookimpl


        @hookimpl
        def web_blueprints():
            from flask import Blueprint

            blueprint = Blueprint("ocpage", __name__, url_prefix="/ocpage")

            @blueprint.get("/")
            def page():
                return "the add-on page"

            return [blueprint]
    ''')
    import socket
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = Console(addons, full_site.platform.database_url)
    server = subprocess.Popen([str(CONSOLE_SCRIPT), "serve", "--host", "127.0.0.1",
                               "--port", str(port)], env=run.env, cwd=addons,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def status(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status("/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the web server did not start"
                time.sleep(0.2)
        assert status("/ocpage/") == (200, "the add-on page")
        assert run("plugins", "disable", "ocpage").returncode == 0
        assert status("/ocpage/")[0] == 404
        assert run("plugins", "enable", "ocpage").returncode == 0
        assert status("/ocpage/") == (200, "the add-on page")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_plugins_list_shows_a_cycle_instead_of_failing(tmp_path):
    from ordercraft.sdk.testing import Site

    first, second, third = (types.ModuleType(n) for n in ("first", "second", "third"))
    first.plugin = PluginInfo(name="first", requires=("second",))
    second.plugin = PluginInfo(name="second", requires=("first",))
    third.plugin = PluginInfo(name="third", requires=("first",))
    url = f"sqlite:///{tmp_path / 'cycle.db'}"
    platform = Platform(url, only=[], extra_plugins=[first, second, third], strict=False)
    try:
        listed = {p["name"]: p for p in Site(platform).cli("plugins list --json").json()["plugins"]}
    finally:
        platform.dispose()
    assert listed["first"]["problem"] == "plugin requirements form a cycle: first -> second -> first"
    assert listed["second"]["problem"] == listed["first"]["problem"]
    assert listed["third"]["problem"].startswith(
        "plugin 'third' requires plugin 'first', which cannot be loaded")
