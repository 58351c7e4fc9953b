"""Disassembly and conversion: documents that issue one item and receive others at the
issued item's cost, through the stock ledger.

* **Disassembly** takes ``qty`` of a finished item apart by its active BOM (the
  components' net quantities, without the planned scrap; phantoms exploded) or by a given
  list, and receives the components. The value the item left stock with (its FIFO or
  average cost) is split over them in proportion to ``qty x standard cost`` of each (in
  proportion to the quantities when no component has a standard cost), each share rounded
  to 4 places, the last line taking the rest, so the shares add up to the issued value.
* **Conversion** (re-grading) issues ``qty`` of one item and receives ``to_qty`` (default
  the same) of another at the source's value.

Each receipt line's unit cost is its share / its quantity, rounded to 6 places (the
ledger's unit-cost scale).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.production.models import Conversion, ProductionCounter
from ordercraft.plugins.production.structure import StructureReader, decimal_of, money_of, text_of
from ordercraft.sdk import stock, validation
from ordercraft.sdk.errors import NotFound, ValidationError
from ordercraft.sdk.models import Item, Warehouse
from ordercraft.sdk.permissions import require_session_permission

ZERO = Decimal(0)
VALUE = Decimal("0.0001")
PREFIX = {"disassembly": "DA", "conversion": "CV"}


def _number(session: Session, kind: str) -> str:
    counter = session.get(ProductionCounter, kind, with_for_update=True)
    if counter is None:
        counter = ProductionCounter(name=kind, value=0)
        session.add(counter)
    counter.value += 1
    session.flush()
    return f"{PREFIX[kind]}-{counter.value:05d}"


def _unit_cost(value: Decimal, qty: Decimal) -> Decimal:
    return (value / qty).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)


def _post(session: Session, kind: str, item: Item, qty: Decimal, warehouse: str,
          receive: list[tuple[Item, Decimal, Decimal]], day: date, number: str,
          issued: stock.PostedDocument) -> Conversion:
    receipt = stock.post(session, "receipt",
                         [stock.LineSpec(part.sku, warehouse, part_qty,
                                         _unit_cost(share, part_qty))
                          for part, part_qty, share in receive],
                         date=day, ref=number, note=f"{kind} {number}")
    place = session.scalar(select(Warehouse).where(Warehouse.code == warehouse))
    assert place is not None
    document = Conversion(number=number, kind=kind, item_id=item.id, qty=qty,
                          warehouse_id=place.id, value=-issued.moves[0].value, day=day,
                          issue_document_id=issued.id, receipt_document_id=receipt.id,
                          lines=[{"item": part.sku, "name": part.name, "unit": part.unit,
                                  "qty": text_of(part_qty), "value": money_of(move.value)}
                                 for (part, part_qty, _share), move
                                 in zip(receive, receipt.moves, strict=True)])
    session.add(document)
    session.flush()
    return document


def _items(session: Session, skus: list[str], field: str) -> dict[str, Item]:
    found = {item.sku: item for item in session.scalars(select(Item).where(Item.sku.in_(skus)))}
    for sku in skus:
        if sku not in found:
            raise NotFound(f"{field}: item {sku!r} does not exist", field=field)
    return found


def disassemble(session: Session, product: Any, qty: Any, warehouse: Any, *,
                components: list[dict[str, Any]] | None = None, on_date: Any = None,
                note: str = "") -> Conversion:
    """Take ``qty`` of ``product`` apart (see the module); one transaction."""
    require_session_permission(session, "production.write")
    from ordercraft.plugins.production.costing import Costs, _flat_lines
    from ordercraft.plugins.production.orders import _qty

    [item] = _items(session, [validation.text(product, field="item", max_length=64,
                                              required=True)], "item").values()
    amount = _qty(item, qty)
    code = validation.text(warehouse, field="warehouse", max_length=32, required=True)
    day = validation.day(on_date, field="date") or date.today()
    wanted: list[tuple[int, Decimal]] = []
    if components:
        parts = _items(session, [str(c.get("item")) for c in components], "components")
        for n, raw in enumerate(components, 1):
            part = parts[str(raw.get("item"))]
            wanted.append((part.id, _qty(part, raw.get("qty"), f"components[{n}].qty")))
    else:
        reader = StructureReader(session)
        if reader.bom(item.id) is None:
            raise ValidationError(f"item: {item.sku!r} has no BOM; name its components",
                                  field="item")
        for line, per in _flat_lines(reader, item.id, Fraction(1), (item.id,)):
            if line.kind != "component":
                continue
            net = per - per * line.scrap_per_unit / line.per_unit
            info = reader.items[line.component_id]
            step = Decimal(1).scaleb(-info.precision)
            recovered = decimal_of(Fraction(amount) * net).quantize(step, ROUND_HALF_EVEN)
            if recovered > 0:
                wanted.append((line.component_id, recovered))
    if not wanted:
        raise ValidationError("components: nothing to receive", field="components")
    number = _number(session, "disassembly")
    issued = stock.issue(session, item.sku, code, amount, date=day, ref=number,
                         note=note or f"disassembly {number}")
    value = -issued.moves[0].value
    costs = Costs(session, "standard")
    weights = [qty_part * (costs.standard_cost(item_id) or ZERO) for item_id, qty_part in wanted]
    if not any(weights):
        weights = [qty_part for _item_id, qty_part in wanted]
    whole = sum(weights, ZERO)
    shares, left = [], value
    for index, weight in enumerate(weights):
        share = left if index == len(weights) - 1 else (value * weight / whole).quantize(
            VALUE, ROUND_HALF_EVEN)
        shares.append(share)
        left -= share
    parts_by_id = {part.id: part for part in session.scalars(
        select(Item).where(Item.id.in_([item_id for item_id, _q in wanted])))}
    receive = [(parts_by_id[item_id], qty_part, share)
               for (item_id, qty_part), share in zip(wanted, shares, strict=True)]
    return _post(session, "disassembly", item, amount, code, receive, day, number, issued)


def convert(session: Session, source: Any, target: Any, qty: Any, warehouse: Any, *,
            to_qty: Any = None, on_date: Any = None, note: str = "") -> Conversion:
    """Re-grade ``qty`` of ``source`` into ``to_qty`` (default ``qty``) of ``target`` at
    the source's cost."""
    require_session_permission(session, "production.write")
    from ordercraft.plugins.production.orders import _qty

    names = [validation.text(source, field="item", max_length=64, required=True),
             validation.text(target, field="to", max_length=64, required=True)]
    if names[0] == names[1]:
        raise ValidationError(f"to: {names[1]!r} is the item converted", field="to")
    found = _items(session, names, "item")
    item, into = found[names[0]], found[names[1]]
    amount = _qty(item, qty)
    received = _qty(into, amount if to_qty in (None, "") else to_qty, "to_qty")
    code = validation.text(warehouse, field="warehouse", max_length=32, required=True)
    day = validation.day(on_date, field="date") or date.today()
    number = _number(session, "conversion")
    issued = stock.issue(session, item.sku, code, amount, date=day, ref=number,
                         note=note or f"conversion {number}")
    return _post(session, "conversion", item, amount, code,
                 [(into, received, -issued.moves[0].value)], day, number, issued)


def get_conversion(session: Session, number: str) -> Conversion:
    require_session_permission(session, "production.read")
    found = session.scalar(select(Conversion).where(Conversion.number == str(number)))
    if found is None:
        raise NotFound(f"document {number!r} does not exist", field="number")
    return found


def conversion_dict(session: Session, document: Conversion) -> dict[str, Any]:
    item = session.get(Item, document.item_id)
    place = session.get(Warehouse, document.warehouse_id)
    assert item is not None and place is not None
    return {"number": document.number, "kind": document.kind, "item": item.sku,
            "qty": text_of(document.qty), "warehouse": place.code,
            "date": document.day.isoformat(), "value": money_of(document.value),
            "issue_document": document.issue_document_id,
            "receipt_document": document.receipt_document_id, "lines": document.lines}
