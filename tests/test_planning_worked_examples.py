"""The worked examples of docs/planning.md, worked by hand there, come out exactly.

Each ``### `` section of "Worked examples" holds a scenario (a ``json`` block) and tables:
an MRP grid per item (header `` `ITEM` `` then the periods; a blank cell is 0), the planned
orders (item, qty, need, due, release, late, pegging as ``REF qty, ...``, with
``safety stock``/``excess`` (``of ITEM``) for reserves) and the exceptions (type, item, and
the period: the need period of a late release). A "Low-level codes:" line lists those.
Every item of the scenario must have its grid; orders and exceptions must match in full
and in order (no table: none).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ordercraft.plugins.planning.engine import run
from ordercraft.plugins.planning.results import RECORD_ROWS, Plan, Reserve
from ordercraft.plugins.planning.scenario import read_scenario

DOC = Path(__file__).parent.parent / "docs" / "planning.md"
ORDER_HEADER = ["item", "qty", "need", "due", "release", "late", "pegging"]
EXCEPTION_HEADER = ["exception", "item", "period"]


def sections() -> list[tuple[str, str]]:
    text = DOC.read_text().split("\n## Worked examples\n", 1)[1]
    parts = re.split(r"^### (.+)$", text, flags=re.MULTILINE)
    return [(parts[n].strip(), parts[n + 1]) for n in range(1, len(parts), 2)]


def tables(section: str) -> list[list[list[str]]]:
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in section.splitlines() + [""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def pegging(text: str, item: str) -> list[tuple[Any, Decimal]]:
    entries = []
    for part in text.split(", "):
        label, qty = part.rsplit(" ", 1)
        reserve = re.fullmatch(r"(safety stock|excess)(?: of (\S+))?", label)
        key: Any = (Reserve(reserve[1].replace(" ", "_"), reserve[2] or item) if reserve
                    else label)
        entries.append((key, Decimal(qty)))
    return entries


SECTIONS = sections()


def test_the_doc_has_its_worked_examples() -> None:
    assert len(SECTIONS) >= 8


@pytest.mark.parametrize(("title", "section"), SECTIONS, ids=[title for title, _ in SECTIONS])
def test_worked_example(title: str, section: str) -> None:
    source = re.search(r"```json\n(.*?)```", section, flags=re.DOTALL)
    assert source, f"{title}: no scenario"
    scenario = read_scenario(json.loads(source[1]))
    planned = run(scenario)

    codes = re.search(r"^Low-level codes: (.+)\.$", section, flags=re.MULTILINE)
    if codes:
        assert planned.low_level_codes == {
            item: int(code) for item, code in re.findall(r"`(\S+)` (\d+)", codes[1])}

    grids, orders, exceptions = {}, [], []
    for table in tables(section):
        header, rows = table[0], table[1:]
        if header == ORDER_HEADER:
            orders = [(item, Decimal(qty), int(need), int(due), int(release), late == "yes",
                       pegging(pegs, item))
                      for item, qty, need, due, release, late, pegs in rows]
        elif header == EXCEPTION_HEADER:
            exceptions = [(kind, item, int(period) if period else None)
                          for kind, item, period in rows]
        else:
            item = re.fullmatch(r"`(\S+)`", header[0])
            assert item, f"{title}: a table that is neither a grid, orders nor exceptions"
            periods = [int(period) for period in header[1:]]
            assert periods == list(range(scenario.first_period, scenario.last_period + 1))
            grids[item[1]] = {row[0].lower().replace(" ", "_"):
                              [Decimal(cell) if cell else Decimal(0) for cell in row[1:]]
                              for row in rows}

    assert set(grids) == {item.id for item in scenario.items}
    for item, grid in grids.items():
        record = planned.records[item]
        assert list(grid) == list(RECORD_ROWS)
        for row, expected in grid.items():
            assert getattr(record, row) == expected, f"{item} {row}"
    assert actual_orders(planned) == orders
    assert actual_exceptions(planned) == exceptions


def actual_orders(planned: Plan) -> list[tuple[Any, ...]]:
    return [(order.item, order.qty, order.need_period, order.due_period, order.release_period,
             order.late, list(order.pegging.items())) for order in planned.planned_orders]


def actual_exceptions(planned: Plan) -> list[tuple[str, str, int | None]]:
    return [(e["type"], e["item"], e.get("need_period", e.get("period")))
            for e in planned.exceptions]
