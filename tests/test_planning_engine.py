"""Engine behaviour the worked examples do not show: exceptions for missing BOMs and
suppliers, bought assemblies, reserves pegged down a level, receipts delayed beyond the
horizon, grouping before a fixed lot size, and a run that leaves nothing behind."""

from __future__ import annotations

import copy
import gc
from typing import Any

import pytest

from ordercraft.plugins.planning.engine import plan, run
from ordercraft.plugins.planning.scenario import read_scenario


def scenario(items: list[dict[str, Any]], demand: list[tuple[str, int, Any, str]],
             bom: list[tuple[str, str, Any]] = (), last: int = 4, **options: Any) -> dict[str, Any]:
    return {"first_period": 1, "last_period": last, **options, "items": items,
            "bom": [{"parent": p, "component": c, "qty_per": q} for p, c, q in bom],
            "independent_demand": [{"item": i, "period": t, "qty": q, "ref": r}
                                   for i, t, q, r in demand]}


def kinds(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["type"], e["item"]) for e in result["exceptions"]]


def test_made_item_with_planned_orders_and_no_bom() -> None:
    result = plan(scenario([{"id": "KIT", "make_or_buy": "make"},
                            {"id": "IDLE", "make_or_buy": "make"},
                            {"id": "FRAME", "phantom": True}],
                           [("KIT", 2, 3, "SO-1"), ("FRAME", 2, 1, "SO-2")]))
    assert result["exceptions"] == [
        {"type": "no_bom", "item": "KIT",
         "message": "KIT: made, with planned orders, but no bill of materials"},
        {"type": "no_bom", "item": "FRAME",
         "message": "FRAME: made, with planned requirements, but no bill of materials"}]


@pytest.mark.parametrize(("supplier", "reported"), [(None, True), ("Acme", False),
                                                     ("absent", False)])
def test_bought_item_with_planned_orders_and_no_supplier(supplier: Any, reported: bool) -> None:
    item: dict[str, Any] = {"id": "BOLT"}
    if supplier != "absent":
        item["supplier"] = supplier
    result = plan(scenario([item, {"id": "NUT", "supplier": None}], [("BOLT", 2, 3, "SO-1")]))
    assert kinds(result) == ([("no_supplier", "BOLT")] if reported else [])


def test_bought_assembly_is_not_exploded() -> None:
    items = [{"id": "PUMP", "make_or_buy": "buy"}, {"id": "SEAL"}]
    result = plan(scenario(items, [("PUMP", 3, 2, "SO-1")], bom=[("PUMP", "SEAL", 4)]))
    assert result["low_level_codes"] == {"PUMP": 0, "SEAL": 1}
    assert result["records"]["SEAL"]["gross_requirements"] == {}
    made = copy.deepcopy(items)
    made[0]["make_or_buy"] = "make"
    result = plan(scenario(made, [("PUMP", 3, 2, "SO-1")], bom=[("PUMP", "SEAL", 4)]))
    assert result["records"]["SEAL"]["gross_requirements"] == {"3": "8"}


def test_parent_safety_stock_is_pegged_down_to_its_components() -> None:
    result = plan(scenario([{"id": "CASE", "make_or_buy": "make", "safety_stock": 5},
                            {"id": "SHEET"}], [], bom=[("CASE", "SHEET", "2.5")], last=2))
    reserve = {"ref": None, "reserve": "safety_stock", "item": "CASE"}
    assert result["planned_orders"] == [
        {"item": "CASE", "qty": "5", "due_period": 1, "release_period": 1, "late": False,
         "pegging": [{**reserve, "qty": "5"}]},
        {"item": "SHEET", "qty": "12.5", "due_period": 1, "release_period": 1, "late": False,
         "pegging": [{**reserve, "qty": "12.5"}]}]


def test_receipt_delayed_beyond_the_horizon() -> None:
    result = plan(scenario([{"id": "MOTOR", "lead_time": 5}], [("MOTOR", 2, 4, "A")], last=3,
                           past_due_policy="delay_receipt"))
    assert result["records"]["MOTOR"] == {
        "gross_requirements": {"2": "4"}, "scheduled_receipts": {},
        "projected_on_hand": {"2": "-4", "3": "-4"}, "net_requirements": {"2": "4"},
        "planned_receipts": {}, "planned_releases": {"1": "4"}}
    assert result["planned_orders"] == [
        {"item": "MOTOR", "qty": "4", "due_period": 6, "release_period": 1, "late": True,
         "pegging": [{"ref": "A", "qty": "4"}]}]
    late, *shortages = result["exceptions"]
    assert late == {"type": "late_release", "item": "MOTOR", "qty": "4", "need_period": 2,
                    "due_period": 6, "release_period": 1, "required_release_period": -3,
                    "message": "MOTOR: 4 needed in period 2 should have been released in "
                               "period -3, before the horizon; released in period 1, "
                               "received in period 6"}
    assert shortages == [
        {"type": "shortage", "item": "MOTOR", "period": period, "projected_on_hand": "-4",
         "message": f"MOTOR: projected on hand -4 in period {period}"} for period in (2, 3)]


def test_grouping_comes_before_the_fixed_lot_size() -> None:
    result = plan(scenario([{"id": "FOAM", "grouping_window": 3, "lot_sizing": {
        "rule": "fixed_order_quantity", "quantity": 25}}],
        [("FOAM", t, 10, ref) for t, ref in ((1, "A"), (2, "B"), (3, "C"), (4, "D"))], last=6))
    record = result["records"]["FOAM"]
    assert (record["net_requirements"], record["planned_receipts"]) == ({"1": "10"}, {"1": "50"})
    assert record["projected_on_hand"] == {"1": "40", "2": "30", "3": "20", "4": "10",
                                           "5": "10", "6": "10"}
    assert [order["pegging"] for order in result["planned_orders"]] == [
        [{"ref": "A", "qty": "10"}, {"ref": "B", "qty": "10"}, {"ref": "C", "qty": "5"}],
        [{"ref": "C", "qty": "5"}, {"ref": "D", "qty": "10"},
         {"ref": None, "qty": "10", "reserve": "excess", "item": "FOAM"}]]


def test_zero_demand_is_read_and_plans_nothing() -> None:
    result = plan(scenario([{"id": "X"}], [("X", 2, "0.000", "A")]))
    assert result["planned_orders"] == [] and result["records"]["X"]["gross_requirements"] == {}


@pytest.mark.parametrize("collecting", [True, False])
def test_run_leaves_the_scenario_and_the_cycle_collector_as_they_were(collecting: bool) -> None:
    data = scenario([{"id": "KIT", "make_or_buy": "make", "lead_time": 1}, {"id": "PART"}],
                    [("KIT", 3, 2, "SO-1")], bom=[("KIT", "PART", 3)])
    kept = copy.deepcopy(data)
    was_enabled = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        first = plan(data)
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was_enabled else gc.disable)()
    assert data == kept and plan(data) == first
    assert run(read_scenario(data)).planned_orders[1].need_period == 2


def test_compact_pegging_reads_back_the_full_entries():
    from decimal import Decimal

    from ordercraft.plugins.planning.output import CompactPegging, expand_pegging, order_to_dict
    from ordercraft.plugins.planning.results import PlannedOrder, Reserve

    orders = [PlannedOrder("A", Decimal(20), 3, 3, 2, False, pegging={
                  "SO-1": Decimal("2.500000"), Reserve("safety_stock", "A"): Decimal("1E+1"),
                  'SO-"2"': Decimal("7.5")}),
              PlannedOrder("B", Decimal(3), 1, 1, 1, True, pegging={"SO-1": Decimal("3")})]
    compact = CompactPegging()
    texts = list(compact.texts(orders))
    assert compact.keys[0] == {"ref": "SO-1"} and len(compact.keys) == 3
    for order, stored in zip(orders, texts):
        assert expand_pegging(stored, compact.keys) == order_to_dict(order)["pegging"]
    full = '[{"ref": "SO-1", "qty": "3"}]'
    assert expand_pegging(full, None) == expand_pegging(full, compact.keys) == [
        {"ref": "SO-1", "qty": "3"}]
