"""Planned cost of a product from its BOM and technology map (docs/production.md has the
formulas and a worked example).

* ``method="single"``: every component at its own unit cost, even one that has a BOM.
* ``method="rolled"``: a component with a BOM at its own rolled-up cost for the quantity
  needed (materials and operations of every level below).
* ``basis="standard"``: a component's unit cost is its standard cost (the item's
  ``standard_cost``: ``ordercraft item update SKU --standard-cost 25.00``);
  ``basis="ledger"``: what the stock holds it at now (value / quantity over every
  warehouse; without stock its last unit cost, else the standard).

Phantom sub-assemblies are never stocked and have no cost of their own: both methods
explode them into their components. Quantities needed are rounded to 6 places (the
ledger's quantity scale) once per line; amounts are exact products; only ``per_unit``
(a unit cost, stored like the ledger's) is rounded, to 6 places, half to even.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from math import ceil
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.production.models import Operation, WorkCentre
from ordercraft.plugins.production.structure import (
    StructureLine,
    StructureReader,
    cycle_error,
    decimal_of,
    money_of,
    text_of,
)
from ordercraft.sdk import stock, validation
from ordercraft.sdk.errors import NotFound, ValidationError
from ordercraft.sdk.models import Item
from ordercraft.sdk.permissions import require_session_permission

METHODS = ("single", "rolled")
BASES = ("standard", "ledger")
ZERO = Decimal(0)
COST_QUANTUM = Decimal("0.000001")


@dataclass
class Costs:
    """Unit costs of items, read once per item for one costing."""

    session: Session
    basis: str
    standard: dict[int, Decimal | None] = field(default_factory=dict)
    ledger: dict[int, Decimal | None] = field(default_factory=dict)
    #: Overhead on materials, percent (the site setting).
    material_overhead_pct: Decimal = ZERO

    def standard_cost(self, item_id: int) -> Decimal | None:
        if item_id not in self.standard:
            self.standard[item_id] = self.session.scalar(
                select(Item.standard_cost).where(Item.id == item_id))
        return self.standard[item_id]

    def ledger_cost(self, item_id: int, sku: str) -> Decimal | None:
        if item_id not in self.ledger:
            qty = value = ZERO
            last = None
            for row in stock.balances(self.session, item=sku, include_empty=True,
                                      limit=1000).items:
                qty, value = qty + row.qty, value + row.value
                if row.unit_cost:
                    last = row.unit_cost
            self.ledger[item_id] = ((value / qty).quantize(COST_QUANTUM, ROUND_HALF_EVEN)
                                    if qty > 0 else last)
        return self.ledger[item_id]

    def unit_cost(self, item_id: int, sku: str) -> tuple[Decimal, str]:
        if self.basis == "ledger":
            found = self.ledger_cost(item_id, sku)
            if found is not None:
                return found, "ledger"
        standard = self.standard_cost(item_id)
        return (standard, "standard") if standard is not None else (ZERO, "missing")


def material_overhead_rate(session: Session) -> Decimal:
    """The site's overhead on materials, percent (setting
    ``production_material_overhead_pct``)."""
    from ordercraft.plugins.production.declarations import MATERIAL_OVERHEAD_SETTING
    from ordercraft.sdk.settings import get_setting

    return Decimal(str(get_setting(session, MATERIAL_OVERHEAD_SETTING) or 0))


def operation_hours(op: Operation, qty: Fraction) -> Fraction:
    """Setup + cleanup + cycles x minutes per cycle, in hours, over the efficiency."""
    cycles = ceil(qty / Fraction(op.units_per_cycle))
    minutes = Fraction(op.setup_min) + Fraction(op.cleanup_min) + cycles * Fraction(op.cycle_min)
    return minutes / 60 * 100 / Fraction(op.efficiency_pct)


def _flat_lines(reader: StructureReader, item_id: int, per: Fraction,
                path: tuple[int, ...], stage: int = 0) -> list[tuple[StructureLine, Fraction]]:
    """The BOM's lines with phantoms replaced by their own lines (quantities per unit; a
    phantom's lines belong to the phantom line's stage)."""
    if len(path) == 1:
        reader.load_tree(item_id)
    found = []
    for line in reader.lines_of(item_id):
        if line.component_id in path:
            raise cycle_error(reader, (*path, line.component_id))
        if stage and not line.stage:
            line = replace(line, stage=stage)
        if line.phantom and line.kind == "component" and reader.bom(line.component_id):
            found.extend(_flat_lines(reader, line.component_id, per * line.per_unit,
                                     (*path, line.component_id), line.stage))
        else:
            found.append((line, per * line.per_unit))
    return found


def plan_cost(session: Session, product: Any, *, method: str = "single",
              basis: str = "standard", qty: Any = 1, on_date: Any = None) -> dict[str, Any]:
    """The planned cost of ``qty`` units (see the module); exact decimal strings."""
    require_session_permission(session, "bom.read")
    method = validation.choice(method, field="method", choices=METHODS)
    basis = validation.choice(basis, field="basis", choices=BASES)
    amount = validation.decimal(qty, field="qty", places=6)
    if amount is None or amount <= 0:
        raise ValidationError(f"qty: {qty!r} must be more than zero", field="qty")
    from ordercraft.plugins.production.boms import _item

    item = _item(session, product, "item")
    reader = StructureReader(session, validation.day(on_date, field="date"))
    if reader.bom(item.id) is None:
        raise NotFound(f"item {item.sku!r} has no BOM", field="item")
    costs = Costs(session, basis, material_overhead_pct=material_overhead_rate(session))
    result = _cost(reader, costs, item.id, amount, method, (item.id,))
    return {"item": item.sku, "method": method, "basis": basis, "qty": text_of(amount),
            **result}


def _cost(reader: StructureReader, costs: Costs, item_id: int, qty: Decimal, method: str,
          path: tuple[int, ...]) -> dict[str, Any]:
    materials, byproducts_lines = [], []
    for line, per in _flat_lines(reader, item_id, Fraction(1), path):
        if line.kind == "byproduct":
            byproducts_lines.append((line, per))
            continue
        info = reader.items[line.component_id]
        need = decimal_of(Fraction(qty) * per)
        if method == "rolled" and reader.bom(line.component_id) is not None:
            sub = _cost(reader, costs, line.component_id, need, method,
                        (*path, line.component_id))
            unit_cost, source, line_amount = Decimal(sub["per_unit"]), "rolled", \
                Decimal(sub["total"])
        else:
            unit_cost, source = costs.unit_cost(line.component_id, info.sku)
            line_amount = need * unit_cost
        materials.append({"item": info.sku, "name": info.name, "qty": text_of(need),
                          "unit": info.unit, "scrap_pct": text_of(line.scrap_pct),
                          "unit_cost": money_of(unit_cost), "source": source,
                          "amount": money_of(line_amount)})
    operations = []
    bom = reader.bom(item_id)
    if bom is not None and bom.routing_id is not None:
        rows = reader.session.execute(
            select(Operation, WorkCentre).join(WorkCentre, WorkCentre.id == Operation.work_centre_id)
            .where(Operation.routing_id == bom.routing_id).order_by(Operation.position))
        for op, centre in rows:
            hours = decimal_of(operation_hours(op, Fraction(qty)))
            amount = hours * centre.cost_per_hour
            operations.append({"operation": op.name, "work_centre": centre.code,
                               "stage": op.stage, "hours": text_of(hours),
                               "cost_per_hour": money_of(centre.cost_per_hour),
                               "amount": money_of(amount),
                               "overhead_pct": text_of(centre.overhead_pct),
                               "overhead": money_of(amount * centre.overhead_pct / 100)})
    for row in materials:
        row["overhead"] = money_of(Decimal(row["amount"]) * costs.material_overhead_pct / 100)
    subtotal = sum((Decimal(row["amount"]) + Decimal(row["overhead"])
                    for row in (*materials, *operations)), ZERO)
    byproducts = []
    for line, per in byproducts_lines:
        info = reader.items[line.component_id]
        value = subtotal * line.cost_share / 100
        byproducts.append({"item": info.sku, "name": info.name,
                           "qty": text_of(decimal_of(Fraction(qty) * per)), "unit": info.unit,
                           "cost_share": text_of(line.cost_share), "amount": money_of(value)})
    total = subtotal - sum((Decimal(b["amount"]) for b in byproducts), ZERO)
    return {"materials": materials, "operations": operations, "byproducts": byproducts,
            "total": money_of(total),
            "per_unit": money_of((total / qty).quantize(COST_QUANTUM, ROUND_HALF_EVEN))}

