"""The MRP engine: a scenario in, MRP records, planned orders with pegging and exceptions out.

``plan(data)`` is the whole run on data (the scenario format in, the result format out,
both described in docs/planning.md); ``run(scenario)`` works on a checked ``Scenario``
and returns typed results that ``plan_to_dict`` writes out.

Items are planned one at a time by low-level code, so a component is netted only after
every parent's planned orders are known. Each item's periods are lists indexed by the
period's offset from the first period; quantities are Decimals computed in a context
where no operation can round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any, NamedTuple

from .lots import order_runs
from .quantities import EXACT, ZERO, text
from .scenario import ItemParams, Scenario, ScenarioError, read_scenario
from .structure import low_level_codes

MAX_PLANNED_ORDERS = 1_000_000
RECORD_ROWS = ("gross_requirements", "scheduled_receipts", "projected_on_hand",
               "net_requirements", "planned_receipts", "planned_releases")


class Reserve(NamedTuple):
    """What a planned quantity is pegged to when no demand of the horizon consumes it:
    ``kind`` ``safety_stock`` or ``excess`` (lot-size surplus) of ``item``."""

    kind: str
    item: str


PegKey = str | Reserve  # a demand's ref, or a reserve


@dataclass(slots=True, eq=False)
class PlannedOrder:
    """A planned purchase (bought item) or production (made item) order.

    ``need_period`` is when its quantity is needed, ``due_period`` when it is received
    (the same unless the ``delay_receipt`` policy pushed it), ``release_period`` when it
    must be placed. ``pegging`` maps what it serves (a demand's ref, or a ``Reserve``) to
    the quantity, in the order consumed; its values add up to ``qty``.
    """

    item: str
    qty: Decimal
    need_period: int
    due_period: int
    release_period: int
    late: bool
    pegging: dict[PegKey, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class Record:
    """An item's MRP grid: each row is a list of quantities indexed by period offset."""

    gross_requirements: list[Decimal]
    scheduled_receipts: list[Decimal]
    projected_on_hand: list[Decimal]
    net_requirements: list[Decimal]
    planned_receipts: list[Decimal]
    planned_releases: list[Decimal]


@dataclass(slots=True)
class Plan:
    first_period: int
    last_period: int
    low_level_codes: dict[str, int]
    records: dict[str, Record]
    planned_orders: list[PlannedOrder]
    exceptions: list[dict[str, Any]]


def plan(data: object) -> dict[str, Any]:
    """Plan a scenario given as data; the result in the output format (JSON-ready).

    Raises ``ScenarioError`` (``code``, ``field``, ``message``) for a scenario it refuses.
    """
    return plan_to_dict(run(read_scenario(data)))


def run(scenario: Scenario) -> Plan:
    """Plan a checked scenario: records, planned orders with pegging, exceptions."""
    with localcontext(EXACT):
        return _Run(scenario).plan()


class _Node:
    """One item while it is planned: its requirements as they arrive from its parents."""

    __slots__ = ("params", "path", "code", "gross", "sched", "pegs", "components", "orders")

    def __init__(self, params: ItemParams, path: str, periods: int, first: int) -> None:
        self.params = params
        self.path = path
        self.gross = [ZERO] * periods
        self.sched = [ZERO] * periods
        for period, qty in params.scheduled_receipts.items():
            self.sched[period - first] = qty
        # Per period, the demand refs behind the gross requirement and their quantities.
        self.pegs: list[dict[PegKey, Decimal] | None] = [None] * periods
        self.components: list[tuple[_Node, Decimal]] = []
        self.orders: list[PlannedOrder] = []

    def require(self, offset: int, qty: Decimal, pegging: dict[PegKey, Decimal],
                factor: Decimal | None) -> None:
        """Add a requirement at ``offset`` serving ``pegging`` (scaled by ``factor``)."""
        self.gross[offset] += qty
        pegs = self.pegs[offset]
        if pegs is None:
            self.pegs[offset] = (dict(pegging) if factor is None
                                 else {key: q * factor for key, q in pegging.items()})
        elif factor is None:
            for key, q in pegging.items():
                pegs[key] = pegs[key] + q if key in pegs else q
        else:
            for key, q in pegging.items():
                q *= factor
                pegs[key] = pegs[key] + q if key in pegs else q


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
                parent.components.append((nodes[line.component], factor))
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
            for component, factor in node.components:
                component.require(offset, order.qty * factor, order.pegging,
                                  None if factor == 1 else factor)
        self._item_exceptions(node, record)
        if node.params.phantom:
            # A phantom's net requirement went straight into its parents' orders.
            record.planned_receipts = record.planned_releases = [ZERO] * self.periods
        return record

    def _net(self, node: _Node) -> Record:
        """Net the item period by period, placing planned orders where it falls short."""
        params = node.params
        periods, first = self.periods, self.first
        gross, sched = node.gross, node.sched
        every_period = self.every_period
        safety = params.safety_stock
        lead_time = params.lead_time
        window = params.grouping_window
        lot = params.lot_sizing
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
            if target - balance > need:
                need = target - balance
        return need

    def _place_orders(self, node: _Node, need: Decimal, t: int, due: int, release: int,
                      late: bool) -> Decimal:
        first = self.first
        total = ZERO
        for qty, count in order_runs(node.params.lot_sizing, need):
            if count > self.orders_left:
                raise ScenarioError(
                    f"{node.path}.lot_sizing: item {node.params.id!r} would need more than "
                    f"{MAX_PLANNED_ORDERS} planned orders ({count} orders of {text(qty)} in "
                    f"period {t + first} alone)", code="too_many_orders",
                    field=f"{node.path}.lot_sizing")
            self.orders_left -= int(count)
            for _ in range(int(count)):
                node.orders.append(PlannedOrder(node.params.id, qty, t + first, due + first,
                                                release + first, late))
            total += qty * count
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

        if not supplies:
            return
        s = 0
        current, left = supplies[0]
        gross = node.gross
        for t, pegs in enumerate(node.pegs):
            if pegs is None:
                continue
            g = gross[t]
            if g <= left:  # the whole requirement comes from one supply
                left -= g
                if current is not None:
                    _merge(current.pegging, pegs)
                if not left:
                    s += 1
                    if s == len(supplies):
                        break
                    current, left = supplies[s]
                continue
            for key, q in pegs.items():
                while q:
                    taken = q if q <= left else left
                    if current is not None:
                        peg = current.pegging
                        peg[key] = peg[key] + taken if key in peg else taken
                    q -= taken
                    left -= taken
                    if not left:
                        s += 1
                        if s == len(supplies):
                            break
                        current, left = supplies[s]
                if s == len(supplies):
                    break
            if s == len(supplies):
                break
        if s == len(supplies):
            return
        safety = node.params.safety_stock
        item = node.params.id
        for current, left in [(current, left)] + supplies[s + 1:]:
            held = left if left <= safety else safety
            safety -= held
            if current is not None:
                if held:
                    current.pegging[Reserve("safety_stock", item)] = held
                if left - held:
                    current.pegging[Reserve("excess", item)] = left - held

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


def _merge(into: dict[PegKey, Decimal], pegs: dict[PegKey, Decimal]) -> None:
    if not into:
        into.update(pegs)
        return
    for key, q in pegs.items():
        into[key] = into[key] + q if key in into else q


# ---------------------------------------------------------------------- output


def plan_to_dict(result: Plan) -> dict[str, Any]:
    """The output format: quantities as exact decimal strings, periods as record keys
    only where the value is not zero."""
    keys = [str(period) for period in range(result.first_period, result.last_period + 1)]
    records = {}
    for item, record in result.records.items():
        records[item] = {row: {keys[t]: text(qty) for t, qty in enumerate(getattr(record, row))
                               if qty}
                         for row in RECORD_ROWS}
    return {
        "ok": True,
        "low_level_codes": dict(result.low_level_codes),
        "records": records,
        "planned_orders": [order_to_dict(order) for order in result.planned_orders],
        "exceptions": result.exceptions,
    }


def order_to_dict(order: PlannedOrder) -> dict[str, Any]:
    return {"item": order.item, "qty": text(order.qty), "due_period": order.due_period,
            "release_period": order.release_period, "late": order.late,
            "pegging": [{"ref": key, "qty": text(qty)} if isinstance(key, str) else
                        {"ref": None, "qty": text(qty), "reserve": key.kind, "item": key.item}
                        for key, qty in order.pegging.items()]}
