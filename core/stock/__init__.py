"""The stock ledger: documents, append-only moves, FIFO layers and moving averages.

``models`` holds the tables, ``valuation`` the accounting rules as pure functions over
plain records, ``posting`` the thin database layer that posts and cancels documents,
``api`` the functions the SDK exposes as ``ordercraft.sdk.stock``. The conventions
(rounding, negative average stock, backdating, locking) are written up in
``docs/stock.md``.

Kept free of imports: ``ordercraft --help`` must not load the database layer.
"""
