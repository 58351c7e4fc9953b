"""Sending a proposal: one job, whichever way it starts (the page's Send button,
``ordercraft proposal send``, ``POST /api/v1/proposals/{id}/send``, or the generic
``send`` transition of the page, CLI and API): the approval check (the transition's
guards), the next version kept, the customer form as a PDF mailed through the site's
outbox, the send on the proposal's (and so the client's) timeline, the state change.

The mail is the ``send`` transition's action (:func:`mail_customer_pdf`), so no way of
sending skips it. :func:`send_proposal` renders the PDF before the transaction that
sends (no transaction waits for WeasyPrint) and hands it to the action; the generic
transition, which has no PDF at hand, renders it in its transaction. The message is
queued in the sending transaction, so a refused send mails nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MAIL_TEMPLATES = Path(__file__).parent / "mail_templates"


def default_address(proposal: Any) -> str:
    """Where a proposal goes unless told otherwise: its contact's e-mail, else its
    client's ("" when neither has one)."""
    from ordercraft.plugins.proposals.proposals import proposal_session
    from ordercraft.sdk.models import Contact

    if proposal.contact_id is not None:
        contact = proposal_session(proposal).get(Contact, proposal.contact_id)
        if contact is not None and contact.email:
            return str(contact.email)
    return str(proposal.client.email or "")


def send_proposal(platform: Any, ref: Any, *, to: str | None = None, user: Any = None,
                  user_name: str | None = None) -> dict[str, Any]:
    """Send proposal ``ref`` (acting as ``user``, or the user named ``user_name``) and
    mail the customer PDF to ``to`` (default: :func:`default_address`; no address at
    all: the proposal is sent without mail, as by hand). Returns the proposal's body
    after the send."""
    from ordercraft.plugins.proposals.proposals import get_proposal, proposal_dict
    from ordercraft.sdk import validation
    from ordercraft.sdk.mail import print_form_attachment
    from ordercraft.sdk.users import get_user
    from ordercraft.sdk.workflow import transition

    address = validation.email(to, field="to") if to not in (None, "") else None
    with platform.session(user) as session:
        acting = get_user(session, user_name) if user_name else user
        proposal = get_proposal(session, ref)
        proposal_id = proposal.id
        address = address or default_address(proposal)
    attachment = (print_form_attachment(platform, "proposal", "customer", proposal_id,
                                        user=acting) if address else False)
    with platform.session(acting) as session:
        proposal = get_proposal(session, proposal_id, for_update=True)
        transition(session, proposal, "send", data={"to": address, "pdf": attachment})
        session.flush()
        session.refresh(proposal)
        return proposal_dict(proposal)


def mail_customer_pdf(ctx: Any) -> None:
    """The ``send`` transition's action: queue the customer PDF to the client in the
    transition's transaction and note it on the timeline. ``ctx.data``: ``to`` (absent:
    :func:`default_address`; ``""``: no mail), ``pdf`` (the attachment rendered
    beforehand; absent: rendered here), ``mail`` (``False``: the proposal went out
    another way, as in the demo's history: recorded, nothing mailed)."""
    from ordercraft.sdk import validation
    from ordercraft.sdk.mail import Attachment, queue_mail, render_mail
    from ordercraft.sdk.workflow import add_comment

    proposal, session = ctx.document, ctx.session
    if ctx.data.get("mail") is False:
        return
    to = ctx.data.get("to")
    address = (validation.email(to, field="to") if to else "") if to is not None \
        else default_address(proposal)
    if not address:
        add_comment(session, proposal, f"Version {proposal.version} sent without e-mail "
                    "(no address)")
        return
    pdf = ctx.data.get("pdf")
    if not isinstance(pdf, Attachment):  # the generic transition (from JSON: not a file)
        pdf = _pdf_in_transaction(session, proposal)
    content = render_mail(session, "proposals/sent", {"proposal": proposal},
                          folder=MAIL_TEMPLATES)
    queue_mail(session, to=address, content=content, attachments=[pdf], about=proposal,
               source="proposals")
    add_comment(session, proposal, f"Version {proposal.version} mailed to {address} "
                f"with {pdf.filename}")


def _pdf_in_transaction(session: Any, proposal: Any) -> Any:
    from ordercraft.sdk.mail import Attachment
    from ordercraft.sdk.printing import render_html, render_pdf

    html = render_html(session, "proposal", "customer", proposal)
    return Attachment(f"customer-{proposal.number}.pdf", "application/pdf", render_pdf(html))
