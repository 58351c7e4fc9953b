"""``stock verify``, one invariant at a time, on records built here (no database).

A consistent ledger of one FIFO item is made from its moves with the valuation itself;
each test spoils one stored thing and checks that the invariant responsible for it,
called alone, reports exactly that, and that the item's other invariants stay quiet.
"""

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace as Row

import pytest

from ordercraft.core.stock import valuation as val
from ordercraft.core.stock import verify
from ordercraft.core.stock.verify import StoredItem, check_item, replay_item

ITEM, W1 = 7, 1


def _move(move_id, day, qty, value, cost=None, role=None, status="posted", kind="receipt",
          pair=None):
    return Row(id=move_id, warehouse_id=W1, move_date=date(2024, 1, day),
               role=role or ("in" if D(qty) > 0 else "out"), qty=D(qty), value=D(value),
               unit_cost=None if cost is None else D(cost), pair_id=pair, status=status,
               kind=kind)


def consistent_item() -> StoredItem:
    """10 in at 2.00, 4 out, 5 in at 3.00: stored exactly as posting stores it."""
    rows = [_move(1, 1, "10", "20.0000", "2"), _move(2, 2, "-4", "-8.0000", kind="issue"),
            _move(3, 3, "5", "15.0000", "3")]
    item = StoredItem(ITEM, "GEAR", val.FIFO, rows)
    replayed = replay_item(item)
    for r in rows:
        result = replayed.results[r.id]
        item.valuations[r.id] = Row(item_id=ITEM, warehouse_id=W1, move_date=r.move_date,
                                    value=result.value, settlement=result.settlement,
                                    qty_after=result.qty_after, value_after=result.value_after,
                                    cost_after=result.cost_after)
        for layer in result.layers:
            item.layers[(layer.move_id, layer.slice)] = Row(
                item_id=ITEM, warehouse_id=W1, qty_in=layer.qty_in, value_in=layer.value_in,
                unit_cost=layer.unit_cost, qty_left=layer.qty_left, value_left=layer.value_left)
        if result.takes:
            item.takes[r.id] = {(t.layer_move_id, t.layer_slice, t.qty, t.value)
                                for t in result.takes}
    state = replayed.states[W1]
    item.balances[(ITEM, W1)] = Row(qty=state.qty, value=state.value, unit_cost=state.cost,
                                    last_date=date(2024, 1, 3), reserved=D(0))
    return item


def checks(invariant, item):
    return [finding[1] for finding in invariant(item, replay_item(item))]


def test_a_consistent_ledger_passes_every_invariant():
    assert list(check_item(consistent_item())) == []


def _spoil_valuation(item):
    item.valuations[2].qty_after = D(5)


def _spoil_value(item):
    item.rows.append(_move(9, 2, "0", "0.5000", role="reval", pair=2, kind="issue"))
    item.balances[(ITEM, W1)].value += D("0.5")  # the balance follows the rows


def _spoil_consumption(item):
    item.takes[2] = {(1, 0, D(4), D("8.5"))}


def _spoil_layer(item):
    item.layers[(1, 0)].qty_left = D(7)


def _spoil_balance(item):
    item.balances[(ITEM, W1)].last_date = date(2024, 1, 2)


def _spoil_reservation(item):
    item.held[(ITEM, W1, "order 1")] = D(2)


@pytest.mark.parametrize(("spoil", "invariant", "found"), [
    (_spoil_valuation, verify.stored_valuations,
     ["valuation (value, settlement, qty, value and cost after)"]),
    (_spoil_value, verify.move_values, ["move value in the ledger"]),
    (_spoil_consumption, verify.consumptions, ["layers consumed"]),
    (_spoil_layer, verify.layers, ["layer (qty in, value in, unit cost, qty left, value left)"]),
    (_spoil_balance, verify.balances, ["balance last date"]),
    (_spoil_reservation, verify.reservations, ["reservation of 'order 1'"]),
])
def test_each_invariant_finds_its_own_corruption(spoil, invariant, found):
    item = consistent_item()
    spoil(item)
    assert checks(invariant, item) == found
    others = [other for other in verify.INVARIANTS
              if other not in (invariant, verify.balances, verify.layers)
              and checks(other, item)]
    assert others == []


def test_a_cancelled_move_must_be_reversed_to_zero():
    item = consistent_item()
    item.rows[2].status = "cancelled"
    item.rows.append(_move(4, 3, "-5", "-14.0000", kind="reversal", pair=3))
    del item.valuations[3]
    assert checks(verify.cancelled_moves_reversed, item) == [
        "cancelled move not reversed to zero"]
    item.rows[-1].value = D("-15.0000")
    assert checks(verify.cancelled_moves_reversed, item) == []


def test_fifo_stock_below_zero_is_reported_before_any_other_check():
    item = consistent_item()
    item.rows.append(_move(5, 4, "-20", "-40.0000", kind="issue"))
    assert [f[1] for f in check_item(item)] == ["FIFO stock below zero"]
