"""The MRP engine: a checked scenario in, MRP records, planned orders with pegging and
exceptions out.

``run(scenario)`` plans a ``Scenario`` (see ``scenario.read_scenario``) and returns a
typed ``Plan``; ``output`` writes it in the result format. docs/planning.md states the
conventions.

Items are planned one at a time by low-level code, so a component is netted only after
every parent's planned orders are known. Each item's periods are lists indexed by the
period's offset from the first period; quantities are Decimals computed in a context
where no operation can round.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, localcontext
from typing import Any

from .lots import order_runs
from .output import plan_to_dict
from .quantities import EXACT, ZERO, text
from .results import PegKey, Plan, PlannedOrder, Record, Reserve
from .scenario import ItemParams, Scenario, ScenarioError, read_scenario
from .structure import low_level_codes

MAX_PLANNED_ORDERS = 1_000_000


def plan(data: object) -> dict[str, Any]:
    """Plan a scenario given as data; the result in the output format (JSON-ready).

    Raises ``ScenarioError`` (``code``, ``field``, ``message``) for a scenario it refuses.
    """
    return plan_to_dict(run(read_scenario(data)))


def run(scenario: Scenario) -> Plan:
    """Plan a checked scenario: records, planned orders with pegging, exceptions."""
    with localcontext(EXACT), cycle_collector_paused():
        return _Run(scenario).plan()


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while millions of small dicts are made.

    Plans hold no reference cycles, so the collector would only scan the growing heap
    again and again (a third of the planning time on large plans); reference counting
    still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Node:
    """One item while it is planned: its requirements as they arrive from its parents."""

    __slots__ = ("components", "demands", "gross", "orders", "params", "path", "sched")

    def __init__(self, params: ItemParams, path: str, periods: int, first: int) -> None:
        self.params = params
        self.path = path
        self.gross = [ZERO] * periods
        self.sched = [ZERO] * periods
        for period, qty in params.scheduled_receipts.items():
            self.sched[period - first] = qty
        # Per period, the requirements making up the gross requirement, in arrival order:
        # (pegging of what it serves, quantity, factor the pegging is scaled by or None).
        self.demands: list[list[_Demand] | None] = [None] * periods
        self.components: list[tuple[_Node, Decimal, Decimal | None]] = []
        self.orders: list[PlannedOrder] = []

    def require(self, offset: int, qty: Decimal, pegging: dict[PegKey, Decimal],
                factor: Decimal | None) -> None:
        self.gross[offset] += qty
        demands = self.demands[offset]
        if demands is None:
            self.demands[offset] = [(pegging, qty, factor)]
        else:
            demands.append((pegging, qty, factor))


_Demand = tuple[dict[PegKey, Decimal], Decimal, Decimal | None]
_ENDLESS = Decimal("Infinity")


class _Run:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.first = scenario.first_period
        self.periods = scenario.last_period - scenario.first_period + 1
        self.every_period = scenario.safety_stock_mode == "every_period"
        self.delay = scenario.past_due_policy == "delay_receipt"
        self.orders_left = MAX_PLANNED_ORDERS
        self.exceptions: list[dict[str, Any]] = []

    def plan(self) -> Plan:
        scenario = self.scenario
        codes = low_level_codes((item.id for item in scenario.items), scenario.bom)
        nodes = {item.id: _Node(item, f"items[{n}]", self.periods, self.first)
                 for n, item in enumerate(scenario.items)}
        for line in scenario.bom:
            parent = nodes[line.parent]
            if parent.params.make:  # a bought item's BOM is not exploded
                factor = line.qty_per
                if line.scrap_percent:
                    factor *= 1 + line.scrap_percent / 100
                parent.components.append((nodes[line.component], factor,
                                          None if factor == 1 else factor))
        for demand in scenario.independent_demand:
            if demand.qty:
                nodes[demand.item].require(demand.period - self.first, demand.qty,
                                           {demand.ref: demand.qty}, None)
        for item, where in scenario.defaulted_items.items():
            self._exception("missing_item", item, field=where, message=(
                f"{item}: named by {where} but not among the items; planned with the defaults "
                f"(lead time 0, no stock, lot for lot)"))

        order = sorted(nodes.values(), key=lambda node: codes[node.params.id])
        records: dict[str, Record] = {}
        planned: list[PlannedOrder] = []
        for node in order:
            records[node.params.id] = self._plan_item(node)
            if not node.params.phantom:
                planned.extend(node.orders)
        return Plan(first_period=self.first, last_period=scenario.last_period,
                    low_level_codes=codes,
                    records={item.id: records[item.id] for item in scenario.items},
                    planned_orders=planned, exceptions=self.exceptions)

    # ------------------------------------------------------------------ one item

    def _plan_item(self, node: _Node) -> Record:
        record = self._net(node)
        self._peg(node)
        for order in node.orders:
            offset = order.release_period - self.first
            for component, factor, scale in node.components:
                component.require(offset, order.qty * factor, order.pegging, scale)
        self._item_exceptions(node, record)
        if node.params.phantom:
            # A phantom's net requirement went straight to its components, to be built
            # inside its parents' orders: it has no receipts or releases of its own.
            record.planned_receipts = record.planned_releases = [ZERO] * self.periods
        return record

    def _net(self, node: _Node) -> Record:
        """Net the item period by period, placing planned orders where it falls short."""
        params = node.params
        periods = self.periods
        gross, sched = node.gross, node.sched
        every_period = self.every_period
        safety = params.safety_stock
        lead_time = params.lead_time
        window = params.grouping_window
        net = [ZERO] * periods
        on_hand = [ZERO] * periods
        receipts = [ZERO] * periods
        releases = [ZERO] * periods
        delayed = False
        balance = params.on_hand  # netting balance: every order counted when needed
        for t in range(periods):
            g = gross[t]
            s = sched[t]
            if g or s:
                balance = balance + s - g
            target = safety if (every_period or g) else ZERO
            if balance < target:
                need = target - balance
                net[t] = need
                if window > 1:
                    need = self._grouped_need(node, t, balance, need)
                release = t - lead_time
                late = release < 0
                due = t
                if late:
                    release = 0
                    if self.delay:
                        due = lead_time
                        delayed = True
                total = self._place_orders(node, need, t, due, release, late)
                balance += total
                if due < periods:
                    receipts[due] += total
                releases[release] += total
            on_hand[t] = balance
        if delayed:
            # Received later than needed: the projected on hand shows the gap.
            running = params.on_hand
            for t in range(periods):
                running = running + sched[t] + receipts[t] - gross[t]
                on_hand[t] = running
        return Record(gross_requirements=gross, scheduled_receipts=sched,
                      projected_on_hand=on_hand, net_requirements=net,
                      planned_receipts=receipts, planned_releases=releases)

    def _grouped_need(self, node: _Node, t: int, balance: Decimal, need: Decimal) -> Decimal:
        """What keeps the item covered from ``t`` through the end of its grouping window."""
        gross, sched = node.gross, node.sched
        safety = node.params.safety_stock
        for q in range(t + 1, min(t + node.params.grouping_window, self.periods)):
            g = gross[q]
            balance = balance + sched[q] - g
            target = safety if (self.every_period or g) else ZERO
            need = max(need, target - balance)
        return need

    def _place_orders(self, node: _Node, need: Decimal, t: int, due: int, release: int,
                      late: bool) -> Decimal:
        item, first = node.params.id, self.first
        lot = node.params.lot_sizing
        runs = [(need, 1)] if lot.rule == "lot_for_lot" else order_runs(lot, need)
        total = ZERO
        for qty, count in runs:
            if count > self.orders_left:
                raise ScenarioError(
                    f"{node.path}.lot_sizing: item {item!r} would need more than "
                    f"{MAX_PLANNED_ORDERS} planned orders ({count} orders of {text(qty)} in "
                    f"period {t + first} alone)", code="too_many_orders",
                    field=f"{node.path}.lot_sizing")
            self.orders_left -= int(count)
            for _ in range(int(count)):
                node.orders.append(PlannedOrder(item, qty, t + first, due + first,
                                                release + first, late))
            total += qty * count if count != 1 else qty
        return total

    def _peg(self, node: _Node) -> None:
        """Peg the item's planned orders by consumption order (first in, first out).

        The supplies (on hand, then per period its scheduled receipt and the orders
        received in it) are consumed by the requirements in period order; an order's
        pegging is what consumed it. What is left at the end of the horizon is pegged to
        the item's safety stock (earliest supply first), the rest to excess.
        """
        supplies: list[tuple[PlannedOrder | None, Decimal]] = []
        if node.params.on_hand > 0:
            supplies.append((None, node.params.on_hand))
        orders = node.orders
        o, n_orders = 0, len(orders)
        first = self.first
        for t, received in enumerate(node.sched):
            if received:
                supplies.append((None, received))
            while o < n_orders and orders[o].due_period - first == t:
                supplies.append((orders[o], orders[o].qty))
                o += 1
        supplies.extend((order, order.qty) for order in orders[o:])
        # Netting leaves no requirement uncovered by the end; the endless supply after the
        # real ones only spares the loop a bounds check.
        supplies.append((None, _ENDLESS))

        s = 0
        current, left = supplies[0]
        for demands in node.demands:
            if demands is None:
                continue
            for pegs, qty, factor in demands:
                if qty <= left:  # the whole requirement comes from one supply
                    left -= qty
                    if current is not None:
                        _merge(current.pegging, pegs, factor)
                    if not left:
                        s += 1
                        current, left = supplies[s]
                    continue
                for key, q in pegs.items():
                    if factor is not None:
                        q *= factor
                    while q:
                        taken = q if q <= left else left
                        if current is not None:
                            peg = current.pegging
                            peg[key] = peg[key] + taken if key in peg else taken
                        q -= taken
                        left -= taken
                        if not left:
                            s += 1
                            current, left = supplies[s]
        safety = node.params.safety_stock
        item = node.params.id
        for supplied, unused in [(current, left), *supplies[s + 1:-1]]:
            held = min(unused, safety)
            safety -= held
            if supplied is not None:
                if held:
                    supplied.pegging[Reserve("safety_stock", item)] = held
                if unused - held:
                    supplied.pegging[Reserve("excess", item)] = unused - held

    # ------------------------------------------------------------------ exceptions

    def _item_exceptions(self, node: _Node, record: Record) -> None:
        params = node.params
        item = params.id
        first = self.first
        for order in node.orders if not params.phantom else ():
            if order.late:
                wanted = order.need_period - params.lead_time
                self._exception(
                    "late_release", item, qty=text(order.qty), need_period=order.need_period,
                    due_period=order.due_period, release_period=order.release_period,
                    required_release_period=wanted,
                    message=(f"{item}: {text(order.qty)} needed in period {order.need_period} "
                             f"should have been released in period {wanted}, before the "
                             f"horizon; released in period {order.release_period}"
                             + ("" if order.due_period == order.need_period else
                                f", received in period {order.due_period}")))
        checks_all = self.every_period
        for t, balance in enumerate(record.projected_on_hand):
            if balance < 0:
                self._exception("shortage", item, period=t + first,
                                projected_on_hand=text(balance), message=(
                                    f"{item}: projected on hand {text(balance)} in period "
                                    f"{t + first}"))
            elif balance < params.safety_stock and (checks_all or node.gross[t]):
                self._exception("below_safety_stock", item, period=t + first,
                                projected_on_hand=text(balance),
                                safety_stock=text(params.safety_stock), message=(
                                    f"{item}: projected on hand {text(balance)} in period "
                                    f"{t + first} is below the safety stock "
                                    f"{text(params.safety_stock)}"))
        if node.orders and params.make and not node.components:
            self._exception("no_bom", item, message=(
                f"{item}: made, with planned {'requirements' if params.phantom else 'orders'}, "
                f"but no bill of materials"))
        if node.orders and not params.make and params.supplier_given and params.supplier is None:
            self._exception("no_supplier", item, message=(
                f"{item}: bought, with planned orders, but no supplier"))

    def _exception(self, kind: str, item: str, **details: Any) -> None:
        message = details.pop("message")
        self.exceptions.append({"type": kind, "item": item, **details, "message": message})


def _merge(into: dict[PegKey, Decimal], pegs: dict[PegKey, Decimal],
           factor: Decimal | None) -> None:
    """Add ``pegs`` (scaled by ``factor``) into ``into``; new keys go last, in their order."""
    if factor is not None:
        pegs = {key: q * factor for key, q in pegs.items()}
    if into.keys().isdisjoint(pegs):
        into.update(pegs)
        return
    for key, q in pegs.items():
        into[key] = into[key] + q if key in into else q
