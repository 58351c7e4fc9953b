"""The rough edges a new user meets in the web UI: one list of parties with a kind filter
(crm's Clients taking the Parties entry's place), rules and schedules shown as sentences,
history in words, actions offered only to those who may take them, forms reporting every
mistake at once."""

from __future__ import annotations

import pytest

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


def _stock_and_storekeeper(site):
    """An item, a warehouse and a storekeeper (kate) who may post stock; her browser."""
    from ordercraft.core.models import Warehouse
    from ordercraft.core.services import items
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        items.create_item(session, "CH-1", name="Office chair", price="120")
        session.add(Warehouse(code="MAIN", name="Main store"))
        create_user(session, "kate", roles=["storekeeper"], password="kate-password-1")
    return site.client(login="kate", password="kate-password-1")


def test_clients_and_parties_are_one_menu_entry_with_a_kind_filter(site, browser):
    home = page(browser, "/")
    assert ">Clients</a>" in home and ">Parties</a>" not in home
    # The party list keeps its address; its menu entry is crm's, shown as the active one.
    parties = page(browser, "/parties/?kind=supplier")
    assert 'class="active" aria-current="page">Clients</a>' in parties
    assert 'href="/crm/clients/"' in parties  # the "Clients" kind leads to crm's list
    assert 'href="/parties/?kind=supplier" class="active"' in parties
    clients = page(browser, "/crm/clients/")
    assert 'href="/parties/?kind=supplier"' in clients and 'href="/parties/"' in clients
    assert 'class="active" aria-current="page">Clients</a>' in clients


def test_the_parties_entry_comes_back_without_crm(make_site):
    site = make_site(plugins=[])
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "ann", roles=["admin"], password="ann-password-1")
    browser = site.client(login="ann", password="ann-password-1")
    home = page(browser, "/")
    assert ">Parties</a>" in home and ">Clients</a>" not in home
    assert 'href="/parties/?kind=client"' in page(browser, "/parties/")


def test_group_rules_read_as_sentences(site, browser):
    with site.session() as session:
        from ordercraft.plugins.crm.groups import create_group

        group = create_group(session, "Quiet schools",
                             ["interacted_within_days != 60", "tag = school"])
        group_id = group.id
    for url in ("/crm/groups/", f"/crm/groups/{group_id}"):
        text = page(browser, url)
        assert "not contacted in the last 60 days" in text and "tagged school" in text, url


@pytest.mark.parametrize(("cron", "sentence"), [
    ("0 9 * * 1", "every Monday at 09:00"),
    ("30 8 * * *", "every day at 08:30"),
    ("0 9 * * 1-5", "every weekday (Monday to Friday) at 09:00"),
    ("0 18 * * 1,3,5", "every Monday, Wednesday and Friday at 18:00"),
    ("0 9 * * 0", "every Sunday at 09:00"),
    ("0 7 1 * *", "on day 1 of every month at 07:00"),
    ("*/15 * * * *", "every 15 minutes"),
    ("5 * * * *", "every hour at minute 5"),
    ("0 9 * 2 *", "cron: 0 9 * 2 *"),
    ("0 */2 * * *", "cron: 0 */2 * * *"),
    ("nonsense", "cron: nonsense"),
])
def test_schedules_read_as_sentences(cron, sentence):
    from ordercraft.core.workflow.schedule import describe_cron

    assert describe_cron(cron) == sentence


def test_history_speaks_the_users_language(site, browser):
    from ordercraft.core.workflow.timeline import changes_text, value_text
    from ordercraft.web.humanize import past_tense, timeline_text

    assert changes_text({"short_qty": ["0.000000", "3.000000"], "manager_id": [None, 4],
                         "confirmed_at": [None, "2026-03-02T09:15:42.123456"]}) == (
        "Confirmed at: — → 2026-03-02 09:15; Manager: — → 4; Short qty: 0 → 3")
    assert value_text(True) == "yes" and value_text("14500.00") == "14500.00"
    assert [past_tense(t) for t in ("Confirm", "Ship", "Send proposal", "Cancel", "Qualify")
            ] == ["confirmed", "shipped", "sent proposal", "cancelled", "qualified"]
    assert timeline_text({"kind": "transition", "text": "Ship part: Confirmed → Partly shipped",
                          "data": {"transition": "ship_part"}}, "order") == (
        "shipped part of the order (Confirmed → Partly shipped)")
    assert timeline_text({"kind": "transition", "data": {"transition": "accept"},
                          "text": "Accepted: make the order: Sent → Accepted (on the phone)"},
                         "proposal") == "accepted the proposal (Sent → Accepted (on the phone))"
    deal_id = kit.deal(site, "Future Engineers School", "Classroom robots", amount="14500",
                       moves=("qualify",))
    text = page(browser, f"/crm/deals/{deal_id}")
    assert "qualified the deal (Lead → Qualified)" in text
    card = page(browser, "/crm/clients/1")
    assert "qualified the deal (Lead → Qualified)" in card
    # People by their full name (the login in the tooltip), never "None".
    assert "Maria Kowalski" in card and ">None<" not in card and ">None<" not in text


def test_actions_a_user_may_not_take_are_not_offered(site, browser):
    storekeeper = _stock_and_storekeeper(site)
    # A manager reads stock but may not post it: no Receive, Issue, Move... buttons.
    for url in ("/stock/", "/stock/items/CH-1", "/stock/warehouses/MAIN"):
        text = page(browser, url)
        assert "/stock/receive" not in text and "/stock/issue" not in text, url
        assert "+ Receive" not in text, url
    assert "+ New client" in page(browser, "/crm/clients/")  # a manager adds clients
    for url in ("/stock/", "/stock/items/CH-1", "/stock/warehouses/MAIN"):
        text = page(storekeeper, url)
        assert "+ Receive" in text and "/stock/receive" in text, url
    # The storekeeper reads parties but may not add one.
    parties = page(storekeeper, "/parties/")
    assert "+ New party" not in parties and "/parties/new" not in parties


def test_forms_report_every_error_at_once_and_inputs_carry_the_rules(site, browser):
    storekeeper = _stock_and_storekeeper(site)
    form = page(browser, "/crm/clients/new")
    assert 'name="phone" value="" maxlength="50" inputmode="tel"' in form
    assert 'type="email" name="email" value="" maxlength="200" inputmode="email"' in form
    refused = browser.post("/crm/clients/new", data={
        "name": "Acme Robotics", "kind": "client", "phone": "call me", "email": "not-an-address"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "&#39;call me&#39; is not a phone number" in text
    assert "&#39;not-an-address&#39; is not an e-mail address" in text
    assert "Please correct the 2 marked fields." in text
    with site.session() as session:
        from ordercraft.core.services.parties import list_parties

        assert list_parties(session, search="Acme").total == 0  # nothing saved
    receive = page(storekeeper, "/stock/receive")
    assert 'name="qty" value="" inputmode="decimal" step="0.000001" min="0"' in receive
    assert 'name="unit_cost" value="" inputmode="decimal" step="0.000001" min="0"' in receive
    refused = storekeeper.post("/stock/receive", data={
        "item": "CH-1", "warehouse": "MAIN", "qty": "two", "unit_cost": "-1"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="e-qty"' in text and 'id="e-unit_cost"' in text
    assert "must be at least 0" in text


def test_the_order_form_reports_every_mistake_at_once(make_site):
    import re

    import sales_kit

    site = sales_kit.build(make_site)
    browser = site.client(login="admin")
    data = {"client": "Nobody", "order_date": "2024-05-01", "due_date": "2024-13-01",
            "deal": "", "warehouse": "", "notes": "",
            "lines.0.item": "KIT", "lines.0.qty": "-5", "lines.0.price": "abc",
            "lines.0.discount": "", "lines.0.tax_rate": "",
            "lines.1.item": "", "lines.1.qty": "", "lines.1.price": "", "lines.1.discount": "",
            "lines.1.tax_rate": "",
            "lines.2.item": "NO-SUCH", "lines.2.qty": "2", "lines.2.price": "",
            "lines.2.discount": "150", "lines.2.tax_rate": ""}
    refused = browser.post("/orders/new", data=data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    # Six mistakes, one submit: each under its field, on the row it was typed in.
    for field in ("client", "due_date", "lines.0.qty", "lines.0.price", "lines.2.item",
                  "lines.2.discount"):
        assert re.search(rf'id="e-{re.escape(field)}"', html), field
    assert "Please correct the 6 marked fields." in html
    # The API reports them all too, by field.
    token = site.token("admin")
    api = site.app.test_client().post("/api/v1/orders", json={
        "client": "Nobody", "lines": [{"item": "NO-SUCH", "qty": "2"}]},
        headers={"Authorization": f"Bearer {token}"})
    assert api.status_code in (400, 422), api.get_data(as_text=True)
    assert set(api.json["error"]["details"]["errors"]) == {"client", "lines.0.item"}


def test_field_rules_check_and_describe_the_same_limits():
    from ordercraft.core.errors import ValidationError
    from ordercraft.sdk.validation import FieldRule

    percent = FieldRule("decimal", places=4, minimum=0, maximum=100)
    assert percent.attributes() == {"inputmode": "decimal", "step": "0.0001", "min": "0",
                                    "max": "100"}
    with pytest.raises(ValidationError, match="is more than 100"):
        percent.clean("150", field="discount")
    assert FieldRule(max_length=50).attributes() == {"maxlength": "50"}
    assert FieldRule("whole", minimum=1).attributes() == {"inputmode": "numeric", "step": "1",
                                                          "min": "1"}
