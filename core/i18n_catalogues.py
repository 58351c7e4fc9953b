"""Making the catalogues: extract the marked text into ``.pot`` files, merge them into
each language's ``.po`` (``ordercraft i18n extract`` / ``ordercraft i18n update``).

A *package* here is a folder whose text goes into one catalogue at
``<folder>/translations``: the core (``core/`` with the web layer ``web/`` and the SDK
``sdk/``: one catalogue), each bundled plugin (``plugins/<name>/``), or an add-on's package
folder. Text is read from Python ``_()``/``gettext``/``ngettext``/``lazy_gettext`` calls
and from Jinja templates (pages, print forms, mail templates: ``.html`` and ``.txt``)
with Babel's extractors (``jinja2.ext.babel_extract`` for Jinja).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from ordercraft.core.i18n import DOMAIN, LANGUAGES, SOURCE_LANGUAGE

#: Which extractor reads which file (Babel's method map, relative to a source folder).
METHOD_MAP = [
    ("**/migrations/**", "ignore"),
    ("**/translations/**", "ignore"),
    ("**/scaffold_templates/**", "ignore"),
    ("**/static/**", "ignore"),
    ("**.py", "python"),
    *((f"{folder}templates/**.{kind}", "jinja2.ext:babel_extract")
      for folder in ("", "**/", "**_") for kind in ("html", "txt")),
]
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                 "trim_blocks": "true", "lstrip_blocks": "true"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "N_": None}
TRANSLATED = tuple(language for language in LANGUAGES if language != SOURCE_LANGUAGE)


@dataclass(frozen=True)
class CataloguePackage:
    """One catalogue: the folders its text comes from and where it is kept."""

    name: str
    sources: tuple[Path, ...]
    translations: Path = field(default=Path())

    @property
    def template(self) -> Path:
        return self.translations / f"{DOMAIN}.pot"

    def po_file(self, language: str) -> Path:
        return self.translations / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def bundled_packages() -> list[CataloguePackage]:
    """The core's catalogue and each bundled plugin's (from the installed source)."""
    # The layers are sibling folders, in the source tree as when installed; the core reads
    # the files of those above it, never imports them.
    core = Path(__file__).parent
    found = [CataloguePackage("core", (core, core.parent / "web", core.parent / "sdk"),
                              core / "translations")]
    plugins = core.parent / "plugins"
    for folder in sorted(p for p in plugins.iterdir() if (p / "__init__.py").is_file()):
        found.append(CataloguePackage(folder.name, (folder,), folder / "translations"))
    return found


def folder_package(folder: Path) -> CataloguePackage:
    """An add-on's package folder as a catalogue package."""
    folder = folder.resolve()
    return CataloguePackage(folder.name, (folder,), folder / "translations")


def extract(package: CataloguePackage) -> int:
    """Write the package's ``messages.pot``; return how many messages it has."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalogue = Catalog(project="Ordercraft", msgid_bugs_address="",
                        copyright_holder="Ordercraft contributors", fuzzy=False)
    options = {pattern: JINJA_OPTIONS for pattern, method in METHOD_MAP
               if method.startswith("jinja2")}
    for source in package.sources:
        for filename, lineno, message, comments, context in extract_from_dir(
                source, METHOD_MAP, options, keywords=KEYWORDS, comment_tags=("Translators:",),
                strip_comment_tags=True):
            where = f"{source.name}/{filename}"
            catalogue.add(message, None, [(where, lineno)], auto_comments=comments,
                          context=context)
    # No line numbers: a moved line does not change the file translators work from.
    _write(package.template, catalogue)
    return len(catalogue)


_DATES = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\n', re.MULTILINE)


def _write(path: Path, catalogue: Any, **options: Any) -> None:
    """Write ``catalogue`` unless only its dates would change (no churn in git)."""
    from babel.messages.pofile import write_po

    rendered = BytesIO()
    write_po(rendered, catalogue, width=100, sort_output=True, include_lineno=False,
             **options)
    text = rendered.getvalue()
    if path.is_file() and _DATES.sub(b"", path.read_bytes()) == _DATES.sub(b"", text):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)


def update(package: CataloguePackage, languages: Iterable[str] = TRANSLATED) -> list[Path]:
    """Merge the package's ``.pot`` into each language's ``.po`` (made when missing),
    keeping every translation whose message is still there; return the files written."""
    from babel.messages.pofile import read_po

    with package.template.open("rb") as source:
        template = read_po(source)
    written = []
    for language in languages:
        po = package.po_file(language)
        if po.is_file():
            with po.open("rb") as source:
                catalogue = read_po(source, locale=language)
            catalogue.update(template, update_header_comment=False)
        else:
            with package.template.open("rb") as source:
                catalogue = read_po(source, locale=language)
            catalogue.locale = language  # type: ignore[assignment]
            catalogue.fuzzy = False
        _write(po, catalogue, ignore_obsolete=True)
        written.append(po)
    return written
