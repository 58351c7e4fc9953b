"""Translating a plugin's own text: flash messages, form errors, labels.

Templates mark text with ``{{ _("...") }}``; Python code uses the same catalogue::

    from ordercraft.sdk.i18n import _, lazy_gettext, ngettext

    STATES = {"open": lazy_gettext("Open")}          # module level: translated when shown

    flash(_("Order %(ref)s confirmed", ref=order.ref))
    flash(ngettext("%(num)d line received", "%(num)d lines received", count))

The language is the signed-in user's (``User.language``), else the site setting
``default_language``, else English; :func:`current_locale` says which. Print forms and
e-mails render in their recipient's language: pass ``language=language_of(session,
user)`` to ``render_mail`` for a mail to a user (a client's mail uses the site default).

A plugin ships its catalogues beside its package::

    my_plugin/translations/messages.pot
    my_plugin/translations/<lang>/LC_MESSAGES/messages.po

plain ``.po`` files (no ``.mo``): they are read when the language is first needed.
``ordercraft i18n extract`` and ``ordercraft i18n update`` make and refresh them
(docs/plugins.md, "Translations").
"""

from ordercraft.core.i18n import (
    LANGUAGES,
    N_,
    RIGHT_TO_LEFT,
    SOURCE_LANGUAGE,
    current_locale,
    gettext,
    language_of,
    lazy_gettext,
    ngettext,
    site_language,
    text_direction,
    use_language,
)

#: The usual short name of :func:`gettext`.
_ = gettext

__all__ = [
    "LANGUAGES",
    "N_",
    "RIGHT_TO_LEFT",
    "SOURCE_LANGUAGE",
    "_",
    "current_locale",
    "gettext",
    "language_of",
    "lazy_gettext",
    "ngettext",
    "site_language",
    "text_direction",
    "use_language",
]
