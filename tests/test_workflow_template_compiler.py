"""Template compiling and schedules are pure: no database, no site, no files.

These tests build no site; the first proves the compiler module does not even import
SQLAlchemy, so it can be checked (and reused) wherever a template is written.
"""

import subprocess
import sys
from datetime import datetime, timedelta

import pytest
import yaml

import workflow_kit as kit
from ordercraft.core.workflow.machines import StateMachineRegistry
from ordercraft.core.workflow.schedule import next_cron_time, parse_duration
from ordercraft.core.workflow.template_compiler import (
    TemplateError,
    ValidationContext,
    compile_template,
    dump_template,
    parse_template_text,
)


def _context() -> ValidationContext:
    registry = StateMachineRegistry()
    registry.add(kit.order_machine())
    return ValidationContext(registry.finish(), users={"admin", "eva"},
                             roles={"economist", "engineer", "manager", "storekeeper"})


def test_compiling_and_schedules_import_no_database_code():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys; import ordercraft.core.workflow.template_compiler; "
         "import ordercraft.core.workflow.schedule; "
         "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy' "
         "or m.startswith('ordercraft.core.workflow.models')))"],
        capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_a_shipped_template_compiles_from_its_text_alone():
    data = parse_template_text(kit.ROBOT_TEMPLATE.read_text(), origin="robot")
    definition = compile_template(data, _context())
    assert definition.name == data["name"]
    assert [step.id for step in definition.step_list()] == [s["id"] for s in data["steps"]]
    assert parse_template_text(dump_template(data, "json")) == data


def test_compiling_names_the_step_and_every_problem():
    data = {"name": "count", "document_type": "order", "triggers": [{"manual": True}],
            "steps": [{"id": "count", "task": {"title": "Count {nope}", "role": "clerk",
                                               "deadline": "soon"}}]}
    with pytest.raises(TemplateError) as caught:
        compile_template(data, _context())
    problems = caught.value.details["errors"]
    assert all(p.startswith("step 'count' (#1): task") for p in problems)
    assert any("{nope} is not a field of 'order'" in p for p in problems)
    assert any("role 'clerk' is not a role" in p for p in problems)
    assert any("deadline 'soon' is not a duration" in p for p in problems)


def test_text_that_is_neither_yaml_nor_json_names_its_place():
    with pytest.raises(TemplateError, match=r"t.yaml: not valid YAML at line 1 column"):
        parse_template_text("steps: [a", origin="t.yaml")
    with pytest.raises(TemplateError, match="quote such values"):
        parse_template_text(yaml.safe_dump({"title": datetime(2024, 5, 1).date()}))


@pytest.mark.parametrize(("text", "expected"), [
    ("30m", timedelta(minutes=30)), ("1d 4h", timedelta(hours=28)), ("2w", timedelta(days=14)),
    (" 1h 1h ", timedelta(hours=2))])
def test_durations_accepted(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "0h", "4", "1 day", "-1d", "1.5h", None, 3])
def test_durations_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_cron_weekdays_count_from_sunday_as_cron_does():
    monday_9 = datetime(2024, 3, 4, 9, 0)  # a Monday
    assert next_cron_time("0 9 * * 1", monday_9) == monday_9 + timedelta(days=7)
    assert next_cron_time("0 9 * * 0", monday_9) == datetime(2024, 3, 10, 9, 0)
    assert next_cron_time("0 9 * * 7", monday_9) == datetime(2024, 3, 10, 9, 0)
    # 09:00 in Berlin is 08:00 UTC in March.
    assert next_cron_time("0 9 * * 1", monday_9, "Europe/Berlin") == datetime(2024, 3, 11, 8, 0)
    for bad in ("0 9 * *", "61 9 * * 1", "0 9 * * 8"):
        with pytest.raises(ValueError):
            next_cron_time(bad, monday_9)
