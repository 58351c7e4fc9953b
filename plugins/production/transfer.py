"""BOMs in and out of spreadsheets: ``ordercraft bom import FILE`` and ``bom export``.

One row per BOM line. Columns: ``product, output_qty, component, qty`` and, optional,
``output_unit, unit, scrap_pct, version, valid_from, kind`` (``component`` or
``byproduct``), ``cost_share`` (a by-product's share of the cost, percent), ``phantom``,
``stage``. The rows of one product and version make one BOM version (a version that
exists is replaced). All or nothing: every row is checked, and every bad row is listed
(``row 4, qty: '0' must be more than zero``) before anything is saved.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ordercraft.plugins.production.boms import LineInput, add_bom, bom_dict, versions
from ordercraft.sdk.errors import OrdercraftError, ValidationError
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.spreadsheets import read_records

REQUIRED = ("product", "output_qty", "component", "qty")
OPTIONAL = ("output_unit", "unit", "scrap_pct", "version", "valid_from", "kind", "cost_share",
            "phantom", "stage")
COLUMNS = (*REQUIRED, *OPTIONAL)


def import_boms(session: Session, path: str | Path) -> list[dict[str, Any]]:
    """Import the file (see the module); returns the BOM versions written."""
    require_session_permission(session, "bom.write")
    header, rows = read_records(path)
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name and name not in COLUMNS]
    if missing or unknown:
        problems = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + (
            [f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
        raise ValidationError(f"file {str(path)!r}: {'; '.join(problems)} (columns: "
                              f"{', '.join(COLUMNS)})", field="file")
    groups: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    for number, row in rows:
        groups.setdefault((row.get("product", ""), row.get("version", "")), []).append(
            (number, row))
    errors: list[str] = []
    written = []
    for (product, version), group in groups.items():
        first_number, first = group[0]
        for number, row in group[1:]:
            for name in ("output_qty", "output_unit", "valid_from"):
                if row.get(name, "") not in ("", first.get(name, "")):
                    errors.append(f"row {number}, {name}: {row[name]!r} differs from row "
                                  f"{first_number} of the same BOM ({first.get(name)!r})")
        try:
            with session.begin_nested():
                bom = add_bom(session, product, [_line(row) for _number, row in group],
                              output_qty=first.get("output_qty"),
                              output_unit=first.get("output_unit") or None,
                              version=version or None, valid_from=first.get("valid_from"))
                written.append(bom)
        except OrdercraftError as exc:
            errors.append(_row_error(exc, group))
    if errors:
        raise ValidationError(f"file {str(path)!r}: {len(errors)} bad row(s), nothing "
                              "imported:\n" + "\n".join(errors), field="file",
                              details={"errors": errors})
    return [bom_dict(session, bom) for bom in written]


def _line(row: dict[str, str]) -> LineInput:
    return LineInput(row.get("component"), row.get("qty"), row.get("unit") or None,
                     row.get("scrap_pct"), row.get("kind") or None, row.get("cost_share"),
                     row.get("phantom"), row.get("stage"))


def _row_error(exc: OrdercraftError, group: list[tuple[int, dict[str, str]]]) -> str:
    """Name the row of the group the error is about (``lines[3].qty`` is its third row)."""
    message, field = exc.message, exc.field or ""
    if field.startswith("lines[") and "]." in field:
        index = int(field[6:field.index("]")])
        message = message.replace(field, field.split("].", 1)[1], 1)
        return f"row {group[index - 1][0]}, {message}"
    if len(group) == 1 or field in ("product", "output_qty", "output_unit", "valid_from",
                                    "version"):
        return f"row {group[0][0]}, {message}"
    return f"rows {group[0][0]}-{group[-1][0]}, {message}"


def export_rows(session: Session, product: str) -> list[dict[str, str]]:
    rows = []
    for bom in versions(session, product):
        body = bom_dict(session, bom)
        for line in body["lines"]:
            rows.append({"product": body["item"], "output_qty": body["output_qty"],
                         "component": line["component"], "qty": line["qty"],
                         "output_unit": body["output_unit"], "unit": line["unit"],
                         "scrap_pct": line["scrap_pct"], "version": body["version"],
                         "valid_from": body["valid_from"], "kind": line["kind"],
                         "cost_share": line["cost_share"],
                         "phantom": "yes" if line["phantom"] else "", "stage": str(line["stage"])})
    return rows


def export_file(session: Session, products: list[str], path: str | Path) -> int:
    """Write the BOMs of ``products`` to a CSV or XLSX file (by its suffix); rows written."""
    rows = [row for product in products for row in export_rows(session, product)]
    target = Path(path)
    if target.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append([row[name] for name in COLUMNS])
        book.save(target)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        target.write_text(buffer.getvalue(), encoding="utf-8")
    return len(rows)
