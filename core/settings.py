"""Site settings: typed values the core and the plugins declare, each with a default.

A setting is declared once (the core's below, a plugin's through the hook
``register_settings(registry)``) with its type — ``str``, ``int``, ``decimal``,
``bool`` or ``choice`` — its default, a label and a help text. The site's value is
kept as canonical text in ``site_settings`` (absent = the default) and checked
against the declaration whenever it is set, so a value read back always parses.
``ordercraft settings list|get|set|reset`` is the command line over these functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordercraft.core.errors import NotFound, PluginError, ValidationError
from ordercraft.core.hooks import site_hooks
from ordercraft.core.registries import once_per_plugin_set

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.hooks import Hooks

SETTING_TYPES = ("str", "int", "decimal", "bool", "choice")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
MAX_TEXT = 2000
#: Decimal places a decimal setting may have.
DECIMAL_PLACES = 6
#: Changes of settings are in the audit log under this entity (``--id`` the name): the
#: table also holds the site's internal keys, so the service writes them, not the rows.
AUDIT_ENTITY = "setting"


def _folder(value: str) -> str:
    """An existing folder, stored as its absolute path; empty for none."""
    if not value:
        return value
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise ValidationError(f"{value!r} is not a folder")
    return str(path)


@dataclass(frozen=True)
class Setting:
    """One declared setting.

    :param check: further validation of a parsed value: returns the value to store or
        raises :class:`~ordercraft.core.errors.ValidationError` (its message is prefixed
        with the setting's name).
    :param follows: the setting whose value this one takes while it is not set itself
        (a plugin's currency follows the core's ``default_currency``); ``default`` is then
        ``None``.
    """

    name: str
    type: str
    default: Any
    label: str
    help: str = ""
    choices: tuple[str, ...] = ()
    check: Callable[[Any], Any] | None = None
    plugin: str = "core"
    #: A ``str`` setting whose value may hold several lines (an address).
    multiline: bool = False
    follows: str | None = None

    def parse(self, raw: Any) -> Any:
        """The typed value of ``raw`` (text from the command line, or a typed value);
        a :class:`~ordercraft.core.errors.ValidationError` names the setting and value."""
        from ordercraft.core.services import fields

        name = self.name
        if self.type == "str":
            if self.multiline and isinstance(raw, str):  # a form's textarea sends CRLF
                raw = raw.replace("\r\n", "\n").replace("\r", "\n")
            value: Any = fields.text(raw, field=name, max_length=MAX_TEXT,
                                     multiline=self.multiline)
        elif self.type == "int":
            value = fields.whole_number(raw, field=name)
        elif self.type == "decimal":
            value = fields.decimal(raw, field=name, places=DECIMAL_PLACES)
        elif self.type == "bool":
            value = fields.flag(raw, field=name)
        else:
            text = fields.text(raw, field=name, max_length=MAX_TEXT)
            value = next((c for c in self.choices if c.casefold() == text.casefold()), None)
            if value is None:
                raise fields.invalid(name, f"{raw!r} is not one of {', '.join(self.choices)}")
        if self.check is not None:
            try:
                value = self.check(value)
            except ValidationError as exc:
                raise fields.invalid(name, exc.message) from None
        return value

    def text(self, value: Any) -> str:
        """The canonical text a value is stored as."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return format(value, "f")
        return str(value)

    def json_value(self, value: Any) -> Any:
        """A value as JSON: decimals as exact strings."""
        return format(value, "f") if isinstance(value, Decimal) else value

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "label": self.label, "help": self.help,
                "choices": list(self.choices) or None, "plugin": self.plugin,
                "default": self.json_value(self.default), "follows": self.follows}


class SettingRegistry:
    """The settings of the core and the enabled plugins, each name once.

    Passed to the hook ``register_settings``; a malformed declaration or a name taken
    already is a :class:`~ordercraft.core.errors.PluginError` naming the plugin.
    """

    def __init__(self) -> None:
        self.current_plugin = "core"
        self._settings: dict[str, Setting] = {}

    def setting(self, name: str, type: str, default: Any, label: str, help: str = "", *,
                choices: tuple[str, ...] | list[str] = (),
                check: Callable[[Any], Any] | None = None, multiline: bool = False,
                follows: str | None = None) -> Setting:
        """Declare the setting ``name`` of ``type`` (``str``, ``int``, ``decimal``,
        ``bool`` or ``choice``, which needs ``choices``) with its default value;
        ``multiline``: a ``str`` value may hold several lines (an address).

        ``follows``: the name of a setting declared before, of the same type, whose value
        this one takes while it is not set (``default`` is ignored then): a plugin's
        currency that follows the company's ``default_currency`` until an administrator
        gives the plugin one of its own::

            registry.setting("shop_currency", "str", None, "Shop currency",
                             follows="default_currency", check=currency_code)
        """
        plugin = self.current_plugin
        where = f"plugin {plugin!r} declares setting {name!r}"
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise PluginError(f"{where}: a setting is named with lower-case letters, digits "
                              "and '_'")
        if name in self._settings:
            raise PluginError(f"{where}, already declared by {self._settings[name].plugin!r}")
        if type not in SETTING_TYPES:
            raise PluginError(f"{where} of type {type!r}; types: {', '.join(SETTING_TYPES)}")
        if (type == "choice") != bool(choices):
            raise PluginError(f"{where}: a choice setting and only a choice setting has "
                              "choices")
        if not isinstance(label, str) or not label.strip():
            raise PluginError(f"{where} without a label")
        if follows is not None:
            followed = self._settings.get(follows)
            if followed is None or followed.type != type:
                raise PluginError(f"{where} following {follows!r}, which is not a setting "
                                  f"of type {type!r} declared before it")
        setting = Setting(name, type, None, label.strip(), help.strip(),
                          tuple(str(c) for c in choices), check, plugin, multiline, follows)
        try:
            default_value = None if follows is not None else setting.parse(default)
        except ValidationError as exc:
            raise PluginError(f"{where} with a default that is not valid: {exc.message}") from None
        setting = Setting(name, type, default_value, setting.label, setting.help,
                          setting.choices, check, plugin, multiline, follows)
        self._settings[name] = setting
        return setting

    def get(self, name: str) -> Setting:
        found = self._settings.get(name)
        if found is None:
            raise NotFound(f"setting {name!r} does not exist (settings: "
                           f"{', '.join(sorted(self._settings)) or 'none'})", field="name")
        return found

    def __iter__(self) -> Any:
        return iter(sorted(self._settings.values(), key=lambda s: (s.plugin != "core", s.plugin,
                                                                  s.name)))


def _at_least_one(value: int) -> int:
    if value < 1:
        raise ValidationError(f"must be at least 1 (got {value})")
    return value


def currency_code(value: str) -> str:
    """A currency code's check for a setting (``check=currency_code``): three letters,
    stored in capitals (``eur`` -> ``EUR``)."""
    from ordercraft.core.money import currency_code as written

    code = written(value)
    if not code:
        raise ValidationError(f"{value!r} is not a currency code (three letters, e.g. EUR)")
    return code


def register_core(registry: SettingRegistry) -> None:
    from ordercraft.core.calendar import DEFAULT_WORKING_DAYS, parse_holidays, parse_working_days
    from ordercraft.core.formatting import DEFAULT_TIME_ZONE, parse_time_zone
    from ordercraft.core.i18n import DEFAULT_LANGUAGE_SETTING, LANGUAGES, SOURCE_LANGUAGE
    from ordercraft.core.printing import COMPANY_FIELDS, TEMPLATES_DIR_SETTING

    registry.current_plugin = "core"
    registry.setting("session_idle_minutes", "int", 120, "Session idle timeout (minutes)",
                     "A browser session unused for this long ends; the next request asks "
                     "for the login again.", check=_at_least_one)
    registry.setting("session_lifetime_hours", "int", 12, "Session lifetime (hours)",
                     "A browser session ends this long after its login, however busy.",
                     check=_at_least_one)
    registry.setting("login_lock_failures", "int", 10, "Failed logins before a lock",
                     "After this many failed logins in a row, for one account or from one "
                     "address, logins are refused until the lock ends (each failure before "
                     "it waits a little longer).", check=_at_least_one)
    registry.setting("login_lock_minutes", "int", 15, "Login lock (minutes)",
                     "How long an account or address stays locked after too many failed "
                     "logins.", check=_at_least_one)
    registry.setting(TEMPLATES_DIR_SETTING, "str", "", "Print templates folder",
                     "A folder of print templates used before the shipped ones (a file with a "
                     "form's relative path replaces it); empty: ORDERCRAFT_TEMPLATES_DIR, "
                     "else only the shipped ones.", check=_folder)
    registry.setting("stock_import_past_days", "int", 3660, "Stock import: oldest date (days)",
                     "`stock import` refuses a row dated more than this many days before "
                     "today (a typo such as 1024 for 2024).", check=_at_least_one)
    registry.setting("stock_import_future_days", "int", 31,
                     "Stock import: latest date (days ahead)",
                     "`stock import` refuses a row dated more than this many days after "
                     "today (a typo such as 2204 for 2024).", check=_at_least_one)
    labels = {"name": "Company name", "address": "Company address",
              "tax_id": "Company tax id", "registration_no": "Company registration number",
              "bank_details": "Company bank details", "phone": "Company phone",
              "email": "Company e-mail"}
    for field in COMPANY_FIELDS:
        registry.setting(f"company_{field}", "str", "", labels[field],
                         "Printed on the letterhead of every print form.",
                         multiline=field in ("address", "bank_details"))
    registry.setting("default_currency", "str", "EUR", "Default currency",
                     "The company's currency (ISO 4217 code such as EUR or USD).",
                     check=currency_code)
    registry.setting(DEFAULT_LANGUAGE_SETTING, "choice", SOURCE_LANGUAGE, "Default language",
                     "The language of the pages, print forms and mails for users who chose "
                     "none, and of print forms and e-mails to clients.", choices=tuple(LANGUAGES))
    registry.setting("default_time_zone", "str", DEFAULT_TIME_ZONE, "Default time zone",
                     "The IANA time zone (Europe/Paris, Asia/Jakarta) dates are shown in for "
                     "users who chose none, and on print forms and mails.",
                     check=lambda value: parse_time_zone(value, field=""))
    registry.setting("working_days", "str", DEFAULT_WORKING_DAYS, "Working days",
                     "Weekdays the company works (mon,tue,wed,thu,fri); deadlines and "
                     "planning count in them.", check=parse_working_days)
    registry.setting("holidays", "str", "", "Holidays",
                     "Dates no one works (YYYY-MM-DD, separated by commas); deadlines skip "
                     "them.", check=parse_holidays, multiline=True)
    registry.setting("backup_daily", "bool", False, "Daily backups",
                     "`ordercraft worker` makes a backup of the site once a day.")
    registry.setting("backup_keep_days", "int", 14, "Keep backups (days)",
                     "Backups in the backup folder older than this are removed after each "
                     "scheduled backup.", check=_at_least_one)
    registry.setting("backup_dir", "str", "", "Backup folder",
                     "Where backups made from the browser and the daily backups are kept; "
                     "empty: ORDERCRAFT_BACKUP_DIR, else the folder 'backups' in the site's "
                     "configuration folder.", check=_folder)


@once_per_plugin_set
def setting_registry(hooks: Hooks) -> SettingRegistry:
    """The settings of the core and of the enabled plugins (built once per plugin set)."""
    registry = SettingRegistry()
    register_core(registry)
    hooks.register_settings(registry)
    return registry


def session_settings(session: Session) -> SettingRegistry:
    return setting_registry(site_hooks(session))


# --------------------------------------------------------------------------- services


def _stored(session: Session, names: Iterable[str]) -> dict[str, str]:
    from sqlalchemy import select

    from ordercraft.core.models import SiteSetting

    return dict(session.execute(select(SiteSetting.key, SiteSetting.value)
                                .where(SiteSetting.key.in_(list(names)))).all())


def _chain(registry: SettingRegistry, setting: Setting) -> list[Setting]:
    """``setting`` and the settings it follows, nearest first."""
    chain = [setting]
    while chain[-1].follows is not None:
        chain.append(registry.get(chain[-1].follows))
    return chain


def _current(chain: list[Setting], stored: Mapping[str, str]) -> Any:
    """The value of ``chain[0]``: its stored one, else that of the setting it follows,
    else the last one's default."""
    for setting in chain:
        if setting.name in stored:
            return setting.parse(stored[setting.name])
    return chain[-1].default


def get_setting(session: Session, name: str) -> Any:
    """The typed value of setting ``name`` on this site (its default when not set; for a
    setting that follows another, the other's value)."""
    registry = session_settings(session)
    chain = _chain(registry, registry.get(name))
    return _current(chain, _stored(session, [s.name for s in chain]))


def setting_dict(chain: list[Setting], stored: Mapping[str, str]) -> dict[str, Any]:
    setting = chain[0]
    return {**setting.as_dict(), "value": setting.json_value(_current(chain, stored)),
            "is_default": setting.name not in stored}


def list_settings(session: Session) -> list[dict[str, Any]]:
    """Every declared setting with its value on this site and its default."""
    registry = session_settings(session)
    declared = list(registry)
    stored = _stored(session, [s.name for s in declared])
    return [setting_dict(_chain(registry, s), stored) for s in declared]


def describe_setting(session: Session, name: str) -> dict[str, Any]:
    registry = session_settings(session)
    chain = _chain(registry, registry.get(name))
    return setting_dict(chain, _stored(session, [s.name for s in chain]))


def set_setting(session: Session, name: str, value: Any) -> dict[str, Any]:
    """Check ``value`` against the declaration and store it (audited); an empty value
    makes a setting that follows another follow it again."""
    return _change(session, name, value, reset=False)


def reset_setting(session: Session, name: str) -> dict[str, Any]:
    """Go back to the declared default (audited)."""
    return _change(session, name, None, reset=True)


def _change(session: Session, name: str, value: Any, *, reset: bool) -> dict[str, Any]:
    from ordercraft.core.audit import record_change
    from ordercraft.core.models import SiteSetting
    from ordercraft.core.permissions import require_session_permission

    require_session_permission(session, "site.admin")
    registry = session_settings(session)
    setting = registry.get(name)
    if setting.follows is not None and (value is None or str(value).strip() == ""):
        reset = True  # empty: follow the other setting again
    row = session.get(SiteSetting, name, with_for_update=True)
    before = row.value if row is not None else None
    after = None if reset else setting.text(setting.parse(value))
    if after is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(SiteSetting(key=name, value=after))
    else:
        row.value = after
    session.flush()
    if before != after:
        record_change(session, AUDIT_ENTITY, name, {"value": [before, after]})
    chain = _chain(registry, setting)
    stored = _stored(session, [s.name for s in chain[1:]])
    if after is not None:
        stored[name] = after
    return setting_dict(chain, stored)
