"""Text declared in Python shows in the reader's language on pages: workflow states and
transitions (the badge, the buttons, the notice and the timeline), the stock forms'
titles and notices, report titles and column labels. The API keeps the English codes
and labels."""

from __future__ import annotations

import html as htmllib
import re

import pytest

import sales_kit as kit


def _set_language(site, language: str) -> None:
    from ordercraft.core.settings import set_setting

    with site.session() as session:
        set_setting(session, "default_language", language)


def text(response) -> str:
    """The page's visible text, spaces collapsed."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.get_data(as_text=True),
                  flags=re.S)
    return htmllib.unescape(" ".join(re.sub(r"<[^>]+>", " ", body).split()))


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def test_a_french_reader_sees_the_orders_state_and_buttons_in_french(site):
    order_id = kit.order(site, "ROBOT-STD:1")
    _set_language(site, "fr")
    browser = site.client(login="admin")
    page = browser.get(f"/orders/{order_id}").get_data(as_text=True)
    assert re.search(r'class="badge order-state state-draft">\s*Brouillon\s*<', page)
    assert re.search(r"<button[^>]*>\s*Confirmer\s*</button>", page)
    assert re.search(r"<button[^>]*>\s*Annuler la commande\s*</button>", page)
    assert ">Confirm<" not in page and "Cancel order" not in page

    api = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    body = api.get(f"/api/v1/orders/{order_id}/transitions", headers=headers).get_json()
    assert body["state"] == "draft"
    assert {"name": "confirm", "label": "Confirm"}.items() <= next(
        t for t in body["transitions"] if t["name"] == "confirm").items()
    assert api.get(f"/api/v1/orders/{order_id}", headers=headers).get_json()["state"] == "draft"

    moved = browser.post(f"/documents/order/{order_id}/transitions/confirm",
                         data={"next": f"/orders/{order_id}"}, follow_redirects=True)
    shown = text(moved)
    assert f"Order {order_id} : brouillon → confirmée." in shown
    assert "Confirmer (brouillon → confirmée)" in shown
    assert "confirmed the order" not in shown
    timeline = api.get(f"/api/v1/orders/{order_id}/timeline", headers=headers).get_json()
    assert any(entry["text"] == "Confirm: draft → confirmed" for entry in timeline["items"])


def test_the_order_list_tabs_and_badges_follow_the_reader(site):
    kit.order(site, "KIT:1")
    _set_language(site, "id")
    shown = text(site.client(login="admin").get("/orders/"))
    assert "Semua" in shown and "Draf" in shown and "Draft" not in shown


def test_stock_forms_say_their_title_and_notice_in_the_readers_language(site):
    _set_language(site, "fr")
    browser = site.client(login="admin")
    form = text(browser.get("/stock/receive?item=KIT"))
    assert "Réceptionner du stock" in form and "Choisir…" in form
    posted = browser.post("/stock/transfer", data={"item": "KIT", "warehouse": "MAIN",
                                                   "to": "PARTS", "qty": "2"},
                          follow_redirects=True)
    assert "Transféré 2 pc de KIT de MAIN vers PARTS, valeur 300.00" in text(posted)


def test_a_reports_title_and_columns_show_translated_and_its_api_stays_english(make_site):
    site = kit.build(make_site, plugins=["crm", "sales", "analysis"])
    _set_language(site, "mn")
    browser = site.client(login="admin")
    page = text(browser.get("/reports/backlog"))
    assert "Биелээгүй захиалгууд" in page and "Ачуулах үлдэгдэл" in page
    assert "Order backlog" not in page
    listed = text(browser.get("/reports/"))
    assert "Тухайн өдрийн нөөцийн үнэ цэнэ" in listed
    api = browser.get("/api/v1/analysis/reports/backlog").get_json()
    assert api["title"] == "Order backlog"
    assert {"name": "amount", "label": "Still to ship", "kind": "money"} in api["columns"]


def test_lists_say_a_documents_state_in_the_readers_language(site):
    from ordercraft.core import i18n
    from ordercraft.web.extension import get_platform
    from ordercraft.web.humanize import state_text

    with site.app.test_request_context("/"):
        assert state_text("partially_shipped", "order") == "partially shipped"
        folders = i18n.catalogue_folders(get_platform())
        with i18n.use_language("fr", folders):
            assert state_text("partially_shipped", "order") == "expédiée en partie"
            assert state_text("partially_paid", "invoice") == "payée en partie"
            assert state_text("mystery_state", "order") == "mystery state"
            assert state_text("draft", "no_such_type") == "draft"
