"""Money of a proposal: the same rule as orders and invoices (docs/sales.md) — exact
decimals, rounded once per line, half up, to the proposal currency's smallest amount
(``unit``: 0.01 for EUR, 1 for JPY, 0.001 for KWD; ``sdk.money.minor_unit``)::

    net    = round(qty × price × (1 − discount / 100), unit)
    tax    = round(net × tax rate / 100, unit)
    total  = net + tax
    cost   = round(qty × unit cost, unit)
    margin = net − cost;  margin % = margin / net × 100 (one decimal)

A group (a configured template, a calculator run) and the proposal sum their rounded
lines; text lines and optional lines the client did not tick count for nothing. Pure
functions: the configurator's live preview and the stored figures are the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ordercraft.sdk.money import CENT, round_money

TENTH = Decimal("0.1")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    tax: Decimal
    total: Decimal
    cost: Decimal

    @property
    def margin(self) -> Decimal:
        return self.net - self.cost

    @property
    def margin_pct(self) -> Decimal | None:
        return margin_pct(self.net, self.cost)


def margin_pct(net: Decimal, cost: Decimal) -> Decimal | None:
    if not net:
        return None
    return ((net - cost) * HUNDRED / net).quantize(TENTH, rounding=ROUND_HALF_UP)


def line_amounts(qty: Decimal, price: Decimal, discount_pct: Decimal, tax_rate: Decimal,
                 unit_cost: Decimal, unit: Decimal = CENT) -> Amounts:
    gross = qty * price
    net = round_money(gross - gross * discount_pct / HUNDRED, unit)
    tax = round_money(net * tax_rate / HUNDRED, unit)
    return Amounts(net, tax, net + tax, round_money(qty * unit_cost, unit))


def add_up(amounts: Iterable[Amounts]) -> Amounts:
    net = tax = cost = ZERO
    for found in amounts:
        net += found.net
        tax += found.tax
        cost += found.cost
    return Amounts(net, tax, net + tax, cost)


NOTHING = Amounts(ZERO, ZERO, ZERO, ZERO)
