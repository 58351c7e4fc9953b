"""Surveys: a short questionnaire sent by a mailing (its ``survey_url``: a signed link,
no login), answered on a public page, the answers stored on the contact and reported
(e.g. satisfaction after delivery: the average rating per question)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.marketing.models import Survey, SurveyAnswer
from ordercraft.sdk import validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.models import Contact, utcnow
from ordercraft.sdk.permissions import require_session_permission

QUESTION_KINDS = ("rating", "text")
#: A rating is a whole number from 1 to 5.
RATING = (1, 5)


def create_survey(session: Session, name: Any, questions: Any) -> Survey:
    """A survey; ``questions``: ``[{"key", "text", "kind": "rating"|"text"}]`` or text,
    one question a line as ``key: kind: text``."""
    require_session_permission(session, "marketing.write")
    clean = validation.text(name, field="name", max_length=200, required=True)
    if session.scalar(select(Survey.id).where(Survey.name == clean)) is not None:
        raise Conflict(f"name: survey {clean!r} already exists", field="name")
    if isinstance(questions, str):
        parsed = []
        for number, line in enumerate(x for x in questions.splitlines() if x.strip()):
            parts = [p.strip() for p in line.split(":", 2)]
            if len(parts) != 3:
                raise ValidationError(f"questions.{number}: {line!r} is not 'key: kind: text'",
                                      field=f"questions.{number}")
            parsed.append({"key": parts[0], "kind": parts[1], "text": parts[2]})
        questions = parsed
    checked = []
    for number, question in enumerate(questions or []):
        field = f"questions.{number}"
        if not isinstance(question, dict):
            raise ValidationError(f"{field}: not a question", field=field)
        checked.append({
            "key": validation.word(question.get("key"), field=f"{field}.key", max_length=30),
            "kind": validation.choice(question.get("kind") or "rating", choices=QUESTION_KINDS,
                                      field=f"{field}.kind"),
            "text": validation.text(question.get("text"), field=f"{field}.text",
                                    max_length=300, required=True)})
    if not checked:
        raise ValidationError("questions: a survey needs at least one question",
                              field="questions")
    if len({q["key"] for q in checked}) != len(checked):
        raise ValidationError("questions: each question needs its own key", field="questions")
    survey = Survey(name=clean, questions=checked)
    session.add(survey)
    session.flush()
    return survey


def survey_for_token(session: Session, token: str) -> tuple[Survey, Contact, int | None]:
    from ordercraft.plugins.marketing.mailings import SURVEY
    from ordercraft.sdk.signing import unsign

    value = unsign(session, SURVEY, token)
    try:
        survey = session.get(Survey, int(value["survey"]))
        contact = session.get(Contact, int(value["contact"]))
        mailing = value.get("mailing")
    except (TypeError, KeyError, ValueError):
        raise ValidationError("token: the link is not valid", field="token") from None
    if survey is None or contact is None:
        raise NotFound("token: the survey or its contact no longer exists", field="token")
    return survey, contact, int(mailing) if mailing is not None else None


def answer(session: Session, token: str, answers: dict[str, Any],
           now: datetime | None = None) -> SurveyAnswer:
    """Store the answers of the contact a survey link names (answering again replaces
    them). A rating is refused unless a whole number from 1 to 5."""
    survey, contact, mailing_id = survey_for_token(session, token)
    stored: dict[str, Any] = {}
    for question in survey.questions:
        key, raw = question["key"], answers.get(question["key"])
        if raw in (None, ""):
            continue
        if question["kind"] == "rating":
            stored[key] = validation.whole_number(raw, field=key, minimum=RATING[0],
                                                  maximum=RATING[1])
        else:
            stored[key] = validation.text(raw, field=key, max_length=2000, multiline=True)
    if not stored:
        raise ValidationError("answers: answer at least one question", field="answers")
    row = session.scalar(select(SurveyAnswer).where(
        SurveyAnswer.survey_id == survey.id, SurveyAnswer.contact_id == contact.id,
        SurveyAnswer.mailing_id == mailing_id if mailing_id is not None
        else SurveyAnswer.mailing_id.is_(None)))
    if row is None:
        row = SurveyAnswer(survey_id=survey.id, contact_id=contact.id,
                           party_id=contact.party_id, mailing_id=mailing_id)
        session.add(row)
    row.answers, row.at = stored, now or utcnow()
    session.flush()
    return row


def get_survey(session: Session, ref: Any) -> Survey:
    require_session_permission(session, "marketing.read")
    from ordercraft.plugins.marketing.mailings import get_survey_id

    survey = session.get(Survey, get_survey_id(session, ref))
    assert survey is not None
    return survey


def survey_report(session: Session, survey: Survey) -> dict[str, Any]:
    """Answers count and, per rating question, the average and the count per rating."""
    rows = list(session.scalars(select(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id)
                                .order_by(SurveyAnswer.at)))
    questions = []
    for question in survey.questions:
        values = [r.answers[question["key"]] for r in rows if question["key"] in r.answers]
        entry: dict[str, Any] = {**question, "answers": len(values)}
        if question["kind"] == "rating":
            entry["average"] = (str((Decimal(sum(values)) / len(values)).quantize(
                Decimal("0.01"))) if values else None)
            entry["counts"] = {str(n): values.count(n) for n in range(RATING[0], RATING[1] + 1)}
        else:
            entry["texts"] = [str(v) for v in values[-20:]]
        questions.append(entry)
    return {"id": survey.id, "name": survey.name, "responses": len(rows),
            "questions": questions}


def answers_of_contact(session: Session, contact_id: int) -> list[dict[str, Any]]:
    return [{"survey_id": a.survey_id, "answers": a.answers, "at": a.at}
            for a in session.scalars(select(SurveyAnswer).where(
                SurveyAnswer.contact_id == contact_id).order_by(SurveyAnswer.at))]
