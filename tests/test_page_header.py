"""Plugins put items into the header of every page (``page_header_items``): a link with
an icon and a count, shown to a logged-in user, left out when the plugin fails."""

from __future__ import annotations

import re
import types

from ordercraft.sdk import HeaderItem, PluginInfo, hookimpl


def header_plugin(name, items):
    module = types.ModuleType(name)
    module.plugin = PluginInfo(name=name, version="1.0", description="Header items")

    def page_header_items(session, user):
        return items(session, user)

    module.page_header_items = hookimpl(page_header_items)
    return module


def header_links(client, path="/"):
    page = client.get(path)
    assert page.status_code == 200, page.text
    return re.findall(r'<a class="header-item" href="([^"]*)" title="([^"]*)"\s+'
                      r'aria-label="([^"]*)">(.*?)</a>', page.text, re.DOTALL)


def test_hook_page_header_items(make_site):
    seen = []

    def inbox(session, user):
        seen.append(user.name)
        return [HeaderItem("Inbox", "/inbox", badge=len(user.name), icon="/inbox.svg",
                           order=20)]

    site = make_site(plugins=[], extra_plugins=[
        header_plugin("inbox", inbox),
        header_plugin("timer", lambda session, user: [HeaderItem("Timer 0:05", "/timer",
                                                                 order=10)])])
    client = site.client(login="admin")
    links = header_links(client)
    assert [(url, label, aria) for url, label, aria, _body in links] == [
        ("/timer", "Timer 0:05", "Timer 0:05"), ("/inbox", "Inbox", "Inbox (5)")]
    assert links[0][3].strip() == "Timer 0:05"  # no icon: the label is shown
    assert '<img src="/inbox.svg"' in links[1][3]
    assert '<span class="header-badge">5</span>' in links[1][3]
    assert header_links(client, "/parties/")  # on every page
    assert seen == ["admin", "admin"]  # once per page, for the logged-in user

    site.platform.set_plugin_enabled("inbox", False)
    assert [label for _url, label, _aria, _body in header_links(client)] == ["Timer 0:05"]
    assert "header-item" not in site.client().get("/login").text  # nobody logged in


def test_a_failing_header_item_leaves_the_page_whole(make_site, caplog):
    def broken(session, user):
        raise RuntimeError("the inbox service is down")

    site = make_site(plugins=[], extra_plugins=[
        header_plugin("broken", broken),
        header_plugin("odd", lambda session, user: ["not a header item"]),
        header_plugin("fine", lambda session, user: [HeaderItem("Fine", "/fine", badge=0)])])
    links = header_links(site.client(login="admin"))
    assert [(label, aria, body.strip()) for _url, label, aria, body in links] == [
        ("Fine", "Fine", "Fine")]  # a zero badge is not shown
    assert "plugin 'broken' left out of the page header" in caplog.text
    assert "the inbox service is down" in caplog.text
    assert "plugin 'odd' returned 'not a header item'" in caplog.text
