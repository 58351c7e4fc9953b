"""The hooks sales offers to other plugins. sales adds them to the site's hooks when it
is registered (hook ``add_hookspecs``); a plugin implementing them lists ``sales`` in
its ``requires``. sales calls them through
:class:`~ordercraft.plugins.sales.hooks.SalesHooks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.plugins.sales.fulfilment import Shortage
    from ordercraft.plugins.sales.models import Order


# --------------------------------------------------------------------------- orders


@hookspec
def order_shortages(session: Session, order: Order, shortages: list[Shortage]) -> None:
    """A customer order was confirmed and the stock does not cover all of it: the
    shortages are what production has to make and purchasing has to buy.

    Called by the ``sales`` plugin inside the transaction of the order's ``confirm``
    transition, after it reserved what the warehouse holds, only when something is
    short. Raising an :class:`~ordercraft.sdk.errors.OrdercraftError` refuses the
    confirmation as a whole (reservations included).

    :param session: the confirmation's transaction (do not commit or roll back).
    :param order: the order (table ``sales_orders``; read it: its lines already show
        ``reserved_qty``, ``to_produce_qty`` and ``to_buy_qty``).
    :param shortages: one shortage per short line, with ``order_id``, ``order_number``,
        ``line_id``, ``position``, ``item`` (SKU), ``item_id``, ``item_name``,
        ``warehouse`` (code), ``qty`` (``Decimal`` missing), ``action`` (``"produce"``
        for assemblies, ``"buy"`` otherwise) and ``due_date`` (the order's, or ``None``).

    Return nothing.
    """
