"""The ledger's refusals: each names the item, the warehouse and the quantities."""

from __future__ import annotations

from ordercraft.core.errors import Conflict, OrdercraftError


class InsufficientStock(Conflict):
    """An issue, transfer, write-off or reservation asks for more than is available."""

    code = "insufficient_stock"


class NegativeStock(Conflict):
    """A backdated posting or a cancel would take FIFO stock below zero at a later point."""

    code = "negative_stock"


class DuplicateReference(Conflict):
    """A document with this external reference was posted already."""

    code = "duplicate_ref"


class NotCancellable(Conflict):
    code = "not_cancellable"


class BalanceOverflow(OrdercraftError):
    """A posting would take a balance's quantity or value past what its column holds."""

    code = "balance_overflow"
    http_status = 422
