"""Management reports: tables with filters and totals, exported as CSV or XLSX.

Each plugin owns its reports and contributes them through analysis' hook
``register_reports`` (:mod:`.hookspecs`), so a report disappears with the plugin that
holds its data: sales' sales by period / client / item / manager / group, gross margin,
order backlog, shortages and receivables aging; analysis' own stock value at a date and
slow-moving stock (from the ledger, ``sdk.stock``). The same run serves the page
(``/reports/NAME``), the command (``ordercraft analysis report NAME``) and the
API (``GET /api/v1/analysis/reports/NAME``)::

    registry.add("backlog", "Order backlog", run, columns=[
        ("order", "Order", "text", False), ("amount", "Still to ship", "money", True)],
        filters=("client",), permission="order.read")

Filters come from one vocabulary (:data:`FILTERS`: ``from``, ``to``, ``on``, ``by``,
``client``, ``warehouse``, ``days``), each report naming those it takes; a filter a
report does not take, or a bad value, is a ``ValidationError`` naming it. ``run(session,
filters)`` returns the rows as dicts keyed by column name (``Decimal`` numbers); the
totals are the sums of the columns marked ``total``. In the JSON document numbers are
exact decimal strings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ordercraft.sdk.errors import NotFound, PluginError, ValidationError
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import Registry, once_per_plugin_set, site_platform

#: Column kinds: how a value is shown and whether it is summed.
KINDS = ("text", "date", "money", "quantity", "count", "percent")
NUMBERS = ("money", "quantity", "count", "percent")
#: The filters reports take: name -> (label, help).
FILTERS: dict[str, tuple[str, str]] = {
    "from": ("From", "First day (YYYY-MM-DD)."),
    "to": ("To", "Last day (YYYY-MM-DD)."),
    "on": ("On", "The day the report is as of (YYYY-MM-DD; default today)."),
    "by": ("By", "What the rows are (the report lists its choices)."),
    "client": ("Client", "Only this client (name or id)."),
    "warehouse": ("Warehouse", "Only this warehouse (code)."),
    "days": ("Days", "A number of days (the report says of what)."),
}
EXPORTS = ("json", "csv", "xlsx")

Run = Callable[[Any, Mapping[str, Any]], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class Column:
    """A column of a report: ``kind`` one of :data:`KINDS`; ``total``: summed into the
    report's totals. A plugin that does not import analysis gives it as a tuple
    ``(name, label, kind, total)``."""

    name: str
    label: str
    kind: str = "text"
    total: bool = False


@dataclass(frozen=True)
class Report:
    """A report a plugin registered (see :class:`ReportRegistry`)."""

    name: str
    title: str
    run: Run
    columns: tuple[Column, ...]
    filters: tuple[str, ...] = ()
    #: ``by``'s choices, the first the default.
    choices: tuple[str, ...] = ()
    permission: str = "analysis.read"
    description: str = ""
    #: Default filter values (``{"days": 90}``).
    defaults: Mapping[str, Any] = field(default_factory=dict)


class ReportRegistry(Registry[Report]):
    """The site's reports, filled by the hook ``register_reports``."""

    kind = "report"

    def add(self, name: str, title: str = "",  # type: ignore[override]
            run: Run | None = None, *,
            columns: Sequence[Column | tuple[str, str, str, bool]] = (),
            filters: Sequence[str] = (), choices: Sequence[str] = (),
            permission: str = "analysis.read", description: str = "",
            defaults: Mapping[str, Any] | None = None) -> Report:
        """Register the report ``name`` (see the module's docstring)."""
        where = f"plugin {self.current_plugin!r} registers report {name!r}"
        columns = [column if isinstance(column, Column) else Column(*column)
                   for column in columns]
        if not callable(run):
            raise PluginError(f"{where} without a run function")
        if not title.strip() or not columns:
            raise PluginError(f"{where} without a title or columns")
        bad = [column.kind for column in columns if column.kind not in KINDS]
        unknown = [name for name in filters if name not in FILTERS]
        if bad or unknown:
            raise PluginError(f"{where} with column kinds {bad!r} / filters {unknown!r} "
                              f"(kinds: {', '.join(KINDS)}; filters: {', '.join(FILTERS)})")
        if ("by" in filters) != bool(choices):
            raise PluginError(f"{where}: the filter 'by' and its choices go together")
        report = Report(name, title.strip(), run, tuple(columns), tuple(filters),
                        tuple(choices), permission, description, dict(defaults or {}))
        super().add(name, report)
        return report


def site_reports(session: Any) -> ReportRegistry:
    """The site's reports, built once per plugin set (rebuilt when plugins change)."""
    return _reports(site_platform(session).hooks)


@once_per_plugin_set
def _reports(hooks: Any) -> ReportRegistry:
    from ordercraft.plugins.analysis.hooks import AnalysisHooks
    from ordercraft.plugins.analysis.stock_reports import add_stock_reports

    registry = ReportRegistry()
    registry.current_plugin = "analysis"
    add_stock_reports(registry)
    AnalysisHooks.of(hooks).register_reports(registry)
    return registry


def visible_reports(session: Any, user: Any) -> list[Report]:
    """The reports ``user`` may run, by title."""
    from ordercraft.sdk.permissions import has_permission

    return sorted((report for _name, report in site_reports(session).items()
                   if has_permission(user, report.permission)), key=lambda r: r.title)


def find_report(session: Any, name: str) -> Report:
    report = site_reports(session).get(name)
    if report is None:
        raise NotFound(f"report: {name!r} is not a report of this site (ordercraft analysis "
                       "reports lists them)", field="report")
    return report


def _filter_value(report: Report, name: str, value: Any) -> Any:
    from ordercraft.sdk import validation

    if name in ("from", "to", "on"):
        return validation.day(value, field=name)
    if name == "by":
        return validation.choice(value, field="by", choices=report.choices)
    if name == "days":
        return validation.whole_number(value, field="days", minimum=1, maximum=100_000)
    return validation.text(value, field=name, max_length=200)


def checked_filters(report: Report, given: Mapping[str, Any]) -> dict[str, Any]:
    """The filters of a run: those given (empty ones dropped) checked, defaults added."""
    values: dict[str, Any] = {}
    for name, value in given.items():
        if value in (None, ""):
            continue
        if name not in report.filters:
            taken = ", ".join(report.filters) or "none"
            raise ValidationError(f"{name}: report {report.name!r} takes no filter {name!r} "
                                  f"(it takes {taken})", field=name)
        values[name] = _filter_value(report, name, value)
    if "by" in report.filters:
        values.setdefault("by", report.choices[0])
    for name, value in report.defaults.items():
        values.setdefault(name, value)
    start, end = values.get("from"), values.get("to")
    if start is not None and end is not None and start > end:
        raise ValidationError(f"from: {start.isoformat()} is after to = {end.isoformat()} "
                              "(an empty period)", field="from")
    return values


def _text(value: Any, kind: str = "") -> Any:
    if isinstance(value, Decimal):
        if kind == "quantity":  # 2.000000 pieces is 2, not 2E+0
            return str(value.quantize(Decimal(1)) if value == value.to_integral_value()
                       else value.normalize())
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and kind in NUMBERS:
        return str(value)
    return value


def run_report(session: Any, name: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document of report ``name`` with the filters ``given``: ``{"ok", "report",
    "title", "filters", "columns": [{name, label, kind}], "rows": [...], "totals": {...}}``."""
    report = find_report(session, name)
    require_session_permission(session, report.permission)
    filters = checked_filters(report, given)
    rows = [dict(row) for row in report.run(session, filters)]
    totals = {column.name: sum((Decimal(row.get(column.name) or 0) for row in rows),
                               Decimal(0))
              for column in report.columns if column.total}
    return {"ok": True, "report": report.name, "title": report.title,
            "filters": {key: _text(value) for key, value in filters.items()},
            "columns": [{"name": c.name, "label": c.label, "kind": c.kind}
                        for c in report.columns],
            "rows": [{c.name: _text(row.get(c.name), c.kind) for c in report.columns}
                     for row in rows],
            "totals": {key: str(value) for key, value in totals.items()}}


def _table(document: Mapping[str, Any]) -> list[list[Any]]:
    columns = document["columns"]
    lines: list[list[Any]] = [[column["label"] for column in columns]]
    lines += [[row[column["name"]] if row[column["name"]] is not None else ""
               for column in columns] for row in document["rows"]]
    if document["totals"]:
        lines.append([document["totals"].get(column["name"], "Total" if n == 0 else "")
                      for n, column in enumerate(columns)])
    return lines


def as_csv(document: Mapping[str, Any]) -> str:
    """The report as CSV text: a header of column labels, the rows, the totals row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(_table(document))
    return out.getvalue()


def as_xlsx(document: Mapping[str, Any]) -> bytes:
    """The report as an XLSX workbook: numbers as numbers (exact to the cell's precision),
    dates as dates, the totals row bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    kinds = [column["kind"] for column in document["columns"]]
    book = Workbook()
    sheet = book.active
    sheet.title = document["report"][:31]
    for number, line in enumerate(_table(document)):
        cells = []
        for kind, value in zip(kinds, line, strict=True):
            if number and value not in ("", None) and kind in NUMBERS:
                cells.append(Decimal(value))
            elif number and value and kind == "date":
                cells.append(date.fromisoformat(value))
            else:
                cells.append(value)
        sheet.append(cells)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    if document["totals"]:
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
