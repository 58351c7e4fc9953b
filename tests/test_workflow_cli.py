"""The command line of the workflow: ``process``, ``tasks``, ``worker`` and the document
commands plugins reuse. Output, exit codes and errors as the CLI promises them."""

import json
import os
import signal
import subprocess
import sys

import pytest
import yaml

import workflow_kit as kit

ROBOT = kit.ROBOT_TEMPLATE


def order_commands():
    import click

    from ordercraft.sdk.cli import document_commands

    @click.group("order")
    def order_group():
        """Orders (test plugin)."""

    for command in document_commands("order"):
        order_group.add_command(command)
    return [order_group]


@pytest.fixture
def shop(make_site):
    site = make_site(extra_plugins=[kit.documents_plugin(cli_commands=order_commands)])
    kit.add_staff(site)
    return site


def ok(site, args):
    result = site.cli(args)
    assert result.exit_code == 0, (result.output, result.stderr)
    return result.json() if "--json" in args else result.output


def refused(site, args):
    result = site.cli(args)
    assert result.exit_code == 2, (result.output, result.stderr)
    return result.json()["error"] if "--json" in args else result.stderr


def test_process_import_list_show_export(shop, tmp_path):
    imported = ok(shop, f"process import {ROBOT} --json")
    assert imported == {"ok": True, "template": {"name": "custom-robot-order", "version": 1,
                                                 "title": "Custom robot order",
                                                 "created": True}}
    assert ok(shop, f"process import {ROBOT}") == (
        "process template custom-robot-order is unchanged (version 1)\n")
    listed = ok(shop, "process list --json")
    assert [(t["name"], t["steps"], t["running"]) for t in listed["templates"]] == [
        ("custom-robot-order", 8, 0)]
    assert "custom-robot-order  Custom robot order" in ok(shop, "process list")
    shown = ok(shop, "process show custom-robot-order")
    assert "1. price [task] Price the custom robots of order {number}" in shown
    assert "for role economist (least_loaded), deadline 24h" in shown
    assert "if shortage_count > 0 -> purchase" in shown
    exported = ok(shop, "process export custom-robot-order")
    assert yaml.safe_load(exported) == yaml.safe_load(ROBOT.read_text())
    as_json = ok(shop, "process export custom-robot-order --format json --json")
    assert json.loads(as_json["text"])["name"] == "custom-robot-order"
    changed = yaml.safe_load(exported)
    changed["title"] = "Custom robots"
    (tmp_path / "robot.json").write_text(json.dumps(changed))
    assert ok(shop, f"process import {tmp_path / 'robot.json'} --json")["template"][
        "version"] == 2


def test_process_import_rejects_pointing_at_the_step(shop, tmp_path):
    data = yaml.safe_load(ROBOT.read_text())
    data["steps"][0]["task"]["deadline"] = "tomorrow"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    error = refused(shop, f"process import {path} --json")
    assert error["code"] == "bad_template"
    assert error["message"] == ("process template 'custom-robot-order': step 'price' (#1): task: "
                                "deadline 'tomorrow' is not a duration (e.g. 30m, 4h, 1d, 2w, "
                                "1d 4h)")
    assert error["field"] == "steps.price"
    assert refused(shop, f"process import {path}").startswith(
        "error: process template 'custom-robot-order': step 'price' (#1)")
    assert "cannot read" in refused(shop, f"process import {tmp_path / 'missing.yaml'}")
    assert refused(shop, "process import --json")["message"] == (
        "give a FILE or --shipped NAME (not both)")


def test_shipped_templates_by_name(shop):
    listed = ok(shop, "process shipped --json")["templates"]
    assert [t["name"] for t in listed] == ["custom-robot-order", "weekly-stock-count"]
    assert ok(shop, "process import --shipped weekly-stock-count --json")["template"][
        "name"] == "weekly-stock-count"
    assert "no shipped template 'nope'" in refused(shop, "process import --shipped nope")


def test_process_start_runs_status_cancel(shop):
    ok(shop, f"process import {ROBOT}")
    order_id = kit.new_order(shop, manager_id=shop.user("mark").id)
    started = ok(shop, f"process start custom-robot-order --document order:{order_id} --json")
    run = started["process"]
    assert (run["template"], run["document"], run["trigger"]) == (
        "custom-robot-order", f"order:{order_id}", "manual")
    assert [s["step"] for s in run["steps"]] == ["price"]
    assert ok(shop, "process runs --json")["runs"][0]["id"] == run["id"]
    assert "price  task  active" in ok(shop, f"process status {run['id']}")
    error = refused(shop, "process start custom-robot-order --document order:999 --json")
    assert (error["code"], error["message"]) == ("not_found", "order 999 does not exist")
    error = refused(shop, "process start custom-robot-order --document order-1 --json")
    assert error["field"] == "document"
    assert refused(shop, f"process start custom-robot-order --document order:{order_id} "
                         "--user stas --json")["code"] == "forbidden"
    cancelled = ok(shop, f"process cancel {run['id']} --reason test --json")["process"]
    assert cancelled["status"] == "cancelled"
    assert ok(shop, "tasks list --json")["tasks"] == []
    assert refused(shop, f"process cancel {run['id']} --json")["code"] == "process_finished"


def test_tasks_commands(shop, monkeypatch):
    ok(shop, f"process import {ROBOT}")
    order_id = kit.new_order(shop, custom_count=2, manager_id=shop.user("mark").id)
    ok(shop, f"order transition {order_id} confirm --user mark")

    error = refused(shop, "tasks list --mine --json")
    assert error["message"] == "--mine needs a user: pass --user NAME or set ORDERCRAFT_USER"
    mine = ok(shop, "tasks list --mine --user eva --json")
    assert [(t["title"], t["assignee"]) for t in mine["tasks"]] == [
        ("Price the custom robots of order SO-1", "eva")]
    task_id = mine["tasks"][0]["id"]
    monkeypatch.setenv("ORDERCRAFT_USER", "eva")
    assert ok(shop, "tasks list --mine --json")["tasks"][0]["id"] == task_id
    assert f"{task_id}   Price the custom robots of order SO-1  eva" in ok(
        shop, "tasks list --mine")
    monkeypatch.delenv("ORDERCRAFT_USER")

    shown = ok(shop, f"tasks show {task_id}")
    assert "1. [ ] Run the robot calculator for every custom robot" in shown
    assert f"documents: order:{order_id}" in shown
    error = refused(shop, f"tasks done {task_id} --user eva --json")
    assert error["code"] == "checklist_incomplete"
    assert ok(shop, f"tasks check {task_id} 1 2 --user eva") == f"task {task_id}: 2 of 3 items " \
                                                                 "ticked\n"
    assert refused(shop, f"tasks check {task_id} 9 --user eva --json")["field"] == "item"
    assert refused(shop, f"tasks done {task_id} --user egor --json")["code"] == "forbidden"
    ok(shop, f"tasks comment {task_id} 'Calculator says 1,840 per robot' --user eva")
    done = ok(shop, f"tasks done {task_id} --check-all --user eva --json")["task"]
    assert done["status"] == "done"

    approval = ok(shop, "tasks list --json")["tasks"][0]
    assert approval["assignee"] == "mark"
    assert refused(shop, f"tasks reassign {approval['id']} --to paula --user egor "
                         "--json")["code"] == "forbidden"
    moved = ok(shop, f"tasks reassign {approval['id']} --to paula --user director --json")
    assert moved["task"]["assignee"] == "paula"
    history = ok(shop, f"tasks show {task_id} --json")["task"]["history"]
    assert [e["kind"] for e in history] == ["task_created", "task_checked", "task_checked",
                                            "comment", "task_done"]
    timeline = ok(shop, f"order timeline {order_id} --json")
    assert "Calculator says 1,840 per robot" in [e["text"] for e in timeline["entries"]]
    assert ok(shop, "tasks list --overdue --json")["tasks"] == []
    assert refused(shop, "tasks show 999 --json")["message"] == "task 999 does not exist"


def test_tasks_add_start_cancel(shop):
    order_id = kit.new_order(shop)
    added = ok(shop, f"tasks add 'Call the school' --role manager --due-in 4h --check Call "
                     f"--check 'Write down the answer' --document order:{order_id} --json")
    task = added["task"]
    assert (task["assignee"], task["role"], len(task["checklist"])) == ("director", "manager", 2)
    assert task["documents"] == [{"document_type": "order", "document_id": order_id}]
    assert ok(shop, f"tasks start {task['id']} --user director --json")["task"][
        "status"] == "in_progress"
    assert ok(shop, f"tasks cancel {task['id']} --json")["task"]["status"] == "cancelled"
    assert refused(shop, "tasks add x --assignee mark --due-in soon --json")["field"] == "due_in"
    assert refused(shop, "tasks add x --assignee mark --deadline tomorrow --json")[
        "field"] == "deadline"
    assert ok(shop, "tasks add x --assignee mark --deadline '2999-01-01 10:00' --json")[
        "task"]["deadline"] == "2999-01-01T10:00"


def test_document_commands_for_plugins(shop):
    order_id = kit.new_order(shop)
    listed = ok(shop, f"order transitions {order_id} --user stas --json")
    assert listed["state"] == "draft"
    assert [(t["name"], t["allowed"]) for t in listed["transitions"]] == [
        ("confirm", False), ("cancel", False)]
    error = refused(shop, f"order transition {order_id} ship --json")
    assert error["code"] == "transition_not_allowed"
    assert error["details"]["allowed"] == ["confirm", "cancel"]
    assert ok(shop, f"order transition {order_id} confirm") == f"order {order_id}: draft -> " \
                                                               "confirmed\n"
    assert refused(shop, f"order transition {order_id} cancel --json")["field"] == "reason"
    text = ok(shop, f"order timeline {order_id}")
    assert "Confirm: draft → confirmed" in text and "audit_create" in text


def test_worker_once(shop):
    ok(shop, "process import --shipped weekly-stock-count")
    result = ok(shop, "worker --once --json")
    assert result == {"ok": True, "jobs": {"escalate-overdue": [], "reminders": [],
                                           "scheduled-processes": [], "imports": [],
                                           "send-mail": [], "daily-backup": []}}


def test_worker_runs_until_interrupted(shop):
    env = {**os.environ, "ORDERCRAFT_DATABASE_URL": shop.platform.database_url}
    command = [sys.executable, "-c", "from ordercraft.core.cli import main; main()",
               "worker", "--interval", "1", "--json"]
    worker = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        first_line = worker.stdout.readline()
        assert first_line.startswith("{"), worker.stderr.read()
        worker.send_signal(signal.SIGINT)
        _out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "worker stopped" in err
    started = err.split("scheduler started: ", 1)[1].split(" every ")[0].split(", ")
    assert started[:4] == ["escalate-overdue", "reminders", "scheduled-processes", "imports"]
    assert started[-2:] == ["send-mail", "daily-backup"]
