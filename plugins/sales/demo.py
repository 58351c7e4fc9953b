"""The sales part of the demo: the workshop's letterhead, and orders in every state,
first of all the robot-school order of the story (10 standard robots, 5 construction
kits and 4 custom robots): confirming it reserves the standard robots and kits the
main warehouse holds and lists what is short (4 standard robots and the 4 custom ones,
to produce). With the proposals plugin on, that order is the one the school's accepted
proposal becomes (proposals' demo makes it): sales then stocks the warehouse for it
and makes no order of its own for the school, so the story has one order.

Stock the orders need is received first (an opening receipt dated 90 days back), only
as much as the warehouse lacks, so the demo tells the same story on a site whose stock
was seeded otherwise. Seeding is idempotent: a site that has orders gets none.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.sdk import demo
from ordercraft.sdk.plugins import plugin_service

WAREHOUSE = "MAIN"
#: The story: the standard robots the main warehouse holds when the order is confirmed.
STANDARD_ROBOTS_IN_STOCK = 6

COMPANY = {
    "company_name": "RoboWorks Workshop Ltd",
    "company_address": "14 Foundry Lane\nCambridge CB1 2AB",
    "company_tax_id": "GB 123 4567 89",
    "company_registration_no": "RC-04411",
    "company_bank_details": "Bank: Northern Trust · Sort code 12-34-56 · Account 12345678",
    "company_phone": "+44 20 7946 0100",
    "company_email": "orders@roboworks.example",
    "sales_default_tax_rate": "20",
}

#: Unit cost of the opening stock, per SKU (what the workshop paid or spent).
COSTS = {"ROBOT-STD": "910.00", "KIT-CONSTRUCT": "190.00", "SENSOR-US": "2.60",
         "SENSOR-IR": "1.20", "MOTOR-DC6": "5.80", "WHEEL-65": "1.70", "BATT-7V4": "14.50",
         "CPU-A4": "61.00", "MB-M": "70.00"}

#: Other orders: (client, days ago, lines "SKU:QTY[:PRICE[:DISCOUNT]]", transitions,
#: shipments as [[(line, qty), ...], ...] made before the transitions after "confirm").
ORDERS: list[tuple[str, int, list[str], list[str], list[list[tuple[int, str]]]]] = [
    ("Oakridge International School", 58, ["ROBOT-STD:6", "SW-INSTALL:6"],
     ["confirm", "ship", "invoice", "pay", "close"], []),
    ("Bright Minds STEM Academy", 51, ["KIT-CONSTRUCT:6", "SW-INSTALL:1"],
     ["confirm", "ship", "invoice", "pay", "close"], []),
    ("Northfield Technical College", 44, ["ROBOT-STD:3", "SW-INSTALL:3", "BATT-7V4:6"],
     ["confirm", "ship", "invoice", "pay"], []),
    ("CodeCamp Kids Club", 37, ["KIT-CONSTRUCT:10::5"], ["confirm", "ship", "invoice"], []),
    ("Polytechnic University, Mechatronics", 30,
     ["ROBOT-STD:2", "SENSOR-US:20", "SENSOR-IR:20"], ["confirm", "ship"], []),
    ("MakerSpace Foundry", 24, ["MOTOR-DC6:40", "WHEEL-65:40", "BATT-7V4:10"],
     ["confirm", "ship_part"], [[(1, "40"), (2, "40")]]),
    ("EduTech Distribution", 19, ["KIT-CONSTRUCT:12::10"], ["confirm", "reserve"], []),
    ("Atlas Automation Ltd", 15, ["ROBOT-CUSTOM:2:3200", "SW-INSTALL:2"],
     ["confirm", "start_production"], []),
    ("Greenwood Lyceum", 9, ["ROBOT-STD:4", "SW-INSTALL:4"], ["confirm"], []),
    ("Science Museum Learning Lab", 7, ["ROBOT-STD:2", "SENSOR-US:10"], ["confirm", "cancel"],
     []),
    ("Summit Prep School", 3, ["KIT-CONSTRUCT:5", "ROBOT-STD:1"], [], []),
    ("Little Inventors Centre", 1, ["KIT-CONSTRUCT:8", "SENSOR-IR:16"], [], []),
]


def _made_to_order(session: Session) -> None:
    """Custom robots are built for each client: orders count them (``custom_count``)."""
    from ordercraft.sdk.items import update_item
    from ordercraft.sdk.models import Item

    custom = session.scalar(select(Item).where(Item.sku == "ROBOT-CUSTOM"))
    if custom is not None and not (custom.attributes or {}).get("made_to_order"):
        update_item(session, "ROBOT-CUSTOM",
                    attributes={**(custom.attributes or {}), "made_to_order": True})


def _receive(session: Session, wanted: dict[str, Decimal], ref: str) -> None:
    """Receive what the warehouse lacks of ``wanted`` (one document, dated 90 days back)."""
    demo.receive_missing(session, wanted, COSTS, warehouse=WAREHOUSE,
                         on=date.today() - timedelta(days=90), ref=ref,
                         note="opening stock for the demo orders")


def _needs(lines: list[str]) -> dict[str, Decimal]:
    needs: dict[str, Decimal] = {}
    for spec in lines:
        sku, qty = spec.split(":")[:2]
        needs[sku] = needs.get(sku, Decimal(0)) + Decimal(qty)
    return needs


def _deal_of(session: Session, party_id: int) -> int | None:
    deal = plugin_service(session, "crm", "deals").latest_open(session, party_id)
    return deal.id if deal is not None else None


#: The colleagues' tasks about the story's order: (title, assignee, created hours ago,
#: deadline in hours from now, checklist).
STORY_TASKS = [
    ("Call Future Engineers about the classroom order", "manager", 6, 20,
     ["Confirm the 4 custom robots' sizes", "Agree the delivery week"]),
    ("Check the stock of A8 processors before the school order", "storekeeper", 3, 28,
     ["Count CPU-A8 in PARTS", "Report the shortage to purchasing"]),
]


def _story_tasks(session: Session, order: Any) -> None:
    from ordercraft.sdk.models import utcnow
    from ordercraft.sdk.workflow import create_task

    now = utcnow()
    users = demo.demo_users(session)
    for title, assignee, age, due_in, checklist in STORY_TASKS:
        if assignee in users:
            create_task(session, title, assignee=assignee, deadline=now + timedelta(hours=due_in),
                        checklist=checklist, documents=[order], user=None,
                        now=now - timedelta(hours=age))


def seed(session: Session, platform: Any) -> None:
    from ordercraft.plugins.sales.demo_history import seed_history
    from ordercraft.plugins.sales.machine import ship_order
    from ordercraft.plugins.sales.models import Order
    from ordercraft.plugins.sales.orders import create_order
    from ordercraft.sdk import stock
    from ordercraft.sdk.models import Party
    from ordercraft.sdk.workflow import transition

    if session.scalar(select(func.count(Order.id))):
        return
    demo.default_settings(session, COMPANY)
    _made_to_order(session)
    today = date.today()
    # A year of shipped orders first, from its own stock: analyses need a history.
    seed_history(session, lambda wanted, ref, on: stock.post(
        session, "receipt", [stock.LineSpec(sku, WAREHOUSE, qty, COSTS[sku])
                             for sku, qty in sorted(wanted.items()) if sku in COSTS],
        date=on, ref=ref, note="stock for the year of demo orders"))

    # The story's order first: the warehouse holds 6 standard robots and enough kits.
    # With proposals on, the order is the school's accepted proposal (proposals' demo
    # makes it, one story with one order); sales only stocks the warehouse for it.
    school = demo.story_client(session)
    if school is not None:
        _receive(session, {"ROBOT-STD": Decimal(STANDARD_ROBOTS_IN_STOCK),
                           "KIT-CONSTRUCT": Decimal(5)}, "DEMO-OPENING-1")
    if school is not None and not platform.is_enabled("proposals"):
        order = create_order(
            session, school.id, order_date=today - timedelta(days=2),
            due_date=today + timedelta(days=28), deal=_deal_of(session, school.id),
            manager="manager",
            notes="New robotics classroom: 10 standard robots, 5 construction kits and 4 "
                  "custom robots (priced with the robot calculator).",
            lines=["ROBOT-STD:10", "KIT-CONSTRUCT:5", "ROBOT-CUSTOM:4:2950"])
        transition(session, order, "confirm")
        _story_tasks(session, order)

    # Then the other clients' orders, with the stock they ship or reserve.
    wanted: dict[str, Decimal] = {}
    for _client, _days, lines, moves, _ships in ORDERS:
        if moves:
            for sku, qty in _needs(lines).items():
                wanted[sku] = wanted.get(sku, Decimal(0)) + qty
    _receive(session, wanted, "DEMO-OPENING-2")
    for client, days, lines, moves, shipments in ORDERS:
        party = session.scalar(select(Party).where(Party.name == client))
        if party is None:
            continue
        on = today - timedelta(days=days)
        order = create_order(session, party.id, order_date=on, due_date=on + timedelta(days=21),
                             lines=lines, manager="manager")
        for name in moves:
            if name in ("ship", "ship_part"):
                ship_day = min(on + timedelta(days=3), today)
                for shipment in shipments:
                    ship_order(session, order, [{"line": p, "qty": q} for p, q in shipment],
                               ship_date=ship_day)
                if name == "ship":
                    ship_order(session, order, None, ship_date=ship_day)
            elif name == "cancel":
                transition(session, order, "cancel",
                           reason="The museum moved the budget to next year.")
            else:
                transition(session, order, name)
    session.flush()
