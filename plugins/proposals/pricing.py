"""Money of a proposal: the same rule as orders and invoices (docs/sales.md) — exact
decimals, rounded once per line, half up, to the cent::

    net    = round(qty × price × (1 − discount / 100), 0.01)
    tax    = round(net × tax rate / 100, 0.01)
    total  = net + tax
    cost   = round(qty × unit cost, 0.01)
    margin = net − cost;  margin % = margin / net × 100 (one decimal)

A group (a configured template, a calculator run) and the proposal sum their rounded
lines; text lines and optional lines the client did not tick count for nothing. Pure
functions: the configurator's live preview and the stored figures are the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


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
                 unit_cost: Decimal) -> Amounts:
    gross = qty * price
    net = round_money(gross - gross * discount_pct / HUNDRED)
    tax = round_money(net * tax_rate / HUNDRED)
    return Amounts(net, tax, net + tax, round_money(qty * unit_cost))


def add_up(amounts: Iterable[Amounts]) -> Amounts:
    net = tax = cost = ZERO
    for found in amounts:
        net += found.net
        tax += found.tax
        cost += found.cost
    return Amounts(net, tax, net + tax, cost)


NOTHING = Amounts(ZERO, ZERO, ZERO, ZERO)
