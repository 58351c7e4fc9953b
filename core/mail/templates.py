"""Mail templates: Jinja files per message, overridable per site.

A mail template ``NAME`` (``notifications/task_reminder``) is up to three files:
``NAME.subject.txt`` (one line), ``NAME.txt`` (the plain-text body) and, optionally,
``NAME.html`` (the HTML body, autoescaped; it may extend the shared layout
``mail/base.html``). They are looked up in this order, the first file found wins:

1. the site's templates folder (the site setting ``print_templates_dir`` or
   ``ORDERCRAFT_TEMPLATES_DIR``, shared with the print forms): a site changes a mail by
   putting a file of the same relative path there;
2. the folder the caller ships its templates in (a plugin's ``mail_templates``);
3. the core's folder (``core/mail/mail_templates``: ``mail/base.html`` and the platform's own
   mails, such as ``mail/test``).

Templates run in Jinja's sandbox and get the filters of the print forms (``money(currency)``,
``date``, ``datetime``, ``when``, ``number``, ``qty``, ``percent``, ``day``: dates in the
site's time zone, in its ``default_language``), plus ``company`` (the site's ``company_*`` settings) and
``site_url`` (for links; empty when the site setting is not set).
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordercraft.core.errors import NotFound, ValidationError
from ordercraft.core.formatting import Display, displaying
from ordercraft.core.i18n import install_gettext, rendering_language, text_direction
from ordercraft.core.mail.outbox import MailContent

if TYPE_CHECKING:
    from jinja2 import Environment
    from sqlalchemy.orm import Session

CORE_FOLDER = Path(__file__).parent / "mail_templates"
_NAME = re.compile(r"^[a-z0-9_\-]+(/[a-z0-9_\-]+)*$")
_environments: dict[tuple[str, ...], Environment] = {}
_lock = threading.Lock()
#: ``session.info`` key of what :func:`_site` read.
SITE_CACHE = "ordercraft.mail.site"


def render_mail(session: Session, name: str, context: dict[str, Any] | None = None, *,
                folder: str | Path | None = None, language: str | None = None) -> MailContent:
    """Render the mail template ``name`` with ``context`` into a :class:`MailContent`.

    :param folder: the folder the caller ships its mail templates in.
    :param language: the recipient's language (a user's:
        :func:`ordercraft.core.i18n.language_of`); by default the site's default language
        (a client's).
    :raises NotFound: the template has no subject or text file in any folder.
    :raises ValidationError: a template cannot be rendered (the message names the file
        and the line: a site's own template may be wrong).
    """
    from jinja2 import TemplateError, TemplateNotFound

    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError(f"template: {name!r} is not a template name (lower-case "
                              "letters, digits, '-', '_' and '/')", field="template")
    site_folder, site_values, display = _site(session)
    folders = [site_folder] if site_folder else []
    folders += [str(folder)] if folder is not None else []
    folders.append(str(CORE_FOLDER))
    environment = _environment(tuple(folders))
    values = {**site_values, **(context or {})}
    current = f"{name}.subject.txt"
    with rendering_language(session, language, follow_page=False) as used:
        values.setdefault("language", used)
        values.setdefault("text_direction", text_direction(used))
        try:
            with displaying(replace(display, locale=used)):
                subject = environment.get_template(current).render(values)
                current = f"{name}.txt"
                text = environment.get_template(current).render(values)
                current = f"{name}.html"
                try:
                    html_template = environment.get_template(current)
                except TemplateNotFound:
                    html = None
                else:
                    html = html_template.render(values)
        except TemplateNotFound as exc:
            raise NotFound(f"template: mail template {name!r} needs the file {exc.name} "
                           f"(looked in {', '.join(folders)})", field="template",
                           code="unknown_mail_template") from None
        except TemplateError as exc:
            line = getattr(exc, "lineno", None)
            source = _source(folders, getattr(exc, "filename", None) or current)
            raise ValidationError(f"template: the mail template {source}"
                                  + (f" (line {line})" if line else "")
                                  + f" cannot be rendered: {exc.message or type(exc).__name__}",
                                  field="template", code="template_error") from None
    return MailContent(subject=" ".join(subject.split()), text=text.strip() + "\n",
                       html=html)


def _site(session: Session) -> tuple[str, dict[str, Any], Display]:
    """The site's templates folder, the variables every mail gets and the site as the
    reader of dates and amounts, read once per transaction: a reminder run renders
    hundreds of mails in one."""
    found = session.info.get(SITE_CACHE)
    if found is None:
        from ordercraft.core.formatting import site_display
        from ordercraft.core.mail.settings import read_settings
        from ordercraft.core.printing import company, site_templates_dir

        folder = site_templates_dir(session)
        found = session.info[SITE_CACHE] = (
            str(folder) if folder is not None else "",
            {"company": company(session), "site_url": read_settings(session).site_url},
            site_display(session))
    return found


def _source(folders: list[str], relative: str) -> str:
    for folder in folders:
        path = Path(folder) / relative
        if path.is_file():
            return str(path)
    return relative


def _environment(folders: tuple[str, ...]) -> Environment:
    """A sandboxed environment over ``folders``; HTML files are autoescaped, text files
    are not (a plain-text mail shows ``&`` as it is)."""
    found = _environments.get(folders)
    if found is None:
        with _lock:
            found = _environments.get(folders)
            if found is None:
                from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
                from jinja2.sandbox import SandboxedEnvironment

                from ordercraft.core.printing import template_filters

                found = SandboxedEnvironment(
                    loader=FileSystemLoader(list(folders)),
                    autoescape=select_autoescape(enabled_extensions=("html",),
                                                 default_for_string=False, default=False),
                    undefined=StrictUndefined, auto_reload=True, trim_blocks=True,
                    lstrip_blocks=True, keep_trailing_newline=True,
                    extensions=["jinja2.ext.i18n"])
                # Mails mark their text with _("..."); until a catalogue is chosen it
                # shows as written.
                found.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
                found.filters.update(template_filters())
                install_gettext(found)
                _environments[folders] = found
    return found
