"""``ordercraft proposal ...``: add, line, configure, price, schedule, send, accept,
decline, show, list, print, and product templates (``proposal template add|list``).

Every command takes ``--json``; a refused operation exits 2 naming the field and the
value. Calculator runs and PDF renders happen before the transaction that stores their
result (no transaction spans them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ordercraft.sdk.cli import (
    acting_session,
    document_commands,
    emit,
    json_option,
    ready_platform,
    table,
    user_option,
)
from ordercraft.sdk.errors import ValidationError


@click.group("proposal")
def proposal_group() -> None:
    """Technical and commercial proposals: add, line, configure, price, send, accept."""


for _command in document_commands("proposal"):
    proposal_group.add_command(_command)


def _text(body: dict[str, Any]) -> str:
    head = (f"proposal {body['number']} v{body['version']} ({body['state']}) for "
            f"{body['client']}, valid until {body['valid_until']}")
    rows = [{"#": line["position"], "group": line["group_title"] or "", "item": line["item"] or "",
             "description": line["description"], "qty": line["qty"], "price": line["price"],
             "disc%": line["discount"], "net": line["net"], "cost": line.get("cost", ""),
             "margin%": line.get("margin_pct", "")}
            for line in body.get("lines", [])]
    money = (f"subtotal {body['subtotal']}, tax {body['tax_total']}, total {body['total']} "
             f"{body['currency']}")
    if "cost" in body:
        money += f"; cost {body['cost']}, margin {body['margin']} ({body['margin_pct']} %)"
    lines = [head, table(rows, ["#", "group", "item", "description", "qty", "price", "disc%",
                                "net", "cost", "margin%"]), money]
    if body.get("order"):
        lines.append(f"order: {body['order']}")
    return "\n".join(lines)


def _finish(session: Any, proposal: Any) -> dict[str, Any]:
    from ordercraft.plugins.proposals.proposals import proposal_dict

    session.flush()
    session.refresh(proposal)
    return proposal_dict(proposal)


def _show(body: dict[str, Any], as_json: bool, message: str = "") -> None:
    emit(as_json, {"ok": True, "proposal": body},
         lambda: (message + "\n" if message else "") + _text(body))


@proposal_group.command("add")
@click.option("--client", required=True, metavar="NAME_OR_ID")
@click.option("--title", default="")
@click.option("--deal", metavar="ID")
@click.option("--contact", metavar="ID")
@click.option("--date", "proposal_date", metavar="YYYY-MM-DD")
@click.option("--valid-until", metavar="YYYY-MM-DD")
@click.option("--currency", metavar="CODE")
@click.option("--notes", default="")
@user_option
@json_option
def add_command(client: str, title: str, deal: str | None, contact: str | None,
                proposal_date: str | None, valid_until: str | None, currency: str | None,
                notes: str, user_name: str | None, as_json: bool) -> None:
    """Start a draft proposal."""
    from ordercraft.plugins.proposals.proposals import create_proposal

    with acting_session(user_name) as session:
        proposal = create_proposal(session, client, title=title, deal=deal, contact=contact,
                                   proposal_date=proposal_date, valid_until=valid_until,
                                   currency=currency, notes=notes)
        body = _finish(session, proposal)
    _show(body, as_json, f"added proposal {body['number']}")


def _params(values: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for index, value in enumerate(values):
        name, sep, raw = value.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"params.{index}: {value!r} is not NAME=VALUE",
                                  field=f"params.{index}")
        found[name.strip()] = raw
    return found


@proposal_group.command("line")
@click.argument("ref", metavar="PROPOSAL")
@click.option("--item", metavar="SKU", help="A catalog item (or the item a --calc line sells).")
@click.option("--text", metavar="TEXT", help="A free text line.")
@click.option("--calc", "calculator", metavar="NAME", help="Price the line with a calculator run.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of the --calc calculator (repeat).")
@click.option("--markup", metavar="PCT", help="--calc: price = cost + PCT %.")
@click.option("--qty", metavar="N")
@click.option("--price", metavar="PRICE")
@click.option("--discount", metavar="PCT")
@click.option("--tax", "tax_rate", metavar="PCT")
@click.option("--description", metavar="TEXT")
@click.option("--optional", is_flag=True, help="Offered; the client may tick it.")
@click.option("--set", "position", metavar="N", help="Change line N instead of adding one.")
@click.option("--choose/--unchoose", "chosen", default=None,
              help="--set: tick or untick an optional line (its group with it).")
@click.option("--remove", is_flag=True, help="--set: remove line N.")
@user_option
@json_option
def line_command(ref: str, item: str | None, text: str | None, calculator: str | None,
                 params: tuple[str, ...], markup: str | None, qty: str | None,
                 price: str | None, discount: str | None, tax_rate: str | None,
                 description: str | None, optional: bool, position: str | None,
                 chosen: bool | None, remove: bool, user_name: str | None,
                 as_json: bool) -> None:
    """Add a line (an item, a text, a calculator run) or change one (--set N)."""
    from ordercraft.plugins.proposals import proposals

    run = None
    if calculator:
        from ordercraft.sdk.calc import run_calculator

        run = run_calculator(calculator, _params(params), platform=ready_platform(),
                             save=True).to_dict()
    with acting_session(user_name) as session:
        if position is not None:
            proposal = proposals.change_line(session, ref, position, qty=qty, price=price,
                                             discount=discount, chosen=chosen, remove=remove)
        elif run is not None:
            line = proposals.add_calculator_line(session, ref, run=run, item=item, qty=qty,
                                                 price=price, markup=markup, discount=discount,
                                                 tax_rate=tax_rate, description=description)
            proposal = line.proposal
        else:
            line = proposals.add_line(session, ref, item=item, text=text, qty=qty, price=price,
                                      discount=discount, tax_rate=tax_rate,
                                      description=description, optional=optional)
            proposal = line.proposal
        body = _finish(session, proposal)
    _show(body, as_json)


@proposal_group.command("configure")
@click.argument("ref", metavar="PROPOSAL")
@click.option("--template", required=True, metavar="CODE")
@click.option("--option", "options", multiple=True, metavar="GROUP=OPTION|GROUP.OPTION=QTY",
              help="A chosen option (repeat): processor=a8, sensors.distance=2.")
@click.option("--qty", default="1", metavar="N", help="How many configured units.")
@click.option("--discount", metavar="PCT")
@click.option("--tax", "tax_rate", metavar="PCT")
@click.option("--optional", is_flag=True)
@click.option("--group", metavar="G", help="Replace this configured group.")
@click.option("--check", is_flag=True, help="Only check and price the configuration.")
@user_option
@json_option
def configure_command(ref: str, template: str, options: tuple[str, ...], qty: str,
                      discount: str | None, tax_rate: str | None, optional: bool,
                      group: str | None, check: bool, user_name: str | None,
                      as_json: bool) -> None:
    """Add a configured product template (base items + chosen options) as a group."""
    from ordercraft.plugins.proposals import proposals
    from ordercraft.plugins.proposals.live import preview

    with acting_session(user_name) as session:
        if check:
            found = preview(session, template, list(options), qty=qty, discount=discount,
                            tax_rate=tax_rate)
            emit(as_json, {"ok": True, "configuration": found},
                 lambda: "\n".join(p["message"] for p in found["problems"]) or
                 f"valid: net {found['net']}, cost {found['cost']}, margin "
                 f"{found['margin_pct']} %")
            return
        lines = proposals.configure(session, ref, template, list(options), qty=qty,
                                    discount=discount, tax_rate=tax_rate, optional=optional,
                                    group=group)
        body = _finish(session, lines[0].proposal)
    _show(body, as_json)


@proposal_group.command("price")
@click.argument("ref", metavar="PROPOSAL")
@user_option
@json_option
def price_command(ref: str, user_name: str | None, as_json: bool) -> None:
    """Reprice a proposal (costs from the ledger now) and show its money."""
    from ordercraft.plugins.proposals.proposals import get_proposal, reprice

    with acting_session(user_name) as session:
        proposal = get_proposal(session, ref, for_update=True)
        if proposal.state in ("draft", "approval", "approved"):
            reprice(session, proposal)
        body = _finish(session, proposal)
    _show(body, as_json)


@proposal_group.command("schedule")
@click.argument("ref", metavar="PROPOSAL")
@click.option("--milestone", "milestones", multiple=True,
              metavar="LABEL:SHARE:TRIGGER[:DAYS]",
              help="Prepayment:30%:before_production, Rest:5000.00:days_after:30 (repeat).")
@user_option
@json_option
def schedule_command(ref: str, milestones: tuple[str, ...], user_name: str | None,
                     as_json: bool) -> None:
    """Set the payment schedule."""
    from ordercraft.plugins.proposals.proposals import set_schedule

    parsed = []
    for index, spec in enumerate(milestones):
        parts = spec.split(":")
        if len(parts) not in (3, 4):
            raise ValidationError(f"milestones.{index}: {spec!r} is not "
                                  "LABEL:SHARE:TRIGGER[:DAYS]", field=f"milestones.{index}")
        share = parts[1].strip()
        parsed.append({"label": parts[0], "trigger": parts[2].strip(),
                       "days": parts[3] if len(parts) == 4 else None,
                       "percent": share[:-1] if share.endswith("%") else None,
                       "amount": None if share.endswith("%") else share})
    with acting_session(user_name) as session:
        body = _finish(session, set_schedule(session, ref, parsed))
    _show(body, as_json)


def _move(ref: str, name: str, user_name: str | None, as_json: bool, *,
          reason: str | None = None, data: dict[str, Any] | None = None) -> None:
    from ordercraft.plugins.proposals.proposals import get_proposal
    from ordercraft.sdk.workflow import transition

    with acting_session(user_name) as session:
        proposal = get_proposal(session, ref)
        result = transition(session, proposal, name, reason=reason, data=data)
        body = _finish(session, proposal)
    _show(body, as_json, f"proposal {body['number']}: {result.source} -> {result.target}")


@proposal_group.command("send")
@click.argument("ref", metavar="PROPOSAL")
@click.option("--to", metavar="EMAIL",
              help="Mail the customer PDF here (default: the contact's, else the client's e-mail).")
@user_option
@json_option
def send_command(ref: str, to: str | None, user_name: str | None, as_json: bool) -> None:
    """Send the proposal (the next version) and mail the customer PDF (the generic
    ``proposal transition REF send`` does the same, rendering the PDF in its transaction)."""
    from ordercraft.plugins.proposals.sending import send_proposal

    body = send_proposal(ready_platform(), ref, to=to, user_name=user_name)
    _show(body, as_json, f"sent proposal {body['number']} v{body['version']}")


@proposal_group.command("approve")
@click.argument("ref", metavar="PROPOSAL")
@user_option
@json_option
def approve_command(ref: str, user_name: str | None, as_json: bool) -> None:
    """Approve the discount (needs proposal.approve); request it with
    ``proposal transition REF request_approval``."""
    _move(ref, "approve", user_name, as_json)


@proposal_group.command("accept")
@click.argument("ref", metavar="PROPOSAL")
@user_option
@json_option
def accept_command(ref: str, user_name: str | None, as_json: bool) -> None:
    """The client accepted: make the customer order (with the payment schedule)."""
    _move(ref, "accept", user_name, as_json)


@proposal_group.command("decline")
@click.argument("ref", metavar="PROPOSAL")
@click.option("--reason", required=True)
@user_option
@json_option
def decline_command(ref: str, reason: str, user_name: str | None, as_json: bool) -> None:
    """The client declined."""
    _move(ref, "decline", user_name, as_json, reason=reason)


@proposal_group.command("expire")
@click.argument("ref", metavar="PROPOSAL")
@click.option("--reason", required=True)
@user_option
@json_option
def expire_command(ref: str, reason: str, user_name: str | None, as_json: bool) -> None:
    """The proposal lapsed."""
    _move(ref, "expire", user_name, as_json, reason=reason)


@proposal_group.command("show")
@click.argument("ref", metavar="PROPOSAL")
@user_option
@json_option
def show_command(ref: str, user_name: str | None, as_json: bool) -> None:
    """Show a proposal: lines, groups, costs and margins, schedule, changes since sent."""
    from ordercraft.plugins.proposals.proposals import get_proposal

    with acting_session(user_name) as session:
        body = _finish(session, get_proposal(session, ref))
    _show(body, as_json)


@proposal_group.command("list")
@click.option("--client", metavar="NAME_OR_ID")
@click.option("--status", metavar="STATE[,STATE]")
@click.option("--deal", metavar="ID")
@click.option("--limit", metavar="N")
@click.option("--offset", metavar="N")
@user_option
@json_option
def list_command(client: str | None, status: str | None, deal: str | None, limit: str | None,
                 offset: str | None, user_name: str | None, as_json: bool) -> None:
    """List proposals, newest first."""
    from ordercraft.plugins.proposals.proposals import list_proposals, proposal_dict

    with acting_session(user_name) as session:
        found = list_proposals(session, client=client, status=status, deal=deal, limit=limit,
                               offset=offset)
        body = found.to_dict("proposals", lambda p: proposal_dict(p, details=False))
    emit(as_json, {"ok": True, **body}, lambda: table(body["proposals"], [
        "number", "version", "state", "client", "date", "valid_until", "total", "margin_pct",
        "order"]))


@proposal_group.command("print")
@click.argument("ref", metavar="PROPOSAL")
@click.option("--form", type=click.Choice(["customer", "internal"]), default="customer",
              show_default=True)
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the PDF here (else the HTML goes to standard output).")
@user_option
@json_option
def print_command(ref: str, form: str, pdf_path: Path | None, user_name: str | None,
                  as_json: bool) -> None:
    """Print the customer or the internal form, as HTML or PDF."""
    from ordercraft.plugins.proposals.proposals import get_proposal
    from ordercraft.sdk.printing import render_html, render_pdf

    with acting_session(user_name) as session:
        proposal = get_proposal(session, ref)
        html = render_html(session, "proposal", form, proposal)
        number = proposal.number
    if pdf_path is None:
        emit(as_json, {"ok": True, "proposal": number, "form": form, "html": html},
             lambda: html)
        return
    pdf_path.write_bytes(render_pdf(html))
    emit(as_json, {"ok": True, "proposal": number, "form": form, "pdf": str(pdf_path)},
         lambda: f"wrote {pdf_path}")


@proposal_group.group("template")
def template_group() -> None:
    """Product templates for the configurator."""


@template_group.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--definition", "definition_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A JSON file: base, groups, rules (docs/proposals.md).")
@click.option("--description", default="", help="Marketing text for the customer form.")
@click.option("--image", default="", metavar="URL")
@user_option
@json_option
def template_add(code: str, name: str, definition_path: Path, description: str, image: str,
                 user_name: str | None, as_json: bool) -> None:
    """Add or replace a product template."""
    from ordercraft.plugins.proposals.proposals import save_template, template_dict

    try:
        definition = json.loads(definition_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValidationError(f"definition: not JSON ({exc})", field="definition") from None
    with acting_session(user_name) as session:
        body = template_dict(save_template(session, code, name=name, definition=definition,
                                           description=description, image=image))
    emit(as_json, {"ok": True, "template": body}, lambda: f"saved template {body['code']}")


@template_group.command("list")
@user_option
@json_option
def template_list(user_name: str | None, as_json: bool) -> None:
    """List the product templates."""
    from ordercraft.plugins.proposals.proposals import list_templates, template_dict

    with acting_session(user_name) as session:
        rows = [template_dict(t) for t in list_templates(session)]
    emit(as_json, {"ok": True, "templates": rows}, lambda: table(rows, ["code", "name"]))
