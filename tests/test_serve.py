"""``ordercraft serve``: refuses what cannot work, and starts the scheduler when there is one.
(The browser tests run a real ``ordercraft serve``.) The command belongs to the web layer
and reaches the core's command line through the entry-point group
``ordercraft.commands``."""

from __future__ import annotations

import importlib.machinery
import socket
import sys
import types

from ordercraft.web.commands import SCHEDULER_MODULE, start_background_scheduler


def test_serve_and_demo_are_top_level_commands_of_the_web_layer():
    from importlib.metadata import entry_points

    from ordercraft.core.cli import COMMANDS_GROUP, CORE_COMMANDS, cli
    from ordercraft.web import commands

    found = {entry.name: entry.value for entry in entry_points(group=COMMANDS_GROUP)}
    assert found == {"serve": "ordercraft.web.commands:serve_command",
                     "demo": "ordercraft.web.commands:demo_command"}
    assert not {"serve", "demo"} & set(CORE_COMMANDS)
    assert cli.layer_commands() == {"serve": commands.serve_command,
                                    "demo": commands.demo_command}


def test_serve_refuses_a_database_without_a_site(tmp_path):
    from ordercraft.core.platform import Platform
    from ordercraft.sdk.testing import Site

    site = Site(Platform(f"sqlite:///{tmp_path / 'empty.db'}", only=[]))
    result = site.cli("serve --port 0")
    assert result.exit_code == 2
    assert "ordercraft init" in result.stderr


def test_serve_refuses_a_port_in_use(site):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = site.cli(f"serve --port {port} --json")
    assert result.exit_code == 2
    error = result.json()["error"]
    assert error["code"] == "address_unavailable" and error["field"] == "port"
    assert f"127.0.0.1:{port}" in error["message"]


def test_the_scheduler_is_started_when_the_installation_has_one(site, monkeypatch):
    started = []
    module = types.ModuleType(SCHEDULER_MODULE)
    module.__spec__ = importlib.machinery.ModuleSpec(SCHEDULER_MODULE, None)
    module.start = lambda platform: started.append(platform) or "the scheduler"
    monkeypatch.setitem(sys.modules, SCHEDULER_MODULE, module)
    assert start_background_scheduler(site.platform) == "the scheduler"
    assert started == [site.platform]


def test_serving_goes_on_without_a_scheduler(site, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.delitem(sys.modules, SCHEDULER_MODULE, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == SCHEDULER_MODULE
                        else real_find_spec(name, *a))
    assert start_background_scheduler(site.platform) is None
