"""``ordercraft analysis abc|xyz|abcxyz|bcg``: the analyses over the site's shipped sales
or, with ``--from-file lines.csv``, over an analyst's file (docs/analysis.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ordercraft.sdk.cli import acting_session, emit, json_option, table, user_option
from ordercraft.sdk.errors import ValidationError

#: The engine's options each command takes (the rest are refused by the engine).
ENGINE_OPTIONS = {
    "abc": ("a", "b", "boundary"),
    "xyz": ("x", "y", "boundary", "sd", "aggregate"),
    "abcxyz": ("a", "b", "boundary", "x", "y", "sd", "aggregate"),
    "bcg": ("share", "growth", "aggregate"),
}
HELP = {
    "abc": "ABC (Pareto) classes of items or clients by a measure over a period.",
    "xyz": "XYZ classes by the coefficient of variation of each object's series.",
    "abcxyz": "The ABC-XYZ matrix: 9 cells with counts and values.",
    "bcg": "BCG quadrants: share of the current period and growth over the previous one.",
}
OPTION_HELP = {
    "a": "Upper limit of class A on the cumulative share (default 0.80).",
    "b": "Upper limit of class B (default 0.95).",
    "boundary": "le, lt or upper: the class of an object at or across a limit.",
    "x": "Upper limit of X on the coefficient of variation (default 0.10).",
    "y": "Upper limit of Y (default 0.25).",
    "sd": "population (default) or sample standard deviation.",
    "aggregate": "Sum each N consecutive periods first.",
    "share": "BCG share threshold (default: the average share).",
    "growth": "BCG growth threshold (default 0.10).",
}
COLUMNS = {
    "abc": ["key", "value", "share", "cumulative_share", "class"],
    "xyz": ["key", "mean", "sd", "cv", "class", "reason"],
    "abcxyz": ["key", "value", "abc", "xyz", "reason"],
    "bcg": ["key", "previous", "current", "share", "growth", "quadrant"],
}


@click.group("analysis")
def analysis_group() -> None:
    """ABC, XYZ, ABC-XYZ and BCG analyses of sales, or of a CSV file."""


def _analysis_command(kind: str) -> click.Command:
    def run(from_file: str | None, period: str | None, date_from: Any, date_to: Any,
            measure: str, by: str, bucket: str, group: str | None, user_name: str | None,
            as_json: bool,
            save: bool = False, **options: Any) -> None:
        from ordercraft.plugins.analysis.service import (
            file_analysis,
            sales_query,
            site_analysis,
        )

        if from_file is not None:
            if save:
                raise ValidationError("save: only analyses of the site's sales are saved, "
                                      "not of a file", field="save")
            document = file_analysis(kind, from_file, **options)
        else:
            query = sales_query(period=period, measure=measure, by=by, bucket=bucket,
                                group=group,
                                date_from=date_from and date_from.date(),
                                date_to=date_to and date_to.date())
            with acting_session(user_name) as session:
                document = site_analysis(session, kind, query, **options)
                if save:
                    from ordercraft.plugins.analysis.snapshots import save_snapshot

                    snapshot = save_snapshot(session, kind, query, document, options)
                    document = {**document, "snapshot": snapshot.id}
        emit(as_json, document, lambda: _text(kind, document))

    command: Callable[..., None] = run
    for name in reversed(ENGINE_OPTIONS[kind]):
        command = click.option(f"--{name}", name, default=None, help=OPTION_HELP[name])(command)
    if kind in ("abc", "abcxyz"):
        command = click.option("--save", is_flag=True,
                               help="Save the classes as the site's classification (the "
                                    "service analysis.classes and the client rule "
                                    "abc_class read the latest).")(command)
    for decorator in reversed(_COMMON):
        command = decorator(command)
    return click.command(kind, help=HELP[kind])(command)


_COMMON = [
    click.option("--from-file", "from_file", type=click.Path(dir_okay=False), default=None,
                 help="A CSV of key,value or key,period,value lines instead of the site's "
                      "sales."),
    click.option("--period", default=None,
                 help="2026, 2026-11 or 2026-Q4 (default: the 12 whole months before "
                      "this one)."),
    click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None,
                 help="First day (YYYY-MM-DD)."),
    click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None,
                 help="Last day (YYYY-MM-DD)."),
    click.option("--measure", type=click.Choice(["revenue", "margin", "quantity", "orders"]),
                 default="revenue", show_default=True,
                 help="What to sum (margin: revenue minus the ledger's cost of the goods "
                      "shipped)."),
    click.option("--by", type=click.Choice(["item", "client"]), default="item",
                 show_default=True, help="The objects classed."),
    click.option("--bucket", type=click.Choice(["week", "month", "quarter"]),
                 default="month", show_default=True, help="The base period of a series."),
    click.option("--group", type=click.Choice(["warehouse", "item-group"]), default=None,
                 help="Class the objects of each warehouse, or of each item group (the "
                      "item's attribute group), among themselves."),
    user_option,
    json_option,
]

for _kind in ENGINE_OPTIONS:
    analysis_group.add_command(_analysis_command(_kind))


@analysis_group.command("metrics")
@click.option("--period", default=None, help="2026, 2026-11 or 2026-Q4 (default: the 12 whole months before this one).")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--metric", "names", multiple=True, help="Only this metric (repeatable).")
@click.option("--by", type=click.Choice(["manager", "item-group"]), default="manager",
              show_default=True, help="Values per manager, or per item group (the metrics "
                                      "that add up over items).")
@user_option
@json_option
def metrics_command(period: str | None, date_from: Any, date_to: Any, names: tuple[str, ...],
                    by: str, user_name: str | None, as_json: bool) -> None:
    """The KPI metrics of every manager (or item group) over a period (registered by
    plugins)."""
    from ordercraft.plugins.analysis.metrics import measure_document

    with acting_session(user_name) as session:
        document = measure_document(session, period=period,
                                    date_from=date_from and date_from.date(),
                                    date_to=date_to and date_to.date(), names=names, by=by)
    key = "manager" if by == "manager" else "group"
    rows = [{"metric": entry["name"], key: name, "value": value}
            for entry in document["metrics"] for name, value in
            (entry.get("values") or {}).items()]
    emit(as_json, document, lambda: table(rows, ["metric", key, "value"])
         if rows else "no values in this period")


def _text(kind: str, document: dict[str, Any]) -> str:
    if "groups" in document:
        return "\n\n".join(f"{document['group_by']} {group['group']}:\n" + _text(kind, group)
                             for group in document["groups"]) or "nothing to show"
    rows = document.get("items", [])
    lines = [table(rows, COLUMNS[kind])] if rows else ["nothing to show"]
    if kind == "abc":
        lines.append("  ".join(f"{name}: {value}"
                               for name, value in document["class_totals"].items()))
    elif kind == "abcxyz":
        lines.append("  ".join(f"{name}: {cell['count']}"
                               for name, cell in document["cells"].items()))
    return "\n".join(lines)


@analysis_group.command("reports")
@user_option
@json_option
def reports_command(user_name: str | None, as_json: bool) -> None:
    """The management reports of this site's plugins (ordercraft analysis report NAME)."""
    from ordercraft.plugins.analysis.reports import site_reports, visible_reports

    with acting_session(user_name) as session:
        registry = site_reports(session)
        found = [{"name": report.name, "title": report.title,
                  "plugin": registry.owner(report.name), "filters": list(report.filters),
                  "choices": list(report.choices)}
                 for report in visible_reports(session, session.info.get("user"))]
    emit(as_json, {"ok": True, "reports": found},
         lambda: table([{**row, "filters": " ".join(row["filters"])} for row in found],
                       ["name", "title", "plugin", "filters"]))


@analysis_group.command("report")
@click.argument("name")
@click.option("--from", "date_from", default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", default=None, help="Last day (YYYY-MM-DD).")
@click.option("--on", default=None, help="The day the report is as of (YYYY-MM-DD).")
@click.option("--by", default=None, help="What the rows are (the report's choices).")
@click.option("--client", default=None, help="Only this client (name or id).")
@click.option("--warehouse", default=None, help="Only this warehouse (code).")
@click.option("--days", default=None, help="A number of days (slow_moving: idle since).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the report to FILE.csv or FILE.xlsx.")
@click.option("--csv", "as_csv_text", is_flag=True, help="Print the report as CSV.")
@user_option
@json_option
def report_command(name: str, date_from: str | None, date_to: str | None, on: str | None,
                   by: str | None, client: str | None, warehouse: str | None,
                   days: str | None, output: str | None, as_csv_text: bool,
                   user_name: str | None, as_json: bool) -> None:
    """Run the report NAME with its filters: a table with totals, as text, JSON or CSV, or
    written to a CSV or XLSX file."""
    from pathlib import Path

    from ordercraft.plugins.analysis.reports import as_csv, as_xlsx, run_report

    if output is not None and Path(output).suffix.lower() not in (".csv", ".xlsx"):
        raise ValidationError(f"output: {output!r} is neither a .csv nor an .xlsx file",
                              field="output")
    given = {"from": date_from, "to": date_to, "on": on, "by": by, "client": client,
             "warehouse": warehouse, "days": days}
    with acting_session(user_name) as session:
        document = run_report(session, name, given)
    if output is not None:
        path = Path(output)
        if path.suffix.lower() == ".xlsx":
            path.write_bytes(as_xlsx(document))
        else:
            path.write_text(as_csv(document), encoding="utf-8")
        emit(as_json, {"ok": True, "report": name, "path": str(path),
                       "rows": len(document["rows"])},
             f"{len(document['rows'])} rows written to {path}")
        return
    if as_csv_text:
        click.echo(as_csv(document), nl=False)
        return
    emit(as_json, document, lambda: _report_text(document))


def _report_text(document: dict[str, Any]) -> str:
    names = [column["name"] for column in document["columns"]]
    rows = [{name: "" if row[name] is None else row[name] for name in names}
            for row in document["rows"]]
    if not rows:
        return "nothing to show"
    totals = "  ".join(f"{name}: {value}" for name, value in document["totals"].items())
    return table(rows, names) + (f"\ntotal  {totals}" if totals else "")
