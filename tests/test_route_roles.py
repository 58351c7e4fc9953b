"""Every route of the site x every role, the expected status read from the permission table.

The route table is the app's own ``url_map`` with every bundled plugin enabled, so a new
route is in this test the moment it exists. Each route declares what it needs:

* an API route ``api_route(..., permission="order.read")`` (or, for a document's
  workflow routes, ``document_type=``: its state machine's ``read_permission``);
* a page ``@permission_required("order.read")``;
* or it is listed below as public or open to every signed-in user, on purpose.

A route that does none of these fails :func:`test_every_route_declares_its_permission`.
Then, for every role of the site (and an anonymous visitor), the route is called: a role
without the permission gets 403, a role with it anything but 403 and 5xx, and an
anonymous caller 401 (API) or the login page (pages).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

PASSWORD = "route-role-pass-1"

#: Endpoints anyone may call, signed in or not.
PUBLIC = {"api.root", "api.openapi", "auth.login", "auth.logout", "main.health",
          # A mailing's unsubscribe link and survey: the signed token is the key.
          "marketing_public.unsubscribe_page", "marketing_public.unsubscribe",
          "marketing_public.survey_page", "marketing_public.answer_survey"}
#: Endpoints every signed-in user may call: their own home page and notifications.
EVERY_USER = {"main.index", "notifications.index", "notifications.read",
              "notifications.read_all", "notifications.preferences",
              "notifications_api.list_notifications", "notifications_api.mark_read",
              "notifications_api.get_preferences", "notifications_api.set_preferences",
              "notifications_api.mark_all_read", "profile.index", "profile.password",
              "profile.token_new", "profile.token_revoke", "profile.session_end",
              "profile.preferences", "api_admin.change_me",
              "api_admin.me", "api_admin.my_sessions", "api_admin.end_my_session",
              "api_admin.my_tokens", "api_admin.create_my_token", "api_admin.revoke_my_token",
              "api_admin.change_my_password"}
#: Pages of any workflow document (``/documents/<document_type>/...``): the document
#: type's state machine names the permission.
DOCUMENT_PAGES = {"documents.timeline", "documents.transition", "documents.comment"}

#: Values for the URL's variables (ids that name nothing: the check comes first).
ARGUMENTS = {"int": "999999", "form": "invoice", "name": "nothing", "sku": "NOTHING",
             "code": "NOTHING", "action": "receive", "fmt": "json"}


def _is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def required_permission(app: Any, endpoint: str, document_type: str) -> tuple[str, Any]:
    """``("public"|"user"|"permission", permission or None)`` for ``endpoint``."""
    from ordercraft.core.workflow.machines import state_machines

    view = app.view_functions[endpoint]
    spec = getattr(view, "api_spec", None)
    if endpoint in PUBLIC or (spec is not None and not spec.auth):
        return "public", None
    if endpoint in EVERY_USER:
        return "user", None
    from ordercraft.web.extension import EXTENSION

    machines = state_machines(app.extensions[EXTENSION])
    if spec is not None and spec.document_type:
        return "permission", machines.machine(spec.document_type).read_permission
    if endpoint in DOCUMENT_PAGES:
        return "permission", machines.machine(document_type).read_permission
    if spec is not None and spec.permission:
        return "permission", spec.permission
    permission = getattr(view, "required_permission", None)
    if permission:
        return "permission", permission
    return "undeclared", None


def _routes(app: Any) -> list[tuple[str, str, str, str]]:
    """``(endpoint, method, url, document_type)`` for every route and method."""
    found = []
    for rule in app.url_map.iter_rules():
        if _is_static(rule.endpoint):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for document_type in (("order", "deal") if "<document_type>" in rule.rule
                                  else ("",)):
                def fill(match: re.Match[str], document_type: str = document_type) -> str:
                    converter, _, name = match.group(1).rpartition(":")
                    if name == "document_type":
                        return document_type
                    if converter.startswith("int"):
                        return ARGUMENTS["int"]
                    return ARGUMENTS.get(name, "x")

                url = re.sub(r"<([^>]+)>", fill, rule.rule)
                found.append((rule.endpoint, method, url, document_type))
    return sorted(found)


@pytest.fixture
def route_site(make_site: Any) -> Any:
    """Every bundled plugin, and one user per role of the site."""
    from ordercraft.core.models import Role
    from ordercraft.core.services.users import create_user

    site = make_site(plugins=None)
    with site.session() as session:
        roles = sorted(role.name for role in session.query(Role))
        for role in roles:
            create_user(session, f"as-{role}", roles=[role], password=PASSWORD)
    site.roles = roles
    return site


def test_every_route_declares_its_permission(route_site: Any) -> None:
    app = route_site.app
    undeclared = sorted({endpoint for endpoint, _method, _url, document_type in _routes(app)
                         if required_permission(app, endpoint, document_type)[0]
                         == "undeclared"})
    assert not undeclared, (
        "these routes declare no permission: give the API route permission=... or the "
        f"page @permission_required(...), or list it here as public/every user: {undeclared}")


def _role_permissions(site: Any) -> dict[str, frozenset[str]]:
    from ordercraft.core.models import Role

    with site.session() as session:
        return {role.name: frozenset(role.permissions) for role in session.query(Role)}


def _holds(granted: frozenset[str], permission: str) -> bool:
    area = permission.split(".", 1)[0]
    return "*" in granted or permission in granted or f"{area}.*" in granted


def _call(client: Any, method: str, url: str, token: str | None) -> Any:
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = {} if method in ("POST", "PUT", "PATCH") else None
        return client.open(url, method=method, json=body, headers=headers)
    return client.open(url, method=method, data={} if method == "POST" else None)


def test_every_route_answers_every_role_as_the_permission_table_says(route_site: Any) -> None:
    app = route_site.app
    granted = _role_permissions(route_site)
    clients = {role: route_site.client(f"as-{role}", PASSWORD) for role in route_site.roles}
    tokens = {role: route_site.token(f"as-{role}") for role in route_site.roles}
    anonymous = app.test_client()
    wrong: list[str] = []
    for endpoint, method, url, document_type in _routes(app):
        kind, permission = required_permission(app, endpoint, document_type)
        if kind == "public":
            continue
        response = _call(anonymous, method, url, None)
        expected_anonymous = 401 if url.startswith("/api/") else 302
        if response.status_code != expected_anonymous:
            wrong.append(f"{method} {url} anonymous: {response.status_code}, expected "
                         f"{expected_anonymous}")
        for role in route_site.roles:
            allowed = permission is None or _holds(granted[role], permission)
            response = _call(clients[role], method, url, tokens[role])
            status = response.status_code
            if allowed and (status == 403 or status >= 500):
                wrong.append(f"{method} {url} as {role} (holds {permission}): {status}")
            elif not allowed and status != 403:
                wrong.append(f"{method} {url} as {role} (lacks {permission}): {status}, "
                             "expected 403")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- the reproducer


def test_a_user_denied_an_order_is_denied_its_timeline_transitions_and_comments(
        make_site: Any) -> None:
    """The review's case: an engineer refused ``/api/v1/orders/1`` read the order's history
    through its timeline and commented on it. Now every workflow route of a document asks
    for the document's own read permission (its machine's ``read_permission``)."""
    import sales_kit as kit
    from ordercraft.core.services.users import create_user
    from ordercraft.core.workflow.documents import add_comment, available_transitions
    from ordercraft.core.workflow.timeline import document_timeline
    from ordercraft.plugins.sales.models import Order
    from ordercraft.sdk.errors import PermissionDenied

    site = kit.build(make_site)
    order_id = kit.order(site, "ROBOT-STD:2", notes="secret discount: 40%")
    with site.session() as session:
        create_user(session, "eng", roles=["engineer"], password=PASSWORD)
        create_user(session, "mgr", roles=["manager"], password=PASSWORD)
    engineer = site.client("eng", PASSWORD)
    token = site.token("eng")
    bearer = {"Authorization": f"Bearer {token}"}

    assert engineer.get(f"/api/v1/orders/{order_id}", headers=bearer).status_code == 403
    for url in (f"/api/v1/orders/{order_id}/timeline", f"/api/v1/orders/{order_id}/transitions"):
        response = engineer.get(url, headers=bearer)
        assert response.status_code == 403, url
        assert "order.read" in response.get_json()["error"]["message"]
        assert "secret" not in response.get_data(as_text=True)
    assert engineer.post(f"/api/v1/orders/{order_id}/transitions/cancel", headers=bearer,
                         json={"reason": "x"}).status_code == 403
    page = engineer.get(f"/documents/order/{order_id}/timeline")
    assert page.status_code == 403 and "secret" not in page.get_data(as_text=True)
    assert engineer.post(f"/documents/order/{order_id}/comments",
                         data={"text": "seen it"}).status_code == 403
    assert engineer.post(f"/documents/order/{order_id}/transitions/confirm").status_code == 403

    with site.session(site.user("eng")) as session:
        order = session.get(Order, order_id)
        for attempt in (lambda: document_timeline(session, "order", order_id),
                        lambda: available_transitions(session, order),
                        lambda: add_comment(session, order, "seen it")):
            with pytest.raises(PermissionDenied):
                attempt()

    manager = site.client("mgr", PASSWORD)
    assert manager.get(f"/api/v1/orders/{order_id}/timeline").status_code == 200
    assert manager.post(f"/documents/order/{order_id}/comments",
                        data={"text": "called the school"}).status_code == 303
    with site.session() as session:
        texts = [e["text"] for e in document_timeline(session, "order", order_id).items]
    assert "called the school" in texts and "seen it" not in texts

