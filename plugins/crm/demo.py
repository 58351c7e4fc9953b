"""crm's part of the demo site: deals at every stage of the funnel for the demo clients,
interactions with their next steps (some done, some due, a few overdue), and a few client
groups. The robotics school of the story is in negotiation for its classroom order.

Everything is dated in the past few months (transitions, interactions and tasks carry
their own times), so the board, the funnel report and the timelines look lived in. The
core seeds each plugin once per site; seeding again finds the deals there and does
nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.sdk import demo
from ordercraft.sdk.models import Party, User, utcnow

#: The funnel path of a deal that ends in each state.
PATHS = {
    "lead": [],
    "qualified": ["qualify"],
    "proposal": ["qualify", "propose"],
    "negotiation": ["qualify", "propose", "negotiate"],
    "won": ["qualify", "propose", "negotiate", "win"],
    "lost": ["qualify", "propose", "lose"],
}
#: How many of the demo's deals end in each state (every stage has some).
MIX = (["lead"] * 9 + ["qualified"] * 8 + ["proposal"] * 8 + ["negotiation"] * 7
       + ["won"] * 12 + ["lost"] * 9)
TITLES = {
    "school": ["Robotics club kits", "Classroom robots for the spring term",
               "STEM lab: standard robots"],
    "college": ["Mechatronics workshop robots", "Robots for the automation course"],
    "university": ["Research platform robots", "Mechatronics lab upgrade"],
    "club": ["Construction kits for the new group", "Competition robots"],
    "corporate": ["Training robots for apprentices", "Demo robots for the showroom"],
    "dealer": ["Dealer stock: construction kits", "Regional distribution of kits"],
    "museum": ["Interactive exhibit robots"],
    "events": ["Tournament robots"],
    "camp": ["Summer camp kits"],
}
LOST_REASONS = ["Chose a cheaper competitor", "Budget cut for this year",
                "Project postponed to next year", "No answer after the proposal",
                "Needed delivery before September"]
#: (kind, subject, outcome) by the stage the deal was in.
CONVERSATIONS = {
    "lead": [("incoming_call", "Asked about robots for lessons",
              "Interested in 8-12 robots; budget to be confirmed."),
             ("email", "Enquiry from the website", "Sent the catalogue and price list.")],
    "qualified": [("meeting", "Demo lesson with the standard robot",
                   "The teachers liked it; they want a proposal for two classes."),
                  ("outgoing_call", "Needs and budget", "Budget approved by the board.")],
    "proposal": [("email", "Sent the proposal", "Proposal with volume discount sent."),
                 ("outgoing_call", "Follow-up on the proposal",
                  "They are comparing with another supplier.")],
    "negotiation": [("meeting", "Discount and payment terms",
                     "Asked for 5 % off and payment in two parts."),
                    ("sms", "Reminder about the offer's validity", "")],
    "won": [("meeting", "Contract signed", "Order confirmed; delivery in four weeks.")],
    "lost": [("outgoing_call", "Why we lost", "")],
}
NEXT_STEPS = {
    "lead": "Call back to qualify the need",
    "qualified": "Prepare the proposal",
    "proposal": "Call about the proposal",
    "negotiation": "Send the final offer with the agreed discount",
}
PRICES = {"robot": Decimal("1450.00"), "kit": Decimal("320.00"), "custom": Decimal("2480.00")}


def seed(session: Session) -> None:
    from ordercraft.plugins.crm.models import Deal

    if session.scalar(select(func.count(Deal.id))):
        return
    users = demo.demo_users(session)
    manager = users.get("manager") or users.get("admin")
    if manager is None:
        return
    with demo.acting_as(session, manager):
        _seed(session, users, manager)


def _seed(session: Session, users: dict[str, User], manager: User) -> None:
    from ordercraft.plugins.crm.clients import CLIENT_KINDS
    from ordercraft.plugins.crm.models import Deal

    rng = random.Random(20240901)
    now = utcnow().replace(second=0, microsecond=0)
    clients = list(session.scalars(select(Party).where(Party.kind.in_(CLIENT_KINDS))
                                   .order_by(Party.id)))
    if not clients:
        return
    school, others = clients[0], clients[1:]
    _story_deal(session, school, manager, now)
    owners = [manager, manager, manager, users.get("admin", manager)]
    outcomes = list(MIX)
    rng.shuffle(outcomes)
    for index, outcome in enumerate(outcomes):
        client = others[index % len(others)]
        _deal(session, rng, client, outcome, owners[index % len(owners)], now)
    _groups(session)
    # The audit log dates a deal's creation now; the demo's deals were opened months ago.
    demo.date_creations(session, Deal)


def _title(rng: random.Random, client: Party) -> str:
    for tag in client.tags:
        if tag in TITLES:
            return rng.choice(TITLES[tag])
    return rng.choice(TITLES["school"])


def _amount(rng: random.Random, client: Party) -> Decimal:
    robots, kits = rng.choice([0, 4, 6, 8, 10, 12, 16]), rng.choice([0, 5, 10, 15, 20])
    if "dealer" in client.tags:
        robots, kits = 0, rng.choice([30, 40, 60])
    if robots == kits == 0:
        kits = 10
    return robots * PRICES["robot"] + kits * PRICES["kit"]


def _deal(session: Session, rng: random.Random, client: Party, outcome: str, owner: User,
          now: datetime) -> None:
    from ordercraft.plugins.crm.deals import create_deal
    from ordercraft.sdk.workflow import transition

    path = PATHS[outcome]
    closed = outcome in ("won", "lost")
    age = rng.randint(70, 170) if closed else rng.randint(4 + 6 * len(path), 40 + 8 * len(path))
    opened = now - timedelta(days=age, hours=rng.randint(0, 8))
    deal = create_deal(session, client.id, _title(rng, client), amount=_amount(rng, client),
                       manager=owner.name,
                       expected_close=(opened + timedelta(days=rng.randint(30, 90))).date(),
                       contact=client.contacts[0].id if client.contacts else None)
    deal.created_at = opened
    moment = opened
    stage = "lead"
    steps = len(path) + 1
    for name in path:
        _talk(session, rng, client, deal, stage, owner, moment, now, last=False)
        moment += timedelta(days=max(1, age // steps - rng.randint(0, 3)),
                            hours=rng.randint(1, 6))
        reason = rng.choice(LOST_REASONS) if name == "lose" else None
        transition(session, deal, name, reason=reason, now=moment, user=owner)
        stage = deal.state
    _talk(session, rng, client, deal, stage, owner,
          moment + timedelta(hours=rng.randint(1, 30)), now, last=True)


def _talk(session: Session, rng: random.Random, client: Party, deal: Any, stage: str,
          owner: User, at: datetime, now: datetime, *, last: bool) -> None:
    """One interaction; open deals get a next step (due soon, a few overdue), and the
    next steps of earlier conversations are done when the deal moved on."""
    from ordercraft.plugins.crm.interactions import log_interaction
    from ordercraft.sdk.workflow import complete_task

    at = min(at, now - timedelta(hours=1))
    kind, subject, outcome = rng.choice(CONVERSATIONS[stage])
    if stage == "lost":
        outcome = deal.lost_reason
    step = NEXT_STEPS.get(stage)
    due = None
    if step:
        due = at + timedelta(days=rng.randint(2, 9), hours=rng.randint(0, 5))
        if last and due < now and rng.random() < 0.6:
            due = now + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6))
    interaction = log_interaction(
        session, client.id, kind=kind, subject=subject, outcome=outcome, at=at,
        deal=deal.id, manager=owner.name,
        contact=client.contacts[0].id if client.contacts else None,
        next_step=step, next_step_due=due, now=at + timedelta(minutes=5))
    if interaction.task_id and not last:
        finished = min(at + timedelta(days=rng.randint(1, 4)), now - timedelta(minutes=30))
        complete_task(session, interaction.task_id, user=owner, now=finished)


def _story_deal(session: Session, school: Party, manager: User, now: datetime) -> None:
    """The robotics school's classroom order (DESIGN.md), in negotiation."""
    from ordercraft.plugins.crm.deals import create_deal
    from ordercraft.plugins.crm.interactions import log_interaction
    from ordercraft.sdk.workflow import complete_task, transition

    contact = school.contacts[0] if school.contacts else None
    opened = now - timedelta(days=24)
    amount = 10 * PRICES["robot"] + 5 * PRICES["kit"] + 4 * PRICES["custom"]
    deal = create_deal(session, school.id, "Robotics classroom: 10 standard, 5 kits, "
                       "4 custom robots", amount=amount, manager=manager.name,
                       expected_close=(now + timedelta(days=12)).date(),
                       contact=contact.id if contact else None, source="exhibition",
                       notes="Custom robots to be priced with the robot calculator.")
    deal.created_at = opened
    story = [
        (opened, "meeting", "Met at the EdTech exhibition",
         "Olivia Grant wants a robotics classroom for September.", "Send the catalogue",
         "qualify"),
        (opened + timedelta(days=5), "outgoing_call", "Needs of the new classroom",
         "10 standard robots, 5 construction kits and 4 bigger custom robots.",
         "Get the custom robots priced", "propose"),
        (opened + timedelta(days=14), "email", "Proposal sent",
         "Sent the proposal with the custom robots' price.", "Call about the proposal",
         "negotiate"),
    ]
    for at, kind, subject, outcome, step, move in story:
        interaction = log_interaction(
            session, school.id, kind=kind, subject=subject, outcome=outcome, at=at,
            deal=deal.id, manager=manager.name, contact=contact.id if contact else None,
            next_step=step, next_step_due=at + timedelta(days=3), now=at)
        complete_task(session, interaction.task_id, user=manager,
                      now=at + timedelta(days=2))
        transition(session, deal, move, now=at + timedelta(days=2, hours=1), user=manager)
    log_interaction(
        session, school.id, kind="incoming_call", subject="Discount for paying in advance",
        outcome="Purchasing asks 5 % off if they pay 50 % upfront.", deal=deal.id,
        at=now - timedelta(days=1), manager=manager.name,
        contact=school.contacts[1].id if len(school.contacts) > 1 else None,
        next_step="Send the final offer with the upfront-payment discount",
        next_step_due=now + timedelta(days=2), now=now - timedelta(days=1))


def _groups(session: Session) -> None:
    from ordercraft.plugins.crm.groups import create_group

    create_group(session, "Schools", ["tag = school"],
                 description="Schools of every kind: our main market.")
    create_group(session, "Exhibition leads in play", ["source = exhibition", "open_deals = yes"],
                 description="Met at an exhibition and still negotiating.")
    create_group(session, "Key accounts", ["tag = key-account"])
    create_group(session, "Not contacted for 60 days", ["interacted_within_days != 60",
                                                        "kind = client"],
                 description="Clients nobody has spoken to lately: call them.")
