"""Translations: the language of a page, of a print form and of a mail; the catalogues
of the core and of a plugin; ``ordercraft i18n extract|update``."""

from __future__ import annotations

import types
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from ordercraft.core import i18n


def _set_language(site, language: str) -> None:
    from ordercraft.core.settings import set_setting

    with site.session() as session:
        set_setting(session, "default_language", language)


def test_the_login_page_and_the_menu_speak_the_sites_language(site):
    _set_language(site, "fr")
    page = site.app.test_client().get("/login").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page
    assert "Se connecter" in page and "Mot de passe" in page and "Log in" not in page

    home = site.client("admin").get("/").get_data(as_text=True)
    assert ">Accueil</a>" in home and ">Tâches</a>" in home and ">Entrepôts</a>" in home
    assert "Se déconnecter" in home
    # A message nobody translated yet shows as written.
    assert "Administration" in home


def test_english_is_the_default_and_arabic_reads_right_to_left(site):
    page = site.app.test_client().get("/login").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page and "Log in" in page
    _set_language(site, "ar")
    page = site.app.test_client().get("/login").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_the_users_own_language_comes_before_the_sites(site):
    with site.session() as session:
        assert i18n.language_of(session, types.SimpleNamespace(language="mn")) == "mn"
        assert i18n.language_of(session, types.SimpleNamespace(language=None)) == "en"
        assert i18n.language_of(session, types.SimpleNamespace()) == "en"
        # A code the site does not offer falls back to the site's language.
        assert i18n.language_of(session, types.SimpleNamespace(language="xx")) == "en"
    _set_language(site, "id")
    with site.session() as session:
        assert i18n.language_of(session, None) == "id"


def test_python_code_translates_with_the_active_language():
    folders = (str(i18n.CORE_TRANSLATIONS),)
    label = i18n.lazy_gettext("Log out")
    assert i18n.current_locale() == "en" and i18n.gettext("Log out") == "Log out"
    with i18n.use_language("fr", folders):
        assert i18n.current_locale() == "fr"
        assert i18n.gettext("Log out") == "Se déconnecter" and str(label) == "Se déconnecter"
        assert i18n.ngettext("%(num)d session ended.", "%(num)d sessions ended.", 2) == \
            "2 sessions fermées."
        # a message no catalogue has stays in English, its number filled in
        assert i18n.ngettext("%(num)d gizmo", "%(num)d gizmos", 3) == "3 gizmos"
    assert str(label) == "Log out"


def test_a_mail_renders_in_the_recipients_language(site):
    from ordercraft.core.mail.templates import render_mail

    with site.session() as session:
        french = render_mail(session, "mail/test", {"requested_by": "admin"}, language="fr")
        english = render_mail(session, "mail/test", {"requested_by": "admin"})
    assert french.subject == "Message de test de Ordercraft"
    assert english.subject == "Test message from Ordercraft"
    assert '<html lang="fr" dir="ltr">' in french.html


def _po(folder: Path, language: str, translations: dict[str, str]) -> None:
    from babel.messages.catalog import Catalog

    catalogue = Catalog(locale=language)
    for message, text in translations.items():
        catalogue.add(message, text)
    target = folder / language / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True)
    with target.open("wb") as out:
        write_po(out, catalogue)


def test_a_plugins_catalogue_adds_to_the_cores_and_wins(tmp_path):
    plugin = tmp_path / "plugin"
    _po(plugin, "fr", {"Log out": "Quitter", "Gadgets": "Gadgets (fr)"})
    merged = i18n.translations("fr", (str(i18n.CORE_TRANSLATIONS), str(plugin)))
    assert merged.gettext("Gadgets") == "Gadgets (fr)"
    assert merged.gettext("Log out") == "Quitter"
    assert merged.gettext("Password") == "Mot de passe"


def test_extract_and_update_keep_the_translations_made(site, tmp_path):
    addon = tmp_path / "my_addon"
    (addon / "templates" / "my_addon").mkdir(parents=True)
    (addon / "__init__.py").write_text('from ordercraft.sdk.i18n import _\n\n'
                                       'def hello():\n    return _("Hello from Python")\n')
    (addon / "templates" / "my_addon" / "page.html").write_text(
        '<h1>{{ _("Gadgets") }}</h1>\n')
    result = site.cli(["i18n", "update", str(addon)])
    assert result.exit_code == 0, result.stderr
    pot = (addon / "translations" / "messages.pot").read_text()
    assert 'msgid "Gadgets"' in pot and 'msgid "Hello from Python"' in pot
    french = addon / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    with french.open("rb") as source:
        catalogue = read_po(source)
    assert {m.id for m in catalogue if m.id} == {"Gadgets", "Hello from Python"}
    catalogue.get("Gadgets").string = "Gadgets !"
    with french.open("wb") as out:
        write_po(out, catalogue)

    (addon / "templates" / "my_addon" / "page.html").write_text(
        '<h1>{{ _("Gadgets") }}</h1><p>{{ _("A new line") }}</p>\n')
    result = site.cli(["i18n", "update", str(addon)])
    assert result.exit_code == 0, result.stderr
    with french.open("rb") as source:
        catalogue = read_po(source)
    assert catalogue.get("Gadgets").string == "Gadgets !"
    assert catalogue.get("A new line") is not None
    for language in ("id", "ar", "mn"):
        assert (addon / "translations" / language / "LC_MESSAGES" / "messages.po").is_file()


def test_an_enabled_plugins_catalogue_translates_its_menu_entries(make_site):
    site = make_site(plugins=["crm", "sales"])
    _set_language(site, "fr")
    home = site.client("admin").get("/").get_data(as_text=True)
    assert ">Commandes</a>" in home and ">Factures</a>" in home and ">Accueil</a>" in home
