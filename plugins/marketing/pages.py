"""The marketing pages: campaigns with the return report, mailings with their editor
(preview, test send, send or schedule), and the public pages a message links to (the
unsubscribe and the survey: signed tokens, no login). Views parse input, call one
service and render."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from ordercraft.plugins.marketing import campaigns, surveys
from ordercraft.plugins.marketing import mailings as mailings_service
from ordercraft.plugins.marketing.models import MAILING_CHANNELS, MAILING_MODES, TRIGGERS
from ordercraft.sdk import web
from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.plugins import plugin_service
from ordercraft.sdk.validation import input_attributes

HERE = Path(__file__).parent

bp = Blueprint("marketing", __name__, url_prefix="/marketing",
               template_folder=str(HERE / "templates"))
#: The pages a message links to: no login, the signed token is the key.
public = Blueprint("marketing_public", __name__, url_prefix="/marketing",
                   template_folder=str(HERE / "templates"))

EDITOR_FIELDS = ("name", "group", "channel", "subject", "body", "mode", "scheduled_at",
                 "trigger", "trigger_days")


@bp.get("/campaigns")
@web.permission_required("marketing.read")
def campaigns_page():
    session = web.request_session()
    today = date.today()
    date_from = request.args.get("from") or date(today.year, 1, 1).isoformat()
    date_to = request.args.get("to") or today.isoformat()
    error, rows = None, []
    try:
        rows = campaigns.return_report(session, date_from, date_to)
    except OrdercraftError as exc:
        error = exc
    found = campaigns.list_campaigns(session)
    return render_template("marketing/campaigns.html",
                           campaigns=[campaigns.campaign_dict(session, c) for c in found],
                           rows=rows, date_from=date_from, date_to=date_to, error=error)


@bp.get("/mailings")
@web.permission_required("marketing.read")
def mailings():
    session = web.request_session()
    return render_template("marketing/mailings.html", mailings=[
        mailings_service.mailing_dict(session, m) for m in mailings_service.list_mailings(session)])



def _editor(mailing: Any, values: dict[str, Any], *, preview: Any = None, error: Any = None,
            status: int = 200, notice: str = "") -> Any:
    session = web.request_session()
    groups = plugin_service(session, "crm", "groups").list(session)
    return render_template("marketing/editor.html", mailing=mailing, values=values,
                           groups=groups, channels=MAILING_CHANNELS, modes=MAILING_MODES,
                           triggers=TRIGGERS, preview=preview, error=error,
                           fields=sorted(mailings_service.MERGE_FIELDS), notice=notice,
                           attrs=input_attributes(mailings_service.MAILING_RULES)), status


def _values(mailing: Any) -> dict[str, Any]:
    if mailing is None:
        return {"channel": "email", "mode": "now", "trigger_days": "0"}
    session = web.request_session()
    document = mailings_service.mailing_dict(session, mailing, detail=True)
    document["scheduled_at"] = web.local_input(mailing.scheduled_at)
    return document


@bp.get("/mailings/new")
@web.permission_required("marketing.write")
def new_mailing():
    return _editor(None, _values(None))


@bp.get("/mailings/<int:mailing_id>")
@web.permission_required("marketing.read")
def mailing(mailing_id: int):
    session = web.request_session()
    found = mailings_service.get_mailing(session, mailing_id)
    return _editor(found, _values(found))


@bp.post("/mailings/new")
@bp.post("/mailings/<int:mailing_id>")
@web.permission_required("marketing.write")
def save_mailing(mailing_id: int | None = None):
    """Save the draft, then preview it, send a test to oneself, or send / schedule it."""
    session = web.request_session()
    values = {name: request.form.get(name, "") for name in EDITOR_FIELDS}
    action = request.form.get("action", "preview")
    found = mailings_service.get_mailing(session, mailing_id) if mailing_id else None
    try:
        fields = dict(values)
        if fields["mode"] != "scheduled":
            fields["scheduled_at"] = None
        else:  # typed in the user's zone; stored in UTC
            fields["scheduled_at"] = web.utc_from_input(fields["scheduled_at"])
        if fields["mode"] != "triggered":
            fields["trigger"] = None
        if found is None or found.state == "draft":
            found = mailings_service.save_mailing(session, found, **fields)
        if action == "send":
            result = mailings_service.start_mailing(session, found)
            return redirect(url_for("marketing.mailing", mailing_id=found.id,
                                    done=result["state"]))
        notice = ""
        if action == "test":
            user = web.current_user()
            mailings_service.test_send(session, found, request.form.get("test_to")
                                       or getattr(user, "email", "") or "")
            notice = "test"
        preview = mailings_service.preview(session, found)
    except OrdercraftError as exc:
        web.mark_failed()
        return _editor(found if found is not None and found.id else None, values, error=exc,
                       status=web.FORM_ERROR_STATUS)
    return _editor(found, {**values, "id": found.id, "state": found.state}, preview=preview,
                   notice=notice)


# ------------------------------------------------------------------ public pages


@public.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    return render_template("marketing/unsubscribe.html", token=token, done=False)


@public.post("/unsubscribe/<token>")
def unsubscribe(token: str):
    try:
        mailings_service.unsubscribe(web.request_session(), token)
    except OrdercraftError as exc:
        web.mark_failed()
        return render_template("marketing/unsubscribe.html", token=token, done=False,
                               error=exc), 400
    return render_template("marketing/unsubscribe.html", token=token, done=True)


@public.get("/survey/<token>")
def survey_page(token: str):
    try:
        survey, _contact, _mailing = surveys.survey_for_token(web.request_session(), token)
    except OrdercraftError as exc:
        return render_template("marketing/survey.html", survey=None, error=exc), 400
    return render_template("marketing/survey.html", survey=survey, values={}, done=False)


@public.post("/survey/<token>")
def answer_survey(token: str):
    session = web.request_session()
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        surveys.answer(session, token, values)
    except OrdercraftError as exc:
        web.mark_failed()
        survey = None
        try:
            survey = surveys.survey_for_token(session, token)[0]
        except OrdercraftError:
            pass
        return render_template("marketing/survey.html", survey=survey, values=values,
                               error=exc, done=False), 400
    return render_template("marketing/survey.html", survey=None, done=True)
