"""Replay of the reference cases of a peer system (Tryton 8.2), from
shared/reference/tryton_costing_cases.json.

Each case's steps are posted through the SDK and, at each ``expect`` step, every number
Tryton reports is compared with Ordercraft's. Where Ordercraft's convention differs on
purpose (the file lists why: FIFO never goes negative, FIFO stock is worth the exact sum
of its layers, re-valuation is synchronous, no initial cost price), the difference is
listed below in ``DIFFERENCES`` with Ordercraft's number and the reason; the test then
checks that Ordercraft gives exactly that number *and* that it really differs from
Tryton's (so a stale entry fails too). Everything not listed must equal Tryton's.

How steps map onto Ordercraft:

* ``receive`` from supplier or production: a receipt at ``unit_cost``; from lost & found
  or a customer (no cost): an inventory count finding that many more, valued at the
  stock's unit cost (Tryton: "valued at the product's current cost price").
* ``issue``, ``post_together``: issues (one document for ``post_together``).
* ``recompute``: Ordercraft's ledger is always re-valued; the step checks that
  ``verify`` finds no drift.
* ``update_unit_price`` of a receipt: cancel it and post the corrected receipt with the
  same date (posted moves are never changed).
* Units: quantities and costs are converted to the product's unit.
* Tryton's move ``cost_price``: on an issue the unit cost charged (Ordercraft: value /
  quantity); on a receipt the product's cost after it (Ordercraft: the running unit
  cost after the move). Costs compare at Tryton's 4 decimals.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.models import Item, Warehouse
from ordercraft.sdk import stock

REFERENCE = Path("/work/shared/reference/tryton_costing_cases.json")
for candidate in (Path(__file__).parents[2] / "shared" / "reference" / REFERENCE.name,
                  Path(__file__).parents[1] / "shared" / "reference" / REFERENCE.name):
    if candidate.exists():
        REFERENCE = candidate
CASES = {case["id"]: case for case in json.loads(REFERENCE.read_text())["cases"]} \
    if REFERENCE.exists() else {}
TODAY = date(2024, 6, 10)
WAREHOUSE = "STORE"
REFUSED = "refused"

# Tryton values FIFO stock as qty x a 4-decimal cost updated step by step (see the
# file's "tryton_rounding"); Ordercraft as the exact sum of its layers.
ROUNDING = "Tryton's 4-decimal cost drifts step by step; Ordercraft's is exact"
RECOMPUTE_FIFO = ("Tryton's recompute charges a day's FIFO issues the average of the layers "
                  "they consumed together; Ordercraft charges each issue its own layers")
NEGATIVE_FIFO = ("Tryton lets FIFO stock go below zero; Ordercraft refuses the issue "
                 "(requested 10, available 0)")
NO_INITIAL_COST = ("Tryton values issues before any receipt at the product's initial cost "
                   "price; Ordercraft has none and values them at 0 until a receipt settles")
SAME_DAY = ("Tryton's recompute values an issue after the receipts of its day; Ordercraft "
            "values it in posting order at the average of the moment, and the receipt that "
            "brings stock back above zero settles the difference")
PRODUCTION_RETURN = ("Tryton's recompute drops the cost of a return from production; "
                     "Ordercraft keeps it as a cost input (2 x 40.00)")

#: (case, index of the expect step, key) -> (Ordercraft's value, why it differs).
DIFFERENCES: dict[tuple[str, int, str], tuple[Any, str]] = {
    ("tryton_fifo_backdated_recompute", 0, "all_moves_cost_price"): (
        ["100.0000", "113.3333", "113.3333", "110.0000", "106.6667", "116.6666", "100.0000"],
        ROUNDING),
    ("tryton_fifo_backdated_recompute", 0, "all_moves_product_cost_price"): (
        [None, None, None, "116.6666", None, "100.0000", "100.0000"], ROUNDING),
    ("tryton_fifo_backdated_recompute", 0, "cost_price"): ("100.0000", ROUNDING),
    ("tryton_fifo_backdated_recompute", 0, "value"): ("200.0000", ROUNDING),
    ("tryton_fifo_backdated_recompute", 1, "all_moves_cost_price"): (
        ["100.0000", "113.3333", "113.3333", "110.0000", "106.6667", "116.6666", "100.0000"],
        RECOMPUTE_FIFO),
    ("tryton_fifo_backdated_recompute", 2, "all_moves_cost_price"): (
        ["100.0000", "113.3333", "113.3333", "110.0000", "106.6667", "116.6666", "100.0000"],
        RECOMPUTE_FIFO),
    ("tryton_fifo_production_recompute", 0, "all_moves_cost_price"): (
        [REFUSED, "40.0000"], NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 0, "all_moves_product_cost_price"): (
        [REFUSED, None], NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 0, "qty"): ("2", NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 0, "value"): ("80.0000", NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 1, "all_moves_cost_price"): (
        [REFUSED, "40.0000"], NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 1, "all_moves_product_cost_price"): (
        [REFUSED, None], NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 1, "cost_price"): ("40.0000", NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 1, "qty"): ("2", NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 1, "value"): ("80.0000", NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 2, "all_moves_cost_price"): (
        [REFUSED, "22.2222", "20.0000"], NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 2, "all_moves_product_cost_price"): (
        [REFUSED, None, None], NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 2, "cost_price"): ("22.2222", NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 2, "qty"): ("18", NEGATIVE_FIFO),
    ("tryton_fifo_production_recompute", 2, "value"): ("400.0000", NEGATIVE_FIFO),
    ("tryton_average_negative_stock", 0, "cost_price"): ("0.0000", NO_INITIAL_COST),
    ("tryton_average_negative_stock", 0, "value"): ("0.0000", NO_INITIAL_COST),
    ("tryton_average_negative_stock", 1, "cost_price"): ("0.0000", NO_INITIAL_COST),
    ("tryton_average_negative_stock", 1, "value"): ("0.0000", NO_INITIAL_COST),
    ("tryton_average_backdated_recompute", 1, "all_moves_cost_price"): (
        ["100.0000", "100.0000", "120.0000", "105.0000"], SAME_DAY),
    ("tryton_average_backdated_recompute", 2, "all_moves_cost_price"): (
        ["100.0000", "100.0000", "120.0000", "105.0000"], SAME_DAY),
    ("tryton_average_backdated_recompute", 3, "all_moves_cost_price"): (
        ["100.0000", "100.0000", "130.0000", "107.5000"], SAME_DAY),
    ("tryton_average_backdated_recompute", 4, "all_moves_cost_price"): (
        ["100.0000", "100.0000", "120.0000", "105.0000"], SAME_DAY),
    ("tryton_average_production_recompute", 0, "all_moves_cost_price"): (
        ["0.0000", "40.0000"], NO_INITIAL_COST),
    ("tryton_average_production_recompute", 1, "all_moves_cost_price"): (
        ["0.0000", "40.0000"], PRODUCTION_RETURN),
    ("tryton_average_production_recompute", 1, "cost_price"): ("40.0000", PRODUCTION_RETURN),
    ("tryton_average_production_recompute", 1, "value"): ("-320.0000", PRODUCTION_RETURN),
    ("tryton_average_production_recompute", 2, "all_moves_cost_price"): (
        ["20.0000", "25.0000", "20.0000"], PRODUCTION_RETURN),
    ("tryton_average_production_recompute", 2, "cost_price"): ("25.0000", PRODUCTION_RETURN),
    ("tryton_average_production_recompute", 2, "value"): ("200.0000", PRODUCTION_RETURN),
}

#: Steps Ordercraft refuses: (case, step index) -> words of the refusal.
REFUSALS = {
    ("tryton_fifo_production_recompute", 0): "requested 10 unit, available 0 unit",
}


def four(value: Any) -> str:
    return str(Decimal(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, list) or isinstance(theirs, list):
        return isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs) \
            and all(same(a, b) for a, b in zip(ours, theirs))
    if ours is None or theirs is None or ours == REFUSED or theirs == REFUSED:
        return ours == theirs
    if isinstance(ours, tuple):
        return ours == theirs
    return Decimal(ours) == Decimal(theirs)


class Replay:
    def __init__(self, site: Any, case: dict[str, Any]) -> None:
        self.site = site
        self.case = case
        self.sku = case["id"].upper()[:64]
        self.unit = case["product"]["unit"]
        self.factors = {unit: Decimal(f) for unit, f in case.get("units", {}).items()}
        #: The case's moves in creation order: our move id, or REFUSED.
        self.moves: list[Any] = []
        self.last_posting: list[Any] = []
        #: Receipts by case move index: what to post again when its price is corrected.
        self.receipts: dict[int, tuple[int, str, str]] = {}
        with site.session() as session:
            session.add(Item(sku=self.sku, name=case["description"][:200], unit=self.unit,
                             unit_precision=3 if self.factors else 0,
                             valuation=case["method"]))
            session.add(Warehouse(code=WAREHOUSE, name="Store"))

    def base(self, step: dict[str, Any]) -> tuple[Decimal, Decimal | None]:
        factor = self.factors.get(step.get("unit", self.unit), Decimal(1))
        qty = Decimal(step["qty"]) * factor
        cost = step.get("unit_cost")
        return qty, (Decimal(cost) / factor if cost is not None else None)

    def day(self, step: dict[str, Any]) -> str:
        return (TODAY + timedelta(days=step.get("date_offset_days", 0))).isoformat()

    def run(self) -> list[tuple[int, str, Any, Any, str | None]]:
        """Replay the case; returns the checks made: (expect index, key, ours, theirs, why)."""
        checks = []
        expect_index = 0
        for number, step in enumerate(self.case["steps"]):
            op = step["op"]
            refusal = REFUSALS.get((self.case["id"], number))
            if op in ("receive", "issue", "post_together"):
                self.post(step, refusal)
            elif op == "expect":
                checks.extend(self.expect(expect_index, step))
                expect_index += 1
            elif op == "recompute":
                with self.site.session() as session:
                    report = stock.verify(session)
                assert report.ok, [str(d) for d in report.drift]
            elif op == "update_unit_price":
                self.correct(step["move_index"] - 1, step["unit_price"])
            else:
                raise AssertionError(f"step {op!r} is not replayed")
        return checks

    def post(self, step: dict[str, Any], refusal: str | None) -> None:
        lines = step["moves"] if step["op"] == "post_together" else [step]
        try:
            with self.site.session() as session:
                if lines[0]["op"] == "receive" and lines[0]["from"] in ("customer", "lost_found"):
                    qty, _cost = self.base(lines[0])
                    on_hand = stock.balance(session, self.sku, WAREHOUSE).qty
                    posted = stock.count(session, self.sku, WAREHOUSE, on_hand + qty,
                                         date=self.day(step))
                elif lines[0]["op"] == "receive":
                    qty, cost = self.base(lines[0])
                    posted = stock.receive(session, self.sku, WAREHOUSE, qty, cost,
                                           date=self.day(step))
                    self.receipts[len(self.moves)] = (posted.id, str(qty), self.day(step))
                else:
                    posted = stock.post(session, "issue", [
                        {"item": self.sku, "warehouse": WAREHOUSE, "qty": self.base(line)[0]}
                        for line in lines], date=self.day(step))
        except OrdercraftError as exc:
            assert refusal is not None, f"refused: {exc.message}"
            assert refusal in exc.message, exc.message
            self.moves.extend([REFUSED] * len(lines))
            self.last_posting = [REFUSED] * len(lines)
            return
        assert refusal is None, f"expected a refusal: {refusal}"
        ids = [move.move_id for move in posted.moves]
        self.moves.extend(ids)
        self.last_posting = ids

    def correct(self, index: int, unit_price: str) -> None:
        document_id, qty, day = self.receipts.pop(index)
        with self.site.session() as session:
            stock.cancel(session, document_id)
            posted = stock.receive(session, self.sku, WAREHOUSE, qty, unit_price, date=day)
        self.moves[index] = posted.moves[0].move_id
        self.receipts[index] = (posted.id, qty, day)

    def move_costs(self, ids: list[Any]) -> tuple[list[Any], list[Any]]:
        """Tryton's move cost_price and product_cost_price for our moves."""
        with self.site.session() as session:
            history = {m.id: m for m in stock.moves(session, self.sku, limit=1000).items}
        costs, product_costs = [], []
        for move_id in ids:
            if move_id == REFUSED:
                costs.append(REFUSED)
                product_costs.append(REFUSED)
                continue
            move = history[move_id]
            if move.qty > 0:
                costs.append(four(move.cost_after))
                product_costs.append(None)
            else:
                costs.append(four(move.value / move.qty))
                product_costs.append(four(move.cost_after) if self.case["method"] == "fifo"
                                     else None)
        return costs, product_costs

    def expect(self, index: int, step: dict[str, Any]) -> list[tuple[int, str, Any, Any, Any]]:
        with self.site.session() as session:
            balance = stock.balance(session, self.sku, WAREHOUSE)
            layers = stock.layers(session, self.sku, WAREHOUSE)
        ours: dict[str, Any] = {
            "cost_price": four(balance.unit_cost), "qty": str(balance.qty),
            "value": four(balance.value),
            "layers": sorted((Decimal(layer["qty_left"]), Decimal(layer["unit_cost"]))
                             for layer in layers)}
        ours["move_cost_price"], ours["move_product_cost_price"] = self.move_costs(
            self.last_posting)
        ours["all_moves_cost_price"], ours["all_moves_product_cost_price"] = self.move_costs(
            self.moves)
        theirs = {key: value for key, value in step.items() if key not in ("op", "replayed")}
        theirs.update(step.get("replayed", {}))
        if "layers" in theirs:
            theirs["layers"] = sorted(self.base({"qty": layer["qty_remaining"],
                                                 "unit": layer["unit"],
                                                 "unit_cost": layer["unit_cost"]})
                                      for layer in theirs["layers"])
        checks = []
        for key, value in theirs.items():
            mine = ours[key]
            if isinstance(value, list) and key.endswith("product_cost_price"):
                # Tryton fills product_cost_price only on FIFO issues.
                mine = [m if v is not None else None for m, v in zip(mine, value)] \
                    if len(mine) == len(value) else mine
            checks.append((index, key, mine, value,
                           DIFFERENCES.get((self.case["id"], index, key))))
        return checks


@pytest.mark.skipif(not CASES, reason="the reference cases are not available")
@pytest.mark.parametrize("case_id", sorted(CASES))
def test_reference_case(site, case_id):
    checks = Replay(site, CASES[case_id]).run()
    assert checks
    problems = []
    for index, key, ours, theirs, difference in checks:
        if difference is None:
            if not same(ours, theirs):
                problems.append(f"expect #{index} {key}: Ordercraft {ours}, Tryton {theirs}")
            continue
        stated, why = difference
        if not same(ours, stated):
            problems.append(f"expect #{index} {key}: Ordercraft {ours}, stated {stated} ({why})")
        if same(stated, theirs):
            problems.append(f"expect #{index} {key}: listed as a difference but equals Tryton")
    assert not problems, "\n".join(problems)
    listed = {(i, k) for (c, i, k) in DIFFERENCES if c == case_id}
    checked = {(index, key) for index, key, *_ in checks}
    assert listed <= checked, f"differences listed for checks that do not exist: {listed - checked}"


@pytest.mark.skipif("tryton_fifo_production_recompute" not in CASES,
                    reason="the reference cases are not available")
def test_fifo_production_case_the_ordercraft_way(site):
    # The production case posts an issue of 10 before anything was received; Ordercraft
    # refuses it. Posted after the backdated receipt of 16 at 20.00, it is accepted, and
    # the stock is Tryton's 8 units, worth the exact sum of its layers (6 x 20.00 +
    # 2 x 40.00) rather than Tryton's 8 x 20.00.
    replay = Replay(site, CASES["tryton_fifo_production_recompute"])
    replay.run()
    with site.session() as session:
        posted = stock.issue(session, replay.sku, WAREHOUSE, 10, date=TODAY)
        balance = stock.balance(session, replay.sku, WAREHOUSE)
        assert posted.moves[0].value == Decimal("-200")
        assert (balance.qty, balance.value) == (Decimal(8), Decimal("200.0000"))
        assert stock.layers(session, replay.sku, WAREHOUSE) == [
            {"move": stock.layers(session, replay.sku, WAREHOUSE)[0]["move"], "slice": 0,
             "date": (TODAY - timedelta(days=1)).isoformat(), "qty_in": "16", "qty_left": "6",
             "unit_cost": "20.00", "value_left": "120.0000"},
            {"move": stock.layers(session, replay.sku, WAREHOUSE)[1]["move"], "slice": 0,
             "date": TODAY.isoformat(), "qty_in": "2", "qty_left": "2", "unit_cost": "40.00",
             "value_left": "80.0000"}]
        assert stock.verify(session).ok
