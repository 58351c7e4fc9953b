"""Quote to cash on other parts' pages and the numbering of proposals: a deal lists its
proposals and orders and starts either from its page; an order picks its deal by title;
the client card shows the balance and the overdue invoices; two proposals started at
the same time get different numbers."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest

import proposals_kit as kit

SCHOOL = kit.SCHOOL


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def _deal_id(site) -> int:
    from sqlalchemy import select

    from ordercraft.plugins.crm.models import Deal

    with site.session() as session:
        return session.scalar(select(Deal.id).where(Deal.title == "Robotics classroom"))


def test_a_deal_lists_its_proposals_and_orders_and_starts_both(site):
    client = site.client(login="admin")
    deal_id = _deal_id(site)
    page = client.get(f"/crm/deals/{deal_id}").text
    assert 'data-section="proposals"' in page and 'data-section="sales-orders"' in page
    assert "No proposals for this deal yet." in page and "No orders from this deal yet." in page
    # "New proposal" on the deal page: a draft of the deal's client, linked to the deal.
    made = client.post("/proposals/new", data={"client": "", "deal": str(deal_id),
                                               "title": "Classroom set"})
    assert made.status_code == 303  # no client: back with the error, nothing saved
    made = client.post("/proposals/new", data={"client": SCHOOL, "deal": str(deal_id),
                                               "title": "Classroom set"})
    assert made.status_code == 303 and "/proposals/" in made.headers["Location"]
    # "New order from this deal": the form arrives with the client and the deal by name.
    form = client.get(f"/orders/new?client={SCHOOL}&deal=Robotics+classroom").text
    assert 'value="Robotics classroom"' in form and "Deal (id)" not in form
    sent = client.post("/orders/new", data={
        "client": SCHOOL, "deal": "Robotics classroom", "order_date": "2024-03-02",
        "lines.0.item": "SENSOR", "lines.0.qty": "2"})
    assert sent.status_code == 303, sent.text
    page = client.get(f"/crm/deals/{deal_id}").text
    assert "TCP-00001" in page and "Classroom set" in page and "SO-00001" in page
    with site.session() as session:
        from ordercraft.plugins.sales.orders import get_order

        assert get_order(session, "SO-00001").deal_id == deal_id
    edit = client.get("/orders/1/edit").text
    assert 'name="deal" value="Robotics classroom"' in edit
    refused = client.post("/orders/new", data={
        "client": SCHOOL, "deal": "No such deal", "order_date": "2024-03-02",
        "lines.0.item": "SENSOR", "lines.0.qty": "2"})
    assert refused.status_code == 422
    assert "The client has no deal titled &#39;No such deal&#39;" in refused.text


def test_the_client_card_shows_balance_and_overdue_invoices(site):
    import sales_kit
    from ordercraft.plugins.sales.invoicing import issue_prepayment, set_schedule

    long_ago = date.today() - timedelta(days=45)
    order_id = sales_kit.order(site, "SENSOR:10:4.20", order_date=long_ago.isoformat())
    sales_kit.move(site, order_id, "confirm")
    with site.session() as session:
        set_schedule(session, order_id, [{"label": "Prepayment", "percent": "50",
                                          "trigger": "acceptance"}])
        invoice = issue_prepayment(session, order_id, 1, issue_date=long_ago.isoformat())
        number, open_amount = invoice.number, invoice.open_amount
        party_id = invoice.party_id
    assert open_amount > Decimal(0)
    page = site.client(login="admin").get(f"/crm/clients/{party_id}").text
    assert 'data-section="sales-balance"' in page
    assert f'<dd data-figure="balance">€{open_amount:,.2f}</dd>' in page
    assert f'<dd data-figure="overdue">€{open_amount:,.2f}</dd>' in page
    assert number in page and "<td class=\"num\">" in page


def _waiting_on_a_lock(site) -> bool:
    """PostgreSQL: is another transaction waiting for a lock (the series' row, or the
    unique number the first transaction inserted)?"""
    from sqlalchemy import text

    with site.platform.engine.connect() as connection:
        return bool(connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()")))


def test_two_proposals_started_together_get_different_numbers(site):
    """The second transaction numbers while the first is still open: it waits for the
    series' row (on SQLite for the write lock) and takes the next number. With count + 1
    both took TCP-00001 and the second failed on the unique number when the first
    committed. On PostgreSQL the first commits only once the second waits on a lock."""
    from ordercraft.plugins.proposals.proposals import create_proposal

    numbers: dict[str, str] = {}
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with site.session() as session:
                numbers["second"] = create_proposal(session, SCHOOL, title="B").number
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=second)
    postgres = site.platform.engine.dialect.name == "postgresql"
    with site.session() as session:
        numbers["first"] = create_proposal(session, SCHOOL, title="A").number
        thread.start()
        for _ in range(600):  # up to a minute for a busy machine; usually at once
            if not postgres or not thread.is_alive() or _waiting_on_a_lock(site):
                break
            thread.join(0.1)
    thread.join(120)
    assert not errors, errors
    assert sorted(numbers.values()) == ["TCP-00001", "TCP-00002"]
    with site.session() as session:
        assert create_proposal(session, SCHOOL, title="C").number == "TCP-00003"


DOOR = {"height": "2000", "width": "800", "thickness": "40", "material": "mdf",
        "glazing": "none", "hinges": "3", "opening": "left"}


def test_a_calculators_result_is_added_to_a_proposal_with_its_inputs(site):
    import html
    import re

    from ordercraft.core.calc.catalog import example_items
    from ordercraft.core.models import Item

    with site.session() as session:
        for row in example_items():
            if row["sku"].startswith(("door-", "edge-band-", "hinge", "lockset", "handle",
                                      "labour", "lacquer", "glass", "glazing", "sliding")):
                session.add(Item(**row))
    proposal_id = kit.proposal(site, title="Doors")
    client = site.client(login="admin")
    page = client.post("/calculators/door", data=DOOR).text
    assert 'data-section="proposals-add"' in page and "TCP-00001" in page
    form = re.search(r'<form method="post" action="/proposals/add-calculation".*?</form>', page,
                     re.S).group(0)
    fields = {name: html.unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="(calculator|params)" value="([^"]*)"', form)}
    assert fields["calculator"] == "door"
    added = client.post("/proposals/add-calculation", data={
        **fields, "proposal": str(proposal_id), "item": "SENSOR", "qty": "2", "markup": "50",
        "description": "Interior door"})
    assert added.status_code == 303 and added.headers["Location"].endswith(
        f"/proposals/{proposal_id}")
    with site.session() as session:
        from ordercraft.plugins.proposals.proposals import get_proposal

        line = get_proposal(session, proposal_id).lines[0]
        assert (line.kind, line.description, line.qty) == ("calc", "Interior door", 2)
        assert line.unit_cost == Decimal("201.70") and line.price == Decimal("302.55")
        assert line.source["calculator"] == "door"
        assert line.source["params"]["height"] == 2000 and line.source["run_id"]
    # The section's inputs carry the rules; several mistakes come back in one notice.
    assert re.search(r'name="markup" inputmode="decimal" step="0.0001" min="0" max="100"', form)
    assert re.search(r'name="description" value="[^"]*" maxlength="300"', form)
    several = client.post("/proposals/add-calculation", data={
        **fields, "proposal": str(proposal_id), "item": "NO-SUCH", "qty": "0",
        "markup": "150", "description": "x" * 301}, follow_redirects=True).text
    notice = html.unescape(re.search(r'<div class="notice error"[^>]*>(.*?)</div>', several,
                                     re.S).group(1))
    for part in ("item: item 'NO-SUCH' does not exist", "qty: '0' must be more than zero",
                 "markup: '150' is more than 100", "description: "):
        assert part in notice, (part, notice)
    with site.session() as session:
        from ordercraft.plugins.proposals.proposals import get_proposal

        assert len(get_proposal(session, proposal_id).lines) == 1
    # A new proposal for a client from the same page; a bad client saves nothing.
    refused = client.post("/proposals/add-calculation", data={
        **fields, "client": "Nobody Ltd", "item": "SENSOR"})
    assert refused.status_code == 303
    made = client.post("/proposals/add-calculation", data={
        **fields, "client": SCHOOL, "item": "SENSOR", "markup": "10"})
    assert made.status_code == 303
    with site.session() as session:
        from ordercraft.plugins.proposals.proposals import get_proposal

        assert get_proposal(session, "TCP-00002").lines[0].price == Decimal("221.87")
        assert session.scalar(select_count_proposals()) == 2


def select_count_proposals():
    from sqlalchemy import func, select

    from ordercraft.plugins.proposals.models import Proposal

    return select(func.count()).select_from(Proposal)
