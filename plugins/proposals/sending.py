"""Sending a proposal: the transition ``send`` (the next version is kept), and with an
address the customer form as a PDF through the site's mail outbox. The PDF is rendered
before the transaction that sends (no transaction waits for WeasyPrint); the message is
queued in that transaction, so a refused send mails nothing. The send is on the
proposal's timeline and, through the proposal's client, on the client's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MAIL_TEMPLATES = Path(__file__).parent / "mail_templates"


def send_proposal(platform: Any, ref: Any, *, to: str | None = None, user: Any = None,
                  user_name: str | None = None) -> dict[str, Any]:
    """Send proposal ``ref`` (acting as ``user``, or the user named ``user_name``); with
    ``to``, mail the customer PDF. Returns the proposal's body after the send."""
    from ordercraft.plugins.proposals.proposals import get_proposal, proposal_dict
    from ordercraft.sdk import validation
    from ordercraft.sdk.mail import print_form_attachment, queue_mail, render_mail
    from ordercraft.sdk.users import get_user
    from ordercraft.sdk.workflow import add_comment, transition

    address = validation.email(to, field="to") if to not in (None, "") else None
    with platform.session(user) as session:
        acting = get_user(session, user_name) if user_name else user
        proposal_id = get_proposal(session, ref).id
    attachment = (print_form_attachment(platform, "proposal", "customer", proposal_id,
                                        user=acting) if address else None)
    with platform.session(acting) as session:
        proposal = get_proposal(session, proposal_id, for_update=True)
        transition(session, proposal, "send", data={"to": address or ""})
        if address and attachment is not None:
            content = render_mail(session, "proposals/sent", {"proposal": proposal},
                                  folder=MAIL_TEMPLATES)
            queue_mail(session, to=address, content=content, attachments=[attachment],
                       about=proposal, source="proposals")
            add_comment(session, proposal, f"Version {proposal.version} mailed to {address} "
                        f"with {attachment.filename}")
        session.flush()
        session.refresh(proposal)
        return proposal_dict(proposal)
