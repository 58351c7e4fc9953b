"""``ordercraft campaign ...`` (channels, campaigns, costs, participants, the return
report), ``ordercraft mailing ...`` (write, preview, test-send, send, schedule) and
``ordercraft survey ...``. Every command takes ``--json``; a refusal names the field and
exits 2."""

from __future__ import annotations

from typing import Any

import click

from ordercraft.sdk.cli import acting_session, emit, json_option, record_text, table, user_option

REPORT_COLUMNS = ["kind", "name", "cost", "leads", "deals_won", "revenue", "cost_per_lead",
                  "roi"]


@click.group("campaign")
def campaign_group() -> None:
    """Marketing channels, campaigns and events, and their return."""


@campaign_group.command("channels")
@click.option("--add", "code", metavar="CODE", help="Add a channel with this code.")
@click.option("--name", help="The new channel's name.")
@user_option
@json_option
def channels_command(code: str | None, name: str | None, user_name: str | None,
                     as_json: bool) -> None:
    """List the channels (or --add one)."""
    from ordercraft.plugins.marketing import campaigns

    with acting_session(user_name) as session:
        if code:
            campaigns.add_channel(session, code, name)
        rows = [campaigns.channel_dict(c) for c in campaigns.list_channels(session)]
    emit(as_json, {"ok": True, "channels": rows}, lambda: table(rows, ["code", "name"]))


@campaign_group.command("add")
@click.argument("name")
@click.option("--channel", required=True, help="The channel's code (exhibition, ad, ...).")
@click.option("--kind", default="other", show_default=True,
              help="exhibition, seminar, ad, mailing or other.")
@click.option("--starts", "starts_on", required=True, metavar="YYYY-MM-DD")
@click.option("--ends", "ends_on", metavar="YYYY-MM-DD", help="Default: the first day.")
@click.option("--budget", default="0", show_default=True)
@user_option
@json_option
def add_command(name: str, channel: str, kind: str, starts_on: str, ends_on: str | None,
                budget: str, user_name: str | None, as_json: bool) -> None:
    """Add a campaign or an event."""
    from ordercraft.plugins.marketing import campaigns

    with acting_session(user_name) as session:
        campaign = campaigns.create_campaign(session, name, channel=channel, kind=kind,
                                             starts_on=starts_on, ends_on=ends_on,
                                             budget=budget)
        document = campaigns.campaign_dict(session, campaign)
    emit(as_json, {"ok": True, "campaign": document},
         f"campaign {document['id']} {document['name']} added")


@campaign_group.command("list")
@user_option
@json_option
def list_command(user_name: str | None, as_json: bool) -> None:
    """List the campaigns, newest first."""
    from ordercraft.plugins.marketing import campaigns

    with acting_session(user_name) as session:
        rows = [campaigns.campaign_dict(session, c) for c in campaigns.list_campaigns(session)]
    emit(as_json, {"ok": True, "campaigns": rows},
         lambda: table(rows, ["id", "name", "channel", "starts_on", "ends_on", "budget",
                              "actual_cost"]))


@campaign_group.command("show")
@click.argument("campaign")
@user_option
@json_option
def show_command(campaign: str, user_name: str | None, as_json: bool) -> None:
    """Show a campaign with its costs and participants."""
    from ordercraft.plugins.marketing import campaigns

    with acting_session(user_name) as session:
        document = campaigns.campaign_dict(session, campaigns.get_campaign(session, campaign),
                                           detail=True)
    emit(as_json, {"ok": True, "campaign": document},
         lambda: record_text(document, ["id", "name", "kind", "channel", "starts_on",
                                        "ends_on", "budget", "actual_cost"])
         + "\n" + table(document["participants"], ["client", "contact", "status", "lead"]))


@campaign_group.command("cost")
@click.argument("campaign")
@click.option("--amount", required=True)
@click.option("--on", metavar="YYYY-MM-DD", help="Default: the campaign's first day.")
@click.option("--note", default="")
@user_option
@json_option
def cost_command(campaign: str, amount: str, on: str | None, note: str,
                 user_name: str | None, as_json: bool) -> None:
    """Record an actual cost of a campaign."""
    from ordercraft.plugins.marketing import campaigns

    with acting_session(user_name) as session:
        cost = campaigns.add_cost(session, campaign, amount, on=on, note=note)
        document = {"id": cost.id, "amount": cost.amount, "on": cost.on.isoformat()}
    emit(as_json, {"ok": True, "cost": document}, f"cost {document['amount']} recorded")


@campaign_group.command("participant")
@click.argument("campaign")
@click.argument("client")
@click.option("--contact", help="The client's contact (id or name).")
@click.option("--status", default="invited", show_default=True, help="invited or attended.")
@click.option("--lead", is_flag=True, help="The campaign brought this client in.")
@user_option
@json_option
def participant_command(campaign: str, client: str, contact: str | None, status: str,
                        lead: bool, user_name: str | None, as_json: bool) -> None:
    """Invite a client to a campaign, or record that they attended."""
    from ordercraft.plugins.marketing import campaigns

    with acting_session(user_name) as session:
        row = campaigns.add_participant(session, campaign, client, contact=contact,
                                        status=status, lead=lead)
        document = {"campaign_id": row.campaign_id, "client_id": row.party_id,
                    "contact_id": row.contact_id, "status": row.status, "lead": row.lead}
    emit(as_json, {"ok": True, "participant": document}, f"participant {row.status}")


@campaign_group.command("report")
@click.option("--from", "date_from", required=True, metavar="YYYY-MM-DD")
@click.option("--to", "date_to", required=True, metavar="YYYY-MM-DD")
@user_option
@json_option
def report_command(date_from: str, date_to: str, user_name: str | None, as_json: bool) -> None:
    """The return per channel and campaign for a period."""
    from ordercraft.plugins.marketing import campaigns

    with acting_session(user_name) as session:
        rows = [r.as_dict() for r in campaigns.return_report(session, date_from, date_to)]
    emit(as_json, {"ok": True, "from": date_from, "to": date_to, "rows": rows},
         lambda: table(rows, REPORT_COLUMNS))


# ------------------------------------------------------------------ mailings


@click.group("mailing")
def mailing_group() -> None:
    """Mailings to client groups: write, preview, test-send, send or schedule."""


def _fields(**given: Any) -> dict[str, Any]:
    return {k: v for k, v in given.items() if v is not None}


@mailing_group.command("add")
@click.argument("name")
@click.option("--group", required=True, help="The crm client group (id or name).")
@click.option("--channel", default="email", show_default=True, help="email or sms.")
@click.option("--subject", default="", help="Jinja template of the subject.")
@click.option("--body", help="Jinja template of the text ({{ contact.first_name }} ...).")
@click.option("--body-file", type=click.File("r", encoding="utf-8"),
              help="Read the body from a file.")
@click.option("--mode", default="now", show_default=True, help="now, scheduled or triggered.")
@click.option("--at", "scheduled_at", help="When a scheduled mailing goes out (ISO, UTC).")
@click.option("--trigger", help="group_entered or order_shipped.")
@click.option("--days", "trigger_days", help="order_shipped: days after the shipment.")
@click.option("--survey", help="A survey whose link the mailing carries.")
@click.option("--campaign", help="The campaign the mailing belongs to.")
@user_option
@json_option
def mailing_add(name: str, group: str, channel: str, subject: str, body: str | None,
                body_file: Any, mode: str, scheduled_at: str | None, trigger: str | None,
                trigger_days: str | None, survey: str | None, campaign: str | None,
                user_name: str | None, as_json: bool) -> None:
    """Write a mailing (a draft; `mailing send` sends or schedules it)."""
    from ordercraft.plugins.marketing import mailings

    text = body_file.read() if body_file is not None else body
    with acting_session(user_name) as session:
        mailing = mailings.save_mailing(
            session, name=name, group=group, channel=channel, subject=subject, body=text,
            mode=mode, scheduled_at=scheduled_at, trigger=trigger, trigger_days=trigger_days,
            survey=survey, campaign=campaign)
        document = mailings.mailing_dict(session, mailing)
    emit(as_json, {"ok": True, "mailing": document},
         f"mailing {document['id']} {document['name']} saved (draft)")


@mailing_group.command("list")
@user_option
@json_option
def mailing_list(user_name: str | None, as_json: bool) -> None:
    """List the mailings, newest first."""
    from ordercraft.plugins.marketing import mailings

    with acting_session(user_name) as session:
        rows = [mailings.mailing_dict(session, m) for m in mailings.list_mailings(session)]
    emit(as_json, {"ok": True, "mailings": rows},
         lambda: table(rows, ["id", "name", "channel", "group", "mode", "state", "messages",
                              "bounced", "skipped_bounced"]))


@mailing_group.command("preview")
@click.argument("mailing")
@user_option
@json_option
def mailing_preview(mailing: str, user_name: str | None, as_json: bool) -> None:
    """Show the mailing as its first recipient gets it, and how many it reaches."""
    from ordercraft.plugins.marketing import mailings

    with acting_session(user_name) as session:
        document = mailings.preview(session, mailings.get_mailing(session, mailing))
    emit(as_json, {"ok": True, "preview": document},
         lambda: f"to: {document['recipient']} ({document['recipients']} of "
                 f"{document['contacts']} contacts)\nsubject: {document['subject']}\n\n"
                 f"{document['text']}")


@mailing_group.command("test")
@click.argument("mailing")
@click.option("--to", required=True, help="Your own address.")
@user_option
@json_option
def mailing_test(mailing: str, to: str, user_name: str | None, as_json: bool) -> None:
    """Send the mailing to yourself (as its first recipient would get it)."""
    from ordercraft.plugins.marketing import mailings

    with acting_session(user_name) as session:
        message = mailings.test_send(session, mailings.get_mailing(session, mailing), to)
    emit(as_json, {"ok": True, "outbox_id": message}, f"test queued to {to}")


@mailing_group.command("send")
@click.argument("mailing")
@user_option
@json_option
def mailing_send(mailing: str, user_name: str | None, as_json: bool) -> None:
    """Send a draft mailing now, schedule it, or activate its trigger (by its mode)."""
    from ordercraft.plugins.marketing import mailings

    with acting_session(user_name) as session:
        result = mailings.start_mailing(session, mailings.get_mailing(session, mailing))
    emit(as_json, {"ok": True, **result},
         f"mailing {result['mailing']} {result['state']}: {result['queued']} queued")


@mailing_group.command("bounce")
@click.argument("address", required=False)
@click.option("--file", "report_file", type=click.File("rb"),
              help="A bounce report (the .eml a mail server sent back).")
@click.option("--mbox", "mbox_path", type=click.Path(exists=True, dir_okay=False),
              help="An mbox file of bounce reports (other messages in it are skipped).")
@click.option("--reason", default="", help="Why the address bounced.")
@user_option
@json_option
def mailing_bounce(address: str | None, report_file: Any, mbox_path: str | None, reason: str,
                   user_name: str | None, as_json: bool) -> None:
    """Record that mail to ADDRESS bounced (or read a bounce report with --file, or a
    mailbox of them with --mbox): later mailings skip the contacts with that address."""
    from ordercraft.plugins.marketing import bounces

    data = report_file.read() if report_file is not None else None
    with acting_session(user_name) as session:
        if mbox_path is not None and (address or data is not None):
            from ordercraft.sdk.errors import ValidationError

            raise ValidationError("mbox: give an address, a report file or a mailbox, one "
                                  "of them", field="mbox")
        result = (bounces.report_mailbox(session, mbox_path) if mbox_path is not None
                  else bounces.report(session, address=address, report_file=data,
                                      reason=reason))
    emit(as_json, {"ok": True, **result},
         f"bounced: {', '.join(result['addresses'])}")


# ------------------------------------------------------------------ surveys


@click.group("survey")
def survey_group() -> None:
    """Short questionnaires sent by mailing, and their answers."""


@survey_group.command("add")
@click.argument("name")
@click.option("--question", "questions", multiple=True, required=True,
              metavar="KEY:KIND:TEXT", help="A question (kind rating or text); repeat.")
@user_option
@json_option
def survey_add(name: str, questions: tuple[str, ...], user_name: str | None,
               as_json: bool) -> None:
    """Add a survey."""
    from ordercraft.plugins.marketing import surveys

    with acting_session(user_name) as session:
        survey = surveys.create_survey(session, name, "\n".join(questions))
        document = {"id": survey.id, "name": survey.name, "questions": survey.questions}
    emit(as_json, {"ok": True, "survey": document}, f"survey {survey.id} added")


@survey_group.command("report")
@click.argument("survey")
@user_option
@json_option
def survey_report_command(survey: str, user_name: str | None, as_json: bool) -> None:
    """The answers of a survey: per rating question its average."""
    from ordercraft.plugins.marketing import surveys

    with acting_session(user_name) as session:
        document = surveys.survey_report(session, surveys.get_survey(session, survey))
    emit(as_json, {"ok": True, "survey": document},
         lambda: f"{document['name']}: {document['responses']} responses\n" + table(
             document["questions"], ["key", "kind", "answers", "average"]))


COMMANDS = (campaign_group, mailing_group, survey_group)
