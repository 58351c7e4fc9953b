"""``ordercraft kpi division|divisions|define|list|score|export`` (docs/kpi.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ordercraft.sdk.cli import acting_session, emit, json_option, table, user_option


@click.group("kpi")
def kpi_group() -> None:
    """KPIs of divisions and managers: define them, score a period, export."""


@kpi_group.command("division")
@click.argument("code")
@click.option("--name", required=True, help="The division's name.")
@click.option("--kind", required=True, help="sales, production, purchasing or warehouse.")
@click.option("--member", "members", multiple=True, help="A member's user name (repeatable).")
@click.option("--head", "heads", multiple=True, help="A head's user name (repeatable).")
@user_option
@json_option
def division_command(code: str, name: str, kind: str, members: tuple[str, ...],
                     heads: tuple[str, ...], user_name: str | None, as_json: bool) -> None:
    """Create or change a division; --member/--head replace its members."""
    from .service import division_dict, save_division

    with acting_session(user_name) as session:
        document = division_dict(save_division(session, code, name, kind, members=members,
                                               heads=heads))
    emit(as_json, {"ok": True, "division": document},
         f"division {document['code']}: {', '.join(document['members']) or 'no members'}")


@kpi_group.command("divisions")
@user_option
@json_option
def divisions_command(user_name: str | None, as_json: bool) -> None:
    """List the divisions and their members."""
    from .service import division_dict, divisions

    with acting_session(user_name) as session:
        rows = [division_dict(d) for d in divisions(session)]
    emit(as_json, {"ok": True, "divisions": rows},
         lambda: table([{**r, "members": ", ".join(r["members"]),
                         "heads": ", ".join(r["heads"])} for r in rows],
                       ["code", "name", "kind", "members", "heads"]) if rows else "no divisions")


@kpi_group.command("define")
@click.argument("code")
@click.option("--formula", required=True, help="Arithmetic over metrics (ordercraft analysis metrics).")
@click.option("--target", required=True, help="The target of the formula's value (above 0).")
@click.option("--label", default="", help="What people read.")
@click.option("--division", default=None, help="The division whose members it applies to.")
@click.option("--role", default=None, help="Or the role whose holders it applies to.")
@click.option("--weight", default="1", show_default=True)
@click.option("--direction", default="higher", show_default=True, help="higher or lower is better.")
@click.option("--scale", default="linear", show_default=True, help="linear or bands.")
@click.option("--cap", default="1.2", show_default=True, help="linear: the highest score.")
@click.option("--bands", default=None, help="bands: 'from:score,...', e.g. '0.8:0.5,1:1,1.2:1.2'.")
@click.option("--unit", default="", help="The unit shown with the value.")
@user_option
@json_option
def define_command(code: str, formula: str, target: str, label: str, division: str | None,
                   role: str | None, weight: str, direction: str, scale: str, cap: str,
                   bands: str | None, unit: str, user_name: str | None, as_json: bool) -> None:
    """Define a KPI (or replace the KPI CODE)."""
    from .service import define, definition_dict

    with acting_session(user_name) as session:
        document = definition_dict(define(
            session, code, label=label, formula=formula, target=target, weight=weight,
            direction=direction, scale=scale, cap=cap, bands=bands, division=division,
            role=role, unit=unit))
    emit(as_json, {"ok": True, "kpi": document}, f"kpi {code}: {document['formula']}")


@kpi_group.command("list")
@user_option
@json_option
def list_command(user_name: str | None, as_json: bool) -> None:
    """List the KPI definitions."""
    from .service import definition_dict, definitions

    with acting_session(user_name) as session:
        rows = [definition_dict(k) for k in definitions(session)]
    emit(as_json, {"ok": True, "kpis": rows},
         lambda: table(rows, ["code", "division", "role", "formula", "target", "weight",
                              "direction", "scale"]) if rows else "no KPIs defined")


def _score(session: Any, period: str | None, manager: str | None,
           division: str | None) -> dict[str, Any]:
    from .service import current_period, score

    return score(session, period or current_period(), manager=manager, division=division)


@kpi_group.command("score")
@click.option("--period", default=None, help="A month, 2026-11 (default: this month).")
@click.option("--manager", default=None, help="Only this manager (user name).")
@click.option("--division", default=None, help="Only this division's members and KPIs.")
@user_option
@json_option
def score_command(period: str | None, manager: str | None, division: str | None,
                  user_name: str | None, as_json: bool) -> None:
    """Each manager's KPIs and period score, ranked."""
    with acting_session(user_name) as session:
        document = _score(session, period, manager, division)

    def text() -> str:
        rows = [{"rank": r["rank"], "manager": r["manager"], "score": r["score"],
                 **{k["code"]: f"{k['actual']} ({k['score']})" for k in r["kpis"]}}
                for r in document["managers"]]
        codes = list(dict.fromkeys(k["code"] for r in document["managers"] for k in r["kpis"]))
        return table(rows, ["rank", "manager", "score", *codes]) if rows else "nobody to score"

    emit(as_json, document, text)


@kpi_group.command("export")
@click.option("--period", default=None, help="A month, 2026-11 (default: this month).")
@click.option("--division", default=None)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@user_option
@json_option
def export_command(period: str | None, division: str | None, fmt: str, output: Path,
                   user_name: str | None, as_json: bool) -> None:
    """Write the period's scores, one row per manager and KPI, as CSV or XLSX."""
    from ordercraft.sdk.spreadsheets import write_records

    from .service import EXPORT_COLUMNS, export_rows

    with acting_session(user_name) as session:
        rows = export_rows(_score(session, period, None, division))
    output.write_bytes(write_records(EXPORT_COLUMNS, rows, fmt, sheet="KPI"))
    emit(as_json, {"ok": True, "rows": len(rows), "path": str(output)},
         f"{len(rows)} rows written to {output}")
