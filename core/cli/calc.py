"""``ordercraft calc list|show|run|add|runs|rerun``: pricing calculators.

``calc run --json`` prints exactly one JSON document whatever the script does
(prints, raises, loops, exhausts memory, kills its worker): ``{"ok": true,
"result": {...}}``, or ``{"ok": false, "error": {"code", "message", "line"}}`` with
exit status 2 (1 for an internal fault).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ordercraft.core.cli.common import dumps, emit, json_option, ready_platform, table


@click.group("calc")
def calc_group() -> None:
    """Pricing calculators: list, show, run, add.

    A calculator is a Python file whose docstring is its title, that declares its
    parameters and computes a price (see docs/calculators.md). Scripts run in a
    sandboxed worker process with time, memory and output limits.
    """


def _site_or_none(needed: bool) -> Any:
    """The site; ``None`` when there is none and the command can do without it."""
    from ordercraft.core.errors import DatabaseMissing

    try:
        return ready_platform()
    except DatabaseMissing:
        if needed:
            raise
        return None


@calc_group.command("list")
@json_option
def calc_list(as_json: bool) -> None:
    """Calculators of the site, its plugins and the bundled examples."""
    from ordercraft.core.calc.api import list_calculators

    infos = list_calculators(platform=_site_or_none(needed=False))
    rows = [{"name": i.name, "title": i.spec.title, "kind": i.spec.kind,
             "origin": i.source.origin, "version": i.source.version,
             "params": len(i.spec.params)} for i in infos]
    emit(as_json, {"ok": True, "calculators": rows},
         lambda: table([{**r, "version": r["version"][:12]} for r in rows],
                       ["name", "title", "kind", "origin", "version", "params"]))


def _param_text(parameter: dict[str, Any]) -> str:
    parts = [parameter["type"]]
    if parameter["unit"]:
        parts.append(parameter["unit"])
    if parameter["choices"]:
        parts.append("one of " + ", ".join(str(c["value"]) for c in parameter["choices"]))
    for key in ("min", "max", "step"):
        if parameter[key] is not None:
            parts.append(f"{key} {parameter[key]}")
    default = "required" if parameter["required"] else f"default {parameter['default']}"
    return f"  {parameter['name']:<16} {parameter['label']}: {', '.join(parts)}; {default}" + (
        f"\n  {'':<16} {parameter['help']}" if parameter["help"] else "")


@calc_group.command("show")
@click.argument("name")
@click.option("--version", metavar="HASH", help="A stored version (at least 8 characters).")
@click.option("--source", "with_source", is_flag=True, help="Include the source text.")
@json_option
def calc_show(name: str, version: str | None, with_source: bool, as_json: bool) -> None:
    """The calculator NAME (or a .py file): title, description and parameters."""
    from ordercraft.core.calc.api import calculator_info

    platform = _site_or_none(needed=False)
    info = calculator_info(name, platform=platform, version=version)
    document = info.to_dict(with_source=with_source)
    if platform is not None and info.source.origin == "site":
        from ordercraft.core.calc.store import script_versions

        with platform.session() as session:
            document["versions"] = script_versions(session, info.name)

    def text() -> str:
        lines = [f"{document['title']}  ({info.name}, {document['kind']}, {document['origin']}, "
                 f"version {document['version'][:12]})"]
        if document["description"]:
            lines += ["", document["description"]]
        lines += ["", "parameters:"] + [_param_text(p) for p in document["params"]]
        if document["formulas"]:
            lines += ["", "formulas:"] + [f"  {f['name']} = {f['expression']}"
                                          for f in document["formulas"]]
        if with_source:
            lines += ["", document["source"]]
        return "\n".join(lines)

    emit(as_json, {"ok": True, "calculator": document}, text)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    from ordercraft.core.errors import ValidationError

    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValidationError(f"--param {pair!r}: write NAME=VALUE", field="param")
        if name in values:
            raise ValidationError(f"--param {name}: given twice", field=name)
        values[name] = value
    return values


def _catalog(option: str | None) -> Any:
    if option is None:
        return None
    from ordercraft.core.calc.catalog import StaticCatalog, example_catalog
    from ordercraft.core.errors import ValidationError

    if option == "examples":
        return example_catalog()
    try:
        with open(option, encoding="utf-8") as handle:
            text = handle.read(16 * 1024 * 1024)
    except OSError as exc:
        raise ValidationError(f"--catalog {option!r}: {exc.strerror}", field="catalog") from None
    return StaticCatalog.from_json(text)


def _result_text(result: Any) -> str:
    lines = [f"{result.title} ({result.calculator}, version {result.version[:12]})"]
    lines.append("  " + ", ".join(f"{k}={v}" for k, v in result.to_dict()["params"].items()))
    if result.lines:
        lines += ["", table([line.to_dict() for line in result.lines],
                            ["kind", "name", "sku", "qty", "unit", "unit_price", "amount"])]
    if result.formulas:
        lines += [""] + [f"  {f.name} = {f.expression} = {f.value}" + (f" {f.unit}" if f.unit
                                                                       else "")
                         for f in result.formulas]
    lines += ["", f"total: {result.total}"]
    if result.details:
        lines += ["details: " + ", ".join(f"{k}={v}" for k, v in result.details.items())]
    if result.notes:
        lines += [f"notes: {result.notes}"]
    if result.run_id is not None:
        lines += [f"stored as run {result.run_id}"]
    if result.output:
        lines += ["", "printed by the script:", result.output.rstrip("\n")]
    return "\n".join(lines)


@calc_group.command("run")
@click.argument("name_or_path")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter value (repeat for each parameter).")
@click.option("--catalog", metavar="examples|FILE",
              help="Prices from the examples' catalog or a JSON file {sku: {price, name, "
                   "unit}} instead of the site's items.")
@click.option("--version", metavar="HASH", help="Run a stored version of a site script.")
@click.option("--save", is_flag=True, help="Store the run (inputs, prices, result).")
@click.option("--timeout", type=click.FloatRange(0.1, 60), metavar="SECONDS",
              help="Wall-clock limit (default 2).")
@json_option
def calc_run(name_or_path: str, params: tuple[str, ...], catalog: str | None,
             version: str | None, save: bool, timeout: float | None, as_json: bool) -> None:
    """Run the calculator NAME_OR_PATH with --param NAME=VALUE ...

    Without --catalog the site's catalog is used (plugin sources, then items);
    a .py file with --catalog runs without a site.
    """
    from ordercraft.core.errors import OrdercraftError

    try:
        from ordercraft.core.calc.api import run_calculator

        values = _parse_params(params)
        chosen = _catalog(catalog)
        platform = _site_or_none(needed=save or chosen is None)
        result = run_calculator(name_or_path, values, catalog=chosen, platform=platform,
                                version=version, timeout=timeout, save=save)
    except OrdercraftError as exc:
        body = exc.to_dict()
        body.setdefault("line", None)
        if as_json:
            click.echo(json.dumps({"ok": False, "error": body}, ensure_ascii=False))
        else:
            where = f" (line {body['line']})" if body.get("line") else ""
            click.echo(f"error: {exc.message}{where}", err=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - one JSON document, whatever went wrong
        if not as_json:
            raise
        click.echo(json.dumps({"ok": False, "error": {
            "code": "internal", "message": f"internal error: {type(exc).__name__}: {exc}",
            "line": None}}, ensure_ascii=False))
        sys.exit(1)
    emit(as_json, {"ok": True, "result": result.to_dict()}, lambda: _result_text(result))


@calc_group.command("add")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--name", help="The calculator's name (default: the file name without .py).")
@json_option
def calc_add(file: str, name: str | None, as_json: bool) -> None:
    """Store the calculator FILE in the site as a new version (by content hash)."""
    from ordercraft.core.calc.registry import read_source_file
    from ordercraft.core.calc.store import add_script

    platform = ready_platform()
    source = read_source_file(file)
    with platform.session() as session:
        stored, created = add_script(session, source, name=name, filename=file)
    document = {"name": stored.name, "version": stored.version, "created": created,
                "origin": stored.origin}
    emit(as_json, {"ok": True, "calculator": document},
         f"{'stored' if created else 'already stored'}: {stored.name} version "
         f"{stored.version[:12]}")


@calc_group.command("runs")
@click.argument("name", required=False)
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--before", "before_id", type=int, metavar="ID", help="Runs older than run ID.")
@json_option
def calc_runs(name: str | None, limit: int, before_id: int | None, as_json: bool) -> None:
    """Stored runs (newest first), of the calculator NAME if given."""
    from ordercraft.core.calc.store import list_runs, run_dict

    with ready_platform().session() as session:
        runs = [run_dict(r) for r in list_runs(session, name, limit=limit, before_id=before_id)]
    for run in runs:
        run.pop("result")
    emit(as_json, {"ok": True, "runs": runs},
         lambda: table([{**r, "version": r["version"][:12]} for r in runs],
                       ["id", "calculator", "version", "total", "created_by", "created_at"]))


@calc_group.command("rerun")
@click.argument("run_id", type=int)
@json_option
def calc_rerun(run_id: int, as_json: bool) -> None:
    """Run a stored run again with its script version, inputs and prices; compare."""
    from ordercraft.core.calc.store import reproduce_run

    with ready_platform().session() as session:
        result, differences = reproduce_run(session, run_id)
    document = {"ok": True, "reproduced": not differences, "differences": differences,
                "result": result.to_dict()}
    emit(as_json, document, lambda: (
        f"run {run_id} reproduced exactly: total {result.total}" if not differences else
        f"run {run_id} differs in: {', '.join(differences)}\n{dumps(result.to_dict())}"))
