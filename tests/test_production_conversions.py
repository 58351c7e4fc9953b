"""Disassembly and conversion: documents that issue one item and receive others at its
cost (split by standard costs, to the last 0.0001), with their print forms; the job card."""

from decimal import Decimal

import pytest

import production_kit as kit


@pytest.fixture
def site(make_site):
    site = kit.build(make_site)
    from ordercraft.core.stock import api as stock_api

    with site.session() as session:
        stock_api.receive(session, "NODE", "MAIN", 2, "150.00")
    return site


def test_disassembly_by_the_bom_splits_the_value_by_standard_costs(site):
    body = kit.cli_json(site, "production disassemble NODE --qty 1 --warehouse MAIN --json")
    act = body["document"]
    # the node left stock at 150.00; net parts CPU 1, MB 1, SCREW 4 (4.2 less the 5% scrap),
    # CABLE 0.5 m weigh 62.00 + 71.00 + 0.40 + 1.00 = 134.40 at standard cost:
    # 150 x 62 / 134.40 = 69.1964, 150 x 71 / 134.40 = 79.2411, 0.4464, the rest 1.1161
    assert (act["number"], act["value"]) == ("DA-00001", "150.00")
    assert [(line["item"], line["qty"], line["value"]) for line in act["lines"]] == [
        ("CPU", "1", "69.1964"), ("MB", "1", "79.2411"), ("SCREW", "4", "0.4464"),
        ("CABLE", "0.5", "1.1161")]
    assert sum(Decimal(line["value"]) for line in act["lines"]) == Decimal("150")


def test_disassembly_of_a_given_list_and_a_conversion(site):
    act = kit.cli_json(site, 'production disassemble NODE --qty 2 --warehouse MAIN '
                             '--component "CPU 2" --component "SCREW 10" --json')["document"]
    # 300.00 over CPU 2 x 62.00 = 124.00 and SCREW 10 x 0.10 = 1.00: 297.60 and 2.40
    assert [line["value"] for line in act["lines"]] == ["297.60", "2.40"]
    converted = kit.cli_json(site, "production convert CPU MB --qty 2 --warehouse MAIN "
                                   "--json")["document"]
    # CPU FIFO: the two oldest at 60.00 -> MB received at 120.00
    assert (converted["number"], converted["value"], converted["lines"][0]["value"]) == (
        "CV-00001", "120.00", "120.00")
    error = kit.cli_json(site, "production convert CPU CPU --qty 1 --warehouse MAIN --json",
                         code=2).json()["error"]
    assert error["field"] == "to"


def test_print_forms(site, tmp_path):
    kit.cli_json(site, "production add NODE --qty 2 --json")
    kit.cli_json(site, "production convert CPU MB --qty 1 --warehouse MAIN --json")
    card = tmp_path / "card.html"
    kit.cli_json(site, f"production print MO-00001 -o {card} --json")
    text = card.read_text()
    assert "Job card" in text and "Assemble node" in text and "CABLE" in text
    act = tmp_path / "act.html"
    kit.cli_json(site, f"production print CV-00001 -o {act} --json")
    assert "Conversion act" in act.read_text()
