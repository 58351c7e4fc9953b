"""Dates in the reader's time zone, numbers and money in their locale
(``ordercraft.core.formatting`` and the template filters of ``ordercraft.web.formatting``),
and each user's language and time zone in the API, the CLI and the profile page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from ordercraft.core.errors import ValidationError
from ordercraft.core.formatting import (
    Display,
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_when,
    money_parts,
    parse_language,
    parse_time_zone,
)
from ordercraft.core.money import minor_unit

NBSP, NNBSP = "\u00a0", "\u202f"
JAKARTA = Display(locale="en", time_zone="Asia/Jakarta")
NEW_YEAR_EVE = datetime(2026, 1, 1, 23, 30)  # stored as naive UTC


def test_a_jakarta_user_sees_a_late_utc_evening_as_the_next_morning() -> None:
    assert format_datetime(NEW_YEAR_EVE, JAKARTA) == "Jan 2, 2026, 6:30\u202fAM"
    assert format_datetime(NEW_YEAR_EVE, Display()) == "Jan 1, 2026, 11:30\u202fPM"
    assert format_date(NEW_YEAR_EVE, JAKARTA) == "Jan 2, 2026"
    assert format_datetime(NEW_YEAR_EVE, Display(locale="fr", time_zone="Asia/Jakarta"),
                           "short") == "02/01/2026 06:30"
    # a date has no zone: it is shown as it is
    assert format_date(date(2026, 1, 1), JAKARTA) == "Jan 1, 2026"
    assert format_datetime(None, JAKARTA) == ""


def test_when_counts_days_in_the_readers_zone() -> None:
    now = datetime(2026, 1, 2, 1, 0)  # 08:00 on Jan 2 in Jakarta
    assert format_when(NEW_YEAR_EVE, JAKARTA, now=now) == "today 6:30\u202fAM"
    assert format_when(NEW_YEAR_EVE, Display(), now=now) == "yesterday"
    assert format_when(datetime(2025, 12, 30, 9), Display(), now=now) == "3 days ago"
    assert format_when(date(2026, 1, 4), Display(), now=now) == "in 2 days"
    assert format_when(date(2025, 11, 4), Display(), now=now) == "Nov 4, 2025"
    assert format_when(NEW_YEAR_EVE, Display(locale="fr"), now=now) == "hier"


def test_money_in_the_french_locale() -> None:
    assert format_money(Decimal("1234.5"), "EUR", Display(locale="fr")) == \
        f"1{NNBSP}234,50{NBSP}€"
    assert format_money(Decimal("1234.5"), "EUR", Display()) == "€1,234.50"
    assert format_number(Decimal("1234.5"), Display(locale="fr")) == f"1{NNBSP}234,5"


def test_money_is_rounded_to_the_currencys_minor_unit_with_the_exact_value_kept() -> None:
    shown = money_parts(Decimal("205.454545"), "EUR", Display())
    assert shown.text == "€205.45" and shown.exact == "205.454545 EUR"
    assert money_parts(Decimal("205.45"), "EUR", Display()).exact == ""
    assert format_money(Decimal("205.454545"), "EUR", Display(), exact=True) == "€205.454545"
    assert format_money(Decimal("0.125"), "EUR", Display()) == "€0.13"  # half up
    assert minor_unit("JPY") == Decimal(1) and minor_unit("KWD") == Decimal("0.001")
    assert format_money(Decimal("1000.4"), "JPY", Display()) == "¥1,000"
    assert format_money(Decimal("1.2345"), "KWD", Display()) == "KWD1.235"
    # no currency on the document: the reader's (the site's default)
    assert format_money("12", None, Display(currency="USD")) == "$12.00"
    assert format_money(None, "EUR", Display()) == ""


def test_languages_and_time_zones_are_checked() -> None:
    assert parse_language("FR") == "fr"
    assert parse_time_zone("asia/jakarta") == "Asia/Jakarta"
    with pytest.raises(ValidationError, match="language: 'xx' is not a language"):
        parse_language("xx")
    with pytest.raises(ValidationError, match="time_zone: 'Mars/Base' is not a time zone"):
        parse_time_zone("Mars/Base")
    with pytest.raises(ValidationError):
        parse_time_zone("../../etc/passwd")


def test_the_money_filter_puts_the_exact_value_in_a_tooltip(site: Any) -> None:
    from flask import render_template_string

    with site.app.test_request_context("/"):
        html = render_template_string("{{ cost | money('EUR') }}|{{ total | money('JPY') }}"
                                      "|{{ plain | money }}",
                                      cost=Decimal("205.454545"), total=Decimal("1500"),
                                      plain=Decimal("3"))
    assert html == '<span class="money" title="205.454545 EUR">€205.45</span>|¥1,500|€3.00'


def _client_created_at(site: Any, moment: datetime) -> None:
    from ordercraft.core.models import Party

    with site.session() as session:
        session.add(Party(name="Late Client", kind="client", created_at=moment))


def test_the_profiles_time_zone_changes_the_time_a_page_shows(site: Any) -> None:
    _client_created_at(site, NEW_YEAR_EVE)
    browser = site.client("admin")
    assert "Jan 1, 2026, 11:30" in browser.get("/").get_data(as_text=True)
    page = browser.get("/profile/").get_data(as_text=True)
    assert 'name="time_zone"' in page and 'value="fr"' in page
    refused = browser.post("/profile/preferences", data={"language": "",
                                                         "time_zone": "Mars/Base"})
    assert refused.status_code == 422 and "Mars/Base" in refused.get_data(as_text=True)
    saved = browser.post("/profile/preferences", data={"language": "",
                                                       "time_zone": "Asia/Jakarta"})
    assert saved.status_code == 303
    assert "Jan 2, 2026, 6:30" in browser.get("/").get_data(as_text=True)
    browser.post("/profile/preferences", data={"language": "fr", "time_zone": "Asia/Jakarta"})
    assert "2 janv. 2026, 06:30" in browser.get("/").get_data(as_text=True)


def test_the_site_default_time_zone_applies_to_users_without_one(site: Any) -> None:
    _client_created_at(site, NEW_YEAR_EVE)
    result = site.cli("settings set default_time_zone Asia/Jakarta")
    assert result.exit_code == 0, result.output
    assert site.cli("settings set default_time_zone Mars/Base").exit_code == 2
    assert "Jan 2, 2026, 6:30" in site.client("admin").get("/").get_data(as_text=True)


def test_language_and_time_zone_in_the_api(site: Any) -> None:
    http = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token('admin')}"}
    me = http.get("/api/v1/me", headers=headers).get_json()
    assert me["language"] is None and me["time_zone"] is None
    changed = http.patch("/api/v1/me", headers=headers,
                         json={"language": "id", "time_zone": "Asia/Jakarta"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["language"] == "id"
    assert changed.get_json()["time_zone"] == "Asia/Jakarta"
    bad = http.patch("/api/v1/me", headers=headers, json={"time_zone": "Asia/Nowhere"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "time_zone"
    assert http.get("/api/v1/me", headers=headers).get_json()["time_zone"] == "Asia/Jakarta"
    back = http.patch("/api/v1/users/admin", headers=headers, json={"language": ""})
    assert back.get_json()["language"] is None and back.get_json()["time_zone"] == "Asia/Jakarta"
    bad = http.patch("/api/v1/users/admin", headers=headers, json={"language": "de"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "language"


def test_language_and_time_zone_in_the_cli(site: Any) -> None:
    result = site.cli("user update admin --language fr --time-zone asia/jakarta --json")
    assert result.exit_code == 0, result.output
    assert result.json()["user"]["time_zone"] == "Asia/Jakarta"
    refused = site.cli("user update admin --time-zone Mars/Base")
    assert refused.exit_code == 2 and "time_zone: 'Mars/Base'" in refused.stderr


def test_a_historys_stored_moments_read_in_the_users_zone(site: Any) -> None:
    from ordercraft.web.humanize import timeline_text

    entry = {"kind": "audit_update", "text": "changed Confirmed at: — → 2026-01-01 23:30"}
    comment = {"kind": "comment", "text": "call back 2026-01-01 23:30"}
    with site.app.test_request_context("/"):
        from flask import g

        from ordercraft.core.formatting import Display

        g._oc_display = Display(time_zone="Asia/Jakarta")
        assert timeline_text(entry) == "changed Confirmed at: — → 1/2/26, 6:30\u202fAM"
        assert timeline_text(comment) == comment["text"]  # what a person wrote stays
