"""Properties of every plan, on random structures, parameters and demand.

For every scenario hypothesis draws (up to six items in a random acyclic structure with
phantoms and bought assemblies; all lot rules, grouping windows, stock, safety stock and
open orders; both past-due policies and both safety stock modes):

* each record balances: projected on hand = previous + scheduled + planned receipts - gross
  (a phantom receives its net requirement, which it passes on);
* a component's gross requirement is its independent demand plus, per period, every made
  parent's planned releases (a phantom parent's net requirement) times the quantity per;
* planned orders add up to the planned receipts and releases rows, are released their lead
  time before they are due (clipped to the first period and flagged late when that is
  before the horizon, one late_release exception each) and follow their lot rule;
* each order's pegging adds up to its quantity, names only demands on the item or on one
  of its parents, parents' parents..., and what requirements consumed of the item's planned
  orders never exceeds the requirements;
* a period's projected on hand is below zero only with a shortage exception for it and below
  the safety stock (where the mode checks it) only with a below_safety_stock exception;
  with ``clip_to_first_period`` neither happens;
* with lot-for-lot and no grouping window the planned receipts equal the net requirements,
  and with ``clip_to_first_period`` the net requirement is exactly what the balance before
  planned receipts lacks to reach the period's target;
* the streamed JSON is the JSON of the result.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from ordercraft.plugins.planning.engine import run
from ordercraft.plugins.planning.output import plan_to_dict, write_json
from ordercraft.plugins.planning.quantities import text
from ordercraft.plugins.planning.results import Plan, Reserve
from ordercraft.plugins.planning.scenario import Scenario, read_scenario

QUANTITIES = st.sampled_from(["1", "2.5", "10", "0.3", "7", "24"])
STOCK = st.sampled_from(["0", "0", "3", "10", "2.5", "40"])
LOT_SIZINGS = st.one_of(
    st.just({"rule": "lot_for_lot"}),
    st.builds(lambda q: {"rule": "fixed_order_quantity", "quantity": q},
              st.sampled_from(["5", "7.5", "20"])),
    st.builds(lambda low, high, multiple: {"rule": "modifiers", **{
        name: value for name, value in (("min", low), ("max", high), ("multiple", multiple))
        if value is not None}},
        st.sampled_from([None, "0", "10"]), st.sampled_from([None, "30", "40"]),
        st.sampled_from([None, "2.5", "5"])),
)


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    size = draw(st.integers(1, 6))
    ids = [f"I{n}" for n in range(size)]
    first = draw(st.sampled_from([0, 1, 5]))
    last = first + draw(st.integers(0, 9))
    periods = st.integers(first, last)
    bom = []
    for parent in range(size):
        for component in range(parent + 1, size):
            if draw(st.integers(0, 2)) == 0:
                bom.append({"parent": ids[parent], "component": ids[component],
                            "qty_per": draw(st.sampled_from(["1", "2", "0.5", "1.25", "3"])),
                            "scrap_percent": draw(st.sampled_from(["0", "0", "5", "12.5"]))})
    has_parents = {line["component"] for line in bom}
    has_components = {line["parent"] for line in bom}
    items = []
    for item_id in ids:
        item: dict[str, Any] = {"id": item_id}
        if (item_id in has_parents and item_id in has_components
                and draw(st.integers(0, 3)) == 0):
            item.update(phantom=True, on_hand=draw(STOCK))
        else:
            made = item_id in has_components and draw(st.integers(0, 5)) > 0
            item.update(make_or_buy="make" if made else "buy",
                        lead_time=draw(st.integers(0, 3)), on_hand=draw(STOCK),
                        safety_stock=draw(st.sampled_from(["0", "0", "4", "1.5"])),
                        lot_sizing=draw(LOT_SIZINGS), grouping_window=draw(st.integers(1, 3)))
        receipts = draw(st.dictionaries(periods.map(str), QUANTITIES, max_size=2))
        if receipts:
            item["scheduled_receipts"] = receipts
        items.append(item)
    demand = draw(st.lists(st.fixed_dictionaries({
        "item": st.sampled_from(ids), "period": periods, "qty": QUANTITIES,
        "ref": st.sampled_from(["SO-1", "SO-2", "SO-3", 'SO "4" %s']),
    }), max_size=8))
    return {"first_period": first, "last_period": last,
            "past_due_policy": draw(st.sampled_from(["clip_to_first_period", "delay_receipt"])),
            "safety_stock_mode": draw(st.sampled_from(["every_period", "at_events"])),
            "items": items, "bom": bom, "independent_demand": demand}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_plan_properties(data: dict[str, Any]) -> None:
    note(json.dumps(data))
    scenario = read_scenario(data)
    planned = run(scenario)
    check_records(scenario, planned)
    check_orders(scenario, planned)
    check_pegging(scenario, planned)
    check_stock_exceptions(scenario, planned)
    out = io.StringIO()
    write_json(planned, out)
    assert out.getvalue() == json.dumps(plan_to_dict(planned))


def check_records(scenario: Scenario, planned: Plan) -> None:
    first, periods = scenario.first_period, scenario.last_period - scenario.first_period + 1
    items = {item.id: item for item in scenario.items}
    required: dict[str, list[Decimal]] = {item: [Decimal(0)] * periods for item in items}
    for demand in scenario.independent_demand:
        required[demand.item][demand.period - first] += demand.qty
    for line in scenario.bom:
        parent = items[line.parent]
        if not parent.make:
            continue
        record = planned.records[parent.id]
        passed = record.net_requirements if parent.phantom else record.planned_releases
        for t in range(periods):
            required[line.component][t] += (passed[t] * line.qty_per
                                            * (1 + line.scrap_percent / 100))
    for item_id, item in items.items():
        record = planned.records[item_id]
        assert record.gross_requirements == required[item_id]
        # A phantom receives what it passes on to its components: its net requirement.
        received = record.net_requirements if item.phantom else record.planned_receipts
        balance = item.on_hand
        for t in range(periods):
            balance += (record.scheduled_receipts[t] + received[t]
                        - record.gross_requirements[t])
            assert record.projected_on_hand[t] == balance
        if item.phantom:
            assert not any(record.planned_receipts) and not any(record.planned_releases)
        if (item.lot_sizing.rule == "lot_for_lot" and item.grouping_window == 1
                and scenario.past_due_policy == "clip_to_first_period" and not item.phantom):
            assert record.planned_receipts == record.net_requirements
        if scenario.past_due_policy == "clip_to_first_period" and not item.phantom:
            previous = item.on_hand
            for t in range(periods):
                before = previous + record.scheduled_receipts[t] - record.gross_requirements[t]
                target = (item.safety_stock if scenario.safety_stock_mode == "every_period"
                          or record.gross_requirements[t] else 0)
                assert record.net_requirements[t] == max(Decimal(0), target - before)
                previous = record.projected_on_hand[t]


def check_orders(scenario: Scenario, planned: Plan) -> None:
    first, last = scenario.first_period, scenario.last_period
    items = {item.id: item for item in scenario.items}
    receipts: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    releases: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    late = []
    for order in planned.planned_orders:
        item = items[order.item]
        assert not item.phantom and order.qty > 0
        wanted = order.need_period - item.lead_time
        assert order.late == (wanted < first)
        assert order.release_period == max(wanted, first)
        if order.late and scenario.past_due_policy == "delay_receipt":
            assert order.due_period == first + item.lead_time
        else:
            assert order.due_period == order.need_period
        if order.due_period <= last:
            receipts[order.item, order.due_period] += order.qty
        releases[order.item, order.release_period] += order.qty
        if order.late:
            late.append((order.item, order.need_period, text(order.qty)))
        lot = item.lot_sizing
        if lot.rule == "fixed_order_quantity":
            assert order.qty == lot.quantity
        elif lot.rule == "modifiers":
            assert lot.minimum is None or order.qty >= lot.minimum
            assert lot.maximum is None or order.qty <= lot.maximum
            assert lot.multiple is None or order.qty % lot.multiple == 0
    for item_id, record in planned.records.items():
        if items[item_id].phantom:
            continue
        for t in range(last - first + 1):
            assert record.planned_receipts[t] == receipts[item_id, t + first]
            assert record.planned_releases[t] == releases[item_id, t + first]
    assert late == [(e["item"], e["need_period"], e["qty"]) for e in planned.exceptions
                    if e["type"] == "late_release"]


def check_pegging(scenario: Scenario, planned: Plan) -> None:
    items = {item.id: item for item in scenario.items}
    parents: dict[str, set[str]] = defaultdict(set)
    for line in scenario.bom:
        if items[line.parent].make:
            parents[line.component].add(line.parent)

    def upwards(item: str) -> set[str]:
        found = {item}
        for parent in parents[item]:
            found |= upwards(parent)
        return found

    refs: dict[str, set[str]] = defaultdict(set)
    for demand in scenario.independent_demand:
        refs[demand.item].add(demand.ref)
    consumed: dict[str, Decimal] = defaultdict(Decimal)
    for order in planned.planned_orders:
        assert sum(order.pegging.values()) == order.qty
        assert all(qty > 0 for qty in order.pegging.values())
        above = upwards(order.item)
        for key, qty in order.pegging.items():
            if isinstance(key, Reserve):
                assert key.kind in ("safety_stock", "excess") and key.item in above
            else:
                assert any(key in refs[item] for item in above)
                consumed[order.item] += qty
    for item_id, record in planned.records.items():
        assert consumed[item_id] <= sum(record.gross_requirements)


def check_stock_exceptions(scenario: Scenario, planned: Plan) -> None:
    first = scenario.first_period
    every_period = scenario.safety_stock_mode == "every_period"
    expected = set()
    for item in scenario.items:
        record = planned.records[item.id]
        for t, balance in enumerate(record.projected_on_hand):
            if balance < 0:
                expected.add(("shortage", item.id, t + first))
            elif balance < item.safety_stock and (every_period or record.gross_requirements[t]):
                expected.add(("below_safety_stock", item.id, t + first))
    reported = {(e["type"], e["item"], e["period"]) for e in planned.exceptions
                if e["type"] in ("shortage", "below_safety_stock")}
    assert reported == expected
    if scenario.past_due_policy == "clip_to_first_period":
        assert not reported
