"""The site's SMTP settings: kept as site settings, except the password, which comes from
the environment (``ORDERCRAFT_SMTP_PASSWORD``) and is never written to the database.

=================== ================== ==============================================
site setting        ``mail settings``  meaning
=================== ================== ==============================================
``smtp_host``       ``--host``         the SMTP server; empty: mail waits in the outbox
``smtp_port``       ``--port``         its port (default 25; 587 for STARTTLS, 465 SSL)
``smtp_security``   ``--security``     ``none``, ``starttls`` or ``ssl``
``smtp_user``       ``--user``         the login; empty: no login
``smtp_ca_file``    ``--ca-file``      CA certificates to trust (default: the system's)
``mail_from``       ``--from``         the From address (the company name is its name)
``mail_max_attempts`` ``--max-attempts`` attempts before a message is failed (default 8)
``site_url``        ``--site-url``     where people open the site, for links in mails
=================== ================== ==============================================
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordercraft.core.services import fields as check

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PASSWORD_ENV = "ORDERCRAFT_SMTP_PASSWORD"
SECURITY_MODES = ("none", "starttls", "ssl")
DEFAULT_MAX_ATTEMPTS = 8
_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 25
    security: str = "none"
    user: str = ""
    ca_file: str = ""
    sender: str = ""
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    site_url: str = ""

    @property
    def password(self) -> str:
        """The login's password, read from the environment when it is needed."""
        return os.environ.get(PASSWORD_ENV, "")

    @property
    def ready(self) -> bool:
        """Whether mail can be sent: a server and a From address are set."""
        return bool(self.host and self.sender)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ready": self.ready,
                "password_set": bool(self.password), "password_from": PASSWORD_ENV}


#: field of MailSettings -> its site setting
SETTING_KEYS = {"host": "smtp_host", "port": "smtp_port", "security": "smtp_security",
                "user": "smtp_user", "ca_file": "smtp_ca_file", "sender": "mail_from",
                "max_attempts": "mail_max_attempts", "site_url": "site_url"}


def read_settings(session: Session) -> MailSettings:
    """The site's mail settings (defaults for those never set)."""
    from sqlalchemy import select

    from ordercraft.core.models import SiteSetting

    stored = dict(session.execute(select(SiteSetting.key, SiteSetting.value)
                                  .where(SiteSetting.key.in_(SETTING_KEYS.values()))).all())
    values: dict[str, Any] = {}
    for item in fields(MailSettings):
        raw = (stored.get(SETTING_KEYS[item.name]) or "").strip()
        if raw and item.type == "int":
            values[item.name] = int(raw) if raw.isdigit() else item.default
        elif raw:
            values[item.name] = raw
    return MailSettings(**values)


def update_settings(session: Session, **changes: Any) -> MailSettings:
    """Change some of the settings (``None`` leaves one as it is; ``""`` clears it);
    needs ``mail.manage``. Each value is checked, and the message names the field."""
    from ordercraft.core.models import SiteSetting
    from ordercraft.core.permissions import require_session_permission

    require_session_permission(session, "mail.manage")
    unknown = sorted(set(changes) - set(SETTING_KEYS))
    if unknown:
        raise check.invalid(unknown[0], f"is not a mail setting (settings: "
                            f"{', '.join(SETTING_KEYS)})")
    given = {name: value for name, value in changes.items() if value is not None}
    cleaned = {name: _clean(name, value) for name, value in given.items()}
    settings = replace(read_settings(session), **cleaned)
    for name, value in cleaned.items():
        key = SETTING_KEYS[name]
        row = session.get(SiteSetting, key)
        if row is None:
            session.add(SiteSetting(key=key, value=str(value)))
        else:
            row.value = str(value)
    session.flush()
    from ordercraft.core.mail.templates import SITE_CACHE

    session.info.pop(SITE_CACHE, None)  # mail templates read the site URL once per transaction
    return settings


def _clean(name: str, value: Any) -> Any:
    defaults = MailSettings()
    if value == "" and name in ("port", "max_attempts", "security"):
        return getattr(defaults, name)
    if name == "host":
        host = check.text(value, field="host", max_length=250)
        return check.code(host, field="host", max_length=250) if host else ""
    if name == "port":
        return check.whole_number(value, field="port", minimum=1, maximum=65535)
    if name == "security":
        return check.choice(value, field="security", choices=SECURITY_MODES)
    if name == "user":
        return check.text(value, field="user", max_length=250)
    if name == "ca_file":
        path = check.text(value, field="ca_file", max_length=1000)
        if path and not Path(path).expanduser().is_file():
            raise check.invalid("ca_file", f"{path!r} is not a file")
        return str(Path(path).expanduser().resolve()) if path else ""
    if name == "sender":
        return check.email(value, field="from")
    if name == "max_attempts":
        return check.whole_number(value, field="max_attempts", minimum=1, maximum=50)
    url = check.text(value, field="site_url", max_length=500).rstrip("/")
    if url and not _URL.match(url):
        raise check.invalid("site_url", f"{url!r} is not an http:// or https:// address")
    return url
