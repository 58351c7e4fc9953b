"""The demo's marketing: the EdTech exhibition where the robotics school was met (its
costs, the clients who came, and the leads and deals it brought, in the return report),
a mailing sent to the schools, a scheduled one, and a satisfaction survey sent after
delivery."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.marketing.models import Campaign
from ordercraft.sdk import demo
from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.models import Party, utcnow

EXPO = "EdTech exhibition"


def seed(session: Session) -> None:
    if session.scalar(select(func.count(Campaign.id))):
        return
    users = demo.demo_users(session)
    manager = users.get("manager") or users.get("admin")
    if manager is None:
        return
    with demo.acting_as(session, manager):
        _seed(session)


def _seed(session: Session) -> None:
    from ordercraft.plugins.marketing import campaigns, mailings, surveys

    today = utcnow().date()
    expo = campaigns.create_campaign(
        session, EXPO, channel="exhibition", kind="exhibition",
        starts_on=today - timedelta(days=26), ends_on=today - timedelta(days=24),
        budget="6000", notes="Stand B12 with the classroom robots.")
    campaigns.add_cost(session, expo.id, "3500.00", note="Stand and furniture")
    campaigns.add_cost(session, expo.id, "1150.00", note="Travel and hotel")
    campaigns.add_cost(session, expo.id, "420.00", note="Leaflets and sample kits")
    met = list(session.scalars(select(Party).where(Party.source == "exhibition")
                               .order_by(Party.id).limit(6)))
    story = session.scalar(select(Party).where(Party.name == demo.STORY_CLIENT))
    if story is not None and story not in met:
        met.insert(0, story)
    for party in met:
        contact = party.contacts[0].id if party.contacts else None
        campaigns.add_participant(session, expo.id, party.id, contact=contact,
                                  status="attended", lead=True)
    campaigns.create_campaign(session, "Teachers' seminar: robots in class", channel="seminar",
                              kind="seminar", starts_on=today + timedelta(days=20),
                              budget="1500")
    survey = surveys.create_survey(session, "Satisfaction after delivery", [
        {"key": "satisfaction", "kind": "rating", "text": "How satisfied are you with the "
                                                          "robots? (1-5)"},
        {"key": "comment", "kind": "text", "text": "What could we do better?"}])
    _mailings(session, mailings, survey.id, expo.id)


def _mailings(session: Session, mailings: Any, survey_id: int, expo_id: int) -> None:
    groups = {g.name for g in _groups(session)}
    group = "Schools" if "Schools" in groups else next(iter(sorted(groups)), None)
    if group is None:
        return
    body = ("Dear {{ contact.first_name }},\n\nthank you for visiting our stand at the EdTech "
            "exhibition. The new classroom robots for {{ client.name }} are in stock: ten "
            "robots and five construction kits ship within two weeks.\n\nKind regards\n")
    sent = mailings.save_mailing(session, name="Classroom robots after the exhibition",
                                 group=group, subject="New classroom robots for "
                                 "{{ client.name }}", body=body, campaign=expo_id)
    try:
        mailings.start_mailing(session, sent)
    except OrdercraftError:
        pass  # a group without consenting contacts: the mailing stays a draft
    scheduled = mailings.save_mailing(
        session, name="Summer robotics camp", group=group, mode="scheduled",
        scheduled_at=(utcnow() + timedelta(days=7)).replace(microsecond=0),
        subject="Summer robotics camp for {{ client.name }}",
        body="Dear {{ contact.first_name }},\n\nour summer camp has places left.\n")
    try:
        mailings.start_mailing(session, scheduled)
    except OrdercraftError:
        pass
    after = mailings.save_mailing(
        session, name="How did the delivery go?", group=group, mode="triggered",
        trigger="order_shipped", trigger_days=7, survey=survey_id,
        subject="How are the robots doing?",
        body="Dear {{ contact.first_name }},\n\ntwo questions about your delivery: "
             "{{ survey_url }}\n")
    mailings.start_mailing(session, after)


def _groups(session: Session) -> list[Any]:
    from ordercraft.sdk.plugins import plugin_service

    return list(plugin_service(session, "crm", "groups").list(session))
