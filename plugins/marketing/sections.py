"""The marketing section of crm's client card (core hook ``page_sections``)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.marketing.models import (
    Bounce,
    Campaign,
    Channel,
    Consent,
    Mailing,
    MailingMessage,
    Participant,
    Survey,
    SurveyAnswer,
)
from ordercraft.sdk.models import Contact
from ordercraft.sdk.plugins import PageSection

#: The newest messages and answers shown.
SHOWN = 10


def client_section(session: Session, party: Any) -> PageSection:
    channel = session.scalar(select(Channel.name).where(Channel.code == party.source))
    campaigns = session.execute(
        select(Campaign.name, Campaign.starts_on, Participant.status, Participant.lead)
        .join(Participant, Participant.campaign_id == Campaign.id)
        .where(Participant.party_id == party.id).order_by(Campaign.starts_on.desc())).all()
    messages = session.execute(
        select(Mailing.name, Mailing.channel, Contact.name, MailingMessage.at)
        .join(Mailing, Mailing.id == MailingMessage.mailing_id)
        .join(Contact, Contact.id == MailingMessage.contact_id)
        .where(MailingMessage.party_id == party.id)
        .order_by(MailingMessage.id.desc()).limit(SHOWN)).all()
    total = session.scalar(select(func.count()).select_from(MailingMessage).where(
        MailingMessage.party_id == party.id)) or 0
    consents = session.execute(
        select(Contact.name, Consent.channel, Consent.granted, Consent.at, Consent.source)
        .join(Contact, Contact.id == Consent.contact_id)
        .where(Contact.party_id == party.id).order_by(Contact.name)).all()
    answers = session.execute(
        select(Survey.name, Contact.name, SurveyAnswer.answers, SurveyAnswer.at)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .join(Contact, Contact.id == SurveyAnswer.contact_id)
        .where(SurveyAnswer.party_id == party.id)
        .order_by(SurveyAnswer.at.desc()).limit(SHOWN)).all()
    bounced = session.execute(
        select(Contact.name, Contact.email, Bounce.at, Bounce.reason)
        .join(Bounce, Bounce.address == func.lower(Contact.email))
        .where(Contact.party_id == party.id).order_by(Contact.name)).all()
    html = render_template("marketing/_client_section.html", channel=channel or party.source,
                           campaigns=campaigns, messages=messages, total=total,
                           consents=consents, answers=answers, bounced=bounced)
    return PageSection("Marketing", Markup(html), order=60, name="marketing")
