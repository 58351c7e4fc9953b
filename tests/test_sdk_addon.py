"""``ordercraft.sdk.plugins.Addon``: a plugin in one module, registered as an object, whose
commands, pages, API routes, menu entries and own hooks reach the site, and which comes
and goes with the plugin's switch like a module plugin."""

from __future__ import annotations

import click

from ordercraft.sdk import PluginInfo, web
from ordercraft.sdk.plugins import Addon

addon = Addon(PluginInfo(name="memo", version="1.0", description="Memos."), __name__)
addon.menu("Memos", order=5, permission="memo.read")


@addon.command
@click.command("memo")
def memo_command():
    """Say hello."""
    click.echo("memo here")


@addon.pages.get("/")
def index():
    return "the memo page"


@web.api_route(addon.api, "/memos", tags=["memo"])
def list_memos():
    """The memos."""
    return []


@addon.hookimpl
def register_permissions(registry):
    registry.permission("memo.read", "Read memos")


def test_an_addon_object_brings_its_command_page_route_menu_and_hooks(make_site):
    site = make_site(plugins=[], extra_plugins=[addon])
    assert site.cli("memo").output == "memo here\n"
    assert site.platform.plugin("memo").hooks == [
        "cli_commands", "menu_items", "migrations_location", "register_permissions",
        "web_blueprints"]

    anonymous = site.app.test_client().get("/memo/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    client = site.client("admin")
    assert client.get("/memo/").get_data(as_text=True) == "the memo page"
    assert b'href="/memo/"' in client.get("/").data
    assert client.get("/api/v1/memos").get_json() == []
    assert "/api/v1/memos" in client.get("/api/v1/openapi.json").get_json()["paths"]
    assert site.cli("role grant manager memo.read").exit_code == 0    # declared by its hook

    assert site.cli("plugins disable memo").exit_code == 0
    assert client.get("/memo/").status_code == 404
    assert site.cli("memo").exit_code == 2


def test_its_migrations_sit_beside_the_module():
    assert addon.migrations_location() == str(addon.folder / "migrations")
    assert addon.folder.name == "tests"
