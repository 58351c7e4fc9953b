"""Files sent with a message: bytes with a file name and a content type, or a document's
PDF print form rendered for the purpose."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ordercraft.core.services import fields as check

if TYPE_CHECKING:
    from ordercraft.core.platform import Platform

#: All attachments of one message together (SMTP servers commonly refuse 25 MB and more).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


@dataclass(frozen=True)
class Attachment:
    """A file for a message.

    :param filename: the name the recipient sees (``offer-P-00012.pdf``); a path is cut to
        its last part.
    :param content_type: ``application/pdf``, ``text/csv``, ...
    :param content: the file's bytes.
    """

    filename: str
    content_type: str
    content: bytes

    def checked(self, position: int) -> Attachment:
        """The attachment with its name and type checked (errors name ``attachments.N``)."""
        where = f"attachments.{position}"
        name = check.text(str(self.filename).replace("\\", "/").rsplit("/", 1)[-1],
                          field=f"{where}.filename", max_length=255, required=True)
        kind = check.text(self.content_type, field=f"{where}.content_type",
                          max_length=100, required=True).lower()
        if not _CONTENT_TYPE.match(kind):
            raise check.invalid(f"{where}.content_type", f"{kind!r} is not a content type "
                                "like application/pdf")
        if not isinstance(self.content, (bytes, bytearray)):
            raise check.invalid(f"{where}.content", f"is {type(self.content).__name__}, "
                                "not bytes")
        return Attachment(name, kind, bytes(self.content))


def print_form_attachment(platform: Platform, document_type: str, form: str,
                          document_id: int, *, filename: str | None = None,
                          user: Any = None, language: str | None = None) -> Attachment:
    """A document's print form as a PDF attachment (an offer for the client, an invoice).

    Call it before the transaction that queues the message: the form's HTML is rendered
    in a short transaction of its own (acting as ``user``), the PDF outside any, so no
    transaction waits for WeasyPrint. The file is named ``<form>-<document>.pdf`` unless
    ``filename`` is given. The form is in ``language``, by default the site's (the
    client's), whoever sends it.
    """
    from ordercraft.core.i18n import site_language
    from ordercraft.core.printing import render_html, render_pdf
    from ordercraft.core.workflow.machines import session_machines

    with platform.session(user) as session:
        machines = session_machines(session)
        document = machines.load(session, document_type, document_id)
        html = render_html(session, document_type, form, document,
                           language=language or site_language(session))
        title = getattr(document, machines.machine(document_type).title_field, None)
    name = filename or f"{form.replace('_', '-')}-{title or document_id}.pdf"
    return Attachment(name, "application/pdf", render_pdf(html))
