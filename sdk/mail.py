"""Outgoing mail for plugin authors: queue a message in your operation's transaction,
render it from templates a site can override, attach files and PDF print forms.

A message is never sent from inside your code: :func:`queue_mail` writes it to the
site's outbox in the transaction you are in, and ``ordercraft worker`` sends it over
SMTP once that transaction has committed (retrying with backoff when the server says
"later"). So an operation that fails sends nothing, and a mail server that is down
never makes an operation fail::

    from pathlib import Path
    from ordercraft.sdk.mail import queue_mail, render_mail

    MAIL_TEMPLATES = Path(__file__).parent / "mail_templates"

    def approve_discount(session, proposal, approver):
        proposal.discount_approved = True                      # the business change...
        content = render_mail(session, "proposals/discount_approved",
                              {"proposal": proposal, "approver": approver},
                              folder=MAIL_TEMPLATES)
        queue_mail(session, to=proposal.manager.email, content=content,
                   about=proposal, source="proposals")         # ...and its mail, together

**Templates.** A mail template ``NAME`` is two or three Jinja files in your folder:
``NAME.subject.txt`` (one line), ``NAME.txt`` (plain text) and optionally ``NAME.html``
(autoescaped; ``{% extends "mail/base.html" %}`` gives the site's mail layout, with the
blocks ``title``, ``content`` and ``footer``). Name them after your plugin
(``proposals/discount_approved``): a site changes one by putting a file of the same
relative path into its templates folder (the site setting ``print_templates_dir`` or
``ORDERCRAFT_TEMPLATES_DIR``). Templates also get ``company`` (the site's company
details), ``site_url`` (for links; may be empty) and the filters ``money``, ``qty``,
``percent`` and ``day`` (:func:`site_url` gives the same address to your code). Or build the content yourself:
``MailContent(subject, text, html=None)``.

**Many at once.** :func:`queue_mails` queues thousands of messages without attachments
in a few statements (a mailing), each with the moment it may be sent, so a caller spreads
them at the rate it wants.

**Attachments.** ``Attachment(filename, content_type, content)`` for bytes you have;
:func:`print_form_attachment` renders a document's print form as a PDF. Rendering a PDF
takes a while: make it *before* the transaction that queues the message (it opens a
short transaction of its own to read the document)::

    offer = print_form_attachment(platform, "proposal", "offer", proposal_id)
    with platform.session(user) as session:
        proposal = get_proposal(session, proposal_id)
        proposal.sent_at = now
        queue_mail(session, to=proposal.client.email, content=content,
                   attachments=[offer], about=proposal, source="proposals")

**What the site sees.** ``ordercraft mail list|show|retry`` shows each message's state
(``queued``, ``sending``, ``sent``, ``failed``), its attempts and its last error; the
outbox keeps who queued it (the session's user), ``source`` and ``about``.

**Testing.** The test kit's ``smtp_server`` fixture is a real SMTP server on a free port
that keeps what it receives; ``smtp_server.configure(site)`` points the site at it, and
``send_due(site.platform)`` runs the worker's sending round once::

    def test_approval_mails_the_manager(make_site, smtp_server):
        site = make_site(plugins=["proposals"])
        smtp_server.configure(site)
        ...                                 # approve a discount
        send_due(site.platform)
        [mail] = smtp_server.messages
        assert mail.subject == "Discount approved: P-00012"

**Bounces.** An address the SMTP server refuses for good while sending (a 5xx answer
to RCPT or DATA), and one a bounce report names, reach the hook ``mail_bounced``
(docs/hooks.md). :func:`parse_bounce_report` reads a delivery status notification (the
``.eml`` a mail server sends back) into a :class:`BounceReport`; :func:`report_bounce`
records one in the caller's transaction::

    report = parse_bounce_report(Path("bounce.eml").read_bytes())
    report_bounce(session, report.addresses, report.reason,
                  original_message_id=report.original_message_id)

Errors: :class:`~ordercraft.sdk.ValidationError` naming the field and value (``to``,
``subject``, ``attachments.0.filename``); an unknown template is a
:class:`~ordercraft.sdk.NotFound`.
"""

from ordercraft.core.mail.attachments import Attachment, print_form_attachment
from ordercraft.core.mail.bounces import BounceReport, parse_bounce_report, report_bounce
from ordercraft.core.mail.outbox import MailContent, queue_mail, queue_mails
from ordercraft.core.mail.sender import send_due
from ordercraft.core.mail.templates import render_mail

__all__ = ["Attachment", "BounceReport", "MailContent", "parse_bounce_report",
           "print_form_attachment", "queue_mail", "queue_mails", "render_mail", "report_bounce",
           "send_due", "site_url"]


def site_url(session: object) -> str:
    """The site's address for links in messages (``https://crm.example.com``, no trailing
    slash): the mail setting ``site_url``, empty when it is not set."""
    from ordercraft.core.mail.settings import read_settings

    return str(read_settings(session).site_url or "").rstrip("/")  # type: ignore[arg-type]
