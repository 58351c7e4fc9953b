"""purchasing's part of the demo story (DESIGN.md, step 4): the suppliers' price lists for
the robots' parts, so shortages find their best valid offers (ChipCore's A4 processors
are cheaper than Siliconix's, but ChipCore's price list has expired: the best offer says
so), and one purchase order of mainboards already sent, confirmed and received.

Seeding looks things up and leaves out what a site lacks (parties, items, warehouses).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from ordercraft.sdk import demo
from ordercraft.sdk.errors import OrdercraftError

#: (SKU, supplier, price, lead time days, min qty, multiple, valid to in days from today
#: (None: open), preferred, price breaks, characteristics)
OFFERS: list[tuple[str, str, str, int, str, str | None, int | None, bool, str,
                   dict[str, str]]] = [
    ("CPU-A4", "Siliconix Components", "64.50", 7, "4", None, 180, True, "20:62.00",
     {"brand": "Arcturus"}),
    ("CPU-A4", "ChipCore Electronics", "59.90", 10, "10", "10", -15, False, "",
     {"brand": "Arcturus"}),
    ("CPU-A8", "Siliconix Components", "112.00", 7, "2", None, 180, True, "", {}),
    ("CPU-A8", "ChipCore Electronics", "109.50", 14, "5", "5", 120, False, "", {}),
    ("MB-S", "BoardWorks Ltd", "45.00", 5, "5", "5", None, True, "", {}),
    ("MB-M", "BoardWorks Ltd", "72.00", 5, "5", "5", None, True, "30:68.50",
     {"grade": "industrial"}),
    ("MB-M", "Circuitry Plus", "71.20", 12, "10", "10", 90, False, "", {}),
    ("MB-L", "Circuitry Plus", "98.00", 12, "2", None, 90, False, "", {}),
    ("CASE-S", "MetalForm Cases", "32.00", 14, "10", "10", None, False, "", {}),
    ("CASE-M", "MetalForm Cases", "43.00", 14, "10", "10", None, False, "", {}),
    ("CASE-L", "MetalForm Cases", "58.00", 14, "5", "5", None, False, "", {}),
    ("SCREW-M3", "Fastener Depot", "0.02", 3, "500", "500", None, False, "5000:0.015", {}),
    ("HINGE-25", "Fastener Depot", "0.45", 3, "50", "50", None, False, "", {}),
    ("SERVO-MG", "ServoMotion Drives", "8.10", 10, "10", "10", None, False, "", {}),
    ("MOTOR-DC6", "ServoMotion Drives", "5.30", 10, "10", "10", None, False, "", {}),
]


def seed(session: Any, platform: Any) -> None:
    from ordercraft.plugins.purchasing.matrix import add_offer
    from ordercraft.plugins.purchasing.models import PurchaseOrder, SupplierOffer

    if session.scalar(select(func.count()).select_from(SupplierOffer)):
        return
    users = demo.demo_users(session)
    today = date.today()
    with demo.acting_as(session, users.get("manager")):
        for (sku, supplier, price, lead, minimum, multiple, valid_days, preferred, breaks,
             attributes) in OFFERS:
            try:
                add_offer(session, {
                    "sku": sku, "supplier": supplier, "price": price, "lead_time_days": lead,
                    "min_qty": minimum, "multiple": multiple, "preferred": preferred,
                    "valid_from": (today - timedelta(days=200)).isoformat(),
                    "valid_to": (today + timedelta(days=valid_days)).isoformat()
                    if valid_days is not None else None,
                    "breaks": breaks, "attributes": attributes})
            except OrdercraftError as error:  # an item or supplier this site lacks
                if error.field in ("sku", "supplier"):
                    continue
                raise
        if session.scalar(select(func.count()).select_from(PurchaseOrder)):
            return
        _received_order(session, users, today)


def _received_order(session: Any, users: dict[str, Any], today: date) -> None:
    """Mainboards bought three weeks ago: sent, confirmed, received into PARTS (all of it,
    or nothing on a site that lacks a part of it)."""
    from ordercraft.plugins.purchasing.orders import create_order, receive_order
    from ordercraft.plugins.purchasing.sending import send_order
    from ordercraft.sdk.workflow import transition

    ordered, arrived = today - timedelta(days=21), today - timedelta(days=14)
    try:
        with session.begin_nested():
            order = create_order(session, "BoardWorks Ltd", warehouse="PARTS",
                                 order_date=ordered,
                                 lines=[{"item": "MB-M", "qty": "10"},
                                        {"item": "MB-S", "qty": "5"}])
            send_order(session, order, to="")
            transition(session, order, "confirm",
                       data={"supplier_date": arrived.isoformat()})
            with demo.acting_as(session, users.get("storekeeper") or users.get("manager")):
                receive_order(session, order, on=arrived.isoformat(), extra_cost="24.00")
    except OrdercraftError:
        return
