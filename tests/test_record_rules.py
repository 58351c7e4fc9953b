"""Record rules per role (issue 11, item 8): the admin lets a role see its own, its
team's or all clients, deals and orders, and every way in — lists, cards, search, the
API, CSV exports, the funnel report, print forms — follows the rule.

The team: ``boss`` manages ``mia`` and ``max``; ``out`` has no manager. Each of mia,
max and out owns one client, one deal and one order.
"""

from __future__ import annotations

from typing import Any

import pytest

import sales_kit as kit

PASSWORD = "rules-pass-1"
OWNERS = ("mia", "max", "out")


@pytest.fixture
def shop(make_site: Any) -> Any:
    from ordercraft.core.services.parties import create_party
    from ordercraft.core.services.users import create_user
    from ordercraft.plugins.crm.deals import create_deal

    site = kit.build(make_site)
    ids: dict[str, dict[str, int]] = {}
    with site.session() as session:
        create_user(session, "boss", roles=["manager"], password=PASSWORD)
        for name in OWNERS:
            create_user(session, name, roles=["manager"], password=PASSWORD,
                        manager=None if name == "out" else "boss")
            client = create_party(session, f"Client of {name}", kind="client", manager=name)
            deal = create_deal(session, client.id, f"Deal of {name}", amount="100",
                               manager=name)
            ids[name] = {"client": client.id, "deal": deal.id}
    for name in OWNERS:
        ids[name]["order"] = kit.order(site, "KIT:1", client=f"Client of {name}", manager=name)
    site.ids = ids
    return site


def _rule(site: Any, scope: str) -> None:
    for area in ("party", "deal", "order"):
        result = site.cli(f"role rule manager --area {area} --scope {scope} --json")
        assert result.exit_code == 0, result.output


def _api(site: Any, user: str) -> Any:
    client = site.app.test_client()
    token = site.token(user)

    def get(url: str) -> Any:
        return client.get(url, headers={"Authorization": f"Bearer {token}"})

    return get


def _names(response: Any, key: str = "name") -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row[key] for row in response.get_json()["items"]}


def _owners_seen(site: Any, user: str) -> dict[str, set[str]]:
    """Whose client, deal and order ``user`` sees in the API lists."""
    get = _api(site, user)
    clients = _names(get("/api/v1/clients?limit=100"))
    parties = _names(get("/api/v1/parties?limit=100"))
    deals = _names(get("/api/v1/deals?limit=100"), "title")
    orders = {row["client"]["name"] if isinstance(row["client"], dict) else row["client"]
              for row in get("/api/v1/orders?limit=100").get_json()["items"]}
    owners = {"client": {n.rsplit(" ", 1)[-1] for n in clients if n.startswith("Client of")},
              "party": {n.rsplit(" ", 1)[-1] for n in parties if n.startswith("Client of")},
              "deal": {n.rsplit(" ", 1)[-1] for n in deals},
              "order": {n.rsplit(" ", 1)[-1] for n in orders if n.startswith("Client of")}}
    return owners


def test_all_is_the_default(shop: Any) -> None:
    seen = _owners_seen(shop, "mia")
    assert all(found == set(OWNERS) for found in seen.values()), seen


def test_own_rule_in_lists_cards_search_api_exports_reports_and_print_forms(
        shop: Any) -> None:
    _rule(shop, "own")
    seen = _owners_seen(shop, "mia")
    assert all(found == {"mia"} for found in seen.values()), seen

    get = _api(shop, "mia")
    theirs, mine = shop.ids["max"], shop.ids["mia"]
    # Cards, in the API and in the browser.
    assert get(f"/api/v1/clients/{mine['client']}").status_code == 200
    refused = get(f"/api/v1/clients/{theirs['client']}")
    assert refused.status_code == 403 and "own" in refused.get_json()["error"]["message"]
    assert get(f"/api/v1/deals/{theirs['deal']}").status_code == 403
    assert get(f"/api/v1/orders/{theirs['order']}").status_code == 403
    assert get(f"/api/v1/orders/{theirs['order']}/timeline").status_code == 403
    browser = shop.client("mia", PASSWORD)
    assert browser.get(f"/crm/clients/{theirs['client']}").status_code == 403
    assert browser.get(f"/crm/deals/{theirs['deal']}").status_code == 403
    assert browser.get(f"/orders/{theirs['order']}").status_code == 403
    page = browser.get("/crm/clients/").get_data(as_text=True)
    assert "Client of mia" in page and "Client of max" not in page
    # Search.
    assert _names(get("/api/v1/clients?q=max")) == set()
    assert _names(get("/api/v1/clients?q=mia")) == {"Client of mia"}
    # Print forms.
    assert browser.get(f"/orders/{theirs['order']}/print/invoice").status_code == 403
    assert get(f"/api/v1/orders/{theirs['order']}/forms/invoice.html").status_code == 403
    assert browser.get(f"/orders/{mine['order']}/print/invoice").status_code == 200
    # Exports (CSV) and the funnel report.
    exported = shop.cli("deal list --csv --user mia")
    assert exported.exit_code == 0 and "Deal of mia" in exported.output
    assert "Deal of max" not in exported.output
    orders_csv = shop.cli("order list --csv --user mia").output
    assert "Client of mia" in orders_csv and "Client of max" not in orders_csv
    assert shop.cli("crm funnel --json --user mia").json()["report"]["totals"]["deals"] == 1
    assert shop.cli("crm funnel --json --user admin").json()["report"]["totals"]["deals"] == 3
    # Changing goes through the same loading: another's deal cannot be moved.
    with shop.session(shop.user("mia")) as session:
        from ordercraft.core.errors import PermissionDenied
        from ordercraft.plugins.crm.deals import get_deal

        with pytest.raises(PermissionDenied):
            get_deal(session, theirs["deal"])


def test_team_rule(shop: Any) -> None:
    _rule(shop, "team")
    mia = _owners_seen(shop, "mia")     # mia and max share their manager
    assert all(found == {"mia", "max"} for found in mia.values()), mia
    boss = _owners_seen(shop, "boss")   # boss sees their reports
    assert all(found == {"mia", "max"} for found in boss.values()), boss
    out = _owners_seen(shop, "out")     # no manager, no reports: their own
    assert all(found == {"out"} for found in out.values()), out
    assert _api(shop, "mia")(f"/api/v1/orders/{shop.ids['max']['order']}").status_code == 200
    assert _api(shop, "mia")(f"/api/v1/orders/{shop.ids['out']['order']}").status_code == 403


def test_the_widest_role_wins_and_the_admin_sees_all(shop: Any) -> None:
    _rule(shop, "own")
    assert all(found == set(OWNERS) for found in _owners_seen(shop, "admin").values())
    assert shop.cli("role add seller").exit_code == 0
    assert shop.cli("role grant seller party.read order.read").exit_code == 0
    assert shop.cli(["user", "add", "sam", "--role", "manager", "--role", "seller",
                     "--manager", "boss", "--password", PASSWORD]).exit_code == 0
    # A role without a rule over an area sees all of it: give seller rules everywhere.
    for area, scope in (("party", "own"), ("deal", "own"), ("order", "team")):
        assert shop.cli(f"role rule seller --area {area} --scope {scope}").exit_code == 0
    seen = _owners_seen(shop, "sam")    # own from manager, team from seller: team
    assert seen["order"] == {"mia", "max"} and seen["deal"] == set()


def test_rules_are_checked_and_listed(shop: Any) -> None:
    assert shop.cli("role rule manager --area spaceship --scope own").exit_code == 2
    assert shop.cli("role rule manager --area deal --scope some").exit_code == 2
    assert shop.cli("role rule nobody --area deal --scope own").exit_code == 2
    assert shop.cli("role rule manager --area deal --scope own").exit_code == 0
    roles = {r["name"]: r for r in shop.cli("role list --json").json()["roles"]}
    assert roles["manager"]["record_rules"] == {"deal": "own", "order": "all", "party": "all"}
