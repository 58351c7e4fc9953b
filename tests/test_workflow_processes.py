"""Process templates as data: validation that points at the step, import/export round
trips, versions, shipped templates."""

import copy
import json
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select

import workflow_kit as kit
from ordercraft.core.errors import PermissionDenied
from ordercraft.core.workflow import engine
from ordercraft.core.workflow.machines import StateMachineRegistry
from ordercraft.core.workflow.models import ProcessTemplate, ProcessTrigger
from ordercraft.core.workflow.processes import (
    TemplateError,
    ValidationContext,
    compile_template,
    export_template,
    import_shipped,
    import_template,
    list_templates,
    parse_duration,
    shipped_templates,
    template_details,
)

ROBOT = yaml.safe_load(kit.ROBOT_TEMPLATE.read_text())


def _context() -> ValidationContext:
    registry = StateMachineRegistry()
    registry.add(kit.order_machine())
    registry.add(kit.deal_machine())
    return ValidationContext(registry.finish(), users={"admin", "eva", "mark"},
                             roles={"admin", "economist", "engineer", "manager", "storekeeper"})


CONTEXT = _context()



@pytest.fixture
def shop(make_site):
    site = make_site(extra_plugins=[kit.documents_plugin()])
    kit.add_staff(site)
    return site


def rejected(site, data):
    with site.session() as session:
        with pytest.raises(TemplateError) as error:
            import_template(session, data)
    return error.value


def invalid(data):
    with pytest.raises(TemplateError) as error:
        compile_template(data, CONTEXT)
    return error.value


def changed(**edits):
    """The robot template with steps replaced by position (1-based) or added."""
    data = copy.deepcopy(ROBOT)
    for key, value in edits.items():
        data[key] = value
    return data


def with_step(position, step):
    data = copy.deepcopy(ROBOT)
    data["steps"][position - 1] = step
    return data


def test_the_shipped_templates_are_valid(shop):
    with shop.session() as session:
        results, skipped = import_shipped(session, now=kit.T0)
    assert sorted(r.template.name for r in results) == ["custom-robot-order",
                                                        "weekly-stock-count"]
    assert skipped == []


def test_shipped_templates_needing_an_absent_plugin_are_skipped(make_site):
    # A plugin ships the template of orders, but no enabled plugin registers orders.
    site = make_site(extra_plugins=[kit.plugin_module(
        "ordersless", process_templates=lambda: [str(kit.ROBOT_TEMPLATE)])])
    with site.session() as session:
        results, skipped = import_shipped(session, now=kit.T0)
    assert [r.template.name for r in results] == ["weekly-stock-count"]
    assert skipped == ["custom-robot-order: needs document type 'order', which no enabled "
                       "plugin provides"]


@pytest.mark.parametrize("data, message", [
    (with_step(2, {"id": "approval", "wait": {"state": "aproved"}}),
     "process template 'custom-robot-order': step 'approval' (#2): wait: 'order' has no state "
     "'aproved' (states: draft, confirmed, reserved, in_production, shipped, invoiced, paid, "
     "closed, cancelled)"),
    (with_step(8, {"id": "ship", "transition": "deliver"}),
     "process template 'custom-robot-order': step 'ship' (#8): 'order' has no transition "
     "'deliver' (transitions: confirm, reserve, start_production, ship, invoice, pay, close, "
     "cancel)"),
    (with_step(3, {"id": "shortages", "branch": [{"if": "shortage_count >", "next": "purchase"},
                                                 {"else": "start-production"}]}),
     "process template 'custom-robot-order': step 'shortages' (#3): branch option #1: if "
     "'shortage_count >' is not a valid expression: invalid syntax"),
    (with_step(3, {"id": "shortages", "branch": [{"if": "shortages > 0", "next": "purchase"},
                                                 {"else": "start-production"}]}),
     "process template 'custom-robot-order': step 'shortages' (#3): branch option #1: if "
     "'shortages > 0' reads unknown field 'shortages' (fields:"),
    (with_step(3, {"id": "shortages", "branch": [{"if": "open('/etc/passwd')",
                                                  "next": "purchase"}]}),
     "process template 'custom-robot-order': step 'shortages' (#3): branch option #1: if "
     "\"open('/etc/passwd')\" uses a function call, which is not allowed"),
    (with_step(1, {"id": "price", "task": {"title": "Price", "role": "accountant"}}),
     "process template 'custom-robot-order': step 'price' (#1): task: role 'accountant' is not "
     "a role (roles: admin, economist, engineer, manager, storekeeper)"),
    (with_step(1, {"id": "price", "task": {"title": "Price", "assignee": "nobody"}}),
     "process template 'custom-robot-order': step 'price' (#1): task: assignee 'nobody' is not "
     "a user"),
    (with_step(1, {"id": "price", "task": {"title": "Price", "role": "economist",
                                           "deadline": "1 day"}}),
     "process template 'custom-robot-order': step 'price' (#1): task: deadline '1 day' is not a "
     "duration (e.g. 30m, 4h, 1d, 2w, 1d 4h)"),
    (with_step(1, {"id": "price", "task": {"title": "Price order {nubmer}",
                                           "role": "economist"}}),
     "process template 'custom-robot-order': step 'price' (#1): task title: {nubmer} is not a "
     "field of 'order'"),
    (with_step(1, {"id": "price", "task": {"title": "Price", "role": "economist",
                                           "deadline": "4h", "remind_before": "1d"}}),
     "process template 'custom-robot-order': step 'price' (#1): task: remind_before '1d' is not "
     "shorter than the deadline '4h'"),
    (with_step(1, {"id": "price", "task": {"title": "Price", "role": "economist"},
                   "next": "pricing"}),
     "process template 'custom-robot-order': step 'price' (#1): step 'pricing' does not exist"),
    (with_step(1, {"id": "price", "tsak": {"title": "Price"}}),
     "process template 'custom-robot-order': step 'price' (#1): unknown key 'tsak'"),
    (with_step(2, {"id": "approval", "task": {"title": "Approve", "role": "manager"},
                   "next": ["ship"]}),
     "process template 'custom-robot-order': step 'shortages' (#3): is never reached from the "
     "first step 'price'"),
    (changed(document_type="invoice"),
     "process template 'custom-robot-order': document_type 'invoice' has no state machine on "
     "this site (document types: deal, order; is the plugin that provides it enabled?)"),
    (changed(triggers=[{"transition": "confrim"}]),
     "process template 'custom-robot-order': trigger #1: 'order' has no transition 'confrim'"),
    (changed(triggers=[]),
     "process template 'custom-robot-order': triggers: a template needs at least one trigger"),
    (changed(triggers=[{"schedule": "0 9 * * 1"}]),
     "process template 'custom-robot-order': trigger #1: a schedule starts processes about no "
     "document"),
    (changed(name="Custom Robots"),
     "process template 'Custom Robots': name 'Custom Robots': names are lower-case letters"),
])
def test_a_template_with_an_error_is_rejected_pointing_at_it(data, message):
    with pytest.raises(TemplateError) as error:
        compile_template(data, CONTEXT)
    assert error.value.message.startswith(message), error.value.message
    assert error.value.code == "bad_template"


def test_a_rejected_import_stores_nothing(shop):
    error = rejected(shop, with_step(8, {"id": "ship", "transition": "deliver"}))
    assert error.message.startswith("process template 'custom-robot-order': step 'ship' (#8)")
    with shop.session() as session:
        assert session.scalar(select(ProcessTemplate.id)) is None
        assert session.scalar(select(ProcessTrigger.id)) is None


LOOP = {"name": "rework", "document_type": "order", "triggers": [{"manual": True}], "steps": [
    {"id": "draft-proposal", "task": {"title": "Draft the proposal", "role": "economist"}},
    {"id": "review", "task": {"title": "Review it", "role": "manager"}},
    {"id": "accepted", "branch": [{"if": "client_tag == 'ok'", "next": "send"},
                                  {"else": "draft-proposal"}]},
    {"id": "send", "task": {"title": "Send it", "role": "manager"}},
]}


def test_a_cycle_with_an_exit_is_accepted(shop):
    with shop.session() as session:
        assert import_template(session, LOOP).created


def test_a_cycle_with_no_exit_is_rejected():
    data = copy.deepcopy(LOOP)
    data["steps"][2] = {"id": "accepted", "branch": [
        {"if": "client_tag == 'ok'", "next": "review"}, {"else": "draft-proposal"}]}
    error = invalid(data)
    assert error.message.startswith(
        "process template 'rework': step 'draft-proposal' (#1): steps draft-proposal -> review "
        "-> accepted form a cycle with no exit: add a branch inside it that leads out of it")
    assert "step 'send' (#4): is never reached" in " ".join(error.details["errors"])


def test_a_plain_next_loop_is_a_cycle_with_no_exit():
    data = copy.deepcopy(LOOP)
    data["steps"][1]["next"] = "draft-proposal"
    error = invalid(data)
    assert "steps draft-proposal -> review form a cycle with no exit" in error.message


def test_a_cycle_that_never_waits_is_rejected():
    data = {"name": "spin", "document_type": "order", "triggers": [{"manual": True}], "steps": [
        {"id": "check", "branch": [{"if": "total > 0", "next": "again"}, {"else": "done"}]},
        {"id": "again", "transition": "reserve", "next": "check"},
        {"id": "done", "task": {"title": "Done", "role": "manager"}}]}
    error = invalid(data)
    assert ("steps check -> again form a cycle with no task or wait in it: it would loop at "
            "once") in error.message


def test_every_problem_is_listed():
    data = copy.deepcopy(ROBOT)
    data["steps"][0]["task"]["role"] = "accountant"
    data["steps"][1]["task"]["deadline"] = "soon"
    error = invalid(data)
    assert error.message.endswith("(and 1 more problem)")
    assert error.details["errors"] == [
        "step 'price' (#1): task: role 'accountant' is not a role (roles: admin, economist, "
        "engineer, manager, storekeeper)",
        "step 'approval' (#2): task: deadline 'soon' is not a duration (e.g. 30m, 4h, 1d, 2w, "
        "1d 4h)"]
    assert error.field == "steps.price"


def test_text_that_is_not_yaml_or_json(shop):
    with shop.session() as session:
        with pytest.raises(TemplateError, match=r"robot.yaml: not valid YAML at line 2 column"):
            import_template(session, "name: x\n  steps: [\n", origin="robot.yaml")
        with pytest.raises(TemplateError, match="not valid JSON: Expecting"):
            import_template(session, "{\"name\": ", fmt="json")
        with pytest.raises(TemplateError, match="date is not JSON serializable; quote such "
                                                "values"):
            import_template(session, "name: x\ntitle: 2024-05-01\n")


def test_import_needs_the_admin_permission(shop):
    with shop.session(user=shop.user("mark")) as session:
        with pytest.raises(PermissionDenied, match="it needs the permission 'process.admin'"):
            import_template(session, ROBOT)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_import_round_trip(shop, fmt):
    text = kit.ROBOT_TEMPLATE.read_text()
    with shop.session() as session:
        first = import_template(session, text, now=kit.T0).template
        exported = export_template(session, "custom-robot-order", fmt)
    parsed = json.loads(exported) if fmt == "json" else yaml.safe_load(exported)
    assert parsed == yaml.safe_load(text)
    with shop.session() as session:
        again = import_template(session, exported, fmt=fmt)
        assert (again.created, again.template.id) == (False, first.id)


def test_a_changed_template_is_a_new_version_and_runs_keep_theirs(shop):
    order_id = kit.new_order(shop, manager_id=None)
    with shop.session() as session:
        import_template(session, ROBOT, now=kit.T0)
        first_run = engine.start_process(session, "custom-robot-order",
                                         document=session.get(kit.Order, order_id), now=kit.T0)
        first_run_id = first_run.id
    data = copy.deepcopy(ROBOT)
    data["steps"][0]["task"]["deadline"] = "2d"
    with shop.session() as session:
        result = import_template(session, data, now=kit.at(1))
        assert (result.created, result.template.version) == (True, 2)
        versions = session.execute(select(ProcessTemplate.version, ProcessTemplate.current)
                                   .order_by(ProcessTemplate.version)).all()
        assert [tuple(v) for v in versions] == [(1, False), (2, True)]
        assert len(session.scalars(select(ProcessTrigger)).all()) == 1  # only v2's trigger
        run = engine.get_process(session, first_run_id)
        assert run.template.version == 1
        assert yaml.safe_load(export_template(session, "custom-robot-order", version=1)) == ROBOT
        summary = list_templates(session)
        assert [(t["name"], t["version"], t["running"]) for t in summary] == [
            ("custom-robot-order", 2, 1)]


def test_template_details_for_the_viewer(shop):
    with shop.session() as session:
        import_template(session, ROBOT)
        details = template_details(session, "custom-robot-order")
    assert details["triggers"] == ["transition confirm when custom_count > 0", "manual"]
    assert [(s["id"], s["kind"]) for s in details["steps"]] == [
        ("price", "task"), ("approval", "task"), ("shortages", "branch"), ("purchase", "task"),
        ("start-production", "transition"), ("production", "task"), ("shipment", "task"),
        ("ship", "transition")]
    price = details["steps"][0]
    assert price["task"]["deadline_hours"] == 24 and price["task"]["role"] == "economist"
    assert details["steps"][2]["branch"] == [{"if": "shortage_count > 0", "next": "purchase"},
                                             {"if": None, "next": "start-production"}]


def test_schedule_triggers_are_checked_and_planned(site):
    data = {"name": "stock-count", "triggers": [{"schedule": "61 9 * * 1"}],
            "steps": [{"id": "count", "task": {"title": "Count", "role": "storekeeper"}}]}
    with site.session() as session:
        with pytest.raises(TemplateError, match=r"trigger #1: schedule '61 9 \* \* 1' is not a "
                                                r"valid crontab"):
            import_template(session, data)
        data["triggers"] = [{"schedule": "0 9 * * 1", "timezone": "Europe/Berlin"}]
        template = import_template(session, data, now=kit.T0).template  # Monday 09:00 UTC
        trigger = session.scalar(select(ProcessTrigger))
        assert trigger.template_id == template.id
        # 09:00 in Berlin is 08:00 UTC in March: the next one is a week later.
        assert trigger.next_run_at == kit.T0 + timedelta(days=7, hours=-1)


def test_durations():
    assert parse_duration("1d 4h") == timedelta(hours=28)
    assert parse_duration("2w") == timedelta(days=14)
    assert parse_duration("90m") == timedelta(minutes=90)
    for bad in ("0h", "1 day", "", "4", "-1d"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_hook_process_templates(make_site, tmp_path):
    template = tmp_path / "deal-follow-up.yaml"
    template.write_text(yaml.safe_dump({
        "name": "deal-follow-up", "document_type": "deal",
        "triggers": [{"transition": "propose"}],
        "steps": [{"id": "call", "task": {"title": "Call about the proposal for {title}",
                                          "role": "manager", "deadline": "2d"}}]}))
    crm = kit.documents_plugin("crmlike", process_templates=lambda: [str(template)])
    site = make_site(extra_plugins=[crm])
    assert shipped_templates(site.platform)["deal-follow-up"] == template
    with site.session() as session:
        results, skipped = import_shipped(session, ["deal-follow-up"])
    assert results[0].template.document_type == "deal" and skipped == []
    clash = kit.plugin_module("clash", process_templates=lambda: [
        str(shipped_templates()["weekly-stock-count"])])
    other = make_site(extra_plugins=[clash])
    with pytest.raises(Exception, match="plugin 'clash' ships process template "
                                        "'weekly-stock-count', already shipped by 'core'"):
        shipped_templates(other.platform)
