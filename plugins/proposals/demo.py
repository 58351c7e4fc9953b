"""The proposals part of the demo: the configurable education robot (template
``ROBOT-EDU``) and proposals in every state, first of all the robotics school's TCP of the
story: 10 standard robots at a 12 % discount (above the 10 % threshold: requested and
approved), 5 construction kits, 4 custom robots priced by the robot calculator (the run
kept with the line), a 30 % prepayment before production; sent as version 1, revised and
sent as version 2, accepted. Acceptance makes the customer order, which is confirmed; its
prepayment invoice is issued and paid, which releases the order to production.

Seeding is idempotent (a site with proposals gets none) and leaves out what a site lacks.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.sdk import demo
from ordercraft.sdk.plugins import plugin_service

TEMPLATE = {
    "base": [{"item": "CASE-M", "qty": 1}, {"item": "BATT-7V4", "qty": 1},
             {"item": "MOTOR-DC6", "qty": 2}],
    "groups": [
        {"key": "processor", "title": "Processor", "select": "one", "options": [
            {"key": "a4", "item": "CPU-A4", "label": "A4, 4 cores",
             "characteristics": {"Cores": "4", "Clock": "1.2 GHz"}},
            {"key": "a8", "item": "CPU-A8", "label": "A8, 8 cores",
             "characteristics": {"Cores": "8", "Clock": "1.8 GHz"}}]},
        {"key": "board", "title": "Mainboard", "select": "one", "options": [
            {"key": "m", "item": "MB-M", "label": "M, 8 ports",
             "characteristics": {"Ports": "8"}},
            {"key": "l", "item": "MB-L", "label": "L, 16 ports",
             "characteristics": {"Ports": "16"}}]},
        {"key": "sensors", "title": "Sensors", "select": "any", "min": 0, "max": 2,
         "options": [
             {"key": "distance", "item": "SENSOR-US", "label": "Ultrasonic distance",
              "max_qty": 8},
             {"key": "line", "item": "SENSOR-IR", "label": "Infrared line", "max_qty": 8}]}],
    "rules": [
        {"if": "board.l", "requires": "processor.a8",
         "message": "board kind L needs processor A8"},
        {"max": 6, "of": "sensors", "per": "board",
         "message": "at most 6 sensors per mainboard"}],
}

#: The robot calculator's inputs for the story's custom robots.
CUSTOM_ROBOT = {"case_height": 400, "case_width": 300, "case_depth": 250, "processor": "a8",
                "boards": 2, "board_kind": "l", "nodes": 12, "paint_volume": "0.8",
                "paint_colour": "blue"}
#: When the calculator cannot run here, the run the engineer kept (the same inputs).
FALLBACK_RUN = {"calculator": "robot", "title": "Custom robot", "version": "demo",
                "params": CUSTOM_ROBOT, "total": "2107.40", "lines": [], "catalog": {}}


def _run_calculator(session: Session) -> dict[str, Any]:
    from ordercraft.sdk.calc import CalculatorBusy, CalculatorError, run_calculator

    try:
        return run_calculator("robot", CUSTOM_ROBOT, session=session).to_dict()
    except (CalculatorError, CalculatorBusy):
        return FALLBACK_RUN


def _story(session: Session, users: dict[str, Any], today: date) -> None:
    from ordercraft.plugins.proposals import proposals
    from ordercraft.sdk.workflow import transition

    school = demo.story_client(session)
    if school is None:
        return
    deal = plugin_service(session, "crm", "deals").latest_open(session, school.id)
    run = _run_calculator(session)
    with demo.acting_as(session, users.get("manager")):
        tcp = proposals.create_proposal(
            session, school.id, title="Robotics classroom: 19 robots and kits",
            deal=deal.id if deal is not None else None,
            proposal_date=today - timedelta(days=9), valid_until=today + timedelta(days=21))
        proposals.add_line(session, tcp, item="ROBOT-STD", qty=10, discount=12)
        proposals.add_line(session, tcp, item="KIT-CONSTRUCT", qty=4)
        proposals.add_calculator_line(session, tcp, run=run, item="ROBOT-CUSTOM", qty=4,
                                      markup=40, description="Custom robot, 12 joints")
        proposals.add_line(session, tcp, text="Delivery, installation and a day of teacher "
                                              "training included.")
        proposals.add_line(session, tcp, item="SW-INSTALL", qty=4, optional=True)
        proposals.set_schedule(session, tcp, [
            {"label": "Prepayment", "percent": "30", "trigger": "before_production"},
            {"label": "Balance", "percent": "70", "trigger": "days_after", "days": 14}])
        transition(session, tcp, "request_approval")
    with demo.acting_as(session, users.get("admin")):
        transition(session, tcp, "approve")
    with demo.acting_as(session, users.get("manager")):
        transition(session, tcp, "send", data={"to": "o.grant@future-engineers.example",
                                               "mail": False})
        # The school wants five kits, not four, and the software for the custom robots.
        proposals.change_line(session, tcp, 2, qty=5)
        proposals.change_line(session, tcp, 5, chosen=True)
        transition(session, tcp, "send", data={"to": "o.grant@future-engineers.example",
                                               "mail": False})
        # The school accepted five days ago: the order is dated then.
        transition(session, tcp, "accept",
                   now=datetime.combine(today - timedelta(days=5), time(10, 30)))
    _prepay(session, tcp.order_id, users, today)


def _prepay(session: Session, order_id: int | None, users: dict[str, Any], today: date) -> None:
    """The accepted TCP's order: confirmed, its prepayment invoiced and paid (through
    sales' services ``orders`` and ``money``)."""
    from ordercraft.sdk.workflow import session_machines, transition

    if order_id is None:
        return
    order = session_machines(session).load(session, "order", order_id)
    with demo.acting_as(session, users.get("manager")):
        transition(session, order, "confirm")
    money = plugin_service(session, "sales", "money")
    with demo.acting_as(session, users.get("economist")):
        invoice = money.prepayment(session, order_id, 1, today - timedelta(days=4))
        money.pay(session, order.party_id, invoice["total"], pay_date=today - timedelta(days=2),
                  reference=f"{invoice['number']} Future Engineers Academy Trust",
                  invoices=[invoice["number"]])


#: Other proposals: (client, days ago, lines "SKU:QTY[:DISCOUNT]", configured robots
#: (options, units) or None, the transitions, a reason for decline / expire).
OTHERS: list[tuple[str, int, list[str], tuple[list[str], int] | None, list[str], str]] = [
    ("CodeCamp Kids Club", 2, ["KIT-CONSTRUCT:6"],
     (["processor=a4", "board=m", "sensors.distance=2"], 3), [], ""),
    ("Northfield Technical College", 5, ["SW-INSTALL:6"],
     (["processor=a8", "board=l", "sensors.distance=4", "sensors.line=2"], 6),
     ["request_approval"], ""),
    ("Bright Minds STEM Academy", 8, ["KIT-CONSTRUCT:10:5"], None, ["send"], ""),
    ("Greenwood Lyceum", 20, ["ROBOT-STD:4", "SW-INSTALL:4"], None, ["send", "decline"],
     "The lyceum chose a cheaper supplier."),
    ("Hillside Children's Technopark", 45, ["ROBOT-STD:2"],
     (["processor=a4", "board=m"], 2), ["send", "expire"], "No answer before the date."),
    ("Riverside Secondary School No. 12", 12, ["KIT-CONSTRUCT:3"],
     (["processor=a8", "board=m", "sensors.line=3"], 4), ["request_approval", "approve"], ""),
]


def _others(session: Session, users: dict[str, Any], today: date) -> None:
    from ordercraft.plugins.proposals import proposals
    from ordercraft.sdk.models import Party
    from ordercraft.sdk.workflow import transition

    for client, days, lines, robots, moves, reason in OTHERS:
        party = session.scalar(select(Party).where(Party.name == client))
        if party is None:
            continue
        on = today - timedelta(days=days)
        with demo.acting_as(session, users.get("manager")):
            proposal = proposals.create_proposal(session, party.id, proposal_date=on,
                                                 valid_until=on + timedelta(days=30))
            for spec in lines:
                sku, qty, *rest = spec.split(":")
                proposals.add_line(session, proposal, item=sku, qty=qty,
                                   discount=rest[0] if rest else None)
            if robots is not None:
                options, units = robots
                proposals.configure(session, proposal, "ROBOT-EDU", options, qty=units,
                                    discount=15 if "request_approval" in moves else None)
        for name in moves:
            acting = users.get("admin" if name == "approve" else "manager")
            with demo.acting_as(session, acting):
                transition(session, proposal, name, reason=reason or None,
                           data={"mail": False} if name == "send" else None)


def seed(session: Session, platform: Any) -> None:
    from ordercraft.plugins.proposals.models import Proposal
    from ordercraft.plugins.proposals.proposals import save_template
    from ordercraft.sdk.models import Item

    if session.scalar(select(func.count(Proposal.id))):
        return
    skus = {b["item"] for b in TEMPLATE["base"]} | {
        o["item"] for g in TEMPLATE["groups"] for o in g["options"]}
    if len(set(session.scalars(select(Item.sku).where(Item.sku.in_(sorted(skus)))))) < len(skus):
        return  # not the demo's catalog
    save_template(session, "ROBOT-EDU", name="Education robot", definition=TEMPLATE,
                  description="A sturdy classroom robot: medium case, two drive motors and a "
                              "battery pack; choose the processor, the mainboard and sensors.")
    users = demo.demo_users(session)
    today = date.today()
    _story(session, users, today)
    _others(session, users, today)
    session.flush()
