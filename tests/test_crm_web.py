"""crm's pages: they render, forms keep what was typed and show errors next to the field,
the duplicate warning lets the manager confirm, an interaction's next step becomes a task,
deals move with the buttons, lists cost the same number of queries whatever their length,
and disabling crm removes its pages, API, commands and menu — and nothing else."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

import crm_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


@pytest.fixture
def browser(site):
    return site.client(login="maria", password=kit.MANAGER_PASSWORD)


def page(browser, url, status=200):
    response = browser.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def post(browser, url, data, status=303):
    response = browser.post(url, data=data)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response


def test_every_crm_page_renders_and_the_menu_shows_them(site, browser):
    deal_id = kit.deal(site, "Future Engineers School", "Classroom robots", amount="14500",
                       moves=("qualify",))
    with site.session() as session:
        from ordercraft.plugins.crm.groups import create_group

        group = create_group(session, "Schools", ["tag = school"])
    home = page(browser, "/")
    for label in ("Clients", "Deals", "Interactions", "Client groups", "Funnel report"):
        assert f">{label}</a>" in home
    clients = page(browser, "/crm/clients/")
    assert "Future Engineers School" in clients and "14,500.00" in clients
    card = page(browser, "/crm/clients/1")
    for text in ("Olivia Grant", "@olivia", "Future Engineers Trust", "Classroom robots",
                 "qualified the deal (Lead → Qualified)", "Log interaction"):
        assert text in card, text
    board = page(browser, "/crm/deals/board")
    assert "Classroom robots" in board and "Qualified" in board
    deal = page(browser, f"/crm/deals/{deal_id}")
    assert "Send proposal" in deal and "Lost" in deal and "14,500.00" in deal
    for url in ("/crm/clients/new", "/crm/clients/1/edit", "/crm/clients/1/contacts/new",
                "/crm/deals/", "/crm/deals/new?client=1", f"/crm/deals/{deal_id}/edit",
                "/crm/interactions/", "/crm/interactions/new?client=1", "/crm/groups/",
                "/crm/groups/new", f"/crm/groups/{group.id}", "/crm/reports/funnel",
                "/crm/assets/crm.css"):
        page(browser, url)
    assert 'class="active"' in page(browser, "/crm/deals/") and re.search(
        r'<a href="/crm/deals/board" class="active"', page(browser, "/crm/deals/"))
    page(browser, "/crm/clients/999", status=404)
    page(browser, "/crm/deals/999", status=404)


def test_filters_in_the_address_never_break_the_list(site, browser):
    assert "does not exist" in page(browser, "/crm/clients/?manager=ghost")
    assert "Future Engineers School" not in page(browser, "/crm/clients/?group=nope")
    assert "not one of" in page(browser, "/crm/deals/?state=signed")
    assert "is not a date" in page(browser, "/crm/interactions/?from=someday")
    assert "before from" in page(browser, "/crm/reports/funnel?from=2024-02-02&to=2024-01-01")
    text = page(browser, "/crm/clients/?tag=school&source=exhibition")
    assert "Future Engineers School" in text and "Bright Minds" not in text


def test_new_client_form_keeps_input_and_warns_of_a_duplicate(site, browser):
    typed = {"name": "Future Engineers Annex", "kind": "client", "tags": "school",
             "source": "web", "manager": "maria", "phone": "020 7946 0011",
             "email": "annex@future.example", "tax_id": "", "address": "",
             "notes": "Second campus", "contact_name": "Paul Hunt",
             "contact_position": "Bursar", "contact_phone": "", "contact_email": "bad address",
             "contact_channels": "telegram: @paul"}
    response = post(browser, "/crm/clients/new", typed, status=422)
    text = response.get_data(as_text=True)
    # The contact's e-mail is wrong: said next to it, everything typed still there.
    assert re.search(r'id="e-contact_email">[^<]*not an e-mail address', text)
    assert 'value="Future Engineers Annex"' in text and "Second campus" in text
    assert "telegram: @paul" in text
    response = post(browser, "/crm/clients/new", {**typed, "contact_email": ""}, status=422)
    text = response.get_data(as_text=True)
    assert "This may be a client we already have" in text
    assert 'href="/crm/clients/1"' in text and "+44 20 7946 0011" in text
    assert re.search(r'id="e-phone">Also the phone of Future Engineers School', text)
    assert 'name="confirm_duplicate"' in text and 'value="Paul Hunt"' in text
    response = post(browser, "/crm/clients/new", {**typed, "contact_email": "",
                                                 "confirm_duplicate": "1"})
    card = page(browser, response.headers["Location"])
    assert "Future Engineers Annex" in card and "Paul Hunt" in card and "@paul" in card


def test_logging_a_call_with_a_next_step_from_the_form(site, browser):
    deal_id = kit.deal(site, "Future Engineers School", "Robots", amount="100")
    form = page(browser, f"/crm/interactions/new?client=1&deal={deal_id}")
    assert "Olivia Grant" in form and "Robots (lead)" in form
    typed = {"client": "1", "kind": "outgoing_call", "at": "", "contact": "1",
             "deal": str(deal_id), "subject": "Price of robots", "outcome": "Wants 10",
             "next_step": "Send the offer", "next_step_due": "2001-01-01T10:00",
             "next_step_assignee": "", "manager": "", "back": "deal"}
    refused = post(browser, "/crm/interactions/new", typed, status=422).get_data(as_text=True)
    assert re.search(r'id="e-next_step_due">[^<]*in the past', refused)
    assert 'value="Price of robots"' in refused and "Wants 10" in refused
    response = post(browser, "/crm/interactions/new", {**typed,
                                                       "next_step_due": "2099-01-01T10:00"})
    assert response.headers["Location"].endswith(f"/crm/deals/{deal_id}")
    deal = page(browser, response.headers["Location"])
    assert "Outgoing call with Future Engineers School was logged" in deal
    assert "Send the offer" in deal
    card = page(browser, "/crm/clients/1")
    assert "Send the offer — Future Engineers School" in card  # the open task
    assert "Outgoing call: Price of robots — Wants 10" in card  # the history
    missing = post(browser, "/crm/interactions/new", {**typed, "client": "Nobody Ltd"},
                   status=422).get_data(as_text=True)
    assert re.search(r'id="e-client">[^<]*not a client', missing)


def test_deals_open_from_the_form_and_move_with_the_buttons(site, browser):
    refused = post(browser, "/crm/deals/new", {"client": "1", "title": "Robots",
                                               "amount": "12.345"}, status=422)
    assert re.search(r'id="e-amount">[^<]*more than 2 decimal places',
                     refused.get_data(as_text=True))
    response = post(browser, "/crm/deals/new", {"client": "1", "title": "Robots",
                                                "amount": "14500", "manager": "maria",
                                                "contact": "1", "source": ""})
    location = response.headers["Location"]
    deal_id = int(location.rsplit("/", 1)[1])
    board_url = "/crm/deals/board"
    board = page(browser, board_url)
    quick = f"/documents/deal/{deal_id}/transitions/qualify"
    assert quick in board
    post(browser, quick, {"next": board_url})
    text = page(browser, location)
    assert "Qualified" in text and "25%" in text
    post(browser, f"/documents/deal/{deal_id}/transitions/lose", {"reason": "",
                                                                 "next": location})
    assert "needs a reason" in page(browser, location)
    post(browser, f"/documents/deal/{deal_id}/transitions/lose", {"reason": "Chose a rival",
                                                                 "next": location})
    text = page(browser, location)
    assert "Chose a rival" in text and "stage-lost" in text
    edit = post(browser, f"/crm/deals/{deal_id}/edit", {"client": "1", "title": "Robots v2",
                                                        "notes": "Maybe next year",
                                                        "manager": "tom", "contact": "",
                                                        "source": "web"})
    assert "Robots v2" in page(browser, edit.headers["Location"])


def test_groups_and_funnel_pages(site, browser):
    kit.deal(site, "Future Engineers School", "A", moves=("qualify", "propose", "win"))
    kit.deal(site, "Bright Minds Academy", "B", moves=("lose",), reason="x")
    refused = post(browser, "/crm/groups/new", {"name": "Schools", "match": "all",
                                                "rules": "tag = school\ncolour = red",
                                                "description": ""}, status=422)
    text = refused.get_data(as_text=True)
    assert re.search(r"id=\"e-rules\">[^<]*&#39;colour&#39; is not a kind of rule", text)
    assert "tag = school\ncolour = red" in text
    created = post(browser, "/crm/groups/new", {"name": "Schools", "match": "all",
                                                "rules": "tag = school", "description": ""})
    group_page = page(browser, created.headers["Location"])
    assert "Bright Minds Academy" in group_page and "Atlas" not in group_page
    group_id = created.headers["Location"].rsplit("/", 1)[1]
    funnel = page(browser, f"/crm/reports/funnel?group={group_id}")
    assert "50.0%" in funnel  # conversion: one won of two
    post(browser, f"/crm/groups/{group_id}/delete", {})
    assert f'href="/crm/groups/{group_id}"' not in page(browser, "/crm/groups/")


@contextmanager
def counted(site):
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(site.platform.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(site.platform.engine, "before_cursor_execute", count)


def _fill(site, count, offset=0):
    """``count`` more clients, each with a deal (stages in turn), interactions and tasks."""
    from ordercraft.plugins.crm.clients import create_client
    from ordercraft.plugins.crm.deals import create_deal, move_deal
    from ordercraft.plugins.crm.interactions import log_interaction

    paths = [(), ("qualify",), ("qualify", "propose"), ("qualify", "propose", "negotiate")]
    with site.session() as session:
        for number in range(offset, offset + count):
            client = create_client(session, f"Client {number:02d}", tags=["school"],
                                   manager=("tom", "maria")[number % 2],
                                   email=f"c{number}@x.example")
            deal = create_deal(session, client.id, f"Deal {number}", amount="10",
                               manager=("tom", "maria")[number % 2])
            for name in paths[number % 4]:
                move_deal(session, deal.id, name)
            log_interaction(session, client.id, kind="email", subject="Hello", deal=deal.id,
                            manager="tom", next_step="Call", next_step_due=kit.later(3))
            log_interaction(session, 1, kind="sms", subject=f"Ping {number}", manager="maria",
                            next_step="Ping again", next_step_due=kit.later(2))


def test_lists_cost_the_same_queries_however_many_rows(site, browser):
    from ordercraft.plugins.crm.groups import create_group

    urls = ("/crm/clients/", "/crm/deals/", "/crm/deals/board", "/crm/interactions/",
            "/crm/clients/1", "/crm/reports/funnel", "/crm/groups/1")
    _fill(site, 4)
    with site.session() as session:
        create_group(session, "Schools", ["tag = school"])
    page(browser, "/crm/clients/")  # warm up: the first request loads what it caches

    def costs():
        result = {}
        for url in urls:
            with counted(site) as statements:
                page(browser, url)
            result[url] = len(statements)
        return result

    few = costs()
    _fill(site, 16, offset=4)
    many = costs()
    card = "/crm/clients/1"
    # The card's history loads each kind of entry on its page in one query (interactions,
    # deals, workflow events, audit entries): a page may hold one more kind than before.
    assert many.pop(card) <= few.pop(card) + 3
    assert many == few


def test_a_user_without_crm_permissions_sees_no_crm(site):
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "visitor", password="visitor-password")  # no role at all
    visitor = site.client(login="visitor", password="visitor-password")
    assert ">Clients</a>" not in page(visitor, "/")
    page(visitor, "/crm/clients/", status=403)
    page(visitor, "/crm/deals/board", status=403)


def test_disabling_crm_removes_its_pages_api_commands_and_menu_only(site, browser):
    assert page(browser, "/crm/clients/")
    token = site.token("maria")
    api = site.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/deals", headers=headers).status_code == 200

    result = site.cli("plugins disable crm --json")
    assert result.exit_code == 0, result.output
    for url in ("/crm/clients/", "/crm/deals/board", "/crm/reports/funnel",
                "/crm/assets/crm.css"):
        page(browser, url, status=404)
    for url in ("/api/v1/deals", "/api/v1/clients", "/api/v1/interactions",
                "/api/v1/contacts"):
        assert api.get(url, headers=headers).status_code == 404, url
    paths = api.get("/api/v1/openapi.json").json["paths"]
    assert not [p for p in paths if p.startswith(("/api/v1/deals", "/api/v1/clients"))]
    assert ">Clients</a>" not in page(browser, "/")
    for command in ("deal list", "interaction list", "crm funnel"):
        assert site.cli(command).exit_code == 2, command
    # The core keeps working, data and all.
    assert "Future Engineers School" in page(browser, "/parties/")
    page(browser, "/tasks/")
    assert site.cli("party list --json").json()["total"] == 3
    assert api.get("/api/v1/parties", headers=headers).status_code == 200

    assert site.cli("plugins enable crm --json").exit_code == 0
    assert "Future Engineers School" in page(browser, "/crm/clients/")
    assert site.cli("deal list --json").exit_code == 0


def test_a_time_typed_in_the_users_zone_is_stored_in_utc(site, browser):
    from sqlalchemy import select

    from ordercraft.plugins.crm.models import Interaction

    with site.session() as session:
        from ordercraft.sdk.users import get_user

        get_user(session, "maria").time_zone = "Asia/Jakarta"
    typed = {"client": "1", "kind": "meeting", "at": "2026-03-02T09:15", "contact": "",
             "deal": "", "subject": "Visit", "outcome": "", "next_step": "",
             "next_step_due": "", "next_step_assignee": "", "manager": ""}
    post(browser, "/crm/interactions/new", typed)
    with site.session() as session:
        stored = session.scalars(select(Interaction).where(Interaction.subject == "Visit")).one()
        assert stored.at.isoformat() == "2026-03-02T02:15:00"  # 09:15 in Jakarta is UTC+7
    form = page(browser, "/crm/interactions/new?client=1")
    assert 'name="at"' in form and "(UTC)" not in form
