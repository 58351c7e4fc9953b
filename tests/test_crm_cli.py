"""The crm commands: ``ordercraft deal ...``, ``interaction ...`` and ``crm ...`` — their
JSON documents, their text, and exit code 2 with an error naming the field on a refusal."""

from __future__ import annotations

import pytest

import crm_kit as kit


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def ok(site, args):
    result = site.cli(args)
    assert result.exit_code == 0, result.output + result.stderr
    return result.json() if "--json" in args else result.output


def refused(site, args):
    result = site.cli(args)
    assert result.exit_code == 2, result.output + result.stderr
    return result.json()["error"] if "--json" in args else result.stderr


def test_deal_commands_open_list_show_update_and_move_a_deal(site):
    added = ok(site, 'deal add "Classroom robots" --client "future engineers school" '
                     '--amount 14500.50 --expected-close 2030-06-30 --contact "Olivia Grant" '
                     '--json')["deal"]
    assert added["state"] == "lead" and added["amount"] == "14500.50"
    assert (added["manager"], added["source"], added["probability"]) == (
        "maria", "exhibition", 10)
    deal_id = added["id"]
    moved = ok(site, f"deal move {deal_id} qualify --json")
    assert moved["transition"]["source"] == "lead" and moved["deal"]["probability"] == 25
    assert "deal 1: qualified -> proposal" in ok(site, f"deal move {deal_id} propose")
    shown = ok(site, f"deal show {deal_id} --json")["deal"]
    assert [t["name"] for t in shown["transitions"] if t["allowed"]] == [
        "negotiate", "win", "requalify", "lose"]
    text = ok(site, f"deal show {deal_id}")
    assert "Classroom robots" in text and "moves: negotiate, win, requalify, lose" in text
    ok(site, f'deal update {deal_id} --amount 15000 --notes "Upfront payment"')
    ok(site, 'deal add Kits --client "Bright Minds Academy" --amount 320')
    listed = ok(site, "deal list --state proposal --json")
    assert [d["title"] for d in listed["deals"]] == ["Classroom robots"]
    assert listed["deals"][0]["amount"] == "15000.00" and listed["total"] == 1
    table = ok(site, "deal list --sort amount")
    assert table.index("Classroom robots") < table.index("Kits")
    assert ok(site, f"deal transitions {deal_id} --json")["state"] == "proposal"
    entries = ok(site, f"deal timeline {deal_id} --json")["entries"]
    assert any(e["kind"] == "transition" for e in entries)


def test_deal_refusals_exit_2_and_name_the_field(site):
    ok(site, 'deal add Robots --client "Atlas Automation"')
    assert refused(site, "deal move 1 lose --json")["field"] == "reason"
    error = refused(site, "deal move 1 win --json")
    assert error["code"] == "transition_not_allowed" and error["details"]["allowed"] == [
        "qualify", "lose"]
    assert refused(site, 'deal add X --client "Atlas Automation" --amount 1.005 --json')[
        "field"] == "amount"
    assert refused(site, 'deal add X --client Nobody --json')["code"] == "not_found"
    assert "error: deal 99 does not exist" in refused(site, "deal show 99")
    assert refused(site, "deal list --state won-ish --json")["field"] == "state"
    assert refused(site, "deal move 1 qualify --user sam --json")["code"] == "forbidden"


def test_interaction_commands_log_a_call_with_a_next_step_and_list_them(site):
    ok(site, 'deal add Robots --client "Future Engineers School" --amount 100')
    logged = ok(site, 'interaction add "Future Engineers School" --kind outgoing_call '
                      '--subject "Price list" --contact "Olivia Grant" --deal 1 '
                      '--next-step "Send the offer" --next-step-due 2099-05-06 --user tom '
                      '--json')["interaction"]
    assert logged["manager"] == "tom" and logged["task_id"] and logged["deal_id"] == 1
    assert logged["next_step_due"] == "2099-05-06T17:00:00"
    tasks = ok(site, "tasks list --document deal:1 --json")["tasks"]
    assert [(t["title"], t["assignee"]) for t in tasks] == [
        ("Send the offer — Future Engineers School", "tom")]
    assert "next step is task" in ok(site, 'interaction add "Atlas Automation" --kind sms '
                                           '--subject Reminder --next-step Call '
                                           '--next-step-due "2099-01-01 09:00"')
    listed = ok(site, "interaction list --client 'Future Engineers School' --json")
    assert [i["subject"] for i in listed["interactions"]] == ["Price list"]
    assert "Reminder" in ok(site, "interaction list --kind sms")
    assert refused(site, 'interaction add "Atlas Automation" --kind fax --subject x --json')[
        "field"] == "kind"
    assert refused(site, 'interaction add "Atlas Automation" --kind sms --subject x '
                         '--next-step y --next-step-due 2001-01-01 --json')[
        "field"] == "next_step_due"
    assert refused(site, "interaction list --from 2024-13-01 --json")["field"] == "from"


def test_crm_funnel_groups_and_duplicates_commands(site):
    for title, client in [("A", "Future Engineers School"), ("B", "Bright Minds Academy"),
                          ("C", "Atlas Automation")]:
        ok(site, f'deal add {title} --client "{client}" --amount 100')
    for deal_id, moves in [(1, ["qualify", "propose", "win"]), (2, ["qualify"])]:
        for name in moves:
            ok(site, f"deal move {deal_id} {name}")
    report = ok(site, "crm funnel --json")["report"]
    assert (report["totals"]["deals"], report["totals"]["won"]) == (3, 1)
    assert report["totals"]["conversion"] == "33.3"
    assert [s["reached"] for s in report["stages"] if "reached" in s] == [3, 2, 1, 1, 1]
    assert {row["source"]: row["won"] for row in report["by_source"]} == {
        "exhibition": 1, "seminar": 0}
    text = ok(site, "crm funnel --from 2000-01-01")
    assert "deals opened from 2000-01-01 to today: 3" in text and "by manager:" in text
    assert refused(site, "crm funnel --from 2024-02-02 --to 2024-01-01 --json")["field"] == "to"

    added = ok(site, 'crm group add Schools --rule "tag = school" --description "All of '
                     'them" --json')["group"]
    assert added["size"] == 2 and added["rules"] == ["tag = school"]
    ok(site, 'crm group add "Exhibition or Tom" --rule "source = exhibition" '
             '--rule "manager = tom" --match any')
    assert {g["name"]: g["size"] for g in ok(site, "crm group list --json")["groups"]} == {
        "Exhibition or Tom": 3, "Schools": 2}
    shown = ok(site, "crm group show schools --json")["group"]
    assert [c["name"] for c in shown["clients"]] == ["Bright Minds Academy",
                                                     "Future Engineers School"]
    assert "Schools" in ok(site, "crm group show 1")
    assert refused(site, 'crm group add Bad --rule "colour = red" --json')["field"] == "rules"
    assert refused(site, 'crm group add schools --rule "tag = x" --json')["field"] == "name"
    kinds = [k["name"] for k in ok(site, "crm group rules --json")["rules"]]
    assert "tag" in kinds and "interacted_within_days" in kinds
    ok(site, "crm group delete Schools")
    assert refused(site, "crm group show Schools --json")["code"] == "not_found"

    matches = ok(site, 'crm duplicates --phone "020 7946 0011" --email O.GRANT@future.example '
                       '--json')["matches"]
    assert {(m["party_name"], m["field"]) for m in matches} == {
        ("Future Engineers School", "phone"), ("Future Engineers School", "email")}
    assert ok(site, "crm duplicates --tax-id 999") == "no party matches\n"
    assert refused(site, "crm duplicates --json")["code"] == "invalid"


def test_crm_commands_are_listed_in_help(site):
    text = ok(site, "--help")
    for name in ("deal", "interaction", "crm"):
        assert f"  {name} " in text
