"""Work centres and technology maps (routings): the operations that make a product, in
order, each at a work centre with its hourly cost, setup, cleanup, time per cycle, units
per cycle and efficiency; a stage number groups operations of a multi-stage product."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.production.models import Operation, Routing, WorkCentre
from ordercraft.plugins.production.structure import money_of, text_of
from ordercraft.sdk import validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.permissions import require_session_permission


def _amount(value: Any, field: str, *, default: str = "0", positive: bool = False) -> Any:
    number = validation.decimal(default if value in (None, "") else value, field=field,
                                places=6)
    if number is None or number < 0 or (positive and number == 0):
        raise ValidationError(f"{field}: {value!r} must be "
                              f"{'more than zero' if positive else 'zero or more'}",
                              field=field)
    return number


def add_work_centre(session: Session, code: Any, *, name: Any = None, cost_per_hour: Any = 0,
                    hours_per_day: Any = 8, overhead_pct: Any = 0) -> WorkCentre:
    """A work centre: ``cost_per_hour`` (labour and machine), ``overhead_pct`` (overhead,
    percent of that cost), ``hours_per_day`` it can work."""
    require_session_permission(session, "bom.write")
    key = validation.code(code, field="code", max_length=32)
    if session.scalar(select(WorkCentre.id).where(WorkCentre.code == key)) is not None:
        raise Conflict(f"code: work centre {key!r} exists", field="code")
    centre = WorkCentre(code=key, name=validation.text(name, field="name", max_length=200) or key,
                        cost_per_hour=_amount(cost_per_hour, "cost_per_hour"),
                        hours_per_day=_amount(hours_per_day, "hours_per_day", positive=True),
                        overhead_pct=_amount(overhead_pct, "overhead_pct"))
    session.add(centre)
    session.flush()
    return centre


def add_routing(session: Session, code: Any, operations: Sequence[dict[str, Any]], *,
                item: Any = None, name: Any = None,
                stocked_stages: Sequence[Any] = ()) -> Routing:
    """A technology map: ``operations`` as ``{"name", "work_centre", "setup_min",
    "cleanup_min", "cycle_min", "units_per_cycle", "efficiency_pct", "stage"}`` in order
    (setup/cleanup include the product's extra minutes). ``stocked_stages``: the stages
    whose nodes are received into stock when reported and issued to the final assembly
    (the others pass them straight on)."""
    require_session_permission(session, "bom.write")
    from ordercraft.plugins.production.boms import _item

    key = validation.code(code, field="code", max_length=40)
    if session.scalar(select(Routing.id).where(Routing.code == key)) is not None:
        raise Conflict(f"code: technology map {key!r} exists", field="code")
    if not operations:
        raise ValidationError("operations: a technology map needs operations",
                              field="operations")
    routing = Routing(code=key, name=validation.text(name, field="name", max_length=200) or "",
                      item_id=_item(session, item, "item").id if item else None)
    for position, raw in enumerate(operations, 1):
        field = f"operations[{position}]"
        centre = session.scalar(select(WorkCentre).where(
            WorkCentre.code == str(raw.get("work_centre", ""))))
        if centre is None:
            raise NotFound(f"{field}.work_centre: {raw.get('work_centre')!r} does not exist",
                           field=f"{field}.work_centre")
        efficiency = _amount(raw.get("efficiency_pct"), f"{field}.efficiency_pct",
                             default="100", positive=True)
        routing.operations.append(Operation(
            position=position, work_centre=centre,
            name=validation.text(raw.get("name"), field=f"{field}.name", max_length=200)
            or centre.name,
            setup_min=_amount(raw.get("setup_min"), f"{field}.setup_min"),
            cleanup_min=_amount(raw.get("cleanup_min"), f"{field}.cleanup_min"),
            cycle_min=_amount(raw.get("cycle_min"), f"{field}.cycle_min"),
            units_per_cycle=_amount(raw.get("units_per_cycle"), f"{field}.units_per_cycle",
                                    default="1", positive=True),
            efficiency_pct=efficiency,
            stage=validation.whole_number(raw.get("stage") or 0, field=f"{field}.stage",
                                          minimum=0)))
    stages = {op.stage for op in routing.operations}
    stocked = sorted({validation.whole_number(value, field="stocked_stages", minimum=1)
                      for value in stocked_stages})
    for stage in stocked:
        if stage not in stages:
            raise ValidationError(f"stocked_stages: the map has no operation in stage {stage}",
                                  field="stocked_stages")
    routing.stocked_stages = stocked
    session.add(routing)
    session.flush()
    return routing


def work_centre_dict(centre: WorkCentre) -> dict[str, Any]:
    return {"code": centre.code, "name": centre.name,
            "cost_per_hour": money_of(centre.cost_per_hour),
            "overhead_pct": text_of(centre.overhead_pct),
            "hours_per_day": text_of(centre.hours_per_day)}


def list_work_centres(session: Session) -> list[WorkCentre]:
    require_session_permission(session, "bom.read")
    return list(session.scalars(select(WorkCentre).order_by(WorkCentre.code)))


def list_routings(session: Session) -> list[Routing]:
    require_session_permission(session, "bom.read")
    return list(session.scalars(select(Routing).order_by(Routing.code)))


def get_routing(session: Session, code: Any) -> Routing:
    require_session_permission(session, "bom.read")
    routing = session.scalar(select(Routing).where(Routing.code == str(code)))
    if routing is None:
        raise NotFound(f"routing: technology map {code!r} does not exist", field="routing")
    return routing


def routing_dict(session: Session, routing: Routing) -> dict[str, Any]:
    from ordercraft.sdk.models import Item

    item = session.get(Item, routing.item_id) if routing.item_id else None
    return {"code": routing.code, "name": routing.name, "item": item.sku if item else None,
            "stocked_stages": list(routing.stocked_stages or []),
            "operations": [{"position": op.position, "name": op.name,
                            "work_centre": op.work_centre.code,
                            "cost_per_hour": money_of(op.work_centre.cost_per_hour),
                            "overhead_pct": text_of(op.work_centre.overhead_pct),
                            "setup_min": text_of(op.setup_min),
                            "cleanup_min": text_of(op.cleanup_min),
                            "cycle_min": text_of(op.cycle_min),
                            "units_per_cycle": text_of(op.units_per_cycle),
                            "efficiency_pct": text_of(op.efficiency_pct), "stage": op.stage}
                           for op in routing.operations]}
