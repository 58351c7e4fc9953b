"""``ordercraft bom ...`` and ``ordercraft production ...``.

Commands act as the site's owner unless ``--user NAME`` names a user whose permissions
then apply; every command takes ``--json``; a refused operation exits 2 naming the field
and the value. Heavy modules are imported inside the commands.
"""

from __future__ import annotations

from typing import Any

import click

from ordercraft.sdk.cli import acting_session, emit, json_option, table, user_option


@click.group("bom")
def bom_group() -> None:
    """Bills of materials: add, import, export, show, cost, where-used."""


def _parse_line(raw: str, kind: str) -> dict[str, Any]:
    """``SKU QTY [UNIT] [scrap=5] [share=10] [stage=1] [phantom]``."""
    from ordercraft.sdk.errors import ValidationError

    words = raw.split()
    option = "--byproduct" if kind == "byproduct" else "--line"
    if len(words) < 2:
        raise ValidationError(f"{option}: {raw!r} is not 'SKU QTY [UNIT] [scrap=PCT] "
                              "[stage=N] [phantom]'", field=option.lstrip("-"))
    line: dict[str, Any] = {"component": words[0], "qty": words[1], "kind": kind}
    for word in words[2:]:
        name, _, value = word.partition("=")
        if word == "phantom":
            line["phantom"] = True
        elif name in ("scrap", "share", "stage") and value:
            line[{"scrap": "scrap_pct", "share": "cost_share", "stage": "stage"}[name]] = value
        elif "=" not in word and "unit" not in line:
            line["unit"] = word
        else:
            raise ValidationError(f"{option}: {word!r} in {raw!r} is not a unit, scrap=PCT, "
                                  "share=PCT, stage=N or phantom", field=option.lstrip("-"))
    return line


def _bom_text(body: dict[str, Any]) -> str:
    head = (f"BOM of {body['item']} version {body['version']} (from {body['valid_from']}): "
            f"for {body['output_qty']} {body['output_unit']}"
            + (f", map {body['routing']}" if body.get("routing") else ""))
    return head + "\n" + table(body["lines"], ["position", "component", "qty", "unit",
                                               "scrap_pct", "kind", "cost_share", "phantom",
                                               "stage"])


@bom_group.command("add")
@click.argument("sku")
@click.option("--line", "lines", multiple=True, metavar="'SKU QTY [UNIT] [scrap=PCT]'",
              help="A component line (repeatable): SKU, qty per output, optional unit, "
                   "scrap=PCT, stage=N, phantom.")
@click.option("--byproduct", "byproducts", multiple=True, metavar="'SKU QTY [UNIT] share=PCT'",
              help="A by-product with its share of the cost (repeatable).")
@click.option("--output-qty", default="1", show_default=True,
              help="The BOM is written for this many units of the product.")
@click.option("--output-unit", help="Unit of the output quantity (default: the item's).")
@click.option("--version", help="Version name (default: the next number); an existing "
                                "version is replaced.")
@click.option("--valid-from", help="First day it is the active version (YYYY-MM-DD).")
@click.option("--routing", help="The technology map's code.")
@user_option
@json_option
def bom_add(sku: str, lines: tuple[str, ...], byproducts: tuple[str, ...], output_qty: str,
            output_unit: str | None, version: str | None, valid_from: str | None,
            routing: str | None, user_name: str | None, as_json: bool) -> None:
    """Add a BOM version of the item SKU."""
    from ordercraft.plugins.production.boms import add_bom, bom_dict

    with acting_session(user_name) as session:
        specs = ([_parse_line(raw, "component") for raw in lines]
                 + [_parse_line(raw, "byproduct") for raw in byproducts])
        body = bom_dict(session, add_bom(session, sku, specs, output_qty=output_qty,
                                         output_unit=output_unit, version=version,
                                         valid_from=valid_from, routing=routing))
    emit(as_json, {"ok": True, "bom": body}, lambda: _bom_text(body))


@bom_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@user_option
@json_option
def bom_import(file: str, user_name: str | None, as_json: bool) -> None:
    """Import BOM lines from a CSV or XLSX file: columns product, output_qty, component,
    qty, and optional output_unit, unit, scrap_pct, version, valid_from, kind,
    cost_share (phantom, stage). All or nothing: every bad row is listed."""
    from ordercraft.plugins.production.transfer import import_boms

    with acting_session(user_name) as session:
        written = import_boms(session, file)
    emit(as_json, {"ok": True, "boms": written},
         f"imported {len(written)} BOM version(s), "
         f"{sum(len(b['lines']) for b in written)} line(s)")


@bom_group.command("export")
@click.argument("skus", nargs=-1, required=True)
@click.option("--output", "-o", "path", required=True, type=click.Path(dir_okay=False),
              help="The file to write (.csv or .xlsx).")
@user_option
@json_option
def bom_export(skus: tuple[str, ...], path: str, user_name: str | None, as_json: bool) -> None:
    """Write the BOM versions of the items SKUS to a CSV or XLSX file (import's columns)."""
    from ordercraft.plugins.production.transfer import export_file

    with acting_session(user_name) as session:
        count = export_file(session, list(skus), path)
    emit(as_json, {"ok": True, "file": path, "rows": count}, f"wrote {count} row(s) to {path}")


@bom_group.command("show")
@click.argument("sku")
@click.option("--explode", is_flag=True, help="Every level, indented, with quantities.")
@click.option("--qty", default="1", show_default=True, help="Quantity of the product.")
@click.option("--date", "on_date", help="The version active on this date (default today).")
@user_option
@json_option
def bom_show(sku: str, explode: bool, qty: str, on_date: str | None, user_name: str | None,
             as_json: bool) -> None:
    """The active BOM of SKU; with --explode, the whole structure for --qty units."""
    from ordercraft.plugins.production.boms import active_bom, bom_dict, explosion
    from ordercraft.sdk import validation

    with acting_session(user_name) as session:
        day = validation.day(on_date, field="date")
        body = bom_dict(session, active_bom(session, sku, day))
        rows = explosion(session, sku, qty, day) if explode else None
    payload: dict[str, Any] = {"ok": True, "bom": body}
    if rows is not None:
        payload["explosion"] = {"item": body["item"], "qty": qty, "lines": rows}

    def text() -> str:
        if rows is None:
            return _bom_text(body)
        indented = [{**row, "item": "  " * (row["level"] - 1) + row["item"]} for row in rows]
        return (f"{body['item']} x {qty}\n"
                + table(indented, ["item", "name", "qty", "unit", "scrap_pct", "phantom"]))

    emit(as_json, payload, text)


@bom_group.command("cost")
@click.argument("sku")
@click.option("--method", type=click.Choice(["single", "rolled"]), default="single",
              show_default=True, help="single: components at their own cost; rolled: "
                                      "sub-assemblies at their rolled-up cost.")
@click.option("--basis", type=click.Choice(["standard", "ledger"]), default="standard",
              show_default=True, help="Unit costs: standard costs, or the stock's costs.")
@click.option("--qty", default="1", show_default=True)
@user_option
@json_option
def bom_cost(sku: str, method: str, basis: str, qty: str, user_name: str | None,
             as_json: bool) -> None:
    """The planned cost of --qty units of SKU from its BOM and technology map."""
    from ordercraft.plugins.production.costing import plan_cost

    with acting_session(user_name) as session:
        cost = plan_cost(session, sku, method=method, basis=basis, qty=qty)

    def text() -> str:
        parts = [f"{cost['item']} x {cost['qty']} ({cost['method']}, {cost['basis']})",
                 table(cost["materials"], ["item", "qty", "unit", "unit_cost", "source",
                                           "amount"])]
        if cost["operations"]:
            parts.append(table(cost["operations"], ["operation", "work_centre", "hours",
                                                    "cost_per_hour", "amount"]))
        if cost["byproducts"]:
            parts.append(table(cost["byproducts"], ["item", "qty", "cost_share", "amount"]))
        parts.append(f"total {cost['total']}, per unit {cost['per_unit']}")
        return "\n".join(parts)

    emit(as_json, {"ok": True, "cost": cost}, text)


@bom_group.command("where-used")
@click.argument("sku")
@user_option
@json_option
def bom_where_used(sku: str, user_name: str | None, as_json: bool) -> None:
    """The BOM versions that use the item SKU as a component or by-product."""
    from ordercraft.plugins.production.boms import where_used

    with acting_session(user_name) as session:
        rows = where_used(session, sku)
    emit(as_json, {"ok": True, "item": sku, "used_in": rows},
         lambda: table(rows, ["item", "version", "valid_from", "qty", "unit", "kind"])
         if rows else f"{sku} is used in no BOM")


# --------------------------------------------------------------------------- production


@click.group("production")
def production_group() -> None:
    """Production orders: add, release, report, done, cancel, list, show."""


def _order_text(body: dict[str, Any]) -> str:
    head = (f"production order {body['number']}: {body['state'].replace('_', ' ')}, "
            f"{body['item']} {body['qty_done']} of {body['qty']} done, warehouse "
            f"{body['warehouse']}, actual cost {body['actual_cost']}")
    return "\n".join([head, table(body["components"], ["position", "item", "kind", "qty",
                                                       "reserved", "consumed",
                                                       "consumed_value"])])


def _move(ref: str, name: str, user_name: str | None, as_json: bool,
          data: dict[str, Any] | None = None) -> None:
    from ordercraft.plugins.production.orders import availability, get_order, order_dict
    from ordercraft.sdk.workflow import transition

    with acting_session(user_name) as session:
        order = get_order(session, ref)
        transition(session, order, name, data=data or {})
        body = order_dict(session, order)
        if name == "release":
            body["availability"] = availability(session, order)
    emit(as_json, {"ok": True, "order": body}, lambda: _order_text(body))


@production_group.command("add")
@click.argument("sku")
@click.option("--qty", required=True, help="Quantity to produce.")
@click.option("--due", help="Due date (YYYY-MM-DD).")
@click.option("--warehouse", help="Warehouse code the components come from.")
@click.option("--output-warehouse", help="Warehouse the product is received into (default: "
                                         "--warehouse).")
@click.option("--source", default="manual", show_default=True,
              help="Where the order comes from (order:SO-00001, planning...).")
@click.option("--calculator", help="A one-off product: the components and operations come "
                                   "from this calculator's lines (one unit) instead of a BOM.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of --calculator (repeatable).")
@click.option("--material-overhead", "material_overhead", metavar="PCT",
              help="Overhead on the components' value, percent (default: the site setting "
                   "production_material_overhead_pct).")
@user_option
@json_option
def production_add(sku: str, qty: str, due: str | None, warehouse: str | None,
                   output_warehouse: str | None, source: str, calculator: str | None,
                   params: tuple[str, ...], material_overhead: str | None,
                   user_name: str | None, as_json: bool) -> None:
    """Add a draft production order for --qty of SKU from its active BOM (or from a
    calculator's lines: --calculator robot --param nodes=6)."""
    from ordercraft.plugins.production.orders import (
        calculation_lines,
        create_order,
        order_dict,
    )

    lines = None
    if calculator:
        # Run before the order's transaction opens: no transaction spans a calculator run.
        from ordercraft.sdk.calc import run_calculator
        from ordercraft.sdk.cli import ready_platform
        from ordercraft.sdk.errors import ValidationError

        values = {}
        for raw in params:
            name, sep, value = raw.partition("=")
            if not sep:
                raise ValidationError(f"param: {raw!r} is not NAME=VALUE", field="param")
            values[name.strip()] = value.strip()
        lines = run_calculator(calculator, values, platform=ready_platform(),
                               files=False).lines
        source = source if source != "manual" else f"calculator:{calculator}"
    with acting_session(user_name) as session:
        components = operations = None
        if lines is not None:
            from ordercraft.sdk import validation

            amount = validation.decimal(qty, field="qty", places=6)
            components, operations = calculation_lines(session, list(lines), amount)
        body = order_dict(session, create_order(session, sku, qty, due_date=due,
                                                warehouse=warehouse, source=source,
                                                output_warehouse=output_warehouse,
                                                components=components,
                                                operations=operations,
                                                material_overhead_pct=material_overhead))
    emit(as_json, {"ok": True, "order": body}, lambda: _order_text(body))


@production_group.command("release")
@click.argument("number")
@user_option
@json_option
def production_release(number: str, user_name: str | None, as_json: bool) -> None:
    """Release the order: reserve its components; shortages are listed."""
    _move(number, "release", user_name, as_json)


@production_group.command("report")
@click.argument("number")
@click.option("--stage", help="A stage of a multi-stage product done (1, 2, ...): its "
                              "components are consumed for the whole order.")
@click.option("--qty", help="Quantity produced now (less than what is left): consumed for "
                            "it and received at actual cost.")
@click.option("--date", "on_date", help="Business date of the postings (default today).")
@user_option
@json_option
def production_report(number: str, stage: str | None, qty: str | None, on_date: str | None,
                      user_name: str | None, as_json: bool) -> None:
    """Report progress: a stage done (--stage N) or part of the order produced (--qty Q)."""
    from ordercraft.sdk.errors import ValidationError

    if (stage is None) == (qty is None):
        raise ValidationError("stage: give either --stage N or --qty Q", field="stage")
    if stage is not None:
        _move(number, "report_stage", user_name, as_json, {"stage": stage, "date": on_date})
    else:
        _move(number, "produce", user_name, as_json, {"qty": qty, "date": on_date})


@production_group.command("done")
@click.argument("number")
@click.option("--qty", help="Quantity produced now (default: everything left). Less than "
                            "what is left reports a part (like 'report').")
@click.option("--date", "on_date", help="Business date of the postings (default today).")
@user_option
@json_option
def production_done(number: str, qty: str | None, on_date: str | None, user_name: str | None,
                    as_json: bool) -> None:
    """Complete the order: consume the components, receive the output at actual cost."""
    from decimal import Decimal, InvalidOperation

    from ordercraft.plugins.production.orders import get_order

    name = "done"
    if qty not in (None, ""):
        with acting_session(user_name) as session:
            order = get_order(session, number)
            try:
                if Decimal(qty) < order.qty - order.qty_done:
                    name = "produce"
            except InvalidOperation:
                name = "produce"  # its check names the bad value
    _move(number, name, user_name, as_json, {"qty": qty, "date": on_date})


@production_group.command("cancel")
@click.argument("number")
@user_option
@json_option
def production_cancel(number: str, user_name: str | None, as_json: bool) -> None:
    """Cancel the order: every posting reversed, reservations released."""
    _move(number, "cancel", user_name, as_json)


@production_group.command("list")
@click.option("--state", help="Only orders in this state.")
@click.option("--limit", metavar="N")
@click.option("--offset", metavar="N")
@user_option
@json_option
def production_list(state: str | None, limit: str | None, offset: str | None,
                    user_name: str | None, as_json: bool) -> None:
    """Production orders, newest first."""
    from ordercraft.plugins.production.orders import _skus, list_orders, summary_dict

    with acting_session(user_name) as session:
        found = list_orders(session, state=state, limit=limit, offset=offset)
        skus = _skus(session, {o.item_id for o in found.items}) if found.items else {}
        rows = [summary_dict(o, skus[o.item_id].sku) for o in found.items]
    emit(as_json, {"ok": True, "orders": rows, "total": found.total},
         lambda: table(rows, ["number", "state", "item", "qty", "qty_done", "due_date",
                              "source"]))


@production_group.command("variance")
@click.option("--item", help="Only this product.")
@user_option
@json_option
def production_variance(item: str | None, user_name: str | None, as_json: bool) -> None:
    """Planned against actual cost of the done orders, per product."""
    from ordercraft.plugins.production.orders import item_variances

    with acting_session(user_name) as session:
        rows = item_variances(session, item)
    emit(as_json, {"ok": True, "variances": rows},
         lambda: table(rows, ["item", "orders", "qty", "planned", "actual", "variance"]))


@production_group.command("show")
@click.argument("number")
@user_option
@json_option
def production_show(number: str, user_name: str | None, as_json: bool) -> None:
    """One production order with its components, operations and postings."""
    from ordercraft.plugins.production.orders import get_order, order_dict

    with acting_session(user_name) as session:
        body = order_dict(session, get_order(session, number))
    emit(as_json, {"ok": True, "order": body}, lambda: _order_text(body))


@production_group.group("centre")
def centre_group() -> None:
    """Work centres: where operations run and what an hour there costs."""


@centre_group.command("add")
@click.argument("code")
@click.option("--name")
@click.option("--cost-per-hour", default="0", show_default=True,
              help="Labour and machine cost of an hour.")
@click.option("--hours-per-day", default="8", show_default=True)
@click.option("--overhead-pct", default="0", show_default=True,
              help="Overhead, percent of the labour and machine cost of its operations.")
@user_option
@json_option
def centre_add(code: str, name: str | None, cost_per_hour: str, hours_per_day: str,
               overhead_pct: str, user_name: str | None, as_json: bool) -> None:
    """Add the work centre CODE."""
    from ordercraft.plugins.production.routings import add_work_centre, work_centre_dict

    with acting_session(user_name) as session:
        body = work_centre_dict(add_work_centre(
            session, code, name=name, cost_per_hour=cost_per_hour,
            hours_per_day=hours_per_day, overhead_pct=overhead_pct))
    emit(as_json, {"ok": True, "work_centre": body}, f"added work centre {body['code']}")


def _parse_operation(raw: str) -> dict[str, Any]:
    """``CENTRE [setup=MIN] [cleanup=MIN] [cycle=MIN] [units=N] [eff=PCT] [stage=N]
    [name=TEXT]``."""
    from ordercraft.sdk.errors import ValidationError

    words = raw.split()
    names = {"setup": "setup_min", "cleanup": "cleanup_min", "cycle": "cycle_min",
             "units": "units_per_cycle", "eff": "efficiency_pct", "stage": "stage",
             "name": "name"}
    if not words:
        raise ValidationError("op: an operation names its work centre", field="op")
    operation: dict[str, Any] = {"work_centre": words[0]}
    for word in words[1:]:
        key, _, value = word.partition("=")
        if key not in names or not value:
            raise ValidationError(f"op: {word!r} in {raw!r} is not one of "
                                  f"{', '.join(k + '=' for k in names)}", field="op")
        operation[names[key]] = value.replace("_", " ") if key == "name" else value
    return operation


@production_group.group("map")
def map_group() -> None:
    """Technology maps: the operations that make a product, in order."""


@map_group.command("add")
@click.argument("code")
@click.option("--item", help="The product the map is for.")
@click.option("--name")
@click.option("--op", "operations", multiple=True, required=True,
              metavar="'CENTRE setup=MIN cycle=MIN ...'",
              help="An operation, in order (repeatable): the work centre, then setup=, "
                   "cleanup=, cycle= (minutes), units= (per cycle), eff= (percent), stage=, "
                   "name= (underscores for spaces).")
@click.option("--stock-stage", "stocked_stages", multiple=True, metavar="N",
              help="Stage N's nodes are received into stock when it is reported and issued "
                   "to the final assembly (repeatable; default: passed straight on).")
@user_option
@json_option
def map_add(code: str, item: str | None, name: str | None, operations: tuple[str, ...],
            stocked_stages: tuple[str, ...], user_name: str | None, as_json: bool) -> None:
    """Add the technology map CODE (then: bom add SKU ... --routing CODE)."""
    from ordercraft.plugins.production.routings import add_routing, routing_dict

    with acting_session(user_name) as session:
        body = routing_dict(session, add_routing(session, code, [_parse_operation(raw)
                                                                 for raw in operations],
                                                 item=item, name=name,
                                                 stocked_stages=stocked_stages))
    emit(as_json, {"ok": True, "routing": body},
         lambda: f"technology map {body['code']}\n" + table(
             body["operations"], ["position", "name", "work_centre", "setup_min", "cycle_min",
                                  "units_per_cycle", "efficiency_pct", "stage"]))


def _act_text(body: dict[str, Any]) -> str:
    return (f"{body['kind']} {body['number']}: {body['qty']} x {body['item']} in "
            f"{body['warehouse']}, value {body['value']}\n"
            + table(body["lines"], ["item", "qty", "unit", "value"]))


@production_group.command("disassemble")
@click.argument("sku")
@click.option("--qty", required=True)
@click.option("--warehouse", required=True)
@click.option("--component", "components", multiple=True, metavar="'SKU QTY'",
              help="What the item gives (repeatable; default: its BOM, without scrap).")
@click.option("--date", "on_date")
@user_option
@json_option
def production_disassemble(sku: str, qty: str, warehouse: str, components: tuple[str, ...],
                           on_date: str | None, user_name: str | None, as_json: bool) -> None:
    """Take --qty of SKU apart: issue it, receive its components at its cost (split by
    their standard costs; docs/production.md)."""
    from ordercraft.plugins.production.conversions import conversion_dict, disassemble
    from ordercraft.sdk.errors import ValidationError

    given = []
    for raw in components:
        words = raw.split()
        if len(words) != 2:
            raise ValidationError(f"component: {raw!r} is not 'SKU QTY'", field="component")
        given.append({"item": words[0], "qty": words[1]})
    with acting_session(user_name) as session:
        body = conversion_dict(session, disassemble(session, sku, qty, warehouse,
                                                    components=given or None, on_date=on_date))
    emit(as_json, {"ok": True, "document": body}, lambda: _act_text(body))


@production_group.command("convert")
@click.argument("sku")
@click.argument("to_sku")
@click.option("--qty", required=True)
@click.option("--to-qty", help="Quantity of TO_SKU received (default --qty).")
@click.option("--warehouse", required=True)
@click.option("--date", "on_date")
@user_option
@json_option
def production_convert(sku: str, to_sku: str, qty: str, to_qty: str | None, warehouse: str,
                       on_date: str | None, user_name: str | None, as_json: bool) -> None:
    """Re-grade --qty of SKU into TO_SKU at SKU's cost."""
    from ordercraft.plugins.production.conversions import conversion_dict, convert

    with acting_session(user_name) as session:
        body = conversion_dict(session, convert(session, sku, to_sku, qty, warehouse,
                                                to_qty=to_qty, on_date=on_date))
    emit(as_json, {"ok": True, "document": body}, lambda: _act_text(body))


@production_group.command("print")
@click.argument("number")
@click.option("--output", "-o", "path", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .pdf or .html.")
@user_option
@json_option
def production_print(number: str, path: str, user_name: str | None, as_json: bool) -> None:
    """Print a production order's job card (MO-...) or a disassembly / conversion act
    (DA-..., CV-...)."""
    from pathlib import Path

    from ordercraft.plugins.production.printing import render_form

    with acting_session(user_name) as session:
        if number.startswith(("DA-", "CV-")):
            from ordercraft.plugins.production.conversions import get_conversion

            document, kind, form = get_conversion(session, number), "production_conversion", "act"
        else:
            from ordercraft.plugins.production.orders import get_order

            document, kind, form = get_order(session, number), "production_order", "job_card"
        html = render_form(session, kind, form, document)
    target = Path(path)
    if target.suffix.lower() == ".pdf":
        from ordercraft.sdk.printing import render_pdf

        target.write_bytes(render_pdf(html))  # type: ignore[arg-type]
    else:
        target.write_text(str(html), encoding="utf-8")
    emit(as_json, {"ok": True, "file": path}, f"wrote {path}")
