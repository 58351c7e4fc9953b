"""The stock ledger: post receipts, issues, transfers, write-offs, counts and
reservations, and read balances, moves, cost layers and a document.

Every function takes the session of the caller's business operation and plain values:
items by SKU (or id, or an ``Item``), warehouses by code, quantities and costs as
``Decimal``, ``int`` or decimal strings (never floats). A posting is a document whose
moves are valued (FIFO layers or a moving average, per item) and written at once; a
refusal names the item, the warehouse and the quantities::

    from ordercraft.sdk import stock

    stock.receive(session, "BOLT-M8", "MAIN", 100, "0.12", ref="PO-17")
    stock.issue(session, "BOLT-M8", "MAIN", 30)
    stock.post(session, "receipt", [stock.LineSpec("CPU-A4", "PARTS", 8, "62.00"),
                                    stock.LineSpec("MB-M", "PARTS", 6, "71.00")],
               ref="PO-18", date=date(2024, 3, 1))
    stock.reserve(session, "BOLT-M8", "MAIN", 10, holder="order:12")
    stock.balance(session, "BOLT-M8", "MAIN").available          # Decimal("60")
    stock.balances_of(session, ["CPU-A4", "MB-M"], "PARTS")       # {sku: Balance}, one read
    stock.unit_costs(session, [bolt.id, cpu.id])      # {item id: cost of one unit on hand}
    stock.positions_at(session, date(2024, 6, 30))    # [Position]: qty, value, last issue

A posted move is never changed: :func:`cancel` posts the reversing document. Posting
calls the hook ``document_posted`` inside the same transaction. The conventions
(rounding, negative average stock, backdating, locking) are in docs/stock.md.

The tables :class:`StockDocument` and :class:`StockMove` (signed ``qty`` and ``value``:
an issue's value is negative, the cost it took out) are here for read-only queries of
your own, the cost of what a document shipped summed in SQL, say.
"""

from ordercraft.core.stock.api import (
                                       Balance,
                                       DocumentSpec,
                                       LineSpec,
                                       MoveLine,
                                       Position,
                                       PostedDocument,
                                       balance,
                                       balances,
                                       balances_of,
                                       cancel,
                                       count,
                                       document,
                                       import_file,
                                       issue,
                                       item_history,
                                       layers,
                                       moves,
                                       positions_at,
                                       post,
                                       post_many,
                                       receive,
                                       release,
                                       reservations,
                                       reserve,
                                       transfer,
                                       unit_costs,
                                       verify,
                                       warehouse_overview,
                                       warehouse_stock,
                                       write_off,
)
from ordercraft.core.stock.models import StockDocument, StockMove

__all__ = ["Balance", "DocumentSpec", "LineSpec", "MoveLine", "Position", "PostedDocument",
           "StockDocument", "StockMove", "balance", "balances", "balances_of", "cancel", "count",
           "document", "import_file", "issue", "item_history", "layers", "moves", "post",
           "positions_at", "post_many", "receive", "release", "reservations", "reserve", "transfer",
           "unit_costs", "verify", "warehouse_overview", "warehouse_stock", "write_off"]
