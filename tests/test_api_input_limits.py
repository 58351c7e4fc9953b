"""Issue 11, item 15: the API refuses outsized or odd input with a 4xx that names the
field, never a 500, and never echoes a big input back. Each test is a reviewer's
reproducer turned into a test."""

from __future__ import annotations

import json
import re

import pytest

#: Every plugin that adds API routes.
PLUGINS = ["crm", "sales", "notifications"]


@pytest.fixture
def api_site(make_site):
    return make_site(plugins=PLUGINS)


def _list_routes(app):
    """(rule with path arguments filled with 1, spec) of every API route that pages."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        spec = getattr(view, "api_spec", None)
        if spec is None or "GET" not in rule.methods or spec.query is None:
            continue
        if "offset" in spec.query.model_fields:
            yield re.sub(r"<[^>]+>", "1", rule.rule), spec


def test_every_list_bounds_offset_and_limit(api_site):
    """2**63 as offset or limit used to be a 500 on 13 routes; now each list names the
    field with a 400, and the largest offset allowed is still an (empty) page."""
    from ordercraft.core.services.queries import MAX_OFFSET

    headers = {"Authorization": f"Bearer {api_site.token('admin')}"}
    client = api_site.app.test_client()
    routes = list(_list_routes(api_site.app))
    assert len(routes) >= 13
    for path, _spec in routes:
        for name in ("offset", "limit"):
            for value in (2**63, 2**64, -1):
                response = client.get(path, query_string={name: value}, headers=headers)
                assert response.status_code == 400, (path, name, value, response.data[:300])
                assert response.json["error"]["field"] == name, (path, response.json)
        response = client.get(path, query_string={"offset": MAX_OFFSET}, headers=headers)
        assert response.status_code < 500, (path, response.data[:300])
        assert response.status_code != 400 or response.json["error"]["field"] != "offset"


def test_services_refuse_an_offset_the_database_cannot_hold(api_site):
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.services import parties

    with api_site.session() as session, pytest.raises(ValidationError) as refused:
        parties.list_parties(session, offset=2**63)
    assert refused.value.field == "offset"


def test_json_nested_too_deeply_is_400(api_site):
    headers = {"Authorization": f"Bearer {api_site.token('admin')}",
               "Content-Type": "application/json"}
    client = api_site.app.test_client()
    for depth in (65, 1000, 100_000):
        body = "[" * depth + "]" * depth
        response = client.post("/api/v1/parties", data=body, headers=headers)
        assert response.status_code == 400, (depth, response.data[:300])
        assert response.json["error"]["code"] == "json_too_deep"
    # Deep but within the limit reaches the route's own validation.
    body = json.dumps({"name": "Deep", "kind": "client", "tags": [[[["x"]]]]})
    response = client.post("/api/v1/parties", data=body, headers=headers)
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid"


def test_nesting_depth_is_measured_without_recursion():
    from ordercraft.web.json_provider import MAX_JSON_DEPTH, nesting_depth

    assert nesting_depth(1) == 0
    assert nesting_depth({"a": [1, {"b": []}]}) == 4
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    assert nesting_depth(deep) == MAX_JSON_DEPTH + 1  # stops measuring past the limit


def test_an_unauthenticated_api_write_is_401_not_a_csrf_refusal(api_site):
    client = api_site.app.test_client()
    for method, path in [("post", "/api/v1/parties"), ("patch", "/api/v1/items/1"),
                         ("delete", "/api/v1/parties/1"), ("post", "/api/v1/orders")]:
        response = getattr(client, method)(path, json={"name": "x"})
        assert response.status_code in (401, 405), (method, path, response.json)
        if response.status_code == 401:
            assert response.json["error"]["code"] == "unauthenticated"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_logged_in_browser_still_needs_its_csrf_token(api_site):
    client = api_site.client("admin")
    response = client.post("/api/v1/parties", json={"name": "Forged", "kind": "client"},
                           headers={"X-CSRF-Token": "wrong"})
    assert response.status_code == 400 and response.json["error"]["code"] == "csrf"


def test_an_error_quotes_only_a_short_prefix_of_a_huge_value(api_site):
    headers = {"Authorization": f"Bearer {api_site.token('admin')}"}
    client = api_site.app.test_client()
    huge = "A" * 5_000_000
    response = client.post("/api/v1/parties", json={"name": huge, "kind": "client"},
                           headers=headers)
    assert response.status_code == 400, response.data[:300]
    assert len(response.data) < 3_000, len(response.data)
    assert response.json["error"]["field"] == "name"
    assert "5000000 characters" in response.json["error"]["message"]
    # The same through a query string and a service's own message.
    response = client.get("/api/v1/parties", query_string={"limit": "9" * 100_000},
                          headers=headers)
    assert response.status_code == 400 and len(response.data) < 3_000


def test_error_messages_are_clipped():
    from ordercraft.core.errors import MAX_MESSAGE_LENGTH, ValidationError, quoted

    assert len(ValidationError("x" * 10**6).message) < MAX_MESSAGE_LENGTH + 50
    assert quoted("short") == "'short'"
    assert quoted("y" * 1000).endswith("... (1000 characters)")


@pytest.mark.parametrize("name, value", [
    ("limit", "1_0"), ("limit", "١٢"), ("offset", "٣"), ("offset", "1e3"), ("limit", "0x10"),
])
def test_numbers_are_ascii_digits_only(api_site, name, value):
    headers = {"Authorization": f"Bearer {api_site.token('admin')}"}
    response = api_site.app.test_client().get("/api/v1/parties", query_string={name: value},
                                              headers=headers)
    assert response.status_code == 400, response.json
    assert response.json["error"]["field"] == name


def test_booleans_are_true_or_false_only(api_site):
    headers = {"Authorization": f"Bearer {api_site.token('admin')}"}
    client = api_site.app.test_client()
    route = next(path for path, spec in _list_routes(api_site.app)
                 if any(info.annotation in (bool, bool | None)
                        for info in spec.query.model_fields.values()))
    spec = dict(_list_routes(api_site.app))[route]
    flag = next(name for name, info in spec.query.model_fields.items()
                if info.annotation in (bool, bool | None))
    for value in ("yes", "1", "on", "t", "True"):
        response = client.get(route, query_string={flag: value}, headers=headers)
        assert response.status_code == 400, (route, flag, value, response.json)
        assert response.json["error"]["field"] == flag
    for value in ("true", "false"):
        assert client.get(route, query_string={flag: value}, headers=headers).status_code \
            in (200, 404)


BILLION_LAUGHS = """\
name: laughs
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_process_import_refuses_yaml_aliases(site, tmp_path):
    """A "billion laughs" template took 121 s to import; aliases are refused at once."""
    from ordercraft.core.errors import OrdercraftError
    from ordercraft.core.workflow.processes import parse_template_text

    with pytest.raises(OrdercraftError) as refused:
        parse_template_text(BILLION_LAUGHS, "yaml")
    assert "aliases (*a) are not accepted" in refused.value.message
    assert "line 3" in refused.value.message
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    result = site.cli(["process", "import", str(path)])
    assert result.exit_code == 2 and "aliases" in result.stderr, result.stderr
    # Anchors without aliases are harmless and still read.
    assert parse_template_text("a: &x 1\nb: 2\n", "yaml") == {"a": 1, "b": 2}


def test_openapi_lists_the_statuses_a_route_returns(api_site):
    document = api_site.app.test_client().get("/api/v1/openapi.json").json
    create = document["paths"]["/api/v1/parties"]["post"]["responses"]
    assert {"201", "400", "401", "403", "413", "415", "503"} <= set(create)
    one = document["paths"]["/api/v1/parties/{party_id}"]["get"]["responses"]
    assert {"200", "401", "403", "404", "500", "503"} <= set(one)
    assert {"409", "422"} <= set(create) and "409" not in one  # a read conflicts with nothing
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            # Every status is listed: no catch-all "default" answer.
            assert "default" not in operation["responses"], (method, path)
            # ... and the permission the route needs, for a machine and for a reader.
            if operation["security"]:
                permission = operation.get("x-permission")
                assert (f"Requires the permission `{permission}`" in operation["description"]
                        if permission else "Any signed-in user" in operation["description"]), (
                    method, path)
    listing = document["paths"]["/api/v1/parties"]["get"]
    assert listing["x-permission"] == "party.read"
    assert "Requires the permission `party.read`." in listing["description"]
    public = [operation for operations in document["paths"].values()
              for operation in operations.values() if not operation["security"]]
    assert all(operation["description"].endswith("Public: no authentication needed.")
               for operation in public)
