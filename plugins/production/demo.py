"""The production part of the demo: the robot workshop's work centres (assembly,
soldering, software), standard costs of the parts, the nodes of a standard robot, the
BOMs (parts -> nodes -> standard robot, the construction kit) with their technology maps,
and a two-stage production order for the robot school's standard robots, in progress
(stage 1, the nodes, reported; the robots still to finish).

Seeding looks things up and leaves out what is missing (a site seeded otherwise), and
adds nothing to a site that has BOMs already.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.sdk import demo
from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.models import Item

#: (code, name, cost per hour)
CENTRES = [("ASSEMBLY", "Assembly bench", "35.00"), ("SOLDERING", "Soldering station", "40.00"),
           ("SOFTWARE", "Software and test", "30.00")]

#: The nodes a standard robot is made of (stocked sub-assemblies).
NODES = [("NODE-CTRL", "Controller node", "Processor, mainboard and cables, soldered."),
         ("NODE-DRIVE", "Drive node", "Motors, wheels and battery on a frame.")]

#: sku -> lines "SKU QTY [unit] [phantom] [stage=N]"; output 1 piece; routing code or None
BOMS: list[tuple[str, list[str], str | None]] = [
    ("NODE-CTRL", ["CPU-A4 1", "MB-M 1", "CABLE-SET 1", "SCREW-M3 8"], "MAP-CTRL"),
    ("NODE-DRIVE", ["MOTOR-DC6 2", "WHEEL-65 2", "BATT-7V4 1", "SCREW-M3 6"], None),
    # Two stages: the nodes are made and passed straight on (phantoms), then the robot.
    ("ROBOT-STD", ["NODE-CTRL 1 phantom stage=1", "NODE-DRIVE 1 phantom stage=1", "CASE-M 1",
                   "PAINT-BLUE 250 ml", "SENSOR-US 2", "SENSOR-IR 2", "SCREW-M3 12"],
     "MAP-ROBOT"),
    ("KIT-CONSTRUCT", ["MOTOR-DC6 2", "SENSOR-IR 2", "WHEEL-65 4", "SCREW-M3 40",
                       "CABLE-SET 1"], None),
]

#: code -> item, operations "CENTRE setup cycle stage name"
MAPS = {
    "MAP-CTRL": ("NODE-CTRL", [("SOLDERING", 20, 25, 0, "Solder the controller")]),
    "MAP-ROBOT": ("ROBOT-STD", [("SOLDERING", 20, 25, 1, "Solder the nodes"),
                                ("ASSEMBLY", 15, 40, 0, "Assemble the robot"),
                                ("SOFTWARE", 5, 15, 0, "Install software and test")]),
}

#: Standard costs of parts (what the workshop plans with).
STANDARD_COSTS = {"CPU-A4": "62.00", "MB-M": "71.00", "CABLE-SET": "2.90", "SCREW-M3": "0.02",
                  "MOTOR-DC6": "5.10", "WHEEL-65": "1.60", "BATT-7V4": "14.50",
                  "CASE-M": "42.00", "PAINT-BLUE": "11.20", "SENSOR-US": "2.35",
                  "SENSOR-IR": "1.05"}


def _line(raw: str) -> dict[str, Any]:
    words = raw.split()
    line: dict[str, Any] = {"component": words[0], "qty": words[1]}
    for word in words[2:]:
        if word == "phantom":
            line["phantom"] = True
        elif word.startswith("stage="):
            line["stage"] = word[6:]
        else:
            line["unit"] = word
    return line


def seed(session: Session, platform: Any) -> None:
    from ordercraft.plugins.production.boms import add_bom
    from ordercraft.plugins.production.models import Bom
    from ordercraft.plugins.production.orders import create_order
    from ordercraft.plugins.production.routings import add_routing, add_work_centre
    from ordercraft.sdk.items import create_item, update_item
    from ordercraft.sdk.workflow import transition

    if session.scalar(select(Bom.id).limit(1)) is not None:
        return
    have = set(session.scalars(select(Item.sku)))
    for sku, name, description in NODES:
        if sku not in have:
            create_item(session, sku, name=name, kind="assembly", description=description)
            have.add(sku)
    for sku, cost in STANDARD_COSTS.items():
        if sku in have:
            update_item(session, sku, standard_cost=cost)
    for code, name, rate in CENTRES:
        add_work_centre(session, code, name=name, cost_per_hour=rate)
    for code, (sku, operations) in MAPS.items():
        add_routing(session, code, [{"work_centre": centre, "setup_min": setup,
                                     "cycle_min": cycle, "stage": stage, "name": name}
                                    for centre, setup, cycle, stage, name in operations],
                    item=sku)
    for sku, lines, routing in BOMS:
        specs = [_line(raw) for raw in lines]
        if sku in have and all(spec["component"] in have for spec in specs):
            add_bom(session, sku, specs, routing=routing)
    if "ROBOT-STD" not in have:
        return
    # The school's standard robots the warehouse lacks (DESIGN.md): a two-stage order from
    # the parts store into the main warehouse, nodes done, robots in progress.
    school = demo.story_client(session)
    users = demo.demo_users(session)
    with demo.acting_as(session, users.get("storekeeper")):
        order = create_order(session, "ROBOT-STD", 4, warehouse="PARTS",
                             output_warehouse="MAIN", due_date=date.today() + timedelta(days=7),
                             source="order: " + (school.name if school else "robot school"))
        try:
            with session.begin_nested():
                transition(session, order, "release")
                transition(session, order, "report_stage", data={"stage": 1})
        except OrdercraftError:  # a site whose stock differs keeps a draft order
            pass
