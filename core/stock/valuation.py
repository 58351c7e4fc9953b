"""Stock valuation: the accounting rules as pure functions over plain records.

Nothing here touches a database. A *movement* is one quantity entering (``qty > 0``)
or leaving (``qty < 0``) one warehouse; :func:`value_movements` values a sequence of
them, in valuation order (business date, then posting sequence), starting from the
state of each warehouse, and returns what each movement is worth. Posting a document,
re-valuing the moves after a backdated one and ``ordercraft stock verify`` all run
this same function, so an incremental posting and a replay of the whole ledger
cannot disagree.

Rounding (see docs/stock.md): a movement's value is rounded once, to
:data:`VALUE_PLACES` decimals, half to even; every balance and every FIFO layer is a
sum of such rounded values, so it never drifts. Unit costs carry
:data:`COST_PLACES` decimals.

FIFO (``fifo``): every inbound movement opens cost layers; an outbound one consumes
the oldest layers first and may never take more than the warehouse holds
(:class:`Shortage`). A layer's remaining value is a function of its remaining
quantity only (:meth:`Layer.value_at`), so consuming it piece by piece adds up to
exactly its value, and the stock's value is exactly the sum of its layers.

Moving average (``average``): receipts into non-negative stock average in;
issues take the average; stock may go negative. Negative stock is always valued
at the last known unit cost. A receipt into negative stock is valued at its own
cost, that cost becomes the known unit cost, and a *settlement* (a value without a
quantity) re-prices the shortage at that cost, so after any receipt the stock is
worth quantity x unit cost. See docs/stock.md for a worked example.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from datetime import date as Day  # for annotations in classes with a 'date' field
from decimal import ROUND_HALF_EVEN, Context, Decimal

FIFO = "fifo"
AVERAGE = "average"
METHODS = (FIFO, AVERAGE)

VALUE_PLACES = 4
COST_PLACES = 6
VALUE_QUANTUM = Decimal(1).scaleb(-VALUE_PLACES)
COST_QUANTUM = Decimal(1).scaleb(-COST_PLACES)
ZERO = Decimal(0)

# Wide enough that a product or quotient of two column values (18 digits each) is
# exact or, when the quotient does not terminate, rounds the same way the exact
# rational number would.
_EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN)
_multiply = _EXACT.multiply
_divide = _EXACT.divide


def round_value(amount: Decimal) -> Decimal:
    """A money value as the ledger stores it: :data:`VALUE_PLACES` decimals, half to even."""
    return amount.quantize(VALUE_QUANTUM, rounding=ROUND_HALF_EVEN, context=_EXACT)


def round_cost(amount: Decimal) -> Decimal:
    """A unit cost: :data:`COST_PLACES` decimals, half to even."""
    return amount.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN, context=_EXACT)


def times(qty: Decimal, unit_cost: Decimal) -> Decimal:
    """The rounded value of ``qty`` units at ``unit_cost``."""
    return round_value(_EXACT.multiply(qty, unit_cost))


def share(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``total * part / whole``, rounded to a value."""
    return round_value(_EXACT.divide(_EXACT.multiply(total, part), whole))


def per_unit(value: Decimal, qty: Decimal) -> Decimal:
    """Unit cost of ``value`` spread over ``qty`` (``qty`` must not be zero)."""
    return round_cost(_EXACT.divide(value, qty))


@dataclass(slots=True)
class Layer:
    """A FIFO cost layer: what one inbound movement (or one slice of a transfer) brought.

    Layers are consumed in the order of :attr:`key`: business date, posting sequence
    of the movement that opened them, slice number.
    """

    move_id: int
    slice: int
    date: date
    qty_in: Decimal
    value_in: Decimal
    #: The nominal cost per unit (a receipt's price, or the cost a transfer carried).
    unit_cost: Decimal
    qty_left: Decimal
    value_left: Decimal

    @property
    def key(self) -> tuple[Day, int, int]:
        return (self.date, self.move_id, self.slice)

    def value_at(self, qty_left: Decimal) -> Decimal:
        """What the layer is worth with ``qty_left`` units left.

        Proportional to the layer's value, rounded; the full quantity is worth exactly
        ``value_in`` and nothing is worth exactly zero, so the pieces consumed over
        time add up to ``value_in`` without a rounding remainder.
        """
        if qty_left == self.qty_in:
            return self.value_in
        if not qty_left:
            return ZERO
        return share(self.value_in, qty_left, self.qty_in)

    def copy(self) -> Layer:
        return Layer(self.move_id, self.slice, self.date, self.qty_in, self.value_in,
                     self.unit_cost, self.qty_left, self.value_left)


@dataclass(slots=True, frozen=True)
class Slice:
    """Quantity and value a transfer carries, with the nominal unit cost they came at."""

    qty: Decimal
    value: Decimal
    unit_cost: Decimal


@dataclass(slots=True, frozen=True)
class Take:
    """The part of one layer an outbound FIFO movement consumed."""

    layer_move_id: int
    layer_slice: int
    qty: Decimal
    value: Decimal
    unit_cost: Decimal


@dataclass(slots=True)
class Movement:
    """One quantity entering or leaving one warehouse (the facts a valuation needs)."""

    id: int
    date: date
    warehouse_id: int
    #: Signed: positive enters the warehouse, negative leaves it. Never zero.
    qty: Decimal
    #: Inbound: the cost per unit. ``None``: at the stock's unit cost at that point
    #: (an inventory gain of an average item).
    unit_cost: Decimal | None = None
    #: Inbound half of a transfer: the id of the outbound half it receives.
    source_id: int | None = None
    #: Inbound half of a transfer whose outbound half is not valued in the same run:
    #: what that outbound half carried, as stored.
    carried: tuple[Slice, ...] | None = None

    @property
    def sort_key(self) -> tuple[Day, int]:
        return (self.date, self.id)


@dataclass(slots=True)
class Valuation:
    """What a movement is worth, and the warehouse's state right after it."""

    qty: Decimal
    #: Signed value of the movement itself (negative for outbound movements).
    value: Decimal
    #: Average items: the re-pricing of negative stock that a receipt settles.
    settlement: Decimal
    qty_after: Decimal
    value_after: Decimal
    cost_after: Decimal
    #: FIFO outbound: the layers consumed, oldest first.
    takes: tuple[Take, ...] = ()
    #: FIFO inbound: the layers opened (the same objects the state holds).
    layers: tuple[Layer, ...] = ()

    @property
    def unit_cost(self) -> Decimal:
        """Cost per unit this movement was valued at."""
        return per_unit(self.value, self.qty)

    def carried(self) -> tuple[Slice, ...]:
        """What the outbound half of a transfer hands to the inbound half."""
        if self.takes:
            return tuple(Slice(t.qty, t.value, t.unit_cost) for t in self.takes)
        return (Slice(-self.qty, -self.value, per_unit(self.value, self.qty)),)


@dataclass(slots=True)
class StockState:
    """One item in one warehouse at one point of the valuation order."""

    qty: Decimal = ZERO
    value: Decimal = ZERO
    #: The last known unit cost: value / qty while stock is positive, else the cost
    #: the stock was last valued at (zero before anything was ever received).
    cost: Decimal = ZERO
    #: FIFO: the open layers, oldest first.
    layers: deque[Layer] = field(default_factory=deque)


class Shortage(Exception):
    """A FIFO outbound movement asks for more than the warehouse holds at its point."""

    def __init__(self, movement: Movement, on_hand: Decimal) -> None:
        self.movement = movement
        self.on_hand = on_hand
        self.requested = -movement.qty
        self.shortfall = self.requested - on_hand
        super().__init__(f"movement {movement.id} on {movement.date}: requested "
                         f"{self.requested}, on hand {on_hand}")


def value_movements(method: str, states: MutableMapping[int, StockState],
                    movements: Iterable[Movement]) -> dict[int, Valuation]:
    """Value ``movements`` (sorted by :attr:`Movement.sort_key`) of one item.

    ``states`` maps warehouse ids to their state just before the first movement of
    that warehouse; it is updated in place (a warehouse without a state starts empty).
    Returns the valuation of every movement by id. Raises :class:`Shortage` for a FIFO
    movement that would take stock below zero.
    """
    if method not in METHODS:
        raise ValueError(f"unknown valuation method {method!r}")
    fifo = method == FIFO
    results: dict[int, Valuation] = {}
    for movement in movements:
        state = states.get(movement.warehouse_id)
        if state is None:
            state = states[movement.warehouse_id] = StockState()
        if movement.qty > 0:
            carried = movement.carried
            if movement.source_id is not None and movement.source_id in results:
                carried = results[movement.source_id].carried()
            if fifo:
                results[movement.id] = _receive_fifo(state, movement, carried)
            else:
                results[movement.id] = _receive_average(state, movement, carried)
        elif movement.qty < 0:
            if fifo:
                results[movement.id] = _issue_fifo(state, movement)
            else:
                results[movement.id] = _issue_average(state, movement)
        else:
            raise ValueError(f"movement {movement.id} has no quantity")
    return results


def replay(method: str, movements: Iterable[Movement]
           ) -> tuple[dict[int, Valuation], dict[int, StockState]]:
    """Value an item's whole history from empty warehouses (what ``verify`` checks)."""
    states: dict[int, StockState] = {}
    ordered = sorted(movements, key=lambda m: m.sort_key)
    return value_movements(method, states, ordered), states


def _inbound_slices(state: StockState, movement: Movement,
                    carried: tuple[Slice, ...] | None) -> tuple[Slice, ...]:
    if carried is not None:
        if sum(s.qty for s in carried) != movement.qty:
            raise ValueError(f"transfer {movement.id} carries another quantity than it receives")
        return carried
    unit_cost = movement.unit_cost if movement.unit_cost is not None else state.cost
    return (Slice(movement.qty, times(movement.qty, unit_cost), unit_cost),)


def _receive_fifo(state: StockState, movement: Movement,
                  carried: tuple[Slice, ...] | None) -> Valuation:
    qty = movement.qty
    if carried is None:
        cost = movement.unit_cost if movement.unit_cost is not None else state.cost
        # times(qty, cost), inline: this runs for every receipt of a bulk import.
        value = _multiply(qty, cost).quantize(VALUE_QUANTUM, ROUND_HALF_EVEN, _EXACT)
        layers: tuple[Layer, ...] = (Layer(movement.id, 0, movement.date, qty, value, cost,
                                           qty, value),)
        state.layers.append(layers[0])
    else:
        slices = _inbound_slices(state, movement, carried)
        layers = tuple(Layer(movement.id, number, movement.date, s.qty, s.value, s.unit_cost,
                             s.qty, s.value) for number, s in enumerate(slices))
        state.layers.extend(layers)
        value = sum((s.value for s in slices), ZERO)
    state.qty += qty
    state.value += value
    state.cost = _divide(state.value, state.qty).quantize(COST_QUANTUM, ROUND_HALF_EVEN, _EXACT)
    return Valuation(qty, value, ZERO, state.qty, state.value, state.cost, (), layers)


def _issue_fifo(state: StockState, movement: Movement) -> Valuation:
    need = -movement.qty
    if need > state.qty:
        raise Shortage(movement, state.qty)
    takes: list[Take] = []
    total = ZERO
    layers = state.layers
    while need:
        layer = layers[0]
        taken = layer.qty_left if layer.qty_left <= need else need
        left = layer.qty_left - taken
        left_value = layer.value_at(left)
        value = layer.value_left - left_value
        takes.append(Take(layer.move_id, layer.slice, taken, value, layer.unit_cost))
        layer.qty_left = left
        layer.value_left = left_value
        total += value
        need -= taken
        if not left:
            layers.popleft()
    state.qty += movement.qty
    state.value -= total
    if state.qty > 0:
        state.cost = _divide(state.value, state.qty).quantize(COST_QUANTUM, ROUND_HALF_EVEN,
                                                               _EXACT)
    return Valuation(movement.qty, -total, ZERO, state.qty, state.value, state.cost,
                     tuple(takes))


def _receive_average(state: StockState, movement: Movement,
                     carried: tuple[Slice, ...] | None) -> Valuation:
    slices = _inbound_slices(state, movement, carried)
    value = sum((s.value for s in slices), ZERO)
    before_qty, before_value = state.qty, state.value
    after_qty = before_qty + movement.qty
    if before_qty >= 0:
        after_value = before_value + value
        settlement = ZERO
        cost = per_unit(after_value, after_qty)
    else:
        # Into negative stock: the receipt's own cost is now the best known one; the
        # stock (still negative, or positive again) is re-priced at it and the
        # difference is settled.
        cost = slices[0].unit_cost if carried is None else per_unit(value, movement.qty)
        after_value = times(after_qty, cost)
        settlement = after_value - before_value - value
        if after_qty > 0:
            # Positive again: like any positive stock, its unit cost is value / qty.
            cost = per_unit(after_value, after_qty)
    state.qty, state.value, state.cost = after_qty, after_value, cost
    return Valuation(movement.qty, value, settlement, after_qty, after_value, cost)


def _issue_average(state: StockState, movement: Movement) -> Valuation:
    issued = -movement.qty
    before_qty, before_value = state.qty, state.value
    after_qty = before_qty - issued
    if before_qty > 0 and after_qty >= 0:
        out = before_value if after_qty == 0 else share(before_value, issued, before_qty)
        after_value = before_value - out
        if after_qty > 0:
            state.cost = per_unit(after_value, after_qty)
    else:
        # Stock is or becomes negative: the shortage is valued at the last known cost.
        after_value = times(after_qty, state.cost)
    value = after_value - before_value
    state.qty, state.value = after_qty, after_value
    return Valuation(movement.qty, value, ZERO, after_qty, after_value, state.cost)


def layers_value(layers: Iterable[Layer]) -> Decimal:
    return sum((layer.value_left for layer in layers), ZERO)


def carried_from_layers(layers: Iterable[Layer]) -> tuple[Slice, ...]:
    """What an inbound transfer brought, read back from the layers it opened."""
    return tuple(Slice(layer.qty_in, layer.value_in, layer.unit_cost)
                 for layer in sorted(layers, key=lambda layer: layer.slice))


def state_copy(states: Mapping[int, StockState]) -> dict[int, StockState]:
    return {key: StockState(s.qty, s.value, s.cost, deque(layer.copy() for layer in s.layers))
            for key, s in states.items()}
