"""Analyses over a CSV file of ``key,value`` or ``key,period,value`` lines.

The file is UTF-8 text (with or without a byte-order mark) whose first non-blank row
names the columns, in any order and case: ``key`` and ``value`` are needed, ``period``
is optional (the analyses over time need it). Fields are separated by ``,`` or, when the
header has more ``;`` than ``,``, by ``;`` (then a value may use a decimal comma:
``1 234,50``). Blank rows are skipped; the values of rows with the same key (and period)
are summed. Periods are the distinct labels of the file in order (``series.order_periods``)
and a key without a row in a period has 0 there.

Nothing is computed from a bad file: the first bad row is an ``AnalysisError`` naming
the file, the row (its line number) and column as written in the header, and the value:
``file 'lines.csv', row 7, column "value": 'n/a' is not a number``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import abc, bcg, matrix, xyz
from .decimals import ZERO, exact_arithmetic
from .errors import AnalysisError
from .options import AbcOptions, BcgOptions, XyzOptions, aggregate_size
from .series import aggregate, aggregate_periods, align, order_periods

COLUMNS = ("key", "period", "value")
REQUIRED = ("key", "value")
KINDS = ("abc", "xyz", "abcxyz", "bcg")
#: The options each analysis takes; giving one it does not take is a mistake.
OPTIONS = {
    "abc": ("a", "b", "boundary"),
    "xyz": ("x", "y", "boundary", "sd", "aggregate"),
    "abcxyz": ("a", "b", "boundary", "x", "y", "sd", "aggregate"),
    "bcg": ("share", "growth", "aggregate"),
}


@dataclass(frozen=True)
class LineFile:
    """A file's lines summed per key and per key and period."""

    #: The period labels in order; empty when the file has no ``period`` column.
    periods: tuple[str, ...]
    #: Each key's value summed over all its rows, keys in the order they first appear.
    totals: dict[str, Decimal]
    #: Each key's value per period (only the periods it has rows in).
    cells: dict[str, dict[str, Decimal]]

    def series(self) -> dict[str, list[Decimal]]:
        """Each key's values over every period of the file, 0 where it has no row."""
        return align(self.cells, self.periods)


def read_lines(path: str | Path) -> LineFile:
    """The lines of the CSV file at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise AnalysisError(f"file {str(path)!r}: no such file", field="file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnalysisError(f"file {str(path)!r}: not UTF-8 text (byte 0x{raw[exc.start]:02x} "
                            f"at offset {exc.start}); save it as 'CSV UTF-8'", field="file"
                            ) from None
    return parse_lines(text, name=str(path))


def parse_lines(text: str, *, name: str = "<text>") -> LineFile:
    """The lines of CSV ``text``; ``name`` is how errors call the file."""
    return _Reader(text, name).read()


class _Reader:
    def __init__(self, text: str, name: str) -> None:
        self.name = name
        first_line = next((line for line in text.splitlines() if line.strip()), "")
        self.decimal_comma = first_line.count(";") > first_line.count(",")
        self.rows = csv.reader(io.StringIO(text, newline=""),
                               delimiter=";" if self.decimal_comma else ",")
        self.titles: dict[str, str] = {}

    def error(self, message: str, *, field: str = "file", row: int | None = None,
              column: str | None = None, code: str = "invalid") -> AnalysisError:
        where = f"file {self.name!r}"
        details: dict[str, Any] = {}
        if row is not None:
            where += f", row {row}"
            details["row"] = row
        if column is not None:
            where += f', column "{self.titles[column]}"'
            details["column"] = self.titles[column]
        return AnalysisError(f"{where}: {message}", code=code, field=field, details=details)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(line number where the record starts, cells)`` of each non-blank record."""
        line = 0
        try:
            for cells in self.rows:
                start, line = line + 1, self.rows.line_num
                if any(cell.strip() for cell in cells):
                    yield start, cells
        except csv.Error as exc:
            raise self.error(f"{exc}", row=line + 1) from None

    def read(self) -> LineFile:
        records = self.records()
        header = next(records, None)
        if header is None:
            raise self.error("the file is empty: its first row must name the columns "
                             "key,value or key,period,value", code="empty")
        positions = self.header(*header)
        named = set(positions.values())
        has_periods = "period" in positions
        totals: dict[str, Decimal] = {}
        cells: dict[str, dict[str, Decimal]] = {}
        with exact_arithmetic():
            for row, record in records:
                stray = next((index for index, cell in enumerate(record)
                              if cell.strip() and index not in named), None)
                if stray is not None:
                    raise self.error(f"column {stray + 1} holds {record[stray]!r} but the "
                                     "header names no column for it", row=row)
                texts = {name: (record[index].strip() if index < len(record) else "")
                         for name, index in positions.items()}
                key = self.label(row, "key", texts["key"])
                value = self.number(row, texts["value"])
                totals[key] = totals.get(key, ZERO) + value
                if has_periods:
                    period = self.label(row, "period", texts["period"])
                    by_period = cells.setdefault(key, {})
                    by_period[period] = by_period.get(period, ZERO) + value
        if not totals:
            raise self.error("no rows under the header: there is nothing to analyse",
                             code="empty")
        periods = order_periods(label for by_period in cells.values() for label in by_period)
        return LineFile(periods, totals, cells)

    def header(self, row: int, cells: list[str]) -> dict[str, int]:
        positions: dict[str, int] = {}
        for index, cell in enumerate(cells):
            title = cell.strip()
            if not title:
                continue  # a column without a name must stay empty
            name = title.lower()
            if name not in COLUMNS:
                raise self.error(f'column "{title}" is not one of {", ".join(COLUMNS)}',
                                 row=row)
            if name in positions:
                raise self.error(f'the column "{title}" is named twice', row=row, field=name)
            positions[name] = index
            self.titles[name] = title
        for name in REQUIRED:
            if name not in positions:
                raise self.error(f'the file has no column "{name}" (it needs key and value, '
                                 "and period for the analyses over time)", row=row,
                                 field=name)
        return positions

    def label(self, row: int, column: str, text: str) -> str:
        if not text:
            raise self.error(f"empty: a {column} is needed", row=row, column=column,
                             field=column)
        return text

    def number(self, row: int, text: str) -> Decimal:
        if not text:
            raise self.error("empty: a number is needed", row=row, column="value",
                             field="value")
        written = text
        if self.decimal_comma:
            compact = "".join(text.split()).replace("\u202f", "")
            if compact.count(",") == 1 and "." not in compact:
                written = compact.replace(",", ".")
        try:
            value = Decimal(written)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise self.error(f"{text!r} is not a number", row=row, column="value",
                             field="value")
        return value


def analyse_file(kind: str, path: str | Path, **options: Any) -> dict[str, Any]:
    """The JSON document of analysis ``kind`` (``abc``, ``xyz``, ``abcxyz``, ``bcg``) over
    the file at ``path``. ``options`` are the analysis's options as text or numbers, by
    their names (``a``, ``b``, ``boundary``, ``x``, ``y``, ``sd``, ``aggregate``,
    ``share``, ``growth``); ``None`` means the default. Options are checked before the
    file is read."""
    return analyse_lines(kind, lambda: read_lines(path), **options)


def analyse_lines(kind: str, read: Callable[[], LineFile], **options: Any) -> dict[str, Any]:
    """The JSON document of analysis ``kind`` over the lines ``read()`` returns (a file's,
    or a site's sales summed in SQL): options as for :func:`analyse_file`, checked
    before ``read`` is called."""
    if kind not in KINDS:
        raise AnalysisError(f"analysis {kind!r} is not one of {', '.join(KINDS)}",
                            field="kind")
    given = {name: value for name, value in options.items() if value is not None}
    for name in given:
        if name not in OPTIONS[kind]:
            raise AnalysisError(f"option {name} does not apply to {kind} (it takes "
                                f"{', '.join(OPTIONS[kind])})", field=name)
    return _RUNS[kind](given, read)


def _pick(given: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: given[name] for name in names if name in given}


def _with_periods(lines: LineFile, kind: str) -> LineFile:
    if not lines.periods:
        raise AnalysisError(f"{kind} needs a period column: the file has key,value lines, "
                            "it needs key,period,value", field="period")
    return lines


def _run_abc(given: dict[str, Any], read: Callable[[], LineFile]) -> dict[str, Any]:
    options = AbcOptions(**_pick(given, "a", "b", "boundary"))
    return abc.analyse(read().totals, options).document()


def _run_xyz(given: dict[str, Any], read: Callable[[], LineFile]) -> dict[str, Any]:
    options = XyzOptions(**_pick(given, "x", "y", "boundary", "sd"))
    size = aggregate_size(given.get("aggregate", 1))
    lines = _with_periods(read(), "xyz")
    return xyz.analyse(lines.series(), periods=lines.periods, options=options,
                       aggregate_by=size).document()


def _run_abcxyz(given: dict[str, Any], read: Callable[[], LineFile]) -> dict[str, Any]:
    abc_options = AbcOptions(**_pick(given, "a", "b", "boundary"))
    xyz_options = XyzOptions(**_pick(given, "x", "y", "boundary", "sd"))
    size = aggregate_size(given.get("aggregate", 1))
    lines = _with_periods(read(), "abcxyz")
    values = abc.analyse(lines.totals, abc_options)
    stability = xyz.analyse(lines.series(), periods=lines.periods, options=xyz_options,
                            aggregate_by=size)
    return matrix.combine(values, stability).document()


def _run_bcg(given: dict[str, Any], read: Callable[[], LineFile]) -> dict[str, Any]:
    options = BcgOptions(**_pick(given, "share", "growth"))
    size = aggregate_size(given.get("aggregate", 1))
    lines = _with_periods(read(), "bcg")
    labels, _left_out = aggregate_periods(lines.periods, size)
    if len(labels) < 2:
        counted = f"{len(lines.periods)} period(s)" + (
            f", {len(labels)} whole period(s) of {size}" if size > 1 else "")
        raise AnalysisError(f"bcg compares the last two periods: the file has {counted}",
                            field="aggregate" if size > 1 else "period")
    series = {key: aggregate(values, size) for key, values in lines.series().items()}
    return bcg.analyse({key: values[-2] for key, values in series.items()},
                       {key: values[-1] for key, values in series.items()},
                       periods=(labels[-2], labels[-1]), options=options).document()


_RUNS: dict[str, Callable[[dict[str, Any], Callable[[], LineFile]], dict[str, Any]]] = {
    "abc": _run_abc, "xyz": _run_xyz, "abcxyz": _run_abcxyz, "bcg": _run_bcg}
