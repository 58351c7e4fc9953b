"""Administration in the browser (the pages): users, roles grid, plugins, company
settings, backups, audit log, and a user's own profile."""

from __future__ import annotations

import base64
import html
import re
from typing import Any

import pytest

PASSWORD = "admin-web-pass-1"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
                       "hKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def admin_site(make_site: Any) -> Any:
    return make_site(plugins=["crm", "sales"])


def csrf(page: Any) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def post(client: Any, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    token = csrf(client.get("/"))
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def test_admin_menu_section_is_shown_to_admins_only(admin_site: Any) -> None:
    from ordercraft.core.services.users import create_user

    with admin_site.session() as session:
        create_user(session, "clerk", roles=["manager"], password=PASSWORD)
    home = admin_site.client("admin").get("/").get_data(as_text=True)
    assert "Administration" in home and "/admin/users" in home and "/admin/audit" in home
    audit = admin_site.client("admin").get("/admin/audit").get_data(as_text=True)
    assert '<a href="/admin/audit" class="active" aria-current="page">' in audit
    assert '<a href="/admin/users" class="active"' not in audit  # same area, not this page
    clerk = admin_site.client("clerk", PASSWORD)
    assert "/admin/users" not in clerk.get("/").get_data(as_text=True)
    assert clerk.get("/admin/users").status_code == 403


def test_add_edit_reset_deactivate_a_user(admin_site: Any) -> None:
    admin = admin_site.client("admin")
    assert admin.get("/admin/users/new").status_code == 200
    # Every mistake at once would be better; the service reports the first: a bad name.
    bad = post(admin, "/admin/users/new", {"name": "no spaces", "roles": ["manager"]})
    assert bad.status_code == 422 and "not a valid user name" in bad.get_data(as_text=True)
    made = post(admin, "/admin/users/new", {"name": "maria", "full_name": "Maria Lopez",
                                            "roles": ["manager"], "password": ""})
    text = made.get_data(as_text=True)
    assert made.status_code == 200 and "shown only now" in text
    generated = re.search(r'<code class="secret-value">([^<]+)</code>', text).group(1)
    maria = admin_site.client("maria", generated)
    assert maria.get("/profile/").status_code == 200

    changed = post(admin, "/admin/users/maria/edit", {"full_name": "Maria L.",
                                                      "email": "maria@example.com",
                                                      "roles": ["manager", "engineer"]})
    assert changed.status_code == 303
    page = admin.get("/admin/users/maria").get_data(as_text=True)
    assert "Maria L." in page and 'value="engineer" checked' in page
    assert "open" in page  # her session is listed

    post(admin, "/admin/users/maria/password", {"password": "a-new-password-9"})
    assert maria.get("/profile/").status_code == 302  # her session ended
    maria = admin_site.client("maria", "a-new-password-9")

    assert post(admin, "/admin/users/maria/active", {"active": "no"}).status_code == 303
    assert maria.get("/profile/").status_code == 302
    assert "deactivated" in admin.get("/admin/users?show=inactive").get_data(as_text=True)
    assert post(admin, "/admin/users/maria/active", {"active": "yes"}).status_code == 303
    admin_site.client("maria", "a-new-password-9")


def test_tokens_are_shown_once_used_and_revoked(admin_site: Any) -> None:
    admin = admin_site.client("admin")
    made = post(admin, "/admin/users/admin/tokens", {"name": "sync", "expires": "30d"})
    token = re.search(r'<code class="secret-value">([^<]+)</code>',
                      made.get_data(as_text=True)).group(1)
    assert admin_site.app.test_client().get(
        "/api/v1/users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page = admin.get("/admin/users/admin").get_data(as_text=True)
    assert "sync" in page and token not in page and "never used" not in page
    token_id = re.search(r'/admin/tokens/(\d+)/revoke', page).group(1)
    assert post(admin, f"/admin/tokens/{token_id}/revoke").status_code == 303
    assert admin_site.app.test_client().get(
        "/api/v1/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_profile_tokens_sessions_and_password(admin_site: Any) -> None:
    from ordercraft.core.services.users import create_user

    with admin_site.session() as session:
        create_user(session, "clerk", roles=["manager"], password=PASSWORD)
    clerk = admin_site.client("clerk", PASSWORD)
    page = clerk.get("/profile/").get_data(as_text=True)
    assert "My open sessions" in page
    made = post(clerk, "/profile/tokens", {"name": "phone", "expires": "90d"})
    assert made.status_code == 200 and "secret-value" in made.get_data(as_text=True)
    wrong = post(clerk, "/profile/password", {"current_password": "nope", "password":
                                              "another-pass-1", "repeat": "another-pass-1"})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(
        as_text=True)
    done = post(clerk, "/profile/password", {"current_password": PASSWORD,
                                             "password": "another-pass-1",
                                             "repeat": "another-pass-1"})
    assert done.status_code == 303
    assert clerk.get("/profile/").status_code == 200  # this browser stays logged in
    admin_site.client("clerk", "another-pass-1")


def test_roles_grid_grants_and_revokes(admin_site: Any) -> None:
    from ordercraft.core.models import Role

    admin = admin_site.client("admin")
    page = admin.get("/admin/roles").get_data(as_text=True)
    assert "crm" in page and "sales" in page and 'value="manager:party.read"' in page
    assert post(admin, "/admin/roles/new", {"name": "auditor",
                                            "description": "Reads"}).status_code == 303
    with admin_site.session() as session:
        granted = {r.name: set(r.permissions) for r in session.query(Role)}
    ticked = [f"{role}:{p}" for role, ps in granted.items() for p in ps]
    ticked.append("auditor:party.read")
    assert "manager:party.read" in ticked
    ticked.remove("manager:party.read")
    assert post(admin, "/admin/roles").status_code == 303  # no column shown: no change
    saved = post(admin, "/admin/roles", {"grant": ticked, "role": sorted(granted)})
    assert saved.status_code == 303
    with admin_site.session() as session:
        after = {r.name: set(r.permissions) for r in session.query(Role)}
    assert after["auditor"] == {"party.read"}
    assert "party.read" not in after["manager"]
    assert after["admin"] == granted["admin"]


def test_plugins_page_lists_and_switches(admin_site: Any) -> None:
    admin = admin_site.client("admin")
    page = admin.get("/admin/plugins").get_data(as_text=True)
    assert "plugin-sales" in page and "plugin-crm" in page and "required by" in page
    refused = post(admin, "/admin/plugins/crm/disable", follow_redirects=True)
    assert "require" in refused.get_data(as_text=True)
    assert post(admin, "/admin/plugins/sales/disable").status_code == 303
    assert admin_site.platform.plugin("sales").enabled is False
    assert post(admin, "/admin/plugins/sales/enable").status_code == 303
    assert admin_site.platform.plugin("sales").enabled is True


def test_company_settings_every_error_at_once_and_logo(admin_site: Any) -> None:
    from ordercraft.core.printing import company
    from ordercraft.core.settings import get_setting

    admin = admin_site.client("admin")
    page = admin.get("/admin/company").get_data(as_text=True)
    assert "Numbering series" in page and "sales_number_prefix" in page or "Order number" in page
    bad = post(admin, "/admin/company", {"company_name": "Roboworks", "default_currency": "euro",
                                         "holidays": "2026-13-01", "working_days_shown": "yes"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "not a currency code" in text and "is not a date" in text and "at least one" in text
    with admin_site.session() as session:
        assert company(session)["name"] == ""  # nothing saved
    fake = post(admin, "/admin/company", {"company_name": "Roboworks", "default_currency": "eur",
                                          "working_days": ["mon", "tue"],
                                          "logo": (__import__("io").BytesIO(b"<svg/>"), "l.svg")},
                content_type="multipart/form-data")
    assert fake.status_code == 422 and "not a PNG" in fake.get_data(as_text=True)
    good = post(admin, "/admin/company", {
        "company_name": "Roboworks Ltd", "company_tax_id": "GB123", "default_currency": "usd",
        "working_days": ["mon", "tue", "wed", "thu", "fri"], "holidays": "2026-12-25",
        "logo": (__import__("io").BytesIO(PNG), "logo.png")}, content_type="multipart/form-data")
    assert good.status_code == 303
    with admin_site.session() as session:
        details = company(session)
        assert details["name"] == "Roboworks Ltd" and details["logo"].startswith(
            "data:image/png;base64,")
        assert get_setting(session, "default_currency") == "USD"
        assert get_setting(session, "holidays") == "2026-12-25"
    logo = admin.get("/admin/company/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == PNG


def test_a_user_form_with_several_mistakes_lists_them_all_and_carries_the_rules(
        admin_site: Any) -> None:
    admin = admin_site.client("admin")
    page = admin.get("/admin/users/new").get_data(as_text=True)
    assert re.search(r'name="full_name" value="" maxlength="200"', page)
    assert re.search(r'name="email" value="" maxlength="200" inputmode="email"', page)
    bad = post(admin, "/admin/users/new", {"name": "no spaces", "full_name": "x" * 201,
                                           "email": "not-an-address", "password": "short",
                                           "manager": "nobody"})
    text = html.unescape(bad.get_data(as_text=True)).lower()
    assert bad.status_code == 422
    for part in ("is not a valid user name", "longer than 200", "not-an-address",
                 "at least 8 characters", "'nobody'"):  # messages start in capitals
        assert part in text, part
    made = post(admin, "/admin/users/new", {"name": "rita", "password": "long-enough-1"})
    assert made.status_code == 303
    edit = post(admin, "/admin/users/rita/edit", {"full_name": "Rita", "email": "bad@",
                                                  "manager": "rita"})
    text = html.unescape(edit.get_data(as_text=True))
    assert edit.status_code == 422 and "bad@" in text and "their own manager" in text


def test_the_sales_currency_follows_the_default_currency_on_the_company_page(
        admin_site: Any) -> None:
    from ordercraft.core.settings import get_setting

    admin = admin_site.client("admin")
    page = admin.get("/admin/company").get_data(as_text=True)
    assert 'name="sales_currency" value="" maxlength="2000" placeholder="EUR"' in page
    assert "Empty: the same as default_currency." in page
    saved = post(admin, "/admin/company", {"default_currency": "usd", "sales_currency": ""})
    assert saved.status_code == 303
    with admin_site.session() as session:
        assert get_setting(session, "sales_currency") == "USD"  # still following
    assert 'placeholder="USD"' in admin.get("/admin/company").get_data(as_text=True)
    assert post(admin, "/admin/company", {"sales_currency": "gbp"}).status_code == 303
    with admin_site.session() as session:
        assert (get_setting(session, "sales_currency"),
                get_setting(session, "default_currency")) == ("GBP", "USD")


def test_backups_now_list_download_schedule(admin_site: Any) -> None:
    from ordercraft.core.settings import get_setting

    admin = admin_site.client("admin")
    assert "No backups yet" in admin.get("/admin/backups").get_data(as_text=True)
    assert post(admin, "/admin/backups").status_code == 303
    page = admin.get("/admin/backups").get_data(as_text=True)
    name = re.search(r"(ordercraft-\d{8}-\d{6}\.(sqlite|dump))", page).group(1)
    download = admin.get(f"/admin/backups/{name}")
    assert download.status_code == 200 and len(download.data) > 1000
    assert admin.get("/admin/backups/..%2Fsite.db").status_code == 404
    assert post(admin, "/admin/backups/schedule", {"backup_daily": "yes",
                                                   "backup_keep_days": "7"}).status_code == 303
    with admin_site.session() as session:
        assert get_setting(session, "backup_daily") is True
        assert get_setting(session, "backup_keep_days") == 7


def test_audit_finds_logins_refusals_and_exports(admin_site: Any) -> None:
    anonymous = admin_site.app.test_client()
    anonymous.post("/login", data={"name": "admin", "password": "wrong-password"})
    admin = admin_site.client("admin")
    assert admin.get("/parties/?format=csv").status_code == 200
    page = admin.get("/admin/audit?entity=login").get_data(as_text=True)
    assert "refused" in page and "wrong_password" in page and ">login<" in page
    logins = admin.get("/admin/audit?action=login&user=admin").get_data(as_text=True)
    assert "wrong_password" not in logins and '<span class="badge">login</span>' in logins
    exports = admin.get("/admin/audit?action=export").get_data(as_text=True)
    assert "client" in exports and "rows" in exports
    bad = admin.get("/admin/audit?since=yesterday")
    assert bad.status_code == 200 and "since" in bad.get_data(as_text=True)
