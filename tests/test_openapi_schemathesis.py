"""The JSON API keeps the promises of its OpenAPI document, custom fields included:
schemathesis generates requests from ``/api/v1/openapi.json`` for every resource route
(sales, crm, parties, items, roles, notifications, stock, tasks, processes, calculators)
and sends them to the app's WSGI with a bearer token; no answer may be a server error, have an undocumented status or content
type, or not match its response schema.

Bounded on purpose (a few examples per operation, no shrinking of passing runs): it
guards the contract, it does not replace the tests of each route.
"""


import pytest

import sales_kit as kit

schemathesis = pytest.importorskip("schemathesis")

COVERED = (r"^/api/v1/(orders|parties|clients|contacts|interactions|deals|items|roles"
           r"|permissions|notifications|stock|tasks|processes|process-runs|calculators)(/|$)")
EXAMPLES = 8


def test_the_api_matches_its_openapi_document(make_site):
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    site = kit.build(make_site, plugins=["crm", "sales", "notifications"])
    # Some records for the generated ids and names to meet.
    order_id = kit.order(site, "ROBOT-STD:3", "KIT:2")
    kit.move(site, order_id, "confirm")
    kit.order(site, "SENSOR:4", client=kit.CLUB)
    # The document lists the site's custom fields: the answers must keep to it too.
    for args in ["field add order delivery_window --type choice --choices morning,evening "
                 "--required", "field add client discount --type decimal",
                 "field add deal close_by --type date", "field add contact vip --type bool",
                 "field add client employees --type int", "field add deal channel --type text"]:
        assert site.cli(args).exit_code == 0, args
    headers = {"Authorization": f"Bearer {site.token('admin')}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", site.app)
    schema = schema.include(path_regex=COVERED)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    assert {"GET /api/v1/orders", "POST /api/v1/orders", "GET /api/v1/parties",
            "POST /api/v1/orders/{order_id}/shipments", "PATCH /api/v1/items/{item_id}",
            "POST /api/v1/roles/{name}/grant"} <= labels
    assert any(label.startswith("GET /api/v1/deals") for label in labels), "crm is covered"
    assert "PUT /api/v1/notifications/preferences" in labels

    problems = []
    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case):
            case.call_and_validate(headers=headers, checks=checks)

        try:
            call()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all are reported
            problems.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not problems, "\n\n".join(problems)
