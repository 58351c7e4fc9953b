"""The site's own sales as the engine's input, summed by the database.

Sales lines come from the sales plugin's service ``facts`` (``sales_lines()``, a
``Select`` of shipped lines; see CONTRACTS). This module wraps it, filters the date
range and groups by object (item or client) and, for the analyses over time, by period:
one ``GROUP BY`` whose result has one row per object (and period), so a million lines
cost the database's time, not Python's. The result is a
:class:`~ordercraft.plugins.analysis.files.LineFile`, the same shape a CSV file gives,
so the same rules run over both (:func:`~ordercraft.plugins.analysis.files.analyse_lines`).

Periods are labelled ``2026-11`` (month), ``2026-Q4`` (quarter) or by the Monday that
starts the week (``2026-11-30``). Every period of the range is in the series, those
without sales as zeros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, String, cast, func, select

from ordercraft.sdk.items import NO_GROUP

from .decimals import ZERO, exact_arithmetic
from .errors import AnalysisError
from .files import LineFile

MEASURES = ("revenue", "margin", "quantity", "orders")
#: What a grouped analysis classes within: the order's warehouse, or the item's group
#: (its attribute ``group``).
GROUPS = ("warehouse", "item-group")
OBJECTS = ("item", "client")
BUCKETS = ("week", "month", "quarter")


@dataclass(frozen=True)
class SalesQuery:
    """What to sum over which sales lines: ``measure`` of each ``by`` object between
    ``date_from`` and ``date_to`` (both included), per ``bucket`` for the analyses over
    time."""

    date_from: date
    date_to: date
    measure: str = "revenue"
    by: str = "item"
    bucket: str = "month"
    group: str | None = None

    def __post_init__(self) -> None:
        for name, value, choices in (("measure", self.measure, MEASURES),
                                     ("by", self.by, OBJECTS),
                                     ("bucket", self.bucket, BUCKETS)):
            if value not in choices:
                raise AnalysisError(f"option {name}: {value!r} is not one of "
                                    f"{', '.join(choices)}", field=name)
        if self.group is not None and self.group not in GROUPS:
            raise AnalysisError(f"option group: {self.group!r} is not one of "
                                f"{', '.join(GROUPS)}", field="group")
        if self.group == "item-group" and self.by != "item":
            raise AnalysisError("option group: item-group classes items, not clients "
                                "(give --by item or --group warehouse)", field="group")
        if self.date_from > self.date_to:
            raise AnalysisError(f"option from: {self.date_from.isoformat()} is after to = "
                                f"{self.date_to.isoformat()} (an empty period)", field="from")


def date_range(period: str | None = None, date_from: date | None = None,
               date_to: date | None = None, *, today: date | None = None) -> tuple[date, date]:
    """The dates a query covers: ``period`` (``2026``, ``2026-11`` or ``2026-Q4``), or
    ``date_from``/``date_to``; by default the 12 whole months before this month."""
    if period is not None:
        if date_from is not None or date_to is not None:
            raise AnalysisError("option period: give a period or from/to, not both",
                                field="period")
        return _period_dates(period.strip())
    today = today or date.today()
    end = date_to or today.replace(day=1) - timedelta(days=1)
    start = date_from or add_months(end.replace(day=1), -11)
    return start, end


def _period_dates(text: str) -> tuple[date, date]:
    found = re.fullmatch(r"(\d{4})(?:-(\d{2})|-Q([1-4]))?", text)
    if not found:
        raise AnalysisError(f"option period: {text!r} is not a year, a month or a quarter "
                            "(2026, 2026-11, 2026-Q4)", field="period")
    year = int(found[1])
    if found[2]:
        month = int(found[2])
        if not 1 <= month <= 12:
            raise AnalysisError(f"option period: {text!r} has no month {month}",
                                field="period")
        first_month, months = month, 1
    elif found[3]:
        first_month, months = 3 * int(found[3]) - 2, 3
    else:
        first_month, months = 1, 12
    start = date(year, first_month, 1)
    after = add_months(start, months)
    return start, after - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_labels(bucket: str, date_from: date, date_to: date) -> tuple[str, ...]:
    """Every period label from ``date_from`` to ``date_to``, in order."""
    labels: list[str] = []
    if bucket == "week":
        day = date_from - timedelta(days=date_from.weekday())
        while day <= date_to:
            labels.append(day.isoformat())
            day += timedelta(days=7)
        return tuple(labels)
    step = 3 if bucket == "quarter" else 1
    month = date_from.month - (date_from.month - 1) % step
    day = date(date_from.year, month, 1)
    while day <= date_to:
        labels.append(_label(bucket, day))
        day = add_months(day, step)
    return tuple(labels)


def _label(bucket: str, day: date) -> str:
    if bucket == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    return f"{day.year}-{day.month:02d}"


def period_sql(bucket: str, column: Any, dialect: str) -> Any:
    """The SQL expression of a date's period label (the same text as :func:`_label`)."""
    if dialect == "postgresql":
        if bucket == "week":
            return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
        return func.to_char(column, 'YYYY-"Q"Q' if bucket == "quarter" else "YYYY-MM")
    if bucket == "week":
        return func.date(column, "-6 days", "weekday 1")
    if bucket == "quarter":
        quarter = (cast(func.strftime("%m", column), Integer) + 2) // 3
        return func.strftime("%Y-Q", column).op("||")(cast(quarter, String))
    # SQLite keeps a date as ISO text: its first 7 characters are the month, which costs
    # less per line than parsing it with strftime.
    return func.substr(column, 1, 7)


def _measure_sql(measure: str, lines: Any, *, summed: bool) -> Any:
    if measure == "orders":
        return func.count(lines.c.order_id.distinct())
    if measure == "quantity":
        return func.sum(lines.c.qty)
    if measure == "margin":
        cost = lines.c.cost if summed else func.coalesce(lines.c.cost, 0)
        return func.sum(lines.c.net_amount - cost)
    return func.sum(lines.c.net_amount)


def uses_totals(query: SalesQuery, *, with_periods: bool) -> bool:
    """Whether sales' monthly totals answer ``query``: whole months, a measure that adds
    up (not ``orders``, which counts distinct orders) and no week series."""
    whole = (query.date_from.day == 1
             and (query.date_to + timedelta(days=1)).day == 1)
    return (whole and query.measure != "orders"
            and not (with_periods and query.bucket == "week"))


def _source(session: Any, query: SalesQuery, *, with_periods: bool) -> tuple[Any, Any, Any]:
    """The rows to sum (sales' monthly totals when they answer, else the shipped lines),
    their date column and their object column."""
    from ordercraft.sdk.plugins import plugin_service

    facts = plugin_service(session, "sales", "facts")
    if uses_totals(query, with_periods=with_periods):
        rows = facts.monthly_totals(session, query.by).subquery("totals")
        return rows, rows.c.month, rows.c.key_id
    lines = facts.sales_lines(session).subquery("lines")
    return lines, lines.c.date, _object_column(query.by, lines)


def _object_column(by: str, lines: Any) -> Any:
    return lines.c.client_id if by == "client" else lines.c.item_id


def object_labels(session: Any, by: str) -> dict[int, str]:
    """``{id: SKU}`` of the items or ``{id: name}`` of the parties: read apart from the
    sums, so the ``GROUP BY`` over the lines joins nothing more."""
    from ordercraft.sdk.models import Item, Party

    key, label = (Party.id, Party.name) if by == "client" else (Item.id, Item.sku)
    return {row[0]: row[1] for row in session.connection().execute(select(key, label))}


def tidy_number(value: Any) -> Decimal:
    """A summed column as its shortest exact text: the database's 6 decimals say nothing
    (``2.000000`` pieces is ``2``, ``4350.000000`` is ``4350``)."""
    number = value if isinstance(value, Decimal) else Decimal(value or 0)
    if number == number.to_integral_value():
        return number.quantize(ONE)
    return number.normalize()


def object_totals(session: Any, query: SalesQuery) -> dict[int, Decimal]:
    """``{object id: its measure over the range}`` for objects with sales."""
    rows, day, key = _source(session, query, with_periods=False)
    summed = uses_totals(query, with_periods=False)
    statement = (select(key, _measure_sql(query.measure, rows, summed=summed))
                 .where(day >= query.date_from, day <= query.date_to)
                 .group_by(key))
    return {row[0]: tidy_number(row[1]) for row in session.connection().execute(statement)}


def site_lines(session: Any, query: SalesQuery, *, with_periods: bool,
               by_id: bool = False) -> LineFile:
    """The site's sales as lines: totals per object, and per object and period when
    ``with_periods``. Objects are labelled by SKU (items) or name (clients), or by their
    id as text when ``by_id``. (A grouped query's groups are summed together here; see
    :func:`site_groups`.)"""
    groups = site_groups(session, replace(query, group=None), with_periods=with_periods,
                         by_id=by_id)
    return groups.get("", LineFile(
        period_labels(query.bucket, query.date_from, query.date_to) if with_periods else (),
        {}, {}))


def site_groups(session: Any, query: SalesQuery, *, with_periods: bool,
                by_id: bool = False) -> dict[str, LineFile]:
    """The site's sales as lines per group of ``query.group`` (``{"": lines}`` when not
    grouped), groups in the order of their labels. One ``GROUP BY`` in the database: by
    object (and warehouse when grouped by warehouse) and by period when
    ``with_periods``; an item's group (``item-group``) is looked up from the items."""
    rows, day, key = _source(session, query, with_periods=with_periods)
    summed = uses_totals(query, with_periods=with_periods)
    columns = [key]
    if query.group == "warehouse":
        columns.append(rows.c.warehouse_id)
    if with_periods:
        columns.append(period_sql(query.bucket, day, session.get_bind().dialect.name))
    statement = (select(*columns, _measure_sql(query.measure, rows, summed=summed))
                 .where(day >= query.date_from, day <= query.date_to)
                 .group_by(*columns))
    periods = (period_labels(query.bucket, query.date_from, query.date_to)
               if with_periods else ())
    names: dict[int, str] = {} if by_id else object_labels(session, query.by)
    group_of = group_labels(session, query.group)
    totals: dict[str, dict[str, Decimal]] = {}
    cells: dict[str, dict[str, dict[str, Decimal]]] = {}
    by_warehouse = query.group == "warehouse"
    with exact_arithmetic():
        for row in session.connection().execute(statement).all():
            object_id = row[0]
            name = names[object_id] if names else str(object_id)
            group = ("" if query.group is None
                     else group_of.get(row[1] if by_warehouse else object_id, NO_GROUP))
            amount = tidy_number(row[-1])
            found = totals.get(group)
            if found is None:
                found = totals[group] = {}
                cells[group] = {}
            found[name] = found.get(name, ZERO) + amount
            if with_periods:
                series = cells[group].get(name)
                if series is None:
                    series = cells[group][name] = {}
                series[row[-2]] = amount
    return {group: LineFile(periods, totals[group], cells.get(group, {}))
            for group in sorted(totals)}


ONE = Decimal(1)


def group_labels(session: Any, group: str | None) -> dict[int, str]:
    """``{warehouse id: code}`` or ``{item id: its catalogue group}``."""
    from ordercraft.sdk import items
    from ordercraft.sdk.models import Warehouse

    if group == "warehouse":
        return dict(session.connection().execute(select(Warehouse.id, Warehouse.code)).all())
    if group == "item-group":
        return items.item_group_names(session)
    return {}
