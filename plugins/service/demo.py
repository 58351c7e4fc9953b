"""service's part of the demo site: the education robot serial-tracked with a 24-month
warranty, units shipped to the story client, knowledge-base articles, complaints in every
state, and a warranty repair of a robot's serial number posting stock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

#: The robot whose units are serial-numbered, and the part replaced under warranty.
ROBOT, PART, PARTS = "ROBOT-STD", "CPU-A4", "PARTS"

ARTICLES = [
    ("Robot does not start after charging", "power",
     "battery charging start", "Check the charger's LED; reseat the battery connector; "
     "if the processor board stays dark, replace the processor."),
    ("Distance sensor reads zero", "sensors", "sensor distance calibration",
     "Clean the sensor window and run the calibration from the settings menu."),
    ("Updating the robot's firmware", "software", "firmware update usb",
     "Connect by USB, open the updater and choose the latest firmware."),
    ("Processor overheats in class", "power", "processor overheating fan",
     "Check the fan; a processor that overheats with a working fan is replaced under "
     "warranty."),
]


def seed(session: Any, platform: Any) -> None:
    from ordercraft.plugins.service import complaints
    from ordercraft.plugins.service.models import Complaint
    from ordercraft.sdk.demo import acting_as, demo_users, receive_missing, story_client
    from ordercraft.sdk.models import Item
    from ordercraft.sdk.workflow import transition

    client = story_client(session)
    robot = session.scalar(select(Item).where(Item.sku == ROBOT))
    part = session.scalar(select(Item).where(Item.sku == PART))
    if session.scalar(select(Complaint.id).limit(1)) is not None or None in (client, robot):
        return
    if part is not None:
        receive_missing(session, {PART: Decimal(2)}, {PART: "62.00"}, warehouse=PARTS,
                        on=date.today() - timedelta(days=30), ref="DEMO-SERVICE")
    with acting_as(session, demo_users(session).get("admin")):
        articles = [complaints.save_article(session, title, body, category=category, tags=tags)
                    for title, category, tags, body in ARTICLES]
        complaints.track_item(session, robot.sku, warranty_months=24)
        numbers = [f"RB-{n:05d}" for n in range(1, 7)]
        complaints.register_serials(session, robot.sku, numbers, origin="produced",
                                    ref="demo", made_on=date.today() - timedelta(days=60))
        complaints.ship_serials(session, client.id, numbers[:4], shipment="demo",
                                ship_date=date.today() - timedelta(days=45))
        start = datetime.combine(date.today() - timedelta(days=20), datetime.min.time())
        plan = [("new", "urgent", "Robot does not start after charging"),
                ("accepted", "high", "Distance sensor reads zero"),
                ("in_work", "normal", "Processor overheats in class"),
                ("resolved", "normal", "Question about the firmware update"),
                ("closed", "low", "Robot does not start"),
                ("rejected", "low", "Scratches on the frame")]
        steps = {"accepted": ["accept"], "in_work": ["accept", "start"],
                 "resolved": ["accept", "resolve"], "closed": ["accept", "resolve", "close"]}
        for index, (state, priority, text) in enumerate(plan):
            complaint = complaints.create_complaint(
                session, client.id, description=text, priority=priority,
                category="question" if "firmware" in text else "defect",
                serial=numbers[index % 4], now=start + timedelta(days=index))
            for step in steps.get(state, []):
                transition(session, complaint, step, now=start + timedelta(days=index, hours=2))
            if state == "rejected":
                transition(session, complaint, "reject", reason="damage in transport, "
                           "not a defect", now=start + timedelta(days=index, hours=1))
            if state == "in_work" and part is not None:
                complaint.cause = "processor"
                complaints.issue_part(session, complaint.id, part.sku, 2, warehouse=PARTS)
            if state == "closed":
                complaints.link_article(session, complaint.id, articles[0].id)
