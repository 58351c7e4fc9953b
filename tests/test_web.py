"""The web skeleton: login, the plugin switch, the menu, the JSON API and its errors,
the OpenAPI document, health."""

from __future__ import annotations

import types
from decimal import Decimal

import pytest
from flask import Blueprint
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ordercraft.core.errors import Conflict
from ordercraft.core.models import AuditEntry, Party
from ordercraft.core.plugins import PluginInfo
from ordercraft.core.registries import MenuItem
from ordercraft.sdk import hookimpl
from ordercraft.sdk.testing import ADMIN_PASSWORD


def gadget_plugin(name: str = "gadgets") -> types.ModuleType:
    """A plugin with a page, an API route and a menu entry (made per test: fresh objects)."""
    from ordercraft.web import (
        InputModel,
        OutputModel,
        api_route,
        login_required,
        permission_required,
    )

    module = types.ModuleType(f"test_{name}_plugin")
    module.plugin = PluginInfo(name=name, version="1.0", description="Gadgets for tests")
    pages = Blueprint(name, __name__, url_prefix=f"/{name}")
    api = Blueprint(f"{name}_api", __name__, url_prefix="/api/v1")

    @pages.get("/")
    @login_required
    def index():
        return "<p>all the gadgets</p>"

    @pages.get("/vault")
    @permission_required("party.write")
    def vault():
        return "<p>the gadget vault</p>"

    @pages.get("/boom")
    @login_required
    def boom():
        raise RuntimeError("a secret detail of a bug")

    class GadgetIn(InputModel):
        name: str
        price: Decimal

    class GadgetOut(OutputModel):
        name: str
        price: Decimal

    @api_route(api, f"/{name}", methods=["POST"], body=GadgetIn, response=GadgetOut, status=201)
    def create_gadget(body: GadgetIn):
        """Price a gadget."""
        return {"name": body.name, "price": body.price * 2}

    @api_route(api, f"/{name}/half-saved", methods=["POST"], response=GadgetOut)
    def half_saved():
        """Write a party, then refuse: nothing may stay."""
        from ordercraft.core.services.parties import create_party
        from ordercraft.web import request_session

        create_party(request_session(), "Half Saved Ltd")
        raise Conflict("refused after writing", field="name")

    @api_route(api, f"/{name}/boom", response=GadgetOut)
    def api_boom():
        """Fail with a bug."""
        raise RuntimeError("a secret detail of a bug")

    @hookimpl
    def web_blueprints():
        return [pages, api]

    @hookimpl
    def menu_items():
        return [MenuItem("Gadgets", f"{name}.index", order=50, permission="party.read")]

    module.web_blueprints = web_blueprints
    module.menu_items = menu_items
    return module


def login(client, name="admin", password=ADMIN_PASSWORD):
    return client.post("/login", data={"name": name, "password": password})


def add_user(site, name, role=None):
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, name, roles=[role] if role else [], password=f"{name}-password")


# --------------------------------------------------------------------------- login


def test_login_with_the_right_password_opens_the_home_page(site):
    client = site.app.test_client()
    response = login(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Administrator" in page.text or "admin" in page.text
    assert 'href="/parties/"' in page.text


def test_login_with_a_wrong_password_is_refused_and_keeps_the_name(site):
    client = site.app.test_client()
    response = login(client, password="not-the-password")
    assert response.status_code == 401
    assert "wrong user name or password" in response.text
    assert 'value="admin"' in response.text
    assert client.get("/").status_code == 302


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(site):
    client = site.app.test_client()
    response = client.post("/login", data={"name": "admin", "password": ADMIN_PASSWORD,
                                           "next": "/parties/?q=robo"})
    assert response.headers["Location"] == "/parties/?q=robo"
    other = site.app.test_client()
    response = other.post("/login", data={"name": "admin", "password": ADMIN_PASSWORD,
                                          "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_logout_ends_the_session(site):
    client = site.client(login="admin")
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_pages_require_login(site):
    client = site.app.test_client()
    for path in ("/", "/parties/", "/parties/new", "/parties/1"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path


def test_a_changed_password_ends_the_users_browser_sessions(site):
    from ordercraft.core.services.users import set_password

    client = site.client(login="admin")
    with site.session() as session:
        set_password(session, "admin", "a-brand-new-password")
    assert client.get("/").status_code == 302


def test_form_posts_without_the_csrf_token_are_refused(site):
    client = FlaskClient(site.app, use_cookies=True)
    response = client.post("/login", data={"name": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 400
    assert "form has expired" in response.text
    # The login page hands out the token; with it the same post works.
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf_token"]
    response = client.post("/login", data={"name": "admin", "password": ADMIN_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303


def test_api_writes_with_the_browser_session_need_the_csrf_header(site):
    logged_in = site.client(login="admin")
    with logged_in.session_transaction() as session:
        cookie_session = dict(session)
    plain = FlaskClient(site.app, use_cookies=True)
    with plain.session_transaction() as session:
        session.update(cookie_session)
    response = plain.post("/api/v1/parties", json={"name": "Forged Ltd"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf"
    response = plain.post("/api/v1/parties", json={"name": "Asked Ltd"},
                          headers={"X-CSRF-Token": cookie_session["csrf_token"]})
    assert response.status_code == 201


def test_the_secret_key_is_kept_per_site(site):
    from ordercraft.web import create_app

    first = create_app(site.platform, testing=True).secret_key
    second = create_app(site.platform, testing=True).secret_key
    assert first == second and len(first) >= 32


def test_the_secret_key_from_the_environment_wins(site, monkeypatch):
    from ordercraft.web import create_app

    monkeypatch.setenv("ORDERCRAFT_SECRET_KEY", "from-the-environment-0123456789")
    assert create_app(site.platform).secret_key == "from-the-environment-0123456789"


# --------------------------------------------------------------------------- plugins and menu


def menu_labels(client) -> list[str]:
    import re

    page = client.get("/").text
    nav = page.split('<ul class="nav">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="[^"]*"[^>]*>([^<]+)</a>', nav)


def test_hook_menu_items(make_site):
    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    client = site.client(login="admin")
    with_gadgets = menu_labels(client)
    assert with_gadgets[0] == "Home" and {"Parties", "Gadgets"} <= set(with_gadgets)
    site.platform.set_plugin_enabled("gadgets", False)
    assert menu_labels(client) == [label for label in with_gadgets if label != "Gadgets"]
    site.platform.set_plugin_enabled("gadgets", True)
    assert menu_labels(client) == with_gadgets


def test_menu_shows_only_what_the_user_may_open(make_site):
    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    add_user(site, "keeper")
    client = site.client(login="keeper", password="keeper-password")
    # A user without roles has no party.read, which both entries need.
    assert menu_labels(client) == ["Home"]
    # The page itself refuses too: the service checks the permission, not the menu.
    response = client.get("/parties/")
    assert response.status_code == 403
    assert "party.read" in response.text


def test_a_page_may_require_a_permission(make_site):
    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    add_user(site, "keeper")
    anonymous = site.app.test_client()
    assert anonymous.get("/gadgets/vault").status_code == 302  # to the login page first
    keeper = site.client(login="keeper", password="keeper-password")
    refused = keeper.get("/gadgets/vault")
    assert refused.status_code == 403 and "party.write" in refused.text
    assert site.client(login="admin").get("/gadgets/vault").text == "<p>the gadget vault</p>"


def test_hook_web_blueprints(make_site):
    """A disabled plugin's pages answer 404 and come back when it is enabled (no restart)."""
    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    client = site.client(login="admin")
    assert client.get("/gadgets/").text == "<p>all the gadgets</p>"
    site.platform.set_plugin_enabled("gadgets", False)
    assert client.get("/gadgets/").status_code == 404
    site.platform.set_plugin_enabled("gadgets", True)
    assert client.get("/gadgets/").status_code == 200


def test_a_plugin_disabled_before_the_app_starts_can_be_enabled_without_restart(make_site):
    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    site.platform.set_plugin_enabled("gadgets", False)
    client = site.client(login="admin")  # the app is created now, with the plugin disabled
    assert client.get("/gadgets/").status_code == 404
    token = site.token()
    api = site.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.post("/api/v1/gadgets", json={"name": "x", "price": "1"},
                    headers=headers).status_code == 404
    assert "/api/v1/gadgets" not in api.get("/api/v1/openapi.json").json["paths"]

    # Another process (here: another platform of the same site) enables it.
    from ordercraft.core.platform import Platform

    other = Platform(site.platform.database_url, only=[], extra_plugins=[site.platform.plugin(
        "gadgets").module])
    other.set_plugin_enabled("gadgets", True)
    other.dispose()
    assert client.get("/gadgets/").status_code == 200
    assert api.post("/api/v1/gadgets", json={"name": "x", "price": "1"},
                    headers=headers).status_code == 201
    assert "/api/v1/gadgets" in api.get("/api/v1/openapi.json").json["paths"]


def test_two_plugins_with_the_same_blueprint_name_are_an_error_naming_the_plugin(make_site):
    from ordercraft.core.errors import PluginError
    from ordercraft.web import create_app

    first = gadget_plugin("gadgets")
    second = types.ModuleType("test_clash_plugin")
    second.plugin = PluginInfo(name="clash")
    clashing = Blueprint("gadgets", __name__, url_prefix="/clash")

    @hookimpl
    def web_blueprints():
        return [clashing]

    second.web_blueprints = web_blueprints
    site = make_site(plugins=[], extra_plugins=[first, second])
    with pytest.raises(PluginError, match="blueprint 'gadgets'") as caught:
        create_app(site.platform, testing=True)
    assert "plugin 'clash'" in str(caught.value) and "plugin 'gadgets'" in str(caught.value)


# --------------------------------------------------------------------------- JSON API


def test_api_requires_a_token_or_a_session(site):
    client = site.app.test_client()
    response = client.get("/api/v1/parties")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")

    response = client.get("/api/v1/parties", headers={"Authorization": "Bearer oc_wrong"})
    assert response.status_code == 401
    assert "invalid or revoked" in response.json["error"]["message"]

    response = client.get("/api/v1/parties", headers={"Authorization": "Basic YWRtaW46eA=="})
    assert response.status_code == 401
    assert "Bearer" in response.json["error"]["message"]

    token = site.token("admin")
    response = client.get("/api/v1/parties", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json == {"items": [], "total": 0, "limit": 50, "offset": 0}

    browser = site.client(login="admin")
    assert browser.get("/api/v1/parties").status_code == 200


def test_api_acts_as_the_tokens_user(site):
    add_user(site, "eng", "engineer")
    client = site.app.test_client()
    engineer = {"Authorization": f"Bearer {site.token('eng')}"}
    response = client.post("/api/v1/parties", json={"name": "Robo School"}, headers=engineer)
    assert response.status_code == 403
    assert "party.write" in response.json["error"]["message"]

    admin = {"Authorization": f"Bearer {site.token('admin')}"}
    response = client.post("/api/v1/parties", json={"name": "Robo School"}, headers=admin)
    assert response.status_code == 201
    with site.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "party")).one()
        assert entry.user_name == "admin"


def test_api_root_lists_the_resources(make_site):
    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    root = site.app.test_client().get("/api/v1").json
    names = [r["name"] for r in root["resources"]]
    assert {"gadgets", "parties"} <= set(names) and names == sorted(names)
    site.platform.set_plugin_enabled("gadgets", False)
    names = [r["name"] for r in site.app.test_client().get("/api/v1").json["resources"]]
    assert "gadgets" not in names and "parties" in names
    assert root["openapi"] == "/api/v1/openapi.json"


def test_api_parties_create_read_update_list(site):
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token()}"}
    response = client.post("/api/v1/parties", headers=headers, json={
        "name": "Future Engineers School", "kind": "client", "tags": ["school", "robotics"],
        "email": "office@future.example", "source": "exhibition"})
    assert response.status_code == 201, response.json
    created = response.json
    assert created["tags"] == ["robotics", "school"]
    assert created["legal_entities"] == [] and created["contacts"] == []

    response = client.get(f"/api/v1/parties/{created['id']}", headers=headers)
    assert response.json["name"] == "Future Engineers School"

    response = client.patch(f"/api/v1/parties/{created['id']}", headers=headers,
                            json={"kind": "both", "phone": "+44 20 7946 0000"})
    assert response.status_code == 200
    assert (response.json["kind"], response.json["phone"]) == ("both", "+44 20 7946 0000")
    assert response.json["email"] == "office@future.example"  # untouched

    for index in range(5):
        client.post("/api/v1/parties", headers=headers,
                    json={"name": f"Supplier {index}", "kind": "supplier"})
    response = client.get("/api/v1/parties?kind=supplier&limit=2&offset=2", headers=headers)
    body = response.json
    # "both" counts as a supplier too
    assert (body["total"], body["limit"], body["offset"]) == (6, 2, 2)
    assert [p["name"] for p in body["items"]] == ["Supplier 1", "Supplier 2"]
    response = client.get("/api/v1/parties?q=future&tag=school", headers=headers)
    assert [p["name"] for p in response.json["items"]] == ["Future Engineers School"]


def test_api_errors_are_json_with_code_message_and_field(site):
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token()}"}

    response = client.post("/api/v1/parties", headers=headers, json={"kind": "client"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid"
    assert response.json["error"]["field"] == "name"

    response = client.post("/api/v1/parties", headers=headers, json={"name": "X", "kind": "foe"})
    assert response.json["error"]["field"] == "kind"
    assert "'foe'" in response.json["error"]["message"]

    response = client.post("/api/v1/parties", headers=headers, json={"name": "X", "colour": 1})
    assert (response.status_code, response.json["error"]["field"]) == (400, "colour")

    response = client.post("/api/v1/parties", headers=headers, json={"name": "X",
                                                                    "email": "not-an-email"})
    assert (response.status_code, response.json["error"]["field"]) == (400, "email")

    client.post("/api/v1/parties", headers=headers, json={"name": "Twice Ltd"})
    response = client.post("/api/v1/parties", headers=headers, json={"name": "TWICE LTD"})
    assert response.status_code == 409
    assert response.json["error"] == {"code": "duplicate", "field": "name",
                                      "message": response.json["error"]["message"]}

    response = client.post("/api/v1/parties", headers=headers, data="name=X")
    assert response.status_code == 415
    response = client.post("/api/v1/parties", headers=headers, data="{not json",
                           content_type="application/json")
    assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_json")

    response = client.get("/api/v1/parties?limit=0", headers=headers)
    assert (response.status_code, response.json["error"]["field"]) == (400, "limit")

    response = client.get("/api/v1/parties/9999", headers=headers)
    assert (response.status_code, response.json["error"]["code"]) == (404, "not_found")

    response = client.get("/api/v1/no-such-thing", headers=headers)
    assert (response.status_code, response.json["error"]["code"]) == (404, "not_found")

    response = client.delete("/api/v1/parties", headers=headers)
    assert (response.status_code, response.json["error"]["code"]) == (405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_a_refused_request_leaves_nothing_half_saved(make_site):
    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token()}"}
    response = client.post("/api/v1/gadgets/half-saved", headers=headers)
    assert response.status_code == 409
    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(Party)) == 0


def test_an_internal_fault_is_a_json_500_without_a_traceback(make_site):
    from ordercraft.web import create_app

    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    app = create_app(site.platform, testing=True, config={"PROPAGATE_EXCEPTIONS": False})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {site.token()}"}
    response = client.get("/api/v1/gadgets/boom", headers=headers)
    assert response.status_code == 500
    assert response.json == {"error": {"code": "internal", "message":
                                       "an internal error occurred; it has been logged"}}
    login(client)
    page = client.get("/gadgets/boom")
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert "secret detail" not in page.text and "Traceback" not in page.text


def test_a_plugin_crashing_in_a_hook_is_a_500_naming_the_plugin(make_site):
    """A plugin's bug inside a hook is an internal fault (500), never a 4xx refusal: the
    answer names the plugin and the hook, not the plugin's exception; nothing is saved."""
    from ordercraft.web import create_app

    def document_posted(session, document):
        raise RuntimeError("a secret detail of a bug")

    crashing = types.ModuleType("test_crashing_plugin")
    crashing.plugin = PluginInfo(name="crashing")
    crashing.document_posted = hookimpl(document_posted)
    site = make_site(plugins=[], extra_plugins=[crashing])
    with site.session() as session:
        from ordercraft.sdk import items, warehouses

        items.create_item(session, "BOLT", name="Bolt")
        warehouses.create_warehouse(session, "MAIN", name="Main")
    app = create_app(site.platform, testing=True, config={"PROPAGATE_EXCEPTIONS": False})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {site.token()}"}
    response = client.post("/api/v1/stock/documents", headers=headers, json={
        "kind": "receipt", "lines": [{"item": "BOLT", "warehouse": "MAIN", "qty": "5",
                                      "unit_cost": "1"}]})
    assert response.status_code == 500
    assert response.json == {"error": {
        "code": "plugin_failed",
        "message": "an internal error occurred in plugin 'crashing' (hook 'document_posted'); "
                   "it has been logged",
        "details": {"plugin": "crashing", "hook": "document_posted"}}}
    login(client)
    page = client.post("/stock/receive", data={"item": "BOLT", "warehouse": "MAIN", "qty": "5",
                                               "unit_cost": "1"})
    assert page.status_code == 500
    assert "crashing" in page.text and "secret detail" not in page.text
    with site.session() as session:
        from ordercraft.sdk import stock

        assert stock.balance(session, "BOLT", "MAIN").qty == 0


def test_decimals_travel_as_strings(make_site):
    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token()}"}
    response = client.post("/api/v1/gadgets", headers=headers,
                           json={"name": "gear", "price": "0.10"})
    assert response.status_code == 201
    assert response.json == {"name": "gear", "price": "0.20"}


def test_openapi_is_valid_and_describes_the_routes(make_site):
    from openapi_spec_validator import validate

    site = make_site(plugins=[], extra_plugins=[gadget_plugin()])
    document = site.app.test_client().get("/api/v1/openapi.json").json
    validate(document)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert set(paths["/api/v1/parties"]) == {"get", "post"}
    assert set(paths["/api/v1/parties/{party_id}"]) == {"get", "patch"}
    listing = paths["/api/v1/parties"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert {"limit", "offset", "q", "kind", "tag"} <= set(parameters)
    assert parameters["kind"]["schema"]["enum"] == ["client", "supplier", "both"]
    assert parameters["limit"]["schema"]["maximum"] == 500
    create = paths["/api/v1/parties"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    schemas = document["components"]["schemas"]
    party_in = schemas[body["$ref"].rsplit("/", 1)[1]]
    assert party_in["required"] == ["name"] and party_in["additionalProperties"] is False
    assert {"201", "400", "401", "409", "500"} <= set(create["responses"])
    # A Decimal is answered as a string, and the document says so.
    gadget_out = paths["/api/v1/gadgets"]["post"]["responses"]["201"]["content"][
        "application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schemas[gadget_out]["properties"]["price"]["type"] == "string"
    assert paths["/api/v1/gadgets"]["post"]["summary"] == "Price a gadget."


def test_openapi_matches_what_the_routes_answer(site):
    """Every answer of the parties routes validates against the document's schemas."""
    import jsonschema

    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {site.token()}"}
    document = client.get("/api/v1/openapi.json").json
    created = client.post("/api/v1/parties", headers=headers, json={"name": "Schema Ltd"})
    listed = client.get("/api/v1/parties", headers=headers)
    one = client.get(f"/api/v1/parties/{created.json['id']}", headers=headers)
    missing = client.get("/api/v1/parties/999", headers=headers)
    cases = [(created, "/api/v1/parties", "post", "201"),
             (listed, "/api/v1/parties", "get", "200"),
             (one, "/api/v1/parties/{party_id}", "get", "200"),
             (missing, "/api/v1/parties/{party_id}", "get", "404")]
    for response, path, method, status in cases:
        schema = document["paths"][path][method]["responses"][status]["content"][
            "application/json"]["schema"]
        resolver_document = {**schema, "components": document["components"]}
        jsonschema.validate(response.json, resolver_document)


# --------------------------------------------------------------------------- pages


def seed_parties(site, count=30):
    from ordercraft.core.services import parties

    with site.session() as session:
        school = parties.create_party(session, "Future Engineers Robotics School",
                                      tags=["school"], source="exhibition")
        parties.add_legal_entity(session, school.id, name="Future Engineers Academy Trust",
                                 tax_id="7701000102")
        parties.add_contact(session, school.id, name="Olivia Grant", position="Head of STEM",
                            email="o.grant@future.example")
        for index in range(count):
            parties.create_party(session, f"Client {index:02d}", kind="client")
        parties.create_party(session, "Siliconix Components", kind="supplier")
        return school.id


def test_parties_page_searches_filters_and_pages(site):
    seed_parties(site)
    client = site.client(login="admin")
    page = client.get("/parties/")
    assert page.status_code == 200
    assert "1–25 of 32" in page.text
    assert 'rel="next"' in page.text
    second = client.get("/parties/?offset=25")
    assert "26–32 of 32" in second.text
    assert "Siliconix Components" in second.text

    found = client.get("/parties/?q=olivia")  # a contact's name finds the party
    assert "Future Engineers Robotics School" in found.text
    assert "Client 01" not in found.text

    suppliers = client.get("/parties/?kind=supplier")
    assert "Siliconix Components" in suppliers.text and "Client 01" not in suppliers.text

    nonsense = client.get("/parties/?kind=robot&limit=x")
    assert nonsense.status_code == 200
    assert "is not one of" in nonsense.text


def test_party_page_shows_legal_entities_and_contacts(site):
    party_id = seed_parties(site, count=0)
    client = site.client(login="admin")
    page = client.get(f"/parties/{party_id}")
    assert page.status_code == 200
    for text in ("Future Engineers Academy Trust", "7701000102", "Olivia Grant", "Head of STEM"):
        assert text in page.text
    assert client.get("/parties/9999").status_code == 404


def test_party_form_shows_errors_next_to_the_field_and_keeps_the_input(site):
    seed_parties(site, count=0)
    client = site.client(login="admin")
    response = client.post("/parties/new", data={
        "name": "Bright Minds Academy", "kind": "client", "email": "bright at minds",
        "tags": "school, stem", "source": "seminar", "phone": "", "tax_id": "",
        "address": "1 High St", "notes": "", "manager": ""})
    assert response.status_code == 422
    html = response.text
    error_at = html.index('id="e-email"')
    assert html.index('id="f-email"') < error_at < html.index('id="f-address"')
    assert 'value="bright at minds"' in html and 'value="school, stem"' in html
    assert ">1 High St</textarea>" in html

    response = client.post("/parties/new", data={
        "name": "Bright Minds Academy", "kind": "client", "email": "office@bright.example",
        "tags": "school, stem", "source": "seminar", "manager": "admin"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "created" in page.text and "Bright Minds Academy" in page.text
    with site.session() as session:
        party = session.scalars(select(Party).where(Party.name == "Bright Minds Academy")).one()
        assert party.tags == ["school", "stem"]
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "party", AuditEntry.entity_id == str(party.id))).first()
        assert entry.user_name == "admin"


def test_party_edit_refuses_a_duplicate_name(site):
    school_id = seed_parties(site, count=1)
    client = site.client(login="admin")
    form = client.get(f"/parties/{school_id}/edit")
    assert 'value="Future Engineers Robotics School"' in form.text
    response = client.post(f"/parties/{school_id}/edit", data={
        "name": "Client 00", "kind": "client", "tags": "school"})
    assert response.status_code == 422
    assert "already exists" in response.text
    response = client.post(f"/parties/{school_id}/edit", data={
        "name": "Future Engineers School", "kind": "both", "tags": "school, key-account"})
    assert response.status_code == 303
    with site.session() as session:
        assert session.get(Party, school_id).kind == "both"


def test_home_page_summarises_the_site(site):
    seed_parties(site, count=3)
    page = site.client(login="admin").get("/")
    assert "Newest parties" in page.text
    assert "Siliconix Components" in page.text


def test_unknown_page_is_a_friendly_404(site):
    client = site.client(login="admin")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text


# --------------------------------------------------------------------------- health


def test_health_reports_the_database_and_the_version(site):
    response = site.app.test_client().get("/health")
    assert response.status_code == 200
    assert response.json["ok"] is True and response.json["database"] is True
    assert response.json["version"]


def test_health_answers_503_when_the_database_is_gone(tmp_path):
    from ordercraft.core.platform import Platform
    from ordercraft.web import create_app

    platform = Platform(f"sqlite:///{tmp_path / 'missing' / 'site.db'}", only=[])
    app = create_app(platform, config={"SECRET_KEY": "a-key-for-this-test-only"})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["ok"] is False and response.json["database"] is False
    assert "unable to open" in response.json["error"]


def test_amounts_on_pages_group_thousands_and_hide_no_exact_digit():
    from decimal import Decimal

    from ordercraft.web.pages import amount_text

    assert amount_text(Decimal("14981.0000")) == "14,981.00"
    assert amount_text(Decimal("-31")) == "-31.00"
    assert amount_text(Decimal("1234.5678")) == "1,234.5678"
    assert amount_text(Decimal("0.0050")) == "0.005"
    assert amount_text(Decimal("2.5E+3")) == "2,500.00"
    assert amount_text("7.10") == "7.10"
    assert amount_text(None) == "" and amount_text("") == ""
