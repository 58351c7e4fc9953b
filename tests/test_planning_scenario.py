"""Reading a scenario: every refusal names the field path and the value, with a stable code."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from ordercraft.core.errors import ValidationError
from ordercraft.plugins.planning.engine import MAX_PLANNED_ORDERS, plan
from ordercraft.plugins.planning.scenario import ScenarioError, read_scenario


def base() -> dict[str, Any]:
    return {
        "first_period": 1, "last_period": 8,
        "items": [
            {"id": "BIKE", "lead_time": 1, "make_or_buy": "make",
             "lot_sizing": {"rule": "lot_for_lot"}},
            {"id": "WHEEL", "lead_time": 2, "on_hand": 4, "scheduled_receipts": {"2": 10},
             "lot_sizing": {"rule": "modifiers", "min": 10, "max": 40, "multiple": 5}},
        ],
        "bom": [{"parent": "BIKE", "component": "WHEEL", "qty_per": 2}],
        "independent_demand": [{"item": "BIKE", "period": 4, "qty": 6, "ref": "SO-1"}],
    }


def refused(change: Any) -> ScenarioError:
    scenario = base()
    change(scenario)
    with pytest.raises(ScenarioError) as caught:
        plan(scenario)
    return caught.value


def setter(path: str, value: Any) -> Any:
    """A change that sets ``value`` at a dotted path like ``items.1.lot_sizing.multiple``."""
    def change(scenario: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = scenario
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return change


def dropper(path: str) -> Any:
    def change(scenario: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = scenario
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]
    return change


@pytest.mark.parametrize(("change", "field", "code", "shown"), [
    (setter("items.0.lead_time", -1), "items[0].lead_time", "negative", "-1"),
    (setter("items.0.lead_time", 1.5), "items[0].lead_time", "not_an_integer", "1.5"),
    (setter("items.1.lot_sizing.multiple", 0), "items[1].lot_sizing.multiple", "not_positive",
     "0"),
    (setter("items.1.lot_sizing.min", 50), "items[1].lot_sizing.min", "invalid_lot_sizing",
     "50 is more than max 40"),
    (setter("items.1.lot_sizing", {"rule": "modifiers", "min": 35, "max": 40, "multiple": 15}),
     "items[1].lot_sizing.max", "invalid_lot_sizing",
     "no multiple of 15 is at least 35 and at most max 40"),
    (setter("items.1.lot_sizing.multiple", 45), "items[1].lot_sizing.max",
     "invalid_lot_sizing", "multiple of 45"),
    (setter("items.1.lot_sizing", {"rule": "fixed_order_quantity"}),
     "items[1].lot_sizing.quantity", "required", "required"),
    (setter("items.1.lot_sizing", {"rule": "fixed_order_quantity", "quantity": 10, "min": 5}),
     "items[1].lot_sizing.min", "unknown_field", "'min'"),
    (setter("items.1.lot_sizing", {"rule": "economic"}), "items[1].lot_sizing.rule",
     "invalid_choice", "'economic'"),
    (setter("items.1.lot_sizing.grouping_window", 2), "items[1].lot_sizing.grouping_window",
     "unknown_field", "'grouping_window'"),
    (setter("items.1.grouping_window", 0), "items[1].grouping_window", "out_of_range", "0"),
    (setter("items.1.on_hand", "ten"), "items[1].on_hand", "not_a_number", "'ten'"),
    (setter("items.1.on_hand", -3), "items[1].on_hand", "negative", "-3"),
    (setter("items.1.on_hand", True), "items[1].on_hand", "not_a_number", "True"),
    (setter("items.1.on_hand", "NaN"), "items[1].on_hand", "not_a_number", "'NaN'"),
    (setter("items.1.on_hand", float("inf")), "items[1].on_hand", "not_a_number", "inf"),
    (setter("items.1.on_hand", "1e40"), "items[1].on_hand", "out_of_range", "'1e40'"),
    (setter("items.1.safety_stock", "-0.5"), "items[1].safety_stock", "negative", "'-0.5'"),
    (setter("items.1.scheduled_receipts", {"9": 5}), "items[1].scheduled_receipts.9",
     "out_of_horizon", "period 9 is outside the horizon 1..8"),
    (setter("items.1.scheduled_receipts", {"soon": 5}), "items[1].scheduled_receipts.soon",
     "not_an_integer", "'soon'"),
    (setter("items.1.scheduled_receipts", {"3": -5}), "items[1].scheduled_receipts.3",
     "negative", "-5"),
    (setter("items.1.scheduled_receipts", [5]), "items[1].scheduled_receipts", "invalid", "[5]"),
    (setter("items.1.make_or_buy", "borrow"), "items[1].make_or_buy", "invalid_choice",
     "'borrow'"),
    (setter("items.1.phantom", "yes"), "items[1].phantom", "invalid", "'yes'"),
    (setter("items.1.id", "BIKE"), "items[1].id", "duplicate", "already items[0]"),
    (setter("items.1.id", ""), "items[1].id", "invalid", "''"),
    (dropper("items.0.id"), "items[0].id", "required", "required"),
    (setter("items.0.colour", "red"), "items[0].colour", "unknown_field", "'colour'"),
    (setter("items.0", "BIKE"), "items[0]", "invalid", "'BIKE'"),
    (setter("items", {"BIKE": {}}), "items", "invalid", "not a list"),
    (setter("items.1.supplier", ""), "items[1].supplier", "invalid", "''"),
    (setter("bom.0.component", "SPOKE"), "bom[0].component", "unknown_item", "'SPOKE'"),
    (setter("bom.0.parent", "TRIKE"), "bom[0].parent", "unknown_item", "'TRIKE'"),
    (setter("bom.0.qty_per", 0), "bom[0].qty_per", "not_positive", "0"),
    (dropper("bom.0.qty_per"), "bom[0].qty_per", "required", "required"),
    (setter("bom.0.scrap_percent", -1), "bom[0].scrap_percent", "negative", "-1"),
    (setter("independent_demand.0.item", "TRIKE"), "independent_demand[0].item",
     "unknown_item", "'TRIKE'"),
    (setter("independent_demand.0.qty", "six"), "independent_demand[0].qty", "not_a_number",
     "'six'"),
    (setter("independent_demand.0.qty", -6), "independent_demand[0].qty", "negative", "-6"),
    (setter("independent_demand.0.period", 0), "independent_demand[0].period",
     "out_of_horizon", "period 0 is outside the horizon 1..8"),
    (setter("independent_demand.0.period", "4"), "independent_demand[0].period",
     "not_an_integer", "'4'"),
    (dropper("independent_demand.0.ref"), "independent_demand[0].ref", "required", "required"),
    (setter("last_period", 0), "last_period", "invalid_horizon", "before first_period 1"),
    (setter("last_period", 20_000), "last_period", "invalid_horizon", "at most 10000"),
    (dropper("first_period"), "first_period", "required", "required"),
    (setter("past_due_policy", "ignore"), "past_due_policy", "invalid_choice", "'ignore'"),
    (setter("safety_stock_mode", "sometimes"), "safety_stock_mode", "invalid_choice",
     "'sometimes'"),
    (setter("horizon", 8), "horizon", "unknown_field", "'horizon'"),
])
def test_refusal_names_field_and_value(change: Any, field: str, code: str, shown: str) -> None:
    error = refused(change)
    assert (error.field, error.code) == (field, code), error.message
    assert error.message.startswith(f"{field}") and shown in error.message, error.message


@pytest.mark.parametrize(("name", "value"), [
    ("make_or_buy", "buy"), ("lead_time", 1), ("safety_stock", 2),
    ("lot_sizing", {"rule": "fixed_order_quantity", "quantity": 5}), ("grouping_window", 2),
])
def test_phantom_has_no_orders_or_parameters_of_its_own(name: str, value: Any) -> None:
    error = refused(lambda scenario: scenario["items"][1].update(
        {"phantom": True, "lead_time": 0, "lot_sizing": None, name: value}))
    assert (error.field, error.code) == (f"items[1].{name}", "invalid_phantom")
    assert "'WHEEL' is a phantom" in error.message


@pytest.mark.parametrize(("lines", "field", "cycle"), [
    ([("BIKE", "WHEEL"), ("WHEEL", "BIKE")], "bom[1]", "BIKE -> WHEEL -> BIKE"),
    ([("BIKE", "WHEEL"), ("WHEEL", "WHEEL")], "bom[1]", "WHEEL -> WHEEL"),
    ([("HUB", "SPOKE"), ("BIKE", "WHEEL"), ("WHEEL", "HUB"), ("SPOKE", "WHEEL")], "bom[2]",
     "HUB -> SPOKE -> WHEEL -> HUB"),
])
def test_cycle_in_bom_names_its_path(lines: list[tuple[str, str]], field: str,
                                     cycle: str) -> None:
    def change(scenario: dict[str, Any]) -> None:
        scenario["items"] += [{"id": "HUB", "make_or_buy": "make"},
                              {"id": "SPOKE", "make_or_buy": "make"}]
        scenario["bom"] = [{"parent": parent, "component": component, "qty_per": 1}
                           for parent, component in lines]
    error = refused(change)
    assert (error.code, error.field) == ("bom_cycle", field)
    assert error.message.endswith(f"has a cycle: {cycle}")


def test_too_many_item_periods_are_refused() -> None:
    error = refused(lambda scenario: scenario.update(
        last_period=5_000, items=[{"id": f"I{n}"} for n in range(401)], bom=[],
        independent_demand=[]))
    assert (error.code, error.field) == ("too_large", "items")
    assert error.message.startswith("items: 401 items over 5000 periods")


def test_too_many_planned_orders_is_refused_before_they_are_made() -> None:
    error = refused(lambda scenario: (
        scenario["items"][1].update(lot_sizing={"rule": "fixed_order_quantity", "quantity": 1}),
        scenario["independent_demand"].append(
            {"item": "WHEEL", "period": 5, "qty": MAX_PLANNED_ORDERS * 3, "ref": "BIG"})))
    assert (error.code, error.field) == ("too_many_orders", "items[1].lot_sizing")
    assert "'WHEEL'" in error.message


def test_error_becomes_ordercraft_validation_error_as_it_is() -> None:
    error = refused(setter("items.1.lot_sizing.multiple", 0))
    translated = ValidationError(error.message, code=error.code, field=error.field)
    assert translated.to_dict() == error.to_dict() == {
        "code": "not_positive", "field": "items[1].lot_sizing.multiple",
        "message": "items[1].lot_sizing.multiple: 0 must be more than 0"}
    assert str(error) == error.message


def test_numbers_are_read_exactly_whatever_their_form() -> None:
    scenario = base()
    scenario["independent_demand"] = [
        {"item": "BIKE", "period": 2, "qty": 0.1, "ref": "A"},  # a float, read as 0.1
        {"item": "BIKE", "period": 2, "qty": "0.2", "ref": "B"},
        {"item": "BIKE", "period": 3, "qty": Decimal("1.50"), "ref": "C"},
        {"item": "BIKE", "period": 3, "qty": "1E+1", "ref": "D"},
    ]
    records = plan(scenario)["records"]["BIKE"]
    assert records["gross_requirements"] == {"2": "0.3", "3": "11.5"}
    from_text = json.loads(json.dumps(base()), parse_float=Decimal)
    assert plan(from_text) == plan(base())


def test_defaults_of_an_item() -> None:
    scenario = read_scenario({"first_period": 1, "last_period": 2, "items": [{"id": "X"}],
                              "bom": [], "independent_demand": []})
    assert (scenario.past_due_policy, scenario.safety_stock_mode) == (
        "clip_to_first_period", "every_period")
    (item,) = scenario.items
    assert (item.lead_time, item.on_hand, item.safety_stock, item.make, item.phantom,
            item.lot_sizing.rule, item.grouping_window, item.supplier_given) == (
        0, 0, 0, False, False, "lot_for_lot", 1, False)


def test_unknown_bom_items_can_be_planned_with_defaults_and_reported() -> None:
    scenario = base()
    scenario["unknown_bom_items"] = "plan_with_defaults"
    scenario["bom"].append({"parent": "WHEEL", "component": "SPOKE", "qty_per": 3})
    scenario["items"][1]["make_or_buy"] = "make"
    scenario["independent_demand"][0]["qty"] = 20
    result = plan(scenario)
    assert result["low_level_codes"] == {"BIKE": 0, "WHEEL": 1, "SPOKE": 2}
    assert result["exceptions"][0] == {
        "type": "missing_item", "item": "SPOKE", "field": "bom[1].component",
        "message": "SPOKE: named by bom[1].component but not among the items; planned with "
                   "the defaults (lead time 0, no stock, lot for lot)"}
    spoke = [order for order in result["planned_orders"] if order["item"] == "SPOKE"]
    assert spoke == [{"item": "SPOKE", "qty": "90", "due_period": 1, "release_period": 1,
                      "late": False, "pegging": [
                          {"ref": "SO-1", "qty": "78"},
                          {"ref": None, "qty": "12", "reserve": "excess", "item": "WHEEL"}]}]
    strict = copy.deepcopy(scenario)
    del strict["unknown_bom_items"]
    with pytest.raises(ScenarioError, match=r"bom\[1\]\.component: item 'SPOKE'"):
        plan(strict)
