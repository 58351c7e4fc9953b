"""``ordercraft mrp ...``: plan the site (``run``), plan a what-if scenario (``plan``),
read runs, firm planned orders, set items' planning parameters."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import click

from ordercraft.sdk.cli import acting_session, emit, json_option, page_text, table, user_option

ORDER_COLUMNS = ["id", "item", "kind", "qty", "release_date", "due_date", "late", "supplier",
                 "firmed_as"]


@click.group("mrp")
def mrp_group() -> None:
    """Material requirements planning: run, plan a scenario, show, firm, params."""


def read_scenario_file(path: Path) -> Any:
    """A scenario from JSON (numbers read as exact decimals) or YAML."""
    from ordercraft.sdk import validation

    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            return yaml.safe_load(text)
        import json
        from decimal import Decimal

        return json.loads(text, parse_float=Decimal)
    except ValueError as error:  # json.JSONDecodeError and yaml.YAMLError's kin
        raise validation.invalid("scenario", f"{path.name} is not valid JSON/YAML: {error}") \
            from None
    except Exception as error:
        if type(error).__module__.startswith("yaml"):
            raise validation.invalid("scenario", f"{path.name} is not valid YAML: {error}") \
                from None
        raise


@mrp_group.command("plan")
@click.option("--scenario", "scenario_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The scenario, FILE.json or FILE.yaml (format: docs/planning.md).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON result to this file instead of the terminal.")
@json_option
def mrp_plan(scenario_path: Path, output: Path | None, as_json: bool) -> None:
    """Plan a what-if scenario given as data, with the engine a site's run uses; the
    site's data is neither read nor changed."""
    from ordercraft.plugins.planning.engine import run
    from ordercraft.plugins.planning.output import order_to_dict, write_json
    from ordercraft.plugins.planning.scenario import ScenarioError, read_scenario
    from ordercraft.sdk.errors import ValidationError

    data = read_scenario_file(scenario_path)
    try:
        plan = run(read_scenario(data))
    except ScenarioError as error:
        raise ValidationError(error.message, code=error.code, field=error.field) from None
    if output is not None:
        with output.open("w", encoding="utf-8") as out:
            write_json(plan, out)
        emit(as_json, {"ok": True, "output": str(output),
                       "planned_orders_count": len(plan.planned_orders),
                       "exceptions_count": len(plan.exceptions)},
             f"{len(plan.planned_orders)} planned order(s) written to {output}")
    elif as_json:
        buffer = io.StringIO()
        write_json(plan, buffer)
        click.echo(buffer.getvalue())
    else:
        rows = [{**order_to_dict(order), "pegging": ", ".join(
            f"{peg.get('ref') or 'safety stock'} {peg['qty']}"
            for peg in order_to_dict(order)["pegging"])} for order in plan.planned_orders]
        click.echo(table(rows, ["item", "qty", "release_period", "due_period", "late",
                                "pegging"]))
        for exception in plan.exceptions:
            click.echo(f"! {exception['message']}")


@mrp_group.command("run")
@click.option("--horizon", default="12w", show_default=True,
              help="How far to plan: 12w, 90d, or a number of buckets.")
@click.option("--bucket", default="week", show_default=True,
              help="day (a working day of the site's calendar) or week.")
@click.option("--date", "on", default=None, metavar="YYYY-MM-DD",
              help="The first day planned (default: today).")
@user_option
@json_option
def mrp_run(horizon: str, bucket: str, on: str | None, user_name: str | None,
            as_json: bool) -> None:
    """Plan the site from all open demand and supply; stores the run."""
    from ordercraft.plugins.planning.runs import run_dict
    from ordercraft.plugins.planning.site import run_mrp

    with acting_session(user_name) as session:
        body = run_dict(session, run_mrp(session, horizon=horizon, bucket=bucket, on=on))
    emit(as_json, body, lambda: _run_text(body))


def _run_text(body: dict[str, Any]) -> str:
    run = body["run"]
    lines = [f"MRP run {run['id']} from {run['date']}: {run['periods']} {run['bucket']}(s), "
             f"{run['planned_orders_count']} planned order(s), "
             f"{run['exceptions_count']} exception(s)"]
    rows = [{**order, "pegging": ", ".join(f"{peg.get('ref') or 'safety stock'} {peg['qty']}"
                                           for peg in order["pegging"])}
            for order in body["planned_orders"]]
    lines.append(table(rows, [*ORDER_COLUMNS, "pegging"]))
    lines.extend(f"! {exception['message']}" for exception in body["exceptions"])
    return "\n".join(lines)


@mrp_group.command("show")
@click.argument("run_id", required=False)
@click.option("--item", default=None, help="Only this item's record and orders.")
@user_option
@json_option
def mrp_show(run_id: str | None, item: str | None, user_name: str | None,
             as_json: bool) -> None:
    """A stored run (default: the latest) in the output format of ``mrp plan``."""
    from ordercraft.plugins.planning.runs import get_run, latest_run, run_dict
    from ordercraft.sdk.errors import NotFound

    with acting_session(user_name) as session:
        run = get_run(session, run_id) if run_id else latest_run(session)
        if run is None:
            raise NotFound("no MRP run yet: ordercraft mrp run", field="run")
        body = run_dict(session, run, item=item)
    emit(as_json, body, lambda: _run_text(body))


@mrp_group.command("list")
@click.option("--limit", default=None)
@click.option("--offset", default=None)
@user_option
@json_option
def mrp_list(limit: Any, offset: Any, user_name: str | None, as_json: bool) -> None:
    """Stored runs, newest first."""
    from ordercraft.plugins.planning.runs import list_runs, run_summary

    with acting_session(user_name) as session:
        body = list_runs(session, limit=limit, offset=offset).to_dict("runs", run_summary)
    emit(as_json, {"ok": True, **body}, lambda: page_text(
        body, "runs", ["id", "created_at", "date", "bucket", "periods",
                       "planned_orders_count", "exceptions_count"]))


@mrp_group.command("firm")
@click.argument("order_id")
@user_option
@json_option
def mrp_firm(order_id: str, user_name: str | None, as_json: bool) -> None:
    """Firm a planned order into a draft purchase order or a production order."""
    from ordercraft.plugins.planning.runs import firm, order_dict

    with acting_session(user_name) as session:
        body = order_dict(firm(session, order_id))
    emit(as_json, {"ok": True, "planned_order": body},
         f"planned order {body['id']} is now {body['firmed_as']}")


@mrp_group.command("params")
@click.argument("sku")
@click.option("--lead-time", default=None,
              help="Working days from order to receipt (the site's working calendar).")
@click.option("--safety-stock", default=None)
@click.option("--make-or-buy", default=None, help="make or buy.")
@click.option("--lot-rule", default=None,
              help="lot_for_lot, fixed_order_quantity or modifiers.")
@click.option("--lot-qty", default=None, help="The fixed order quantity.")
@click.option("--lot-min", default=None)
@click.option("--lot-max", default=None)
@click.option("--lot-multiple", default=None)
@click.option("--grouping-days", default=None,
              help="Group demand over this many working days.")
@user_option
@json_option
def mrp_params(sku: str, user_name: str | None, as_json: bool, **values: Any) -> None:
    """Set an item's planning parameters (only those given change)."""
    from ordercraft.plugins.planning.runs import params_dict, set_params

    with acting_session(user_name) as session:
        body = params_dict(session, set_params(session, sku, values))
    emit(as_json, {"ok": True, "params": body},
         lambda: "\n".join(f"{k}: {v}" for k, v in body.items()))


@mrp_group.command("forecast")
@click.argument("sku")
@click.option("--date", "due", required=True, metavar="YYYY-MM-DD", help="When it is needed.")
@click.option("--qty", required=True)
@click.option("--note", default="")
@user_option
@json_option
def mrp_forecast(sku: str, due: str, qty: str, note: str, user_name: str | None,
                 as_json: bool) -> None:
    """Add a forecast line: demand MRP plans like a customer order's (ref "forecast N")."""
    from ordercraft.plugins.planning.runs import add_forecast

    with acting_session(user_name) as session:
        body = add_forecast(session, sku, due, qty, note)
    emit(as_json, {"ok": True, "forecast": body},
         f"forecast {body['id']}: {body['qty']} {body['item']} by {body['due_date']}")
