"""Translations: the gettext catalogues of the core and of the enabled plugins.

Every package ships its catalogues beside its code as plain ``.po`` files::

    core/translations/messages.pot                      (extracted, the translators' source)
    core/translations/<lang>/LC_MESSAGES/messages.po
    plugins/<name>/translations/<lang>/LC_MESSAGES/messages.po   (an add-on: the same)

No compiled ``.mo`` is kept: a language's catalogue is read from the ``.po`` files the
first time it is needed and kept in memory (the core's first, then each enabled plugin's,
so a plugin may translate a string of its own the core also uses).

The language of the work at hand is held in a context variable: the web sets it for each
request (:func:`language_of` the signed-in user), print forms and e-mails set it while
they render (the recipient's language). ``gettext`` and friends read it, so a flash
message, a form error or a template reads the same catalogue.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from gettext import NullTranslations
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.platform import Platform

#: The languages the interface is offered in; English is the source of every message.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "id": "Bahasa Indonesia",
    "fr": "Français",
    "ar": "العربية",
    "mn": "Монгол",
}
SOURCE_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT_LANGUAGE_SETTING = "default_language"
#: The gettext domain of every catalogue (one per package).
DOMAIN = "messages"
CORE_TRANSLATIONS = Path(__file__).parent / "translations"

_NULL = NullTranslations()


class _Choice:
    """A language and its catalogue, chosen when first needed (a request that translates
    nothing never reads the user's language)."""

    def __init__(self, choose: Callable[[], tuple[str, Iterable[str]]]) -> None:
        self._choose = choose
        self._chosen: tuple[str, NullTranslations] | None = None

    @property
    def chosen(self) -> tuple[str, NullTranslations]:
        if self._chosen is None:
            language, folders = self._choose()
            language = language if language in LANGUAGES else SOURCE_LANGUAGE
            self._chosen = (language, translations(language, folders))
        return self._chosen


_active: ContextVar[_Choice | None] = ContextVar("ordercraft_language", default=None)
_catalogues: dict[tuple[str, tuple[str, ...]], NullTranslations] = {}
_lock = threading.Lock()


def text_direction(language: str) -> str:
    """``"rtl"`` for a right-to-left language, else ``"ltr"`` (the HTML ``dir``)."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def package_translations(module_name: str) -> Path | None:
    """The ``translations`` folder beside the package ``module_name``, if it has one."""
    spec = importlib.util.find_spec(module_name)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations and spec is not None and spec.origin:
        locations = [str(Path(spec.origin).parent)]
    for location in locations:
        folder = Path(location) / "translations"
        if folder.is_dir():
            return folder
    return None


def catalogue_folders(platform: Platform) -> tuple[str, ...]:
    """The core's translations folder, then each enabled plugin's that has one."""
    folders = [str(CORE_TRANSLATIONS)]
    for plugin in platform.enabled_plugins:
        found = package_translations(plugin.module_name)
        if found is not None:
            folders.append(str(found))
    return tuple(folders)


def translations(language: str, folders: Iterable[str]) -> NullTranslations:
    """The merged catalogue of ``language`` over ``folders`` (later folders win), cached.

    The source language and a language without any catalogue translate to the text as
    written.
    """
    key = (language, tuple(folders))
    found = _catalogues.get(key)
    if found is None:
        with _lock:
            found = _catalogues.get(key)
            if found is None:
                found = _catalogues[key] = _load(language, key[1])
    return found


def _load(language: str, folders: tuple[str, ...]) -> NullTranslations:
    from babel.support import Translations

    if language == SOURCE_LANGUAGE:
        return _NULL
    merged: Translations | None = None
    for folder in folders:
        po = Path(folder) / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.is_file():
            continue
        catalogue = _read_po(po, language)
        if merged is None:
            merged = catalogue
        else:
            merged.merge(catalogue)
    return merged if merged is not None else _NULL


def _read_po(path: Path, language: str) -> Any:
    """A ``.po`` file as gettext translations, compiled in memory (no ``.mo`` on disk)."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with path.open("rb") as source:
        catalogue = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    # Untranslated and fuzzy entries are left out: the text shows as written.
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def forget_catalogues() -> None:
    """Drop the cached catalogues (after a ``.po`` file changed, or plugins did)."""
    with _lock:
        _catalogues.clear()


@contextmanager
def use_language(language: str, folders: Iterable[str]) -> Iterator[str]:
    """Translate into ``language`` (with the catalogues of ``folders``) inside the block."""
    choice = _Choice(lambda: (language, folders))
    token = _active.set(choice)
    try:
        yield choice.chosen[0]
    finally:
        _active.reset(token)


def activate(choose: Callable[[], tuple[str, Iterable[str]]]) -> Any:
    """Translate with the language and catalogue folders ``choose()`` answers when first
    needed, until :func:`deactivate` with the returned token (a web request)."""
    return _active.set(_Choice(choose))


def deactivate(token: Any) -> None:
    _active.reset(token)


def active_language() -> str | None:
    """The language set by :func:`use_language` or :func:`activate`, else ``None``."""
    active = _active.get()
    return active.chosen[0] if active is not None else None


def current_locale() -> str:
    """The language messages are translated into now (``"en"`` when none is set)."""
    return active_language() or SOURCE_LANGUAGE


def _catalogue() -> NullTranslations:
    active = _active.get()
    return active.chosen[1] if active is not None else _NULL


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the current language; ``%(name)s`` filled from ``variables``."""
    text = _catalogue().gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for ``num`` in the current language; ``%(num)d`` and
    ``variables`` are filled in."""
    text = _catalogue().ngettext(singular, plural, num)
    return text % {"num": num, **variables}


def N_(message: str) -> str:  # noqa: N802 - gettext's usual name
    """Mark ``message`` for extraction only: a label declared now (a menu entry) and
    translated with :func:`gettext` where it is shown."""
    return message


def lazy_gettext(message: str, **variables: Any) -> Any:
    """A string translated when it is used, not when it is made (module-level labels)."""
    from babel.support import LazyProxy

    return LazyProxy(gettext, message, enable_cache=False, **variables)


def install_gettext(environment: Any) -> None:
    """Give a Jinja environment ``_``, ``gettext`` and ``ngettext`` reading the current
    language (``{{ _("Hello %(name)s", name=user.name) }}``)."""
    if "jinja2.ext.InternationalizationExtension" not in environment.extensions:
        environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(_template_gettext, _template_ngettext,
                                          newstyle=True)


def _template_gettext(message: str) -> str:
    return _catalogue().gettext(message)


def _template_ngettext(singular: str, plural: str, num: int) -> str:
    return _catalogue().ngettext(singular, plural, num)


def site_language(session: Session) -> str:
    """The site's default language (setting ``default_language``)."""
    from ordercraft.core.settings import get_setting

    language = get_setting(session, DEFAULT_LANGUAGE_SETTING)
    return language if language in LANGUAGES else SOURCE_LANGUAGE


def language_of(session: Session, user: Any) -> str:
    """The language of ``user``: their own choice, else the site's default, else English."""
    own = getattr(user, "language", None) if user is not None else None
    if own in LANGUAGES:
        return str(own)
    return site_language(session)


@contextmanager
def rendering_language(session: Session, language: str | None, *,
                       follow_page: bool = True) -> Iterator[str]:
    """For a print form or an e-mail: ``language``, else (``follow_page``) the language
    already active (the user looking at a page), else the site's default; with the
    catalogues of the session's site."""
    from ordercraft.core.platform import site_platform

    chosen = (language or (active_language() if follow_page else None)
              or site_language(session))
    from ordercraft.core.errors import PluginError

    try:
        folders = catalogue_folders(site_platform(session))
    except PluginError:  # a bare session (a script's): the core's catalogue only
        folders = (str(CORE_TRANSLATIONS),)
    with use_language(chosen, folders) as used:
        yield used
