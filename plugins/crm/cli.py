"""``ordercraft deal ...``, ``ordercraft interaction ...`` and ``ordercraft crm ...``
(funnel report, client groups, duplicate check). Clients themselves are managed with the
core's ``ordercraft party ...``.

Commands act as the site's owner unless ``--user NAME`` (or ``ORDERCRAFT_USER``) names a
user, whose permissions then apply. Heavy modules are imported inside the commands.
"""

from __future__ import annotations

from typing import Any

import click

from ordercraft.sdk import custom_fields
from ordercraft.sdk.cli import (
    acting_session,
    document_commands,
    emit,
    json_option,
    page_text,
    record_text,
    user_option,
    value_text,
)

DEAL_COLUMNS = ["id", "title", "client", "state", "amount", "probability", "expected_close",
                "manager"]
DEAL_KEYS = ["id", "title", "client", "client_id", "state", "amount", "probability",
             "weighted_amount", "expected_close", "source", "manager", "contact_id", "notes",
             "lost_reason", "created_at", "state_changed_at", "closed_at", "custom_fields"]
INTERACTION_COLUMNS = ["id", "at", "client", "kind", "subject", "manager", "next_step",
                       "task_id"]
GROUP_COLUMNS = ["id", "name", "match", "rules", "size"]
CLIENT_COLUMNS = ["id", "name", "tags", "source", "manager", "open_deals", "open_amount"]


def _page(document: dict[str, Any], key: str, columns: list[str]) -> str:
    return page_text(document, key, columns)


# ------------------------------------------------------------------ deal


@click.group("deal")
def deal_group() -> None:
    """Deals: the sales funnel (lead, qualified, proposal, negotiation, won, lost)."""


def deal_options(function: Any) -> Any:
    options = [
        click.option("--amount", help="Expected amount, e.g. 14500.00."),
        click.option("--expected-close", "expected_close", metavar="DATE",
                     help="When the deal should close (YYYY-MM-DD)."),
        click.option("--probability", metavar="PERCENT",
                     help="Chance of winning, 0-100 (default: the stage's)."),
        click.option("--source", help="Marketing source (default: the client's source)."),
        click.option("--manager", metavar="USER", help="Responsible manager (default: the "
                                                        "client's manager)."),
        click.option("--contact", help="The client's contact (id or name)."),
        click.option("--notes"),
        custom_fields.field_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


@deal_group.command("add")
@click.argument("title")
@click.option("--client", required=True, help="The client (party id or name).")
@deal_options
@user_option
@json_option
def deal_add(title: str, client: str, user_name: str | None, as_json: bool,
             **values: Any) -> None:
    """Open the deal TITLE with a client."""
    from ordercraft.plugins.crm.deals import create_deal, deal_dict

    with acting_session(user_name) as session:
        document = deal_dict(create_deal(session, client, title, **values))
    emit(as_json, {"ok": True, "deal": document},
         f"opened deal {document['id']} {document['title']!r} with {document['client']} "
         f"({document['state']})")


@deal_group.command("list")
@click.option("--client", help="Only this client's deals (id or name).")
@click.option("--state", "states", multiple=True, metavar="STAGE",
              help="Only deals in this stage (repeatable).")
@click.option("--open", "open_only", is_flag=True, help="Only deals not won or lost.")
@click.option("--manager", metavar="USER")
@click.option("--source")
@click.option("--search", help="Words in the title or the client's name.")
@click.option("--sort", type=click.Choice(["newest", "expected_close", "amount"]),
              default="newest", show_default=True)
@click.option("--limit", metavar="N")
@click.option("--offset", metavar="N")
@custom_fields.list_options
@user_option
@json_option
def deal_list(user_name: str | None, as_json: bool, as_csv: bool, states: tuple[str, ...],
              **filters: Any) -> None:
    """List deals."""
    from ordercraft.plugins.crm.deals import deal_dict, list_deals

    with acting_session(user_name) as session:
        if as_csv:
            return custom_fields.emit_csv(
                session, "deal", lambda **page: list_deals(
                    session, states=list(states) or None, **page), deal_dict, DEAL_KEYS[:-1],
                filters)
        document = list_deals(session, states=list(states) or None, **filters).to_dict(
            "deals", deal_dict)
    emit(as_json, {"ok": True, **document}, lambda: _page(document, "deals", DEAL_COLUMNS))


@deal_group.command("show")
@click.argument("deal_id", metavar="ID", type=int)
@user_option
@json_option
def deal_show(deal_id: int, user_name: str | None, as_json: bool) -> None:
    """Show a deal with the moves open from its stage."""
    from ordercraft.plugins.crm.deals import deal_dict, get_deal
    from ordercraft.sdk.workflow import available_transitions

    with acting_session(user_name) as session:
        deal = get_deal(session, deal_id)
        document = deal_dict(deal)
        document["transitions"] = [t.as_dict() for t in available_transitions(session, deal)]
    moves = ", ".join(t["name"] for t in document["transitions"] if t["allowed"]) or "none"
    emit(as_json, {"ok": True, "deal": document},
         lambda: record_text(document, DEAL_KEYS) + f"\nmoves: {moves}")


@deal_group.command("update")
@click.argument("deal_id", metavar="ID", type=int)
@click.option("--title")
@deal_options
@user_option
@json_option
def deal_update(deal_id: int, user_name: str | None, as_json: bool, **values: Any) -> None:
    """Change fields of a deal (only the options given; "" clears a text)."""
    from ordercraft.plugins.crm.deals import deal_dict, update_deal

    with acting_session(user_name) as session:
        document = deal_dict(update_deal(session, deal_id, **values))
    emit(as_json, {"ok": True, "deal": document}, f"updated deal {document['id']}")


@deal_group.command("move")
@click.argument("deal_id", metavar="ID", type=int)
@click.argument("transition")
@click.option("--reason", help="Why (required to lose a deal).")
@user_option
@json_option
def deal_move(deal_id: int, transition: str, reason: str | None, user_name: str | None,
              as_json: bool) -> None:
    """Move the deal ID by TRANSITION: qualify, propose, negotiate, win, lose, requalify."""
    from ordercraft.plugins.crm.deals import deal_dict, get_deal
    from ordercraft.sdk.workflow import transition as move

    with acting_session(user_name) as session:
        deal = get_deal(session, deal_id)
        result = move(session, deal, transition, reason=reason)
        document = deal_dict(deal)
    emit(as_json, {"ok": True, "transition": result.as_dict(), "deal": document},
         f"deal {deal_id}: {result.source} -> {result.target} "
         f"(probability {document['probability']}%)")


for _command in document_commands("deal"):
    if _command.name in ("transitions", "timeline"):
        deal_group.add_command(_command)


# ------------------------------------------------------------------ interaction


@click.group("interaction")
def interaction_group() -> None:
    """Meetings, calls, SMS and e-mails with clients, and their next steps."""


@interaction_group.command("add")
@click.argument("client")
@click.option("--kind", required=True,
              help="meeting, incoming_call, outgoing_call, sms or email.")
@click.option("--subject", required=True, help="What it was about.")
@click.option("--at", metavar="WHEN", help="When it happened (YYYY-MM-DD HH:MM UTC; "
                                           "default now).")
@click.option("--outcome", help="What came of it.")
@click.option("--contact", help="Who was spoken to (a contact of the client: id or name).")
@click.option("--deal", metavar="ID", help="The deal it was about.")
@click.option("--manager", metavar="USER", help="Who spoke (default: --user, else the "
                                                "client's manager).")
@click.option("--next-step", "next_step", help="What to do next: becomes a task.")
@click.option("--next-step-due", "next_step_due", metavar="WHEN",
              help="When the next step is due (YYYY-MM-DD [HH:MM] UTC; a date alone: 17:00).")
@click.option("--next-step-assignee", "next_step_assignee", metavar="USER",
              help="Who does the next step (default: the manager).")
@click.option("--source", help="The marketing channel that brought it about (a channel's "
                               "code).")
@user_option
@json_option
def interaction_add(client: str, user_name: str | None, as_json: bool, **values: Any) -> None:
    """Log an interaction with CLIENT (id or name)."""
    from ordercraft.plugins.crm.interactions import interaction_dict, log_interaction

    with acting_session(user_name) as session:
        document = interaction_dict(log_interaction(session, client, **values))
    text = f"logged interaction {document['id']} with {document['client']}"
    if document["task_id"]:
        text += f"; next step is task {document['task_id']}"
    emit(as_json, {"ok": True, "interaction": document}, text)


@interaction_group.command("list")
@click.option("--client", help="Only this client's (id or name).")
@click.option("--deal", metavar="ID")
@click.option("--manager", metavar="USER")
@click.option("--kind")
@click.option("--from", "since", metavar="DATE", help="From this day (YYYY-MM-DD).")
@click.option("--to", "until", metavar="DATE", help="Up to this day, inclusive.")
@click.option("--limit", metavar="N")
@click.option("--offset", metavar="N")
@user_option
@json_option
def interaction_list(user_name: str | None, as_json: bool, **filters: Any) -> None:
    """List interactions, newest first."""
    from ordercraft.plugins.crm.interactions import interaction_dict, list_interactions

    with acting_session(user_name) as session:
        document = list_interactions(session, **filters).to_dict("interactions",
                                                                 interaction_dict)
    emit(as_json, {"ok": True, **document},
         lambda: _page({**document, "interactions": [
             {**i, "at": i["at"].replace("T", " ")[:16]} for i in document["interactions"]]},
             "interactions", INTERACTION_COLUMNS))


# ------------------------------------------------------------------ crm


@click.group("crm")
def crm_group() -> None:
    """The funnel report, client groups and the duplicate check."""


@crm_group.command("funnel")
@click.option("--from", "since", metavar="DATE", help="Deals opened from this day.")
@click.option("--to", "until", metavar="DATE", help="Deals opened up to this day.")
@click.option("--manager", metavar="USER", help="Only this manager's deals.")
@click.option("--source", help="Only deals from this marketing source.")
@click.option("--group", help="Only deals of clients in this client group.")
@user_option
@json_option
def crm_funnel(user_name: str | None, as_json: bool, **filters: Any) -> None:
    """The funnel by stage, and conversion by source and by manager."""
    from ordercraft.plugins.crm.reports import funnel_report

    with acting_session(user_name) as session:
        report = funnel_report(session, **filters)
    emit(as_json, {"ok": True, "report": report}, lambda: _funnel_text(report))


def _funnel_text(report: dict[str, Any]) -> str:
    from ordercraft.sdk.cli import table

    def pct(value: Any) -> str:
        return "-" if value is None else f"{value}%"

    period = f"{report['from'] or 'the start'} to {report['to'] or 'today'}"
    totals = report["totals"]
    lines = [f"deals opened from {period}: {totals['deals']} (won {totals['won']}, lost "
             f"{totals['lost']}, open {totals['open']}; conversion {pct(totals['conversion'])},"
             f" win rate {pct(totals['win_rate'])})", ""]
    lines.append(table([{"stage": s["label"], "now": s["now"],
                         "now amount": value_text(s["now_amount"]),
                         "reached": s.get("reached", ""),
                         "from previous": pct(s.get("from_previous")) if "reached" in s else "",
                         "from start": pct(s.get("from_start")) if "reached" in s else ""}
                        for s in report["stages"]],
                       ["stage", "now", "now amount", "reached", "from previous",
                        "from start"]))
    for key, title in (("by_source", "source"), ("by_manager", "manager")):
        lines += ["", f"by {title}:", table(
            [{title: row[title] or "-", "deals": row["deals"], "won": row["won"],
              "lost": row["lost"], "won amount": value_text(row["won_amount"]),
              "conversion": pct(row["conversion"]), "win rate": pct(row["win_rate"])}
             for row in report[key]],
            [title, "deals", "won", "lost", "won amount", "conversion", "win rate"])]
    return "\n".join(lines)


@crm_group.group("group")
def group_group() -> None:
    """Client groups defined by rules (tag = school, bought_within_days = 90, ...)."""


@group_group.command("list")
@user_option
@json_option
def group_list(user_name: str | None, as_json: bool) -> None:
    """List client groups with how many clients each holds now."""
    from ordercraft.plugins.crm.groups import group_dict, group_sizes, list_groups

    with acting_session(user_name) as session:
        groups = list_groups(session)
        sizes = group_sizes(session, groups)
        documents = [group_dict(g, sizes[g.id]) for g in groups]
    emit(as_json, {"ok": True, "groups": documents},
         lambda: _page({"groups": documents, "total": len(documents), "offset": 0}, "groups",
                       GROUP_COLUMNS))


@group_group.command("show")
@click.argument("group")
@click.option("--limit", metavar="N", help="At most N members (default 50).")
@click.option("--offset", metavar="N")
@user_option
@json_option
def group_show(group: str, limit: str | None, offset: str | None, user_name: str | None,
               as_json: bool) -> None:
    """Show a client group (id or name) and a page of its clients."""
    from ordercraft.plugins.crm.clients import client_dict, list_clients
    from ordercraft.plugins.crm.groups import get_group, group_dict

    with acting_session(user_name) as session:
        found = get_group(session, group)
        members = list_clients(session, group=found.id, limit=limit, offset=offset)
        document = {**group_dict(found, members.total),
                    **members.to_dict("clients", client_dict)}
    emit(as_json, {"ok": True, "group": document}, lambda: (
        record_text(document, ["id", "name", "description", "match", "rules", "size"])
        + "\n\n" + _page(document, "clients", CLIENT_COLUMNS)))


@group_group.command("add")
@click.argument("name")
@click.option("--rule", "rules", multiple=True, required=True, metavar="RULE",
              help='A rule "KIND = VALUE" or "KIND != VALUE" (repeatable).')
@click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True,
              help="Clients meeting all the rules, or any of them.")
@click.option("--description")
@user_option
@json_option
def group_add(name: str, rules: tuple[str, ...], match: str, description: str | None,
              user_name: str | None, as_json: bool) -> None:
    """Add the client group NAME."""
    from ordercraft.plugins.crm.groups import create_group, group_dict, group_sizes

    with acting_session(user_name) as session:
        group = create_group(session, name, list(rules), match=match, description=description)
        document = group_dict(group, group_sizes(session, [group])[group.id])
    emit(as_json, {"ok": True, "group": document},
         f"added client group {document['name']!r} ({document['size']} clients now)")


@group_group.command("delete")
@click.argument("group")
@user_option
@json_option
def group_delete(group: str, user_name: str | None, as_json: bool) -> None:
    """Delete a client group (its clients stay)."""
    from ordercraft.plugins.crm.groups import delete_group, get_group

    with acting_session(user_name) as session:
        name = get_group(session, group).name
        delete_group(session, group)
    emit(as_json, {"ok": True, "deleted": name}, f"deleted client group {name!r}")


@group_group.command("rules")
@user_option
@json_option
def group_rules_command(user_name: str | None, as_json: bool) -> None:
    """The kinds of rules groups may use on this site."""
    from ordercraft.plugins.crm.rules import session_rules

    with acting_session(user_name) as session:
        kinds = session_rules(session).describe()
    emit(as_json, {"ok": True, "rules": kinds}, lambda: page_text(
        {"rules": kinds, "total": len(kinds), "offset": 0}, "rules",
        ["name", "label", "value_type", "example", "plugin"]))


@crm_group.command("duplicates")
@click.option("--tax-id", "tax_ids", multiple=True, metavar="TAX_ID")
@click.option("--phone", "phones", multiple=True)
@click.option("--email", "emails", multiple=True)
@user_option
@json_option
def crm_duplicates(tax_ids: tuple[str, ...], phones: tuple[str, ...], emails: tuple[str, ...],
                   user_name: str | None, as_json: bool) -> None:
    """Parties that already have one of these tax ids, phones or e-mails."""
    from ordercraft.plugins.crm.clients import check_duplicates
    from ordercraft.sdk.errors import ValidationError

    if not (tax_ids or phones or emails):
        raise ValidationError("give at least one --tax-id, --phone or --email", field="phone")
    with acting_session(user_name) as session:
        matches = [m.as_dict() for m in check_duplicates(session, tax_ids=tax_ids,
                                                         phones=phones, emails=emails)]
    emit(as_json, {"ok": True, "matches": matches}, lambda: page_text(
        {"matches": matches, "total": len(matches), "offset": 0}, "matches",
        ["party_id", "party_name", "field", "value", "where"]) if matches
        else "no party matches")


COMMANDS = (deal_group, interaction_group, crm_group)
