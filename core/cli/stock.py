"""``ordercraft stock ...``: post stock documents, read balances and history, verify.

Quantities, costs and values print as exact decimal strings. A refused posting
(not enough stock, a reference posted already, a backdated issue that would take
FIFO stock below zero later) exits 2 with a message naming the item, the warehouse
and the quantities.
"""

from __future__ import annotations

from typing import Any

import click

from ordercraft.core.cli.common import emit, json_option, ready_platform, table


def _common(function: Any) -> Any:
    for option in reversed([
            click.option("--date", "date_", metavar="YYYY-MM-DD",
                         help="Business date (default: today; may lie in the past)."),
            click.option("--ref", metavar="REF",
                         help="External reference (a delivery note); posting it twice is "
                              "refused."),
            click.option("--note", default="", help="A remark kept with the document.")]):
        function = option(function)
    return function


def _item_warehouse(function: Any) -> Any:
    function = click.option("--warehouse", required=True, metavar="CODE",
                            help="Warehouse code.")(function)
    return click.option("--item", required=True, metavar="SKU", help="Item SKU.")(function)


def _posted(as_json: bool, posted: Any) -> None:
    from ordercraft.core.stock.api import posted_dict

    document = posted_dict(posted)

    def text() -> str:
        kind = document["kind"].replace("_", "-")
        head = f"posted {kind} {document['id']}" + (
            f" (ref {document['ref']})" if document["ref"] else "") + f" dated {document['date']}"
        lines = [head]
        for move in document["moves"]:
            sign = "+" if not move["qty"].startswith("-") else ""
            lines.append(f"  {move['item']} in {move['warehouse']}: {sign}{move['qty']}, value "
                         f"{move['value']} (unit cost {move['unit_cost']})"
                         + (f", settlement {move['settlement']}"
                            if move["settlement"] not in ("0.0000", "-0.0000") else ""))
        for row in document.get("reservations", []):
            lines.append(f"  {row['item']} in {row['warehouse']}: reserved for {row['holder']} "
                         f"{'+' if not row['qty'].startswith('-') else ''}{row['qty']}")
        for row in document.get("details", {}).get("counted", []):
            lines.append(f"  counted {row['counted']} {row['item']} in {row['warehouse']} "
                         f"(books: {row['book']}, difference {row['difference']})")
        return "\n".join(lines)

    emit(as_json, {"ok": True, "document": document}, text)


@click.group("stock")
def stock_group() -> None:
    """Stock ledger: receive, issue, transfer, count, reserve, balances."""


@stock_group.command("receive")
@_item_warehouse
@click.option("--qty", required=True, metavar="Q", help="Quantity received.")
@click.option("--unit-cost", required=True, metavar="C", help="Cost per unit, e.g. 9.50.")
@_common
@json_option
def receive_command(item: str, warehouse: str, qty: str, unit_cost: str, date_: str | None,
                    ref: str | None, note: str, as_json: bool) -> None:
    """Receive stock at a cost (opens a FIFO layer; averages in for average items)."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        posted = api.receive(session, item, warehouse, qty, unit_cost, date=date_, ref=ref,
                             note=note)
    _posted(as_json, posted)


def _issue_like(name: str, kind: str, summary: str) -> click.Command:
    @click.command(name, help=summary)
    @_item_warehouse
    @click.option("--qty", required=True, metavar="Q", help="Quantity.")
    @click.option("--for", "holder", metavar="HOLDER",
                  help="Use the stock reserved for HOLDER (its reservation shrinks).")
    @_common
    @json_option
    def command(item: str, warehouse: str, qty: str, holder: str | None, date_: str | None,
                ref: str | None, note: str, as_json: bool) -> None:
        from ordercraft.core.stock import api

        action = api.issue if kind == "issue" else api.write_off
        with ready_platform().session() as session:
            posted = action(session, item, warehouse, qty, date=date_, ref=ref, holder=holder,
                            note=note)
        _posted(as_json, posted)

    return command


stock_group.add_command(_issue_like(
    "issue", "issue", "Issue stock (FIFO: oldest layers first; average: at the average)."))
stock_group.add_command(_issue_like(
    "write-off", "write_off", "Write stock off (lost, broken), valued like an issue."))


@stock_group.command("transfer")
@click.option("--item", required=True, metavar="SKU", help="Item SKU.")
@click.option("--from", "source", required=True, metavar="CODE", help="Warehouse it leaves.")
@click.option("--to", "target", required=True, metavar="CODE", help="Warehouse it enters.")
@click.option("--qty", required=True, metavar="Q", help="Quantity.")
@click.option("--for", "holder", metavar="HOLDER", help="Use the stock reserved for HOLDER.")
@_common
@json_option
def transfer_command(item: str, source: str, target: str, qty: str, holder: str | None,
                     date_: str | None, ref: str | None, note: str, as_json: bool) -> None:
    """Move stock between warehouses; FIFO layers keep their costs."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        posted = api.transfer(session, item, source, target, qty, date=date_, ref=ref,
                              holder=holder, note=note)
    _posted(as_json, posted)


@stock_group.command("count")
@_item_warehouse
@click.option("--qty", required=True, metavar="Q", help="The quantity found.")
@click.option("--unit-cost", metavar="C",
              help="Cost per unit of a gain (default: the stock's unit cost).")
@_common
@json_option
def count_command(item: str, warehouse: str, qty: str, unit_cost: str | None,
                  date_: str | None, ref: str | None, note: str, as_json: bool) -> None:
    """Post an inventory count: the difference to the books is received or issued."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        posted = api.count(session, item, warehouse, qty, unit_cost=unit_cost, date=date_,
                           ref=ref, note=note)
    _posted(as_json, posted)


@stock_group.command("reserve")
@_item_warehouse
@click.option("--qty", required=True, metavar="Q", help="Quantity to hold.")
@click.option("--for", "holder", required=True, metavar="HOLDER",
              help="Who the stock is held for (an order, a job).")
@_common
@json_option
def reserve_command(item: str, warehouse: str, qty: str, holder: str, date_: str | None,
                    ref: str | None, note: str, as_json: bool) -> None:
    """Reserve stock for HOLDER: others can no longer issue it."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        posted = api.reserve(session, item, warehouse, qty, holder=holder, date=date_, ref=ref,
                             note=note)
    _posted(as_json, posted)


@stock_group.command("release")
@_item_warehouse
@click.option("--qty", metavar="Q", help="Quantity to release (default: all HOLDER holds).")
@click.option("--for", "holder", required=True, metavar="HOLDER", help="Whose reservation.")
@_common
@json_option
def release_command(item: str, warehouse: str, qty: str | None, holder: str,
                    date_: str | None, ref: str | None, note: str, as_json: bool) -> None:
    """Release a reservation."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        posted = api.release(session, item, warehouse, qty, holder=holder, date=date_, ref=ref,
                             note=note)
    _posted(as_json, posted)


@stock_group.command("cancel")
@click.argument("document")
@json_option
def cancel_command(document: str, as_json: bool) -> None:
    """Cancel document DOC by posting its reversal (later moves are re-valued)."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        posted = api.cancel(session, document)
    _posted(as_json, posted)


@stock_group.command("show")
@click.argument("document")
@json_option
def show_command(document: str, as_json: bool) -> None:
    """Show stock document DOC with its moves at their current values."""
    from ordercraft.core.errors import NotFound
    from ordercraft.core.stock import api

    try:
        document_id = int(document)
    except ValueError:
        raise NotFound(f"stock document {document!r} does not exist", field="document") from None
    with ready_platform().session() as session:
        found = api.document(session, document_id)

    def text() -> str:
        head = (f"{found['kind']} {found['id']} dated {found['date']} ({found['status']})"
                + (f" ref {found['ref']}" if found["ref"] else ""))
        return head + "\n" + table(found["moves"], ["id", "item", "warehouse", "qty", "value",
                                                    "settlement"])

    emit(as_json, {"ok": True, "document": found}, text)


BALANCE_COLUMNS = ["warehouse", "item", "qty", "reserved", "available", "value", "unit_cost",
                   "unit"]


@stock_group.command("balance")
@click.option("--item", metavar="SKU", help="Only this item.")
@click.option("--warehouse", metavar="CODE", help="Only this warehouse.")
@click.option("--all", "include_empty", is_flag=True,
              help="Also list pairs whose stock is back to zero.")
@click.option("--limit", metavar="N", help="At most N rows (default 50, at most 1000).")
@click.option("--offset", metavar="N", help="Skip the first N rows.")
@json_option
def balance_command(item: str | None, warehouse: str | None, include_empty: bool,
                    limit: str | None, offset: str | None, as_json: bool) -> None:
    """Stock per item and warehouse: quantity, reserved, available, value, unit cost."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        if item and warehouse:
            rows = [api.balance(session, item, warehouse).to_dict()]
            document = {"balances": rows, "total": 1, "limit": 1, "offset": 0}
        else:
            page = api.balances(session, item=item, warehouse=warehouse,
                                include_empty=include_empty, limit=limit, offset=offset)
            document = page.to_dict("balances", lambda b: b.to_dict())

    def text() -> str:
        shown = table(document["balances"], BALANCE_COLUMNS)
        if document["total"] > len(document["balances"]):
            shown += (f"\n({document['offset'] + 1}-{document['offset'] + len(document['balances'])}"
                      f" of {document['total']}; use --offset)")
        return shown

    emit(as_json, {"ok": True, **document}, text)


@stock_group.command("moves")
@click.option("--item", required=True, metavar="SKU", help="Item SKU.")
@click.option("--warehouse", metavar="CODE", help="Only this warehouse.")
@click.option("--newest-first", is_flag=True, help="Newest movements first.")
@click.option("--limit", metavar="N", help="At most N rows (default 50, at most 1000).")
@click.option("--offset", metavar="N", help="Skip the first N rows.")
@json_option
def moves_command(item: str, warehouse: str | None, newest_first: bool, limit: str | None,
                  offset: str | None, as_json: bool) -> None:
    """An item's movements with their current values and the running balance."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        page = api.moves(session, item, warehouse=warehouse, newest_first=newest_first,
                         limit=limit, offset=offset)
        document = page.to_dict("moves", lambda m: m.to_dict())
    emit(as_json, {"ok": True, **document}, lambda: table(
        document["moves"], ["date", "document", "kind", "status", "warehouse", "qty", "value",
                            "unit_cost", "qty_after", "value_after"]))


@stock_group.command("layers")
@_item_warehouse
@click.option("--all", "include_used", is_flag=True, help="Also the layers used up.")
@json_option
def layers_command(item: str, warehouse: str, include_used: bool, as_json: bool) -> None:
    """The FIFO cost layers of an item in a warehouse, oldest first."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        rows = api.layers(session, item, warehouse, open_only=not include_used)
    emit(as_json, {"ok": True, "layers": rows}, lambda: table(
        rows, ["date", "move", "slice", "qty_in", "qty_left", "unit_cost", "value_left"]))


@stock_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--resume", type=int, metavar="ID",
              help="Continue import ID (stopped by a refusal or killed) of the same file "
                   "after its last posted batch.")
@click.option("--batch-rows", type=click.IntRange(1, 1_000_000), metavar="N",
              help="Rows per batch (whole documents); by default each batch is sized to "
                   "hold the write lock about 0.2 s.")
@click.option("--single-transaction", is_flag=True,
              help="Post the whole file in one transaction (all rows or none), holding the "
                   "write lock while it posts.")
@json_option
def import_command(file: str, resume: int | None, batch_rows: int | None,
                   single_transaction: bool, as_json: bool) -> None:
    """Post the rows of FILE (CSV, UTF-8: date, op, sku, warehouse, qty, unit_cost, ref).

    Every row is checked first; a refusal imports nothing. Then the rows post in
    business-date order in batches, each a short transaction (about 0.2 s) that also
    records the progress (``stock imports``). If stock runs short in a batch, the
    batches before it stay posted and the import can be resumed (--resume ID) once the
    cause is fixed; --single-transaction posts all rows or none.
    """
    import time

    from ordercraft.core.stock import api
    from ordercraft.core.stock.imports import import_in_batches

    started = time.monotonic()

    def progress(message: str) -> None:
        if not as_json:  # --json answers one JSON document and nothing else
            click.echo(f"{file}: {message} ({time.monotonic() - started:.1f} s)", err=True)

    progress("reading")
    if single_transaction:
        if resume is not None:
            raise click.UsageError("--resume continues a batched import; drop "
                                   "--single-transaction")
        with ready_platform().session() as session:
            summary = api.import_file(session, file, progress)
        progress("posted")
        emit(as_json, {"ok": True, **summary.to_dict()},
             f"imported {summary.rows} rows: {summary.documents} documents, "
             f"{summary.moves} moves")
        return
    done = import_in_batches(ready_platform(), file, progress=progress, resume=resume,
                             batch_lines=batch_rows)
    progress(f"posted; write lock held {done.locked:.1f} s in all, at most "
             f"{done.longest:.2f} s at a time")
    summary = done.summary
    emit(as_json, {"ok": True, **summary.to_dict(), "import": done.record},
         f"imported {summary.rows} rows: {summary.documents} documents, {summary.moves} "
         f"moves (import {done.record['id']})")


@stock_group.command("imports")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@json_option
def imports_command(limit: int, as_json: bool) -> None:
    """The latest stock imports and their progress (rows posted of the file's rows)."""
    from ordercraft.core.stock.imports import list_imports

    with ready_platform().session(writes=False) as session:
        rows = list_imports(session, limit)
    emit(as_json, {"ok": True, "imports": rows}, lambda: table(
        rows, ["id", "file", "state", "rows_done", "rows", "batches_done", "first_document",
               "last_document", "updated_at"]))


@stock_group.command("verify")
@json_option
def verify_command(as_json: bool) -> None:
    """Recompute every balance and FIFO layer from the moves; exit 2 on any drift."""
    from ordercraft.core.stock import api

    with ready_platform().session() as session:
        report = api.verify(session)
    document = report.to_dict()
    if report.ok:
        emit(as_json, document, f"no drift: {report.items} items, {report.moves} moves checked")
        return
    emit(as_json, document, lambda: "\n".join(
        [f"drift found ({len(report.drift)}):"] + [f"  {d}" for d in report.drift]))
    raise SystemExit(2)
