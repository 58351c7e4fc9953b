"""The hooks production offers to other plugins. production adds them to the site's hooks
when it is registered (hook ``add_hookspecs``); a plugin implementing them lists
``production`` in its ``requires``. production calls them through
:class:`~ordercraft.plugins.production.hooks.ProductionHooks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.plugins.production.models import ProductionOrder


# --------------------------------------------------------------------------- orders


@hookspec
def production_order_done(session: Session, order: ProductionOrder) -> None:
    """A production order was completed: its components were consumed and its output
    received into stock at actual cost.

    Called by the ``production`` plugin inside the transaction of the order's ``done``
    transition, after the stock documents were posted. Raising an
    :class:`~ordercraft.sdk.errors.OrdercraftError` refuses the completion as a whole
    (nothing is posted).

    :param session: the completion's transaction (do not commit or roll back).
    :param order: the order (table ``production_orders``; read it: ``number``,
        ``item_id``, ``qty``, ``qty_done`` (``Decimal``), ``warehouse_id``,
        ``actual_cost`` (the value received), ``source`` (``"manual"``,
        ``"order:SO-00001"``, ``"planning"``...), ``sales_line_id``).

    Return nothing.
    """
