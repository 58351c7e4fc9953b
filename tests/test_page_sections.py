"""Plugins add sections to other parts' pages (``page_sections``): the party page here;
the item card, the client card, a deal and an order carry them the same way."""

from __future__ import annotations

import types

from markupsafe import Markup, escape

from ordercraft.sdk import PluginInfo, hookimpl, parties
from ordercraft.sdk.plugins import PageSection


def section_plugin(name, function):
    module = types.ModuleType(name)
    module.plugin = PluginInfo(name=name, version="1.0", description="Page sections")
    module.page_sections = hookimpl(function)
    return module


def test_hook_page_sections(make_site, caplog):
    seen = []

    def balance(session, user, page, obj):
        seen.append((user.name, page))
        if page == "party":
            return [PageSection("Balance", Markup("<p>Owes <b>%s</b></p>") % escape(obj.name),
                                order=20, name="balance")]
        return None

    def broken(session, user, page, obj):
        raise RuntimeError("the ledger is away")

    site = make_site(plugins=[], extra_plugins=[
        section_plugin("money", balance), section_plugin("broken", broken),
        section_plugin("odd", lambda page: ["not a section"])])
    client = site.client(login="admin")
    with site.session() as session:
        party_id = parties.create_party(session, "Greenfield <School>").id
    page = client.get(f"/parties/{party_id}").text
    assert '<section class="card page-section" data-section="balance">' in page
    assert "<h2>Balance</h2>" in page and "Owes <b>Greenfield &lt;School&gt;</b>" in page
    assert seen == [("admin", "party")]
    assert "plugin 'broken' left out of the party page" in caplog.text
    assert "plugin 'odd' returned 'not a section'" in caplog.text
    site.platform.set_plugin_enabled("money", False)
    assert "data-section" not in client.get(f"/parties/{party_id}").text
