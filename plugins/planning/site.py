"""A site's MRP run: the site's open demand and supply turned into a scenario of the
engine (:mod:`.engine`), planned, and stored.

* **Periods.** Periods follow the site's working calendar (``ordercraft.sdk.calendar``:
  working weekdays and holidays). A day bucket is one *working* day: period 1 is the
  run's date or the first working day after it, period p the p-th working day; a date
  falls in the period of the last working day on or before it (goods due on a Saturday
  must be there on Friday). A week bucket is 7 days from the run's date: a date falls in
  period ``1 + days since the start // 7``. A date before the start falls in period 1
  (past due); a demand after the horizon is left out and reported (exception
  ``beyond_horizon``). A planned order's dates are the first (working) days of its
  periods.
* **Demand.** Lines of confirmed customer orders still to ship (sales' service
  ``demand``), less what they hold reserved, at their order's due date (none: period 1),
  ``ref`` the order number; components open production orders still need, less what they
  hold reserved (production's service ``structure``), in period 1, ``ref`` the
  production order's number.
* **Forecast.** Forecast lines (``mrp forecast``) due on or after the start, ``ref``
  ``forecast N``.
* **Stock.** On hand less reserved, netted over the planning site's warehouses (setting
  ``planning_warehouses``; empty: every warehouse); a deficit is a demand in period 1
  (``ref`` ``stock``). Stock elsewhere (a quarantine store, a customer's consignment, a
  second site planned on its own) does not cover the site's demand.
* **Scheduled receipts.** Open purchase order lines (purchasing's service ``supply``)
  received into the site's warehouses, at their expected dates; open production orders (what is not done yet) at their due dates.
* **Structure.** Made items' BOMs from production's ``structure`` (quantities per unit
  with scrap already in them; phantom components exploded through). Without production,
  every item is bought.
* **Parameters.** Per item (``mrp params``): lead time in working days (default: the best
  offer's for a bought item, 0 for a made one), so an order is released that many
  working days before its need: with day buckets the lead time is that many periods;
  with week buckets it is whole weeks of the calendar's working weekdays, rounding up (5
  working days a week: 7 working days are 2 weeks). Safety stock; lot sizing; grouping
  window in working days, turned into periods the same way. A bought item without a
  valid offer plans with no supplier (exception ``no_supplier``).
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ordercraft.plugins.planning.models import (
    ForecastLine,
    ItemPlanning,
    MrpRecord,
    MrpRun,
    PlannedOrder,
)
from ordercraft.sdk import stock, validation
from ordercraft.sdk.calendar import WorkingCalendar, working_calendar
from ordercraft.sdk.errors import PluginError, ValidationError
from ordercraft.sdk.models import Item
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import plugin_service

ZERO = Decimal(0)
WAREHOUSES_SETTING = "planning_warehouses"
BUCKET_DAYS = {"day": 1, "week": 7}
MAX_PERIODS = 1000


@dataclass(frozen=True)
class Calendar:
    """A run's periods over the site's working calendar (see the module's docstring)."""

    start: date
    bucket: str
    periods: int
    work: WorkingCalendar
    #: Day buckets: the working day of each period, and one more (the first day beyond).
    working_days: tuple[date, ...] = ()

    @classmethod
    def build(cls, on: date, bucket: str, horizon: Any, work: WorkingCalendar) -> Calendar:
        """The calendar of a run from ``on``, ``horizon`` (``12w``, ``90d``: that span of
        the calendar; a number: periods) in ``bucket`` periods."""
        if bucket == "week":
            return cls(on, bucket, parse_horizon(horizon, lambda days: -(-days // 7)), work)
        start = work.next_working_day(on)
        periods = parse_horizon(horizon, lambda days: max(1, work.working_days_between(
            start, on + timedelta(days=days))))
        days = [start]
        while len(days) <= periods:
            days.append(work.next_working_day(days[-1] + timedelta(days=1)))
        return cls(start, bucket, periods, work, tuple(days))

    def period_of(self, day: date | None) -> int:
        if day is None or day <= self.start:
            return 1
        if self.bucket == "week":
            return 1 + (day - self.start).days // 7
        if day >= self.working_days[-1]:
            return self.periods + 1  # beyond the horizon
        return bisect_right(self.working_days, day)

    def date_of(self, period: int) -> date:
        if self.bucket == "week":
            return self.start + timedelta(days=(period - 1) * 7)
        return self.working_days[period - 1]

    def periods_of(self, working_days: int) -> int:
        """A lead time (a grouping window) in working days, as whole periods."""
        if self.bucket == "week":
            return -(-working_days // len(self.work.weekdays))
        return working_days


def parse_horizon(value: Any, periods_of_days: Callable[[int], int]) -> int:
    """``12w``, ``90d`` or a number of periods -> periods (``periods_of_days`` turns a
    span of calendar days into periods)."""
    raw = validation.text(value or "12w", field="horizon", max_length=10).lower()
    number, unit = (raw[:-1], raw[-1]) if raw[-1:] in ("d", "w") else (raw, "")
    if not number.isdigit() or int(number) < 1:
        raise validation.invalid("horizon", f"{value!r} is not a horizon such as 12w or 90d")
    if unit == "":
        periods = int(number)
    elif int(number) > MAX_PERIODS * 7:
        periods = MAX_PERIODS + 1
    else:
        periods = periods_of_days(int(number) * (7 if unit == "w" else 1))
    if periods > MAX_PERIODS:
        raise validation.invalid("horizon", f"{value!r} is more than {MAX_PERIODS} periods")
    return periods


def _service(session: Session, plugin: str, name: str) -> Any:
    try:
        return plugin_service(session, plugin, name)
    except PluginError:
        return None


@dataclass
class SiteScenario:
    """The scenario (engine format) and what the run needs to store its orders."""

    data: dict[str, Any]
    calendar: Calendar
    kinds: dict[str, str] = field(default_factory=dict)
    suppliers: dict[str, str | None] = field(default_factory=dict)
    supplier_ids: dict[str, int | None] = field(default_factory=dict)
    item_ids: dict[str, int] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)


def site_warehouses(session: Session) -> list[str]:
    """The planning site's warehouse codes (setting ``planning_warehouses``); empty: all."""
    from ordercraft.sdk.models import Warehouse
    from ordercraft.sdk.settings import get_setting

    codes = [code.strip() for code in str(get_setting(session, WAREHOUSES_SETTING) or "")
             .split(",") if code.strip()]
    known = set(session.scalars(select(Warehouse.code).where(Warehouse.code.in_(codes))))
    for code in codes:
        if code not in known:
            raise validation.invalid(WAREHOUSES_SETTING,
                                     f"{code!r} is not a warehouse of the site")
    return codes


def _available(session: Session, warehouses: list[str]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    offset = 0
    while True:
        page = stock.balances(session, limit=1000, offset=offset)
        for balance in page.items:
            if not warehouses or balance.warehouse in warehouses:
                totals[balance.item] += balance.available
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return dict(totals)


def build_scenario(session: Session, calendar: Calendar) -> SiteScenario:
    """Read the site into a scenario (see the module's docstring)."""
    demand_service = _service(session, "sales", "demand")
    structure = _service(session, "production", "structure")
    supply = plugin_service(session, "purchasing", "supply")
    scenario = SiteScenario({}, calendar)
    warehouses = site_warehouses(session)
    demand: list[dict[str, Any]] = []
    receipts: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    item_ids: dict[str, int] = {}

    def place(sku: str, period: int, qty: Decimal, ref: str) -> None:
        if period > calendar.periods:
            scenario.notes.append({"type": "beyond_horizon", "item": sku, "ref": ref,
                                   "qty": format(qty, "f"),
                                   "message": f"{ref}: {sku} is due after the horizon"})
            return
        demand.append({"item": sku, "period": period, "qty": qty, "ref": ref})

    if demand_service is not None:
        for line in demand_service.open_order_lines(session):
            item_ids[line.item] = line.item_id
            need = line.qty_open - line.reserved
            if need > 0:
                place(line.item, calendar.period_of(line.due_date), need, line.order_number)
    for forecast_id, sku, item_id, due, qty in session.execute(
            select(ForecastLine.id, Item.sku, Item.id, ForecastLine.due_date, ForecastLine.qty)
            .join(Item, Item.id == ForecastLine.item_id)
            .where(ForecastLine.due_date >= calendar.start)):
        item_ids[sku] = item_id
        place(sku, calendar.period_of(due), qty, f"forecast {forecast_id}")
    if structure is not None:
        for order in structure.open_orders(session):
            item_ids[order.item] = order.item_id
            rest = order.qty - order.qty_done
            period = calendar.period_of(order.due_date)
            if rest > 0 and period <= calendar.periods:
                receipts[order.item][period] += rest
            for requirement in order.components:
                item_ids[requirement.item] = requirement.item_id
                # Still to consume, less what the order holds reserved (already
                # out of the available stock).
                still = requirement.qty - getattr(requirement, "reserved", ZERO)
                if still > 0:
                    place(requirement.item, 1, still, order.number)
    for line in supply.open_purchase_lines(session):
        if warehouses and line.warehouse not in warehouses:
            continue
        item_ids[line.item] = line.item_id
        period = calendar.period_of(line.expected_date)
        if period <= calendar.periods:
            receipts[line.item][period] += line.qty_open

    # The structure below every item with demand or supply.
    bom: list[dict[str, Any]] = []
    phantoms: set[str] = set()
    made: set[str] = set()
    if structure is not None:
        todo = list(item_ids.items())
        seen: set[int] = set()
        while todo:
            sku, item_id = todo.pop()
            if item_id in seen:
                continue
            seen.add(item_id)
            lines = structure.bom_lines(session, item_id, calendar.start)
            if lines:
                made.add(sku)
            for line in lines:
                if line.kind != "component":
                    continue
                item_ids[line.component] = line.component_id
                if line.phantom:
                    phantoms.add(line.component)
                bom.append({"parent": sku, "component": line.component, "qty_per": line.qty})
                todo.append((line.component, line.component_id))

    available = _available(session, warehouses)
    params = {row.item_id: row for row in session.scalars(
        select(ItemPlanning).where(ItemPlanning.item_id.in_(list(item_ids.values()))))}
    bought = {}
    for sku, item_id in item_ids.items():
        row = params.get(item_id)
        kind = (row.make_or_buy if row is not None and row.make_or_buy
                else "make" if sku in made or sku in phantoms else "buy")
        if kind == "buy":
            bought[item_id] = Decimal(1)
    offers = supply.best_offers(session, bought, calendar.start) if bought else {}

    items = []
    for sku, item_id in sorted(item_ids.items()):
        row = params.get(item_id)
        kind = "buy" if item_id in bought else "make"
        offer = offers.get(item_id)
        lead_days = (row.lead_time_days if row is not None and row.lead_time_days is not None
                     else offer.lead_time_days if offer is not None else 0)
        on_hand = available.get(sku, ZERO)
        if on_hand < 0:
            demand.append({"item": sku, "period": 1, "qty": -on_hand, "ref": "stock"})
            on_hand = ZERO
        entry: dict[str, Any] = {"id": sku, "on_hand": on_hand, "make_or_buy": kind,
                                 "scheduled_receipts": dict(receipts.get(sku, {}))}
        if sku in phantoms and kind == "make":
            entry["phantom"] = True
        else:
            entry["lead_time"] = calendar.periods_of(lead_days)
            if row is not None:
                entry["safety_stock"] = row.safety_stock
                entry["lot_sizing"] = lot_sizing(row)
                if row.grouping_days:
                    entry["grouping_window"] = calendar.periods_of(row.grouping_days)
        if kind == "buy":
            entry["supplier"] = offer.supplier if offer is not None else None
            scenario.supplier_ids[sku] = offer.supplier_id if offer is not None else None
        scenario.suppliers[sku] = offer.supplier if offer is not None else None
        scenario.kinds[sku] = kind
        items.append(entry)
    scenario.item_ids = item_ids
    scenario.data = {"first_period": 1, "last_period": calendar.periods,
                     "past_due_policy": "clip_to_first_period",
                     "safety_stock_mode": "every_period", "items": items, "bom": bom,
                     "independent_demand": demand}
    return scenario


#: The columns of a stored planned order, in the order :func:`_store_orders` writes them.
ORDER_COLUMNS = ("run_id", "item", "kind", "qty", "due_period", "release_period", "due_date",
                 "release_date", "late", "supplier", "pegging", "firmed_as", "note")
_PLACEHOLDERS = {"qmark": "?", "numeric": "?", "format": "%s", "pyformat": "%s"}


def _store_orders(session: Session, run_id: int, calendar: Calendar, site: SiteScenario,
                  orders: Any, pegging: Any) -> None:
    """Insert a run's planned orders (a hundred thousand at once) as plain tuples through
    the driver's ``executemany``, in batches: each column's value converted once per
    distinct value (dates per period, quantities as they repeat) with the column type's
    own bind processor, instead of per row and column by SQLAlchemy's parameter
    processing (which took a third of the storing time)."""
    connection = session.connection()
    dialect, table = connection.dialect, PlannedOrder.__table__

    def processor(name: str) -> Any:
        found = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        return found or (lambda value: value)

    as_date, as_qty, as_flag = processor("due_date"), processor("qty"), processor("late")
    days = {period: as_date(calendar.date_of(period))
            for period in range(1, calendar.periods + 1)}
    flags = {False: as_flag(False), True: as_flag(True)}
    quantities: dict[Decimal, Any] = {}

    def qty(value: Decimal) -> Any:
        found = quantities.get(value)
        if found is None:
            found = quantities[value] = as_qty(value)
        return found

    placeholder = _PLACEHOLDERS[dialect.paramstyle]
    sql = (f"INSERT INTO {table.name} ({', '.join(ORDER_COLUMNS)}) "
           f"VALUES ({', '.join([placeholder] * len(ORDER_COLUMNS))})")
    kinds, suppliers = site.kinds, site.suppliers
    rows = [(run_id, order.item, kinds.get(order.item, "buy"), qty(order.qty),
             order.due_period, order.release_period, days[order.due_period],
             days[order.release_period], flags[order.late], suppliers.get(order.item),
             pegged, None, "")
            for order, pegged in zip(orders, pegging)]
    for start in range(0, len(rows), 5000):
        connection.exec_driver_sql(sql, rows[start:start + 5000])


def lot_sizing(row: ItemPlanning) -> dict[str, Any]:
    if row.lot_rule == "fixed_order_quantity":
        return {"rule": "fixed_order_quantity", "quantity": row.lot_qty}
    if row.lot_rule == "modifiers":
        rule: dict[str, Any] = {"rule": "modifiers"}
        for key, value in (("min", row.lot_min), ("max", row.lot_max),
                           ("multiple", row.lot_multiple)):
            if value is not None:
                rule[key] = value
        return rule
    return {"rule": "lot_for_lot"}


def run_mrp(session: Session, *, horizon: Any = None, bucket: Any = None, on: Any = None
            ) -> MrpRun:
    """``mrp run``: plan the site and store the run (records, planned orders)."""
    from ordercraft.plugins.planning.engine import run
    from ordercraft.plugins.planning.output import CompactPegging, records_to_dict
    from ordercraft.plugins.planning.scenario import ScenarioError, read_scenario

    require_session_permission(session, "planning.run")
    started = time.perf_counter()
    chosen = validation.choice(bucket or "week", field="bucket", choices=tuple(BUCKET_DAYS))
    calendar = Calendar.build(validation.day(on, field="date") or date.today(), chosen,
                              horizon, working_calendar(session))
    site = build_scenario(session, calendar)
    try:
        plan = run(read_scenario(site.data))
    except ScenarioError as error:
        raise ValidationError(error.message, code=error.code, field=error.field) from None
    mrp_run = MrpRun(user_name=getattr(session.info.get("user"), "name", "") or "",
                     start_date=calendar.start, bucket=chosen, periods=calendar.periods,
                     parameters={"horizon": str(horizon or "12w"), "bucket": chosen,
                                 "date": calendar.start.isoformat(),
                                 "calendar": calendar.work.as_dict(),
                                 "warehouses": site_warehouses(session)},
                     low_level_codes=dict(plan.low_level_codes),
                     exceptions=[*plan.exceptions, *site.notes],
                     order_count=len(plan.planned_orders))
    session.add(mrp_run)
    session.flush()
    records = [{"run_id": mrp_run.id, "item": item, "record": record}
               for item, record in records_to_dict(plan).items()]
    if records:  # an empty list would run one INSERT ... DEFAULT VALUES (NULL run_id)
        session.execute(insert(MrpRecord), records)
    pegging = CompactPegging()
    _store_orders(session, mrp_run.id, calendar, site, plan.planned_orders,
                  pegging.texts(plan.planned_orders))
    mrp_run.pegging_keys = pegging.keys
    mrp_run.seconds = f"{time.perf_counter() - started:.3f}"
    session.flush()
    return mrp_run
