"""What marketing declares to the site: its permissions, the roles that hold them by
default, and its settings."""

from __future__ import annotations

from typing import Any

from ordercraft.sdk import ValidationError

RATE_SETTING = "marketing_mails_per_minute"


def _rate(value: int) -> int:
    if not 1 <= value <= 100000:
        raise ValidationError(f"{value!r} is not a number of mails per minute from 1 to 100000")
    return value


def permissions(registry: Any) -> None:
    registry.permission("marketing.read", "Read marketing",
                        "See channels, campaigns, the return report, mailings and surveys.")
    registry.permission("marketing.write", "Run marketing",
                        "Add channels and campaigns with their costs and participants; "
                        "write, schedule and send mailings; create surveys.")
    registry.grant("manager", "marketing.read", "marketing.write")


def settings(registry: Any) -> None:
    registry.setting(RATE_SETTING, "int", "60", "Mailing rate (mails per minute)",
                     "A mailing's e-mails are queued spread out at this rate: the worker "
                     "sends them as they come due.", check=_rate)
