"""Administration in the JSON API (``/api/v1/users``, ``/plugins``, ``/admin/...``,
``/audit``) and the core services under it: the working calendar, the backup folder and
its daily job, the audit search."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from typing import Any

import pytest

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
                       "hKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def api(make_site: Any) -> Any:
    site = make_site(plugins=["crm", "sales"])
    site.headers = {"Authorization": f"Bearer {site.token('admin')}"}
    site.http = site.app.test_client()
    return site


def call(site: Any, method: str, url: str, **kwargs: Any) -> Any:
    return site.http.open(url, method=method, headers=site.headers, **kwargs)


def test_users_lifecycle_in_the_api(api: Any) -> None:
    made = call(api, "POST", "/api/v1/users", json={"name": "ana", "roles": ["manager"],
                                                    "full_name": "Ana"})
    assert made.status_code == 201, made.get_json()
    password = made.get_json()["password"]
    assert password and made.get_json()["roles"] == ["manager"]
    assert call(api, "POST", "/api/v1/users", json={"name": "ana"}).status_code == 409
    bad = call(api, "POST", "/api/v1/users", json={"name": "bob", "roles": ["wizard"]})
    assert bad.status_code == 400 and "wizard" in bad.get_json()["error"]["message"]

    changed = call(api, "PATCH", "/api/v1/users/ana", json={"roles": ["engineer"],
                                                            "email": "ana@example.com"})
    assert changed.get_json()["roles"] == ["engineer"]
    assert changed.get_json()["email"] == "ana@example.com"
    assert call(api, "GET", "/api/v1/users/nobody").status_code == 404

    api.client("ana", password)
    sessions = call(api, "GET", "/api/v1/users/ana/sessions").get_json()
    assert len(sessions) == 1 and sessions[0]["active"]
    ended = call(api, "POST", f"/api/v1/sessions/{sessions[0]['id']}/end").get_json()
    assert ended["active"] is False and ended["end_reason"] == "ended_by_admin"
    api.client("ana", password)
    assert call(api, "POST", "/api/v1/users/ana/sessions/end").get_json() == {"ended": 1}

    token = call(api, "POST", "/api/v1/users/ana/tokens", json={"name": "sync",
                                                               "expires": "30d"})
    assert token.status_code == 201
    body = token.get_json()
    assert body["token"].startswith("oc_") and body["name"] == "sync" and body["expires_at"]
    assert call(api, "GET", "/api/v1/users/ana/tokens").get_json()[0]["last_used_at"] is None
    bearer = {"Authorization": f"Bearer {body['token']}"}
    assert api.http.get("/api/v1/tasks", headers=bearer).status_code == 200
    listed = call(api, "GET", "/api/v1/users/ana/tokens").get_json()
    assert listed[0]["last_used_at"] and "token" not in listed[0]
    bad_expiry = call(api, "POST", "/api/v1/users/ana/tokens", json={"expires": "soon"})
    assert bad_expiry.status_code == 400 and "expires" in bad_expiry.get_json()["error"]["message"]
    assert call(api, "POST", f"/api/v1/tokens/{body['id']}/revoke").get_json()["revoked"]
    assert api.http.get("/api/v1/tasks", headers=bearer).status_code == 401

    reset = call(api, "POST", "/api/v1/users/ana/password", json={})
    assert reset.get_json()["password"]
    api.client("ana", reset.get_json()["password"])
    assert call(api, "POST", "/api/v1/users/ana/deactivate").get_json()["active"] is False
    assert call(api, "POST", "/api/v1/users/admin/deactivate").status_code == 409
    assert call(api, "POST", "/api/v1/users/ana/activate").get_json()["active"] is True


def test_an_admin_keeps_their_admin_role(api: Any) -> None:
    refused = call(api, "PATCH", "/api/v1/users/admin", json={"roles": ["manager"]})
    assert refused.status_code == 409


def test_plugins_in_the_api(api: Any) -> None:
    plugins = {p["name"]: p for p in call(api, "GET", "/api/v1/plugins").get_json()}
    sales = plugins["sales"]
    assert sales["enabled"] and "crm" in sales["requires"] and sales["version"]
    assert sales["menu"] and sales["commands"] and sales["hooks"]
    assert any(page.startswith("/api/v1/orders") for page in sales["pages"])
    assert "sales" in plugins["crm"]["required_by"]
    refused = call(api, "POST", "/api/v1/plugins/crm/disable")
    assert refused.status_code == 409 and "sales" in refused.get_json()["error"]["message"]
    assert call(api, "POST", "/api/v1/plugins/sales/disable").get_json()["enabled"] is False
    assert call(api, "POST", "/api/v1/plugins/sales/enable").get_json()["enabled"] is True
    assert call(api, "POST", "/api/v1/plugins/nothing/enable").status_code == 404


def test_company_settings_and_logo_in_the_api(api: Any) -> None:
    from ordercraft.core.printing import company

    before = call(api, "GET", "/api/v1/admin/company").get_json()
    names = {s["name"] for s in before["settings"]}
    assert {"company_name", "default_currency", "sales_currency", "working_days",
            "holidays"} <= names and "sales_number_prefix" in names or any(
        n.endswith("_prefix") for n in names)
    assert before["working_days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    bad = call(api, "PATCH", "/api/v1/admin/company",
               json={"settings": {"company_name": "X", "holidays": "tomorrow"}})
    assert bad.status_code == 400 and "holidays" in bad.get_json()["error"]["message"]
    with api.session() as session:
        assert company(session)["name"] == ""
    assert call(api, "PATCH", "/api/v1/admin/company",
                json={"settings": {"session_idle_minutes": "5"}}).status_code == 404
    after = call(api, "PATCH", "/api/v1/admin/company", json={"settings": {
        "company_name": "Roboworks", "working_days": "mon,tue,wed,thu,fri,sat",
        "holidays": "2027-01-01, 2026-12-25"}}).get_json()
    assert after["holidays"] == ["2026-12-25", "2027-01-01"]
    assert after["working_days"][-1] == "sat"
    logo = call(api, "PUT", "/api/v1/admin/company/logo",
                json={"data": base64.b64encode(PNG).decode()})
    assert logo.status_code == 200 and logo.get_json()["has_logo"]
    too_big = call(api, "PUT", "/api/v1/admin/company/logo",
                   json={"data": base64.b64encode(PNG + b"\0" * 600_000).decode()})
    assert too_big.status_code == 400 and "KB" in too_big.get_json()["error"]["message"]
    assert call(api, "PUT", "/api/v1/admin/company/logo",
                json={"data": None}).get_json()["has_logo"] is False


def test_print_forms_show_the_logo(api: Any) -> None:
    from ordercraft.core.printing import company, set_company_logo

    with api.session() as session:
        set_company_logo(session, PNG)
    with api.session() as session:
        assert company(session)["logo"].startswith("data:image/png;base64,")
    from jinja2 import Environment, FileSystemLoader

    from ordercraft.core.printing import CORE_FOLDER

    env = Environment(loader=FileSystemLoader(str(CORE_FOLDER)))
    macros = env.get_template("print/_macros.html").module
    html = str(macros.seller({"name": "R", "logo": "data:image/png;base64,AAA"}))
    assert '<img class="logo" src="data:image/png;base64,AAA"' in html


def test_backups_in_the_api(api: Any) -> None:
    assert call(api, "GET", "/api/v1/admin/backups").get_json()["backups"] == []
    made = call(api, "POST", "/api/v1/admin/backups")
    assert made.status_code == 201 and made.get_json()["bytes"] > 0
    name = made.get_json()["name"]
    listed = call(api, "GET", "/api/v1/admin/backups").get_json()
    assert [b["name"] for b in listed["backups"]] == [name]
    download = call(api, "GET", f"/api/v1/admin/backups/{name}")
    assert download.status_code == 200 and len(download.data) == made.get_json()["bytes"]
    assert call(api, "GET", "/api/v1/admin/backups/site.db").status_code == 404
    schedule = call(api, "PATCH", "/api/v1/admin/backups/schedule",
                    json={"daily": True, "keep_days": 3}).get_json()
    assert schedule["daily"] is True and schedule["keep_days"] == 3
    assert call(api, "PATCH", "/api/v1/admin/backups/schedule",
                json={"keep_days": 0}).status_code == 400
    entries = call(api, "GET", "/api/v1/audit?entity=backup").get_json()
    assert entries["total"] == 1 and entries["items"][0]["entity_id"] == name


def test_the_daily_backup_job_makes_one_a_day_and_prunes(api: Any) -> None:
    from ordercraft.core import scheduler
    from ordercraft.core.backup import list_backups
    from ordercraft.core.settings import set_setting

    platform = api.platform
    day = datetime(2030, 3, 4, 2, 0)
    assert scheduler.daily_backup_job(platform, day) == []  # off by default
    with api.session() as session:
        set_setting(session, "backup_daily", True)
        set_setting(session, "backup_keep_days", 2)
    first = scheduler.daily_backup_job(platform, day)
    assert first == ["ordercraft-20300304-020000.sqlite"] or first[0].endswith(".dump")
    assert scheduler.daily_backup_job(platform, day + timedelta(hours=5)) == []  # same day
    for days in (1, 2, 3):
        scheduler.daily_backup_job(platform, day + timedelta(days=days))
    names = [b.name for b in list_backups(platform)]
    assert len(names) == 3 and names[0].startswith("ordercraft-20300307")
    assert not any(n.startswith("ordercraft-20300304") for n in names)  # older than 2 days
    results = scheduler.run_jobs_once(platform, day + timedelta(days=4))
    assert len(results["daily-backup"]) >= 1


def test_audit_search_in_the_api(api: Any) -> None:
    api.app.test_client().post("/login", data={"name": "admin", "password": "wrong-one!"})
    api.client("admin")
    found = call(api, "GET", "/api/v1/audit?entity=login").get_json()
    actions = [e["action"] for e in found["items"]]
    assert "login" in actions and "refused" in actions
    today = date.today().isoformat()
    dated = call(api, "GET", f"/api/v1/audit?action=login&since={today}&until={today}")
    assert dated.get_json()["total"] >= 1
    none = call(api, "GET", "/api/v1/audit?action=login&until=2000-01-01").get_json()
    assert none["total"] == 0
    assert call(api, "GET", "/api/v1/audit?since=never").status_code == 400
    csv = api.http.get("/api/v1/parties", headers=api.headers)
    assert csv.status_code == 200


def test_admin_routes_are_in_the_openapi_document(api: Any) -> None:
    paths = api.http.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/users", "/api/v1/users/{name}/tokens", "/api/v1/plugins",
                 "/api/v1/admin/company", "/api/v1/admin/backups", "/api/v1/audit",
                 "/api/v1/sessions/{session_id}/end"):
        assert path in paths, path


def test_my_own_tokens_sessions_and_password(api: Any) -> None:
    from ordercraft.core.services.users import create_user

    with api.session() as session:
        create_user(session, "eve", roles=["engineer"], password="eve-password-1")
    eve = api.client("eve", "eve-password-1")
    assert eve.get("/api/v1/me").get_json()["roles"] == ["engineer"]
    assert len(eve.get("/api/v1/me/sessions").get_json()) == 1
    made = eve.post("/api/v1/me/tokens", json={"name": "cli", "expires": "12h"},
                    headers={"X-CSRF-Token": _csrf(eve)})
    assert made.status_code == 201
    bearer = {"Authorization": f"Bearer {made.get_json()['token']}"}
    assert api.http.get("/api/v1/me/tokens", headers=bearer).get_json()[0]["name"] == "cli"
    admin_token = call(api, "GET", "/api/v1/users/admin/tokens").get_json()[0]["id"]
    assert api.http.post(f"/api/v1/me/tokens/{admin_token}/revoke",
                         headers=bearer).status_code == 403
    wrong = api.http.post("/api/v1/me/password", headers=bearer,
                          json={"current_password": "nope", "password": "eve-password-2"})
    assert wrong.status_code == 400
    done = api.http.post("/api/v1/me/password", headers=bearer,
                         json={"current_password": "eve-password-1", "password": "eve-password-2"})
    assert done.status_code == 204
    assert api.http.get("/api/v1/me", headers=bearer).status_code == 401  # token revoked
    api.client("eve", "eve-password-2")


def _csrf(client: Any) -> str:
    import re

    page = client.get("/profile/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
