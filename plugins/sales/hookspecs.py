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
    from ordercraft.plugins.sales.models import Order, Shipment


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


@hookspec
def shipment_serials(session: Session, order: Order, shipment: Shipment,
                     serials: dict[int, list[str]]) -> None:
    """A shipment of a customer order was posted: record which serial numbers went to the
    client, and refuse a shipment whose serial-tracked lines do not name them.

    Called by the ``sales`` plugin inside the shipment's transaction (transitions
    ``ship`` and ``ship_part``), after the goods are issued and the shipment's lines are
    written, for every shipment, with or without serial numbers. Raising an
    :class:`~ordercraft.sdk.errors.OrdercraftError` (naming the field ``serials.N``, N the
    order line's number) refuses the shipment as a whole. The ``service`` plugin
    implements it: a serial-tracked item needs as many numbers as the quantity shipped,
    each in stock (registered, not shipped before).

    :param session: the shipment's transaction (do not commit or roll back).
    :param order: the order (``party_id``, ``number``, ``lines`` with ``position`` and
        ``item_id``).
    :param shipment: the posted shipment (``number``, ``ship_date``, ``lines`` with
        ``order_line`` and ``qty``).
    :param serials: the serial numbers given with the shipment: order line number -> the
        numbers (empty when none were given).

    Return nothing.
    """
