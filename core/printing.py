"""Print forms: documents rendered from Jinja templates as HTML (with print CSS) and PDF.

A print form belongs to a document type (an order's confirmation, invoice, delivery
note) and is contributed by a plugin through the hook ``print_forms(registry)``::

    registry.add(PrintForm("order", "invoice", "Invoice", "sales/invoice.html",
                           folder=str(HERE / "print_templates"), context=order_context))

Templates are looked up in this order, the first file found wins:

1. the site's templates folder: the site setting ``print_templates_dir``, else the
   environment variable ``ORDERCRAFT_TEMPLATES_DIR`` — a site changes a form by putting
   a file with the form's relative path there (``sales/invoice.html``), or the shared
   layout (``print/base.html``);
2. the folders of the registered forms (a plugin's template may include another's);
3. the core's folder (``core/print_templates``) with the layout ``print/base.html``,
   which carries the print CSS (A4 pages, margins, page breaks).

Templates run in Jinja's sandbox with autoescaping, so a site's template cannot reach
Python internals, and get the filters ``money(currency)`` (``€1,450.00``; the site's currency when none is
given), ``date`` (``Mar 5, 2024``), ``datetime`` (in the site's time zone), ``when``,
``number``, ``qty`` (``2.5``), ``percent`` (``12.5%``) and ``day`` (a date or a moment,
for older templates), all in the site's ``default_language``, plus ``company`` (the site
settings ``company_*``: name, address, tax_id, registration_no, bank_details, phone,
email) and ``printed_at``. PDF comes from WeasyPrint, imported only when a PDF is made.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordercraft.core.errors import NotFound, PluginError
from ordercraft.core.i18n import install_gettext, rendering_language, text_direction
from ordercraft.core.registries import NAME_PATTERN, once_per_plugin_set

if TYPE_CHECKING:
    from jinja2 import Environment
    from sqlalchemy.orm import Session

    from ordercraft.core.hooks import Hooks
    from ordercraft.core.platform import Platform

CORE_FOLDER = Path(__file__).parent / "print_templates"
#: The site setting naming the site's own templates folder.
TEMPLATES_DIR_SETTING = "print_templates_dir"
TEMPLATES_DIR_ENV = "ORDERCRAFT_TEMPLATES_DIR"
COMPANY_FIELDS = ("name", "address", "tax_id", "registration_no", "bank_details", "phone",
                  "email")

ContextFunction = Callable[["Session", Any], dict[str, Any]]


@dataclass(frozen=True)
class PrintForm:
    """One printable form of a document type.

    :param document_type: the documents it prints (``order``).
    :param name: its name within the type (``invoice``): lower-case letters, digits,
        ``-`` and ``_``.
    :param title: what people read (``Invoice``).
    :param template: the template's path relative to ``folder`` (``sales/invoice.html``).
    :param folder: the folder the plugin ships its print templates in.
    :param context: ``(session, document) -> dict``: the template's variables.
    """

    document_type: str
    name: str
    title: str
    template: str
    folder: str
    context: ContextFunction
    plugin: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"document_type": self.document_type, "name": self.name, "title": self.title,
                "template": self.template, "plugin": self.plugin}


class PrintFormRegistry:
    """The print forms of a site, filled by the hook ``print_forms``."""

    def __init__(self) -> None:
        self._forms: dict[tuple[str, str], PrintForm] = {}
        self.current_plugin = "core"

    def add(self, form: PrintForm) -> PrintForm:
        where = f"plugin {self.current_plugin!r} registers print form"
        if not isinstance(form, PrintForm):
            raise PluginError(f"{where} {form!r}, which is not a PrintForm")
        for label, value in (("document type", form.document_type), ("name", form.name)):
            if not isinstance(value, str) or not NAME_PATTERN.match(value):
                raise PluginError(f"{where} {form.name!r}: its {label} {value!r} is not "
                                  "lower-case letters, digits, '-' and '_'")
        key = (form.document_type, form.name)
        if key in self._forms:
            raise PluginError(f"{where} {form.document_type}/{form.name}, already registered "
                              f"by plugin {self._forms[key].plugin!r}")
        template = Path(form.folder) / form.template
        if Path(form.template).is_absolute() or ".." in Path(form.template).parts:
            raise PluginError(f"{where} {form.document_type}/{form.name}: the template "
                              f"{form.template!r} must be a path inside its folder")
        if not template.is_file():
            raise PluginError(f"{where} {form.document_type}/{form.name}: its template "
                              f"{template} does not exist")
        if not callable(form.context):
            raise PluginError(f"{where} {form.document_type}/{form.name}: its context is "
                              "not a function")
        stamped = PrintForm(form.document_type, form.name, form.title, form.template,
                            str(form.folder), form.context, self.current_plugin)
        self._forms[key] = stamped
        return stamped

    def get(self, document_type: str, name: str) -> PrintForm | None:
        return self._forms.get((document_type, name))

    def form(self, document_type: str, name: str) -> PrintForm:
        """The form; :class:`NotFound` names the forms the document type has."""
        found = self.get(document_type, name)
        if found is None:
            names = ", ".join(f.name for f in self.forms_of(document_type)) or "none"
            raise NotFound(f"form: {document_type} has no print form {name!r} (forms: {names})",
                           field="form", code="unknown_form")
        return found

    def forms_of(self, document_type: str) -> list[PrintForm]:
        return [form for (kind, _name), form in self._forms.items() if kind == document_type]

    def context_of(self, document_type: str) -> ContextFunction:
        """The context function of the document type's first form, for a plugin that
        adds a form to another plugin's document type."""
        forms = self.forms_of(document_type)
        if not forms:
            raise PluginError(f"plugin {self.current_plugin!r} asks for the print context of "
                              f"{document_type!r}, which has no print forms (yet: plugins are "
                              "called in requirement order)")
        return forms[0].context

    def folders(self) -> list[str]:
        return list(dict.fromkeys(form.folder for form in self._forms.values()))

    def __iter__(self):  # noqa: ANN204 - an iterator of PrintForm
        return iter(self._forms.values())

    def __len__(self) -> int:
        return len(self._forms)


def print_forms(platform: Platform) -> PrintFormRegistry:
    """The site's print forms, built once per plugin set (rebuilt when plugins change)."""
    return _print_forms(platform.hooks)


@once_per_plugin_set
def _print_forms(hooks: Hooks) -> PrintFormRegistry:
    registry = PrintFormRegistry()
    hooks.print_forms(registry)
    return registry


def session_forms(session: Session) -> PrintFormRegistry:
    platform = session.info.get("platform")
    if platform is None:
        raise PluginError("this session was not opened by Platform.session(); print forms "
                          "need the site's plugins")
    return print_forms(platform)


def forms_of(session: Session, document_type: str) -> list[PrintForm]:
    """The print forms of ``document_type`` on the session's site, in registration order."""
    return session_forms(session).forms_of(document_type)


# --------------------------------------------------------------------------- settings


def _setting(session: Session, key: str) -> str:
    from ordercraft.core.models import SiteSetting

    found = session.get(SiteSetting, key)
    return (found.value or "").strip() if found is not None else ""


def site_templates_dir(session: Session) -> Path | None:
    """The site's own templates folder, if one is configured."""
    configured = _setting(session, TEMPLATES_DIR_SETTING) or os.environ.get(
        TEMPLATES_DIR_ENV, "").strip()
    return Path(configured) if configured else None


def set_site_templates_dir(session: Session, folder: str | None) -> Path | None:
    """Configure (or, with ``None``/``""``, clear) the site's templates folder: the site
    setting ``print_templates_dir``, which must name an existing folder."""
    from ordercraft.core.settings import set_setting

    value = set_setting(session, TEMPLATES_DIR_SETTING, folder or "")["value"]
    return Path(value) if value else None


def company(session: Session) -> dict[str, str]:
    """Our own company's details for the letterhead (site settings ``company_*``), and
    ``logo``: the uploaded logo as a ``data:`` URL, or ``""``."""
    from sqlalchemy import select

    from ordercraft.core.models import SiteSetting

    keys = [f"company_{name}" for name in COMPANY_FIELDS]
    found = dict(session.execute(select(SiteSetting.key, SiteSetting.value)
                                 .where(SiteSetting.key.in_([*keys, LOGO_KEY]))).all())
    details = {name: (found.get(f"company_{name}") or "").strip() for name in COMPANY_FIELDS}
    details["logo"] = found.get(LOGO_KEY) or ""
    return details


#: The company logo, kept as a ``data:`` URL in ``site_settings`` under this key (not a
#: declared setting: it is set by upload, checked by :func:`set_company_logo`).
LOGO_KEY = "company_logo"
LOGO_MAX_BYTES = 512 * 1024
_LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg",
               b"GIF87a": "image/gif", b"GIF89a": "image/gif"}


def logo_type(data: bytes) -> str:
    """The image type of an uploaded logo (PNG, JPEG or GIF, read from its first bytes);
    anything else, an empty file or one over :data:`LOGO_MAX_BYTES` is refused."""
    from ordercraft.core.errors import ValidationError

    if not data:
        raise ValidationError("logo: the file is empty", field="logo")
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(f"logo: the file has {len(data)} bytes; at most "
                              f"{LOGO_MAX_BYTES // 1024} KB", field="logo")
    for magic, mimetype in _LOGO_TYPES.items():
        if data.startswith(magic):
            return mimetype
    raise ValidationError("logo: the file is not a PNG, JPEG or GIF image", field="logo")


def set_company_logo(session: Session, data: bytes | None) -> str:
    """Store the company logo printed on the letterhead (``None`` removes it); returns
    the image type (``""`` when removed). Needs ``site.admin``; audited."""
    import base64

    from ordercraft.core.audit import record_change
    from ordercraft.core.models import SiteSetting
    from ordercraft.core.permissions import require_session_permission

    require_session_permission(session, "site.admin")
    row = session.get(SiteSetting, LOGO_KEY, with_for_update=True)
    if data is None:
        if row is not None:
            session.delete(row)
            record_change(session, "setting", LOGO_KEY, {"value": ["(image)", None]})
        session.flush()
        return ""
    mimetype = logo_type(data)
    value = f"data:{mimetype};base64,{base64.b64encode(data).decode()}"
    if row is None:
        session.add(SiteSetting(key=LOGO_KEY, value=value))
    else:
        row.value = value
    session.flush()
    record_change(session, "setting", LOGO_KEY,
                  {"value": [None if row is None else "(image)", f"({mimetype}, {len(data)} "
                             "bytes)"]})
    return mimetype


# --------------------------------------------------------------------------- rendering


def money(value: Any, currency: Any = None, exact: bool = False) -> str:
    """``Decimal("1450"), "EUR"`` -> ``"€1,450.00"`` in the reader's locale (the site's
    on print forms and mails), rounded to the currency's minor unit (``exact=True``: every
    decimal kept); without a currency, the site's ``default_currency``."""
    from ordercraft.core.formatting import current_display, format_money

    return format_money(value, currency, current_display(), exact)


def qty(value: Any) -> str:
    """``Decimal("2.500000")`` -> ``"2.5"``; whole numbers without a point."""
    if value is None or value == "":
        return ""
    return format(Decimal(value).normalize(), "f")


def percent(value: Any) -> str:
    return "" if value is None or value == "" else f"{qty(value)}%"


def day(value: Any) -> str:
    """A date (``Mar 5, 2024``), or a moment in the site's time zone with its time: what
    ``date`` and ``datetime`` show, for templates written before those filters."""
    from ordercraft.core.formatting import current_display, format_date, format_datetime

    if isinstance(value, datetime):
        return format_datetime(value, current_display())
    if isinstance(value, date):
        return format_date(value, current_display())
    return "" if value is None else str(value)


def template_filters() -> dict[str, Any]:
    """The filters of print forms and mails (the site is the reader: see
    :func:`ordercraft.core.formatting.displaying`)."""
    from ordercraft.core.formatting import print_filters

    return {**print_filters(), "money": money, "qty": qty, "percent": percent, "day": day}


_environments: dict[tuple[str, ...], Environment] = {}


def environment(folders: list[str]) -> Environment:
    """A sandboxed Jinja environment over ``folders`` (first match wins), cached."""
    key = tuple(folders)
    found = _environments.get(key)
    if found is None:
        from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
        from jinja2.sandbox import SandboxedEnvironment

        found = SandboxedEnvironment(loader=FileSystemLoader(list(folders)),
                                     autoescape=select_autoescape(default=True),
                                     undefined=StrictUndefined, auto_reload=True,
                                     trim_blocks=True, lstrip_blocks=True,
                                     extensions=["jinja2.ext.i18n"])
        # Forms mark their text with _("..."); until a catalogue is chosen it shows as written.
        found.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
        found.filters.update(template_filters())
        install_gettext(found)
        _environments[key] = found
    return found


def template_folders(session: Session, registry: PrintFormRegistry | None = None) -> list[str]:
    registry = registry or session_forms(session)
    site = site_templates_dir(session)
    return ([str(site)] if site is not None else []) + registry.folders() + [str(CORE_FOLDER)]


def template_source(session: Session, form: PrintForm) -> Path:
    """The file the form is rendered from on this site (the site's override, if any)."""
    for folder in template_folders(session):
        path = Path(folder) / form.template
        if path.is_file():
            return path
    return Path(form.folder) / form.template


def render_html(session: Session, document_type: str, name: str, document: Any, *,
                links: list[dict[str, Any]] | None = None, language: str | None = None) -> str:
    """The form ``name`` of ``document`` as a complete HTML page with its print CSS.

    ``links`` (``{"label", "url", "primary"}``) make a toolbar above the sheet for the
    browser (hidden when printing); PDFs are rendered without. ``language``: the
    recipient's; by default the language of the page's user, else the site's default.
    """
    from jinja2 import TemplateError

    from ordercraft.core.db import utcnow
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.formatting import displaying, site_display

    registry = session_forms(session)
    form = registry.form(document_type, name)
    values = dict(form.context(session, document))
    values.setdefault("company", company(session))
    values.setdefault("printed_at", utcnow())
    values["form"] = form.as_dict()
    values["links"] = list(links or [])
    try:
        template = environment(template_folders(session, registry)).get_template(form.template)
        # the reader's language; the site's time zone and currency (a form leaves the site)
        with rendering_language(session, language) as used, \
                displaying(replace(site_display(session), locale=used)):
            values.setdefault("language", used)
            values.setdefault("text_direction", text_direction(used))
            return template.render(**values)
    except TemplateError as exc:
        # A site's own template may be wrong; say which file and where, never a traceback.
        source = template_source(session, form)
        line = getattr(exc, "lineno", None)
        raise ValidationError(f"form: the template {source}" + (f" (line {line})" if line else "")
                              + f" of print form {document_type}/{name} cannot be rendered: "
                              f"{exc.message or type(exc).__name__}", field="form",
                              code="template_error") from None


def render_pdf(html: str) -> bytes:
    """A PDF of the HTML page (WeasyPrint; resources resolve against the core's folder)."""
    import logging

    import weasyprint

    # WeasyPrint reports CSS it ignores (screen-only rules) as warnings: not our reader's business.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=str(CORE_FOLDER)).write_pdf()
