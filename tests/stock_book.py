"""Stock scenarios written like the worked examples of an accounting book.

One line per step; what the step must produce follows ``=>``::

    r1: 2024-03-01 receive  BOLT MAIN 100 @ 0.50   => 50.0000
        2024-03-05 issue    BOLT MAIN 150          => -77.5000
        2024-03-06 transfer BOLT MAIN>SIDE 20      => -11.0000 11.0000
        2024-03-07 receive  OIL  MAIN 6 @ 6.00     => 36.0000 settle -12.0000
        2024-03-08 issue    BOLT MAIN 999          !! requested 999 pc, available 130 pc
        cancel r1                                  !! short by
        balance BOLT MAIN: 130 worth 71.5000 cost 0.55 reserved 0
        layers  BOLT MAIN: 130 @ 0.55
        verify

* posting: ``[label:] DATE OP SKU WAREHOUSE[>TARGET] QTY [@ COST] [ref=R] [for=H]``,
  OP one of receive, issue, write_off, transfer, count, reserve, release;
* ``=> V1 V2 ...`` the value of each of its moves in order, ``settle S`` the
  settlement of the (single) receipt; ``!! TEXT`` the posting is refused with a
  message containing TEXT, and nothing changes;
* ``cancel LABEL`` cancels a labelled document; ``value LABEL: V ...`` checks the
  current values of a document's moves (after later re-valuations);
* ``balance``, ``layers`` (open FIFO layers: qty left @ unit cost, or ``none``) and
  ``verify`` (no drift) check the state.

Test files import it (the tests folder is on ``sys.path`` through pytest's ``pythonpath``
setting).
"""

from __future__ import annotations

import re
import textwrap
from decimal import Decimal
from typing import Any

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.models import Item, Warehouse
from ordercraft.sdk import stock

POSTING = re.compile(
    r"^(?:(?P<label>\w+):\s+)?(?P<date>\d{4}-\d{2}-\d{2})\s+(?P<op>\w+)\s+(?P<sku>\S+)\s+"
    r"(?P<warehouse>[^\s>]+)(?:>(?P<target>\S+))?\s+(?P<qty>-?[\d.]+)?"
    r"(?:\s*@\s*(?P<cost>[\d.]+))?(?P<options>(?:\s+\w+=\S+)*)\s*$")


class Book:
    """A site with named items and warehouses, and the documents a scenario posted."""

    def __init__(self, site: Any) -> None:
        self.site = site
        self.labels: dict[str, int] = {}

    def items(self, **items: str | tuple[str, str, int]) -> Book:
        """``BOLT="fifo"``, ``OIL=("average", "l", 3)`` (valuation, unit, precision)."""
        with self.site.session() as session:
            for sku, spec in items.items():
                valuation, unit, precision = (spec, "pc", 0) if isinstance(spec, str) else spec
                session.add(Item(sku=sku, name=sku.title(), valuation=valuation, unit=unit,
                                 unit_precision=precision))
        return self

    def warehouses(self, *codes: str) -> Book:
        with self.site.session() as session:
            for code in codes:
                session.add(Warehouse(code=code, name=code.title()))
        return self

    def run(self, scenario: str) -> None:
        for number, raw in enumerate(textwrap.dedent(scenario).splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                self.step(line)
            except AssertionError as exc:
                raise AssertionError(f"scenario line {number}: {line}\n{exc}") from None

    # -------------------------------------------------------------------- steps

    def step(self, line: str) -> None:
        expect, refused = None, None
        if "!!" in line:
            line, refused = (part.strip() for part in line.split("!!", 1))
        elif "=>" in line:
            line, expect = (part.strip() for part in line.split("=>", 1))
        if line.startswith("balance "):
            return self.check_balance(line)
        if line.startswith("layers "):
            return self.check_layers(line)
        if line.startswith("value "):
            return self.check_values(line)
        if line == "verify":
            with self.site.session() as session:
                report = stock.verify(session)
            assert report.ok, "\n".join(str(d) for d in report.drift)
            return None
        if line.startswith("cancel "):
            label = line.split()[1]
            return self.outcome(lambda session: stock.cancel(session, self.labels[label]),
                                None, expect, refused)
        match = POSTING.match(line)
        assert match, f"cannot read {line!r}"
        return self.post(match, expect, refused)

    def post(self, match: re.Match[str], expect: str | None, refused: str | None) -> None:
        g = match.groupdict()
        options = dict(option.split("=", 1) for option in g["options"].split())
        ref, holder = options.get("ref"), options.get("for")
        op, sku, warehouse, qty, day = g["op"], g["sku"], g["warehouse"], g["qty"], g["date"]

        def action(session: Any) -> Any:
            if op == "receive":
                return stock.receive(session, sku, warehouse, qty, g["cost"], date=day, ref=ref)
            if op in ("issue", "write_off"):
                function = stock.issue if op == "issue" else stock.write_off
                return function(session, sku, warehouse, qty, date=day, ref=ref, holder=holder)
            if op == "transfer":
                return stock.transfer(session, sku, warehouse, g["target"], qty, date=day,
                                      ref=ref, holder=holder)
            if op == "count":
                return stock.count(session, sku, warehouse, qty, unit_cost=g["cost"], date=day,
                                   ref=ref)
            if op == "reserve":
                return stock.reserve(session, sku, warehouse, qty, holder=holder, date=day,
                                     ref=ref)
            if op == "release":
                return stock.release(session, sku, warehouse, qty, holder=holder, date=day)
            raise AssertionError(f"unknown operation {op!r}")

        self.outcome(action, g["label"], expect, refused)

    def outcome(self, action: Any, label: str | None, expect: str | None,
                refused: str | None) -> None:
        if refused is not None:
            before = self.snapshot()
            try:
                with self.site.session() as session:
                    action(session)
            except OrdercraftError as exc:
                assert refused in exc.message, f"refused with {exc.message!r}"
            else:
                raise AssertionError(f"not refused (expected: {refused!r})")
            assert self.snapshot() == before, "a refused posting changed the ledger"
            return
        with self.site.session() as session:
            posted = action(session)
        if label:
            self.labels[label] = posted.id
        if expect is not None:
            settle = None
            if "settle" in expect:
                expect, settle = (part.strip() for part in expect.split("settle", 1))
            values = [Decimal(v) for v in expect.split()]
            got = [m.value for m in posted.moves]
            assert got == values, f"move values {[str(v) for v in got]}, expected {expect}"
            settled = sum((m.settlement for m in posted.moves), Decimal(0))
            assert settled == Decimal(settle or "0"), f"settlement {settled}, expected {settle}"

    def check_balance(self, line: str) -> None:
        match = re.match(r"balance (\S+) (\S+): (-?[\d.]+) worth (-?[\d.]+)"
                         r"(?: cost ([\d.]+))?(?: reserved ([\d.]+))?$", line)
        assert match, f"cannot read {line!r}"
        sku, warehouse, qty, value, cost, reserved = match.groups()
        with self.site.session() as session:
            found = stock.balance(session, sku, warehouse)
        assert (found.qty, found.value) == (Decimal(qty), Decimal(value)), (
            f"balance {found.qty} worth {found.value}")
        if cost is not None:
            assert found.unit_cost == Decimal(cost), f"unit cost {found.unit_cost}"
        if reserved is not None:
            assert found.reserved == Decimal(reserved), f"reserved {found.reserved}"

    def check_layers(self, line: str) -> None:
        head, _, rest = line.partition(":")
        _, sku, warehouse = head.split()
        with self.site.session() as session:
            found = [(Decimal(layer["qty_left"]), Decimal(layer["unit_cost"]))
                     for layer in stock.layers(session, sku, warehouse)]
        wanted = [] if rest.strip() == "none" else [
            (Decimal(q), Decimal(c)) for q, c in
            (part.split("@") for part in rest.replace(" ", "").split(","))]
        assert found == wanted, f"layers {[(str(q), str(c)) for q, c in found]}"

    def check_values(self, line: str) -> None:
        head, _, rest = line.partition(":")
        label = head.split()[1]
        with self.site.session() as session:
            document = stock.document(session, self.labels[label])
        got = [Decimal(m["value"]) for m in document["moves"]]
        assert got == [Decimal(v) for v in rest.split()], f"values {[str(v) for v in got]}"

    def snapshot(self) -> Any:
        """Everything the ledger holds, to prove a refused posting changed nothing."""
        from sqlalchemy import select

        from ordercraft.core.stock import models

        with self.site.session() as session:
            return tuple(
                tuple(sorted((tuple(getattr(row, c.key) for c in table.__table__.columns)
                              for row in session.scalars(select(table))), key=repr))
                for table in (models.StockDocument, models.StockMove, models.StockValuation,
                              models.StockLayer, models.StockConsumption, models.StockBalance,
                              models.StockReservation, models.ReservationMove))
