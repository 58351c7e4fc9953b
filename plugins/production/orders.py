"""Production orders: create from a BOM, release (reserve components FIFO), complete all
or part (consume components, receive the output at actual cost), cancel (reverse every
posting). Every posting goes through ``ordercraft.sdk.stock`` in the transition's
transaction; posted moves are never edited (a cancel posts reversals).

Actual cost of a completion of ``p`` units (docs/production.md): the value the ledger
gave the components it consumed for them (issues and scrap write-offs, at FIFO or
average cost) + the operations' planned hours x the work centre's rate for ``p`` of the
order's ``qty``, less the by-products' shares. The output is received at that value / p
(rounded to the ledger's 6 places of a unit cost).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ordercraft.plugins.production.costing import material_overhead_rate, operation_hours
from ordercraft.plugins.production.models import (
    Operation,
    ProductionComponent,
    ProductionCounter,
    ProductionOperation,
    ProductionOrder,
    ProductionPosting,
    Routing,
    WorkCentre,
)
from ordercraft.plugins.production.structure import (
    ItemInfo,
    StructureLine,
    StructureReader,
    cycle_error,
    decimal_of,
    money_of,
    text_of,
)
from ordercraft.sdk import stock, validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.i18n import N_
from ordercraft.sdk.models import Item, Warehouse
from ordercraft.sdk.permissions import granted, require_session_permission
from ordercraft.sdk.queries import Page, page_bounds

ZERO = Decimal(0)
OPEN_STATES = ("draft", "released", "in_progress")
STATES = (*OPEN_STATES, "done", "cancelled")


def next_number(session: Session) -> str:
    """``MO-00001``, ``MO-00002``... taken by one ``UPDATE ... RETURNING`` of the counter's
    row (its row lock on PostgreSQL, the write lock of the SQLite transaction), written
    past the ORM (the counter is not audited and no object of it is kept)."""
    counters = cast(Table, ProductionCounter.__table__)
    connection = session.connection()
    value = connection.execute(update(counters).where(counters.c.name == "order")
                               .values(value=counters.c.value + 1)
                               .returning(counters.c.value)).scalar()
    if value is None:
        value = 1
        connection.execute(insert(counters).values(name="order", value=value))
    return f"MO-{value:05d}"


def _warehouse(session: Session, code: Any) -> Warehouse:
    if code in (None, ""):
        found = session.scalar(select(Warehouse).where(Warehouse.active.is_(True))
                               .order_by(Warehouse.id).limit(1))
        if found is None:
            raise ValidationError("warehouse: the site has no active warehouse",
                                  field="warehouse")
        return found
    found = session.scalar(select(Warehouse).where(Warehouse.code == str(code)))
    if found is None:
        raise NotFound(f"warehouse: {code!r} does not exist", field="warehouse")
    return found


def _qty(item: Item, value: Any, field: str = "qty") -> Decimal:
    from ordercraft.sdk.items import check_quantity

    qty = check_quantity(item, value, field=field)
    if qty <= 0:
        raise ValidationError(f"{field}: {value!r} must be more than zero", field=field)
    return qty


def _percent(value: Any, field: str) -> Decimal:
    number = validation.decimal(value, field=field, places=6)
    if number is None or number < 0 or number > 1000:
        raise ValidationError(f"{field}: {value!r} must be a percent from 0 to 1000",
                              field=field)
    return number


def create_order(session: Session, product: Any, qty: Any, *, due_date: Any = None,
                 warehouse: Any = None, output_warehouse: Any = None, source: str = "manual",
                 on_date: Any = None,
                 components: list[dict[str, Any]] | None = None,
                 operations: list[dict[str, Any]] | None = None,
                 material_overhead_pct: Any = None,
                 automatic: bool = False) -> ProductionOrder:
    """A draft order for ``qty`` of ``product``: its components are the active BOM
    exploded through phantoms for the whole quantity, its operations the BOM's map. A
    one-off product (the custom robot from its calculation) gives ``components``
    (``[{"item": SKU, "qty": total}]``) and ``operations`` (``[{"name", "hours",
    "cost_per_hour", "work_centre"?, "overhead_pct"?}]``) instead of a BOM.
    ``material_overhead_pct``: overhead on the components' value, percent (default: the
    site setting ``production_material_overhead_pct``); operations take their work
    centre's ``overhead_pct``.

    ``automatic``: the platform drafts it as the consequence of another document (a
    confirmed customer order's shortages), so the acting user needs no
    ``production.write`` (a manager confirming an order is not running production)."""
    if not automatic:
        require_session_permission(session, "production.write")
    from ordercraft.plugins.production.boms import _item

    item = _item(session, product, "item")
    amount = _qty(item, qty)
    place = _warehouse(session, warehouse)
    order = ProductionOrder(number=next_number(session), item_id=item.id, qty=amount,
                            warehouse_id=place.id, source=validation.text(
                                source, field="source", max_length=60) or "manual",
                            due_date=validation.day(due_date, field="due_date"))
    order.material_overhead_pct = (
        material_overhead_rate(session) if material_overhead_pct in (None, "")
        else _percent(material_overhead_pct, "material_overhead_pct"))
    day = validation.day(on_date, field="date")
    parts: list[dict[str, Any]] = []  # rows of the order's components and operations
    steps: list[dict[str, Any]] = []
    known: dict[int, ItemRef] = {item.id: ItemRef(item.id, item.sku, item.unit_precision,
                                                  item.unit)}
    with session.no_autoflush:  # the new order's rows are written once, at the end
        if components is None:
            _from_bom(session, order, item, amount, day, parts, steps, known)
        else:
            _given(session, order, components, operations or [], parts, steps, known)
    output = place
    if output_warehouse not in (None, ""):
        output = _warehouse(session, output_warehouse)
        order.output_warehouse_id = output.id
    refs = OrderRefs(known, place.code, output.code, (place.id, output.id))
    session.add(order)
    session.flush()
    # one multi-row INSERT each (the ORM would write a component a statement); the rows
    # come back as the order's loaded collections, so its transitions read none of them
    for model, rows, key in ((ProductionComponent, parts, "components"),
                             (ProductionOperation, steps, "operations")):
        set_committed_value(order, key, _insert_loaded(session, model, rows, order.id))
    set_committed_value(order, "postings", [])
    _remember_refs(order, refs)
    return order


def _insert_loaded(session: Session, model: Any, rows: list[dict[str, Any]],
                   order_id: int) -> list[Any]:
    """Insert new rows of an order's table in one statement; the persistent objects of
    those rows, by position, come back from its ``RETURNING`` (nothing read again)."""
    if not rows:
        return []
    # in any order (asking RETURNING for the rows' order would make SQLite write them
    # one statement each): positions are unique in an order
    written = list(session.scalars(insert(model).returning(model), _rows(model, rows, order_id)))
    written.sort(key=lambda obj: obj.position)
    return written


@cache
def _columns(table: Table) -> tuple[tuple[str, Any], ...]:
    """The columns an order's rows are written with, each with its scalar default."""
    return tuple((column.key, column.default.arg if column.default is not None
                  and column.default.is_scalar else None)
                 for column in table.columns if column.key not in ("id", "order_id"))


def _rows(model: Any, given: list[dict[str, Any]], order_id: int) -> list[dict[str, Any]]:
    """Rows of an order's table with every column (defaults filled in): one shape, one
    multi-row INSERT."""
    columns = _columns(model.__table__)
    return [{"order_id": order_id, **{key: row[key] if row.get(key) is not None else default
                                      for key, default in columns}} for row in given]


def _from_bom(session: Session, order: ProductionOrder, item: Item, qty: Decimal,
              on_date: date | None, parts: list[dict[str, Any]],
              steps: list[dict[str, Any]], known: dict[int, ItemRef]) -> None:

    reader = StructureReader(session, on_date)
    reader.items[item.id] = ItemInfo(item.id, item.sku, item.name, item.unit, item.kind,
                                     item.unit_precision or 0)  # read already
    reader.load_tree(item.id)
    bom = reader.bom(item.id)
    if bom is None:
        raise ValidationError(f"item: {item.sku!r} has no BOM to produce it from",
                              field="item")
    order.bom_id, order.routing_id = bom.id, bom.routing_id
    stocked: set[int] = set()
    if bom.routing_id is not None:
        stocked = set(session.scalar(select(Routing.stocked_stages).where(
            Routing.id == bom.routing_id)) or [])
    order.stocked_stages = sorted(stocked)
    for position, (line, per, node) in enumerate(_order_lines(reader, item.id, stocked), 1):
        info = reader.items[line.component_id]
        known[info.id] = ItemRef(info.id, info.sku, info.precision, info.unit)
        step = Decimal(1).scaleb(-info.precision)
        need = decimal_of(Fraction(qty) * per).quantize(step, ROUND_CEILING)
        scrap = decimal_of(Fraction(qty) * per * line.scrap_per_unit / line.per_unit
                           ).quantize(step, ROUND_HALF_EVEN) if line.scrap_per_unit else ZERO
        parts.append(dict(
            position=position, item_id=line.component_id, kind=line.kind, qty=need,
            scrap_qty=min(scrap, need), cost_share=line.cost_share, stage=line.stage,
            node_item_id=node))
    if bom.routing_id is not None:
        rows = session.execute(select(Operation, WorkCentre)
                               .join(WorkCentre, WorkCentre.id == Operation.work_centre_id)
                               .where(Operation.routing_id == bom.routing_id)
                               .order_by(Operation.position))
        for op, centre in rows:
            steps.append(dict(
                position=op.position, name=op.name, work_centre_id=centre.id, stage=op.stage,
                hours=decimal_of(operation_hours(op, Fraction(qty))),
                cost_per_hour=centre.cost_per_hour, overhead_pct=centre.overhead_pct))


def _order_lines(reader: StructureReader, item_id: int, stocked: set[int]
                 ) -> list[tuple[StructureLine, Fraction, int | None]]:
    """The product's BOM lines, phantoms exploded (quantities per unit), each with the
    node it is built into when that node is stocked: a phantom sub-assembly of a stocked
    stage gives a ``node`` line of its own (received when the stage is reported, issued
    on completion) and its components, marked with it."""
    from ordercraft.plugins.production.costing import _flat_lines

    reader.load_tree(item_id)
    found: list[tuple[StructureLine, Fraction, int | None]] = []
    for line in reader.lines_of(item_id):
        if line.component_id == item_id:
            raise cycle_error(reader, (item_id, item_id))
        exploded = line.phantom and line.kind == "component" and reader.bom(line.component_id)
        if not exploded:
            found.append((line, line.per_unit, None))
            continue
        node = line.component_id if line.stage in stocked else None
        if node is not None:
            found.append((replace(line, kind="node", scrap_per_unit=Fraction(0)),
                          line.per_unit, None))
        found.extend((sub, per, node) for sub, per in _flat_lines(
            reader, line.component_id, line.per_unit, (item_id, line.component_id),
            line.stage))
    return found


def _given(session: Session, order: ProductionOrder, components: list[dict[str, Any]],
           operations: list[dict[str, Any]], parts: list[dict[str, Any]],
           steps: list[dict[str, Any]], known: dict[int, ItemRef]) -> None:
    from ordercraft.plugins.production.boms import _item

    if not components:
        raise ValidationError("components: a production order needs at least one component",
                              field="components")
    for position, row in enumerate(components, 1):
        field = f"components[{position}]"
        component = _item(session, row.get("item"), f"{field}.item")
        known[component.id] = ItemRef(component.id, component.sku, component.unit_precision,
                                      component.unit)
        parts.append(dict(
            position=position, item_id=component.id, kind="component",
            qty=_qty(component, row.get("qty"), f"{field}.qty")))
    for position, row in enumerate(operations, 1):
        field = f"operations[{position}]"
        centre_id, overhead = None, ZERO
        if row.get("work_centre"):
            found = session.execute(select(WorkCentre.id, WorkCentre.overhead_pct).where(
                WorkCentre.code == str(row["work_centre"]))).first()
            if found is not None:
                centre_id, overhead = found
            if centre_id is None:
                raise NotFound(f"{field}.work_centre: {row['work_centre']!r} does not exist",
                               field=f"{field}.work_centre")
        hours = validation.decimal(row.get("hours"), field=f"{field}.hours", places=6)
        rate = validation.decimal(row.get("cost_per_hour"), field=f"{field}.cost_per_hour",
                                  places=6)
        if hours is None or hours < 0 or rate is None or rate < 0:
            raise ValidationError(f"{field}: hours and cost_per_hour are needed, not negative",
                                  field=field)
        if row.get("overhead_pct") not in (None, ""):
            overhead = _percent(row["overhead_pct"], f"{field}.overhead_pct")
        steps.append(dict(
            position=position, name=validation.text(row.get("name"), field=f"{field}.name",
                                                    max_length=200) or f"operation {position}",
            work_centre_id=centre_id, hours=hours, cost_per_hour=rate, overhead_pct=overhead))


def get_order(session: Session, ref: Any) -> ProductionOrder:
    require_session_permission(session, "production.read")
    text = str(ref).strip()
    query = select(ProductionOrder)
    query = query.where(ProductionOrder.id == int(text)) if text.isdigit() else query.where(
        ProductionOrder.number == text)
    order = session.scalar(query)
    if order is None:
        raise NotFound(f"production order {ref!r} does not exist", field="order")
    return order


# --------------------------------------------------------------------------- postings


def _record(order: ProductionOrder, purpose: str, posted: stock.PostedDocument,
            qty: Decimal = ZERO, value: Decimal = ZERO,
            pending: list[ProductionPosting] | None = None) -> None:
    """Book a posting of the order; into ``pending`` when given (appended to the order
    later, so that the postings that follow need not flush it first)."""
    record = ProductionPosting(purpose=purpose, stock_document_id=posted.id, qty=qty,
                               value=value)
    (order.postings if pending is None else pending).append(record)


class ItemRef(NamedTuple):
    """What an order's postings need of an item (read as a plain row, not an ORM object)."""

    id: int
    sku: str
    unit_precision: int | None
    unit: str


class OrderRefs(NamedTuple):
    """What an order's postings need of its product, components and warehouses."""

    items: dict[int, ItemRef]
    #: Where the components come from and where the output goes, by code.
    warehouse: str
    output_warehouse: str
    #: The ids these codes were read for.
    warehouse_ids: tuple[int, int]


_REFS = "_production_refs"


def _skus(session: Session, ids: set[int]) -> dict[int, Item]:
    return {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(ids)))}


def _remember_refs(order: ProductionOrder, refs: OrderRefs) -> None:
    # A plain attribute of the object, not a column: it lives as long as the object the
    # transitions of one operation share, and is read again for a new one.
    setattr(order, _REFS, refs)


def _refs(session: Session, order: ProductionOrder) -> OrderRefs:
    """SKU, precision and unit of the order's product and components and its warehouses'
    codes: remembered since the order was made or first posted from this object, else
    read in one query of the items and one of the warehouses."""
    refs: OrderRefs | None = getattr(order, _REFS, None)
    wanted = {order.item_id, *(c.item_id for c in order.components)}
    places = (order.warehouse_id, order.output_warehouse_id or order.warehouse_id)
    if refs is not None and refs.warehouse_ids == places and wanted <= refs.items.keys():
        return refs
    items = {row.id: ItemRef(*row) for row in session.execute(
        select(Item.id, Item.sku, Item.unit_precision, Item.unit).where(Item.id.in_(wanted)))}
    codes = dict(session.execute(select(Warehouse.id, Warehouse.code).where(
        Warehouse.id.in_(places))).all())
    refs = OrderRefs(items, codes[places[0]], codes[places[1]], places)
    _remember_refs(order, refs)
    return refs


def _product(session: Session, order: ProductionOrder) -> Item:
    product = session.get(Item, order.item_id)
    assert product is not None
    return product


def availability(session: Session, order: ProductionOrder) -> list[dict[str, Any]]:
    """Per component: needed, reserved by the order, available to it, and the status
    ``green`` (covered), ``amber`` (covered only with stock not yet reserved) or ``red``."""
    items = _skus(session, {c.item_id for c in order.components} | {order.item_id})
    place = session.get(Warehouse, order.warehouse_id)
    assert place is not None
    rows = []
    levels = _available(session, [items[c.item_id].sku for c in order.components], place.code)
    for component in order.components:
        item = items[component.item_id]
        left = component.qty - component.consumed_qty
        if component.kind in ("byproduct", "node"):
            continue
        free = levels[item.sku] + component.reserved_qty
        status = ("green" if component.reserved_qty >= left
                  else "amber" if free >= left else "red")
        rows.append({"item": item.sku, "needed": text_of(left),
                     "reserved": text_of(component.reserved_qty), "available": text_of(free),
                     "short": text_of(max(left - free, ZERO)), "status": status})
    return rows


def release(session: Session, order: ProductionOrder) -> list[dict[str, Any]]:
    """Reserve what the warehouse holds of each component for the order (FIFO items and
    average items alike), in one reservation document; returns the shortages (item, qty
    short)."""
    refs = _refs(session, order)
    items, warehouse = refs.items, refs.warehouse
    free = _available(session, [items[c.item_id].sku for c in order.components], warehouse)
    lines, taken, shortages = [], [], []
    for component in order.components:
        if component.kind in ("byproduct", "node"):
            continue  # nodes are made by the order's own stage
        item = items[component.item_id]
        take = min(free.get(item.sku, ZERO), component.qty - component.reserved_qty)
        if take > 0:
            lines.append(stock.LineSpec(item.sku, warehouse, take, holder=order.holder))
            taken.append((component, take))
            free[item.sku] -= take
        short = component.qty - component.reserved_qty - max(take, ZERO)
        if short > 0:
            shortages.append({"item": item.sku, "qty": short})
    if lines:
        posted = stock.post(session, "reservation", lines, ref=f"{order.number}-R",
                            note=f"production order {order.number}")
        _write_components(session, [(component, {"reserved_qty": component.reserved_qty + take})
                                     for component, take in taken])
        _record(order, "reservation", posted, sum((t for _c, t in taken), ZERO))
    return shortages


def _available(session: Session, skus: list[str], warehouse: str) -> dict[str, Decimal]:
    """What each item has available (on hand less every holder's reservations)."""
    return {sku: level.available
            for sku, level in stock.balances_of(session, skus, warehouse).items()}


def complete(session: Session, order: ProductionOrder, qty: Any = None,
             on_date: Any = None) -> dict[str, Any]:
    """Produce ``qty`` (default: everything left): consume the components for it, write
    off the planned scrap, receive the output (and by-products) at actual cost. One
    transaction; a component short in a FIFO warehouse refuses it all."""
    refs = _refs(session, order)
    items, product = refs.items, refs.items[order.item_id]
    left = order.qty - order.qty_done
    amount = left if qty in (None, "") else _qty(_product(session, order), qty)
    if amount > left:
        raise ValidationError(f"qty: {text_of(amount)} is more than the {text_of(left)} "
                              f"{product.unit} left to produce on {order.number}", field="qty")
    finishing = amount == left
    done_after = order.qty_done + amount
    day = validation.day(on_date, field="date")
    _report_stocked_stages(session, order, on_date)
    stocked = set(order.stocked_stages or [])

    def at(qty: Decimal, item_id: int) -> Decimal:
        if finishing:
            return qty
        step = Decimal(1).scaleb(-(items[item_id].unit_precision or 0))
        return (qty * done_after / order.qty).quantize(step, ROUND_HALF_EVEN)

    nodes = {c.id: (at(c.qty, c.item_id), ZERO) for c in order.components
             if c.kind == "node"}
    targets = {c.id: (at(c.qty, c.item_id), at(c.scrap_qty, c.item_id))
               for c in order.components if c.kind == "component"}
    batch = len([p for p in order.postings if p.purpose == "output"]) + 1
    ref = f"{order.number}-{batch}"
    node_value = ZERO
    pending: list[ProductionPosting] = []  # booked once the receipt is posted too
    if nodes:  # the stocked nodes, issued from stock at the ledger's cost
        issue_lines, _scrap, consuming = _plan_lines(order, items, refs.warehouse, nodes)
        node_value = _consume(session, order, issue_lines, [], consuming, items, day,
                              f"{ref}-N", ("node_issue", "node_scrap"), pending)
    issue_lines, scrap_lines, consuming = _plan_lines(order, items, refs.warehouse, targets)
    parts_value = _consume(session, order, issue_lines, scrap_lines, consuming, items, day,
                           ref, ("issue", "scrap"), pending)
    pool = _stage_pool(order)
    stage_value = pool if finishing else (pool * amount / left).quantize(CENT_PART)
    final_ops = [op for op in order.operations if op.stage not in stocked]
    op_value = _share(order, "operations", sum(
        (op.hours * op.cost_per_hour for op in final_ops), ZERO), amount, finishing)
    op_overhead = _share(order, "op_overhead", sum(
        (op.hours * op.cost_per_hour * op.overhead_pct / 100 for op in final_ops), ZERO),
        amount, finishing)
    material_overhead = (parts_value * order.material_overhead_pct / 100).quantize(CENT_PART)
    batch_value = (node_value + parts_value + stage_value + op_value + op_overhead
                   + material_overhead)
    byproducts = []
    for component in order.components:
        if component.kind != "byproduct":
            continue
        share_value = (batch_value * component.cost_share / 100).quantize(CENT_PART)
        share_qty = component.qty if finishing else (component.qty * amount / order.qty)
        share_qty = share_qty - (component.consumed_qty if finishing else ZERO)
        if share_qty <= 0:
            continue
        byproducts.append((component, share_qty, share_value))
    byproduct_value = sum((v for _c, _q, v in byproducts), ZERO)
    output_value = batch_value - byproduct_value
    unit_cost = (output_value / amount).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)
    receipt = [stock.LineSpec(product.sku, refs.output_warehouse, amount, unit_cost)]
    for component, share_qty, share_value in byproducts:
        receipt.append(stock.LineSpec(items[component.item_id].sku, refs.output_warehouse,
                                      share_qty,
                                      (share_value / share_qty).quantize(
                                          Decimal("0.000001"), ROUND_HALF_EVEN)))
        component.consumed_qty += share_qty  # received, for by-products
    posted = stock.post(session, "receipt", receipt, date=day, ref=ref,
                        note=f"production order {order.number}")
    received = posted.moves[0].value
    order.postings.extend(pending)
    _record(order, "output", posted, amount, received)
    for purpose, value in (("operations", op_value), ("staged", stage_value),
                           ("op_overhead", op_overhead),
                           ("material_overhead", material_overhead),
                           ("byproducts", byproduct_value)):
        if value:
            order.postings.append(ProductionPosting(purpose=purpose, qty=amount, value=value,
                                                    stock_document_id=posted.id))
    order.qty_done = done_after
    order.actual_cost += received
    if finishing:
        _release_rest(session, order, refs.warehouse, items)
    reserve_for_sales_line(session, order)
    return {"qty": amount, "value": received, "unit_cost": unit_cost,
            "materials": node_value + parts_value + stage_value, "operations": op_value,
            "overhead": op_overhead + material_overhead}


#: Amounts shared out over partial completions are kept to 4 places, as the ledger's.
CENT_PART = Decimal("0.0001")
#: Postings that record an amount, not a stock document of their own (never reversed).
AMOUNT_PURPOSES = ("reservation", "operations", "staged", "op_overhead", "material_overhead",
                   "byproducts", "stage_operations", "stage_overhead")


def _share(order: ProductionOrder, purpose: str, total: Decimal, amount: Decimal,
           finishing: bool) -> Decimal:
    """This completion's part of ``total`` (``amount`` of the ordered quantity; the last
    completion takes what the earlier ones, booked under ``purpose``, left)."""
    if finishing:
        return total - sum((p.value for p in order.postings if p.purpose == purpose), ZERO)
    return (total * amount / order.qty).quantize(CENT_PART)


def _stage_pool(order: ProductionOrder) -> Decimal:
    """What the reported stages cost that is neither in stock (stocked nodes) nor passed
    to the output yet."""
    added = sum((p.value for p in order.postings
                 if p.purpose in (*STAGE_PURPOSES, "stage_operations", "stage_overhead")), ZERO)
    taken = sum((p.value for p in order.postings if p.purpose in ("node_receipt", "staged")),
                ZERO)
    return added - taken


STAGE_PURPOSES = ("stage_issue", "stage_scrap")


def reserve_for_sales_line(session: Session, order: ProductionOrder) -> Decimal:
    """An order made for a customer order's line (from its shortage): what was produced is
    reserved for that order at once (sales' service ``demand``, ``reserve_for_line``).
    Nothing happens without sales, or when the customer order is no longer open. Returns
    what the line gained."""
    if order.sales_line_id is None:
        return ZERO
    from ordercraft.sdk.errors import PluginError
    from ordercraft.sdk.plugins import plugin_service

    try:
        demand = plugin_service(session, "sales", "demand")
    except PluginError:
        return ZERO
    session.flush()
    # the completion was checked; a storekeeper may lack the order's rights
    try:
        with granted(session, "order.write", "stock.read", "stock.post"), \
                session.begin_nested():
            return Decimal(demand.reserve_for_line(session, order.sales_line_id))
    except (Conflict, NotFound):
        return ZERO  # the customer order was shipped, closed or cancelled meanwhile


def _consume(session: Session, order: ProductionOrder, issue_lines: list[stock.LineSpec],
             scrap_lines: list[stock.LineSpec], consuming: list[tuple[Any, Decimal]],
             items: Mapping[int, Item | ItemRef], day: Any, ref: str, purposes: tuple[str, str],
             pending: list[ProductionPosting] | None = None) -> Decimal:
    """Post the issue and the scrap write-off (one batch); book what each component
    consumed and its value; return the value consumed."""
    consumed_value = ZERO
    values: dict[str, Decimal] = {}
    batch = [(purpose, stock.DocumentSpec(kind, lines, day, ref,
                                          f"production order {order.number}"))
             for purpose, kind, lines in ((purposes[0], "issue", issue_lines),
                                          (purposes[1], "write_off", scrap_lines)) if lines]
    posted_documents = stock.post_many(session, [spec for _purpose, spec in batch]) \
        if batch else []
    for (purpose, _spec), posted in zip(batch, posted_documents, strict=True):
        value = -sum((move.value for move in posted.moves), ZERO)
        for move in posted.moves:
            values[move.item] = values.get(move.item, ZERO) - move.value
        consumed_value += value
        _record(order, purpose, posted, value=value, pending=pending)
    _write_components(session, [(component, {
        "consumed_qty": component.consumed_qty + take,
        "reserved_qty": max(component.reserved_qty - take, ZERO),
        "consumed_value": component.consumed_value + values.pop(items[component.item_id].sku,
                                                                ZERO)})
        for component, take in consuming])
    return consumed_value


def _write_components(session: Session,
                      changes: list[tuple[ProductionComponent, dict[str, Decimal]]]) -> None:
    """Write new values of an order's components in one executemany UPDATE of the table
    (neither the ORM's tracking of each row nor its bulk-update bookkeeping); the objects
    hold them as written."""
    rows = []
    for component, values in changes:
        for key, value in values.items():
            set_committed_value(component, key, value)
        rows.append({"_id": component.id, **values})
    if rows:
        table = cast(Table, ProductionComponent.__table__)
        with session.no_autoflush:  # the rows are written; pending changes wait their flush
            session.execute(update(table).where(table.c.id == bindparam("_id")), rows)


def _plan_lines(order: ProductionOrder, items: Mapping[int, Item | ItemRef], warehouse: str,
                targets: dict[int, tuple[Decimal, Decimal]]
                ) -> tuple[list[stock.LineSpec], list[stock.LineSpec], list[tuple[Any, Decimal]]]:
    """Issue and scrap lines that bring each component to its ``(qty, scrap)`` target."""
    issue_lines, scrap_lines, consuming = [], [], []
    for component in order.components:
        if component.kind == "byproduct" or component.id not in targets:
            continue
        target, scrap_target = targets[component.id]
        take = target - component.consumed_qty
        if take <= 0:
            continue
        scrap_done = (component.scrap_qty * component.consumed_qty / component.qty).quantize(
            Decimal(1).scaleb(-(items[component.item_id].unit_precision or 0)),
            ROUND_HALF_EVEN) if component.consumed_qty else ZERO
        scrap = min(max(scrap_target - scrap_done, ZERO), take)
        sku = items[component.item_id].sku
        holder = order.holder if component.reserved_qty > 0 else None
        if take - scrap > 0:
            issue_lines.append(stock.LineSpec(sku, warehouse, take - scrap, holder=holder))
        if scrap > 0:
            scrap_lines.append(stock.LineSpec(sku, warehouse, scrap, holder=holder))
        consuming.append((component, take))
    return issue_lines, scrap_lines, consuming


def stages(order: ProductionOrder) -> list[int]:
    """The order's stages before the final one (numbers 1, 2, ... of its components and
    operations; stage 0 is the final assembly, consumed on completion)."""
    return sorted({c.stage for c in order.components if c.stage}
                  | {op.stage for op in order.operations if op.stage})


def report_stage(session: Session, order: ProductionOrder, stage: Any,
                 on_date: Any = None) -> dict[str, Any]:
    """Report stage ``stage`` finished for the whole order: its components are consumed
    (issue and scrap write-off, one posting of the stage), with the overhead on their
    value. A stocked stage (the map's ``stocked_stages``) also receives its nodes into the
    order's warehouse at the stage's cost: its components, its operations and their
    overhead, shared by the nodes in proportion to the value of their own components.
    Stages go in order, once each."""
    number = validation.whole_number(stage, field="stage", minimum=1)
    known = stages(order)
    if number not in known:
        raise ValidationError(f"stage: {order.number} has no stage {number} (stages: "
                              f"{', '.join(map(str, known)) or 'none'})", field="stage")
    if number in known[:order.stages_done]:
        raise Conflict(f"stage: stage {number} of {order.number} is reported already",
                       field="stage")
    expected = known[order.stages_done]
    if number != expected:
        raise Conflict(f"stage: report stage {expected} of {order.number} before stage "
                       f"{number}", field="stage")
    refs = _refs(session, order)
    items = refs.items
    targets = {c.id: (c.qty, c.scrap_qty) for c in order.components
               if c.stage == number and c.kind == "component"}
    before = {c.id: c.consumed_value for c in order.components}
    issue_lines, scrap_lines, consuming = _plan_lines(order, items, refs.warehouse, targets)
    day = validation.day(on_date, field="date")
    ref = f"{order.number}-S{number}"
    value = _consume(session, order, issue_lines, scrap_lines, consuming, items, day, ref,
                     STAGE_PURPOSES)
    overhead = (value * order.material_overhead_pct / 100).quantize(CENT_PART)
    if number in (order.stocked_stages or []):
        ops = [op for op in order.operations if op.stage == number]
        labour = sum((op.hours * op.cost_per_hour for op in ops), ZERO)
        overhead += sum((op.hours * op.cost_per_hour * op.overhead_pct / 100 for op in ops),
                        ZERO)
        _amount(order, "stage_operations", labour, number)
        weights = {c.id: sum((p.consumed_value - before[p.id] for p in order.components
                              if p.node_item_id == c.item_id and p.stage == number), ZERO)
                   for c in order.components if c.kind == "node" and c.stage == number}
        _receive_nodes(session, order, weights, value + labour + overhead, items,
                       refs.warehouse, day, ref)
    _amount(order, "stage_overhead", overhead, number)
    order.stages_done += 1
    return {"stage": number, "value": value}


def _amount(order: ProductionOrder, purpose: str, value: Decimal, stage: int) -> None:
    """Record an amount of a stage that is not a stock document (operations, overhead):
    it points at the order's latest posting."""
    if value and order.postings:
        order.postings.append(ProductionPosting(
            purpose=purpose, value=value, stage=stage,
            stock_document_id=order.postings[-1].stock_document_id))


def _receive_nodes(session: Session, order: ProductionOrder, weights: dict[int, Decimal],
                   total: Decimal, items: Mapping[int, Item | ItemRef], warehouse: str, day: Any,
                   ref: str) -> None:
    """Receive a stocked stage's nodes at ``total``, shared by ``weights`` (by quantity
    when they are all zero), 4 places, the last node taking the rest."""
    nodes = [c for c in order.components if c.id in weights]
    if not nodes:
        return
    if not any(weights.values()):
        weights = {c.id: c.qty for c in nodes}
    whole = sum(weights.values(), ZERO)
    lines, left = [], total
    for position, node in enumerate(nodes, 1):
        share = left if position == len(nodes) else (
            total * weights[node.id] / whole).quantize(CENT_PART)
        left -= share
        lines.append(stock.LineSpec(items[node.item_id].sku, warehouse, node.qty,
                                    (share / node.qty).quantize(Decimal("0.000001"),
                                                                ROUND_HALF_EVEN)))
    posted = stock.post(session, "receipt", lines, date=day, ref=ref,
                        note=f"production order {order.number}: nodes")
    _record(order, "node_receipt", posted, sum((c.qty for c in nodes), ZERO),
            sum((move.value for move in posted.moves), ZERO))


def _report_stocked_stages(session: Session, order: ProductionOrder, on_date: Any) -> None:
    """Before a completion, report the stages not reported yet up to the last stocked one
    (their nodes must be in stock to be issued)."""
    stocked = set(order.stocked_stages or [])
    pending = stages(order)[order.stages_done:]
    while stocked & set(pending):
        report_stage(session, order, pending[0], on_date)
        pending = pending[1:]


def _release_rest(session: Session, order: ProductionOrder, warehouse: str,
                  items: Mapping[int, Item | ItemRef]) -> None:
    """Release what the order still holds (one release document)."""
    lines = [stock.LineSpec(items[c.item_id].sku, warehouse, holder=order.holder)
             for c in order.components if c.kind != "byproduct" and c.reserved_qty > 0]
    if lines:
        stock.post(session, "release", lines, note=f"production order {order.number}")
    _write_components(session, [(component, {"reserved_qty": ZERO})
                                 for component in order.components if component.reserved_qty])


def cancel(session: Session, order: ProductionOrder) -> None:
    """Reverse every posting of the order (newest first) and release its reservations."""
    for posting in reversed(order.postings):
        if posting.purpose in AMOUNT_PURPOSES or posting.reversal_document_id:
            continue
        reversal = stock.cancel(session, posting.stock_document_id)
        posting.reversal_document_id = reversal.id
    refs = _refs(session, order)
    _release_rest(session, order, refs.warehouse, refs.items)
    for component in order.components:
        component.consumed_qty = ZERO
        component.consumed_value = ZERO
    order.qty_done = ZERO
    order.actual_cost = ZERO


# --------------------------------------------------------------------------- reading


def list_orders(session: Session, *, state: Any = None, limit: Any = None,
                offset: Any = None) -> Page[ProductionOrder]:
    require_session_permission(session, "production.read")
    size, start = page_bounds(limit, offset)
    query = select(ProductionOrder)
    if state not in (None, ""):
        query = query.where(ProductionOrder.state == validation.choice(
            state, field="state", choices=STATES))
    from sqlalchemy import func

    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(ProductionOrder.id.desc()).limit(size)
                                .offset(start)))
    return Page(rows, int(total), size, start)


def open_orders(session: Session) -> list[Any]:
    from ordercraft.plugins.production.services import OpenOrder, Requirement

    orders = list(session.scalars(select(ProductionOrder).where(
        ProductionOrder.state.in_(OPEN_STATES)).order_by(ProductionOrder.id)))
    ids = {o.item_id for o in orders} | {c.item_id for o in orders for c in o.components}
    items = _skus(session, ids) if ids else {}
    return [OpenOrder(o.number, o.item_id, items[o.item_id].sku, o.qty, o.qty_done,
                      o.due_date, o.state, o.source,
                      [Requirement(c.item_id, items[c.item_id].sku, c.qty - c.consumed_qty,
                                   c.consumed_qty, c.reserved_qty)
                       for c in o.components if c.kind == "component"]) for o in orders]


def order_dict(session: Session, order: ProductionOrder) -> dict[str, Any]:
    items = _skus(session, {c.item_id for c in order.components} | {order.item_id})
    place = session.get(Warehouse, order.warehouse_id)
    output = session.get(Warehouse, order.output_warehouse_id or order.warehouse_id)
    product = items[order.item_id]
    return {
        "id": order.id, "number": order.number, "state": order.state, "item": product.sku,
        "item_name": product.name, "qty": text_of(order.qty), "qty_done": text_of(order.qty_done),
        "warehouse": place.code if place else None,
        "output_warehouse": output.code if output else None,
        "due_date": order.due_date.isoformat() if order.due_date else None,
        "source": order.source, "actual_cost": money_of(order.actual_cost),
        "material_overhead_pct": text_of(order.material_overhead_pct),
        "stocked_stages": list(order.stocked_stages or []),
        "cost": variance(session, order), "breakdown": breakdown(order),
        "components": [{"position": c.position, "item": items[c.item_id].sku, "kind": c.kind,
                        "qty": text_of(c.qty), "scrap_qty": text_of(c.scrap_qty),
                        "reserved": text_of(c.reserved_qty),
                        "consumed": text_of(c.consumed_qty),
                        "consumed_value": money_of(c.consumed_value), "stage": c.stage,
                        "node": items[c.node_item_id].sku if c.node_item_id else None}
                       for c in order.components],
        "operations": [{"position": op.position, "name": op.name, "stage": op.stage,
                        "hours": text_of(op.hours), "cost_per_hour": money_of(op.cost_per_hour),
                        "amount": money_of(op.hours * op.cost_per_hour),
                        "overhead_pct": text_of(op.overhead_pct),
                        "overhead": money_of(op.hours * op.cost_per_hour * op.overhead_pct
                                             / 100)}
                       for op in order.operations],
        "postings": [{"purpose": p.purpose, "stock_document": p.stock_document_id,
                      "qty": text_of(p.qty), "value": money_of(p.value),
                      "reversal_document": p.reversal_document_id} for p in order.postings],
    }


def breakdown(order: ProductionOrder) -> dict[str, str]:
    """What the output received so far is made of: ``materials`` (components issued and
    written off, stocked nodes issued), ``stages`` (reported stages passed straight on),
    ``operations``, ``overhead`` (on operations and materials), less ``byproducts``;
    ``total`` = their sum, ``received`` = the value of the output receipts: equal to the
    cent."""
    def of(*purposes: str) -> Decimal:
        return sum((p.value for p in order.postings if p.purpose in purposes
                    and not p.reversal_document_id), ZERO)

    parts = {"materials": of("issue", "scrap", "node_issue", "node_scrap"),
             "stages": of("staged"), "operations": of("operations"),
             "overhead": of("op_overhead", "material_overhead"),
             "byproducts": -of("byproducts")}
    total = sum(parts.values(), ZERO)
    return {**{key: money_of(value) for key, value in parts.items()},
            "total": money_of(total), "received": money_of(of("output"))}


def summary_dict(order: ProductionOrder, sku: str) -> dict[str, Any]:
    return {"id": order.id, "number": order.number, "state": order.state, "item": sku,
            "qty": text_of(order.qty), "qty_done": text_of(order.qty_done),
            "due_date": order.due_date.isoformat() if order.due_date else None,
            "source": order.source}


def check_open(order: ProductionOrder) -> None:
    if order.state in ("done", "cancelled"):
        raise Conflict(f"order: production order {order.number} is {order.state}",
                       field="order")


def centre_load(session: Session) -> tuple[list[dict[str, Any]], list[str]]:
    """Hours planned per work centre and day (the open orders' operations not done yet, on
    their due date, else today), with the centre's hours a day."""
    require_session_permission(session, "production.read")
    rows = session.execute(
        select(WorkCentre.code, WorkCentre.name, WorkCentre.hours_per_day,
               ProductionOrder.due_date, ProductionOperation.hours)
        .join(ProductionOperation, ProductionOperation.work_centre_id == WorkCentre.id)
        .join(ProductionOrder, ProductionOrder.id == ProductionOperation.order_id)
        .where(ProductionOrder.state.in_(OPEN_STATES)))
    today = date.today().isoformat()
    load: dict[str, dict[str, Any]] = {}
    days: set[str] = set()
    for code, name, per_day, due, hours in rows:
        day = due.isoformat() if due else today
        days.add(day)
        centre = load.setdefault(code, {"code": code, "name": name,
                                        "hours_per_day": per_day, "days": {}})
        centre["days"][day] = centre["days"].get(day, ZERO) + hours
    shown = []
    for code in sorted(load):
        centre = load[code]
        shown.append({**centre, "hours_per_day": text_of(centre["hours_per_day"]),
                      "days": {day: {"hours": text_of(hours),
                                     "over": hours > centre["hours_per_day"]}
                               for day, hours in centre["days"].items()}})
    return shown, sorted(days)


def orders_for_shortages(session: Session, sales_order: Any, shortages: list[Any]) -> list[str]:
    """Draft production orders for the ``produce`` shortages of a confirmed customer order
    whose items have a BOM (hook ``order_shortages`` of sales), due when the customer order
    is, components from and output into its warehouse. Returns their numbers."""
    from ordercraft.plugins.production.declarations import FROM_SHORTAGES_SETTING
    from ordercraft.sdk.settings import get_setting

    if not get_setting(session, FROM_SHORTAGES_SETTING):
        return []
    reader = StructureReader(session)
    numbers = []
    for shortage in shortages:
        if shortage.action != "produce" or reader.bom(shortage.item_id) is None:
            continue
        order = create_order(session, shortage.item, shortage.qty, due_date=shortage.due_date,
                             warehouse=shortage.warehouse,
                             source=f"order:{shortage.order_number}", automatic=True)
        order.sales_line_id, order.sales_order_number = shortage.line_id, shortage.order_number
        numbers.append(order.number)
    return numbers


def planned_cost(session: Session, order: ProductionOrder) -> Decimal:
    """The order's planned cost for its whole quantity: its components at their standard
    cost (by-products at their share), plus its operations, with their overheads."""
    from ordercraft.plugins.production.costing import Costs

    costs = Costs(session, "standard")
    materials = sum((c.qty * (costs.standard_cost(c.item_id) or ZERO)
                     for c in order.components if c.kind == "component"), ZERO)
    operations = sum((op.hours * op.cost_per_hour * (100 + op.overhead_pct) / 100
                      for op in order.operations), ZERO)
    materials = materials * (100 + order.material_overhead_pct) / 100
    shares = sum((c.cost_share for c in order.components if c.kind == "byproduct"), ZERO)
    return (materials + operations) * (100 - shares) / 100


def variance(session: Session, order: ProductionOrder) -> dict[str, str]:
    """Planned against actual for what the order has produced: ``planned`` (for the
    quantity done), ``actual``, ``variance`` = actual - planned (positive: it cost more)."""
    planned = planned_cost(session, order)
    done = (planned * order.qty_done / order.qty) if order.qty_done else ZERO
    return {"planned_total": money_of(planned), "planned": money_of(done),
            "actual": money_of(order.actual_cost), "variance": money_of(order.actual_cost - done)}


def item_variances(session: Session, item: Any = None) -> list[dict[str, Any]]:
    """Per product: the done orders' quantity, planned and actual cost and the variance."""
    require_session_permission(session, "production.read")
    query = select(ProductionOrder).where(ProductionOrder.state == "done")
    if item not in (None, ""):
        from ordercraft.plugins.production.boms import _item

        query = query.where(ProductionOrder.item_id == _item(session, item, "item").id)
    totals: dict[int, list[Decimal]] = {}
    for order in session.scalars(query.order_by(ProductionOrder.id)):
        figures = variance(session, order)
        row = totals.setdefault(order.item_id, [ZERO, ZERO, ZERO, ZERO])
        row[0] += order.qty_done
        row[1] += Decimal(figures["planned"])
        row[2] += order.actual_cost
        row[3] += 1
    skus = _skus(session, set(totals)) if totals else {}
    return [{"item": skus[item_id].sku, "orders": int(row[3]), "qty": text_of(row[0]),
             "planned": money_of(row[1]), "actual": money_of(row[2]),
             "variance": money_of(row[2] - row[1])}
            for item_id, row in sorted(totals.items(), key=lambda pair: skus[pair[0]].sku)]


def register_reports(registry: Any) -> None:
    """The report ``production_variance`` (analysis' hook ``register_reports``): per
    product, the done orders, the quantity made, the planned and actual cost and the
    variance, as :func:`item_variances`."""

    def rows(session: Session, filters: Any) -> list[dict[str, Any]]:
        return [{**row, "qty": Decimal(row["qty"]), "planned": Decimal(row["planned"]),
                 "actual": Decimal(row["actual"]), "variance": Decimal(row["variance"])}
                for row in item_variances(session)]

    registry.add("production_variance", N_("Production output and variance"), rows, columns=[
        ("item", N_("Product"), "text", False), ("orders", N_("Orders done"), "count", True),
        ("qty", N_("Quantity made"), "quantity", False),
        ("planned", N_("Planned cost"), "money", True),
        ("actual", N_("Actual cost"), "money", True), ("variance", N_("Variance"), "money", True)],
        permission="production.read",
        description=N_("What production made per product, and what it cost against the plan "
                       "(positive variance: it cost more)."))


def calculation_lines(session: Session, lines: list[Any], qty: Decimal
                      ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A calculator's breakdown lines for one unit as a one-off product's components and
    operations for ``qty`` units: a part of a stocked item is a component (its quantity x
    qty); work, and parts that are services, are operations (hours or units x qty at the
    line's unit price)."""
    skus = {line.sku for line in lines if line.sku}
    kinds = dict(session.execute(select(Item.sku, Item.kind).where(Item.sku.in_(skus))).all()) \
        if skus else {}
    components, operations = [], []
    for line in lines:
        if line.sku and kinds.get(line.sku) not in (None, "service") and line.kind != "work":
            components.append({"item": line.sku, "qty": line.qty * qty})
        else:
            operations.append({"name": line.name, "hours": line.qty * qty,
                               "cost_per_hour": line.unit_price})
    return components, operations
